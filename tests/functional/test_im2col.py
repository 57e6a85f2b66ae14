"""im2col: colsᵀ against the course's windows, col2im as its adjoint (the buffer pool is
tested in test_buffers.py)."""
import numpy as np
import pytest

from npdeep.functional import im2col

# (n_C_prev, m, n_H_pad, n_W_pad, f, stride)
CASES = [(2, 3, 6, 5, 3, 1), (1, 2, 7, 7, 5, 1), (3, 2, 7, 8, 3, 2), (2, 1, 4, 4, 1, 1),
         (2, 2, 6, 6, 2, 3)]


def columns(case, method):
    """Random padded images X of ``case`` and their Columns, in blocks of 500 bytes (so the
    tests cross block edges): X, f, stride, n_H, n_W, cols. Skips "flat" at stride > 1."""
    n_C_prev, m, n_H_pad, n_W_pad, f, stride = case
    if method == "flat" and stride != 1:
        pytest.skip("the flat path is for stride 1")
    n_H, n_W = (n_H_pad - f) // stride + 1, (n_W_pad - f) // stride + 1
    X = np.random.default_rng(0).standard_normal((n_C_prev, m, n_H_pad, n_W_pad))
    cols = im2col.Columns(X, f, stride, n_H, n_W, method, chunk_bytes=500)
    return X, f, stride, n_H, n_W, cols


def all_columns(cols):
    """colsᵀ (f·f·n_C_prev, n_cols), built block by block."""
    out = np.empty((cols.K, cols.n_cols))
    for start, stop in cols.blocks:
        cols.fill((start, stop), out[:, start:stop])
    return out


@pytest.mark.parametrize("method", ["flat", "strided"])
@pytest.mark.parametrize("case", CASES)
def test_columns_hold_every_window(method, case):
    """Column (image i, output h, w) of colsᵀ is the course's a_slice_prev, as (f, f, n_C)."""
    X, f, stride, n_H, n_W, cols = columns(case, method)
    colsT = all_columns(cols)
    n_C_prev, m, n_H_pad, n_W_pad = X.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                if method == "flat":
                    column = (i * n_H_pad + h) * n_W_pad + w  # its place on the padded grid
                else:
                    column = (i * n_H + h) * n_W + w
                window = X[:, i, h * stride:h * stride + f, w * stride:w * stride + f]
                np.testing.assert_array_equal(colsT[:, column],
                                              window.transpose(1, 2, 0).reshape(-1))


@pytest.mark.parametrize("method", ["flat", "strided"])
@pytest.mark.parametrize("case", CASES)
def test_add_back_is_the_adjoint_of_fill(method, case):
    """⟨fill(X), D⟩ = ⟨X, add_back(D)⟩ for any D: col2im is im2col transposed."""
    X, *_, cols = columns(case, method)
    D = np.random.default_rng(1).standard_normal((cols.K, cols.n_cols))
    dX = np.zeros_like(X)
    for start, stop in cols.blocks:
        cols.add_back((start, stop), D[:, start:stop].copy(), dX)
    np.testing.assert_allclose(np.sum(all_columns(cols) * D), np.sum(X * dX), rtol=1e-12)


def test_pad_channels_first_pads_and_views():
    A = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    X, owned = im2col.pad_channels_first(A, ((1, 2), (0, 1)))
    assert owned and X.shape == (5, 2, 6, 5)
    np.testing.assert_array_equal(X[:, :, 1:4, 0:4], A.transpose(3, 0, 1, 2))
    assert X.sum() == pytest.approx(A.sum())  # zeros elsewhere, even in a reused buffer
    channel_major = np.ascontiguousarray(A.transpose(3, 0, 1, 2)).transpose(1, 2, 3, 0)
    view, owned = im2col.pad_channels_first(channel_major, ((0, 0), (0, 0)))
    assert not owned and np.shares_memory(view, channel_major)
    block, owned = im2col.pad_channels_first(channel_major[1:], ((0, 0), (0, 0)))
    assert not owned and np.shares_memory(block, channel_major)  # a split batch's block
    np.testing.assert_array_equal(block, A[1:].transpose(3, 0, 1, 2))
