"""Matrix products: matmul (batched, broadcasting) and the dense layer's linear map.

matmul is ``a @ b`` (its Function, MatMul, is in :mod:`npdeep.primitives`); Linear fuses the
dense layer's Z = A_prev · Wᵀ + b into one GEMM each way.
"""
from __future__ import annotations

from npdeep.autograd import Function
from npdeep.tensor import Tensor


def matmul(a, b) -> Tensor:
    """Matrix product a @ b, batched over leading axes with broadcasting.

    Args:
        a: (..., n, k) or (k,).
        b: (..., k, p) or (k,).

    Returns:
        (..., n, p), without the axes of 1-D operands (as numpy.matmul).

    Raises:
        ValueError: when an operand is 0-d or the inner dimensions differ.
    """
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    return a @ b if isinstance(a, Tensor) else b.__rmatmul__(a)


class Linear(Function):
    """Z = A_prev · Wᵀ + b, fused so that forward and backward are one GEMM each."""

    # NOTE: ndarray.dot is @ for matrices without the matmul ufunc's dispatch (as in MatMul);
    # for more axes its loop is far slower than matmul's, so those keep @.

    @staticmethod
    def forward(ctx, A_prev, W, b):
        ctx.A_prev, ctx.W = A_prev, W
        Z = A_prev.dot(W.T) if A_prev.ndim == 2 else A_prev @ W.T
        if b is not None:
            Z += b
        return Z

    @staticmethod
    def backward(ctx, dZ):
        A_prev, W = ctx.A_prev, ctx.W
        needs = ctx.needs_input_grad
        if needs[0]:
            dA_prev = dZ.dot(W) if dZ.ndim == 2 else dZ @ W
        else:
            dA_prev = None
        dW = db = None
        if needs[1] or needs[2]:
            # Leading axes beyond the batch axis are all examples: fold them into m.
            dZ2 = dZ.reshape(-1, dZ.shape[-1])
            if needs[1]:
                dW = dZ2.T.dot(A_prev.reshape(-1, A_prev.shape[-1]))  # (n[l], n[l-1])
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
