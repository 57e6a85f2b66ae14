"""Embedding lookup: the course's e_w = E · o_w, computed as a row lookup.

Multiplying the embedding matrix by a one-hot vector o_w picks one column of E; a lookup does
the same without the V-wide product. npdeep stores E as (V, n_e) — row w is e_w, the course's
E (n_e, V) transposed — so that a batch of ids (m, T_x) gives (m, T_x, n_e), batch-first.

The lookup is indexing, ``E[ids]``: its Function (GetItem, in :mod:`npdeep.primitives`) already
sums the gradient of an id that occurs several times (np.add.at).
"""
from __future__ import annotations

import numpy as np

from npdeep.tensor import Tensor


def token_ids(ids, V: int, where: str) -> np.ndarray:
    """``ids`` as an integer array, each in [0, V); integral floats are accepted (fit hands
    integer inputs over as floats).

    Raises:
        ValueError: for non-integer values or ids outside [0, V).
        TypeError: for a non-numeric array.
    """
    data = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
    if data.dtype.kind not in "iuf":
        raise TypeError(f"{where}: ids must be integers; got dtype {data.dtype}")
    out = data.astype(np.intp)
    if data.dtype.kind == "f" and not np.array_equal(out, data):
        raise ValueError(f"{where}: ids must be integers; got non-integer values")
    if out.size and (out.min() < 0 or out.max() >= V):
        raise ValueError(f"{where}: ids must lie in [0, V) = [0, {V}) for E of {V} rows; got "
                         f"values from {out.min()} to {out.max()}")
    return out


def embedding(ids, E: Tensor) -> Tensor:
    """The rows of E named by ids: A[..., :] = E[ids[...], :], i.e. e_w = E·o_w for each id.

    Args:
        ids: integer token ids of any shape, e.g. (m, T_x), in [0, V).
        E: (V, n_e) embedding matrix (row w is the embedding of token w).

    Returns:
        (*ids.shape, n_e), e.g. (m, T_x, n_e). The gradient dE sums dA over every position
        that looked a row up; ids get none.

    Raises:
        ValueError: for E that is not 2-D, or ids that are not integers in [0, V).

    Example:
        >>> E = npdeep.tensor(np.random.randn(10, 4), requires_grad=True)
        >>> embedding(np.array([[1, 2, 1]]), E).shape     # (1, 3, 4)
    """
    if not isinstance(E, Tensor):
        E = Tensor(E)
    if E.ndim != 2:
        raise ValueError(f"embedding: E must have shape (V, n_e); got {E.shape}")
    return E[token_ids(ids, E.shape[0], "embedding")]  # (..., n_e)
