import numpy as np
import pytest

import npdeep.functional as F
from harness import assert_gradcheck, randn, torch_or_skip
from npdeep.tensor import Tensor


def labels(m, k, seed=0, missing=0.3):
    """0/1 labels with about `missing` of them NaN (the course's "?")."""
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, 2, (m, k)).astype(np.float64)
    Y[rng.random((m, k)) < missing] = np.nan
    return Y


def hand_sum(Z, Y):
    """The course's double sum written as loops, skipping the "?" labels."""
    m, k = Z.shape
    total = 0.0
    for i in range(m):
        for j in range(k):
            if np.isnan(Y[i, j]):
                continue
            a = 1 / (1 + np.exp(-Z[i, j]))
            total += -(Y[i, j] * np.log(a) + (1 - Y[i, j]) * np.log(1 - a))
    return total / m


def test_course_example_by_hand():
    # Two images, four tasks (pedestrian, car, stop sign, traffic light); "?" = not labelled.
    Z = np.array([[2.0, -1.0, 0.5, 3.0], [-0.5, 1.5, -2.0, 0.0]])
    Y = np.array([[1, 0, np.nan, 1], [0, np.nan, np.nan, 1]])
    J = F.multitask_loss(Tensor(Z, dtype=np.float64), Y)
    assert J.shape == ()
    np.testing.assert_allclose(J.data, hand_sum(Z, Y), rtol=1e-12)


@pytest.mark.parametrize("m, k", [(1, 1), (1, 4), (5, 3), (8, 1), (16, 4)])
def test_matches_loop_reference(m, k):
    Z = randn(m, k, seed=m * 10 + k, scale=2)
    Y = labels(m, k, seed=k)
    np.testing.assert_allclose(F.multitask_loss(Z, Y).data, hand_sum(Z.data, Y), rtol=1e-12)


@pytest.mark.parametrize("m, k", [(1, 1), (1, 4), (5, 3), (7, 2)])
def test_gradcheck(m, k):
    Y = labels(m, k, seed=m + k, missing=0.25)
    assert_gradcheck(lambda Z: F.multitask_loss(Z, Y), [randn(m, k, seed=m)])
    mask = np.random.default_rng(m).random((m, k)) > 0.3
    Y_full = labels(m, k, seed=m + k, missing=0.0)
    assert_gradcheck(lambda Z: F.multitask_loss(Z, Y_full, mask=mask), [randn(m, k, seed=k)])


def test_missing_labels_get_zero_gradient_and_no_cost():
    Z = randn(6, 4, seed=3, scale=3)
    Y = labels(6, 4, seed=4, missing=0.4)
    J = F.multitask_loss(Z, Y)
    J.backward()
    missing = np.isnan(Y)
    assert missing.any() and (~missing).any()
    assert np.all(Z.grad[missing] == 0)
    assert np.all(Z.grad[~missing] != 0)
    # Changing a missing label's logit, even to inf, changes nothing.
    Z2 = Z.data.copy()
    Z2[missing] = np.inf
    J2 = F.multitask_loss(Tensor(Z2, requires_grad=True), Y)
    np.testing.assert_allclose(J2.data, J.data, rtol=1e-12)
    J2.backward()


def test_mask_equals_nan_labels():
    Z = randn(5, 3, seed=7)
    Y_nan = labels(5, 3, seed=8)
    mask = ~np.isnan(Y_nan)
    Y_filled = np.nan_to_num(Y_nan, nan=1.0)  # the values under the mask must not matter
    a = F.multitask_loss(Z, Y_nan)
    b = F.multitask_loss(Z, Y_filled, mask=mask.astype(np.float64))
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_stable_for_large_logits():
    Z = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    J = F.multitask_loss(Z, np.array([[1.0, 0.0], [1.0, np.nan]]))
    J.backward()
    np.testing.assert_allclose(J.data, 1000.0 / 2)
    assert np.all(np.isfinite(Z.grad))


@pytest.mark.parametrize("m, k", [(1, 3), (6, 4), (10, 1)])
def test_matches_torch_bce_with_logits_and_weight_mask(m, k):
    torch = torch_or_skip()
    Z = randn(m, k, seed=11 * m + k, scale=2)
    Y = labels(m, k, seed=m * k)
    mask = (~np.isnan(Y)).astype(np.float64)
    J = F.multitask_loss(Z, Y)
    J.backward()
    Z_t = torch.tensor(Z.data, requires_grad=True)
    J_t = torch.nn.functional.binary_cross_entropy_with_logits(
        Z_t, torch.tensor(np.nan_to_num(Y)), weight=torch.tensor(mask), reduction="sum") / m
    J_t.backward()
    np.testing.assert_allclose(J.data, J_t.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Z.grad, Z_t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_stays_float32():
    Z = Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    J = F.multitask_loss(Z, np.ones((2, 3)))
    J.backward()
    assert J.dtype == np.float32 and Z.grad.dtype == np.float32
    np.testing.assert_allclose(J.data, 3 * np.log(2), rtol=1e-6)


def test_errors():
    Z = randn(4, 3)
    with pytest.raises(ValueError, match=r"logits Z have shape \(4, 3\) but labels Y have "
                                         r"shape \(4, 2\)"):
        F.multitask_loss(Z, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expected logits Z of shape \(m, k\) but got \(4,\)"):
        F.multitask_loss(randn(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        F.multitask_loss(Z, np.full((4, 3), 2.0))
    with pytest.raises(ValueError, match=r"mask of shape \(2,\) does not fit"):
        F.multitask_loss(Z, np.zeros((4, 3)), mask=np.ones(2))
    with pytest.raises(ValueError, match="mask must hold 0/1"):
        F.multitask_loss(Z, np.zeros((4, 3)), mask=np.full((4, 3), 0.5))
