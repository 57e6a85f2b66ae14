"""Reductions over axes as functions: sum, mean, max, min, prod, var, std (each with
``keepdims``), and argmax/argmin.

Each is the Tensor method of the same name (``F.sum(x, axis=0)`` is ``x.sum(axis=0)``); the
Functions are in :mod:`npdeep.primitives`. An array or a number is accepted as a constant.
"""
from __future__ import annotations

from npdeep.tensor import Tensor, as_tensor


def sum(a, axis=None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (an int, a tuple, or None for all)."""
    return as_tensor(a).sum(axis=axis, keepdims=keepdims)


def mean(a, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (an int, a tuple, or None for all)."""
    return as_tensor(a).mean(axis=axis, keepdims=keepdims)


def max(a, axis=None, keepdims: bool = False) -> Tensor:
    """Maximum values over ``axis``; tied entries share the gradient equally."""
    return as_tensor(a).max(axis=axis, keepdims=keepdims)


def min(a, axis=None, keepdims: bool = False) -> Tensor:
    """Minimum values over ``axis``; tied entries share the gradient equally."""
    return as_tensor(a).min(axis=axis, keepdims=keepdims)


def prod(a, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Π over one axis, or over all entries (axis=None)."""
    return as_tensor(a).prod(axis=axis, keepdims=keepdims)


def var(a, axis=None, keepdims: bool = False, *, ddof: int = 0) -> Tensor:
    """Variance (1/(N − ddof)) Σ (x − μ)²; ddof=0 is NumPy's and the course's 1/m."""
    return as_tensor(a).var(axis=axis, keepdims=keepdims, ddof=ddof)


def std(a, axis=None, keepdims: bool = False, *, ddof: int = 0) -> Tensor:
    """Standard deviation √var (see var for ddof)."""
    return as_tensor(a).std(axis=axis, keepdims=keepdims, ddof=ddof)


def argmax(a, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the maximum over ``axis`` (int64, no gradient; ties: the first index)."""
    return as_tensor(a).argmax(axis=axis, keepdims=keepdims)


def argmin(a, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Indices of the minimum over ``axis`` (int64, no gradient; ties: the first index)."""
    return as_tensor(a).argmin(axis=axis, keepdims=keepdims)
