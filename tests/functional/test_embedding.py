"""embedding: gradient check, the one-hot product E·o_w as the slow reference, PyTorch, errors."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep.functional.embedding import embedding

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

SHAPES = [((3, 4), 6, 5), ((1, 1), 2, 1), ((7,), 3, 4), ((2, 3, 2), 5, 3)]


def _ids(shape, V, seed=0):
    return np.random.default_rng(seed).integers(0, V, size=shape)


@pytest.mark.parametrize("ids_shape, V, n_e", SHAPES)
def test_gradcheck(ids_shape, V, n_e):
    ids = _ids(ids_shape, V)
    assert_gradcheck(lambda E: embedding(ids, E), [randn(V, n_e, seed=1)])


@pytest.mark.parametrize("ids_shape, V, n_e", SHAPES)
def test_equals_the_one_hot_product(ids_shape, V, n_e):
    ids = _ids(ids_shape, V, seed=2)
    E = randn(V, n_e, seed=3)
    A = embedding(ids, E)
    R = np.random.default_rng(4).standard_normal(A.shape)
    (A * R).sum().backward()
    dE = E.grad.copy()
    E.grad = None
    one_hot = np.eye(V)[ids]  # (..., V): the course's o_w
    reference = F.matmul(npdeep.Tensor(one_hot, dtype=np.float64), E)
    (reference * R).sum().backward()
    np.testing.assert_allclose(A.data, reference.data)
    np.testing.assert_allclose(dE, E.grad, atol=1e-12)


def test_repeated_ids_sum_their_gradients():
    E = randn(4, 2, seed=5)
    embedding(np.array([1, 1, 1, 3]), E).sum().backward()
    np.testing.assert_array_equal(E.grad, [[0, 0], [3, 3], [0, 0], [1, 1]])


@pytest.mark.parametrize("ids_shape, V, n_e", SHAPES)
def test_matches_torch(ids_shape, V, n_e):
    torch = torch_or_skip()
    ids = _ids(ids_shape, V, seed=6)
    assert_matches_torch(lambda E: embedding(ids, E),
                         lambda E: torch.nn.functional.embedding(torch.tensor(ids), E),
                         [randn(V, n_e, seed=7)])


def test_float_ids_keep_float32_and_are_exact():
    E = npdeep.Tensor(np.arange(6.0).reshape(3, 2), dtype=np.float32)
    A = embedding(np.array([[2.0, 0.0]]), E)
    assert A.dtype == np.float32
    np.testing.assert_array_equal(A.data, [[[4, 5], [0, 1]]])


def test_errors():
    E = randn(4, 2)
    with pytest.raises(ValueError, match=r"embedding: ids must lie in \[0, V\) = \[0, 4\) for "
                                         r"E of 4 rows; got values from 0 to 4"):
        embedding(np.array([0, 4]), E)
    with pytest.raises(ValueError, match="embedding: ids must be integers; got non-integer"):
        embedding(np.array([0.5]), E)
    with pytest.raises(TypeError, match="embedding: ids must be integers; got dtype <U1"):
        embedding(np.array(["a"]), E)
    with pytest.raises(ValueError, match=r"embedding: E must have shape \(V, n_e\); got "
                                         r"\(4,\)"):
        embedding(np.array([0]), randn(4))


@pytest.mark.parametrize("ids_shape, V, n_e", SHAPES)
def test_padding_idx_zeroes_only_that_rows_gradient(ids_shape, V, n_e):
    # The other rows' gradients are the checked ones of test_gradcheck; padding only zeroes
    # its own row (whose numerical gradient is not zero, so it is compared here instead).
    ids = _ids(ids_shape, V, seed=8)
    padding_idx = int(ids.reshape(-1)[0])
    E = randn(V, n_e, seed=9)
    R = np.random.default_rng(10).standard_normal((*ids_shape, n_e))
    (embedding(ids, E) * R).sum().backward()
    full = E.grad.copy()
    expected = full.copy()
    expected[padding_idx] = 0
    E.grad = None
    A = embedding(ids, E, padding_idx=padding_idx)
    np.testing.assert_array_equal(A.data, E.data[ids])  # the forward is unchanged
    (A * R).sum().backward()
    np.testing.assert_allclose(E.grad, expected, atol=1e-12)
    assert np.abs(full[padding_idx]).sum() > 0  # the row used had a gradient to drop


@pytest.mark.parametrize("ids_shape, V, n_e", SHAPES)
def test_gradcheck_with_padding_on_an_unused_id(ids_shape, V, n_e):
    # A padding_idx that no position uses changes nothing: the full numerical check holds.
    ids = _ids(ids_shape, V - 1)  # ids in [0, V - 1): the last row is never looked up
    assert_gradcheck(lambda E: embedding(ids, E, padding_idx=V - 1), [randn(V, n_e, seed=11)])


def test_padding_idx_matches_torch():
    torch = torch_or_skip()
    ids = np.array([[1, 0, 1, 3], [0, 0, 2, 1]])
    assert_matches_torch(lambda E: embedding(ids, E, padding_idx=0),
                         lambda E: torch.nn.functional.embedding(torch.tensor(ids), E,
                                                                 padding_idx=0),
                         [randn(4, 3, seed=12)])


def test_bad_padding_idx():
    with pytest.raises(ValueError, match=r"The 'padding_idx' parameter of embedding must be an "
                                         r"int in \[0, 3\]. Got -1 instead."):
        embedding(np.array([0]), randn(4, 2), padding_idx=-1)
