"""Activations: gradient checks, PyTorch, and numerical stability at large |z|."""
import warnings

import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep.functional.activation import stable_sigmoid

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

SHAPES = [(3, 4), (1, 5), (1, 1), (6,), (2, 3, 4)]


def away_from_zero(*shape, seed=0):
    """|z| >= 0.3: relu and leaky_relu have a kink at 0 that central differences would straddle."""
    t = randn(*shape, seed=seed)
    t.data[...] = np.sign(t.data + 1e-3) * (0.3 + np.abs(t.data))
    return t


def _torch():
    return torch_or_skip()


ACTIVATIONS = [
    ("sigmoid", F.sigmoid, lambda t: _torch().sigmoid(t)),
    ("tanh", F.tanh, lambda t: _torch().tanh(t)),
    ("relu", F.relu, lambda t: _torch().relu(t)),
    ("leaky_relu", F.leaky_relu, lambda t: _torch().nn.functional.leaky_relu(t, 0.01)),
    ("leaky_relu_0.2", lambda z: F.leaky_relu(z, 0.2),
     lambda t: _torch().nn.functional.leaky_relu(t, 0.2)),
    ("softmax", F.softmax, lambda t: _torch().softmax(t, dim=-1)),
    ("log_softmax", F.log_softmax, lambda t: _torch().log_softmax(t, dim=-1)),
    ("softmax_axis0", lambda z: F.softmax(z, axis=0), lambda t: _torch().softmax(t, dim=0)),
    ("log_softmax_axis0", lambda z: F.log_softmax(z, axis=0),
     lambda t: _torch().log_softmax(t, dim=0)),
]


@pytest.mark.parametrize("name, op, torch_op", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_gradcheck_and_torch(name, op, torch_op, shape):
    Z = away_from_zero(*shape, seed=1, ) if "relu" in name else randn(*shape, seed=1, scale=2)
    assert_gradcheck(op, [Z])
    assert_matches_torch(op, torch_op, [Z])


def test_relu_at_zero_has_zero_gradient():
    Z = npdeep.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    F.relu(Z).sum().backward()
    np.testing.assert_array_equal(Z.grad, [0, 0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 16, 1024, 1025, 5000])
def test_relu_backward_is_the_course_mask_on_both_sides_of_the_sign_path(size, dtype):
    # Up to 1024 values the backward multiplies by sign(a), above by the bool mask (or the
    # compiled kernel from 4096 on): every path must give the course's dZ = dA where Z > 0.
    rng = np.random.default_rng(size)
    z = rng.standard_normal(size).astype(dtype)
    z[::7] = 0.0  # relu'(0) = 0
    dA = rng.standard_normal(size).astype(dtype)
    Z = npdeep.tensor(z, requires_grad=True)
    F.relu(Z).backward(dA)
    expected = np.array([dA[i] if z[i] > 0 else 0.0 for i in range(size)], dtype)
    np.testing.assert_array_equal(Z.grad, expected)
    assert Z.grad.dtype == dtype


@pytest.mark.parametrize("z, slope", [(2.0, 1.0), (-2.0, 0.0)])
def test_relu_backward_of_a_0d_tensor(z, slope):
    Z = npdeep.tensor(np.array(z, np.float32), requires_grad=True)
    F.relu(Z).backward()
    assert np.shape(Z.grad) == () and Z.grad == slope and Z.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_of_a_scalar_is_a_0d_array_of_its_dtype(dtype):
    A = stable_sigmoid(np.array(0.5, dtype))
    assert isinstance(A, np.ndarray) and A.shape == () and A.dtype == dtype
    assert A == dtype(1) / (dtype(1) + np.exp(dtype(-0.5)))
    Z = npdeep.tensor(np.array(-2.0, dtype), requires_grad=True)
    F.sigmoid(Z).backward()
    np.testing.assert_allclose(Z.grad, 0.104993585, rtol=1e-6)


def test_sigmoid_is_stable_at_large_z():
    for dtype in (np.float32, np.float64):
        Z = npdeep.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype),
                          requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                A = F.sigmoid(Z)
                A.sum().backward()
        # NOTE: σ(−1000) is 0 to within the subnormals (the cap on −z leaves ~1e-39 / 1e-308).
        tiny = np.finfo(dtype).tiny
        assert 0.0 <= A.data[0] < tiny and A.data[-1] == 1.0 and A.data[2] == 0.5
        assert np.all(np.isfinite(Z.grad))
        assert 0.0 <= Z.grad[0] < tiny and Z.grad[-1] == 0.0 and Z.grad[2] == 0.25


def test_softmax_and_log_softmax_finite_for_large_logits():
    Z = npdeep.tensor(np.array([[1000.0, 0.0, -1000.0], [5000.0, 5000.0, 5000.0]]),
                      requires_grad=True, dtype=np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        log_A = F.log_softmax(Z)
        A = F.softmax(Z)
        (log_A[:, 0].sum() + A[:, 1].sum()).backward()
    assert np.all(np.isfinite(log_A.data)) and np.all(np.isfinite(Z.grad))
    np.testing.assert_allclose(log_A.data[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(A.data[1], [1 / 3] * 3)
    np.testing.assert_allclose(A.data.sum(axis=1), [1.0, 1.0])


def test_softmax_matches_slow_loop():
    Z = randn(3, 4, seed=2)
    slow = np.zeros((3, 4))
    for i in range(3):
        total = sum(np.exp(Z.data[i, j]) for j in range(4))
        for j in range(4):
            slow[i, j] = np.exp(Z.data[i, j]) / total
    np.testing.assert_allclose(F.softmax(Z).data, slow)
    np.testing.assert_allclose(F.log_softmax(Z).data, np.log(slow))


def test_sigmoid_and_tanh_match_formulas():
    Z = randn(2, 3, seed=3)
    np.testing.assert_allclose(F.sigmoid(Z).data, 1 / (1 + np.exp(-Z.data)))
    np.testing.assert_allclose(F.tanh(Z).data, np.tanh(Z.data))
    np.testing.assert_allclose(F.leaky_relu(Z, 0.1).data, np.where(Z.data > 0, Z.data,
                                                                     0.1 * Z.data))


@pytest.mark.parametrize("shape", [(), (2, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_gradients_are_the_formulas_in_the_input_dtype(shape, dtype):
    Z = npdeep.tensor(np.linspace(-2, 2, 6)[:max(1, int(np.prod(shape)))].reshape(shape),
                      requires_grad=True, dtype=dtype)
    dA = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for op, derivative in [(F.sigmoid, lambda A: A * (1 - A)), (F.tanh, lambda A: 1 - A * A)]:
        Z.grad = None
        A = op(Z)
        A.backward(dA)
        assert Z.grad.dtype == dtype and Z.grad.shape == shape
        np.testing.assert_allclose(Z.grad, dA * derivative(A.data), rtol=2e-7)


def test_activations_keep_float32():
    Z = npdeep.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    for op in (F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.softmax, F.log_softmax):
        assert op(Z).dtype == np.float32


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax",
                                  "log_softmax"])
def test_activation_accepts_plain_arrays(name):
    # A learner calls F.relu(np.array(...)) as they would np.maximum: an array in, a Tensor out.
    Z = np.random.default_rng(0).standard_normal((3, 4))
    fn = getattr(F, name)
    np.testing.assert_array_equal(fn(Z).data, fn(npdeep.tensor(Z)).data)


def test_losses_and_dropout_accept_plain_arrays():
    Z = np.random.default_rng(1).standard_normal((4, 3))
    y = np.array([0, 2, 1, 0])
    assert F.cross_entropy(Z, y).item() == F.cross_entropy(npdeep.tensor(Z), y).item()
    A = 1 / (1 + np.exp(-Z[:, :1]))
    Y = np.array([[1.0], [0.0], [1.0], [0.0]])
    assert F.binary_cross_entropy(A, Y).item() == pytest.approx(
        F.binary_cross_entropy(npdeep.tensor(A), Y).item())
    assert F.mse_loss(Z, Z).item() == 0.0
    D = F.dropout(Z, keep_prob=0.5).data  # inverted dropout: each entry 0 or z / keep_prob
    assert D.shape == Z.shape and np.all((D == 0) | (D == Z / 0.5))


@pytest.mark.parametrize("dtype, low, ulps", [(np.float32, -120.0, 4), (np.float64, -800.0, 4)])
def test_stable_sigmoid_is_accurate_to_a_few_ulp_down_to_the_subnormals(dtype, low, ulps):
    from npdeep.functional.activation import stable_sigmoid
    z = np.linspace(low, 60.0, 100_001).astype(dtype)
    exact = 1.0 / (1.0 + np.exp(-z.astype(np.longdouble)))
    A = stable_sigmoid(z)
    normal = exact > np.finfo(dtype).tiny
    rel = np.abs(A[normal] - exact[normal]) / exact[normal]
    assert rel.max() < ulps * np.finfo(dtype).eps
    assert np.all(A[~normal] < np.finfo(dtype).tiny)
