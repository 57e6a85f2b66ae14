import numpy as np
import pytest

from npdeep import metrics as M
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


# ---------------------------------------------------------------- diagnose


@pytest.mark.parametrize("errors, largest", [
    # Course 3, week 1: the same training and dev errors, different human-level errors.
    (dict(human_error=1, train_error=8, dev_error=10), "avoidable bias"),
    (dict(human_error=7.5, train_error=8, dev_error=10), "variance"),
    # Course 3, week 2: training and dev/test sets from different distributions.
    (dict(human_error=0, train_error=1, train_dev_error=9, dev_error=10), "variance"),
    (dict(human_error=0, train_error=1, train_dev_error=1.5, dev_error=10), "data mismatch"),
    (dict(human_error=0, train_error=10, train_dev_error=11, dev_error=12), "avoidable bias"),
    (dict(human_error=0, train_error=10, train_dev_error=11, dev_error=20), "avoidable bias"),
    # Medical imaging: past human-level performance the gaps get small but still rank.
    (dict(human_error=0.5, train_error=0.7, dev_error=0.8), "avoidable bias"),
    (dict(human_error=0.5, train_error=1, dev_error=5), "variance"),
    (dict(human_error=1, train_error=2, dev_error=2.5, test_error=8), "overfitting to dev"),
    # Fractions instead of percentages give the same answers.
    (dict(human_error=0.01, train_error=0.08, dev_error=0.10), "avoidable bias"),
    (dict(human_error=0.075, train_error=0.08, dev_error=0.10), "variance"),
])
def test_diagnose_course_examples(errors, largest):
    diagnosis = M.diagnose(**errors)
    assert diagnosis.largest == largest
    assert diagnosis.remedies == M.REMEDIES[largest]


def test_diagnose_gaps():
    d = M.diagnose(human_error=4, train_error=7, train_dev_error=10, dev_error=12,
                   test_error=12)
    assert (d.avoidable_bias, d.variance, d.data_mismatch, d.overfitting_to_dev) == (3, 3, 2, 0)
    assert d.largest == "avoidable bias"  # a tie goes to the earlier gap
    d = M.diagnose(human_error=1, train_error=8, dev_error=10)
    assert d.variance == 2 and d.data_mismatch is None and d.overfitting_to_dev is None
    assert d.gaps() == {"avoidable bias": 7, "variance": 2}
    text = str(d)
    assert "avoidable bias             7   <- largest" in text
    assert "bigger model" in text and "Adam" in text


def test_remedies_are_the_courses():
    remedies = M.diagnose(human_error=0, train_error=1, train_dev_error=1.5,
                          dev_error=10).remedies
    assert any("error analysis" in r for r in remedies)
    assert any("synthesis" in r for r in remedies)
    variance = " ".join(M.REMEDIES["variance"])
    assert "more training data" in variance and "dropout" in variance and "L2" in variance
    assert "augmentation" in variance
    assert "bigger dev set" in M.REMEDIES["overfitting to dev"][0]


def test_diagnose_errors():
    with pytest.raises(TypeError, match="missing"):
        M.diagnose(train_error=8, dev_error=10)
    with pytest.raises(ValueError, match="dev_error must be an error rate between 0 and 1"):
        M.diagnose(human_error=1, train_error=8, dev_error=-1)
    with pytest.raises(TypeError, match="train_error must be a number"):
        M.diagnose(human_error=1, train_error="8%", dev_error=10)


# ---------------------------------------------------------------- select


CLASSIFIERS = {"A": {"accuracy": 0.90, "runtime_ms": 80},
               "B": {"accuracy": 0.92, "runtime_ms": 95},
               "C": {"accuracy": 0.95, "runtime_ms": 1500}}


def test_select_course_example():
    assert M.select(CLASSIFIERS, optimize="accuracy", satisfice={"runtime_ms": 100}) == "B"
    assert M.select(CLASSIFIERS, optimize="accuracy") == "C"
    as_list = [dict(name=k, **v) for k, v in CLASSIFIERS.items()]
    assert M.select(as_list, satisfice={"runtime_ms": 90})["name"] == "A"


def test_select_minimum_and_minimize():
    candidates = [{"name": "x", "error": 0.05, "recall": 0.80},
                  {"name": "y", "error": 0.03, "recall": 0.60},
                  {"name": "z", "error": 0.04, "recall": 0.95}]
    best = M.select(candidates, optimize="error", minimize=True,
                    satisfice={"recall": (">=", 0.9)})
    assert best["name"] == "z"
    assert M.select(candidates, optimize="error", minimize=True)["name"] == "y"


def test_select_errors():
    with pytest.raises(ValueError, match=r"no candidate meets every satisficing threshold "
                                         r"\(runtime_ms <= 10, accuracy >= 0.99\)"):
        M.select(CLASSIFIERS, satisfice={"runtime_ms": 10, "accuracy": (">=", 0.99)})
    with pytest.raises(ValueError, match=r"candidate A has no 'memory_mb' metric"):
        M.select(CLASSIFIERS, satisfice={"memory_mb": 10})
    with pytest.raises(ValueError, match=r"\(operator, value\) pair"):
        M.select(CLASSIFIERS, satisfice={"runtime_ms": ("at most", 10)})
    with pytest.raises(ValueError, match="no candidates"):
        M.select([])


# ---------------------------------------------------------------- error analysis


def course_spreadsheet():
    """100 dev-set mistakes: 8 dogs, 43 great cats, 61 blurry (some overlap), 6 mislabeled."""
    analysis = M.ErrorAnalysis(categories=["dog", "great cat", "blurry"])
    for i in range(100):
        tags = []
        if i < 8:
            tags.append("dog")
        if 8 <= i < 51:
            tags.append("great cat")
        if i >= 39:
            tags.append("blurry")
        if 51 <= i < 57:
            tags.append("mislabeled")
        analysis.add(i, *tags)
    return analysis


def test_error_analysis_counts_and_table():
    analysis = course_spreadsheet()
    assert analysis.total == 100 and len(analysis) == 100
    assert analysis.counts() == {"blurry": 61, "great cat": 43, "dog": 8, "mislabeled": 6}
    lines = str(analysis).splitlines()
    assert lines[1].split() == ["blurry", "61", "61%"]
    assert lines[2].split() == ["great", "cat", "43", "43%"]
    assert lines[3].split() == ["dog", "8", "8%"]
    assert lines[5].split() == ["total", "100", "100%"]


def test_ceiling_on_performance():
    analysis = course_spreadsheet()
    assert analysis.ceiling("dog") == 0.08
    assert analysis.ceiling("great cat") == 0.43
    # The course: 10% dev error; fixing every dog mistake leaves 9.2% here.
    assert analysis.best_error("dog", 0.10) == pytest.approx(0.092)
    five_dogs = M.ErrorAnalysis([(i, ["dog"] if i < 5 else []) for i in range(100)])
    assert five_dogs.best_error("dog", 10) == pytest.approx(9.5)
    with pytest.raises(ValueError, match=r"unknown category 'cats'"):
        analysis.ceiling("cats")


def test_error_analysis_construction_and_sheet():
    analysis = M.ErrorAnalysis({"img1": ["dog"], "img2": "blurry", "img3": ["great cat",
                                                                             "blurry"]})
    analysis.add("img1", "blurry", comment="pitbull")
    analysis.add("img1", "dog")  # merged, not counted twice
    assert analysis.counts() == {"blurry": 3, "dog": 1, "great cat": 1}
    sheet = analysis.table(examples=True).splitlines()
    assert sheet[0].split()[:2] == ["example", "blurry"] and "comments" in sheet[0]
    assert sheet[1].split() == ["img1", "x", "x", "pitbull"]
    assert sheet[-1].split() == ["%", "of", "total", "100%", "33%", "33%"]
    with pytest.raises(ValueError, match=r"\(example_id, \[categories\]\) pair"):
        M.ErrorAnalysis([("img1", ["dog"], "extra")])
    with pytest.raises(ValueError, match="no mistakes recorded"):
        M.ErrorAnalysis(categories=["dog"]).ceiling("dog")
