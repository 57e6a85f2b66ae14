"""The primitive differentiable operations that Tensor's operators are made of.

``+ - * / ** @``, ``-x``, indexing, ``sum``, ``mean``, ``max``, ``reshape``, ``transpose``,
``exp``, ``log``, ... are :class:`~npdeep.autograd.Function` subclasses on NumPy arrays. They
need nothing of Tensor, so tensor.py can import them and declare its operators with them
(the layers run backend → autograd → primitives → tensor → functional, as teenygrad's
mlops.py sits under its tensor.py). :mod:`npdeep.functional` gives the same ops as functions
(``F.add``, ``F.sum``, ``F.matmul``) and holds every op that is not a Tensor method.

Inputs broadcast by NumPy's rules; the engine sums gradients back over broadcast axes.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function, unbroadcast

_add_reduce = np.add.reduce


# ---------------------------------------------------------------------------- arithmetic
class Add(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, dZ):
        return dZ, dZ


class Sub(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, dZ):
        return dZ, (-dZ if ctx.needs_input_grad[1] else None)


class Mul(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a * b

    @staticmethod
    def backward(ctx, dZ):
        da = dZ * ctx.b if ctx.needs_input_grad[0] else None
        db = dZ * ctx.a if ctx.needs_input_grad[1] else None
        return da, db


class Square(Function):
    """a · a: what ``x * x`` and ``x ** 2`` record, saving one operand and returning one
    gradient (Mul would return two for the engine to sum)."""

    exact_gradients = True

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return a * a

    @staticmethod
    def backward(ctx, dZ):
        dA = dZ * ctx.a
        dA += dA  # 2·a·dZ: doubling by an exact addition, one pass fewer than 2 * a * dZ
        return dA


class Div(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.b = b
        out = ctx.out = a / b
        return out

    @staticmethod
    def backward(ctx, dZ):
        da = dZ / ctx.b
        # d(a/b)/db = −a/b² = −(a/b)/b, so db = −(dZ/b)·out reuses da and the saved output.
        db = -(da * ctx.out) if ctx.needs_input_grad[1] else None
        return (da if ctx.needs_input_grad[0] else None), db


class Neg(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, dZ):
        return -dZ


class Pow(Function):
    """a ** b; b may be a number or a tensor (d/db a^b = a^b · log a)."""

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, dZ):
        a, b = ctx.a, ctx.b
        da = db = None
        if ctx.needs_input_grad[0]:
            da = dZ * b * a ** (b - 1)
        if ctx.needs_input_grad[1]:
            # NOTE: log a is undefined for a <= 0; there the gradient is taken as 0 (PyTorch too).
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
            db = dZ * ctx.out * log_a
        return da, db


class MatMul(Function):
    """a @ b, batched over leading axes with broadcasting; 1-D operands as matmul treats them."""

    exact_gradients = True

    # NOTE: for matrices ndarray.dot is the same BLAS product as @ (the same bits), without the
    # matmul ufunc's dispatch: 0.3 instead of 0.75 µs at 4x4, equal from 64x64 on.

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        try:
            return a.dot(b) if a.ndim == 2 and b.ndim == 2 else a @ b
        except ValueError:  # shapes are checked only when NumPy refuses them: no cost otherwise
            raise ValueError(_matmul_error(a.shape, b.shape)) from None

    @staticmethod
    def backward(ctx, dZ):
        a, b = ctx.a, ctx.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the general case's overhead
            needs = ctx.needs_input_grad
            return (dZ.dot(b.T) if needs[0] else None,
                    a.T.dot(dZ) if needs[1] else None)
        # Treat 1-D operands as matrices, as matmul itself does: a (n,) is (1, n), b (n,) is (n, 1).
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # (b first: for (n,) @ (n,) dZ is 0-d, and -2 exists only once -1 has been added)
        if b.ndim == 1:
            dZ = np.expand_dims(dZ, -1)
        if a.ndim == 1:
            dZ = np.expand_dims(dZ, -2)
        da = db = None
        if ctx.needs_input_grad[0]:
            da = unbroadcast(dZ @ np.swapaxes(b2, -1, -2), a2.shape, "MatMul").reshape(a.shape)
        if ctx.needs_input_grad[1]:
            db = unbroadcast(np.swapaxes(a2, -1, -2) @ dZ, b2.shape, "MatMul").reshape(b.shape)
        return da, db


def _matmul_error(a_shape: tuple, b_shape: tuple) -> str:
    """Why a @ b is refused, in the words of the shapes."""
    if not a_shape or not b_shape:
        return (f"matmul: operands must have at least one dimension; got shapes {a_shape} and "
                f"{b_shape}")
    k_a = a_shape[-1]
    k_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if k_a != k_b:
        return (f"matmul: inner dimensions differ: a has shape {a_shape} and b has shape "
                f"{b_shape} ({k_a} != {k_b})")
    return (f"matmul: the batch axes of a {a_shape[:-2]} and b {b_shape[:-2]} do not broadcast "
            f"(shapes {a_shape} and {b_shape})")


# ---------------------------------------------------------------------------- math
class Exp(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a):
        out = ctx.out = np.exp(a)
        return out

    @staticmethod
    def backward(ctx, dZ):
        return dZ * ctx.out


class Log(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.log(a)

    @staticmethod
    def backward(ctx, dZ):
        return dZ / ctx.a


class Sqrt(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a):
        out = ctx.out = np.sqrt(a)
        return out

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: at a = 0 the derivative 1/(2√a) is infinite: dZ·inf (or nan for dZ = 0), as
        # in PyTorch.
        return dZ / (2 * ctx.out)


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.abs(a)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: |x| has no derivative at 0; sign(0) = 0 is the subgradient PyTorch uses too.
        return dZ * np.sign(ctx.a)


class Clip(Function):
    @staticmethod
    def forward(ctx, a, low=None, high=None):
        ctx.inside = np.ones(a.shape, dtype=bool)
        if low is not None:
            ctx.inside &= a >= low
        if high is not None:
            ctx.inside &= a <= high
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: at exactly low or high the gradient passes (inclusive bounds, as in PyTorch).
        return dZ * ctx.inside


# ---------------------------------------------------------------------------- reductions
def normalize_axis(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a tuple, negatives allowed) as a tuple of axes in [0, ndim)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(int(a) % ndim if ndim else int(a) for a in axis)


def _spread(dZ: np.ndarray, shape: tuple, axis, keepdims: bool) -> np.ndarray:
    """dZ of a reduction over ``axis`` of an input of ``shape``, copied back over those axes."""
    # A filled array rather than np.broadcast_to's view: broadcast_to and expand_dims cost
    # ~15 µs of Python per call, which dominates the backward pass of small graphs.
    dA = np.empty(shape, dZ.dtype)
    if not dZ.ndim:  # a reduction of everything: one value (fill is the cheapest copy of it)
        dA.fill(dZ)
        return dA
    if not keepdims:
        axes = normalize_axis(axis, len(shape))
        dZ = dZ.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    dA[...] = dZ
    return dA


class Sum(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        # ndarray.sum's own call, without its Python wrapper (_methods._sum): the same bits
        return _add_reduce(a, axis, None, None, keepdims)

    @staticmethod
    def backward(ctx, dZ):
        return _spread(dZ, ctx.shape, ctx.axis, ctx.keepdims)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        if a.dtype.itemsize < 4 or not a.size:  # float16 (summed in float32), empty slices
            out = a.mean(axis=axis, keepdims=keepdims)
            ctx.count = a.size // out.size if out.size else 1  # the number of values averaged
            return out
        # np.mean's own steps, the sum then one division, the same bits without its Python
        # wrapper (2 µs a call, three times the sum of a small array)
        out = _add_reduce(a, axis, None, None, keepdims)
        ctx.count = a.size // out.size
        return out / ctx.count

    @staticmethod
    def backward(ctx, dZ):
        return _spread(dZ / ctx.count, ctx.shape, ctx.axis, ctx.keepdims)


class Extremum(Function):
    """max or min over axes."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False, largest=True):
        out = (a.max if largest else a.min)(axis=axis, keepdims=True)
        ctx.a, ctx.out_kept = a, out
        ctx.axes = normalize_axis(axis, a.ndim)
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: on ties the gradient is shared equally among the tied entries (as torch.amax),
        # so that it still sums to dZ.
        winners = ctx.a == ctx.out_kept
        count = winners.sum(axis=ctx.axes, keepdims=True)
        dZ = dZ.reshape(ctx.out_kept.shape)
        return winners * (dZ / count)


class Prod(Function):
    """Product over one axis or over all entries."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        ctx.a = a
        return a.prod(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: d(Π a)/da_i is the product of the OTHER entries. Dividing the product by a_i
        # fails at zeros, so it is the product of the entries before i times those after i
        # (exclusive cumulative products from both ends), exact with zeros.
        a, axis = ctx.a, ctx.axis
        if axis is None:
            a = a.reshape(-1)
            axis = 0
        n = a.shape[axis]
        if n == 0:  # an empty product is 1, a constant
            return np.zeros(ctx.shape, dZ.dtype)
        ones = np.ones_like(np.take(a, [0], axis=axis))
        before = np.concatenate([ones, np.cumprod(np.take(a, range(n - 1), axis=axis),
                                                  axis=axis)], axis=axis)
        after = np.flip(np.concatenate(
            [ones, np.cumprod(np.flip(np.take(a, range(1, n), axis=axis), axis), axis=axis)],
            axis=axis), axis)
        others = (before * after).reshape(ctx.shape)
        return _spread(dZ, ctx.shape, ctx.axis, ctx.keepdims) * others


# ---------------------------------------------------------------------------- shape
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
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, dZ):
        inverse = None if ctx.axes is None else np.argsort(ctx.axes)
        return dZ.transpose(inverse)


def _is_basic(index) -> bool:
    """True for indices that select a view (ints, slices, None, ...): no repeats are possible."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class GetItem(Function):
    @staticmethod
    def forward(ctx, a, index=None):
        ctx.shape, ctx.index = a.shape, index
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
