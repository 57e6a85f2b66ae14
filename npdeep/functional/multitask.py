"""The multi-task learning cost, with missing labels left out.

One network predicts k independent yes/no labels per example (pedestrian? car? stop sign?
traffic light?): k sigmoid outputs, not a softmax, since an image can hold several. The course's
cost sums the logistic loss over the k tasks and averages over the m examples:

    J = (1/m) Σ_i Σ_j L(ŷ_j(i), y_j(i)),   L(ŷ, y) = −[y log ŷ + (1 − y) log(1 − ŷ)]

where the inner sum runs only over the labels j that exist for example i: a label written "?"
(not annotated) adds nothing to the cost and nothing to the gradient.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.functional.activation import stable_sigmoid
from npdeep.tensor import Tensor


class MultitaskLoss(Function):
    """Sigmoid and masked binary cross-entropy fused, from the logits Z."""

    @staticmethod
    def forward(ctx, Z, Y, mask):
        # NOTE: a missing label's logit is set to 0 before any arithmetic and its loss is then
        # dropped with where() (not multiplied by the mask), so a logit of ±inf or NaN there
        # cannot turn the cost into NaN (0 · inf = NaN).
        Z = np.where(mask, Z, 0)
        # Same stable form as binary_cross_entropy_with_logits:
        # max(z, 0) − z·y + log(1 + e^(−|z|)) never takes log(0) or exp of a large number.
        loss = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
        loss = np.where(mask, loss, 0)
        m = Z.shape[0]
        ctx.A, ctx.Y, ctx.mask, ctx.m = stable_sigmoid(Z), Y, mask, m
        return np.asarray(loss.sum() / m, dtype=ctx.A.dtype)

    @staticmethod
    def backward(ctx, dJ):
        # dJ/dz_j(i) = (a_j(i) − y_j(i)) / m for present labels, 0 for missing ones.
        dZ = np.where(ctx.mask, (ctx.A - ctx.Y) * (dJ / ctx.m), 0).astype(ctx.A.dtype)
        return dZ, None, None


def multitask_loss(Z: Tensor, Y, mask=None) -> Tensor:
    """J = (1/m) Σ_i Σ_j [label j of example i present] · L(σ(z_j(i)), y_j(i)).

    Args:
        Z: (m, k) logits, one per task (the network's last linear layer, before the sigmoid).
        Y: (m, k) labels in {0, 1} (soft labels in [0, 1] work too); NaN marks a missing label
            (the course's "?").
        mask: optional (m, k) array, True/1 where the label is present (broadcastable shapes
            such as (k,) are accepted); combined with the NaNs of Y.

    Returns:
        A scalar tensor. m counts every example, even one whose labels are all missing.

    Raises:
        ValueError: if Z is not (m, k), Y's shape differs, or a present label lies outside
            [0, 1].

    Example:
        >>> Y = np.array([[1, 0, np.nan, 1], [0, np.nan, 1, 0]])   # two images, four tasks
        >>> J = multitask_loss(Z, Y)                                # Z: (2, 4) logits
    """
    where = "multitask_loss"
    if not isinstance(Z, Tensor):
        Z = Tensor(Z)
    if Z.ndim != 2:
        raise ValueError(f"{where} expected logits Z of shape (m, k) but got {Z.shape}")
    Y = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    if Y.dtype.kind not in "fiub":
        raise TypeError(f"{where}: labels must be numbers (NaN for a missing label); got dtype "
                        f"{Y.dtype}")
    if Y.shape != Z.shape:
        raise ValueError(f"{where}: logits Z have shape {Z.shape} but labels Y have shape "
                         f"{Y.shape}; they must match (m examples, k tasks)")
    present = ~np.isnan(Y) if Y.dtype.kind == "f" else np.ones(Y.shape, dtype=bool)
    if mask is not None:
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        try:
            mask = np.broadcast_to(mask, Z.shape)
        except ValueError:
            raise ValueError(f"{where}: mask of shape {mask.shape} does not fit the labels' "
                             f"shape {Z.shape}") from None
        if mask.dtype != bool and not np.all((mask == 0) | (mask == 1)):
            raise ValueError(f"{where}: mask must hold 0/1 or booleans")
        present = present & mask.astype(bool)
    Y = np.where(present, Y, 0).astype(Z.dtype)
    if np.any((Y < 0) | (Y > 1)):
        raise ValueError(f"{where}: labels must lie in [0, 1] (NaN for a missing label); got "
                         f"values from {Y.min()} to {Y.max()}")
    return MultitaskLoss.apply(Z, Y, present)
