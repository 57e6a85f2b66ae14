"""Classification with localization, and landmark detection (course 4, week 3).

One object per image. The network outputs the course's vector

    y = [p_c, b_x, b_y, b_h, b_w, c_1, …, c_C]

p_c: is there an object; (b_x, b_y) its midpoint and (b_h, b_w) its height and width, all as
fractions of the image (top-left (0, 0), bottom-right (1, 1)); c_1 … c_C: which class. Landmark
detection regresses K points (l_x, l_y) instead — 2K output units.

Choices made here (documented because the course leaves them open):

- ``LocalizationHead`` puts a sigmoid on p_c and on all four box numbers and a softmax on the
  classes. With one object inside the image, the midpoint and the size lie in [0, 1], so the
  sigmoid keeps every prediction where a target can be; the softmax makes c_1 … c_C a
  distribution. ``LandmarkHead`` puts a sigmoid on every coordinate for the same reason.
- ``localization_loss(…, loss="squared")`` is the course's cost: squared error on every
  component when an object is present (y_1 = p_c = 1) and on p_c alone when none is. Its
  ``loss="logistic"`` variant is what the course suggests one would use in practice: logistic
  loss on p_c, squared error on the box, softmax cross-entropy on the classes, the last two
  only when an object is present.
"""
from __future__ import annotations

import numpy as np

from npdeep import functional as F
from npdeep import nn
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_choice, check_int, check_probability
from npdeep.vision.boxes import centers_to_corners, check_boxes, corners_to_centers

__all__ = ["LocalizationHead", "LandmarkHead", "localization_targets", "localization_loss",
           "landmark_loss", "decode_localization"]

LOSSES = ("squared", "logistic")


class LocalizationHead(nn.Module):
    """Features -> ŷ = [σ(z_1), σ(z_2 … z_5), softmax(z_6 … z_{5+C})]: one Linear, then the
    activations.

    Args:
        n_in: features per example (n[l-1]).
        n_classes: C.

    Shape:
        input (m, n_in) -> output (m, 5 + C): p_c, b_x, b_y, b_h, b_w in (0, 1), and the C
        class probabilities, summing to 1.

    Example:
        >>> head = LocalizationHead(64, 3)
        >>> head(features).shape  # features (16, 64) -> (16, 8)
    """

    def __init__(self, n_in: int, n_classes: int):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", "LocalizationHead")
        self.n_classes = check_int(n_classes, "n_classes", "LocalizationHead")
        # Xavier: the outputs feed a sigmoid and a softmax, not a ReLU.
        self.linear = nn.Linear(n_in, 5 + n_classes, init="xavier")

    def forward(self, A_prev: Tensor) -> Tensor:
        Z = self.linear(A_prev)  # (m, 5 + C)
        return F.concatenate([F.sigmoid(Z[:, :5]), F.softmax(Z[:, 5:], axis=-1)], axis=1)

    def extra_repr(self) -> str:
        return f"{self.n_in}, n_classes={self.n_classes}"


class LandmarkHead(nn.Module):
    """Features -> K landmarks (l_x, l_y): one Linear with 2K units, then a sigmoid.

    Args:
        n_in: features per example.
        n_landmarks: K.

    Shape:
        input (m, n_in) -> output (m, 2K), ordered l_1x, l_1y, l_2x, l_2y, …, in (0, 1)
        (``.reshape(m, K, 2)`` gives the points).
    """

    def __init__(self, n_in: int, n_landmarks: int):
        super().__init__()
        self.n_in = check_int(n_in, "n_in", "LandmarkHead")
        self.n_landmarks = check_int(n_landmarks, "n_landmarks", "LandmarkHead")
        self.linear = nn.Linear(n_in, 2 * n_landmarks, init="xavier")

    def forward(self, A_prev: Tensor) -> Tensor:
        return F.sigmoid(self.linear(A_prev))  # (m, 2K)

    def extra_repr(self) -> str:
        return f"{self.n_in}, n_landmarks={self.n_landmarks}"


def localization_targets(boxes, classes, n_classes: int) -> np.ndarray:
    """The course's label vectors y from corner boxes and class indices.

    An image with class −1 holds no object: its y is [0, 0, …, 0] (the course's "?" entries,
    which the loss ignores, are written as 0).

    Args:
        boxes: (m, 4) corner form (x1, y1, x2, y2).
        classes: (m,) ints in [0, C), or −1 for no object.
        n_classes: C.

    Returns:
        (m, 5 + C) float32: [p_c, b_x, b_y, b_h, b_w, c_1 … c_C], one-hot classes.

    Example:
        >>> localization_targets([[0.25, 0.5, 0.75, 1.0]], [1], 3).tolist()
        [[1.0, 0.5, 0.75, 0.5, 0.5, 0.0, 1.0, 0.0]]
    """
    n_classes = check_int(n_classes, "n_classes", "localization_targets")
    boxes = check_boxes(boxes, "localization_targets", "boxes", ndim=2)
    classes = np.asarray(classes)
    m = len(boxes)
    if classes.shape != (m,) or (m and classes.dtype.kind not in "iu"):
        raise ValueError(f"localization_targets: classes must be (m,) = ({m},) integers; got "
                         f"shape {classes.shape}, dtype {classes.dtype}")
    if np.any((classes < -1) | (classes >= n_classes)):
        raise ValueError(f"localization_targets: classes must lie in [0, {n_classes}) or be -1 "
                         f"(no object); got values in [{classes.min()}, {classes.max()}]")
    present = classes >= 0
    y = np.zeros((m, 5 + n_classes), dtype=np.float32)
    y[present, 0] = 1
    y[present, 1:5] = corners_to_centers(boxes[present])
    y[np.flatnonzero(present), 5 + classes[present]] = 1
    return y


def _labels(y, y_hat: Tensor, where: str, expected: str, names=("y_hat", "y")) -> np.ndarray:
    y = y.data if isinstance(y, Tensor) else np.asarray(y)
    if y.shape != y_hat.shape:
        raise ValueError(f"{where}: predictions {names[0]} have shape {y_hat.shape} but labels "
                         f"{names[1]} have shape {y.shape}; both must be {expected}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{where}: labels {names[1]} of shape {y.shape} hold NaN or inf")
    return y.astype(y_hat.dtype, copy=False)


def _check_present(p_c: np.ndarray, where: str, name: str) -> None:
    if not np.all((p_c == 0) | (p_c == 1)):
        raise ValueError(f"{where}: {name} must be 0 (no object) or 1 (object); got "
                         f"{np.unique(p_c[(p_c != 0) & (p_c != 1)])[:5]}")


def localization_loss(y_hat: Tensor, y, loss: str = "squared") -> Tensor:
    """The cost of classification with localization, averaged over the m examples.

    ``loss="squared"``, the course's::

        L(ŷ, y) = Σ_j (ŷ_j − y_j)²   over all 5 + C components   if y_1 = 1
                = (ŷ_1 − y_1)²                                   if y_1 = 0

    ``loss="logistic"``, the practical variant::

        L(ŷ, y) = −[y_1 log ŷ_1 + (1 − y_1) log(1 − ŷ_1)]
                  + y_1 · (Σ_{j=2..5} (ŷ_j − y_j)² − Σ_{k=1..C} c_k log ĉ_k)

    J = (1/m) Σ_i L(ŷ(i), y(i)). Built from npdeep's differentiable ops, so its gradient
    flows back through the head. In the logistic variant the probabilities are clipped to
    [ε, 1 − ε] (ε: the dtype's machine epsilon) before the log, as binary_cross_entropy
    does, so a saturated output costs a large finite amount (its gradient is then 0).

    Args:
        y_hat: (m, 5 + C) predictions, as ``LocalizationHead`` makes them (probabilities).
        y: (m, 5 + C) labels, as ``localization_targets`` makes them; y_1 in {0, 1}.
        loss: "squared" or "logistic".

    Returns:
        A scalar tensor.

    Raises:
        ValueError: y_hat not (m, 5 + C) with C >= 1, y of another shape, p_c labels other
            than 0 and 1, an unknown ``loss``.
    """
    where = "localization_loss"
    check_choice(loss, "loss", where, LOSSES)
    y_hat = as_tensor(y_hat)
    if y_hat.ndim != 2 or y_hat.shape[1] < 6:
        raise ValueError(f"{where}: y_hat must have shape (m, 5 + C) = [p_c, b_x, b_y, b_h, "
                         f"b_w, c_1 … c_C] with C >= 1; got {y_hat.shape}")
    y = _labels(y, y_hat, where, "(m, 5 + C)")
    p_c = y[:, :1]  # (m, 1): 1 where an object is present
    _check_present(p_c, where, "y[:, 0] (p_c)")
    m = y_hat.shape[0]
    if loss == "squared":
        # Weights (1, p_c, p_c, …): every term for an object, only p_c's for none.
        weight = np.concatenate([np.ones_like(p_c), np.repeat(p_c, y.shape[1] - 1, axis=1)],
                                axis=1)  # (m, 5 + C)
        return ((y_hat - y) ** 2 * weight).sum() / m
    eps = float(np.finfo(y_hat.dtype).eps)
    p_hat = F.clip(y_hat[:, :1], eps, 1 - eps)  # (m, 1)
    logistic = -(p_c * F.log(p_hat) + (1 - p_c) * F.log(1 - p_hat))
    box = ((y_hat[:, 1:5] - y[:, 1:5]) ** 2).sum(axis=1, keepdims=True)  # (m, 1)
    # Only the lower bound: a softmax probability never exceeds 1 (C = 1 gives exactly 1).
    cross_entropy = -(y[:, 5:] * F.log(F.clip(y_hat[:, 5:], eps))).sum(axis=1, keepdims=True)
    return (logistic + p_c * (box + cross_entropy)).sum() / m


def landmark_loss(l_hat: Tensor, l, present=None) -> Tensor:
    """Squared error of K landmarks, over the images that hold an object, averaged over m.

    J = (1/m) Σ_i p_c(i) · Σ_k [(l̂_kx(i) − l_kx(i))² + (l̂_ky(i) − l_ky(i))²]

    Args:
        l_hat: (m, 2K) predictions (l_1x, l_1y, …) as ``LandmarkHead`` makes them, or
            (m, K, 2).
        l: the labels, (m, K, 2) or (m, 2K) (reshaped to l_hat's shape).
        present: optional (m,) p_c in {0, 1}; None counts every image.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: shapes that do not hold the same m·2K numbers, or present not (m,) 0/1.
    """
    where = "landmark_loss"
    l_hat = as_tensor(l_hat)
    ok = (l_hat.ndim == 2 and l_hat.shape[1] % 2 == 0) or (l_hat.ndim == 3
                                                           and l_hat.shape[2] == 2)
    if not ok or l_hat.shape[1] == 0:
        raise ValueError(f"{where}: l_hat must have shape (m, 2K) or (m, K, 2); got "
                         f"{l_hat.shape}")
    m = l_hat.shape[0]
    l = l.data if isinstance(l, Tensor) else np.asarray(l)
    if l.shape != l_hat.shape and l.shape[:1] == (m,) and l.size == l_hat.size and (
            l.ndim == 3 and l.shape[2] == 2 or l.ndim == 2):
        l = l.reshape(l_hat.shape)
    l = _labels(l, l_hat, where, "(m, 2K) or (m, K, 2)", names=("l_hat", "l"))
    squared = ((l_hat - l) ** 2).reshape(m, -1).sum(axis=1)  # (m,)
    if present is not None:
        present = np.asarray(present, dtype=l_hat.dtype)
        if present.shape != (m,):
            raise ValueError(f"{where}: present must have shape (m,) = ({m},); got "
                             f"{present.shape}")
        _check_present(present, where, "present")
        squared = squared * present
    return squared.sum() / m


def decode_localization(y_hat, threshold: float = 0.5):
    """Predictions back to detections: p_c, corner boxes and classes.

    Args:
        y_hat: (m, 5 + C) predictions (a Tensor or an array).
        threshold: p_c at or above which an image is said to hold an object.

    Returns:
        p_c: (m,) the predicted probability of an object.
        boxes: (m, 4) corner form (x1, y1, x2, y2); b_h and b_w below 0 are taken as 0.
        classes: (m,) int64, argmax of c_1 … c_C, or −1 where p_c < threshold.
    """
    threshold = check_probability(threshold, "threshold", "decode_localization")
    y_hat = np.asarray(y_hat.data if isinstance(y_hat, Tensor) else y_hat, dtype=np.float64)
    if y_hat.ndim != 2 or y_hat.shape[1] < 6:
        raise ValueError(f"decode_localization: y_hat must have shape (m, 5 + C) with C >= 1; "
                         f"got {y_hat.shape}")
    centers = y_hat[:, 1:5].copy()
    centers[:, 2:] = np.maximum(centers[:, 2:], 0)  # a regressed size may dip below 0
    classes = np.where(y_hat[:, 0] >= threshold, y_hat[:, 5:].argmax(axis=1), -1)
    return y_hat[:, 0], centers_to_corners(centers), classes.astype(np.int64)
