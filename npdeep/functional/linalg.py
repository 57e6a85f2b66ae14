"""Matrix products: matmul (batched, broadcasting) and the dense layer's linear map."""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function, unbroadcast
from npdeep.tensor import Tensor


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return a @ b

    @staticmethod
    def backward(ctx, dZ):
        a, b = ctx.a, ctx.b
        if a.ndim == 2 and b.ndim == 2:  # the common case, without the general case's overhead
            return (dZ @ b.T if ctx.needs_input_grad[0] else None,
                    a.T @ dZ if ctx.needs_input_grad[1] else None)
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


def matmul(a, b) -> Tensor:
    """Matrix product a @ b, batched over leading axes with broadcasting.

    Args:
        a: (..., n, k) or (k,).
        b: (..., k, p) or (k,).

    Raises:
        ValueError: when the inner dimensions differ.
    """
    if not isinstance(a, Tensor):
        a = Tensor(a, dtype=b.dtype)
    if not isinstance(b, Tensor):
        b = Tensor(b, dtype=a.dtype)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one dimension; got shapes "
                         f"{a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise ValueError(f"matmul: inner dimensions differ: a has shape {a.shape} and b has "
                         f"shape {b.shape} ({k_a} != {k_b})")
    return MatMul.apply(a, b)


class Linear(Function):
    """Z = A_prev · Wᵀ + b, fused so that forward and backward are one GEMM each."""

    @staticmethod
    def forward(ctx, A_prev, W, b):
        ctx.A_prev, ctx.W = A_prev, W
        Z = A_prev @ W.T
        if b is not None:
            Z += b
        return Z

    @staticmethod
    def backward(ctx, dZ):
        A_prev, W = ctx.A_prev, ctx.W
        needs = ctx.needs_input_grad
        dA_prev = dZ @ W if needs[0] else None
        dW = db = None
        if needs[1] or needs[2]:
            # Leading axes beyond the batch axis are all examples: fold them into m.
            dZ2 = dZ.reshape(-1, dZ.shape[-1])
            if needs[1]:
                dW = dZ2.T @ A_prev.reshape(-1, A_prev.shape[-1])  # (n[l], n[l-1])
            if needs[2]:
                db = dZ2.sum(axis=0)  # (n[l],)
        return dA_prev, dW, db


def linear(A_prev, W, b=None) -> Tensor:
    """The dense layer's linear step Z[l] = A[l-1] · W[l]ᵀ + b[l].

    Args:
        A_prev: (m, n[l-1]) activations of the previous layer (more leading axes allowed).
        W: (n[l], n[l-1]) weights, the course's shape.
        b: (n[l],) bias, or None.

    Returns:
        Z: (m, n[l]).

    Raises:
        ValueError: when A_prev's last axis is not n[l-1] or b is not (n[l],).

    Example:
        >>> Z = linear(X, W1, b1)  # X (m, n_x), W1 (n[1], n_x) -> Z (m, n[1])
    """
    if not isinstance(A_prev, Tensor):
        A_prev = Tensor(A_prev, dtype=W.dtype)
    if W.ndim != 2:
        raise ValueError(f"linear: W must have shape (n[l], n[l-1]); got {W.shape}")
    if A_prev.ndim < 1 or A_prev.shape[-1] != W.shape[1]:
        raise ValueError(
            f"linear: A_prev must have shape (m, n[l-1]) = (m, {W.shape[1]}) for W of shape "
            f"(n[l], n[l-1]) = {W.shape}, but got {A_prev.shape}")
    if b is not None and b.shape != (W.shape[0],):
        raise ValueError(f"linear: b must have shape (n[l],) = ({W.shape[0]},) for W of shape "
                         f"{W.shape}, but got {b.shape}")
    return Linear.apply(A_prev, W, b)
