"""Inverted dropout: the mask, the scaling, the identity at test time, repeatability."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep import backend

from harness import assert_gradcheck, randn


def test_forward_is_masked_and_scaled():
    A = randn(50, 40, seed=1)
    out = F.dropout(A, keep_prob=0.8)
    kept = out.data != 0
    np.testing.assert_allclose(out.data[kept], A.data[kept] / 0.8)
    assert 0.75 < kept.mean() < 0.85  # about keep_prob of the units survive


def test_mask_is_the_course_formula():
    # D = rng.random(shape) < keep_prob, drawn from npdeep's generator.
    A = randn(6, 5, seed=2)
    npdeep.manual_seed(3)
    out = F.dropout(A, keep_prob=0.6)
    npdeep.manual_seed(3)
    D = backend.rng().random((6, 5)) < 0.6
    np.testing.assert_allclose(out.data, A.data * D / 0.6)


def test_backward_uses_the_same_mask():
    A = randn(8, 7, seed=4)
    out = F.dropout(A, keep_prob=0.5)
    R = np.random.default_rng(0).standard_normal(out.shape)
    (out * R).sum().backward()
    D = out.data != 0
    np.testing.assert_allclose(A.grad, R * D / 0.5)


@pytest.mark.parametrize("shape", [(4, 3), (1, 1), (2, 3, 3, 2)])
def test_gradcheck_with_a_fixed_mask(shape):
    # The mask is random per call; seeding before every call makes the function deterministic.
    def fn(A):
        npdeep.manual_seed(5)
        return F.dropout(A, keep_prob=0.7)

    assert_gradcheck(fn, [randn(*shape, seed=6)])


def test_expected_value_is_kept():
    A = npdeep.tensor(np.ones((200, 200)))
    assert abs(F.dropout(A, 0.7).data.mean() - 1.0) < 0.02


def test_identity_at_test_time_and_keep_prob_one():
    A = randn(3, 4)
    assert F.dropout(A, 0.5, training=False) is A
    assert F.dropout(A, 1.0) is A
    assert F.dropout(A, 1) is A


def test_repeatable_with_manual_seed_and_fresh_each_call():
    A = npdeep.tensor(np.ones((10, 10)))
    npdeep.manual_seed(7)
    first, second = F.dropout(A, 0.5).data, F.dropout(A, 0.5).data
    assert not np.array_equal(first, second)
    npdeep.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(A, 0.5).data, first)


def test_keeps_float32():
    A = npdeep.tensor(np.ones((3, 3), dtype=np.float32), requires_grad=True)
    out = F.dropout(A, 0.9)
    assert out.dtype == np.float32
    out.sum().backward()
    assert A.grad.dtype == np.float32


@pytest.mark.parametrize("keep_prob", [0, 0.0, -0.1, 1.5, "0.5", None, True])
def test_keep_prob_is_validated(keep_prob):
    with pytest.raises(ValueError, match=r"The 'keep_prob' parameter of dropout must be a "
                                         r"finite number in \(0, 1\]. Got .* instead."):
        F.dropout(randn(2, 2), keep_prob)
