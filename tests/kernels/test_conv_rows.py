"""The compiled "rows" convolution (npdeep.kernels.conv.rows_*, batch-last images) against
NumPy: the convolution of the course over every window of the zero-padded images, its
gradients, on random shapes (odd and even channel counts, f = 1..6, padding on every side),
float32 and float64. Skipped without numba."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from npdeep import kernels

pytest.importorskip("numba")


def reference(A_pad, W, b):
    """Z (m, n_H, n_W, n_C) over the windows of A_pad (m, n_H_pad, n_W_pad, n_C_prev)."""
    f = W.shape[0]
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))  # (m, n_H, n_W, n_C_prev, f, f)
    return np.einsum("mhwcij,ijck->mhwk", windows, W) + b


def random_case(rng, dtype, trial):
    f = int(rng.integers(1, 7))
    m, n_C_prev, n_C = (int(x) for x in rng.integers(1, 5, size=3))
    n_H_prev, n_W_prev = (f + int(x) for x in rng.integers(0, 6, size=2))
    top, bottom, left, right = (int(x) for x in rng.integers(0, f, size=4))
    if trial == 0:  # LeNet-5's second layer, smaller batch: rows longer than a block
        f, m, n_C_prev, n_C, n_H_prev, n_W_prev = 5, 16, 6, 16, 14, 14
        top = bottom = left = right = 0
    if trial == 1:  # f = 3 and 4 unrolled, "same"-like padding
        f, top, bottom, left, right = 3 + (int(rng.integers(0, 2))), 1, 2, 1, 2
    if trial == 2:  # f = 5, 7 output channels: dW's four at a time, a pair and one left
        f, n_C, n_H_prev, n_W_prev, top, bottom, left, right = 5, 7, 6, 7, 2, 1, 0, 3
    A = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev)).astype(dtype)
    W = rng.standard_normal((f, f, n_C_prev, n_C)).astype(dtype)
    b = rng.standard_normal(n_C).astype(dtype)
    return A, W, b, (top, bottom, left, right)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_kernels_match_numpy(dtype):
    rng = np.random.default_rng(0)
    tol = 3e-5 if dtype == np.float32 else 1e-12
    for trial in range(14):
        A, W, b, (top, bottom, left, right) = random_case(rng, dtype, trial)
        f = W.shape[0]
        m, n_H_prev, n_W_prev, n_C_prev = A.shape
        A_pad = np.pad(A, ((0, 0), (top, bottom), (left, right), (0, 0)))
        Z_ref = reference(A_pad, W, b)
        _, n_H, n_W, n_C = Z_ref.shape
        case = f"A {A.shape} W {W.shape} pads {(top, bottom, left, right)}"

        # X: batch-last, padded left and right only (the kernels imply the rows)
        X = np.ascontiguousarray(np.pad(A, ((0, 0), (0, 0), (left, right), (0, 0)))
                                 .transpose(3, 1, 2, 0))
        Z = np.full((n_C, n_H, n_W, m), np.nan, dtype)
        cut = n_H // 2  # two blocks of rows, as two threads run them
        kernels.conv.rows_forward(X, W, b, Z, top, 0, cut)
        kernels.conv.rows_forward(X, W, b, Z, top, cut, n_H)
        np.testing.assert_allclose(Z.transpose(3, 1, 2, 0), Z_ref, rtol=tol, atol=tol,
                                   err_msg=case)

        dZ = rng.standard_normal((n_C, n_H, n_W, m)).astype(dtype)
        dZ_nhwc = dZ.transpose(3, 1, 2, 0)
        windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))
        dW_ref = np.einsum("mhwcij,mhwk->ijck", windows, dZ_nhwc)
        dW = (kernels.conv.rows_backward_filter(X, dZ, f, top, 0, cut)
              + kernels.conv.rows_backward_filter(X, dZ, f, top, cut, n_H))
        np.testing.assert_allclose(dW, dW_ref, rtol=tol, atol=tol * n_H * n_W * m,
                                   err_msg=case)

        # dA_pad[m, h + i, w + j, c] += dZ[m, h, w, k] · W[i, j, c, k], the course's loops
        dA_pad = np.zeros(A_pad.shape)
        for i in range(f):
            for j in range(f):
                dA_pad[:, i:i + n_H, j:j + n_W] += dZ_nhwc @ W[i, j].T
        dZw = np.ascontiguousarray(np.pad(dZ, ((0, 0), (0, 0), (f - 1, f - 1), (0, 0))))
        dX = np.full(X.shape, np.nan, dtype)  # overwritten
        kernels.conv.rows_backward_input(dZw, W, dX, top, 0, 1)
        kernels.conv.rows_backward_input(dZw, W, dX, top, 1, n_H_prev)
        np.testing.assert_allclose(dX.transpose(3, 1, 2, 0),
                                   dA_pad[:, top:top + n_H_prev], rtol=tol, atol=tol * f * f,
                                   err_msg=case)


def test_rows_kernels_refuse_strided_arrays():
    X = np.zeros((2, 6, 6, 4), np.float32)
    Z = np.zeros((3, 4, 4, 4), np.float32)
    W = np.zeros((3, 3, 2, 3), np.float32)
    with pytest.raises(ValueError, match="C-contiguous"):
        kernels.conv.rows_forward(X[:, :, :, ::2], W, np.zeros(3, np.float32), Z[..., ::2],
                                  0, 0, 4)
