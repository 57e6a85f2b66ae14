"""The direct convolution of thin stride-1 layers as compiled loops (npdeep.functional.conv's
"direct" method; see _conv_numba for the loops and why they beat im2col there).

Each function computes what conv.py's im2col "flat" method computes on the same padded grid
(its NumPy twin: Columns.fill + the GEMM, the dW GEMM, the dcols GEMM + Columns.add_back);
tests/kernels/test_conv.py compares the two.

    forward          Z = W ∗ X + b on the grid             (Conv2d forward, "flat")
    backward_input   dX = the adjoint of forward in X      (dcolsᵀ = W₂ dZᵀ, then col2im)
    backward_filter  dW and db                             (dW_b = colsᵀ dZ)

Arrays: X (n_C_prev, L) and dX (n_C_prev, L), the padded images of a block flattened per
channel, L = images · n_H_pad · n_W_pad; Z (n_C, L); dZg (n_C, off + L), dZ on the grid after
off = (f − 1)·n_W_pad + (f − 1) zeros; W (f, f, n_C_prev, n_C), as conv2d takes it.

The "rows" kernels (_conv_rows_numba) do the same on batch-last images instead, (n_C, n_H,
n_W, m) C-contiguous, one output row at a time, with no position wasted:

    rows_forward          Z = W ∗ X + b for output rows h0..h1−1
    rows_backward_input   dX: rows_forward of dZ (padded left and right by f − 1) with the
                          filters flipped and n_C_prev, n_C swapped
    rows_backward_filter  dW summed over output rows h0..h1−1

Their NumPy twin is conv2d's im2col path (tests/kernels/test_conv_rows.py).
"""
from __future__ import annotations

import numpy as np

_compiled = None
_rows = None


def _rows_kernels():
    """The numba module of the "rows" kernels, imported on first use only."""
    global _rows
    if _rows is None:
        from npdeep.kernels import _conv_rows_numba
        _rows = _conv_rows_numba
    return _rows


def _kernels():
    """The numba module, imported (and its functions compiled) on first use only."""
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _conv_numba
        _compiled = _conv_numba
    return _compiled


def offset(f: int, n_W_pad: int) -> int:
    """The zeros before dZ in dZg: (f − 1)·n_W_pad + (f − 1)."""
    return (f - 1) * n_W_pad + (f - 1)


def forward(X: np.ndarray, W: np.ndarray, b: np.ndarray, Z: np.ndarray, n_W_pad: int,
            z0: int = 0) -> None:
    """Z[:, z0:z0 + L] = the convolution of X (n_C_prev, L) with W at every grid position
    with a whole window after it, plus b (n_C,); the last offset(f, n_W_pad) of those columns
    are left as they were. X and Z must be C-contiguous (a block is an offset z0 into the
    batch's Z)."""
    Wf = np.ascontiguousarray(W.transpose(3, 2, 0, 1))  # (n_C, n_C_prev, f, f)
    _kernels().forward(_contiguous(X), Wf, np.ascontiguousarray(b), _contiguous(Z), z0, n_W_pad)


def backward_input(dZg: np.ndarray, W: np.ndarray, dX: np.ndarray, n_W_pad: int,
                   x0: int = 0, L: int | None = None) -> None:
    """dX[:, x0:x0 + L], overwritten, from dZg (n_C, off + L); L defaults to dX's columns."""
    Wr = np.ascontiguousarray(W[:, ::-1].transpose(2, 3, 0, 1))  # (n_C_prev, n_C, f, f)
    L = dX.shape[1] - x0 if L is None else L
    _kernels().backward_input(_contiguous(dZg), Wr, _contiguous(dX), x0, L, n_W_pad)


def _contiguous(array: np.ndarray) -> np.ndarray:
    """The array itself, which must be C-contiguous (the loops write into it)."""
    if not array.flags.c_contiguous:
        raise ValueError(f"npdeep.kernels.conv: arrays must be C-contiguous; got strides "
                         f"{array.strides} for shape {array.shape}")
    return array


def backward_filter(X: np.ndarray, dZg: np.ndarray, f: int, n_W_pad: int) -> tuple:
    """(dW (f, f, n_C_prev, n_C), db (n_C,)) from X (n_C_prev, L) and dZg (n_C, off + L)."""
    n_C, n_C_prev = dZg.shape[0], X.shape[0]
    dWf = np.empty((n_C, n_C_prev, f, f), X.dtype)
    db = np.empty(n_C, X.dtype)
    _kernels().backward_filter(_contiguous(X), _contiguous(dZg), dWf, db, n_W_pad)
    return dWf.transpose(2, 3, 1, 0), db


def rows_forward(X: np.ndarray, W: np.ndarray, b: np.ndarray, Z: np.ndarray, top: int,
                 h0: int, h1: int) -> None:
    """Rows h0..h1−1 of Z (n_C, n_H, n_W, m) = the convolution of X (n_C_prev, n_H_prev,
    n_W_pad, m), already padded left and right, with W (f, f, n_C_prev, n_C), plus b (n_C,);
    ``top`` zero rows above the image are implied (not stored), as are the rows below it.
    n_W = n_W_pad − f + 1. X and Z must be C-contiguous."""
    Wf = np.ascontiguousarray(W.transpose(3, 2, 0, 1))  # (n_C, n_C_prev, f, f)
    _rows_kernels().forward(_contiguous(X), Wf, np.ascontiguousarray(b), _contiguous(Z),
                            top, h0, h1)


def rows_filters_flipped(W: np.ndarray) -> np.ndarray:
    """W (f, f, n_C_prev, n_C) as the filters of rows_backward_input: rotated by 180° and
    with the channel axes swapped, (f, f, n_C, n_C_prev)."""
    return W[::-1, ::-1].transpose(0, 1, 3, 2)


def rows_backward_input(dZw: np.ndarray, W: np.ndarray, dX: np.ndarray, top: int, h0: int,
                        h1: int) -> None:
    """Rows h0..h1−1 of dX (n_C_prev, n_H_prev, n_W_pad, m), overwritten: the gradient of
    rows_forward's X, from dZw (n_C, n_H, n_W + 2(f − 1), m), dZ with f − 1 zero columns on
    each side. ``top`` as given to rows_forward."""
    f = W.shape[0]
    zeros = np.zeros(dX.shape[0], dX.dtype)
    rows_forward(dZw, rows_filters_flipped(W), zeros, dX, f - 1 - top, h0, h1)


def rows_backward_filter(X: np.ndarray, dZ: np.ndarray, f: int, top: int, h0: int,
                         h1: int) -> np.ndarray:
    """dW (f, f, n_C_prev, n_C) summed over output rows h0..h1−1, from rows_forward's X and
    dZ (n_C, n_H, n_W, m), both C-contiguous."""
    n_C, n_C_prev = dZ.shape[0], X.shape[0]
    dWf = np.empty((n_C, n_C_prev, f, f), X.dtype)
    _rows_kernels().backward_filter(_contiguous(X), _contiguous(dZ), dWf, top, h0, h1)
    return dWf.transpose(2, 3, 1, 0)

