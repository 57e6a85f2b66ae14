"""The metrics that fit and evaluate log, by name: one explicit table, not a module lookup.

``metrics=("accuracy", "f1")`` picks entries of :data:`METRICS`; any function
``fn(y_true, y_pred) -> float`` may be passed as well and is logged under its ``__name__``.
A name outside the table (``"dataclass"``, or ``"confusion_matrix"``, which returns a matrix,
not one number per mini-batch) is refused before the first step.

Train figures are the size-weighted mean over the epoch's mini-batches, as they are trained:
exact for accuracy, an estimate for precision, recall and F1 (which do not average). Dev
figures are computed once on the whole dev set, so they are exact for every metric.
"""
from __future__ import annotations

import numpy as np

from npdeep.metrics import accuracy, f1_score, precision, recall
from npdeep.tensor import Tensor


def _per_class(score, name: str):
    """``score`` of the positive class for two-class outputs ((m, 1) probabilities or (m, 2)
    scores), its macro average over the C classes of (m, C) outputs with C > 2."""
    def metric(y_true, y_pred) -> float:
        y_pred = np.asarray(y_pred)
        C = y_pred.shape[1] if y_pred.ndim == 2 else 1
        if C <= 2:
            return float(score(y_true, y_pred, average="binary"))
        return float(score(y_true, y_pred, average="macro", n_classes=C))

    metric.__name__ = name
    return metric


METRICS = {
    "accuracy": accuracy,
    "precision": _per_class(precision, "precision"),
    "recall": _per_class(recall, "recall"),
    "f1": _per_class(f1_score, "f1"),
}

# Names a user may reasonably try that have no per-batch meaning, with what to do instead.
_NOT_PER_BATCH = {
    "confusion_matrix": "it returns a (C, C) matrix, not one number per mini-batch; compute it "
                        "after training: npdeep.metrics.confusion_matrix(Y, "
                        "npdeep.predict(model, X))",
    "classification_report": "it returns a text table; print it after training from "
                             "npdeep.predict(model, X)",
}


def resolve_metrics(metrics, where: str) -> list:
    """[(name, fn(y_true, y_pred) -> float)] from names in :data:`METRICS` and callables.

    Raises:
        ValueError: for a name outside the table (listing the valid names) or two metrics
            with the same name (their logs would collide).
        TypeError: for an entry that is neither a name nor a callable.
    """
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = []
    for metric in metrics or ():
        if callable(metric):
            name, fn = getattr(metric, "__name__", "metric"), metric
        elif isinstance(metric, str):
            if metric not in METRICS:
                reason = _NOT_PER_BATCH.get(metric, "it is not a metric fit knows")
                raise ValueError(f"{where}: cannot log metric {metric!r}: {reason}. Valid names "
                                 f"are {', '.join(map(repr, METRICS))}, or pass a function "
                                 "fn(y_true, y_pred) -> float")
            name, fn = metric, METRICS[metric]
        else:
            raise TypeError(f"{where}: each metric must be a name ({', '.join(map(repr, METRICS))})"
                            f" or a function fn(y_true, y_pred) -> float; got "
                            f"{type(metric).__name__}")
        if name in [n for n, _ in resolved]:
            raise ValueError(f"{where}: two metrics are named {name!r}, so their logs would "
                             "collide; give the functions distinct names (def ...)")
        resolved.append((name, fn))
    return resolved


def batch_metric(fn, Y_batch: np.ndarray, Z) -> float:
    """fn(Y_batch, Z) for one training mini-batch as a plain float, with a fast path for
    accuracy on logits.

    The general accuracy validates and converts its inputs, which costs more than the argmax
    itself on a small mini-batch; the fast path gives the same number for the common case,
    integer labels (m,) against logits (m, C).
    """
    Z = Z.data if isinstance(Z, Tensor) else Z
    if (fn is accuracy and Z.ndim == 2 and Z.shape[1] > 1 and Y_batch.ndim == 1
            and Y_batch.dtype.kind in "iu"):
        return int(np.count_nonzero(Z.argmax(axis=1) == Y_batch)) / len(Y_batch)
    return float(fn(Y_batch, Z))
