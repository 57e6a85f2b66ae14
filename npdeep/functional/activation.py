"""Activation functions g(z): sigmoid, tanh, relu, leaky_relu, softmax, log_softmax."""
from __future__ import annotations

import numpy as np

from npdeep import kernels
from npdeep.autograd import Function, apply_unary
import npdeep.kernels.activation  # noqa: F401  (ReLU's and sigmoid's compiled loops)
from npdeep.tensor import Tensor, as_tensor


# 1 as a 0-d array of each float dtype: NumPy converts a Python 1 on every call, which costs
# as much as the whole subtraction on a small array.
_ONE = {np.dtype(t): np.ones((), t) for t in (np.float16, np.float32, np.float64)}
_ZERO = {np.dtype(t): np.zeros((), t) for t in (np.float16, np.float32, np.float64)}

# The largest −z whose e^(−z) is finite, less a margin, per dtype (0-d arrays, as _ONE).
_EXP_LIMIT = {np.dtype(t): np.array(limit, t) for t, limit in ((np.float32, 88.7),
                                                                 (np.float64, 709.7))}


def stable_sigmoid(Z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)) without overflow for |z| ~ 1000.

    NOTE: this quotient is accurate to a few ulp wherever e^(−z) is finite (for z << 0 it is
    e^z / (1 + e^z) in disguise); −z is capped where e^(−z) would overflow (z < −88.7 in float32,
    −709.7 in float64), which changes σ only below the smallest normal number. Four passes over
    Z, in place: half the time of choosing between two formulas with a mask.
    """
    e = -Z                              # a new array: the passes below work in it
    if e.ndim == 0:                     # NumPy returns a scalar for a 0-d Z; out needs arrays
        e = np.asarray(e)
    dtype = e.dtype
    # (exp and reciprocal take out by position: the keyword costs a tenth of a small pass)
    np.minimum(e, _EXP_LIMIT.get(dtype, 709.7), out=e)
    np.exp(e, e)                        # e^(−z), finite
    e += _ONE.get(dtype, 1)
    np.reciprocal(e, e)
    return e


_RELU_KERNEL_SIZE = kernels.activation.MIN_SIZE
_SIGMOID_KERNEL_SIZE = kernels.activation.SIGMOID_MAX_SIZE
_SIGN_MASK_SIZE = 1024  # up to this size ReLU's backward multiplies by sign(a), see there


class Sigmoid(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, Z):
        A = None
        if Z.size <= _SIGMOID_KERNEL_SIZE and kernels.active():  # small: one compiled pass
            A = kernels.activation.sigmoid_forward(Z)
        if A is None:
            A = stable_sigmoid(Z)
        ctx.A = A
        return A

    @staticmethod
    def backward(ctx, dA):
        A = ctx.A
        dZ = _ONE.get(A.dtype, 1) - A  # σ'(z) = a(1 − a), in place on the fresh 1 − a
        dZ *= A
        dZ *= dA
        return dZ


class Tanh(Function):
    exact_gradients = True

    @staticmethod
    def forward(ctx, Z):
        A = ctx.A = np.tanh(Z)
        return A

    @staticmethod
    def backward(ctx, dA):
        A = ctx.A
        dZ = _ONE.get(A.dtype, 1) - A * A  # tanh'(z) = 1 − a²
        dZ *= dA
        return dZ


class ReLU(Function):
    exact_gradients = True

    # Large float arrays take one compiled pass each way where numba runs (npdeep.kernels.
    # activation: the same values, 4x and 2x faster on a LeNet-5 activation).
    @staticmethod
    def forward(ctx, Z):
        A = None
        if Z.size >= _RELU_KERNEL_SIZE and kernels.active():
            A = kernels.activation.relu_forward(Z)
        if A is None:
            A = np.maximum(Z, _ZERO.get(Z.dtype, 0))
        ctx.A = A
        return A

    @staticmethod
    def backward(ctx, dA):
        # NOTE: relu'(0) is taken as 0 (the course's dZ[Z <= 0] = 0, and PyTorch's choice).
        A = ctx.A
        size = A.size
        if size <= _SIGN_MASK_SIZE and A.ndim and A.dtype is dA.dtype:  # (0-d: NumPy scalars)
            # sign(a) is the 0/1 mask itself for a = relu(z) >= 0, in A's own dtype: a float
            # product costs half of a float-by-bool one on small arrays (0.55 vs 1.1 µs at
            # 4x4) and more from 64x64 on, where the bool mask wins.
            dZ = np.sign(A)
            dZ *= dA
            return dZ
        dZ = None
        if size >= _RELU_KERNEL_SIZE and kernels.active():
            dZ = kernels.activation.relu_backward(A, dA)
        return dA * (A > _ZERO.get(A.dtype, 0)) if dZ is None else dZ


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, Z, alpha=0.01):
        ctx.positive, ctx.alpha = Z > 0, alpha
        return np.where(ctx.positive, Z, alpha * Z)

    @staticmethod
    def backward(ctx, dA):
        # NOTE: at z = 0 the slope alpha is used (PyTorch's choice).
        return np.where(ctx.positive, dA, ctx.alpha * dA)


class Softmax(Function):
    @staticmethod
    def forward(ctx, Z, axis=-1):
        shifted = Z - Z.max(axis=axis, keepdims=True)  # e^z overflows otherwise; softmax is
        A = np.exp(shifted)                            # unchanged by a shift
        A /= A.sum(axis=axis, keepdims=True)
        ctx.A, ctx.axis = A, axis
        return A

    @staticmethod
    def backward(ctx, dA):
        A = ctx.A
        # dZ_i = a_i (dA_i − Σ_j dA_j a_j): the Jacobian diag(a) − a aᵀ applied without forming it.
        return A * (dA - (dA * A).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, Z, axis=-1):
        shifted = Z - Z.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))  # log-sum-exp
        ctx.out, ctx.axis = out, axis
        return out

    @staticmethod
    def backward(ctx, dA):
        return dA - np.exp(ctx.out) * dA.sum(axis=ctx.axis, keepdims=True)


def sigmoid(Z: Tensor) -> Tensor:
    """σ(z) = 1 / (1 + e^(−z)) elementwise, stable for large |z|."""
    return apply_unary(Sigmoid, Z if isinstance(Z, Tensor) else Tensor(Z))


def tanh(Z: Tensor) -> Tensor:
    """tanh(z) elementwise."""
    return apply_unary(Tanh, Z if isinstance(Z, Tensor) else Tensor(Z))


def relu(Z: Tensor) -> Tensor:
    """max(0, z) elementwise."""
    return apply_unary(ReLU, Z if isinstance(Z, Tensor) else Tensor(Z))


def leaky_relu(Z: Tensor, alpha: float = 0.01) -> Tensor:
    """z for z > 0, alpha·z otherwise."""
    return LeakyReLU.apply(as_tensor(Z), alpha=alpha)


def softmax(Z: Tensor, axis: int = -1) -> Tensor:
    """e^(z_i) / Σ_j e^(z_j) along ``axis`` (the classes; last by default)."""
    return Softmax.apply(as_tensor(Z), axis=axis)


def log_softmax(Z: Tensor, axis: int = -1) -> Tensor:
    """log softmax(z) = z − log Σ_j e^(z_j), computed by log-sum-exp."""
    return LogSoftmax.apply(as_tensor(Z), axis=axis)
