"""Tests of npdeep/metrics/classification.py: accuracy, precision/recall/F1, reports."""
import numpy as np
import pytest

from npdeep.metrics import classification as M
from npdeep.data import one_hot
from npdeep.tensor import Tensor


def random_labels(m, C, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, C, m), rng.integers(0, C, m)


# ---------------------------------------------------------------- accuracy


def test_accuracy_accepts_every_label_form():
    y = np.array([0, 2, 1, 1])
    scores = np.array([[5.0, 1, 0], [0, 1, 3], [0, 2, 1], [9, 0, 0]])  # argmax 0, 2, 1, 0
    assert M.accuracy(y, scores) == 0.75
    assert M.accuracy(one_hot(y, 3), scores) == 0.75
    assert M.accuracy(y, y) == 1.0
    assert M.accuracy(Tensor(one_hot(y, 3)), Tensor(scores)) == 0.75


def test_accuracy_thresholds_probabilities():
    y = np.array([[1], [0], [1], [0]])
    probabilities = np.array([[0.9], [0.2], [0.4], [0.5]])  # > 0.5 -> 1, 0, 0, 0
    assert M.accuracy(y, probabilities) == 0.75
    assert M.accuracy(y.ravel(), probabilities.ravel()) == 0.75
    assert M.accuracy(y, probabilities, threshold=0.3) == 0.75  # 1, 0, 1, 1
    assert M.accuracy(y, probabilities, threshold=0.95) == 0.5  # 0, 0, 0, 0
    logits = np.array([[2.0], [-1.0], [0.5], [-3.0]])
    assert M.accuracy(y, logits, threshold=0) == 1.0


def test_accuracy_errors():
    with pytest.raises(ValueError, match=r"different numbers of examples: \(3,\) and \(4,\)"):
        M.accuracy(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(m,\), \(m, 1\) or \(m, C\) but got "
                                         r"\(2, 3, 4\)"):
        M.accuracy(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="neither labels nor probabilities"):
        M.accuracy(np.zeros(2), np.array([1.5, 2.0]))


# ---------------------------------------------------------------- precision, recall, F1


def test_binary_by_hand():
    y_true = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    y_pred = np.array([1, 0, 1, 1, 0, 0, 0, 1])  # TP 3, FP 1, FN 1
    assert M.precision(y_true, y_pred) == 0.75
    assert M.recall(y_true, y_pred) == 0.75
    assert M.f1_score(y_true, y_pred) == pytest.approx(0.75)
    assert M.precision(y_true, y_pred, pos_label=0) == 0.75  # TN become TP of class 0
    assert M.recall(np.array([1, 0]), np.array([0, 0])) == 0.0
    assert M.precision(np.array([1, 0]), np.array([0, 0])) == 0.0  # 0/0 -> zero_division


@pytest.mark.parametrize("seed, C, m", [(0, 2, 30), (1, 3, 50), (2, 5, 200), (3, 10, 7)])
def test_matches_sklearn(seed, C, m):
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = random_labels(m, C, seed)
    averages = ["macro", "micro", "weighted", None] + (["binary"] if C == 2 else [])
    for average in averages:
        for ours, theirs in ((M.precision, metrics.precision_score),
                             (M.recall, metrics.recall_score),
                             (M.f1_score, metrics.f1_score)):
            np.testing.assert_allclose(ours(y_true, y_pred, average=average),
                                       theirs(y_true, y_pred, average=average, zero_division=0),
                                       atol=1e-12, err_msg=f"{ours.__name__} {average}")
    np.testing.assert_array_equal(M.confusion_matrix(y_true, y_pred, n_classes=C),
                                  metrics.confusion_matrix(y_true, y_pred, labels=range(C)))


def test_micro_average_is_accuracy_for_single_label():
    y_true, y_pred = random_labels(100, 4, 5)
    accuracy = M.accuracy(y_true, y_pred)
    assert M.precision(y_true, y_pred, average="micro") == pytest.approx(accuracy)
    assert M.f1_score(y_true, y_pred, average="micro") == pytest.approx(accuracy)


def test_macro_includes_absent_classes_when_n_classes_given():
    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 1, 0])
    assert M.recall(y_true, y_pred, average="macro") == pytest.approx((1 + 0.5) / 2)
    assert M.recall(y_true, y_pred, average="macro", n_classes=3) == pytest.approx(0.5)


def test_precision_errors():
    with pytest.raises(ValueError, match=r"average='binary' needs two classes but the labels "
                                         r"hold 3 \(0, 1, 2\); use average='macro'"):
        M.precision(np.array([0, 1, 2]), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"The 'average' parameter of recall must be one of"):
        M.recall(np.array([0, 1]), np.array([0, 1]), average="samples")
    with pytest.raises(ValueError, match=r"pos_label=1 is not one of the labels \(0, 2\)"):
        M.precision(np.array([0, 2]), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"\[0, n_classes\) = \[0, 2\)"):
        M.f1_score(np.array([0, 2]), np.array([0, 1]), average="macro", n_classes=2)


# ---------------------------------------------------------------- confusion matrix, report


def test_confusion_matrix_loop_reference():
    y_true, y_pred = random_labels(60, 4, 9)
    expected = np.zeros((4, 4), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(M.confusion_matrix(y_true, y_pred), expected)
    # Scores are reduced to labels first.
    np.testing.assert_array_equal(M.confusion_matrix(one_hot(y_true, 4), one_hot(y_pred, 4)),
                                  expected)
    assert M.confusion_matrix(np.array([0, 0]), np.array([0, 0]), n_classes=3).shape == (3, 3)
    with pytest.raises(ValueError, match=r"\[0, n_classes\) = \[0, 2\); got label 2"):
        M.confusion_matrix(np.array([0, 2]), np.array([0, 1]), n_classes=2)


def test_classification_report():
    metrics = pytest.importorskip("sklearn.metrics")
    y_true, y_pred = random_labels(80, 3, 4)
    report = M.classification_report(y_true, y_pred, class_names=["cat", "dog", "bird"])
    lines = report.splitlines()
    assert lines[0].split() == ["precision", "recall", "f1-score", "support"]
    P, R, F, S = metrics.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    for i, name in enumerate(["cat", "dog", "bird"]):
        row = next(line for line in lines if line.split()[:1] == [name]).split()
        np.testing.assert_allclose([float(x) for x in row[1:4]], [P[i], R[i], F[i]], atol=6e-4)
        assert int(row[4]) == S[i]
    macro = next(line for line in lines if line.strip().startswith("macro avg")).split()
    np.testing.assert_allclose(float(macro[2]), P.mean(), atol=6e-4)
    micro = next(line for line in lines if line.strip().startswith("micro avg")).split()
    np.testing.assert_allclose(float(micro[4]), M.accuracy(y_true, y_pred), atol=6e-4)
    assert micro[-1] == "80"
