"""Max and average pooling as compiled loops: one pass over the input, one over the output.

Each function works on one block of images (the caller may run blocks on several threads:
the kernels release the GIL) and writes into arrays the caller made, in the memory order the
NumPy path uses (NHWC, or channel-major as conv2d's outputs), so the two paths hand the next
op the same layout. The loops run along the axis that is contiguous in memory: channels for
NHWC arrays, image columns for channel-major ones.

Symbols as in npdeep.functional.pool: f the window, stride its step; arrays are
(images, n_H, n_W, n_C).

NumPy twins: npdeep.functional.pool.MaxPool2d and AvgPool2d, the path taken when
``npdeep.kernels.active()`` is False; tests/kernels/test_pool.py compares them.
"""
from __future__ import annotations

import numpy as np

_compiled = None


def _kernels():
    """The numba module, imported (and its functions compiled) on first use only."""
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _pool_numba
        _compiled = _pool_numba
    return _compiled


def _channels_inner(A: np.ndarray) -> bool:
    """Whether the channel axis is the one with the shortest step in memory (NHWC)."""
    return abs(A.strides[3]) <= abs(A.strides[2])


def max_pool_winners(A: np.ndarray) -> np.ndarray:
    """An array for the winner of each window (its index i·f + j), in A's memory order."""
    return np.empty_like(A, dtype=np.int32)


def max_pool_forward(A_prev: np.ndarray, f: int, stride: int, A: np.ndarray,
                     winner: np.ndarray) -> None:
    """A = the max of each f × f window of A_prev; winner = where it was (i·f + j).

    NOTE: ties go to the first maximal entry, row-major, as in the NumPy path and PyTorch; a
    NaN in a window is its max (as np.maximum propagates it).

    Args:
        A_prev: (images, n_H_prev, n_W_prev, n_C) input.
        f, stride: the window and its step.
        A: (images, n_H, n_W, n_C) output, written.
        winner: int32, A's shape, written.
    """
    kernels = _kernels()
    if _channels_inner(A_prev):
        kernels.max_forward_nhwc(A_prev, f, stride, A, winner)
    else:
        kernels.max_forward_planes(A_prev, f, stride, A, winner)


def max_pool_backward(dA: np.ndarray, winner: np.ndarray, f: int, stride: int,
                      dA_prev: np.ndarray) -> None:
    """dA_prev[window's winner] += dA for every window; dA_prev must hold zeros on entry.

    Args:
        dA: (images, n_H, n_W, n_C), in winner's memory order.
        winner: from max_pool_forward.
        dA_prev: (images, n_H_prev, n_W_prev, n_C), zeros; gradients are added in.
    """
    kernels = _kernels()
    if _channels_inner(dA_prev):
        kernels.max_backward_nhwc(dA, winner, f, stride, dA_prev)
    else:
        kernels.max_backward_planes(dA, winner, f, stride, dA_prev)


def avg_pool_forward(A_prev: np.ndarray, f: int, stride: int, A: np.ndarray) -> None:
    """A = the mean of each f × f window of A_prev: the window summed row-major, then times
    1/(f·f) in A's dtype, as the NumPy path computes it (the same bits)."""
    scale = A.dtype.type(1.0 / (f * f))
    kernels = _kernels()
    if _channels_inner(A_prev):
        kernels.avg_forward_nhwc(A_prev, f, stride, scale, A)
    else:
        kernels.avg_forward_planes(A_prev, f, stride, scale, A)


def avg_pool_backward(dA: np.ndarray, f: int, stride: int, dA_prev: np.ndarray) -> None:
    """dA_prev[every entry of a window] += dA/(f·f); dA_prev must hold zeros on entry."""
    scale = dA.dtype.type(1.0 / (f * f))
    kernels = _kernels()
    if _channels_inner(dA_prev):
        kernels.avg_backward_nhwc(dA, f, stride, scale, dA_prev)
    else:
        kernels.avg_backward_planes(dA, f, stride, scale, dA_prev)
