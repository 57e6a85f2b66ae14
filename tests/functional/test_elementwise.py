"""Elementwise ops: gradient checks with broadcasting, and PyTorch as a peer."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

# (shape of a, shape of b): equal shapes, m = 1, and the broadcasting cases.
BINARY_SHAPES = [((2, 3), (2, 3)), ((1, 5), (1, 5)), ((3, 1), (1, 4)), ((4,), (2, 3, 4)),
                 ((), (2, 3)), ((2, 3), ())]


def positive(*shape, seed=0):
    """float64 values in [0.5, 2]: inside the domain of log, sqrt and a ** b."""
    t = randn(*shape, seed=seed)
    t.data[...] = 0.5 + 1.5 * np.random.default_rng(seed).random(shape)
    return t


def away_from_zero(*shape, seed=0):
    """Values with |x| >= 0.3 so that central differences never straddle a kink."""
    t = randn(*shape, seed=seed)
    t.data[...] = np.sign(t.data + 1e-3) * (0.3 + np.abs(t.data))
    return t


BINARY = [
    ("add", F.add, lambda a, b: a + b),
    ("sub", F.sub, lambda a, b: a - b),
    ("mul", F.mul, lambda a, b: a * b),
    ("div", F.div, lambda a, b: a / b),
    ("pow", F.pow, lambda a, b: a ** b),
    ("maximum", F.maximum, lambda a, b: torch_or_skip().maximum(a, b)),
]


@pytest.mark.parametrize("name, op, torch_op", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shape_a, shape_b", BINARY_SHAPES)
def test_binary_gradcheck_and_torch(name, op, torch_op, shape_a, shape_b):
    if name in ("div", "pow"):
        a, b = positive(*shape_a, seed=1), positive(*shape_b, seed=2)
    else:
        a, b = randn(*shape_a, seed=1), randn(*shape_b, seed=2)
    if name == "maximum":  # keep the two operands apart so no entry sits at a tie
        b.data[...] = b.data + np.where(b.data >= 0, 0.2, -0.2)
    assert_gradcheck(op, [a, b])
    assert_matches_torch(op, torch_op, [a, b])


@pytest.mark.parametrize("shape_a, shape_b", BINARY_SHAPES)
def test_operators_match_functions(shape_a, shape_b):
    a, b = positive(*shape_a, seed=1), positive(*shape_b, seed=2)
    for result, expected in [(a + b, F.add(a, b)), (a - b, F.sub(a, b)), (a * b, F.mul(a, b)),
                             (a / b, F.div(a, b)), (a ** b, F.pow(a, b)), (-a, F.neg(a))]:
        np.testing.assert_array_equal(result.data, expected.data)


UNARY = [
    ("neg", F.neg, lambda t: -t, randn),
    ("exp", F.exp, lambda t: t.exp(), randn),
    ("log", F.log, lambda t: t.log(), positive),
    ("sqrt", F.sqrt, lambda t: t.sqrt(), positive),
    ("abs", F.abs, lambda t: t.abs(), away_from_zero),
    ("pow_number", lambda x: x ** 3, lambda t: t ** 3, randn),
    ("pow_half", lambda x: x ** 0.5, lambda t: t ** 0.5, positive),
    ("rpow", lambda x: 2.0 ** x, lambda t: 2.0 ** t, randn),
    ("rsub", lambda x: 1.0 - x, lambda t: 1.0 - t, randn),
    ("rdiv", lambda x: 1.0 / x, lambda t: 1.0 / t, positive),
]


@pytest.mark.parametrize("name, op, torch_op, make", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(2, 3), (1, 1), (4,), (), (2, 1, 3)])
def test_unary_gradcheck_and_torch(name, op, torch_op, make, shape):
    x = make(*shape, seed=3)
    assert_gradcheck(op, [x])
    assert_matches_torch(op, torch_op, [x])


@pytest.mark.parametrize("low, high", [(-0.5, 0.5), (None, 0.0), (0.0, None)])
def test_clip(low, high):
    torch = torch_or_skip()
    x = away_from_zero(3, 4, seed=4)
    x.data[np.abs(x.data - 0.5) < 0.05] = 0.8  # no entry near a bound for the numeric check
    x.data[np.abs(x.data + 0.5) < 0.05] = -0.8
    assert_gradcheck(lambda t: F.clip(t, low, high), [x])
    assert_matches_torch(lambda t: t.clip(low, high), lambda t: torch.clamp(t, low, high), [x])


def test_clip_bounds_are_inclusive():
    x = npdeep.tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    F.clip(x, 0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 1, 0])


@pytest.mark.parametrize("shape_a, shape_b", [((3, 4), (3, 4)), ((3, 1), (1, 4)),
                                              ((4,), (3, 4)), ((1, 1), (1, 1))])
def test_where(shape_a, shape_b):
    torch = torch_or_skip()
    a, b = randn(*shape_a, seed=5), randn(*shape_b, seed=6)
    shape = np.broadcast_shapes(shape_a, shape_b)
    condition = np.random.default_rng(7).random(shape) < 0.5
    assert_gradcheck(lambda x, y: F.where(condition, x, y), [a, b])
    assert_matches_torch(lambda x, y: npdeep.where(condition, x, y),
                         lambda x, y: torch.where(torch.tensor(condition), x, y), [a, b])


def test_where_with_numbers_and_tensor_condition():
    x = npdeep.tensor([-1.0, 2.0], requires_grad=True)
    out = F.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.data, [0, 2])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1])
    assert F.where(x > 0, 1.0, x).dtype == np.float32


def test_maximum_ties_go_to_the_first_argument():
    a = npdeep.tensor([1.0, 2.0], requires_grad=True)
    b = npdeep.tensor([1.0, 3.0], requires_grad=True)
    F.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 0])
    np.testing.assert_array_equal(b.grad, [0, 1])
    assert a.grad.sum() + b.grad.sum() == 2  # the gradient is not counted twice at the tie


def test_abs_at_zero_is_zero():
    x = npdeep.tensor([0.0, -2.0, 3.0], requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, [0, -1, 1])


def test_pow_with_tensor_exponent_at_non_positive_base():
    a = npdeep.tensor([0.0, 2.0], requires_grad=True, dtype=np.float64)
    b = npdeep.tensor([2.0, 2.0], requires_grad=True, dtype=np.float64)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 4 * np.log(2)])
    assert np.all(np.isfinite(a.grad))


def test_elementwise_matches_slow_loop():
    a, b = randn(3, 1, seed=8), randn(1, 4, seed=9)
    out = (a * b + a / (b * b + 1)).data
    slow = np.empty((3, 4))
    for i in range(3):
        for j in range(4):
            x, y = a.data[i, 0], b.data[0, j]
            slow[i, j] = x * y + x / (y * y + 1)
    np.testing.assert_allclose(out, slow)
