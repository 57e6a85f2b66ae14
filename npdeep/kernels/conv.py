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
"""
from __future__ import annotations

import numpy as np

_compiled = None


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
