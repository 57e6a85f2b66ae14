"""Ops that move values without changing them: reshape, transpose, flatten, indexing,
concatenate, stack.

reshape, transpose, flatten and getitem are the Tensor methods of those names (their Functions
are in :mod:`npdeep.primitives`); Concatenate and Stack, which join several tensors, are
defined here.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor, as_tensor


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, dZ):
        return tuple(np.split(dZ, ctx.splits, axis=ctx.axis))


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, dZ):
        return tuple(np.moveaxis(dZ, ctx.axis, 0))


def reshape(a, *shape) -> Tensor:
    """The same values in a new shape (one dimension may be -1)."""
    return as_tensor(a).reshape(*shape)


def transpose(a, *axes) -> Tensor:
    """Permute the axes (reverse them when none are given)."""
    return as_tensor(a).transpose(*axes)


def getitem(a, index) -> Tensor:
    """a[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""
    return as_tensor(a)[index]


def flatten(a, start_axis: int = 1) -> Tensor:
    """Merge the axes from ``start_axis`` on: (m, n_H, n_W, n_C) -> (m, n_H·n_W·n_C)."""
    return as_tensor(a).flatten(start_axis)


def _as_tensors(tensors, where: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{where}: expected a non-empty sequence of tensors")
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    dtype = like.dtype if like is not None else None
    return [t if isinstance(t, Tensor) else Tensor(t, dtype=dtype) for t in tensors]


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return Concatenate.apply(*_as_tensors(tensors, "concatenate"), axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    return Stack.apply(*_as_tensors(tensors, "stack"), axis=axis)
