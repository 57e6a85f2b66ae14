"""The metric table: names fit and evaluate accept, refusals before the first step."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.metrics import accuracy, confusion_matrix, f1_score, precision, recall
from npdeep.tensor import Tensor
from npdeep.train import METRICS
from npdeep.train.metric_names import batch_metric, resolve_metrics
from harness import blobs as _blobs, mlp_and_adam as _setup


def test_the_table():
    assert list(METRICS) == ["accuracy", "precision", "recall", "f1"]
    assert METRICS["accuracy"] is accuracy


@pytest.mark.parametrize("name", ["dataclass", "confusion_matrix", "classification_report",
                                  "diagnose", "nope"])
def test_names_outside_the_table_are_refused_before_the_first_step(name):
    """'dataclass' resolved to dataclasses.dataclass, and 'confusion_matrix' passed the check
    and crashed mid-epoch with a bare TypeError."""
    X, y = _blobs()
    model, opt = _setup()
    before = model[0].W.data.copy()
    with pytest.raises(ValueError, match=rf"fit: cannot log metric '{name}': .*Valid names are "
                                         r"'accuracy', 'precision', 'recall', 'f1', or pass a "
                                         r"function fn\(y_true, y_pred\) -> float"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, metrics=(name,), verbose=0)
    assert np.array_equal(model[0].W.data, before)


def test_confusion_matrix_name_says_what_to_do_instead():
    with pytest.raises(ValueError, match=r"returns a \(C, C\) matrix, not one number per "
                                         r"mini-batch; compute it after training"):
        resolve_metrics(("confusion_matrix",), "fit")


def test_a_callable_returning_an_array_is_refused_before_the_first_step():
    X, y = _blobs()
    model, opt = _setup()
    with pytest.raises(TypeError, match=r"fit: the metric 'confusion_matrix' returned an array "
                                        r"of shape \(3, 3\), but fit logs one number per "
                                        r"mini-batch"):
        npdeep.fit(model, F.cross_entropy, opt, (X, y), epochs=1, metrics=[confusion_matrix],
                   verbose=0)


def test_bad_entries_and_duplicate_names():
    with pytest.raises(TypeError, match=r"fit: each metric must be a name .* got int"):
        resolve_metrics((3,), "fit")
    with pytest.raises(ValueError, match=r"two metrics are named '<lambda>'"):
        resolve_metrics((lambda t, p: 0.0, lambda t, p: 1.0), "fit")
    assert [n for n, _ in resolve_metrics("accuracy", "fit")] == ["accuracy"]


def test_precision_recall_f1_are_macro_averages_over_C_classes():
    X, y = _blobs()
    model, opt = _setup()
    history = npdeep.fit(model, F.cross_entropy, opt, (X, y), dev=(X, y), epochs=2,
                         metrics=("precision", "recall", "f1"), verbose=0)
    Z = npdeep.predict(model, X)
    for name, fn in (("precision", precision), ("recall", recall), ("f1", f1_score)):
        expected = fn(y, Z, average="macro", n_classes=3)
        assert history.dev[name][-1] == pytest.approx(expected)
        assert 0 <= history.train[name][-1] <= 1


def test_precision_of_two_class_outputs_is_of_the_positive_class():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 50)
    Z = rng.standard_normal((50, 2))
    assert METRICS["precision"](y, Z) == pytest.approx(precision(y, Z))
    probabilities = rng.uniform(size=(50, 1))
    assert METRICS["recall"](y, probabilities) == pytest.approx(recall(y, probabilities))


def test_fast_accuracy_matches_metrics_accuracy():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((33, 5)).astype(np.float32)
    y = rng.integers(0, 5, 33)
    assert batch_metric(accuracy, y, Tensor(Z)) == pytest.approx(accuracy(y, Z))
    assert type(batch_metric(accuracy, y, Tensor(Z))) is float
    one_hot = np.eye(5)[y]
    assert batch_metric(accuracy, one_hot, Tensor(Z)) == pytest.approx(accuracy(one_hot, Z))
