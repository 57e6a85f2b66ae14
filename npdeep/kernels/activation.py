"""ReLU's forward and backward as compiled loops, for large float arrays; sigmoid's forward
for small ones.

np.maximum(Z, 0) and dA * (A > 0) run at about a quarter and a half of memory speed (the
first checks for NaN per element, the second makes a mask and reads it back); one compiled
pass each was 4x and 2x faster on a LeNet-5 activation (128 x 28 x 28 x 6 float32: 0.18 ->
0.045 ms and 0.13 -> 0.06 ms). Arrays are read in their own memory order (NHWC, or the
channel-major order of conv2d's outputs), and the results keep it, as NumPy's do.

Sigmoid's forward is five NumPy passes (negate, cap, exp, add, reciprocal), five calls of
0.2-0.3 µs: on a small array they cost twice the compiled pass (4x4: 1.4 -> 0.7 µs). On large
ones NumPy's vectorized exp wins (4096 values: 5.2 against 9.0 µs), so the kernel takes
arrays up to SIGMOID_MAX_SIZE only.

NumPy twins: npdeep.functional.activation.ReLU's forward and backward, the path taken when
``npdeep.kernels.active()`` is False or an array is small, not a float, or not dense, and
stable_sigmoid; tests/kernels/test_activation.py compares them.
"""
from __future__ import annotations

import numpy as np

from npdeep.functional.buffers import empty_aligned

_compiled = None
MIN_SIZE = 4096  # below this, a NumPy call costs less than the kernel's call
SIGMOID_MAX_SIZE = 1024  # above this, NumPy's five vectorized passes beat one scalar pass
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _kernels():
    """The numba module, imported (and its functions compiled) on first use only."""
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _activation_numba
        _compiled = _activation_numba
    return _compiled


def _memory_order(x: np.ndarray):
    """The axis order in which x is C-contiguous (x.transpose(order) is), or None when x is
    not dense in any order."""
    order = tuple(int(k) for k in np.argsort([-s for s in x.strides], kind="stable"))
    return order if x.transpose(order).flags.c_contiguous else None


def _empty_like(x: np.ndarray, order) -> np.ndarray:
    """np.empty_like(x) (the same memory order), its data starting on a 64-byte line
    (buffers.empty_aligned): the "rows" convolution reads a batch-last ReLU output (its dZ,
    in the backward pass) with aligned vector loads, where a 16-byte aligned one would be
    copied first."""
    shape = tuple(x.shape[k] for k in order)  # x's shape in memory order
    return empty_aligned(shape, x.dtype).transpose(np.argsort(order))


def _flat(x: np.ndarray, order) -> np.ndarray:
    return x.transpose(order).reshape(-1)


def fits(x: np.ndarray) -> bool:
    return x.dtype in (np.float32, np.float64) and x.size >= MIN_SIZE


def relu_forward(Z: np.ndarray):
    """max(Z, 0) in Z's memory order, or None where the kernel does not apply."""
    if not fits(Z):
        return None
    order = _memory_order(Z)
    if order is None:
        return None
    A = _empty_like(Z, order)  # the same strides as Z (dense)
    _kernels().relu_forward(_flat(Z, order), _flat(A, order))
    return A


def relu_backward(A: np.ndarray, dA: np.ndarray):
    """dA · (A > 0) in A's memory order, or None where the kernel does not apply (dA of
    another shape, dtype or memory order)."""
    if not fits(A) or dA.shape != A.shape or dA.dtype != A.dtype:
        return None
    order = _memory_order(A)
    if order is None or not dA.transpose(order).flags.c_contiguous:
        return None
    dZ = _empty_like(A, order)
    _kernels().relu_backward(_flat(A, order), _flat(dA, order), _flat(dZ, order))
    return dZ


def sigmoid_forward(Z: np.ndarray):
    """stable_sigmoid(Z) in one compiled pass for a small C-contiguous float array (at most
    SIGMOID_MAX_SIZE values), or None where the kernel does not apply. The values agree with
    stable_sigmoid's to a few ulp (libm's exp against NumPy's), not bit for bit."""
    if Z.size > SIGMOID_MAX_SIZE or Z.dtype not in _FLOATS or not Z.flags.c_contiguous:
        return None
    A = np.empty_like(Z)
    _kernels().sigmoid_forward(Z.ravel(), A.ravel())
    return A
