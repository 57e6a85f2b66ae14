"""Ops that move values without changing them: reshape, transpose, indexing, concatenate, stack."""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape=None):
        ctx.shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, dZ):
        return dZ.reshape(ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a, axes=None):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, dZ):
        inverse = None if ctx.axes is None else np.argsort(ctx.axes)
        return np.transpose(dZ, inverse)


def _is_basic(index) -> bool:
    """True for indices that select a view (ints, slices, None, ...): no repeats are possible."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class GetItem(Function):
    @staticmethod
    def forward(ctx, a, index=None):
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        return a[index]

    @staticmethod
    def backward(ctx, dZ):
        dA = np.zeros(ctx.shape, dtype=dZ.dtype)
        if _is_basic(ctx.index):
            dA[ctx.index] = dZ
        else:
            # NOTE: an integer array may pick one entry several times; add.at sums every pick,
            # where plain assignment would keep only the last.
            np.add.at(dA, ctx.index, dZ)
        return dA


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


def reshape(a: Tensor, *shape) -> Tensor:
    """The same values in a new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape.apply(a, shape=shape)


def transpose(a: Tensor, *axes) -> Tensor:
    """Permute the axes (reverse them when none are given)."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return Transpose.apply(a, axes=axes or None)


def getitem(a: Tensor, index) -> Tensor:
    """a[index] for ints, slices, None, Ellipsis, boolean masks and integer arrays."""
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    elif isinstance(index, list):
        index = np.asarray(index)
    return GetItem.apply(a, index=index)


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


def flatten(a: Tensor, start_axis: int = 1) -> Tensor:
    """Merge the axes from ``start_axis`` on: (m, n_H, n_W, n_C) -> (m, n_H·n_W·n_C)."""
    return reshape(a, a.shape[:start_axis] + (-1,))
