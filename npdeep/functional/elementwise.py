"""Elementwise arithmetic and math as functions: add, sub, mul, div, pow, neg, exp, log, sqrt,
abs, clip, where, maximum, and the comparisons.

The Functions behind Tensor's operators (Add, Mul, Exp, ...) are in :mod:`npdeep.primitives`;
``F.add(a, b)`` is ``a + b`` and also takes an array or a number on either side. Where and
Maximum, which are not operators, are defined here. Inputs broadcast by NumPy's rules; the
engine sums gradients back over broadcast axes.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.primitives import Abs, Add, Clip, Div, Exp, Log, Mul, Neg, Pow, Sqrt, Sub
from npdeep.tensor import Tensor, _data, as_operand, as_tensor


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition
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


def _operands(a, b) -> tuple:
    """a and b with a Tensor among them: the other side in its dtype (numbers stay numbers)."""
    if isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = as_operand(b, a.data)
    elif isinstance(b, Tensor):
        a = as_operand(a, b.data)
    else:  # neither is a tensor: a constant result
        a = Tensor(a)
        b = as_operand(b, a.data)
    return a, b


def _binary(function, a, b) -> Tensor:
    return function.apply(*_operands(a, b))


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


def neg(a) -> Tensor:
    """−a."""
    return Neg.apply(as_tensor(a))


def exp(a) -> Tensor:
    """e^a elementwise."""
    return Exp.apply(as_tensor(a))


def log(a) -> Tensor:
    """Natural logarithm elementwise."""
    return Log.apply(as_tensor(a))


def sqrt(a) -> Tensor:
    """√a elementwise."""
    return Sqrt.apply(as_tensor(a))


def abs(a) -> Tensor:
    """|a| elementwise (the gradient at 0 is 0)."""
    return Abs.apply(as_tensor(a))


def clip(a, min=None, max=None) -> Tensor:
    """Limit a to [min, max]; the gradient is 1 inside (bounds included) and 0 outside."""
    return Clip.apply(as_tensor(a), low=min, high=max)


def where(condition, a, b) -> Tensor:
    """a where condition holds, else b (condition carries no gradient)."""
    condition = np.asarray(_data(condition), dtype=bool)
    return Where.apply(condition, *_operands(a, b))


def maximum(a, b) -> Tensor:
    """Elementwise maximum of a and b."""
    return _binary(Maximum, a, b)


def _compare(op):
    def compare(a, b) -> Tensor:
        """A boolean tensor outside the graph (a mask is a constant)."""
        like = a if isinstance(a, Tensor) else as_tensor(b)
        return like._make(op(_data(a), _data(b)), False)
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
