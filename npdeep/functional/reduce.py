"""Reductions over axes: sum, mean, max, min (each with ``keepdims``)."""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor


def _normalize_axis(axis, ndim: int):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand(dZ: np.ndarray, axes: tuple, keepdims: bool) -> np.ndarray:
    """Put back the reduced axes of dZ as size-1 axes so that it broadcasts over the input."""
    return dZ if keepdims else np.expand_dims(dZ, axes)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape = a.shape
        ctx.axes = _normalize_axis(axis, a.ndim)
        ctx.keepdims = keepdims
        return a.sum(axis=axis, keepdims=keepdims)  # (the method skips np.sum's dispatch)

    @staticmethod
    def backward(ctx, dZ):
        # A filled array rather than np.broadcast_to's view: broadcast_to and expand_dims cost
        # ~15 µs of Python per call, which dominates the backward pass of small graphs.
        if not ctx.keepdims and dZ.ndim:  # a 0-d dZ (sum of everything) broadcasts as it is
            dZ = dZ.reshape([1 if i in ctx.axes else n for i, n in enumerate(ctx.shape)])
        dA = np.empty(ctx.shape, dZ.dtype)
        dA[...] = dZ
        return dA


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape = a.shape
        ctx.axes = _normalize_axis(axis, a.ndim)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([a.shape[i] for i in ctx.axes]))
        return np.mean(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, dZ):
        return np.broadcast_to(_expand(dZ, ctx.axes, ctx.keepdims) / ctx.count, ctx.shape)


class Extremum(Function):
    """max or min over axes."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, largest=True):
        reduce = np.max if largest else np.min
        out = reduce(a, axis=axis, keepdims=True)
        ctx.a, ctx.out_kept = a, out
        ctx.axes = _normalize_axis(axis, a.ndim)
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: on ties the gradient is shared equally among the tied entries (as torch.amax),
        # so that it still sums to dZ.
        winners = ctx.a == ctx.out_kept
        count = winners.sum(axis=ctx.axes, keepdims=True)
        dZ = dZ.reshape(ctx.out_kept.shape)
        return winners * (dZ / count)


def sum(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (an int, a tuple, or None for all)."""
    return Sum.apply(a, axis=axis, keepdims=keepdims)


def mean(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (an int, a tuple, or None for all)."""
    return Mean.apply(a, axis=axis, keepdims=keepdims)


def max(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Maximum over ``axis``."""
    return Extremum.apply(a, axis=axis, keepdims=keepdims, largest=True)


def min(a: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Minimum over ``axis``."""
    return Extremum.apply(a, axis=axis, keepdims=keepdims, largest=False)
