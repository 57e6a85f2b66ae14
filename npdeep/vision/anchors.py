"""Anchor boxes: given by hand, loaded from a file, or found by k-means with 1 − IoU.

An anchor is a box shape without a position: a (w, h) pair. A set of A anchors is an (A, 2)
array in the order of YOLOv2's configuration files and the course's ``yolo_anchors.txt``:
width first, then height, in any one unit (grid cells there, image fractions here — the
comparisons below depend only on the ratios). Anchors given by hand are just such an array,
checked with ``check_anchors``.

Shapes are compared by ``wh_iou``: the IoU of two boxes placed at a common centre, so only
their sizes matter. YOLOv2 (Redmon & Farhadi 2017, section 2 "Dimension Clusters") runs
k-means on the training boxes' (w, h) with d(box, centroid) = 1 − IoU(box, centroid) instead of
the Euclidean distance, which would let large boxes dominate; ``kmeans_anchors`` does that.
"""
from __future__ import annotations

import numpy as np

from npdeep.validation import check_int

__all__ = ["check_anchors", "wh_iou", "mean_best_iou", "kmeans_anchors", "load_anchors"]


def check_anchors(wh, where: str = "check_anchors", name: str = "anchors") -> np.ndarray:
    """``wh`` as a float64 (A, 2) array of (w, h) pairs, each finite and > 0.

    Raises:
        ValueError: a shape other than (A, 2), NaN/inf, or a width or height <= 0, naming
            ``where`` and ``name``.

    Example:
        >>> check_anchors([[0.2, 0.4], [0.5, 0.5]]).shape
        (2, 2)
    """
    array = np.asarray(wh, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{where}: {name} must have shape (A, 2) of (w, h) pairs; "
                         f"got {array.shape}")
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{where}: every (w, h) of {name} {array.shape} must be finite and > 0; "
                         f"got {array[~np.all(np.isfinite(array) & (array > 0), axis=1)][:3]}")
    return array


def wh_iou(wh_a, wh_b) -> np.ndarray:
    """IoU of box shapes placed at a common centre, for every pair.

    IoU = min(w_a, w_b)·min(h_a, h_b) / (w_a·h_a + w_b·h_b − min(w_a, w_b)·min(h_a, h_b)).

    Args:
        wh_a: (N, 2) of (w, h), > 0.
        wh_b: (M, 2) of (w, h), > 0.

    Returns:
        (N, M) in (0, 1].

    Example:
        >>> wh_iou([[2, 1]], [[1, 2]]).tolist()  # a 2x1 and a 1x2 box: 1 / 3
        [[0.3333333333333333]]
    """
    a = check_anchors(wh_a, "wh_iou", "wh_a")[:, None, :]  # (N, 1, 2)
    b = check_anchors(wh_b, "wh_iou", "wh_b")[None, :, :]  # (1, M, 2)
    inter = np.minimum(a[..., 0], b[..., 0]) * np.minimum(a[..., 1], b[..., 1])  # (N, M)
    return inter / (a[..., 0] * a[..., 1] + b[..., 0] * b[..., 1] - inter)


def mean_best_iou(wh, anchors) -> float:
    """The mean over boxes of the IoU with their best anchor: YOLOv2's "Avg IoU" (Table 1).

    Args:
        wh: (N, 2) box shapes, N >= 1.
        anchors: (A, 2) anchor shapes.
    """
    wh = check_anchors(wh, "mean_best_iou", "wh")
    return float(wh_iou(wh, anchors).max(axis=1).mean())


def kmeans_anchors(wh, k: int, seed: int = 0, iterations: int = 100) -> np.ndarray:
    """k anchor shapes by k-means on box shapes with the distance 1 − IoU (YOLOv2's way).

    Lloyd's algorithm: each box goes to the centroid it overlaps most (smallest 1 − IoU,
    boxes aligned at a common centre), each centroid moves to the mean (w, h) of its boxes,
    until the assignment no longer changes or ``iterations`` is reached. Initialization is
    k-means++ under the same distance (Arthur & Vassilvitskii 2007), so the result depends
    only on ``seed``. A centroid that loses all its boxes moves to the box farthest from its
    own centroid.

    Args:
        wh: (N, 2) widths and heights of the training boxes, N >= k (for corner boxes:
            ``boxes[:, 2:] - boxes[:, :2]``).
        k: the number of anchors A.
        seed: seeds the initialization.
        iterations: the most assignment/update rounds.

    Returns:
        (k, 2) anchors (w, h), sorted by area, smallest first.

    Raises:
        ValueError: wh not (N, 2) positive finite pairs, k < 1 or k > N.

    Example:
        >>> wh = [[0.1, 0.1], [0.11, 0.1], [0.5, 0.25], [0.5, 0.26]]
        >>> kmeans_anchors(wh, 2).round(3).tolist()
        [[0.105, 0.1], [0.5, 0.255]]
    """
    wh = check_anchors(wh, "kmeans_anchors", "wh")
    k = check_int(k, "k", "kmeans_anchors", low=1)
    iterations = check_int(iterations, "iterations", "kmeans_anchors", low=1)
    if k > len(wh):
        raise ValueError(f"kmeans_anchors: k = {k} anchors need at least as many boxes; wh has "
                         f"shape {wh.shape}")
    rng = np.random.default_rng(seed)
    centroids = _kmeans_plus_plus(wh, k, rng)
    assignment = None
    for _ in range(iterations):
        distance = 1.0 - wh_iou(wh, centroids)  # (N, k)
        new = distance.argmin(axis=1)  # (N,)
        if assignment is not None and np.array_equal(new, assignment):
            break
        assignment = new
        for j in range(k):
            members = assignment == j
            if members.any():
                centroids[j] = wh[members].mean(axis=0)
            else:
                # NOTE: an empty cluster would stay put forever; restart it on the box worst
                # served by its centroid, which is what the other clusters fit least.
                own = distance[np.arange(len(wh)), assignment]
                far = int(own.argmax())
                centroids[j] = wh[far]
                assignment[far] = j
    return centroids[np.argsort(centroids[:, 0] * centroids[:, 1], kind="stable")]


def _kmeans_plus_plus(wh: np.ndarray, k: int, rng) -> np.ndarray:
    """k initial centroids: the first at random, each next with probability ∝ d², d = 1 − IoU."""
    centroids = [wh[rng.integers(len(wh))]]
    for _ in range(1, k):
        d = 1.0 - wh_iou(wh, np.array(centroids)).max(axis=1)  # to the nearest centroid
        weights = d ** 2
        if weights.sum() <= 0:  # fewer distinct shapes than k: any box will do
            centroids.append(wh[rng.integers(len(wh))])
        else:
            centroids.append(wh[rng.choice(len(wh), p=weights / weights.sum())])
    return np.array(centroids, dtype=np.float64)


def load_anchors(path, line: int = 0) -> np.ndarray:
    """Anchors from a text file of comma-separated w, h values, YOLOv2's ``anchors=`` format.

    Lines starting with ``#`` and blank lines are skipped; each remaining line is one anchor
    set ``w1, h1, w2, h2, …`` (the course's ``yolo_anchors.txt`` has one line). In the shared
    YOLOv2 file, line 0 holds the COCO anchors and line 1 the VOC ones, in grid-cell units
    (divide by the grid size S to get image fractions).

    Args:
        path: the file.
        line: which anchor set (0-based, counting data lines only).

    Returns:
        (A, 2) float64 anchors (w, h).

    Raises:
        ValueError: no such line, an odd number of values, or a value that is not a positive
            number.
    """
    with open(path, encoding="utf-8") as f:
        rows = [text.strip() for text in f]
    rows = [text for text in rows if text and not text.startswith("#")]
    if not 0 <= line < len(rows):
        raise ValueError(f"load_anchors: {path} has {len(rows)} anchor line(s); line {line} "
                         f"does not exist")
    try:
        values = [float(v) for v in rows[line].replace(",", " ").split()]
    except ValueError as error:
        raise ValueError(f"load_anchors: line {line} of {path} is not comma-separated numbers: "
                         f"{error}") from None
    if len(values) % 2:
        raise ValueError(f"load_anchors: line {line} of {path} has {len(values)} values; "
                         f"anchors come in (w, h) pairs")
    return check_anchors(np.array(values).reshape(-1, 2), "load_anchors", f"line {line}")
