"""Shape ops: reshape, transpose, indexing (slices, masks, integer arrays), concatenate, stack."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip


@pytest.mark.parametrize("shape, new_shape", [((2, 3), (3, 2)), ((2, 3, 4), (6, -1)),
                                              ((1, 5), (5,)), ((6,), (1, 2, 3)), ((), (1,))])
def test_reshape(shape, new_shape):
    x = randn(*shape)
    assert_gradcheck(lambda t: t.reshape(new_shape), [x])
    assert_matches_torch(lambda t: F.reshape(t, new_shape), lambda t: t.reshape(new_shape), [x])
    np.testing.assert_array_equal(F.reshape(x, *new_shape).data, x.data.reshape(new_shape))


@pytest.mark.parametrize("shape, axes", [((2, 3), None), ((2, 3, 4), (1, 0, 2)),
                                         ((2, 3, 4), (2, 0, 1)), ((1, 2, 3, 4), (0, 3, 1, 2)),
                                         ((1, 1), None)])
def test_transpose(shape, axes):
    x = randn(*shape)
    fn = lambda t: F.transpose(t, axes) if axes else t.T  # noqa: E731
    torch_fn = (lambda t: t.permute(*axes)) if axes else (lambda t: t.permute(
        *reversed(range(t.ndim))))
    assert_gradcheck(fn, [x])
    assert_matches_torch(fn, torch_fn, [x])
    if axes:
        np.testing.assert_array_equal(x.transpose(*axes).data, np.transpose(x.data, axes))


def test_flatten():
    x = randn(2, 3, 4, 5)
    np.testing.assert_array_equal(F.flatten(x).data, x.data.reshape(2, 60))
    np.testing.assert_array_equal(F.flatten(x, 2).data, x.data.reshape(2, 3, 20))
    assert_gradcheck(F.flatten, [x])


INDICES = [
    ("int", 1), ("negative", -1), ("slice", slice(1, None)), ("step", slice(None, None, 2)),
    ("reverse", slice(None, None, -1)), ("tuple", (slice(None), 1)),
    ("ellipsis", (Ellipsis, 0)), ("newaxis", (None, slice(0, 2))),
    ("int_array", np.array([0, 2])), ("repeats", np.array([0, 0, 2, 0])),
    ("list_repeats", [1, 1, 1]), ("int_arrays_2d", (np.array([0, 1, 1]), np.array([2, 0, 2]))),
    ("mixed", (slice(None), np.array([3, 3, 0]))),
    ("negative_array", np.array([-1, -1])),
]


@pytest.mark.parametrize("name, index", INDICES, ids=[i[0] for i in INDICES])
def test_getitem(name, index):
    x = randn(3, 4, seed=2)
    torch_index = index
    if isinstance(index, list):
        torch_index = np.array(index)
    if isinstance(index, slice) and index.step is not None and index.step < 0:
        # torch has no negative steps: compare with a flip instead
        torch = torch_or_skip()
        assert_matches_torch(lambda t: t[index], lambda t: torch.flip(t, [0]), [x])
    else:
        assert_matches_torch(lambda t: t[index], lambda t: t[_torch_index(torch_index)], [x])
    assert_gradcheck(lambda t: t[index], [x])


def _torch_index(index):
    torch = torch_or_skip()
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    if isinstance(index, tuple):
        return tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    return index


def test_integer_array_repeats_accumulate():
    x = npdeep.tensor(np.arange(4.0), requires_grad=True, dtype=np.float64)
    x[np.array([1, 1, 1, 3])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 3, 0, 1])


def test_boolean_mask():
    x = randn(3, 4, seed=3)
    mask = x.data > 0
    assert_matches_torch(lambda t: t[mask], lambda t: t[_torch_index(mask)], [x])
    assert_gradcheck(lambda t: t[mask], [x])
    x.grad = None
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad, mask.astype(float))
    # A comparison tensor works as a mask too.
    x.grad = None
    x[x > 0].sum().backward()
    np.testing.assert_array_equal(x.grad, mask.astype(float))


def test_row_mask():
    x = randn(4, 3, seed=4)
    rows = np.array([True, False, True, True])
    assert_gradcheck(lambda t: t[rows], [x])
    assert_matches_torch(lambda t: t[rows], lambda t: t[_torch_index(rows)], [x])


def test_getitem_matches_slow_loop():
    x = randn(3, 4, seed=5)
    index = np.array([2, 0, 2])
    out = x[:, index]
    out.backward(np.ones(out.shape))
    slow = np.zeros((3, 4))
    for i in range(3):
        for j in index:
            slow[i, j] += 1
    np.testing.assert_array_equal(x.grad, slow)


@pytest.mark.parametrize("shapes, axis", [([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 2)], 1),
                                          ([(1, 2)], 0), ([(2, 3, 1), (2, 3, 2)], -1)])
def test_concatenate(shapes, axis):
    torch = torch_or_skip()
    tensors = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    fn = lambda *ts: npdeep.concatenate(ts, axis=axis)  # noqa: E731
    assert_gradcheck(fn, tensors)
    assert_matches_torch(fn, lambda *ts: torch.cat(ts, dim=axis), tensors)


@pytest.mark.parametrize("shape, n, axis", [((2, 3), 3, 0), ((2, 3), 2, 1), ((2, 3), 2, -1),
                                            ((1,), 1, 0), ((), 3, 0)])
def test_stack(shape, n, axis):
    torch = torch_or_skip()
    tensors = [randn(*shape, seed=i) for i in range(n)]
    fn = lambda *ts: npdeep.stack(ts, axis=axis)  # noqa: E731
    assert_gradcheck(fn, tensors)
    assert_matches_torch(fn, lambda *ts: torch.stack(ts, dim=axis), tensors)


def test_concatenate_with_arrays_and_constants():
    a = randn(2, 2)
    b = np.ones((1, 2))
    out = npdeep.concatenate([a, b])
    assert out.shape == (3, 2) and out.dtype == np.float64
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.ones((2, 2)))


def test_concatenate_and_stack_refuse_empty():
    with pytest.raises(ValueError, match="concatenate: expected a non-empty sequence"):
        npdeep.concatenate([])
    with pytest.raises(ValueError, match="stack: expected a non-empty sequence"):
        npdeep.stack([])
