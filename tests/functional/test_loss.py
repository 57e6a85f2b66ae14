"""Costs: binary and softmax cross-entropy, MSE, the L2 term; shape and label checks."""
import warnings

import numpy as np
import pytest

import npdeep
import npdeep.functional as F

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

REDUCTIONS = ["mean", "sum", "none"]


def probabilities(*shape, seed=0):
    t = randn(*shape, seed=seed)
    t.data[...] = 0.05 + 0.9 * np.random.default_rng(seed).random(shape)
    return t


def binary_labels(*shape, seed=0):
    return (np.random.default_rng(seed + 100).random(shape) < 0.5).astype(np.float64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 1), (1, 1), (4,), (3, 2)])
def test_binary_cross_entropy(shape, reduction):
    torch = torch_or_skip()
    A, Y = probabilities(*shape, seed=1), binary_labels(*shape, seed=1)
    fn = lambda a: F.binary_cross_entropy(a, Y, reduction=reduction)  # noqa: E731
    assert_gradcheck(fn, [A])
    assert_matches_torch(fn, lambda a: torch.nn.functional.binary_cross_entropy(
        a, torch.tensor(Y), reduction=reduction), [A])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 1), (1, 1), (4,), (3, 2)])
def test_binary_cross_entropy_with_logits(shape, reduction):
    torch = torch_or_skip()
    Z, Y = randn(*shape, seed=2, scale=3), binary_labels(*shape, seed=2)
    fn = lambda z: F.binary_cross_entropy_with_logits(z, Y, reduction=reduction)  # noqa: E731
    assert_gradcheck(fn, [Z])
    assert_matches_torch(fn, lambda z: torch.nn.functional.binary_cross_entropy_with_logits(
        z, torch.tensor(Y), reduction=reduction), [Z])


def test_binary_cross_entropy_matches_course_formula():
    A, Y = probabilities(6, 1, seed=3), binary_labels(6, 1, seed=3)
    m = 6
    slow = 0.0
    for i in range(m):
        a, y = A.data[i, 0], Y[i, 0]
        slow += -(y * np.log(a) + (1 - y) * np.log(1 - a))
    np.testing.assert_allclose(F.binary_cross_entropy(A, Y).item(), slow / m)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(A.log() - (1 - A).log(), Y)
                               .item(), slow / m)


def test_bce_with_logits_is_finite_for_large_logits():
    Z = npdeep.tensor([[1000.0], [-1000.0], [1000.0]], requires_grad=True, dtype=np.float64)
    Y = np.array([[1.0], [0.0], [0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = F.binary_cross_entropy_with_logits(Z, Y, reduction="none")
        J.sum().backward()
    np.testing.assert_allclose(J.data, [[0.0], [0.0], [1000.0]])
    np.testing.assert_allclose(Z.grad, [[0.0], [0.0], [1.0]], atol=1e-300)  # σ(−1000): subnormal


def test_bce_stays_finite_at_saturated_probabilities():
    A = npdeep.tensor([[0.0], [1.0]], requires_grad=True, dtype=np.float64)
    J = F.binary_cross_entropy(A, np.array([[1.0], [0.0]]))
    J.backward()
    assert np.isfinite(J.item()) and np.all(np.isfinite(A.grad))


def test_bce_accepts_flat_labels_for_column_outputs():
    A = probabilities(4, 1, seed=4)
    Y = binary_labels(4, 1, seed=4)
    np.testing.assert_allclose(F.binary_cross_entropy(A, Y.ravel()).item(),
                               F.binary_cross_entropy(A, Y).item())


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits,
                                F.mse_loss])
def test_m_by_one_prediction_does_not_broadcast_against_m_by_m_labels(fn):
    A = probabilities(4, 1, seed=5)
    Y = np.zeros((4, 4))
    with pytest.raises(ValueError, match=fn.__name__ + r": predictions have shape \(4, 1\) but "
                                                       r"labels Y have shape \(4, 4\)"):
        fn(A, Y)
    with pytest.raises(ValueError, match=r"shape \(1, 4\)"):
        fn(A, np.zeros((1, 4)))


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.mse_loss, F.cross_entropy])
def test_bad_reduction(fn):
    with pytest.raises(ValueError, match="The 'reduction' parameter of " + fn.__name__ +
                                         r" must be one of \('mean', 'sum', 'none'\). "
                                         "Got 'avg' instead."):
        fn(probabilities(2, 2), np.zeros((2, 2)), reduction="avg")


@pytest.mark.parametrize("fn", [F.binary_cross_entropy, F.mse_loss])
def test_string_labels_refused(fn):
    with pytest.raises(TypeError, match=fn.__name__ + ": labels must be numbers"):
        fn(probabilities(2, 1), np.array([["a"], ["b"]]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("m, C", [(5, 3), (1, 4), (3, 1), (6, 10)])
def test_cross_entropy_integer_and_one_hot(m, C, reduction):
    torch = torch_or_skip()
    Z = randn(m, C, seed=6, scale=2)
    labels = np.random.default_rng(7).integers(0, C, size=m)
    one_hot = np.eye(C)[labels]
    for Y in (labels, one_hot):
        fn = lambda z, Y=Y: F.cross_entropy(z, Y, reduction=reduction)  # noqa: E731
        assert_gradcheck(fn, [Z])
        assert_matches_torch(fn, lambda z: torch.nn.functional.cross_entropy(
            z, torch.tensor(labels), reduction=reduction), [Z])


def test_cross_entropy_sequence_logits():
    torch = torch_or_skip()
    Z = randn(2, 3, 4, seed=8)  # (m, T_y, C)
    labels = np.random.default_rng(9).integers(0, 4, size=(2, 3))
    fn = lambda z: F.cross_entropy(z, labels)  # noqa: E731
    assert_gradcheck(fn, [Z])
    assert_matches_torch(fn, lambda z: torch.nn.functional.cross_entropy(
        z.reshape(6, 4), torch.tensor(labels.reshape(6))), [Z])


def test_cross_entropy_matches_course_formula():
    Z = randn(4, 3, seed=10)
    labels = np.array([0, 2, 1, 2])
    slow = 0.0
    for i in range(4):
        y_hat = np.exp(Z.data[i]) / np.exp(Z.data[i]).sum()
        slow += -np.log(y_hat[labels[i]])
    J = F.cross_entropy(Z, labels)
    np.testing.assert_allclose(J.item(), slow / 4)
    J.backward()
    Y_hat = np.exp(Z.data) / np.exp(Z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(Z.grad, (Y_hat - np.eye(3)[labels]) / 4)  # dZ = (ŷ − y)/m


def test_cross_entropy_finite_for_large_logits():
    Z = npdeep.tensor([[1000.0, -1000.0], [0.0, 5000.0]], requires_grad=True, dtype=np.float64)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = F.cross_entropy(Z, np.array([1, 0]), reduction="none")
        J.sum().backward()
    np.testing.assert_allclose(J.data, [2000.0, 5000.0])
    assert np.all(np.isfinite(Z.grad))


@pytest.mark.parametrize("labels", [np.array([0, 3]), np.array([-1, 0])])
def test_cross_entropy_labels_outside_range(labels):
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, C\) = "
                                         r"\[0, 3\)"):
        F.cross_entropy(randn(2, 3), labels)


def test_cross_entropy_non_integer_labels():
    with pytest.raises(ValueError, match="cross_entropy: integer class labels expected"):
        F.cross_entropy(randn(2, 3), np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="cross_entropy: labels must be integers"):
        F.cross_entropy(randn(2, 3), np.array(["a", "b"]))
    # Integer-valued floats are fine.
    F.cross_entropy(randn(2, 3), np.array([0.0, 2.0]))


def test_cross_entropy_shape_mismatch():
    with pytest.raises(ValueError, match=r"cross_entropy: logits have shape \(4, 3\), so Y "
                                         r"must have shape \(4,\) .* or \(4, 3\) .* but got "
                                         r"\(4, 1\)"):
        F.cross_entropy(randn(4, 3), np.zeros((4, 1), dtype=int))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 1), (1, 1), (3, 2), (5,)])
def test_mse_loss(shape, reduction):
    torch = torch_or_skip()
    A, Y = randn(*shape, seed=11), np.random.default_rng(12).standard_normal(shape)
    fn = lambda a: F.mse_loss(a, Y, reduction=reduction)  # noqa: E731
    assert_gradcheck(fn, [A])
    assert_matches_torch(fn, lambda a: torch.nn.functional.mse_loss(
        a, torch.tensor(Y), reduction=reduction), [A])


def test_l2_penalty_by_hand():
    W1 = npdeep.tensor([[1.0, 2.0], [3.0, 0.0]], requires_grad=True, dtype=np.float64)
    W2 = npdeep.tensor([[-1.0, 1.0]], requires_grad=True, dtype=np.float64)
    # ‖W1‖² = 1 + 4 + 9 = 14, ‖W2‖² = 2; λ/(2m) = 0.7/(2·5) = 0.07 -> 0.07 · 16 = 1.12
    J = F.l2_penalty([W1, W2], lambd=0.7, m=5)
    np.testing.assert_allclose(J.item(), 1.12)
    J.backward()
    np.testing.assert_allclose(W1.grad, 0.7 / 5 * W1.data)  # dW += (λ/m) W, as the course
    np.testing.assert_allclose(W2.grad, 0.7 / 5 * W2.data)
    assert_gradcheck(lambda a, b: F.l2_penalty([a, b], 0.3, 7), [randn(3, 2), randn(1, 3)])


def test_l2_penalty_errors():
    with pytest.raises(ValueError, match="l2_penalty: m must be >= 1. Got 0 instead."):
        F.l2_penalty([randn(2, 2)], 0.1, 0)
    with pytest.raises(ValueError, match="l2_penalty: expected at least one weight tensor"):
        F.l2_penalty([], 0.1, 3)


def test_losses_keep_float32():
    A = npdeep.tensor(np.full((3, 1), 0.5, dtype=np.float32), requires_grad=True)
    Y = np.array([[1.0], [0.0], [1.0]])  # float64 labels do not upcast the cost
    for fn in (F.binary_cross_entropy, F.binary_cross_entropy_with_logits, F.mse_loss):
        J = fn(A, Y)
        assert J.dtype == np.float32
        J.backward()
        assert A.grad.dtype == np.float32
        A.grad = None
    assert F.cross_entropy(npdeep.tensor(np.zeros((2, 3), dtype=np.float32)),
                           [0, 1]).dtype == np.float32


# ----------------------------------------------------------------------------- probabilities as logits
@pytest.fixture
def fresh_warnings(monkeypatch):
    """Each loss warns once per process; start every test with none shown yet."""
    from npdeep.functional import loss
    monkeypatch.setattr(loss, "_warned_probabilities", set())


def test_cross_entropy_after_softmax_warns_once(fresh_warnings):
    # A model ending in Softmax fed probabilities to cross_entropy without a word.
    Z = randn(4, 3, seed=1)
    A = F.softmax(Z)
    with pytest.warns(UserWarning, match=r"^cross_entropy: Z looks like probabilities \(a "
                                         r"softmax output: rows in \[0, 1\] summing to 1\), but "
                                         r"cross_entropy takes logits z and applies softmax "
                                         r"itself.*remove the Softmax layer at the end of the "
                                         r"model .*\(shown once\)$"):
        F.cross_entropy(A, np.array([0, 1, 2, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(A, np.array([0, 1, 2, 0]))  # once only


def test_cross_entropy_after_a_softmax_layer_under_no_grad_warns(fresh_warnings):
    model = npdeep.nn.Sequential(npdeep.nn.Linear(4, 3), npdeep.nn.Softmax())
    X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with npdeep.no_grad():  # no graph: the values tell
        A = model(npdeep.tensor(X))
    assert A.grad_fn is None
    with pytest.warns(UserWarning, match="remove the Softmax layer"):
        F.cross_entropy(A, np.array([0, 1, 2, 0, 1]))


def test_cross_entropy_on_logits_does_not_warn(fresh_warnings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cross_entropy(randn(4, 3, seed=2), np.array([0, 1, 2, 0]))
        F.cross_entropy(F.log_softmax(randn(4, 3, seed=2)), np.array([0, 1, 2, 0]))
        with npdeep.no_grad():
            F.cross_entropy(randn(4, 3, seed=3) * 0.1, np.array([0, 1, 2, 0]))
        # in [0, 1] but rows not summing to 1: logits, not probabilities
        F.cross_entropy(npdeep.tensor(np.full((2, 3), 0.5)), np.array([0, 1]))


def test_binary_cross_entropy_with_logits_after_sigmoid_warns_once(fresh_warnings):
    A = F.sigmoid(randn(6, 1, seed=4))
    Y = binary_labels(6, 1)
    with pytest.warns(UserWarning, match=r"^binary_cross_entropy_with_logits: Z comes from a "
                                         r"sigmoid, but this loss takes logits z and applies "
                                         r"the sigmoid itself.*remove the Sigmoid layer"):
        F.binary_cross_entropy_with_logits(A, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.binary_cross_entropy_with_logits(A, Y)
        F.binary_cross_entropy(A, Y)  # probabilities are what this one takes
        with npdeep.no_grad():  # logits in (0, 1) are common: values alone never warn
            F.binary_cross_entropy_with_logits(npdeep.tensor(np.full((3, 1), 0.5)),
                                               np.ones((3, 1)))


# ---------------------------------------------------------------- ignore_index (padded steps)

def _labels_with_ignored(shape, C, ignore_index=-100, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.integers(0, C, size=shape)
    Y[rng.random(shape) < 0.4] = ignore_index
    Y.reshape(-1)[0] = 0  # at least one counted entry
    return Y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6,), (3, 5), (1, 1), (2, 4)])
def test_cross_entropy_ignore_index_matches_torch(shape, reduction):
    torch = torch_or_skip()
    C = 4
    Z = randn(*shape, C, seed=3)
    Y = _labels_with_ignored(shape, C, seed=len(shape))
    fn = lambda z: F.cross_entropy(z, Y, reduction=reduction)  # noqa: E731
    assert_gradcheck(fn, [Z])
    assert_matches_torch(fn, lambda z: torch.nn.functional.cross_entropy(
        z.reshape(-1, C), torch.tensor(Y.reshape(-1)), reduction=reduction).reshape(
            () if reduction != "none" else shape), [Z])


def test_cross_entropy_ignored_entries_get_exactly_zero_gradient():
    Z = randn(3, 5, 4, seed=4)
    Y = _labels_with_ignored((3, 5), 4, seed=5)
    F.cross_entropy(Z, Y).backward()
    ignored = Y == -100
    assert ignored.any() and (~ignored).any()
    assert np.all(Z.grad[ignored] == 0.0)
    assert np.all(np.abs(Z.grad[~ignored]).sum(axis=-1) > 0)


def test_cross_entropy_ignore_index_means_over_counted_entries_only():
    Z = randn(2, 3, 4, seed=6)
    Y = np.array([[1, 2, -100], [0, -100, -100]])
    counted = Y != -100
    per_entry = F.cross_entropy(Z, np.where(counted, Y, 0), reduction="none").data
    np.testing.assert_allclose(F.cross_entropy(Z, Y).data, per_entry[counted].mean())
    np.testing.assert_allclose(F.cross_entropy(Z, Y, reduction="sum").data,
                               per_entry[counted].sum())
    np.testing.assert_allclose(F.cross_entropy(Z, Y, reduction="none").data,
                               np.where(counted, per_entry, 0.0))


def test_cross_entropy_custom_and_disabled_ignore_index():
    Z = randn(3, 4, seed=7)
    np.testing.assert_allclose(F.cross_entropy(Z, np.array([1, 3, 2]), ignore_index=3).data,
                               F.cross_entropy(Z[np.array([0, 2])], np.array([1, 2])).data)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, C\) = \[0, 4\); got values "
                                         r"from -100 to 1"):
        F.cross_entropy(Z, np.array([1, -100, 0]), ignore_index=None)
    with pytest.raises(ValueError, match=r"from -1 to 1 \(ignore_index=-100 aside\)"):
        F.cross_entropy(Z, np.array([1, -1, -100]))
    with pytest.raises(TypeError, match="The 'ignore_index' parameter of cross_entropy must "
                                        "be an int or None. Got 0.5 instead."):
        F.cross_entropy(Z, np.array([1, 0, 0]), ignore_index=0.5)


def test_cross_entropy_all_ignored_is_nan_like_torch():
    Z = randn(2, 3, seed=8)
    with np.errstate(all="ignore"):
        J = F.cross_entropy(Z, np.array([-100, -100]))
        J.backward()
    assert np.isnan(J.data)
    assert np.all(Z.grad == 0.0)
