"""Classification metrics: accuracy, precision, recall, F1, confusion matrix, a report.

Labels are integers 0..C−1. Predictions may be given as labels (m,), one-hot rows or scores
(m, C) (the argmax is taken), or probabilities of the positive class (m, 1) (thresholded).
"""
from __future__ import annotations

import numpy as np

from npdeep.tensor import Tensor

# --------------------------------------------------------------------------- labels


def _to_labels(y, where: str, name: str, threshold: float | None = None) -> np.ndarray:
    """Labels (m,) from labels (m,) or (m, 1), one-hot / scores (m, C), or probabilities.

    A float column (m, 1) or vector (m,) holding any non-integer value is read as probabilities
    of class 1 and thresholded: label = 1 where y > threshold. With the default threshold
    (None: 0.5) such values must lie in [0, 1]; an explicit threshold (0 for logits) skips that
    check.
    """
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.dtype.kind not in "fiub":
        raise TypeError(f"{where}: {name} must be numbers; got dtype {y.dtype}")
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)  # one-hot rows, probabilities or logits (m, C)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim != 1:
        raise ValueError(f"{where}: {name} must have shape (m,), (m, 1) or (m, C) but got "
                         f"{y.shape}; reshape sequence outputs to (m·T_y, C) first")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{where}: {name} holds NaN or inf")
        if np.any(y != np.round(y)):
            if threshold is None:
                if y.min() < 0 or y.max() > 1:
                    raise ValueError(f"{where}: {name} of shape {y.shape} holds non-integer "
                                     f"values outside [0, 1]: neither labels nor probabilities "
                                     f"(for logits pass threshold=0)")
                threshold = 0.5
            return (y > threshold).astype(np.int64)
    return y.astype(np.int64)


def _pair(y_true, y_pred, where: str, threshold: float | None = None) -> tuple:
    t = _to_labels(y_true, where, "y_true", threshold)
    p = _to_labels(y_pred, where, "y_pred", threshold)
    if t.shape != p.shape:
        raise ValueError(f"{where}: y_true and y_pred hold different numbers of examples: "
                         f"{np.shape(y_true)} and {np.shape(y_pred)}")
    if t.size == 0:
        raise ValueError(f"{where}: no examples (m = 0)")
    return t, p


def accuracy(y_true, y_pred, threshold: float | None = None) -> float:
    """The fraction of examples whose predicted label equals the true label.

    Args:
        y_true: (m,) labels, (m, 1) binary labels, or (m, C) one-hot rows.
        y_pred: (m,) labels; (m, C) one-hot rows, probabilities or logits (the argmax per row is
            the prediction); or (m, 1) probabilities of class 1, predicted 1 where
            ŷ > threshold (for (m, 1) logits pass threshold=0).
        threshold: the decision threshold for (m, 1) or (m,) scores; None means 0.5 for
            probabilities (values outside [0, 1] are then refused).

    Returns:
        A float in [0, 1].

    Example:
        >>> accuracy(np.array([1, 0, 1]), np.array([[0.9], [0.2], [0.4]]))
        0.666...
    """
    t, p = _pair(y_true, y_pred, "accuracy", threshold)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts of (true class i, predicted class j): rows are true classes, columns predicted.

    Args:
        y_true, y_pred: labels in any form :func:`accuracy` accepts.
        n_classes: C; by default one more than the largest label seen.

    Returns:
        (C, C) int64 array; the diagonal holds the correct predictions.
    """
    t, p = _pair(y_true, y_pred, "confusion_matrix")
    if min(t.min(), p.min()) < 0:
        raise ValueError("confusion_matrix: labels must be integers >= 0")
    largest = int(max(t.max(), p.max()))
    if n_classes is None:
        n_classes = largest + 1
    elif largest >= n_classes:
        raise ValueError(f"confusion_matrix: labels must lie in [0, n_classes) = [0, "
                         f"{n_classes}); got label {largest}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


_AVERAGES = ("binary", "macro", "micro", "weighted", None)


def _counts(t: np.ndarray, p: np.ndarray, classes: np.ndarray) -> tuple:
    """True positives, false positives, false negatives and support of each class."""
    tp = np.array([np.sum((p == c) & (t == c)) for c in classes], dtype=np.float64)
    predicted = np.array([np.sum(p == c) for c in classes], dtype=np.float64)
    support = np.array([np.sum(t == c) for c in classes], dtype=np.float64)
    return tp, predicted - tp, support - tp, support


def _divide(numerator, denominator, zero_division: float):
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    safe = np.where(denominator == 0, 1.0, denominator)
    return np.where(denominator == 0, zero_division, numerator / safe)


def _scores(y_true, y_pred, average, pos_label, n_classes, zero_division, where: str):
    """(precision, recall, F1, support) under the requested averaging."""
    if average not in _AVERAGES:
        raise ValueError(f"The 'average' parameter of {where} must be one of {_AVERAGES}. "
                         f"Got {average!r} instead.")
    t, p = _pair(y_true, y_pred, where)
    present = np.union1d(t, p)
    if n_classes is not None:
        if present.min() < 0 or present.max() >= n_classes:
            raise ValueError(f"{where}: labels must lie in [0, n_classes) = [0, {n_classes}); "
                             f"got labels from {present.min()} to {present.max()}")
        classes = np.arange(n_classes)
    else:
        classes = present
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"{where}: average='binary' needs two classes but the labels hold "
                             f"{len(present)} ({', '.join(map(str, present))}); use "
                             f"average='macro' or average='micro'")
        if len(present) == 2 and pos_label not in present:
            raise ValueError(f"{where}: pos_label={pos_label} is not one of the labels "
                             f"{tuple(present.tolist())}")
        classes = np.array([pos_label])
    tp, fp, fn, support = _counts(t, p, classes)
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision_ = _divide(tp, tp + fp, zero_division)
    recall_ = _divide(tp, tp + fn, zero_division)
    f1 = _divide(2 * precision_ * recall_, precision_ + recall_, zero_division)
    if average in ("binary", "micro"):
        return float(precision_.ravel()[0]), float(recall_.ravel()[0]), float(f1.ravel()[0]), \
            int(support.sum())
    if average == "macro":
        return float(precision_.mean()), float(recall_.mean()), float(f1.mean()), \
            int(support.sum())
    if average == "weighted":
        weights = support / support.sum()
        return (float(precision_ @ weights), float(recall_ @ weights), float(f1 @ weights),
                int(support.sum()))
    return precision_, recall_, f1, support.astype(np.int64)


def precision(y_true, y_pred, average: str | None = "binary", pos_label: int = 1,
              n_classes: int | None = None, zero_division: float = 0.0):
    """Precision = TP / (TP + FP): of the examples predicted positive, the fraction that are.

    Args:
        y_true, y_pred: labels in any form :func:`accuracy` accepts.
        average: "binary" (class pos_label of a two-class problem), "macro" (the unweighted
            mean over classes), "micro" (from the total TP and FP over classes; for single-label
            problems it equals the accuracy), "weighted" (mean weighted by support), or None
            (one value per class, an array).
        pos_label: the positive class for average="binary".
        n_classes: the classes 0..C−1 to average over; by default those in y_true or y_pred.
        zero_division: the value of 0/0 (no predicted positives).

    Raises:
        ValueError: for average="binary" with more than two classes.
    """
    return _scores(y_true, y_pred, average, pos_label, n_classes, zero_division, "precision")[0]


def recall(y_true, y_pred, average: str | None = "binary", pos_label: int = 1,
           n_classes: int | None = None, zero_division: float = 0.0):
    """Recall = TP / (TP + FN): of the positive examples, the fraction predicted positive.

    The arguments are :func:`precision`'s.
    """
    return _scores(y_true, y_pred, average, pos_label, n_classes, zero_division, "recall")[1]


def f1_score(y_true, y_pred, average: str | None = "binary", pos_label: int = 1,
             n_classes: int | None = None, zero_division: float = 0.0):
    """F1 = 2 P R / (P + R), the harmonic mean of precision and recall: a single number
    evaluation metric that combines the two.

    The arguments are :func:`precision`'s; "macro" averages the per-class F1 scores.
    """
    return _scores(y_true, y_pred, average, pos_label, n_classes, zero_division, "f1_score")[2]


def classification_report(y_true, y_pred, class_names=None, n_classes: int | None = None,
                          digits: int = 3) -> str:
    """A table of precision, recall, F1 and support per class, with macro and micro averages.

    Args:
        y_true, y_pred: labels in any form :func:`accuracy` accepts.
        class_names: a name per class 0..C−1 (default: the class numbers).
        n_classes: C; by default the classes in y_true or y_pred.
        digits: decimals shown.

    Returns:
        The table as a string, ready to print.
    """
    where = "classification_report"
    if class_names is not None and n_classes is None:
        n_classes = len(class_names)
    P, R, F1, support = _scores(y_true, y_pred, None, 1, n_classes, 0.0, where)
    t, p = _pair(y_true, y_pred, where)
    classes = np.arange(n_classes) if n_classes is not None else np.union1d(t, p)
    if class_names is not None:
        if len(class_names) < len(classes) or max(classes) >= len(class_names):
            raise ValueError(f"{where}: {len(class_names)} class_names for classes up to "
                             f"{max(classes)}")
        names = [str(class_names[c]) for c in classes]
    else:
        names = [str(c) for c in classes]
    macro = [float(P.mean()), float(R.mean()), float(F1.mean())]
    micro = list(_scores(t, p, "micro", 1, n_classes, 0.0, where)[:3])
    width = max([len(n) for n in names] + [len("macro avg")])
    number = digits + 3
    header = (f"{'':>{width}}  {'precision':>{max(number, 9)}}  {'recall':>{max(number, 6)}}  "
              f"{'f1-score':>{max(number, 8)}}  {'support':>7}")
    widths = (max(number, 9), max(number, 6), max(number, 8))

    def row(name, values, n):
        cells = "  ".join(f"{v:>{w}.{digits}f}" for v, w in zip(values, widths))
        return f"{name:>{width}}  {cells}  {n:>7d}"

    lines = [header, ""]
    for i, name in enumerate(names):
        lines.append(row(name, (P[i], R[i], F1[i]), int(support[i])))
    total = int(support.sum())
    lines += ["", row("micro avg", micro, total), row("macro avg", macro, total)]
    return "\n".join(lines)
