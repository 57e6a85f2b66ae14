"""Max and average pooling as compiled loops: one pass over the input, one over the output.

Each function does one block of images (``images``, a slice of the batch axis; the caller
may run blocks on several threads, as the kernels release the GIL) and writes into arrays
the caller made, in the memory order the NumPy path uses (NHWC, or channel-major as conv2d's
outputs are), so both paths hand the next op the same layout. The loops run along the axis
that is contiguous in memory: channels for NHWC arrays, image columns for channel-major ones.

Symbols as in npdeep.functional.pool: f the window, stride its step; arrays are
(m, n_H, n_W, n_C).

The common layer (f = stride = 2) has its own kernels, written out without window loops,
and for batch-last arrays ((n_C, n_H, n_W, m) memory, conv2d's "rows" outputs) a third loop
order, over the images: measured on one thread for LeNet-5's first pool (128x28x28x6,
float32) forward 0.03 ms, backward 0.04.

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


def is_channel_major(A: np.ndarray) -> bool:
    """Whether A (m, n_H, n_W, n_C) is laid out channel-major: (n_C, m, n_H, n_W) contiguous
    (as conv2d's outputs are). The NumPy path (npdeep.functional.pool) asks it too."""
    return not A.flags.c_contiguous and A.transpose(3, 0, 1, 2).flags.c_contiguous


def is_batch_last(A: np.ndarray) -> bool:
    """Whether A (m, n_H, n_W, n_C) is laid out batch-last: (n_C, n_H, n_W, m) contiguous (as
    conv2d's "rows" method makes its outputs), and not plain NHWC."""
    return not A.flags.c_contiguous and A.transpose(3, 1, 2, 0).flags.c_contiguous


def _run(name: str, arrays: tuple, settings: tuple, images: slice) -> None:
    """Run kernel ``name`` in the arrays' layout on the images [start, stop).

    Batch-last arrays go to the "chwn" kernel (where there is one) as their (n_C, n_H, n_W, m)
    transposes, channel-major arrays to the "planes" kernel as their (n_C, m, n_H, n_W) ones,
    all others (NHWC, or any strides: correct, only slower) to the "nhwc" one.
    """
    start, stop, _ = images.indices(arrays[0].shape[0])
    kernels = _kernels()
    if hasattr(kernels, name + "_chwn") and all(is_batch_last(a) for a in arrays):
        kernel = getattr(kernels, name + "_chwn")
        arrays = tuple(a.transpose(3, 1, 2, 0) for a in arrays)
    elif all(is_channel_major(a) for a in arrays):
        kernel = getattr(kernels, name + "_planes")
        arrays = tuple(a.transpose(3, 0, 1, 2) for a in arrays)
    elif arrays[0].shape[3] < 16 and hasattr(kernels, name + "_nhwc_narrow"):
        kernel = getattr(kernels, name + "_nhwc_narrow")
    else:
        kernel = getattr(kernels, name + "_nhwc")
    kernel(*arrays, *settings, start, stop)


def needs_zeros(shape: tuple, f: int, stride: int) -> bool:
    """Whether a backward kernel needs dA_prev (of ``shape``) zeroed first: unless the windows
    tile the whole image (stride == f, no rows or columns left over), it writes only some
    entries, or adds into them."""
    return stride != f or shape[1] % f != 0 or shape[2] % f != 0


def max_pool_winners(A: np.ndarray, f: int) -> np.ndarray:
    """An array for the winner of each window (its index i·f + j), in A's memory order:
    uint8 (f ≤ 16, one byte per output), else int32."""
    return np.empty_like(A, dtype=np.uint8 if f * f <= 256 else np.int32)


def max_pool_forward(A_prev: np.ndarray, f: int, stride: int, A: np.ndarray,
                     winner: np.ndarray, images: slice = slice(None)) -> None:
    """A = the max of each f × f window of A_prev; winner = where it was (i·f + j).

    NOTE: ties go to the first maximal entry, row-major, as in the NumPy path and PyTorch; a
    NaN in a window is its max (as np.maximum propagates it).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C) input.
        f, stride: the window and its step.
        A: (m, n_H, n_W, n_C) output, in A_prev's memory order; its ``images`` are written.
        winner: from max_pool_winners(A, f); its ``images`` are written.
        images: the block of images to do.
    """
    if f == stride == 2:
        _run("max2_forward", (A_prev, A, winner), (), images)
    else:
        _run("max_forward", (A_prev, A, winner), (f, stride), images)


def max_pool_backward(dA: np.ndarray, winner: np.ndarray, f: int, stride: int,
                      dA_prev: np.ndarray, images: slice = slice(None)) -> None:
    """dA_prev[the winner of each window] += dA, 0 to the other entries.

    dA_prev must hold zeros where needs_zeros says so: everywhere when windows overlap or
    leave gaps (stride != f), in the rows and columns no window covers (floor mode) otherwise.

    Args:
        dA: (m, n_H, n_W, n_C), in winner's memory order.
        winner: from max_pool_forward.
        dA_prev: (m, n_H_prev, n_W_prev, n_C) zeros, in the same order; gradients are added.
        images: the block of images to do.
    """
    if f == stride == 2:
        _run("max2_backward", (dA, winner, dA_prev), (), images)
    else:
        _run("max_backward", (dA, winner, dA_prev), (f, stride), images)


def avg_pool_forward(A_prev: np.ndarray, f: int, stride: int, A: np.ndarray,
                     images: slice = slice(None)) -> None:
    """A = the mean of each f × f window of A_prev: the window summed row-major, then times
    1/(f·f) in A's dtype, as the NumPy path computes it (the same bits)."""
    scale = A.dtype.type(1.0 / (f * f))
    if f == stride == 2:
        _run("avg2_forward", (A_prev, A), (scale,), images)
    else:
        _run("avg_forward", (A_prev, A), (f, stride, scale), images)


def avg_pool_backward(dA: np.ndarray, f: int, stride: int, dA_prev: np.ndarray,
                      images: slice = slice(None)) -> None:
    """dA_prev[every entry of each window] += dA/(f·f); zeros first as for max_pool_backward."""
    scale = dA.dtype.type(1.0 / (f * f))
    if f == stride == 2:
        _run("avg2_backward", (dA, dA_prev), (scale,), images)
    else:
        _run("avg_backward", (dA, dA_prev), (f, stride, scale), images)
