"""The course's tools for structuring machine-learning projects (course 3).

- :func:`diagnose`: human-level, training, train-dev, dev and test errors -> avoidable bias,
  variance, data mismatch, overfitting to the dev set, the largest of them and its remedies;
- :func:`select`: one optimizing metric subject to satisficing metrics;
- :class:`ErrorAnalysis`: the error-analysis spreadsheet of dev-set mistakes and the ceiling on
  performance that fixing one category could give.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np

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

    largest names the biggest positive gap ("avoidable bias", "variance", "data mismatch" or
    "overfitting to dev"; a tie goes to the first in that order), or is None when no gap is
    positive, and remedies lists the course's remedies for it. A negative gap is never ranked:
    it does not mean "too little" of something, it means an assumption behind the gap fails
    (human level no longer bounds Bayes error, or two sets differ or are too small), and notes
    says which, one sentence per negative gap.
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
    largest: str | None
    remedies: list = field(default_factory=list)
    notes: list = field(default_factory=list)

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
            mark = ""
            if name == self.largest:
                mark = "   <- largest"
            elif size is not None and size < 0:
                mark = "   (negative: not ranked, see below)"
            lines.append(f"{name:<20}{fmt(size):>8}{mark}")
        if self.largest is None:
            lines += ["", "No gap is positive, so there is no gap to close first."]
        else:
            lines += ["", f"Focus on {self.largest}:"]
            lines += [f"  - {remedy}" for remedy in self.remedies]
        if self.notes:
            lines += ["", "Note:" if len(self.notes) == 1 else "Notes:"]
            for note in self.notes:
                lines += textwrap.wrap(note, width=88, initial_indent="  - ",
                                       subsequent_indent="    ", break_on_hyphens=False)
        return "\n".join(lines)


def _negative_gap_notes(human, train, dev, train_dev, test) -> list:
    """What each negative gap means: an assumption behind it fails (course 3)."""
    def fmt(value):
        return f"{value:.4g}"

    notes = []
    if train < human:
        # Course 3, week 1, "Surpassing human-level performance".
        notes.append(
            f"Training error ({fmt(train)}) is below human-level error ({fmt(human)}): the "
            f"model has surpassed human-level performance, so human-level error no longer "
            f"bounds Bayes error and the avoidable bias is unknown (Bayes error may be lower "
            f"still). Progress becomes harder from here: the usual tools (human insight, "
            f"human-labelled data, manual error analysis by people) lose their footing. Use a "
            f"better estimate of Bayes error if there is one (e.g. a team of experts).")
    if train_dev is None and dev < train:
        notes.append(
            f"Dev error ({fmt(dev)}) is below training error ({fmt(train)}): the dev set is "
            f"not like the training set (easier, or from another distribution; measure a "
            f"train-dev error to tell variance from data mismatch), or it is too small to "
            f"measure the error precisely (get a bigger dev set). Also check that the training "
            f"error was measured without dropout or augmentation.")
    if train_dev is not None and train_dev < train:
        notes.append(
            f"Train-dev error ({fmt(train_dev)}) is below training error ({fmt(train)}): both "
            f"sets come from the training distribution, so the train-dev set is too small to "
            f"measure the error precisely (make it bigger), or the training error was measured "
            f"with dropout or augmentation on.")
    if train_dev is not None and dev < train_dev:
        # Course 3, week 2: the dev/test distribution can be easier than the training one.
        notes.append(
            f"Dev error ({fmt(dev)}) is below train-dev error ({fmt(train_dev)}): the dev/test "
            f"data are easier than the training data (their distributions differ), or the dev "
            f"set is too small to measure the error precisely; there is no data mismatch to "
            f"fix.")
    if test is not None and test < dev:
        notes.append(
            f"Test error ({fmt(test)}) is below dev error ({fmt(dev)}): dev and test sets "
            f"should come from the same distribution, so they differ or one of them is too "
            f"small to measure the error precisely (get bigger dev and test sets).")
    return notes


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
        :class:`Diagnosis`. Only positive gaps are ranked; a negative one (training error
        below human level, dev error below training error, ...) is explained in its notes.

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
    # Only a positive gap is something to close: a negative one says an assumption fails (see
    # _negative_gap_notes), and ranking -2 above -3 would advise a remedy for nothing.
    positive = {name: size for name, size in zip(GAPS, sizes) if size is not None and size > 0}
    largest = max(positive, key=positive.get) if positive else None  # max keeps the first tie
    remedies = list(REMEDIES[largest]) if largest is not None else []
    notes = _negative_gap_notes(human, train, dev, train_dev, test)
    return Diagnosis(human, train, dev, train_dev, test, avoidable_bias, variance,
                     data_mismatch, overfitting_to_dev, largest, remedies, notes)


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
