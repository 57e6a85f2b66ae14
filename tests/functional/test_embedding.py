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
