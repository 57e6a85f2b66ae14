"""The compiled Winograd tile transforms against their NumPy twins in functional.winograd, on
random shapes, float32 and float64, and the whole convolution on both paths. Skipped without
numba."""
import numpy as np
import pytest

from npdeep import kernels
from npdeep.functional import winograd
from npdeep.tensor import Tensor

pytest.importorskip("numba")


def tile_major(T):
    """(4, 4, images, n_tH, n_tW, n) -> (images, n_tH, n_tW, 16, n), the kernels' layout."""
    return T.reshape((16,) + T.shape[2:]).transpose(1, 2, 3, 0, 4)


def twin_layout(T):
    """(images, n_tH, n_tW, 16, n) -> (4, 4, images, n_tH, n_tW, n), the twin's layout."""
    return T.transpose(3, 0, 1, 2, 4).reshape((4, 4) + T.shape[:3] + T.shape[4:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transforms_match_numpy(dtype):
    rng = np.random.default_rng(0)
    for trial in range(6):
        k, n_tH, n_tW, n = (int(x) for x in rng.integers(1, 5, size=4))
        if trial == 0:
            n = 19  # more channels than one vector
        X = rng.standard_normal((k, 2 * n_tH + 2, 2 * n_tW + 2, n)).astype(dtype)
        rows = np.empty((4, k, n_tH, X.shape[2], n), dtype)
        case = f"images={k} tiles={n_tH}x{n_tW} channels={n}"

        V_numpy = np.empty((4, 4, k, n_tH, n_tW, n), dtype)
        winograd._input_transform(X, rows, V_numpy)
        V = np.empty((k, n_tH, n_tW, 16, n), dtype)
        kernels.winograd.input_transform(X, V)
        np.testing.assert_array_equal(V, tile_major(V_numpy), err_msg=case)  # same adds

        M = rng.standard_normal((k, n_tH, n_tW, 16, n)).astype(dtype)
        Y_numpy, Y = (np.empty((k, n_tH, 2, n_tW, 2, n), dtype) for _ in range(2))
        winograd._output_transform(twin_layout(M), np.empty((2, 4, k, n_tH, n_tW, n), dtype),
                                   Y_numpy)
        kernels.winograd.output_transform(M, Y)
        np.testing.assert_array_equal(Y, Y_numpy, err_msg=case)

        dY = rng.standard_normal((k, n_tH, 2, n_tW, 2, n)).astype(dtype)
        dM_numpy = np.empty((4, 4, k, n_tH, n_tW, n), dtype)
        winograd._output_transform_adjoint(dY, np.empty((4, k, n_tH, n_tW, 2, n), dtype),
                                           dM_numpy)
        dM = np.empty((k, n_tH, n_tW, 16, n), dtype)
        kernels.winograd.output_transform_adjoint(dY, dM)
        np.testing.assert_array_equal(dM, tile_major(dM_numpy), err_msg=case)

        dV = rng.standard_normal((k, n_tH, n_tW, 16, n)).astype(dtype)
        dX_numpy, dX = np.empty_like(X), np.full_like(X, np.nan)  # dX is overwritten
        winograd._input_transform_adjoint(twin_layout(dV), rows, dX_numpy)
        kernels.winograd.input_transform_adjoint(dV, dX)
        tol = 1e-5 if dtype == np.float32 else 1e-13  # overlapping tiles add in another order
        np.testing.assert_allclose(dX, dX_numpy, rtol=tol, atol=tol, err_msg=case)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolution_on_both_paths(dtype):
    rng = np.random.default_rng(1)
    for shape, padding, chunk_bytes in (((2, 7, 6, 3, 4), "same", 1), ((3, 9, 8, 20, 5),
                                        "valid", None), ((1, 1, 1, 2, 2), 1, None)):
        m, n_H_prev, n_W_prev, n_C_prev, n_C = shape
        A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev)).astype(dtype)
        W = rng.standard_normal((3, 3, n_C_prev, n_C)).astype(dtype)
        b = rng.standard_normal(n_C).astype(dtype)
        results = []
        for compiled in (False, True):
            with kernels.use(compiled):
                tensors = [Tensor(x, requires_grad=True, dtype=dtype) for x in (A_prev, W, b)]
                pads = winograd.check_conv_input(A_prev.shape, W.shape, b.shape, 1, padding)
                Z = winograd.Conv2dWinograd.apply(*tensors, pads=pads, chunk_bytes=chunk_bytes)
                Z.backward(np.ones(Z.shape, dtype))
                results.append([Z.data] + [t.grad for t in tensors])
        tol = 1e-5 if dtype == np.float32 else 1e-12
        for got, expected in zip(results[1], results[0]):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=str(shape))
