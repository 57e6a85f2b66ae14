"""Bounding boxes: corner and centre forms, intersection over union, non-max suppression.

Coordinates follow the course: the image's top-left corner is (0, 0) and its bottom-right
(1, 1); x grows to the right, y downwards. Two forms of a box, each a last axis of 4:

- corner form (x1, y1, x2, y2): the top-left and bottom-right corners, x1 <= x2, y1 <= y2;
- centre form (b_x, b_y, b_h, b_w): the midpoint, then the height and the width — the course's
  order, height before width (the output y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_C]).

``iou`` and ``nms`` take corner form. Everything here is plain NumPy (no gradients): boxes are
compared and filtered, never trained through. Validation happens once, at each public
function, and names it.

Example:
    >>> float(iou([[2, 1, 4, 3]], [[1, 2, 3, 4]])[0, 0])  # the course's worked example
    0.14285714285714285
"""
from __future__ import annotations

import numpy as np

from npdeep.validation import check_int, check_probability

__all__ = ["corners_to_centers", "centers_to_corners", "iou", "nms", "batched_nms", "check_boxes"]


def _as_float(boxes, where: str, name: str) -> np.ndarray:
    """``boxes`` as a float array (float32/float64 kept, anything else float64)."""
    array = np.asarray(boxes.data if hasattr(boxes, "requires_grad") else boxes)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{where}: {name} must be a numeric array; got dtype {array.dtype}")
    if array.dtype.kind != "f" or array.dtype == np.float16:
        array = array.astype(np.float64)
    return array


def _check_finite(array: np.ndarray, where: str, name: str, form: str) -> None:
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0][:-1]
        raise ValueError(f"{where}: {name} of shape {array.shape} holds NaN or inf "
                         f"(first at box {tuple(int(i) for i in bad)}); boxes in {form} must "
                         f"be finite")


def check_boxes(boxes, where: str, name: str = "boxes", ndim: int | None = None) -> np.ndarray:
    """``boxes`` in corner form as a float array of shape (..., 4), validated.

    Args:
        boxes: array-like (..., 4) of (x1, y1, x2, y2).
        where: the public function, for the message.
        name: the argument's name, for the message.
        ndim: when given, the exact number of axes required (2 for (N, 4)).

    Raises:
        ValueError: on a last axis other than 4 (or a wrong number of axes), NaN or inf, or a
            negative size (x2 < x1 or y2 < y1), naming ``where``, ``name`` and the shape.
    """
    array = _as_float(boxes, where, name)
    expected = "(N, 4)" if ndim == 2 else "(..., 4)"
    if array.ndim == 0 or array.shape[-1] != 4 or (ndim is not None and array.ndim != ndim):
        raise ValueError(f"{where}: {name} must have shape {expected} in corner form "
                         f"(x1, y1, x2, y2); got {array.shape}")
    _check_finite(array, where, name, "corner form")
    negative = (array[..., 2] < array[..., 0]) | (array[..., 3] < array[..., 1])
    if np.any(negative):
        first = tuple(int(i) for i in np.argwhere(negative)[0])
        raise ValueError(f"{where}: {name} of shape {array.shape} has {int(negative.sum())} "
                         f"box(es) with x2 < x1 or y2 < y1 (negative size), first at {first}: "
                         f"{array[first].tolist()}; corner form is (x1, y1, x2, y2) with the "
                         f"top-left corner first")
    return array


def corners_to_centers(boxes) -> np.ndarray:
    """Corner form (x1, y1, x2, y2) -> the course's centre form (b_x, b_y, b_h, b_w).

    b_x = (x1 + x2)/2, b_y = (y1 + y2)/2, b_h = y2 − y1, b_w = x2 − x1.

    Args:
        boxes: (..., 4) in corner form.

    Returns:
        (..., 4) in centre form, height before width.

    Raises:
        ValueError: wrong last axis, NaN/inf, or x2 < x1 or y2 < y1.

    Example:
        >>> corners_to_centers([0.25, 0.5, 0.75, 1.0]).tolist()
        [0.5, 0.75, 0.5, 0.5]
    """
    corners = check_boxes(boxes, "corners_to_centers")
    x1, y1, x2, y2 = (corners[..., i] for i in range(4))
    return np.stack([(x1 + x2) / 2, (y1 + y2) / 2, y2 - y1, x2 - x1], axis=-1)


def centers_to_corners(boxes) -> np.ndarray:
    """The course's centre form (b_x, b_y, b_h, b_w) -> corner form (x1, y1, x2, y2).

    x1 = b_x − b_w/2, y1 = b_y − b_h/2, x2 = b_x + b_w/2, y2 = b_y + b_h/2.

    Args:
        boxes: (..., 4) in centre form, height before width.

    Returns:
        (..., 4) in corner form.

    Raises:
        ValueError: wrong last axis, NaN/inf, or b_h < 0 or b_w < 0.

    Example:
        >>> centers_to_corners([0.5, 0.75, 0.5, 0.5]).tolist()
        [0.25, 0.5, 0.75, 1.0]
    """
    centers = _as_float(boxes, "centers_to_corners", "boxes")
    if centers.ndim == 0 or centers.shape[-1] != 4:
        raise ValueError(f"centers_to_corners: boxes must have shape (..., 4) in centre form "
                         f"(b_x, b_y, b_h, b_w); got {centers.shape}")
    _check_finite(centers, "centers_to_corners", "boxes", "centre form")
    b_x, b_y, b_h, b_w = (centers[..., i] for i in range(4))
    if np.any(b_h < 0) or np.any(b_w < 0):
        first = tuple(int(i) for i in np.argwhere((b_h < 0) | (b_w < 0))[0])
        raise ValueError(f"centers_to_corners: boxes of shape {centers.shape} has a negative "
                         f"height b_h or width b_w, first at {first}: "
                         f"{centers[first].tolist()}; centre form is (b_x, b_y, b_h, b_w)")
    return np.stack([b_x - b_w / 2, b_y - b_h / 2, b_x + b_w / 2, b_y + b_h / 2], axis=-1)


def _pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of validated (N, 4) and (M, 4) corner boxes -> (N, M), no checks."""
    a = a[:, None, :]  # (N, 1, 4)
    b = b[None, :, :]  # (1, M, 4)
    inter_w = np.maximum(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0)
    inter_h = np.maximum(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0)
    inter = inter_w * inter_h  # (N, M)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    # NOTE: no epsilon in the denominator: one would move a pair whose IoU is exactly the NMS
    # threshold (0.5 with boxes of binary-fraction sides) to just below it. union is 0 only
    # when both boxes have zero area (then inter is 0 too); such a pair's IoU is defined as 0.
    empty = union <= 0
    return np.where(empty, 0.0, inter / np.where(empty, 1.0, union)).astype(inter.dtype)


def iou(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every pair of boxes, vectorized.

    IoU = area(A ∩ B) / area(A ∪ B), with area(A ∪ B) = area(A) + area(B) − area(A ∩ B).
    Boxes that only touch (an edge or a corner in common) have IoU 0. A pair of zero-area
    boxes has an empty union; its IoU is defined as 0 (even for two equal points), so a
    degenerate box never suppresses another in ``nms``. A zero-area box against a box with
    area has IoU 0 by the formula.

    Args:
        boxes_a: (N, 4) in corner form (x1, y1, x2, y2).
        boxes_b: (M, 4) in corner form.

    Returns:
        (N, M): IoU of boxes_a[i] and boxes_b[j], in [0, 1], float64 unless both inputs
        are float32.

    Raises:
        ValueError: a shape other than (N, 4), NaN/inf, or a box with x2 < x1 or y2 < y1.

    Example:
        >>> iou([[2, 1, 4, 3]], [[1, 2, 3, 4]]).round(6).tolist()  # 1 / 7
        [[0.142857]]
    """
    a = check_boxes(boxes_a, "iou", "boxes_a", ndim=2)
    b = check_boxes(boxes_b, "iou", "boxes_b", ndim=2)
    dtype = np.result_type(a, b)
    return _pairwise_iou(a.astype(dtype, copy=False), b.astype(dtype, copy=False))


def _check_scores(scores, n_boxes: int, where: str, boxes_shape: tuple) -> np.ndarray:
    array = _as_float(scores, where, "scores")
    if array.shape != (n_boxes,):
        raise ValueError(f"{where}: scores must have shape (N,) = ({n_boxes},), one per box of "
                         f"boxes {boxes_shape}; got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: scores of shape {array.shape} holds NaN or inf")
    return array


def _check_thresholds(where: str, iou_threshold, score_threshold, max_boxes):
    iou_threshold = check_probability(iou_threshold, "iou_threshold", where)
    score_threshold = check_probability(score_threshold, "score_threshold", where)
    if max_boxes is not None:
        max_boxes = check_int(max_boxes, "max_boxes", where, low=1)
    return iou_threshold, score_threshold, max_boxes


def _best_first(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """``candidates`` (indices) sorted by score, highest first; equal scores by index."""
    # A stable sort of −score keeps equal scores in index order (−0.0 == 0.0 ties too).
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def _greedy_nms(boxes, scores, candidates, iou_threshold, max_boxes) -> list:
    """The course's loop on validated inputs: indices kept, best first."""
    remaining = _best_first(scores, candidates)
    keep = []
    while remaining.size and (max_boxes is None or len(keep) < max_boxes):
        best = remaining[0]
        keep.append(int(best))
        rest = remaining[1:]
        overlap = _pairwise_iou(boxes[best][None, :], boxes[rest])[0]  # (len(rest),)
        remaining = rest[overlap < iou_threshold]
    return keep


def nms(boxes, scores, iou_threshold: float = 0.5, score_threshold: float = 0.6,
        max_boxes: int | None = None) -> np.ndarray:
    """Non-max suppression, as the course describes it.

    1. Discard every box whose score p_c is below ``score_threshold`` (p_c >= threshold stays).
    2. While boxes remain: output the one with the largest p_c, and discard every remaining
       box whose IoU with it is >= ``iou_threshold`` (so at 0.5 a pair overlapping by IoU
       exactly 0.5 is suppressed).
    3. Stop early once ``max_boxes`` boxes are output.

    Equal scores are taken in index order (the lower index first), so the result is
    deterministic. Classes are ignored: use ``batched_nms`` to suppress within each class only.
    Edge cases of the rule: iou_threshold=0 keeps only the best box (every IoU is >= 0);
    iou_threshold=1 suppresses only exact duplicates.

    Args:
        boxes: (N, 4) in corner form (x1, y1, x2, y2).
        scores: (N,) the p_c (or p_c·c_i) of each box.
        iou_threshold: in [0, 1].
        score_threshold: in [0, 1].
        max_boxes: at most this many indices are returned (None: no cap).

    Returns:
        (K,) int64 indices into ``boxes``, highest score first; K = 0 for no box.

    Raises:
        ValueError: boxes not (N, 4) or with a negative size, scores not (N,), NaN/inf,
            thresholds outside [0, 1], max_boxes < 1.

    Example:
        >>> nms([[0, 0, .5, .5], [0, 0, .5, .4], [.5, .5, 1, 1]], [.9, .8, .7]).tolist()
        [0, 2]
    """
    boxes = check_boxes(boxes, "nms", "boxes", ndim=2)
    scores = _check_scores(scores, len(boxes), "nms", boxes.shape)
    iou_threshold, score_threshold, max_boxes = _check_thresholds(
        "nms", iou_threshold, score_threshold, max_boxes)
    candidates = np.flatnonzero(scores >= score_threshold)
    keep = _greedy_nms(boxes, scores, candidates, iou_threshold, max_boxes)
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes, scores, classes, iou_threshold: float = 0.5,
                score_threshold: float = 0.6, max_boxes: int | None = None) -> np.ndarray:
    """Non-max suppression within each class: a box never suppresses a box of another class.

    ``nms`` runs on each class's boxes separately; the kept indices of all classes are then
    merged, highest score first (equal scores in index order), and cut to ``max_boxes`` in
    total.

    Args:
        boxes: (N, 4) in corner form.
        scores: (N,) scores.
        classes: (N,) integer class of each box.
        iou_threshold, score_threshold, max_boxes: as in ``nms``; max_boxes caps the total.

    Returns:
        (K,) int64 indices into ``boxes``, highest score first.

    Raises:
        ValueError: as ``nms``, and classes not (N,) integers.

    Example:
        >>> batched_nms([[0, 0, .5, .5], [0, 0, .5, .4]], [.9, .8], [0, 1]).tolist()
        [0, 1]
    """
    boxes = check_boxes(boxes, "batched_nms", "boxes", ndim=2)
    scores = _check_scores(scores, len(boxes), "batched_nms", boxes.shape)
    classes = np.asarray(classes)
    if classes.shape != (len(boxes),):
        raise ValueError(f"batched_nms: classes must have shape (N,) = ({len(boxes)},), one "
                         f"per box of boxes {boxes.shape}; got {classes.shape}")
    if classes.size and classes.dtype.kind not in "iu":
        raise ValueError(f"batched_nms: classes must be integers; got dtype {classes.dtype}")
    iou_threshold, score_threshold, max_boxes = _check_thresholds(
        "batched_nms", iou_threshold, score_threshold, max_boxes)
    passing = scores >= score_threshold
    keep = []
    for c in np.unique(classes[passing]):
        candidates = np.flatnonzero(passing & (classes == c))
        keep += _greedy_nms(boxes, scores, candidates, iou_threshold, max_boxes)
    keep = _best_first(scores, np.asarray(sorted(keep), dtype=np.int64))
    return keep if max_boxes is None else keep[:max_boxes]
