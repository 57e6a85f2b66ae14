"""The compiled Winograd tile transforms against their NumPy twins in functional.winograd
(F(2 x 2, 3 x 3)) or the paper's matrices (F(4 x 4, 3 x 3), which has no NumPy twin), on random
shapes, float32 and float64, and the whole convolution on both paths. Skipped without numba."""
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


def patches(X, t, n_tH, n_tW):
    """The (t + 2) x (t + 2) input patch of every tile: (images, n_tH, n_tW, t+2, t+2, n)."""
    a = t + 2
    return np.stack([np.stack([X[:, t * th:t * th + a, t * tw:t * tw + a]
                               for tw in range(n_tW)], axis=1) for th in range(n_tH)], axis=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_f4_transforms_are_the_papers_matrices(dtype):
    """F(4 x 4, 3 x 3)'s kernels against Bᵀ d B, Aᵀ M A and their adjoints written as products
    by the matrices of Lavin & Gray (winograd.BT4, AT4), on random shapes."""
    BT, AT = winograd.BT4, winograd.AT4
    tol = 2e-5 if dtype == np.float32 else 1e-12
    rng = np.random.default_rng(5)
    for trial in range(5):
        k, n_tH, n_tW, n = (int(x) for x in rng.integers(1, 4, size=4))
        if trial == 0:
            n = 19  # more channels than one vector
        case = f"images={k} tiles={n_tH}x{n_tW} channels={n}"
        X = rng.standard_normal((k, 4 * n_tH + 2, 4 * n_tW + 2, n)).astype(dtype)
        V = np.empty((k, n_tH, n_tW, 36, n), dtype)
        kernels.winograd.input_transform(X, V, 4)
        V_ref = np.einsum("ai,kpqijn,bj->kpqabn", BT, patches(X, 4, n_tH, n_tW), BT)
        np.testing.assert_allclose(V, V_ref.reshape(V.shape), rtol=tol, atol=tol, err_msg=case)

        M = rng.standard_normal((k, n_tH, n_tW, 36, n)).astype(dtype)
        Y = np.empty((k, n_tH, 4, n_tW, 4, n), dtype)
        kernels.winograd.output_transform(M, Y, 4)
        M6 = M.reshape(k, n_tH, n_tW, 6, 6, n)
        Y_ref = np.einsum("ra,kpqabn,sb->kprqsn", AT, M6, AT)
        np.testing.assert_allclose(Y, Y_ref, rtol=tol, atol=tol, err_msg=case)

        dY = rng.standard_normal((k, n_tH, 4, n_tW, 4, n)).astype(dtype)
        dM = np.empty((k, n_tH, n_tW, 36, n), dtype)
        kernels.winograd.output_transform_adjoint(dY, dM, 4)
        dM_ref = np.einsum("ra,kprqsn,sb->kpqabn", AT, dY, AT)  # A dY Aᵀ
        np.testing.assert_allclose(dM, dM_ref.reshape(dM.shape), rtol=tol, atol=tol,
                                   err_msg=case)

        dV = rng.standard_normal((k, n_tH, n_tW, 36, n)).astype(dtype)
        dX = np.full_like(X, np.nan)  # overwritten
        kernels.winograd.input_transform_adjoint(dV, dX, 4)
        dX_ref = np.zeros_like(X)
        dpatch = np.einsum("ai,kpqabn,bj->kpqijn", BT, dV.reshape(k, n_tH, n_tW, 6, 6, n), BT)
        for th in range(n_tH):  # B dV Bᵀ added into the overlapping patches
            for tw in range(n_tW):
                dX_ref[:, 4 * th:4 * th + 6, 4 * tw:4 * tw + 6] += dpatch[:, th, tw]
        np.testing.assert_allclose(dX, dX_ref, rtol=tol, atol=tol, err_msg=case)


def test_f4_filter_matrices_compute_the_convolution():
    """Aᵀ [(G4 g G4ᵀ) ⊙ (Bᵀ d B)] A is the 4 x 4 valid correlation of a 6 x 6 patch."""
    rng = np.random.default_rng(6)
    d, g = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    U = winograd.G4 @ g @ winograd.G4.T
    Y = winograd.AT4 @ (U * (winograd.BT4 @ d @ winograd.BT4.T)) @ winograd.AT4.T
    Y_ref = np.array([[np.sum(d[i:i + 3, j:j + 3] * g) for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(Y, Y_ref, rtol=1e-12, atol=1e-12)


def test_f4_needs_the_compiled_path():
    with kernels.use(False):
        with pytest.raises(ValueError, match=r"F\(4 x 4, 3 x 3\) runs on the compiled path "
                                              r"only"):
            winograd._Plan((1, 4, 4, 2), 2, ((1, 1), (1, 1)), np.float64, tile=4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolution_on_both_paths(dtype):
    """The compiled F(2 x 2) against the NumPy one (the same algorithm), and the compiled
    F(4 x 4) against both (float rounding apart: its transforms have coefficients up to 8)."""
    rng = np.random.default_rng(1)
    for shape, padding, chunk_bytes in (((2, 7, 6, 3, 4), "same", 1), ((3, 9, 8, 20, 5),
                                        "valid", None), ((1, 1, 1, 2, 2), 1, None),
                                        ((2, 13, 10, 17, 6), "same", 1),
                                        ((2, 8, 12, 5, 3), "same", None)):  # tiles cover Z
        m, n_H_prev, n_W_prev, n_C_prev, n_C = shape
        A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev)).astype(dtype)
        W = rng.standard_normal((3, 3, n_C_prev, n_C)).astype(dtype)
        b = rng.standard_normal(n_C).astype(dtype)
        results = []
        for compiled, tile in ((False, 2), (True, 2), (True, 4)):
            with kernels.use(compiled):
                tensors = [Tensor(x, requires_grad=True, dtype=dtype) for x in (A_prev, W, b)]
                pads = winograd.check_conv_input(A_prev.shape, W.shape, b.shape, 1, padding)
                Z = winograd.Conv2dWinograd.apply(*tensors, pads=pads, chunk_bytes=chunk_bytes,
                                                  tile=tile)
                Z.backward(np.ones(Z.shape, dtype))
                results.append([Z.data] + [t.grad for t in tensors])
        tol = 1e-5 if dtype == np.float32 else 1e-12
        for got, expected in zip(results[1], results[0]):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=str(shape))
        for got, expected in zip(results[2], results[0]):
            assert got.dtype == dtype
            scale = np.abs(expected).max()
            bound = 5e-6 if dtype == np.float32 else 1e-13
            assert np.abs(got - expected).max() <= bound * scale, shape
