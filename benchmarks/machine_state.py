"""How fast this machine is right now: one core's memory copy and matrix-product speed.

The machine is shared with other virtual machines we cannot see, and its speed drifts (the
same PyTorch step measured 4.4 to 8.5 ms within an hour, no process of ours competing: the
harness's load meter saw none). A ratio means little without the state it was taken in, so
the run probes both at its start and at its end and prints them: a memory-bound step suffers
first when the memory bandwidth drops, a compute-bound one when the clock does. (npdeep's
own "slow level" of earlier runs, its rows up to 2x slower, was mostly malloc returning each
step's memory to the kernel: npdeep.memory.)
"""
from __future__ import annotations

import time

import numpy as np


def _best_seconds(fn, repeats: int) -> float:
    fn()  # untimed: page the arrays in, warm the caches
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _copy_gb_s(megabytes: int, repeats: int) -> float:
    src = np.ones(megabytes * 2**20 // 4, np.float32)
    dst = np.empty_like(src)
    return 2 * src.nbytes / _best_seconds(lambda: np.copyto(dst, src), repeats) / 1e9


def probe(repeats: int = 5, n: int = 768, copy_mb: tuple = (16, 256)) -> dict:
    """One core's speed, best of ``repeats``.

    Returns:
        {"copy16_gb_s", "copy256_gb_s": bytes read + written per second copying a 16 MB
        float32 array (mostly in the last-level cache, which other machines may share) and a
        256 MB one (main memory) — one key per size in ``copy_mb`` —, "sgemm_gflops": an
        n x n x n float32 np.matmul on one BLAS thread}.
    """
    copies = {f"copy{mb}_gb_s": _copy_gb_s(mb, repeats) for mb in copy_mb}
    A = np.ones((n, n), np.float32)
    B = np.ones((n, n), np.float32)
    C = np.empty((n, n), np.float32)
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(limits=1, user_api="blas")
    except ImportError:  # BLAS's own thread count: the figure is then per process
        limit = None
    try:
        gemm_s = _best_seconds(lambda: np.matmul(A, B, out=C), repeats)
    finally:
        if limit is not None:
            limit.restore_original_limits()
    return {**copies, "sgemm_gflops": 2 * n ** 3 / gemm_s / 1e9}


def describe(state: dict) -> str:
    """'copy 16 MB 50.5 GB/s, 256 MB 38.2 GB/s; sgemm 121 GFLOP/s' for one probe."""
    return (f"copy 16 MB {state['copy16_gb_s']:.1f} GB/s, 256 MB {state['copy256_gb_s']:.1f} "
            f"GB/s; sgemm {state['sgemm_gflops']:.0f} GFLOP/s")
