"""YOLO: the target volume, the model's outputs as boxes, and the course's filtering pipeline.

YOLO (Redmon et al. 2016; YOLOv2, Redmon & Farhadi 2017) lays an S×S grid over the image and
gives every cell A anchor boxes. For each (cell, anchor) the network outputs 5 + C numbers, so
its output is a volume (m, S, S, A, 5 + C); in the course's notation each anchor's slot holds

    y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_C]

- p_c: is there an object whose midpoint falls in this cell (assigned to this anchor)?
- b_x, b_y: the midpoint, relative to the cell: (0, 0) its top-left corner, (1, 1) its
  bottom-right, so in (0, 1).
- b_h, b_w: the height and width in units of the cell's side (above 1 for an object larger
  than a cell). Height before width, the course's order.
- c_1 … c_C: the class (one-hot in a target, probabilities in a prediction).

Axis 1 of the volume is the grid's row i (y), axis 2 its column j (x). Anchors are (A, 2)
arrays of (w, h) pairs in grid-cell units — the order of YOLOv2's configuration files and the
course's ``yolo_anchors.txt`` (width first, unlike b_h, b_w) — as made by
:func:`npdeep.vision.anchors.kmeans_anchors` on image-fraction (w, h) times S.

The model's raw output t becomes a prediction as YOLOv2 does (section 2, "Direct location
prediction"): p_c = σ(t_o), b_x = σ(t_x), b_y = σ(t_y), b_h = anchor_h·e^(t_h),
b_w = anchor_w·e^(t_w), and the class probabilities softmax(t_c). The cost is in
:mod:`npdeep.vision.yolo_loss`.

The course's pipeline on one image's predictions: ``yolo_head`` (raw output -> box_xy,
box_wh, box_confidence, box_class_probs), ``yolo_boxes_to_corners``, ``yolo_filter_boxes``
(score = p_c·c_i of the best class, kept when >= threshold), ``scale_boxes`` to pixels, and
``yolo_non_max_suppression`` (per class); ``yolo_eval`` runs them in that order.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep import functional as F
from npdeep.autograd import no_grad
from npdeep.functional.activation import stable_sigmoid
from npdeep.tensor import Tensor, as_tensor
from npdeep.train.evaluate import predict
from npdeep.validation import check_int, check_probability
from npdeep.vision.anchors import check_anchors, wh_iou
from npdeep.vision.boxes import batched_nms, centers_to_corners, check_boxes, corners_to_centers

__all__ = ["encode_targets", "decode", "yolo_predictions", "yolo_head", "yolo_boxes_to_corners",
           "yolo_filter_boxes", "scale_boxes", "yolo_non_max_suppression", "yolo_eval",
           "check_volume", "detect"]


def check_volume(volume, anchors, where: str, name: str = "volume") -> tuple:
    """``volume`` (m, S, S, A, 5 + C) as an array, and the anchors as (A, 2), checked together.

    Returns:
        (array, anchors, S, A, C).

    Raises:
        ValueError: a volume that is not 5-D with a square grid and 5 + C >= 6 entries per
            anchor, or anchors not (A, 2) with A matching axis 3.
    """
    array = np.asarray(volume.data if isinstance(volume, Tensor) else volume)
    anchors = check_anchors(anchors, where)
    if array.ndim != 5 or array.shape[1] != array.shape[2] or array.shape[4] < 6:
        raise ValueError(f"{where}: {name} must have shape (m, S, S, A, 5 + C) with C >= 1; got "
                         f"{array.shape}")
    if array.shape[3] != len(anchors):
        raise ValueError(f"{where}: {name} of shape {array.shape} has A = {array.shape[3]} "
                         f"anchors on axis 3, but anchors has {len(anchors)} rows")
    return array, anchors, array.shape[1], array.shape[3], array.shape[4] - 5


def _assign_anchor(order: np.ndarray, taken: np.ndarray) -> int | None:
    """The first anchor in ``order`` not yet taken in this cell, or None when all are."""
    for a in order:
        if not taken[a]:
            return int(a)
    return None


def encode_targets(boxes_per_image, classes_per_image, S: int, anchors, C: int,
                   dtype=None) -> np.ndarray:
    """The YOLO target volume of a batch of images.

    Each object goes to the grid cell holding its midpoint — row i = ⌊b_y·S⌋, column
    j = ⌊b_x·S⌋ for image-fraction midpoints (a midpoint on the image's right or bottom edge
    goes to the last cell) — and, within it, to the anchor whose shape overlaps the object's
    most (IoU with both placed at a common centre). Its slot gets p_c = 1, the midpoint
    relative to the cell, its size in cell units, and the one-hot class. When that anchor is
    already taken by another object of the same cell, the object takes the next best free one;
    when all A are taken, it is left out (so use enough anchors, or a finer grid, for crowded
    images). Every other slot is all zeros (p_c = 0: its other entries are ignored by the
    loss).

    Args:
        boxes_per_image: a list of m arrays (k_i, 4), corner form (x1, y1, x2, y2) in [0, 1].
        classes_per_image: a list of m integer arrays (k_i,) in [0, C).
        S: the grid's side (int >= 1).
        anchors: (A, 2) (w, h) pairs in grid-cell units.
        C: the number of classes.
        dtype: of the volume (npdeep's default dtype when None).

    Returns:
        (m, S, S, A, 5 + C) volume of [p_c, b_x, b_y, b_h, b_w, c_1 … c_C].

    Raises:
        ValueError: lists of different lengths, a box not in corner form, boxes and classes
            of different lengths, or a class outside [0, C).

    Example:
        >>> Y = encode_targets([[[0.1, 0.1, 0.3, 0.5]]], [[2]], S=2, anchors=[[1, 1]], C=3,
        ...                    dtype=np.float64)
        >>> Y[0, 0, 0, 0].round(3).tolist()  # midpoint (0.2, 0.3) in cell (0, 0)
        [1.0, 0.4, 0.6, 0.8, 0.4, 0.0, 0.0, 1.0]
    """
    where = "encode_targets"
    S = check_int(S, "S", where)
    C = check_int(C, "C", where)
    anchors = check_anchors(anchors, where)
    if len(boxes_per_image) != len(classes_per_image):
        raise ValueError(f"{where}: boxes_per_image has {len(boxes_per_image)} images but "
                         f"classes_per_image has {len(classes_per_image)}")
    m, A = len(boxes_per_image), len(anchors)
    volume = np.zeros((m, S, S, A, 5 + C), dtype=dtype or backend.get_default_dtype())
    for n, (boxes, classes) in enumerate(zip(boxes_per_image, classes_per_image)):
        boxes = check_boxes(np.asarray(boxes, dtype=np.float64).reshape(-1, 4), where,
                            f"boxes_per_image[{n}]", ndim=2)
        classes = np.asarray(classes).reshape(-1)
        if len(classes) != len(boxes):
            raise ValueError(f"{where}: image {n} has {len(boxes)} boxes but {len(classes)} "
                             "classes")
        if len(classes) and (classes.dtype.kind not in "iu" or classes.min() < 0
                             or classes.max() >= C):
            raise ValueError(f"{where}: classes of image {n} must be integers in [0, {C}); "
                             f"got {classes.tolist()}")
        if not len(boxes):
            continue
        centres = corners_to_centers(boxes) * S  # (k, 4): (b_x, b_y, b_h, b_w) in cell units
        wh = np.maximum(centres[:, [3, 2]], 1e-12)  # zero-size boxes still get an anchor
        best_first = np.argsort(-wh_iou(wh, anchors), axis=1, kind="stable")  # (k, A)
        taken = np.zeros((S, S, A), dtype=bool)
        for k, (b_x, b_y, b_h, b_w) in enumerate(centres):
            j, i = min(int(b_x), S - 1), min(int(b_y), S - 1)
            a = _assign_anchor(best_first[k], taken[i, j])
            if a is None:
                continue
            taken[i, j, a] = True
            volume[n, i, j, a, :5] = (1.0, b_x - j, b_y - i, b_h, b_w)
            volume[n, i, j, a, 5 + int(classes[k])] = 1.0
    return volume


def _cell_offsets(S: int) -> tuple:
    """(j, i) column and row indices of every cell, shaped (1, S, S, 1) to broadcast."""
    i, j = np.meshgrid(np.arange(S), np.arange(S), indexing="ij")
    return j[None, :, :, None], i[None, :, :, None]


def decode(volume, anchors, threshold: float = 0.5, raw: bool = False) -> tuple:
    """Image boxes back from a volume: the inverse of :func:`encode_targets`.

    Every slot with score >= ``threshold`` gives a box: midpoint ((j + b_x)/S, (i + b_y)/S)
    and size (b_w/S, b_h/S) as image fractions, in corner form. Its score is p_c·c_i of its
    most likely class i (so 1 for a target's objects). No suppression is done; see
    :func:`yolo_eval` for the course's filtering and NMS.

    Args:
        volume: (m, S, S, A, 5 + C) of [p_c, b_x, b_y, b_h, b_w, c_1 … c_C] (a target, or
            predictions), or, with ``raw=True``, the model's raw output, which is first turned
            into predictions by :func:`yolo_predictions` (then the anchors give the sizes).
        anchors: (A, 2) (w, h) pairs in grid-cell units.
        threshold: the least score kept, in [0, 1].
        raw: whether ``volume`` is the model's raw output.

    Returns:
        (boxes, scores, classes): three lists of m arrays, (K_n, 4) corner form in [0, 1]
        (up to boxes larger than the image), (K_n,) and (K_n,) int64, slots in row-major
        order of (i, j, a).

    Example:
        >>> Y = encode_targets([[[0.1, 0.1, 0.3, 0.5]]], [[2]], S=2, anchors=[[1, 1]], C=3)
        >>> boxes, scores, classes = decode(Y, [[1, 1]])
        >>> boxes[0].round(6).tolist(), scores[0].tolist(), classes[0].tolist()
        ([[0.1, 0.1, 0.3, 0.5]], [1.0], [2])
    """
    where = "decode"
    array, anchors, S, A, C = check_volume(volume, anchors, where)
    threshold = check_probability(threshold, "threshold", where)
    if raw:
        with no_grad():
            array = yolo_predictions(Tensor(array), anchors).data
    j, i = _cell_offsets(S)
    centres = np.stack([(j + array[..., 1]) / S, (i + array[..., 2]) / S,
                        array[..., 3] / S, array[..., 4] / S], axis=-1)  # (m, S, S, A, 4)
    corners = centers_to_corners(centres)
    class_scores = array[..., :1] * array[..., 5:]  # (m, S, S, A, C): p_c·c_i
    best = class_scores.argmax(axis=-1)
    scores = np.take_along_axis(class_scores, best[..., None], axis=-1)[..., 0]
    out_boxes, out_scores, out_classes = [], [], []
    for n in range(len(array)):
        keep = scores[n] >= threshold
        if threshold == 0:
            keep &= array[n, ..., 0] > 0  # a target's empty slots are not boxes
        out_boxes.append(corners[n][keep])
        out_scores.append(scores[n][keep])
        out_classes.append(best[n][keep].astype(np.int64))
    return out_boxes, out_scores, out_classes


def yolo_predictions(feats, anchors) -> Tensor:
    """The model's raw output -> predictions, differentiably (YOLOv2's parameterization).

    p_c = σ(t_o), b_x = σ(t_x), b_y = σ(t_y), b_h = anchor_h·e^(t_h), b_w = anchor_w·e^(t_w),
    (c_1 … c_C) = softmax(t_c).

    Args:
        feats: (m, S, S, A, 5 + C) Tensor (or array) of raw outputs [t_o, t_x, t_y, t_h, t_w,
            t_c…].
        anchors: (A, 2) (w, h) pairs in grid-cell units.

    Returns:
        (m, S, S, A, 5 + C) Tensor of [p_c, b_x, b_y, b_h, b_w, c_1 … c_C].
    """
    check_volume(feats, anchors, "yolo_predictions", "feats")
    return F.concatenate(_prediction_parts(as_tensor(feats), check_anchors(anchors)), axis=-1)


def _prediction_parts(feats: Tensor, anchors: np.ndarray) -> tuple:
    """(p_c, b_x, b_y (…, 3) after σ; b_h, b_w (…, 2) in cells; class probabilities (…, C))."""
    dtype = feats.dtype
    # anchors are (w, h); the volume holds b_h before b_w, so the pair is flipped.
    anchor_hw = np.ascontiguousarray(anchors[:, ::-1]).astype(dtype)  # (A, 2)
    sigmoids = F.sigmoid(feats[..., 0:3])
    sizes = F.exp(feats[..., 3:5]) * anchor_hw
    probabilities = F.softmax(feats[..., 5:], axis=-1)
    return sigmoids, sizes, probabilities


def yolo_head(feats, anchors) -> tuple:
    """The course's ``yolo_head``: raw outputs -> image-fraction boxes and probabilities.

    box_xy = ((j, i) + σ(t_x, t_y)) / S; box_wh = anchors·e^(t_w, t_h) / S (width first, as
    the course); box_confidence = σ(t_o); box_class_probs = softmax(t_c). No graph is kept.

    Args:
        feats: (m, S, S, A, 5 + C) raw outputs.
        anchors: (A, 2) (w, h) in grid-cell units.

    Returns:
        box_xy (m, S, S, A, 2), box_wh (m, S, S, A, 2), box_confidence (m, S, S, A, 1),
        box_class_probs (m, S, S, A, C), NumPy arrays.
    """
    array, anchors, S, A, C = check_volume(feats, anchors, "yolo_head", "feats")
    j, i = _cell_offsets(S)
    grid = np.stack([j, i], axis=-1)  # (1, S, S, 1, 2)
    box_xy = (grid + stable_sigmoid(array[..., 1:3])) / S
    box_wh = np.exp(array[..., [4, 3]]) * anchors / S  # (t_w, t_h) × (w, h)
    box_confidence = stable_sigmoid(array[..., 0:1])
    e = np.exp(array[..., 5:] - array[..., 5:].max(axis=-1, keepdims=True))  # no overflow
    box_class_probs = e / e.sum(axis=-1, keepdims=True)
    return box_xy, box_wh, box_confidence, box_class_probs


def yolo_boxes_to_corners(box_xy, box_wh) -> np.ndarray:
    """Midpoints and sizes -> corner form (x1, y1, x2, y2).

    The course's version returns (y_min, x_min, y_max, x_max), the order TensorFlow's NMS
    takes; here boxes are in npdeep's corner form, the order ``npdeep.vision.boxes`` takes.

    Args:
        box_xy: (..., 2) midpoints (b_x, b_y); box_wh: (..., 2) sizes (w, h).

    Returns:
        (..., 4) corner form.
    """
    box_xy, box_wh = np.asarray(box_xy), np.asarray(box_wh)
    return np.concatenate([box_xy - box_wh / 2, box_xy + box_wh / 2], axis=-1)


def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold: float = .6) -> tuple:
    """Keep the boxes whose best class score p_c·c_i is >= threshold (the course's step 1).

    box_scores = box_confidence · box_class_probs; each box's class is the argmax of its
    scores and its score the max; boxes scoring below ``threshold`` are dropped.

    Args:
        box_confidence: (..., 1) p_c, e.g. (S, S, A, 1) for one image.
        boxes: (..., 4) corner form.
        box_class_probs: (..., C).
        threshold: in [0, 1].

    Returns:
        scores (K,), boxes (K, 4), classes (K,) int64 of the boxes kept.
    """
    where = "yolo_filter_boxes"
    threshold = check_probability(threshold, "threshold", where)
    box_confidence, boxes = np.asarray(box_confidence), np.asarray(boxes)
    box_class_probs = np.asarray(box_class_probs)
    lead = box_class_probs.shape[:-1]
    if box_confidence.shape != lead + (1,) or boxes.shape != lead + (4,):
        raise ValueError(f"{where}: box_confidence {box_confidence.shape}, boxes {boxes.shape} "
                         f"and box_class_probs {box_class_probs.shape} must share their leading "
                         "axes, with last axes 1, 4 and C")
    box_scores = box_confidence * box_class_probs  # (..., C)
    box_classes = box_scores.argmax(axis=-1)
    box_class_scores = box_scores.max(axis=-1)
    mask = box_class_scores >= threshold
    return box_class_scores[mask], boxes[mask], box_classes[mask].astype(np.int64)


def scale_boxes(boxes, image_shape) -> np.ndarray:
    """Image-fraction corner boxes -> pixels of an image of shape (height, width)."""
    height, width = (float(v) for v in image_shape)
    return np.asarray(boxes) * np.array([width, height, width, height])


def yolo_non_max_suppression(scores, boxes, classes, max_boxes: int = 10,
                             iou_threshold: float = 0.5) -> tuple:
    """Non-max suppression within each class, at most ``max_boxes`` kept (the course's step 2).

    The course calls TensorFlow's class-blind NMS here; suppressing only within a class
    (:func:`npdeep.vision.boxes.batched_nms`) keeps a box that overlaps one of another class,
    as overlapping shapes of different kinds need.

    Args:
        scores: (K,); boxes: (K, 4) corner form; classes: (K,) ints.
        max_boxes: the most boxes kept in all.
        iou_threshold: boxes overlapping a kept box of their class by IoU >= this go.

    Returns:
        scores, boxes, classes of the boxes kept, highest score first.
    """
    keep = batched_nms(boxes, scores, classes, iou_threshold=iou_threshold,
                       score_threshold=0.0, max_boxes=max_boxes)
    return np.asarray(scores)[keep], np.asarray(boxes)[keep], np.asarray(classes)[keep]


def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes: int = 10,
              score_threshold: float = .6, iou_threshold: float = .5) -> tuple:
    """The course's ``yolo_eval``: one image's YOLO outputs -> its final boxes.

    boxes = yolo_boxes_to_corners(box_xy, box_wh); yolo_filter_boxes(score_threshold);
    scale_boxes(image_shape); yolo_non_max_suppression(max_boxes, iou_threshold).

    Args:
        yolo_outputs: (box_xy, box_wh, box_confidence, box_class_probs) of one image, as
            :func:`yolo_head` returns them ((S, S, A, ·) or with a leading axis of 1).
        image_shape: (height, width) the boxes are scaled to; (1, 1) keeps image fractions.
            The default is the course's 720×1280 road images.
        max_boxes, score_threshold, iou_threshold: as in the two steps.

    Returns:
        scores (K,), boxes (K, 4) corner form in pixels, classes (K,).
    """
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    if np.shape(box_xy)[:1] == (1,) and np.ndim(box_xy) == 5:
        box_xy, box_wh = box_xy[0], box_wh[0]
        box_confidence, box_class_probs = box_confidence[0], box_class_probs[0]
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs,
                                               score_threshold)
    boxes = scale_boxes(boxes, image_shape)
    return yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)


def detect(model, images, anchors, score_threshold: float = .6, iou_threshold: float = .5,
           max_boxes: int = 10, mini_batch_size: int = 64) -> tuple:
    """Run a YOLO model on images and return each image's final boxes (eval mode, no graph).

    yolo_head on the model's output, then yolo_eval per image with image_shape (1, 1), so the
    boxes stay image fractions.

    Args:
        model: maps (m, n_H, n_W, n_C) images to a raw (m, S, S, A, 5 + C) volume.
        images: (m, n_H, n_W, n_C).
        anchors: (A, 2) (w, h) in grid-cell units, those the model was trained with.
        score_threshold, iou_threshold, max_boxes: as in :func:`yolo_eval`.
        mini_batch_size: images per forward pass.

    Returns:
        (boxes, scores, classes): lists of m arrays (K_n, 4), (K_n,), (K_n,).
    """
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", "detect")
    outputs = yolo_head(predict(model, images, mini_batch_size), anchors)
    out_boxes, out_scores, out_classes = [], [], []
    for n in range(len(outputs[0])):
        scores, boxes, classes = yolo_eval(tuple(o[n] for o in outputs), (1.0, 1.0),
                                           max_boxes, score_threshold, iou_threshold)
        out_boxes.append(boxes)
        out_scores.append(scores)
        out_classes.append(classes)
    return out_boxes, out_scores, out_classes
