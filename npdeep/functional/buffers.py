"""Scratch arrays kept between calls: the one pool that conv2d and the fused recurrent layers share.

A training step needs the same large arrays every iteration (conv2d's padded images and
column blocks, an RNN's saved gates and states and their gradients: a few MB each). Fresh
memory of that size is mapped anew by malloc and costs a page fault and a zeroing per 4 KiB
page on first touch, about as much as the copy that fills it: measured 3.5 ms of a 15 ms LSTM
step (batch 32, T_x = 50, n_a = 128). So arrays that never leave an op go back here once the
op is done with them, and the next call of the same shape takes them again.

Rules for users of the pool: every array taken is fully overwritten before it is read (it
holds stale values, not zeros), and an array is given back only when nothing else can still
read it (never a view that escapes into a returned Tensor).
"""
from __future__ import annotations

import math
import threading

import numpy as np

# Bytes the compiled kernels' arrays start on: a cache line, one AVX-512 vector. NumPy aligns
# to 16 only; loads from a 16-byte aligned row split cache lines. Measured on one thread: the
# "rows" convolution loop 77 -> 108 GFLOP/s, the LSTM's time loop and input projection 15-20%
# faster on 64-byte aligned arrays.
ALIGN = 64


class BufferPool:
    """Arrays kept by (shape, dtype), at most ``per_key`` per key and ``max_bytes`` in all.

    Thread-safe: the threads of a split batch take and give at once, and each array taken is
    held by one taker only.
    """

    def __init__(self, max_bytes: int = 256 * 2**20, per_key: int = 4):
        self.max_bytes, self.per_key = max_bytes, per_key
        self.free, self.bytes = {}, 0
        self.lock = threading.Lock()

    def take(self, shape: tuple, dtype) -> np.ndarray:
        """An array of ``shape`` and ``dtype``, from the pool when one is kept, else new
        (np.empty: its values are garbage either way)."""
        key = (tuple(shape), np.dtype(dtype).str)
        with self.lock:
            arrays = self.free.get(key)
            if arrays:
                array = arrays.pop()
                self.bytes -= array.nbytes
                return array
        return np.empty(shape, dtype)

    def give(self, *arrays: np.ndarray) -> None:
        """Keep ``arrays`` for later takers (each is dropped if its key or the pool is full)."""
        with self.lock:
            for array in arrays:
                kept = self.free.setdefault((array.shape, array.dtype.str), [])
                if len(kept) < self.per_key and self.bytes + array.nbytes <= self.max_bytes:
                    kept.append(array)
                    self.bytes += array.nbytes

    def clear(self) -> None:
        with self.lock:
            self.free, self.bytes = {}, 0


pool = BufferPool()


def empty_aligned(shape: tuple, dtype) -> np.ndarray:
    """np.empty(shape, dtype), C-contiguous, its data starting on an ALIGN-byte boundary (a
    view into a slightly larger buffer)."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize  # (np.prod of a tuple: ~5 µs a call)
    if nbytes == 0:  # no data to align (NumPy may point an empty slice anywhere)
        return np.empty(shape, dtype)
    raw = np.empty(nbytes + ALIGN, np.uint8)
    start = -raw.ctypes.data % ALIGN
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def take_aligned(shape: tuple, dtype) -> np.ndarray:
    """pool.take, ALIGN-byte aligned: a kept array that is not is left for a new aligned one
    (which the pool then keeps when it is given back)."""
    array = pool.take(shape, dtype)
    if array.ctypes.data % ALIGN == 0 or array.size == 0:
        return array
    return empty_aligned(shape, dtype)
