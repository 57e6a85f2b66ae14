"""Reductions: sum, mean, max, min over axes, with keepdims and ties."""
import warnings

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


PROD_CASES = [((2, 3), None), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((4,), 0), ((2, 3, 4), 1),
              ((1, 5), 0), ((), None)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", PROD_CASES)
def test_prod(shape, axis, keepdims):
    torch = torch_or_skip()
    x = randn(*shape, seed=3)
    fn = lambda t: F.prod(t, axis=axis, keepdims=keepdims)  # noqa: E731
    assert_gradcheck(fn, [x])
    if axis is None:
        torch_fn = lambda t: torch.prod(t).reshape((1,) * len(shape) if keepdims else ())  # noqa
    else:
        torch_fn = lambda t: torch.prod(t, dim=axis, keepdim=keepdims)  # noqa: E731
    assert_matches_torch(fn, torch_fn, [x])


@pytest.mark.parametrize("axis", [None, 1])
def test_prod_gradient_is_exact_at_zeros(axis):
    # Π/x_i would give nan at x_i = 0; the gradient is the product of the other entries.
    data = np.array([[2.0, 0.0, 3.0, 0.5], [1.5, 0.0, 0.0, 2.0]])
    x = npdeep.tensor(data, requires_grad=True, dtype=np.float64)
    x.prod(axis=axis).sum().backward()
    slow = np.zeros_like(data)  # the definition, entry by entry
    for index in np.ndindex(data.shape):
        group = data if axis is None else data[index[0]]
        others = group.copy()
        others[index if axis is None else index[1]] = 1.0
        slow[index] = others.prod()
    np.testing.assert_array_equal(x.grad, slow)
    assert_gradcheck(lambda t: t.prod(axis=axis), [npdeep.tensor(data, requires_grad=True,
                                                                 dtype=np.float64)])


def test_prod_refuses_a_tuple_of_axes():
    with pytest.raises(TypeError, match=r"Tensor.prod: axis must be an int or None. Got \(0, 1\)"):
        randn(2, 3).prod(axis=(0, 1))


VAR_CASES = [((5,), None), ((4, 3), 0), ((4, 3), 1), ((2, 3, 4), (0, 2)), ((3, 4), None)]


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", VAR_CASES)
def test_var_and_std(shape, axis, keepdims, ddof):
    torch = torch_or_skip()
    x = randn(*shape, seed=4)
    dim = axis if axis is not None else tuple(range(len(shape)))
    for op, torch_op in [(F.var, torch.var), (F.std, torch.std)]:
        fn = lambda t, op=op: op(t, axis=axis, keepdims=keepdims, ddof=ddof)  # noqa: E731
        assert_gradcheck(fn, [x])
        assert_matches_torch(
            fn, lambda t, f=torch_op: f(t, dim=dim, correction=ddof, keepdim=keepdims), [x])
    np.testing.assert_allclose(x.var(axis=axis, ddof=ddof).data,
                               np.var(x.data, axis=axis, ddof=ddof))


def test_var_default_is_numpys_one_over_m():
    x = npdeep.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(1.25)           # Σ(x − μ)² / m
    assert x.var(ddof=1).item() == pytest.approx(5 / 3)    # torch.var's default
    assert x.std().item() == pytest.approx(np.sqrt(1.25))


def test_var_with_too_few_values_for_ddof():
    with pytest.raises(ValueError, match=r"Tensor.var: ddof=1 leaves N - ddof = 0 <= 0 for 1 "
                                         r"values over axis 0 of shape \(1, 3\)"):
        randn(1, 3).var(axis=0, ddof=1)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_and_argmin(axis, keepdims):
    x = randn(3, 4, seed=5)
    for method, np_fn, function in [("argmax", np.argmax, F.argmax),
                                    ("argmin", np.argmin, F.argmin)]:
        result = getattr(x, method)(axis=axis, keepdims=keepdims)
        expected = np_fn(x.data, axis=axis, keepdims=keepdims)
        assert result.dtype == np.int64
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)
        np.testing.assert_array_equal(function(x, axis=axis, keepdims=keepdims).data, expected)


def test_argmax_matches_torch_and_ties_take_the_first():
    torch = torch_or_skip()
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    x = npdeep.tensor(data)
    np.testing.assert_array_equal(x.argmax(axis=1).data, torch.tensor(data).argmax(dim=1))
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    assert x.argmin().item() == torch.tensor(data).argmin().item() == 5
    # The course's use: the predicted class of each row, compared with the labels.
    Y = np.array([1, 1])
    assert (x.argmax(axis=1) == Y).data.tolist() == [True, False]


def test_new_reductions_match_the_functions():
    x = randn(2, 3)
    np.testing.assert_array_equal(x.prod(axis=1).data, F.prod(x, axis=1).data)
    np.testing.assert_array_equal(x.var(axis=0).data, F.var(x, axis=0).data)
    np.testing.assert_array_equal(x.std().data, F.std(x).data)
    np.testing.assert_array_equal(F.sum(np.ones((2, 2))).data, 4.0)  # arrays are constants


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, keepdims", [((4, 4), None, False), ((3, 5), 0, True),
                                                   ((2, 3, 4), (0, 2), False), ((7,), -1, True),
                                                   ((), None, False), ((0, 3), 0, False),
                                                   ((1000,), None, False)])
def test_mean_is_numpy_mean_bit_for_bit(dtype, shape, axis, keepdims):
    # Mean sums and divides itself (without np.mean's Python wrapper): the same bits.
    data = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = npdeep.tensor(data, dtype=dtype).mean(axis=axis, keepdims=keepdims)
        expected = np.mean(data, axis=axis, keepdims=keepdims)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, keepdims", [((4, 4), None, False), ((3, 5), 0, True),
                                                   ((2, 3, 4), (0, 2), False), ((7,), -1, True),
                                                   ((), None, False), ((0, 3), 0, False),
                                                   ((1000,), None, True)])
def test_sum_is_numpy_sum_bit_for_bit_and_spreads_its_gradient(dtype, shape, axis, keepdims):
    # Sum calls the reduction behind ndarray.sum itself: the same bits and type; its gradient
    # is dZ copied back over the summed axes (one value filled in for a sum of everything).
    data = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    x = npdeep.tensor(data, dtype=dtype, requires_grad=True)
    out = x.sum(axis=axis, keepdims=keepdims)
    expected = data.sum(axis=axis, keepdims=keepdims)
    assert type(out.data) is type(expected) and out.dtype == expected.dtype
    np.testing.assert_array_equal(out.data, expected)
    dZ = (np.arange(np.size(expected)).reshape(np.shape(expected)) + 2.0).astype(dtype)
    out.backward(dZ)
    axes = tuple(range(len(shape))) if axis is None else axis
    kept = dZ if keepdims else np.expand_dims(dZ, axes)
    np.testing.assert_array_equal(x.grad, np.broadcast_to(kept, shape))
    assert x.grad.dtype == dtype and x.grad.flags.writeable
