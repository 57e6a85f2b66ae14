"""The YOLO cost: coordinate, object, no-object and class terms (Redmon et al. 2016, eq. 3).

With 1_obj = 1 in the slots (cell i, j; anchor a) an object was assigned to by
:func:`npdeep.vision.yolo.encode_targets`, 1_noobj = 1 − 1_obj, the predictions of
:func:`npdeep.vision.yolo.yolo_predictions` written with hats and the target volume Y without:

    J = 1/m · [ λ_coord Σ 1_obj ((b̂_x − b_x)² + (b̂_y − b_y)²)
              + λ_coord Σ 1_obj ((√b̂_h − √b_h)² + (√b̂_w − √b_w)²)
              + Σ 1_obj (p̂_c − 1)²
              + λ_noobj Σ 1_noobj p̂_c²
              + Σ 1_obj Σ_c (ĉ_c − c_c)² ]

λ_coord = 5 and λ_noobj = 0.5 as in the YOLO paper (section 2.2): most slots hold no object,
and without λ_noobj their p_c terms would swamp the few that do; λ_coord makes the boxes count
as much as the confidences. The square roots make the same error cost more on a small box than
on a large one. Sums run over the batch, the S×S cells and the A anchors; dividing by m makes
the cost a per-image mean, so the learning rate does not depend on the mini-batch size.

Two simplifications of the papers, as the course presents YOLO: the object term's target is
p_c = 1 (YOLOv1 uses the IoU of the predicted and true boxes), and no prediction is exempted
from the no-object term for overlapping a true box well (YOLOv2's 0.6 IoU rule).
"""
from __future__ import annotations

import numpy as np

from npdeep import functional as F
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_float
from npdeep.vision.anchors import check_anchors
from npdeep.vision.yolo import _prediction_parts, check_volume

__all__ = ["yolo_loss", "yolo_loss_terms", "LAMBDA_COORD", "LAMBDA_NOOBJ"]

LAMBDA_COORD = 5.0
LAMBDA_NOOBJ = 0.5


def _check(feats, Y, anchors, lambda_coord, lambda_noobj, where: str) -> tuple:
    check_volume(feats, anchors, where, "feats")
    Y = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    if Y.shape != tuple(feats.shape):
        raise ValueError(f"{where}: Y must have the shape of feats {tuple(feats.shape)}, "
                         f"(m, S, S, A, 5 + C) as encode_targets makes it; got {Y.shape}")
    lambda_coord = check_float(lambda_coord, "lambda_coord", where, low=0.0)
    lambda_noobj = check_float(lambda_noobj, "lambda_noobj", where, low=0.0)
    return Y, lambda_coord, lambda_noobj


def yolo_loss_terms(feats, Y, anchors, lambda_coord: float = LAMBDA_COORD,
                    lambda_noobj: float = LAMBDA_NOOBJ) -> dict:
    """The five terms of the YOLO cost, each a scalar Tensor already divided by m and weighted.

    Args:
        feats: (m, S, S, A, 5 + C) raw model output (Tensor).
        Y: (m, S, S, A, 5 + C) target volume from ``encode_targets``.
        anchors: (A, 2) (w, h) pairs in grid-cell units.
        lambda_coord, lambda_noobj: the weights (>= 0).

    Returns:
        {"xy", "hw", "object", "no_object", "class"} -> scalar Tensors; ``yolo_loss`` is their
        sum.
    """
    where = "yolo_loss"
    Y, lambda_coord, lambda_noobj = _check(feats, Y, anchors, lambda_coord, lambda_noobj, where)
    feats = as_tensor(feats)
    Y = Y.astype(feats.dtype, copy=False)
    m = feats.shape[0]
    sigmoids, sizes, probabilities = _prediction_parts(feats, check_anchors(anchors))
    obj = Y[..., 0:1]  # (m, S, S, A, 1): 1_obj
    noobj = 1.0 - obj
    p_c = sigmoids[..., 0:1]
    xy_error = (sigmoids[..., 1:3] - Y[..., 1:3]) * obj
    # NOTE: √b̂ = √(anchor·e^t) stays smooth in t; √b of the target is a constant (0 in
    # empty slots, where 1_obj removes the term anyway).
    hw_error = (F.sqrt(sizes) - np.sqrt(np.maximum(Y[..., 3:5], 0))) * obj
    class_error = (probabilities - Y[..., 5:]) * obj
    return {
        "xy": (xy_error * xy_error).sum() * (lambda_coord / m),
        "hw": (hw_error * hw_error).sum() * (lambda_coord / m),
        "object": (((p_c - 1.0) * obj) ** 2).sum() * (1.0 / m),
        "no_object": ((p_c * noobj) ** 2).sum() * (lambda_noobj / m),
        "class": (class_error * class_error).sum() * (1.0 / m),
    }


def yolo_loss(feats, Y, anchors, lambda_coord: float = LAMBDA_COORD,
              lambda_noobj: float = LAMBDA_NOOBJ) -> Tensor:
    """The YOLO cost J of a mini-batch (see the module's docstring for the formula).

    Use it with ``fit`` through ``functools.partial(yolo_loss, anchors=anchors)``, whose
    J(Z, Y) takes the raw output Z and the target volume Y.

    Args:
        feats: (m, S, S, A, 5 + C) raw model output [t_o, t_x, t_y, t_h, t_w, t_c…] (Tensor).
        Y: (m, S, S, A, 5 + C) target volume of [p_c, b_x, b_y, b_h, b_w, c_1 … c_C].
        anchors: (A, 2) (w, h) pairs in grid-cell units.
        lambda_coord: weight of the box terms (the paper's 5).
        lambda_noobj: weight of the no-object term (the paper's 0.5).

    Returns:
        scalar Tensor J.

    Raises:
        ValueError: feats not (m, S, S, A, 5 + C) matching the anchors, Y of another shape,
            or a negative weight.
    """
    terms = yolo_loss_terms(feats, Y, anchors, lambda_coord, lambda_noobj)
    total = terms["xy"]
    for name in ("hw", "object", "no_object", "class"):
        total = total + terms[name]
    return total
