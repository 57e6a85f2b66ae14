"""Mini-batches: the course's random_mini_batches, and a dataset/loader pair built on it.

Mini-batch gradient descent takes one step per mini-batch X{t}, Y{t} instead of one per pass
over all m examples. The examples are shuffled first (one permutation for X and Y, so every
x(i) keeps its label y(i)) and then cut into ⌊m / mini_batch_size⌋ full batches plus one
smaller last batch when mini_batch_size does not divide m.

Data is batch-first: examples are the rows (the first axis) of X and Y.
"""
from __future__ import annotations

import math
from typing import Callable, Iterator

import numpy as np

from npdeep import backend
from npdeep.tensor import Tensor
from npdeep.validation import check_int


def _as_rows(X, where: str, name: str = "X") -> np.ndarray:
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    if X.ndim == 0:
        raise ValueError(f"{where}: {name} must have a first axis of m examples; got a scalar")
    return X


def _check_same_length(X: np.ndarray, Y: np.ndarray, where: str) -> None:
    if Y is not None and len(X) != len(Y):
        raise ValueError(f"{where}: X and Y must hold the same number of examples m (their first "
                         f"axis), but X has shape {X.shape} and Y has shape {Y.shape}")


def random_mini_batches(X, Y, mini_batch_size: int = 64, seed: int | None = None) -> list:
    """Shuffle (X, Y) and cut it into mini-batches, the last one smaller, as in the course.

    Args:
        X: (m, ...) inputs, e.g. (m, n_x) or (m, n_H, n_W, n_C).
        Y: (m, ...) labels, e.g. (m,), (m, 1) or (m, C); the same permutation is applied.
        mini_batch_size: examples per batch; a power of 2 (64, 128, 256, 512) is usual.
        seed: seed of a private generator for this one shuffle; None draws from npdeep's
            generator (``npdeep.manual_seed`` makes it repeatable).

    Returns:
        A list of (X{t}, Y{t}) pairs: ⌈m / mini_batch_size⌉ of them, each of mini_batch_size
        examples except the last, which holds the m mod mini_batch_size left over (when that
        is not 0).

    Raises:
        ValueError: for a mini_batch_size that is not an int >= 1, or X and Y of different m.

    Example:
        >>> batches = random_mini_batches(X, Y, mini_batch_size=64, seed=0)  # m = 148
        >>> [len(Xt) for Xt, Yt in batches]
        [64, 64, 20]
    """
    where = "random_mini_batches"
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", where)
    X = _as_rows(X, where)
    Y = _as_rows(Y, where, "Y")
    _check_same_length(X, Y, where)
    generator = backend.rng() if seed is None else np.random.default_rng(seed)
    m = len(X)
    permutation = generator.permutation(m)
    shuffled_X, shuffled_Y = X[permutation], Y[permutation]
    num_complete_minibatches = m // mini_batch_size
    mini_batches = []
    for k in range(num_complete_minibatches):
        batch = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[batch], shuffled_Y[batch]))
    if m % mini_batch_size != 0:
        rest = slice(num_complete_minibatches * mini_batch_size, m)
        mini_batches.append((shuffled_X[rest], shuffled_Y[rest]))
    return mini_batches


class ArrayDataset:
    """m examples held in arrays: X (m, ...) and, for supervised data, Y (m, ...).

    ``dataset[idx]`` takes an index (an int, a slice or an index array) along the example axis
    and returns ``(X[idx], Y[idx])`` (``(X[idx], None)`` when there are no labels).

    Raises:
        ValueError: if X and Y hold different numbers of examples.
    """

    def __init__(self, X, Y=None):
        where = "ArrayDataset"
        self.X = _as_rows(X, where)
        self.Y = None if Y is None else _as_rows(Y, where, "Y")
        _check_same_length(self.X, self.Y, where)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], (None if self.Y is None else self.Y[index])

    def __repr__(self) -> str:
        labels = "" if self.Y is None else f", Y={self.Y.shape}"
        return f"ArrayDataset(X={self.X.shape}{labels})"


class DataLoader:
    """Iterate over a dataset in mini-batches, reshuffled at the start of every epoch.

    Args:
        dataset: an :class:`ArrayDataset`, an (X, Y) pair of arrays, a single array X, or any
            object with ``len()`` whose ``dataset[index_array]`` returns (X_batch, Y_batch).
        mini_batch_size: examples per batch.
        shuffle: draw a new permutation from npdeep's generator for each pass; False keeps the
            order (e.g. for evaluation).
        transform: a callable ``transform(X_batch) -> X_batch`` applied to every X batch, e.g.
            data augmentation. It should draw any randomness from ``npdeep.backend.rng()`` so a
            run is repeatable under ``npdeep.manual_seed``.
        drop_last: skip the last, smaller batch (when mini_batch_size does not divide m).

    Iterating yields (X_batch, Y_batch) ndarrays: X_batch (b, ...) with b <= mini_batch_size,
    and Y_batch (b, ...), or None for a dataset without labels. ``len(loader)`` is the number of
    batches in one epoch.

    Example:
        >>> loader = DataLoader((X_train, Y_train), mini_batch_size=64)
        >>> for epoch in range(num_epochs):
        ...     for X_batch, Y_batch in loader:
        ...         ...
    """

    def __init__(self, dataset, mini_batch_size: int = 64, shuffle: bool = True,
                 transform: Callable | None = None, drop_last: bool = False):
        where = "DataLoader"
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", where)
        if isinstance(dataset, tuple):
            if len(dataset) != 2:
                raise ValueError(f"{where}: a tuple dataset must be an (X, Y) pair; got a tuple "
                                 f"of {len(dataset)} items")
            dataset = ArrayDataset(*dataset)
        elif isinstance(dataset, np.ndarray):
            dataset = ArrayDataset(dataset)
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"{where}: dataset must be an ArrayDataset, an (X, Y) pair, an array "
                            f"or an object with __len__ and __getitem__; got "
                            f"{type(dataset).__name__}")
        if transform is not None and not callable(transform):
            raise TypeError(f"{where}: transform must be a callable transform(X_batch) -> "
                            f"X_batch; got {type(transform).__name__}")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.transform = transform
        self.drop_last = bool(drop_last)

    def __len__(self) -> int:
        m = len(self.dataset)
        if self.drop_last:
            return m // self.mini_batch_size
        return math.ceil(m / self.mini_batch_size)

    def __iter__(self) -> Iterator[tuple]:
        m = len(self.dataset)
        # The permutation is drawn when the epoch starts, from npdeep's one generator.
        order = backend.rng().permutation(m) if self.shuffle else np.arange(m)
        for k in range(len(self)):
            index = order[k * self.mini_batch_size:(k + 1) * self.mini_batch_size]
            X_batch, Y_batch = self.dataset[index]
            if self.transform is not None:
                X_batch = self.transform(X_batch)
            yield X_batch, Y_batch

    def __repr__(self) -> str:
        return (f"DataLoader({self.dataset!r}, mini_batch_size={self.mini_batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
