"""Where fit's and evaluate's mini-batches come from: always a DataLoader.

``fit(model, ..., train=(X, Y))`` and ``fit(model, ..., train=DataLoader(...))`` run the same
loop: an (X, Y) pair is checked once (same m, no NaN/inf, X cast to the model's dtype) and
wrapped, at the entrance, in the DataLoader that the course's ``random_mini_batches`` would
give — one permutation per epoch drawn from npdeep's RNG, then consecutive slices of it. So
the two kinds of input shuffle identically and resume identically, and nothing past the
entrance asks which kind it got.
"""
from __future__ import annotations

import math

import numpy as np

from npdeep import backend
from npdeep.data.minibatch import ArrayDataset, DataLoader
from npdeep.tensor import Tensor

# Examples per forward pass when evaluating: no graph is kept, so larger batches only cost
# activation memory, and 1024 keeps BLAS busy without holding a whole data set's activations.
EVAL_MINI_BATCH_SIZE = 1024


def model_dtype(model) -> np.dtype | None:
    """The dtype of the model's first parameter (None for a model without parameters)."""
    for p in model.parameters():
        return p.data.dtype
    return None


def as_array(data) -> np.ndarray:
    return np.asarray(data.data if isinstance(data, Tensor) else data)


def to_input(X_batch, dtype) -> Tensor:
    """X_batch as the model's input Tensor, floating inputs cast to the model's dtype."""
    X_batch = np.asarray(X_batch)
    if X_batch.dtype.kind == "f" and dtype is not None and X_batch.dtype != dtype:
        X_batch = X_batch.astype(dtype)
    return Tensor(X_batch)


def check_pair(data, name: str, where: str, dtype) -> tuple:
    """(X, Y) as arrays, X in the model's floating dtype (cast once, not per mini-batch).

    Raises:
        ValueError: for X and Y of different m, an empty set, or NaN/inf in X.
    """
    X, Y = as_array(data[0]), as_array(data[1])
    if X.ndim == 0 or Y.ndim == 0 or len(X) != len(Y):
        raise ValueError(f"{where}: {name} X and Y must hold the same number of examples m "
                         f"(their first axis), but X has shape {X.shape} and Y has shape "
                         f"{Y.shape}")
    if len(X) == 0:
        raise ValueError(f"{where}: the {name} set is empty (X has shape {X.shape}); it needs "
                         "at least one example")
    if X.dtype.kind == "f" and dtype is not None and X.dtype != dtype:
        X = X.astype(dtype)
    if X.dtype.kind == "f" and not math.isfinite(X.sum(dtype=np.float64)):
        # NOTE: a float64 sum is finite exactly when every entry is (short of 1e308 overflow),
        # so the common, clean case costs one pass and no temporary array.
        bad = ~np.isfinite(X)
        rows = np.flatnonzero(bad.reshape(len(X), -1).any(axis=1))
        raise ValueError(f"{where}: {name} X contains {int(bad.sum())} NaN/inf values, in "
                         f"{len(rows)} examples (first at row {rows[0]}); remove or impute "
                         "them before training")
    return X, Y


def as_loader(data, name: str, where: str, dtype, mini_batch_size: int, shuffle: bool):
    """The mini-batch source for ``data``: a DataLoader over an (X, Y) pair, or ``data``
    itself when it already is one (any re-iterable with len() yielding (X_batch, Y_batch)).

    Raises:
        TypeError: for anything else (a bare array, a dict, ...).
        ValueError: for a bad pair (see :func:`check_pair`) or a loader with no batches.
    """
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, Y = check_pair(data, name, where, dtype)
        return DataLoader(ArrayDataset(X, Y), mini_batch_size=mini_batch_size,
                          shuffle=shuffle)
    if hasattr(data, "__iter__") and hasattr(data, "__len__") and not isinstance(
            data, (np.ndarray, Tensor, tuple, list, dict, str)):
        if len(data) == 0:
            raise ValueError(f"{where}: the {name} loader yields no mini-batches")
        return data
    raise TypeError(f"{where}: {name} must be an (X, Y) pair of arrays or a DataLoader; got "
                    f"{type(data).__name__}")


def all_labels(source, Y_first):
    """Every label of ``source`` when they are at hand (an array-backed loader), otherwise
    those of the first mini-batch: the pre-flight label check looks at as many as is cheap."""
    dataset = getattr(source, "dataset", None)
    if isinstance(dataset, ArrayDataset) and dataset.Y is not None:
        return dataset.Y
    return Y_first


def first_batch(source) -> tuple:
    """(X_batch, Y_batch), the first mini-batch, for the pre-flight checks; the RNG is left
    exactly as it was, so checking changes neither the shuffle nor the dropout masks."""
    rng_state = backend.get_rng_state()
    try:
        X_batch, Y_batch = next(iter(source))
    finally:
        backend.set_rng_state(rng_state)
    return np.asarray(X_batch), (None if Y_batch is None else np.asarray(Y_batch))
