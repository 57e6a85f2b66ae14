"""Embedding lookup: the course's e_w = E · o_w, computed as a row lookup.

Multiplying the embedding matrix by a one-hot vector o_w picks one column of E; a lookup does
the same without the V-wide product. npdeep stores E as (V, n_e) — row w is e_w, the course's
E (n_e, V) transposed — so that a batch of ids (m, T_x) gives (m, T_x, n_e), batch-first.

The lookup is indexing, ``E[ids]``; its backward adds dA into the rows used (np.add.at), so an
id that occurs several times sums its gradients, and never forms the one-hot product.
A ``padding_idx`` row gets no gradient: the padding of a batch of sentences of different
lengths then leaves that row as it was (zero, as nn.Embedding makes it).
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor
from npdeep.validation import check_int


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


class EmbeddingLookup(Function):
    """A = E[ids]; dE = Σ over the positions of each id of dA, the padding row left at 0."""

    @staticmethod
    def forward(ctx, E, ids, padding_idx=None):
        ctx.V, ctx.ids, ctx.padding_idx = E.shape[0], ids, padding_idx
        return E[ids]  # (..., n_e)

    @staticmethod
    def backward(ctx, dA):
        n_e = dA.shape[-1]
        dE = np.zeros((ctx.V, n_e), dtype=dA.dtype)
        # NOTE: an id may occur several times; add.at sums every occurrence, where plain
        # assignment dE[ids] = dA would keep only the last.
        np.add.at(dE, ctx.ids.reshape(-1), dA.reshape(-1, n_e))
        if ctx.padding_idx is not None:
            dE[ctx.padding_idx] = 0  # padding positions train nothing
        return dE, None


def embedding(ids, E: Tensor, padding_idx: int | None = None) -> Tensor:
    """The rows of E named by ids: A[..., :] = E[ids[...], :], i.e. e_w = E·o_w for each id.

    Args:
        ids: integer token ids of any shape, e.g. (m, T_x), in [0, V).
        E: (V, n_e) embedding matrix (row w is the embedding of token w).
        padding_idx: an id whose row gets no gradient (None: every row trains).

    Returns:
        (*ids.shape, n_e), e.g. (m, T_x, n_e). The gradient dE sums dA over every position
        that looked a row up; ids get none.

    Raises:
        ValueError: for E that is not 2-D, ids that are not integers in [0, V), or a
            padding_idx outside [0, V).

    Example:
        >>> E = npdeep.tensor(np.random.randn(10, 4), requires_grad=True)
        >>> embedding(np.array([[1, 2, 1]]), E).shape     # (1, 3, 4)
    """
    if not isinstance(E, Tensor):
        E = Tensor(E)
    if E.ndim != 2:
        raise ValueError(f"embedding: E must have shape (V, n_e); got {E.shape}")
    if padding_idx is not None:
        padding_idx = check_int(padding_idx, "padding_idx", "embedding", low=0,
                                high=E.shape[0] - 1)
    return EmbeddingLookup.apply(E, token_ids(ids, E.shape[0], "embedding"),
                                 padding_idx=padding_idx)  # (..., n_e)
