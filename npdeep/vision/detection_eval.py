"""Mean average precision of a detector, PASCAL VOC style (Everingham et al. 2010).

For each class, every detection of that class over all images is taken in order of falling
score; a detection is a true positive when its IoU with a not yet matched true box of its
class in its image is >= ``iou_threshold`` (the best-overlapping true box is the one tried),
and a false positive otherwise — a second detection of an already matched object included.
Precision and recall after each detection trace the precision-recall curve; the average
precision (AP) is the area under it with precision made monotone (all-point interpolation,
VOC 2010 onwards):

    AP = Σ_k (r_k − r_{k−1}) · max_{k' >= k} p_{k'}

over the detections k, r_0 = 0. mAP is the mean of the classes' APs. A class with no true box
in any image has no AP (NaN) and is left out of the mean.
"""
from __future__ import annotations

import numpy as np

from npdeep.validation import check_int, check_probability
from npdeep.vision.boxes import check_boxes, iou

__all__ = ["average_precision", "match_detections", "mean_average_precision"]


def average_precision(recall, precision) -> float:
    """Area under a precision-recall curve with all-point interpolation (VOC 2010+).

    Args:
        recall: (K,) recall after each of the K ranked detections (non-decreasing).
        precision: (K,) precision after each.

    Returns:
        AP in [0, 1]: Σ over recall steps of Δr times the highest precision at that recall or
        beyond.

    Example:
        >>> average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3])
        0.8333333333333333
    """
    recall = np.concatenate([[0.0], np.asarray(recall, dtype=np.float64), [1.0]])
    precision = np.concatenate([[0.0], np.asarray(precision, dtype=np.float64), [0.0]])
    # The precision envelope: from the right, each point takes the best precision to its right.
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def match_detections(pred_boxes, pred_scores, true_boxes, iou_threshold: float = 0.5) -> tuple:
    """True/false positives of one class's detections over all images, in ranked order.

    Args:
        pred_boxes: list of per-image (K_n, 4) corner-form detections of the class.
        pred_scores: list of per-image (K_n,) scores.
        true_boxes: list of per-image (G_n, 4) true boxes of the class.
        iou_threshold: the least IoU that matches.

    Returns:
        (tp (K,) bool in order of falling score — equal scores in image then index order —,
        n_true the number of true boxes).
    """
    scores = [np.asarray(s, dtype=np.float64).reshape(-1) for s in pred_scores]
    image = np.repeat(np.arange(len(scores)), [len(s) for s in scores])  # (K,) image n
    index = np.concatenate([np.zeros(0, np.intp)] + [np.arange(len(s)) for s in scores])
    # Falling score; a stable sort keeps ties in image then index order.
    order = np.argsort(-np.concatenate([np.zeros(0)] + scores), kind="stable")
    matched = [np.zeros(len(t), dtype=bool) for t in true_boxes]
    overlaps = [iou(p, t) if len(p) and len(t) else None
                for p, t in zip(pred_boxes, true_boxes)]
    tp = np.zeros(len(order), dtype=bool)
    for rank, (n, k) in enumerate(zip(image[order].tolist(), index[order].tolist())):
        if overlaps[n] is None:
            continue
        best = int(np.argmax(overlaps[n][k]))
        if overlaps[n][k, best] >= iou_threshold and not matched[n][best]:
            matched[n][best] = True
            tp[rank] = True
    return tp, int(sum(len(t) for t in true_boxes))


def _per_image(values, m: int, name: str, where: str) -> list:
    values = list(values)
    if len(values) != m:
        raise ValueError(f"{where}: {name} has {len(values)} images but true_boxes has {m}; "
                         "pass one entry per image")
    return values


def mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes,
                           C: int, iou_threshold: float = 0.5) -> tuple:
    """mAP@iou_threshold of per-image detections against per-image true boxes (VOC style).

    Args:
        pred_boxes: list of m arrays (K_n, 4), corner form (x1, y1, x2, y2).
        pred_scores: list of m arrays (K_n,).
        pred_classes: list of m integer arrays (K_n,) in [0, C).
        true_boxes: list of m arrays (G_n, 4), corner form.
        true_classes: list of m integer arrays (G_n,) in [0, C).
        C: the number of classes.
        iou_threshold: a detection matches a true box at IoU >= this (0.5 for mAP@0.5).

    Returns:
        (mAP, ap): the mean over classes with true boxes, and (C,) the AP of each class (NaN
        for a class without true boxes). mAP is NaN when no class has a true box.

    Raises:
        ValueError: lists of different lengths, boxes not (K, 4) in corner form, or boxes,
            scores and classes of one image of different lengths.

    Example:
        >>> mean_average_precision([[[0, 0, 1, 1]]], [[0.9]], [[0]], [[[0, 0, 1, 1]]], [[0]],
        ...                        C=1)
        (1.0, array([1.]))
    """
    where = "mean_average_precision"
    C = check_int(C, "C", where)
    iou_threshold = check_probability(iou_threshold, "iou_threshold", where)
    m = len(true_boxes)
    pred_boxes = _per_image(pred_boxes, m, "pred_boxes", where)
    pred_scores = _per_image(pred_scores, m, "pred_scores", where)
    pred_classes = _per_image(pred_classes, m, "pred_classes", where)
    true_classes = _per_image(true_classes, m, "true_classes", where)
    images = []
    for n in range(m):
        p = check_boxes(np.asarray(pred_boxes[n], dtype=np.float64).reshape(-1, 4), where,
                        f"pred_boxes[{n}]", ndim=2)
        t = check_boxes(np.asarray(true_boxes[n], dtype=np.float64).reshape(-1, 4), where,
                        f"true_boxes[{n}]", ndim=2)
        s = np.asarray(pred_scores[n], dtype=np.float64).reshape(-1)
        pc = np.asarray(pred_classes[n]).reshape(-1).astype(np.int64)
        tc = np.asarray(true_classes[n]).reshape(-1).astype(np.int64)
        if not len(s) == len(pc) == len(p) or len(tc) != len(t):
            raise ValueError(f"{where}: image {n} has {len(p)} pred_boxes, {len(s)} "
                             f"pred_scores and {len(pc)} pred_classes, {len(t)} true_boxes and "
                             f"{len(tc)} true_classes; each pair must match")
        images.append((p, s, pc, t, tc))
    ap = np.full(C, np.nan)
    for c in range(C):
        tp, n_true = match_detections([p[pc == c] for p, _, pc, _, _ in images],
                                      [s[pc == c] for _, s, pc, _, _ in images],
                                      [t[tc == c] for _, _, _, t, tc in images], iou_threshold)
        if n_true == 0:
            continue
        if not len(tp):
            ap[c] = 0.0
            continue
        true_positives = np.cumsum(tp)
        recall = true_positives / n_true
        precision = true_positives / np.arange(1, len(tp) + 1)
        ap[c] = average_precision(recall, precision)
    counted = ap[~np.isnan(ap)]
    return (float(counted.mean()) if len(counted) else float("nan")), ap
