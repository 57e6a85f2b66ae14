"""matmul (batched, broadcasting, 1-D operands) and the dense layer's linear map."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

MATMUL_SHAPES = [((2, 3), (3, 4)), ((1, 3), (3, 1)), ((3,), (3, 4)), ((2, 3), (3,)),
                 ((3,), (3,)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 2)),
                 ((5, 2, 3), (3,))]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES)
def test_matmul(shape_a, shape_b):
    a, b = randn(*shape_a, seed=1), randn(*shape_b, seed=2)
    assert_gradcheck(F.matmul, [a, b])
    assert_matches_torch(lambda x, y: x @ y, lambda x, y: torch_or_skip().matmul(x, y), [a, b])


@pytest.mark.parametrize("shape_a, shape_b", [((1, 1), (1, 1)), ((4, 4), (4, 4)),
                                              ((3, 5), (5, 2)), ((70, 65), (65, 66))])
@pytest.mark.parametrize("transposed", [False, True])
def test_matrix_product_is_numpy_matmul_in_float32(shape_a, shape_b, transposed):
    # Matrices take ndarray.dot rather than @: the same product, strided operands included.
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal(shape_a, dtype=np.float32)
    b0 = rng.standard_normal(shape_b[::-1], dtype=np.float32).T if transposed else \
        rng.standard_normal(shape_b, dtype=np.float32)
    a, b = npdeep.tensor(a0, requires_grad=True), npdeep.tensor(b0, requires_grad=True)
    out = a @ b
    dZ = rng.standard_normal(out.shape, dtype=np.float32)
    out.backward(dZ)
    assert out.dtype == a.grad.dtype == b.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, np.matmul(a0, b0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.grad, np.matmul(dZ, b0.T), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b.grad, np.matmul(a0.T, dZ), rtol=1e-5, atol=1e-5)


def test_matmul_matches_slow_loop():
    a, b = randn(2, 3, seed=1), randn(3, 4, seed=2)
    out = a @ b
    slow = np.zeros((2, 4))
    for i in range(2):
        for j in range(4):
            for k in range(3):
                slow[i, j] += a.data[i, k] * b.data[k, j]
    np.testing.assert_allclose(out.data, slow)
    out.backward(np.ones((2, 4)))
    np.testing.assert_allclose(a.grad, np.tile(b.data.sum(axis=1), (2, 1)))
    np.testing.assert_allclose(b.grad, np.tile(a.data.sum(axis=0)[:, None], (1, 4)))


def test_matmul_with_arrays():
    a = randn(2, 3)
    B = np.ones((3, 4))
    assert (a @ B).shape == (2, 4) and (B.T @ a.T).shape == (4, 2)
    (B.T @ a.T).sum().backward()
    np.testing.assert_allclose(a.grad, np.full((2, 3), 4.0))


def test_matmul_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: a has shape "
                                         r"\(2, 3\) and b has shape \(4, 5\)"):
        randn(2, 3) @ randn(4, 5)
    with pytest.raises(ValueError, match=r"matmul: operands must have at least one dimension"):
        F.matmul(randn(), randn(2))
    with pytest.raises(ValueError, match=r"matmul: inner dimensions differ: a has shape "
                                         r"\(3,\) and b has shape \(2, 3\) \(3 != 2\)"):
        np.ones(3) @ randn(2, 3)
    with pytest.raises(ValueError, match=r"matmul: the batch axes of a \(2,\) and b \(3,\) do "
                                         r"not broadcast"):
        randn(2, 3, 4) @ randn(3, 4, 5)


@pytest.mark.parametrize("m, n_prev, n", [(4, 3, 2), (1, 3, 2), (1, 1, 1), (5, 2, 6)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(m, n_prev, n, bias):
    torch = torch_or_skip()
    A_prev, W = randn(m, n_prev, seed=1), randn(n, n_prev, seed=2)
    inputs = [A_prev, W] + ([randn(n, seed=3)] if bias else [])
    assert_gradcheck(F.linear, inputs)
    assert_matches_torch(F.linear, torch.nn.functional.linear, inputs)


def test_linear_with_extra_leading_axes():
    torch = torch_or_skip()
    inputs = [randn(2, 3, 4, seed=1), randn(5, 4, seed=2), randn(5, seed=3)]
    assert_gradcheck(F.linear, inputs)
    assert_matches_torch(F.linear, torch.nn.functional.linear, inputs)


def test_linear_matches_composed_ops():
    A_prev, W, b = randn(4, 3, seed=1), randn(2, 3, seed=2), randn(2, seed=3)
    fused = F.linear(A_prev, W, b)
    R = np.random.default_rng(0).standard_normal(fused.shape)
    (fused * R).sum().backward()
    fused_grads = [t.grad.copy() for t in (A_prev, W, b)]
    for t in (A_prev, W, b):
        t.grad = None
    composed = A_prev @ W.T + b
    (composed * R).sum().backward()
    np.testing.assert_allclose(fused.data, composed.data)
    for g, t in zip(fused_grads, (A_prev, W, b)):
        np.testing.assert_allclose(g, t.grad)


def test_linear_errors_name_the_function_and_shapes():
    W, b = randn(2, 3), randn(2)
    with pytest.raises(ValueError, match=r"linear: A_prev must have shape \(m, n\[l-1\]\) = "
                                         r"\(m, 3\) for W of shape .*\(2, 3\), but got \(4, 2\)"):
        F.linear(randn(4, 2), W, b)
    with pytest.raises(ValueError, match=r"linear: b must have shape \(n\[l\],\) = \(2,\) for W "
                                         r"of shape \(2, 3\), but got \(3,\)"):
        F.linear(randn(4, 3), W, randn(3))
    with pytest.raises(ValueError, match=r"linear: W must have shape \(n\[l\], n\[l-1\]\); "
                                         r"got \(3,\)"):
        F.linear(randn(4, 3), randn(3))
