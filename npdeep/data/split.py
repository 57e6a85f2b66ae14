"""Train / dev / test splits, and the train-dev set for measuring data mismatch.

The course's rules: the dev and test sets come from the same distribution (the data you expect
to get in the future); with big data they can be small fractions, e.g. 98% / 1% / 1% of a
million examples. When the training data comes from another distribution, a train-dev set — a
slice of the training distribution that is not trained on — separates variance (train ->
train-dev) from data mismatch (train-dev -> dev).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from npdeep import backend
from npdeep.tensor import Tensor


@dataclass(frozen=True)
class Splits:
    """The result of :func:`split`: each field an (X, Y) pair.

    Iterating (and so unpacking) gives train, dev, test — and then train_dev, only when one was
    requested: ``train, dev, test = split(X, Y)``;
    ``train, dev, test, train_dev = split(X, Y, train_dev=0.05)``.
    """

    train: tuple
    dev: tuple
    test: tuple
    train_dev: tuple | None = None

    def __iter__(self):
        yield self.train
        yield self.dev
        yield self.test
        if self.train_dev is not None:
            yield self.train_dev

    def __repr__(self) -> str:
        parts = [f"{name}={len(pair[0])}" for name, pair in
                 (("train", self.train), ("dev", self.dev), ("test", self.test),
                  ("train_dev", self.train_dev)) if pair is not None]
        return f"Splits({', '.join(parts)})"


def _count(size, m: int, name: str) -> int:
    """A split size given as a fraction of m (float in (0, 1)) or as a count (int >= 0)."""
    if isinstance(size, bool) or not isinstance(size, (int, float, np.integer, np.floating)):
        raise TypeError(f"The '{name}' parameter of split must be a fraction (float in (0, 1)) "
                        f"or a count (int >= 0). Got {size!r} instead.")
    if isinstance(size, (int, np.integer)):
        if size < 0:
            raise ValueError(f"The '{name}' parameter of split must be a fraction (float in "
                             f"(0, 1)) or a count (int >= 0). Got {size!r} instead.")
        return int(size)
    if size == 0:
        return 0
    if not 0 < size < 1:
        raise ValueError(f"The '{name}' parameter of split must be a fraction (float in (0, 1)) "
                         f"or a count (int >= 0). Got {size!r} instead.")
    # A requested set is never empty: 1% of 50 examples still gives one example.
    return max(1, int(round(size * m)))


def split(X, Y, dev=0.1, test=0.1, seed: int | None = None, train_dev=0) -> Splits:
    """Shuffle (X, Y) and split it into train, dev and test sets (and optionally train-dev).

    Args:
        X: (m, ...) inputs; Y: (m, ...) labels (or None).
        dev, test, train_dev: each a fraction of m (a float in (0, 1)) or a number of examples
            (an int); 0 leaves that set empty (train_dev=0, the default, means none). A
            fraction rounds to the nearest count, and to at least one example.
        seed: seed of a private generator for this shuffle; None draws from npdeep's generator
            (``npdeep.manual_seed`` makes it repeatable).

    Returns:
        :class:`Splits` with train, dev, test (and train_dev when requested), each an
        (X_part, Y_part) pair. The train-dev set is held out of the same shuffled pool as the
        training set: call split on the training distribution's data to measure data mismatch.

    Raises:
        ValueError: if the fractions sum to >= 1, or the counts leave no training example.

    Example:
        >>> train, dev, test = split(X, Y, dev=0.01, test=0.01)   # 98% / 1% / 1%
        >>> (X_train, Y_train) = train
    """
    where = "split"
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    if Y is not None:
        Y = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
        if X.ndim == 0 or Y.ndim == 0 or len(X) != len(Y):
            raise ValueError(f"{where}: X and Y must hold the same number of examples m (their "
                             f"first axis), but X has shape {X.shape} and Y has shape {Y.shape}")
    elif X.ndim == 0:
        raise ValueError(f"{where}: X must have a first axis of m examples; got a scalar")
    m = len(X)
    sizes = {"dev": dev, "test": test, "train_dev": train_dev}
    counts = {name: _count(s, m, name) for name, s in sizes.items()}  # validates each
    fractions = {name: s for name, s in sizes.items()
                 if isinstance(s, (float, np.floating)) and s != 0}
    if sum(fractions.values()) >= 1:
        given = ", ".join(f"{name}={s}" for name, s in fractions.items())
        raise ValueError(f"{where}: the held-out fractions ({given}) sum to "
                         f"{sum(fractions.values()):g} >= 1, leaving no training examples")
    held_out = sum(counts.values())
    if held_out >= m:
        given = ", ".join(f"{name}={c}" for name, c in counts.items() if c)
        raise ValueError(f"{where}: the held-out sets ({given}) take {held_out} of the m = {m} "
                         f"examples, leaving no training examples")
    generator = backend.rng() if seed is None else np.random.default_rng(seed)
    permutation = generator.permutation(m)

    def take(start: int, stop: int) -> tuple:
        index = permutation[start:stop]
        return X[index], (None if Y is None else Y[index])

    n_test, n_dev, n_train_dev = counts["test"], counts["dev"], counts["train_dev"]
    n_train = m - held_out
    train = take(0, n_train)
    train_dev_part = take(n_train, n_train + n_train_dev)
    dev_part = take(n_train + n_train_dev, n_train + n_train_dev + n_dev)
    test_part = take(m - n_test, m)
    return Splits(train, dev_part, test_part, train_dev_part if n_train_dev > 0 else None)
