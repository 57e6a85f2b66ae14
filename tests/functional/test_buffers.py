"""The scratch-array pool shared by conv2d (im2col) and the fused recurrent layers."""
import threading

import numpy as np

from npdeep.functional import buffers, im2col
from npdeep.functional.recurrent import common


def test_conv_and_recurrent_layers_share_one_pool():
    assert im2col.buffers is buffers.pool and common.pool is buffers.pool


def test_take_returns_a_given_array_by_shape_and_dtype():
    pool = buffers.BufferPool()
    a, b = np.empty((3, 4)), np.empty((3, 4), np.float32)
    pool.give(a, b)
    assert pool.bytes == a.nbytes + b.nbytes
    assert pool.take([3, 4], np.float64) is a  # a list shape finds the same key
    assert pool.take((3, 4), np.float32) is b
    assert pool.bytes == 0
    fresh = pool.take((3, 4), np.float64)
    assert fresh is not a and fresh.shape == (3, 4) and fresh.dtype == np.float64


def test_give_keeps_at_most_per_key_arrays_and_max_bytes():
    pool = buffers.BufferPool(max_bytes=3 * 8 * 16, per_key=2)
    pool.give(*(np.empty(16) for _ in range(3)))
    assert len(pool.free[((16,), np.dtype(np.float64).str)]) == 2
    pool.give(np.empty(32))  # 256 bytes more would pass max_bytes = 384
    assert pool.bytes == 2 * 8 * 16
    pool.clear()
    assert pool.free == {} and pool.bytes == 0


def test_pool_gives_each_taker_its_own_array():
    """Threads of a split batch take and give at once: no array may be held by two takers."""
    pool = buffers.BufferPool()
    for _ in range(2):
        pool.give(np.empty((8, 8)))
    held, clashes, lock = set(), [], threading.Lock()
    barrier = threading.Barrier(2)  # two threads: tests start no more threads than cores

    def take():
        barrier.wait()
        for _ in range(2000):
            array = pool.take((8, 8), np.float64)
            with lock:
                if id(array) in held:
                    clashes.append(id(array))
                held.add(id(array))
            with lock:
                held.discard(id(array))
            pool.give(array)

    workers = [threading.Thread(target=take) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert clashes == []
    assert sum(len(arrays) for arrays in pool.free.values()) <= pool.per_key
