"""Evaluation metrics and the course's tools for structuring machine-learning projects.

- accuracy, precision, recall, F1, confusion matrix and a classification report;
- :func:`diagnose`: human-level, training, train-dev, dev and test errors -> avoidable bias,
  variance, data mismatch, overfitting to the dev set, the largest of them and its remedies;
- :func:`select`: one optimizing metric subject to satisficing metrics;
- :class:`ErrorAnalysis`: the error-analysis spreadsheet of dev-set mistakes and the ceiling on
  performance that fixing one category could give.

Labels are integers 0..C−1. Predictions may be given as labels (m,), one-hot rows or scores
(m, C) (the argmax is taken), or probabilities of the positive class (m, 1) (thresholded).
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


# --------------------------------------------------------------------------- diagnosis

GAPS = ("avoidable bias", "variance", "data mismatch", "overfitting to dev")

REMEDIES = {
    "avoidable bias": [
        "train a bigger model (more hidden units or layers)",
        "train longer or with a better optimization algorithm (momentum, RMSprop, Adam)",
        "search for a better NN architecture or hyperparameters (e.g. a CNN or an RNN)",
    ],
    "variance": [
        "get more training data",
        "regularization (L2, dropout, data augmentation)",
        "search for a better NN architecture or hyperparameters",
    ],
    "data mismatch": [
        "carry out manual error analysis to understand the differences between the training "
        "and dev/test sets",
        "make the training data more similar to the dev/test data, or collect more data "
        "similar to the dev/test sets",
        "artificial data synthesis (beware of synthesizing from a small subset of all "
        "possible examples)",
    ],
    "overfitting to dev": [
        "get a bigger dev set",
    ],
}


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`: the errors, the gaps between them, and what to do.

    Gaps (in the errors' own unit):
        avoidable_bias = training − human-level (human-level error as a proxy for Bayes error)
        variance = train-dev − training (dev − training without a train-dev set)
        data_mismatch = dev − train-dev (None without a train-dev set)
        overfitting_to_dev = test − dev (None without a test error)

    largest names the biggest gap ("avoidable bias", "variance", "data mismatch" or
    "overfitting to dev"; a tie goes to the first in that order) and remedies lists the
    course's remedies for it.
    """

    human_error: float
    train_error: float
    dev_error: float
    train_dev_error: float | None
    test_error: float | None
    avoidable_bias: float
    variance: float
    data_mismatch: float | None
    overfitting_to_dev: float | None
    largest: str
    remedies: list = field(default_factory=list)

    def gaps(self) -> dict:
        """{gap name: size} for the gaps that could be measured."""
        sizes = (self.avoidable_bias, self.variance, self.data_mismatch, self.overfitting_to_dev)
        return {name: size for name, size in zip(GAPS, sizes) if size is not None}

    def __str__(self) -> str:
        def fmt(value):
            return "-" if value is None else f"{value:.4g}"

        levels = (("human-level", self.human_error), ("training", self.train_error),
                  ("training-dev", self.train_dev_error), ("dev", self.dev_error),
                  ("test", self.test_error))
        sizes = (self.avoidable_bias, self.variance, self.data_mismatch, self.overfitting_to_dev)
        lines = [f"{'error':<20}{'value':>8}"]
        lines += [f"{name:<20}{fmt(value):>8}" for name, value in levels]
        lines += ["", f"{'gap':<20}{'size':>8}"]
        for name, size in zip(GAPS, sizes):
            mark = "   <- largest" if name == self.largest else ""
            lines.append(f"{name:<20}{fmt(size):>8}{mark}")
        lines += ["", f"Focus on {self.largest}:"]
        lines += [f"  - {remedy}" for remedy in self.remedies]
        return "\n".join(lines)


def _check_error(value, name: str, required: bool):
    if value is None:
        if required:
            raise ValueError(f"diagnose: {name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"diagnose: {name} must be a number (a fraction such as 0.08 or a "
                        f"percentage such as 8). Got {value!r} instead.")
    if not 0 <= value <= 100:
        raise ValueError(f"diagnose: {name} must be an error rate between 0 and 1 (fraction) or "
                         f"0 and 100 (percent). Got {value!r} instead.")
    return float(value)


def diagnose(*, human_error, train_error, dev_error, train_dev_error=None,
             test_error=None) -> Diagnosis:
    """Bias, variance, data mismatch or overfitting to dev: which gap to work on first.

    Give every error in the same unit, all fractions (0.08) or all percentages (8); the gaps
    come back in that unit. Human-level error stands in for Bayes error.

    Args:
        human_error: human-level error (the best one available, e.g. a team of experts).
        train_error: error on the training set.
        dev_error: error on the dev set.
        train_dev_error: error on a train-dev set (same distribution as training, not trained
            on); give it when training and dev/test data come from different distributions.
        test_error: error on the test set.

    Returns:
        :class:`Diagnosis`.

    Example (the course's cat classifier):
        >>> diagnose(human_error=1, train_error=8, dev_error=10).largest
        'avoidable bias'
        >>> diagnose(human_error=7.5, train_error=8, dev_error=10).largest
        'variance'
    """
    human = _check_error(human_error, "human_error", True)
    train = _check_error(train_error, "train_error", True)
    dev = _check_error(dev_error, "dev_error", True)
    train_dev = _check_error(train_dev_error, "train_dev_error", False)
    test = _check_error(test_error, "test_error", False)
    avoidable_bias = train - human
    variance = (train_dev if train_dev is not None else dev) - train
    data_mismatch = None if train_dev is None else dev - train_dev
    overfitting_to_dev = None if test is None else test - dev
    sizes = [avoidable_bias, variance, data_mismatch, overfitting_to_dev]
    candidates = [(size, -i) for i, size in enumerate(sizes) if size is not None]
    largest = GAPS[-max(candidates)[1]]  # ties go to the earlier gap
    return Diagnosis(human, train, dev, train_dev, test, avoidable_bias, variance,
                     data_mismatch, overfitting_to_dev, largest, list(REMEDIES[largest]))


# --------------------------------------------------------------------------- model selection

_COMPARISONS = {
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
}


def _threshold(metric: str, rule) -> tuple:
    """(operator, value): a bare number is a cost's upper limit (<=)."""
    if isinstance(rule, tuple):
        if len(rule) != 2 or rule[0] not in _COMPARISONS:
            raise ValueError(f"select: the threshold for {metric!r} must be a number (meaning "
                             f"<=) or an (operator, value) pair with operator one of "
                             f"{tuple(_COMPARISONS)}. Got {rule!r} instead.")
        return rule
    return ("<=", rule)


def select(candidates, optimize: str = "accuracy", satisfice: dict | None = None,
           minimize: bool = False):
    """The best candidate on one optimizing metric among those meeting every satisficing one.

    The course's recipe when several metrics matter: maximize one (accuracy) subject to the
    others being good enough (running time <= 100 ms, false positives <= 1 a day).

    Args:
        candidates: a list of dicts of metrics (a "name" key is used in messages), or a dict
            {name: dict of metrics}.
        optimize: the metric to maximize (or to minimize, with minimize=True).
        satisfice: {metric: threshold}; a number is an upper limit (value <= threshold, for
            costs such as runtime_ms), or give (">=", value) for a minimum; "<", ">" and "=="
            also work.
        minimize: pick the smallest optimizing metric (e.g. an error) instead of the largest.

    Returns:
        The winning candidate: its dict for a list, its name for a dict of candidates. A tie
        goes to the first.

    Raises:
        ValueError: when no candidate meets every threshold (the message names them), or a
            candidate lacks a metric.

    Example (the course's classifiers A, B, C):
        >>> select({"A": {"accuracy": 0.90, "runtime_ms": 80},
        ...         "B": {"accuracy": 0.92, "runtime_ms": 95},
        ...         "C": {"accuracy": 0.95, "runtime_ms": 1500}},
        ...        optimize="accuracy", satisfice={"runtime_ms": 100})
        'B'
    """
    satisfice = dict(satisfice or {})
    if isinstance(candidates, dict):
        named = list(candidates.items())
    else:
        named = [(c.get("name", f"#{i}") if isinstance(c, dict) else f"#{i}", c)
                 for i, c in enumerate(candidates)]
    if not named:
        raise ValueError("select: no candidates given")
    rules = {metric: _threshold(metric, rule) for metric, rule in satisfice.items()}
    conditions = ", ".join(f"{metric} {op} {value}" for metric, (op, value) in rules.items())
    best_index, best_value = None, None
    for i, (name, metrics) in enumerate(named):
        if not isinstance(metrics, dict):
            raise TypeError(f"select: candidate {name} must be a dict of metrics; got "
                            f"{type(metrics).__name__}")
        for metric in [optimize, *rules]:
            if metric not in metrics:
                raise ValueError(f"select: candidate {name} has no {metric!r} metric; it has "
                                 f"{sorted(metrics)}")
        if not all(_COMPARISONS[op](metrics[metric], value)
                   for metric, (op, value) in rules.items()):
            continue
        value = metrics[optimize]
        better = best_value is None or (value < best_value if minimize else value > best_value)
        if better:
            best_index, best_value = i, value
    if best_index is None:
        raise ValueError(f"select: no candidate meets every satisficing threshold "
                         f"({conditions}); relax a threshold or train other candidates")
    name, metrics = named[best_index]
    return name if isinstance(candidates, dict) else metrics


# --------------------------------------------------------------------------- error analysis


def _flatten_categories(categories) -> list:
    flat = []
    for category in categories:
        if isinstance(category, (list, tuple, set, frozenset)):
            flat.extend(_flatten_categories(category))
        elif isinstance(category, str):
            flat.append(category)
        else:
            raise TypeError(f"ErrorAnalysis: categories must be strings; got {category!r}")
    return flat


class ErrorAnalysis:
    """The course's error-analysis spreadsheet: dev-set mistakes tagged by category.

    Look at (say) 100 mislabeled dev examples, tag each with what went wrong ("dog",
    "great cat", "blurry", "mislabeled"; an example can have several), and count: the
    categories with the most mistakes are where work can help most, and a category's share of
    the mistakes is the ceiling on what fixing it can gain.

    Args:
        mistakes: optional list of (example_id, [categories]) pairs, or a dict
            {example_id: [categories]}.
        categories: optional column names declared up front (they appear even with 0 counts).

    Example:
        >>> analysis = ErrorAnalysis([(1, ["dog"]), (2, ["great cat", "blurry"]), (3, [])])
        >>> analysis.ceiling("dog")       # fixing all dog mistakes removes 1/3 of the errors
        0.333...
        >>> print(analysis)
    """

    def __init__(self, mistakes=None, categories=None):
        self._tags = {}       # example_id -> list of categories, in the order given
        self._comments = {}
        self._categories = list(_flatten_categories(categories or []))
        if isinstance(mistakes, dict):
            mistakes = mistakes.items()
        for item in mistakes or []:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ValueError(f"ErrorAnalysis: each mistake must be an (example_id, "
                                 f"[categories]) pair; got {item!r}")
            example_id, tags = item
            self.add(example_id, *([tags] if isinstance(tags, str) else tags))

    def add(self, example_id, *categories, comment: str | None = None) -> "ErrorAnalysis":
        """Record one misclassified dev example and its categories (added again: merged)."""
        tags = self._tags.setdefault(example_id, [])
        for category in _flatten_categories(categories):
            if category not in tags:
                tags.append(category)
            if category not in self._categories:
                self._categories.append(category)
        if comment is not None:
            self._comments[example_id] = comment
        return self

    def __len__(self) -> int:
        return len(self._tags)

    @property
    def total(self) -> int:
        """The number of mistakes examined."""
        return len(self._tags)

    def counts(self) -> dict:
        """{category: number of mistakes in it}, most frequent first (ties: first seen)."""
        counts = {c: 0 for c in self._categories}
        for tags in self._tags.values():
            for category in tags:
                counts[category] += 1
        order = sorted(range(len(self._categories)),
                       key=lambda i: (-counts[self._categories[i]], i))
        return {self._categories[i]: counts[self._categories[i]] for i in order}

    def ceiling(self, category: str) -> float:
        """The fraction of the errors that fixing every mistake of this category could remove.

        The course's "ceiling on performance": if 5 of 100 mistakes are dogs, a perfect dog fix
        takes a 10% error only to 9.5%.
        """
        counts = self.counts()
        if category not in counts:
            raise ValueError(f"ErrorAnalysis.ceiling: unknown category {category!r}; the "
                             f"categories are {list(counts)}")
        if self.total == 0:
            raise ValueError("ErrorAnalysis.ceiling: no mistakes recorded yet")
        return counts[category] / self.total

    def best_error(self, category: str, dev_error: float) -> float:
        """The dev error left if every mistake of this category were fixed:
        dev_error · (1 − ceiling(category))."""
        return dev_error * (1 - self.ceiling(category))

    def table(self, examples: bool = False) -> str:
        """The spreadsheet as text.

        Args:
            examples: False gives one row per category (count, % of mistakes), sorted by
                count, with the total; True gives the course's sheet: one row per example with
                an x under each of its categories, comments, and the "% of total" row.
        """
        counts = self.counts()
        total = self.total

        def percent(count):
            return f"{100 * count / total:.0f}%" if total else "-"

        if not examples:
            width = max([len(c) for c in counts] + [len("category"), len("total")])
            lines = [f"{'category':<{width}}  {'count':>5}  {'% of errors':>11}"]
            for category, count in counts.items():
                lines.append(f"{category:<{width}}  {count:>5}  {percent(count):>11}")
            lines.append(f"{'total':<{width}}  {total:>5}  {'100%' if total else '-':>11}")
            lines.append("(an example can fall in several categories, so the percentages can "
                         "sum to more than 100%)")
            return "\n".join(lines)
        columns = list(counts)
        first = max([len(str(e)) for e in self._tags] + [len("% of total"), len("example")])
        widths = [max(len(c), 4) for c in columns]
        header = f"{'example':<{first}}  " + "  ".join(
            f"{c:^{w}}" for c, w in zip(columns, widths)) + "  comments"
        lines = [header.rstrip()]
        for example_id, tags in self._tags.items():
            marks = "  ".join(f"{'x' if c in tags else '':^{w}}" for c, w in zip(columns, widths))
            line = f"{str(example_id):<{first}}  {marks}  {self._comments.get(example_id, '')}"
            lines.append(line.rstrip())
        footer = "  ".join(f"{percent(counts[c]):^{w}}" for c, w in zip(columns, widths))
        lines.append(f"{'% of total':<{first}}  {footer}".rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"ErrorAnalysis({self.total} mistakes, {len(self._categories)} categories)"
