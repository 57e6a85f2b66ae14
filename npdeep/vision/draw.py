"""Drawing boxes on images, to a PNG, with matplotlib's Agg canvas (no pyplot, no window).

Boxes are in the course's normalized corner form (x1, y1, x2, y2): the image is drawn over
the unit square with (0, 0) at its top-left corner, so a box goes on it as it is, whatever
the image's size in pixels.

``draw_boxes`` makes a whole figure of one image; ``plot_image`` and ``plot_boxes`` draw on an
Axes of your own, for grids of several images or predicted and true boxes on one image.
"""
from __future__ import annotations

import numpy as np

from npdeep.tensor import Tensor
from npdeep.vision.boxes import check_boxes

__all__ = ["draw_boxes", "plot_image", "plot_boxes"]

# Ten distinct colours (matplotlib's "tab10"), one per class, cycling beyond ten classes.
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _check_image(image, where: str) -> np.ndarray:
    """(n_H, n_W, 3) or (n_H, n_W, 1) in [0, 1] (floats) or uint8, as an array to show."""
    array = np.asarray(image.data if isinstance(image, Tensor) else image)
    if array.ndim != 3 or array.shape[2] not in (1, 3):
        raise ValueError(f"{where}: image must have shape (n_H, n_W, 3) (or (n_H, n_W, 1)), "
                         f"one NHWC image without the batch axis; got {array.shape}")
    if array.dtype == np.uint8:
        return array[..., 0] if array.shape[2] == 1 else array
    if array.dtype.kind != "f":
        raise ValueError(f"{where}: image must be floats in [0, 1] or uint8; got dtype "
                         f"{array.dtype}")
    if array.size and not (np.all(np.isfinite(array)) and array.min() >= 0
                           and array.max() <= 1):
        raise ValueError(f"{where}: a float image must lie in [0, 1]; got values in "
                         f"[{np.nanmin(array):g}, {np.nanmax(array):g}] (divide uint8 "
                         f"pixels by 255)")
    return array[..., 0] if array.shape[2] == 1 else array


def plot_image(ax, image) -> None:
    """Show ``image`` (n_H, n_W, 3) on ``ax`` over the unit square, (0, 0) top-left."""
    array = _check_image(image, "plot_image")
    # aspect n_H/n_W: one unit of y is drawn n_H/n_W times as long as one unit of x, so the
    # unit square keeps the image's proportions (a plain aspect="equal" would make it square).
    ax.imshow(array, extent=(0, 1, 1, 0), cmap="gray" if array.ndim == 2 else None,
              vmin=0, vmax=255 if array.dtype == np.uint8 else 1, interpolation="nearest",
              aspect=array.shape[0] / array.shape[1])
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)
    ax.set_axis_off()


def _captions(n: int, labels, scores, class_names, where: str) -> tuple:
    """(class index or None, caption) of each box."""
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (n,) or (n and labels.dtype.kind not in "iu"):
            raise ValueError(f"{where}: labels must be (K,) = ({n},) integer classes, one per "
                             f"box; got shape {labels.shape}, dtype {labels.dtype}")
        if class_names is not None and n and (labels.min() < 0
                                              or labels.max() >= len(class_names)):
            raise ValueError(f"{where}: labels must lie in [0, {len(class_names)}) for "
                             f"{len(class_names)} class_names; got [{labels.min()}, "
                             f"{labels.max()}]")
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != (n,):
            raise ValueError(f"{where}: scores must be (K,) = ({n},), one per box; got "
                             f"{scores.shape}")
    out = []
    for i in range(n):
        label = None if labels is None else int(labels[i])
        parts = []
        if label is not None:
            parts.append(class_names[label] if class_names is not None else str(label))
        if scores is not None:
            parts.append(f"{scores[i]:.2f}")
        out.append((label, " ".join(parts)))
    return out


def plot_boxes(ax, boxes, labels=None, scores=None, class_names=None, linestyle: str = "-",
               color=None) -> None:
    """Draw corner boxes (normalized) on ``ax``, each with its class name and score.

    Args:
        ax: a matplotlib Axes showing an image through ``plot_image``.
        boxes: (K, 4) corner form (x1, y1, x2, y2) in image fractions.
        labels: optional (K,) class indices; they choose the colour and the caption.
        scores: optional (K,) scores, written with two decimals.
        class_names: optional names indexed by label.
        linestyle: the edges' style ("--" for ground truth beside predictions, say).
        color: one colour for every box instead of one per class.
    """
    boxes = check_boxes(boxes, "plot_boxes", "boxes", ndim=2)
    from matplotlib.patches import Rectangle

    for (x1, y1, x2, y2), (label, caption) in zip(
            boxes, _captions(len(boxes), labels, scores, class_names, "plot_boxes")):
        edge = color or _COLOURS[(label or 0) % len(_COLOURS)]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=edge,
                               linewidth=2, linestyle=linestyle))
        if caption:
            # Above the top-left corner, or just inside it when the box touches the top.
            inside = y1 < 0.08
            ax.text(x1, y1, caption, color="white", fontsize=8, ha="left",
                    va="top" if inside else "bottom",
                    bbox=dict(facecolor=edge, edgecolor="none", pad=1, alpha=0.85),
                    clip_on=True)


def draw_boxes(image, boxes, labels=None, scores=None, path=None, class_names=None,
               size_inches: float = 4.0):
    """One image with its boxes, class names and scores, as a figure (and a PNG at ``path``).

    Args:
        image: (n_H, n_W, 3) floats in [0, 1] or uint8 (also (n_H, n_W, 1)).
        boxes: (K, 4) corner form (x1, y1, x2, y2) normalized to [0, 1]; K may be 0.
        labels: optional (K,) integer classes (colour and caption of each box).
        scores: optional (K,) scores.
        path: where to write the picture (PNG by default; the extension decides); None to
            only return the figure.
        class_names: optional names indexed by label, e.g. ``("circle", "square",
            "triangle")``.
        size_inches: the figure's side (at 100 dpi: 400 pixels by default).

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: an image not (n_H, n_W, 3) in [0, 1] or uint8, boxes not (K, 4) corner
            boxes, labels or scores of another length than boxes, labels outside class_names.
        ImportError: without matplotlib.

    Example:
        >>> draw_boxes(image, [[0.1, 0.2, 0.5, 0.6]], labels=[1], scores=[0.93],
        ...            class_names=("circle", "square", "triangle"), path="detections.png")
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("draw_boxes needs matplotlib (pip install matplotlib)") from error
    array = _check_image(image, "draw_boxes")
    boxes = check_boxes(boxes, "draw_boxes", "boxes", ndim=2)
    _captions(len(boxes), labels, scores, class_names, "draw_boxes")  # check before drawing
    n_H, n_W = array.shape[:2]
    fig = Figure(figsize=(size_inches * n_W / max(n_H, n_W), size_inches * n_H / max(n_H, n_W)))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    plot_image(ax, array if array.ndim == 3 else array[..., None])
    plot_boxes(ax, boxes, labels, scores, class_names)
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig
