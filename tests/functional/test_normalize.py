"""l2_normalize: unit vectors, float64 gradients on several shapes, PyTorch's F.normalize."""
import numpy as np
import pytest

from npdeep.functional.normalize import l2_normalize
from npdeep.tensor import Tensor

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip


@pytest.mark.parametrize("shape, axis", [((1, 1), -1), ((4, 3), -1), ((5, 128), 1),
                                         ((3, 4), 0), ((2, 3, 4), 1)])
def test_l2_normalize_unit_norm_and_gradcheck(shape, axis):
    Z = randn(*shape, seed=len(shape) + shape[-1])
    A = l2_normalize(Z, axis=axis)
    norms = np.sqrt((A.data ** 2).sum(axis=axis))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-12)
    # The direction is kept: A = Z / ‖Z‖ entry by entry.
    np.testing.assert_allclose(A.data * np.linalg.norm(Z.data, axis=axis, keepdims=True),
                               Z.data, rtol=1e-12)
    assert_gradcheck(lambda z: l2_normalize(z, axis=axis), [Z])


@pytest.mark.parametrize("axis", [-1, 0])
def test_l2_normalize_matches_torch(axis):
    torch = torch_or_skip()
    Z = randn(6, 5, seed=3)
    assert_matches_torch(lambda z: l2_normalize(z, axis=axis),
                         lambda z: torch.nn.functional.normalize(z, dim=axis), [Z])


def test_zero_vector_stays_zero_with_finite_gradient():
    torch = torch_or_skip()
    Z = Tensor(np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]]), requires_grad=True)
    A = l2_normalize(Z)
    np.testing.assert_array_equal(A.data[0], 0.0)
    np.testing.assert_allclose(A.data[1], [0.6, 0.0, 0.8])
    assert_matches_torch(l2_normalize, lambda z: torch.nn.functional.normalize(z, dim=-1),
                         [Z])
    assert np.isfinite(Z.grad).all()


def test_l2_normalize_bad_input():
    with pytest.raises(ValueError, match="The 'axis' parameter of l2_normalize must be an int"):
        l2_normalize(randn(2, 3), axis=2)
    with pytest.raises(ValueError, match="The 'epsilon' parameter of l2_normalize must be a "
                                         "finite number > 0"):
        l2_normalize(randn(2, 3), epsilon=0)
