"""The compiled direct convolution (npdeep.kernels.conv) against its NumPy twin, im2col's
"flat" method on the same padded grid (Columns.fill and add_back around the GEMMs), on random
shapes, float32 and float64. Skipped without numba."""
import numpy as np
import pytest

from npdeep import kernels
from npdeep.functional import im2col

pytest.importorskip("numba")


def random_case(rng, dtype):
    f = int(rng.integers(1, 7))
    m, n_C_prev, n_C = (int(x) for x in rng.integers(1, 4, size=3))
    n_H_pad, n_W_pad = (f + int(x) for x in rng.integers(0, 6, size=2))
    X = rng.standard_normal((n_C_prev, m, n_H_pad, n_W_pad)).astype(dtype)
    W = rng.standard_normal((f, f, n_C_prev, n_C)).astype(dtype)
    b = rng.standard_normal(n_C).astype(dtype)
    return X, W, b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_kernels_match_im2col_flat(dtype):
    rng = np.random.default_rng(0)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for trial in range(12):
        X, W, b = random_case(rng, dtype)
        if trial == 0:  # more positions than one of the kernels' blocks, f = 5 as LeNet's
            X = rng.standard_normal((2, 3, 30, 40)).astype(dtype)
            W = rng.standard_normal((5, 5, 2, 6)).astype(dtype)
            b = rng.standard_normal(6).astype(dtype)
        f, _, n_C_prev, n_C = W.shape
        _, m, n_H_pad, n_W_pad = X.shape
        n_H, n_W = n_H_pad - f + 1, n_W_pad - f + 1
        case = f"X {X.shape} W {W.shape}"
        cols = im2col.Columns(X, f, 1, n_H, n_W, "flat", chunk_bytes=2**30)
        R, K, L = cols.n_cols, cols.K, m * n_H_pad * n_W_pad
        colsT = np.empty((K, R), dtype)
        cols.fill((0, R), colsT)
        W2 = W.reshape(K, n_C)  # (f·f·n_C_prev, n_C)

        Z = np.full((n_C, L), np.nan, dtype)
        kernels.conv.forward(X.reshape(n_C_prev, L), W, b, Z, n_W_pad)
        np.testing.assert_allclose(Z[:, :R], W2.T @ colsT + b[:, None], rtol=tol, atol=tol,
                                   err_msg=case)

        # dZ on the grid: zeros where the forward's output is cropped, as conv.py places it
        dZ = np.zeros((n_C, m, n_H_pad, n_W_pad), dtype)
        dZ[:, :, :n_H, :n_W] = rng.standard_normal((n_C, m, n_H, n_W))
        off = kernels.conv.offset(f, n_W_pad)
        dZg = np.concatenate([np.zeros((n_C, off), dtype), dZ.reshape(n_C, L)], axis=1)
        dZ_R = dZ.reshape(n_C, L)[:, :R]

        dW, db = kernels.conv.backward_filter(X.reshape(n_C_prev, L), dZg, f, n_W_pad)
        np.testing.assert_allclose(dW, (colsT @ dZ_R.T).reshape(W.shape), rtol=tol, atol=tol,
                                   err_msg=case)
        np.testing.assert_allclose(db, dZ_R.sum(axis=1), rtol=tol, atol=tol, err_msg=case)

        dX = np.full((n_C_prev, L), np.nan, dtype)  # overwritten
        kernels.conv.backward_input(dZg, W, dX, n_W_pad)
        dX_ref = np.zeros_like(X)
        cols.add_back((0, R), W2 @ dZ_R, dX_ref)
        np.testing.assert_allclose(dX, dX_ref.reshape(n_C_prev, L), rtol=tol, atol=tol,
                                   err_msg=case)
