"""Reductions: sum, mean, max, min over axes, with keepdims and ties."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

CASES = [((2, 3), None), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((2, 3, 4), (0, 2)),
         ((1, 5), 0), ((4,), 0), ((2, 3, 4), None), ((), None)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", CASES)
def test_sum_and_mean(shape, axis, keepdims):
    torch = torch_or_skip()
    x = randn(*shape, seed=1)
    dim = axis if axis is not None else tuple(range(len(shape)))
    for op, torch_op in [(F.sum, torch.sum), (F.mean, torch.mean)]:
        fn = lambda t, op=op: op(t, axis=axis, keepdims=keepdims)  # noqa: E731
        assert_gradcheck(fn, [x])
        if shape == ():
            continue  # torch reduces a 0-d tensor only over dim None
        assert_matches_torch(fn, lambda t, f=torch_op: f(t, dim=dim, keepdim=keepdims), [x])


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", CASES)
def test_max_and_min(shape, axis, keepdims):
    torch = torch_or_skip()
    # Distinct values spaced apart: the numeric check never swaps the winner.
    values = np.random.default_rng(2).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    x = npdeep.tensor(values, requires_grad=True, dtype=np.float64)
    dim = axis if axis is not None else tuple(range(len(shape)))
    for op, torch_op in [(F.max, torch.amax), (F.min, torch.amin)]:
        fn = lambda t, op=op: op(t, axis=axis, keepdims=keepdims)  # noqa: E731
        assert_gradcheck(fn, [x])
        if shape == ():
            continue
        assert_matches_torch(fn, lambda t, f=torch_op: f(t, dim=dim, keepdim=keepdims), [x])


def test_max_ties_share_the_gradient():
    torch = torch_or_skip()
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = npdeep.tensor(data, requires_grad=True, dtype=np.float64)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    assert_matches_torch(lambda t: t.max(axis=1, keepdims=True),
                         lambda t: torch.amax(t, dim=1, keepdim=True),
                         [npdeep.tensor(data, requires_grad=True, dtype=np.float64)])
    assert_matches_torch(lambda t: t.min(), lambda t: torch.amin(t),
                         [npdeep.tensor(data, requires_grad=True, dtype=np.float64)])


def test_methods_match_functions():
    x = randn(2, 3)
    np.testing.assert_array_equal(x.sum(axis=0).data, F.sum(x, axis=0).data)
    np.testing.assert_array_equal(x.mean().data, F.mean(x).data)
    np.testing.assert_array_equal(x.max(axis=1).data, F.max(x, axis=1).data)
    np.testing.assert_array_equal(x.min(axis=0, keepdims=True).data,
                                  F.min(x, axis=0, keepdims=True).data)


def test_sum_matches_slow_loop():
    x = randn(3, 4, 2)
    slow = np.zeros((3, 2))
    for i in range(3):
        for j in range(4):
            for k in range(2):
                slow[i, k] += x.data[i, j, k]
    np.testing.assert_allclose(F.sum(x, axis=1).data, slow)
    F.sum(x, axis=1).backward(np.arange(6.0).reshape(3, 2))
    for i in range(3):
        for j in range(4):
            np.testing.assert_array_equal(x.grad[i, j], [2 * i, 2 * i + 1])


def test_mean_gradient_is_one_over_count():
    x = randn(4, 5)
    x.mean(axis=0).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((4, 5), 0.25))
