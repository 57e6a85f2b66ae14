"""L2 normalization: f(x) = z / ‖z‖₂, the last step of a face encoder (FaceNet, §3)."""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_int, check_positive


class L2Normalize(Function):
    @staticmethod
    def forward(ctx, Z, axis, epsilon):
        norm = np.sqrt(np.sum(Z * Z, axis=axis, keepdims=True))  # ‖z‖, one per vector
        # NOTE: a vector shorter than epsilon is divided by epsilon instead (PyTorch's
        # F.normalize): the all-zero vector maps to 0 rather than to NaN.
        clamped = norm < epsilon
        norm = np.maximum(norm, epsilon)
        A = Z / norm
        ctx.A, ctx.norm, ctx.clamped, ctx.axis = A, norm, clamped, axis
        return A

    @staticmethod
    def backward(ctx, dA):
        A, norm = ctx.A, ctx.norm
        # a = z/‖z‖: da/dz = (I − a·aᵀ)/‖z‖, so dZ = (dA − a·(a·dA))/‖z‖.
        projection = np.sum(dA * A, axis=ctx.axis, keepdims=True)
        # Where the norm was clamped to epsilon it is a constant: dZ = dA/epsilon.
        projection = np.where(ctx.clamped, 0, projection)
        return (dA - A * projection) / norm


def l2_normalize(Z, axis: int = -1, epsilon: float = 1e-12) -> Tensor:
    """z / max(‖z‖₂, epsilon) along ``axis``: every vector scaled to unit length.

    Args:
        Z: (m, n) encodings (or any shape; ``axis`` holds the vectors' entries).
        axis: the axis along which each vector lies (the last by default).
        epsilon: the smallest norm divided by, so that a zero vector stays 0 (> 0).

    Returns:
        Tensor of Z's shape whose vectors along ``axis`` have norm 1 (or 0 for zero vectors).

    Raises:
        ValueError: for an axis outside Z's axes or an epsilon that is not a number > 0.

    Example:
        >>> l2_normalize(Tensor([[3.0, 4.0]])).data
        array([[0.6, 0.8]])
    """
    Z = as_tensor(Z)
    ndim = Z.ndim
    axis = check_int(axis, "axis", "l2_normalize", -ndim if ndim else 0, ndim - 1)
    epsilon = check_positive(epsilon, "epsilon", "l2_normalize")
    return L2Normalize.apply(Z, axis=axis, epsilon=epsilon)
