"""Elementwise arithmetic and math: + - * / ** neg exp log sqrt abs clip where, and comparisons.

Inputs broadcast by NumPy's rules; the engine sums gradients back over broadcast axes.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor


def _operand(x, like: np.ndarray):
    """A non-Tensor operand as an array of ``like``'s dtype (Python numbers stay numbers)."""
    # NOTE: NumPy scalars (np.float64(0.5), e.g. lambd / m with an np.int64 m) are not weak
    # like Python numbers: kept as they are they would turn a float32 tensor into float64.
    if isinstance(x, Tensor) or (isinstance(x, (int, float)) and not isinstance(x, np.generic)):
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"cannot combine a tensor with an array of dtype {array.dtype}")
    if array.dtype != like.dtype:
        array = array.astype(like.dtype)
    return array


def _data(x):
    return x.data if isinstance(x, Tensor) else x


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, dZ):
        return dZ, dZ


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, dZ):
        return dZ, (-dZ if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a * b

    @staticmethod
    def backward(ctx, dZ):
        da = dZ * ctx.b if ctx.needs_input_grad[0] else None
        db = dZ * ctx.a if ctx.needs_input_grad[1] else None
        return da, db


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.b = b
        ctx.out = a / b
        return ctx.out

    @staticmethod
    def backward(ctx, dZ):
        da = dZ / ctx.b
        # d(a/b)/db = −a/b² = −(a/b)/b, so db = −(dZ/b)·out reuses da and the saved output.
        db = -(da * ctx.out) if ctx.needs_input_grad[1] else None
        return (da if ctx.needs_input_grad[0] else None), db


class Neg(Function):
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


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.out = np.exp(a)
        return ctx.out

    @staticmethod
    def backward(ctx, dZ):
        return dZ * ctx.out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.log(a)

    @staticmethod
    def backward(ctx, dZ):
        return dZ / ctx.a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.out = np.sqrt(a)
        return ctx.out

    @staticmethod
    def backward(ctx, dZ):
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


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
        ctx.a_shape, ctx.b_shape = np.shape(a), np.shape(b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, dZ):
        zero = np.zeros((), dtype=dZ.dtype)
        da = np.where(ctx.condition, dZ, zero) if ctx.needs_input_grad[1] else None
        db = np.where(ctx.condition, zero, dZ) if ctx.needs_input_grad[2] else None
        return None, da, db


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a_wins = a >= b
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, dZ):
        # NOTE: ties go to the first argument.
        zero = np.zeros((), dtype=dZ.dtype)
        da = np.where(ctx.a_wins, dZ, zero) if ctx.needs_input_grad[0] else None
        db = np.where(ctx.a_wins, zero, dZ) if ctx.needs_input_grad[1] else None
        return da, db


def _binary(function, a, b):
    if not isinstance(a, Tensor):
        a = _operand(a, b.data)
    elif not isinstance(b, Tensor):
        b = _operand(b, a.data)
    return function.apply(a, b)


def add(a, b) -> Tensor:
    """a + b with broadcasting."""
    return _binary(Add, a, b)


def sub(a, b) -> Tensor:
    """a - b with broadcasting."""
    return _binary(Sub, a, b)


def mul(a, b) -> Tensor:
    """a * b elementwise, with broadcasting."""
    return _binary(Mul, a, b)


def div(a, b) -> Tensor:
    """a / b elementwise, with broadcasting."""
    return _binary(Div, a, b)


def pow(a, b) -> Tensor:
    """a ** b elementwise; b a number or a tensor."""
    return _binary(Pow, a, b)


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def exp(a: Tensor) -> Tensor:
    """e^a elementwise."""
    return Exp.apply(a)


def log(a: Tensor) -> Tensor:
    """Natural logarithm elementwise."""
    return Log.apply(a)


def sqrt(a: Tensor) -> Tensor:
    return Sqrt.apply(a)


def abs(a: Tensor) -> Tensor:
    return Abs.apply(a)


def clip(a: Tensor, min=None, max=None) -> Tensor:
    """Limit a to [min, max]; the gradient is 1 inside (bounds included) and 0 outside."""
    return Clip.apply(a, low=min, high=max)


def where(condition, a, b) -> Tensor:
    """a where condition holds, else b (condition carries no gradient)."""
    condition = np.asarray(_data(condition), dtype=bool)
    like = a.data if isinstance(a, Tensor) else b.data if isinstance(b, Tensor) else None
    if like is not None:
        a, b = _operand(a, like), _operand(b, like)
    return Where.apply(condition, a, b)


def maximum(a, b) -> Tensor:
    """Elementwise maximum of a and b."""
    return _binary(Maximum, a, b)


def _compare(op):
    def compare(a, b) -> Tensor:
        return Tensor._make(op(_data(a), _data(b)), False)
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
