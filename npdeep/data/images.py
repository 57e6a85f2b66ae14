"""Image files: load (PNG, JPEG), crop, resize (bilinear, NumPy only) and save (PNG).

Images are float arrays (n_H, n_W, n_C) with values in [0, 1], RGB, the layout of one NHWC
example. Reading and writing go through matplotlib (the ``train`` extra), which reads PNG
itself and JPEG through Pillow, one of its own dependencies; resizing is done here in NumPy
so that it is the same on every machine.
"""
from __future__ import annotations

import os

import numpy as np

from npdeep.validation import check_int


def _pyplot_image():
    try:
        import matplotlib.image as mpimg
    except ImportError as error:  # pragma: no cover - matplotlib is in the train/test extras
        raise ImportError("npdeep.data.images needs matplotlib to read and write image files: "
                          "pip install 'npdeep[train]'") from error
    return mpimg


def _check_size(size, where: str) -> tuple:
    """(n_H, n_W) from an int (a square) or a pair of ints >= 1."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    try:
        n_H, n_W = size
    except (TypeError, ValueError):
        raise ValueError(f"The 'size' parameter of {where} must be an int or a pair "
                         f"(n_H, n_W) of ints >= 1. Got {size!r} instead.") from None
    return (check_int(n_H, "size", where), check_int(n_W, "size", where))


def check_image(image, where: str, n_C: int | None = None) -> np.ndarray:
    """``image`` as a float array (n_H, n_W, n_C) in [0, 1]; one NHWC example.

    uint8 images (0..255) are divided by 255; a batch of one (1, n_H, n_W, n_C) loses its
    batch axis.

    Raises:
        ValueError: for another rank, a channels-first (n_C, n_H, n_W) array (with the fix),
            another channel count than ``n_C``, or float values outside [0, 1].
    """
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    expected = f"(n_H, n_W, {n_C if n_C is not None else 'n_C'})"
    if array.ndim != 3:
        raise ValueError(f"{where}: expected an image of shape {expected} (HWC) but got shape "
                         f"{tuple(np.shape(image))}")
    channels_first = array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4)
    if channels_first or (n_C is not None and array.shape[-1] != n_C
                          and array.shape[0] == n_C):
        raise ValueError(f"{where}: expected an image of shape {expected} (HWC) but got "
                         f"{array.shape}, which looks channels-first (n_C, n_H, n_W); "
                         f"pass image.transpose(1, 2, 0)")
    if n_C is not None and array.shape[-1] != n_C:
        raise ValueError(f"{where}: expected an image of shape {expected} but got "
                         f"{array.shape}: {array.shape[-1]} channels instead of {n_C}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype.kind not in "fiu":
        raise ValueError(f"{where}: expected a numeric image; got dtype {array.dtype}")
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(f"{where}: expected values in [0, 1] but got [{low:g}, {high:g}]; "
                         "divide 0-255 images by 255")
    return array.astype(np.float32) if array.dtype.kind != "f" else array


def center_crop(image: np.ndarray, aspect: float) -> np.ndarray:
    """The largest central part of ``image`` (n_H, n_W, ...) with n_W / n_H = ``aspect``."""
    n_H, n_W = image.shape[:2]
    if n_W > aspect * n_H:  # too wide: cut the sides
        width = max(1, int(round(aspect * n_H)))
        left = (n_W - width) // 2
        return image[:, left:left + width]
    height = max(1, int(round(n_W / aspect)))
    top = (n_H - height) // 2
    return image[top:top + height]


def _box_shrink(image: np.ndarray, k_H: int, k_W: int) -> np.ndarray:
    """The mean of every k_H × k_W block (a remainder at the bottom/right is dropped)."""
    n_H, n_W = image.shape[0] // k_H * k_H, image.shape[1] // k_W * k_W
    blocks = image[:n_H, :n_W].reshape(n_H // k_H, k_H, n_W // k_W, k_W, *image.shape[2:])
    return blocks.mean(axis=(1, 3))


def _bilinear_axis(n_in: int, n_out: int) -> tuple:
    """(lower index, upper index, weight of the upper) of each output position.

    Half-pixel centres: output pixel i sits at input coordinate (i + 0.5)·n_in/n_out − 0.5,
    clamped to the image (PyTorch's align_corners=False, OpenCV's INTER_LINEAR).
    """
    x = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    x = np.clip(x, 0, n_in - 1)
    lower = np.floor(x).astype(np.intp)
    upper = np.minimum(lower + 1, n_in - 1)
    return lower, upper, x - lower


def resize_image(image, size, antialias: bool = True) -> np.ndarray:
    """``image`` (n_H_prev, n_W_prev, n_C) resized to ``size`` by bilinear interpolation.

    Bilinear with half-pixel centres (the convention of PyTorch's
    ``interpolate(mode="bilinear", align_corners=False)``). Shrinking by a factor k >= 2
    would skip pixels and alias; with ``antialias``, the image is first averaged over
    ⌊k⌋ × ⌊k⌋ blocks, then interpolated for the remaining factor (< 2).

    Args:
        image: (n_H_prev, n_W_prev) or (n_H_prev, n_W_prev, n_C), any float values.
        size: (n_H, n_W), or an int for a square.
        antialias: average blocks before shrinking by 2 or more.

    Returns:
        (n_H, n_W[, n_C]) float array of image's float dtype (float32 for integer images).

    Example:
        >>> resize_image(np.zeros((300, 451, 3)), (128, 128)).shape
        (128, 128, 3)
    """
    n_H, n_W = _check_size(size, "resize_image")
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"resize_image: expected an image (n_H, n_W) or (n_H, n_W, n_C); got "
                         f"shape {image.shape}")
    if image.dtype.kind != "f":
        image = image.astype(np.float32)
    if antialias:
        k_H, k_W = max(1, image.shape[0] // n_H), max(1, image.shape[1] // n_W)
        if k_H > 1 or k_W > 1:
            image = _box_shrink(image, k_H, k_W)
    top, bottom, w_H = _bilinear_axis(image.shape[0], n_H)
    left, right, w_W = _bilinear_axis(image.shape[1], n_W)
    extra = (1,) * (image.ndim - 2)
    w_H = w_H.reshape(-1, 1, *extra).astype(image.dtype)
    w_W = w_W.reshape(1, -1, *extra).astype(image.dtype)
    rows_top, rows_bottom = image[top], image[bottom]  # (n_H, n_W_prev, ...)
    upper = rows_top[:, left] * (1 - w_W) + rows_top[:, right] * w_W
    lower = rows_bottom[:, left] * (1 - w_W) + rows_bottom[:, right] * w_W
    return upper * (1 - w_H) + lower * w_H


def load_image(path: str, size=None, crop: bool = True) -> np.ndarray:
    """An RGB image file as a float32 array (n_H, n_W, 3) with values in [0, 1].

    Grey images get three equal channels; an alpha channel is dropped.

    Args:
        path: a PNG or JPEG file.
        size: (n_H, n_W), or an int for a square; None keeps the file's size.
        crop: first cut the central part with the aspect ratio of ``size`` (so nothing is
            stretched); False resizes the whole image.

    Returns:
        (n_H, n_W, 3) float32.

    Raises:
        FileNotFoundError: naming the path when there is no such file.

    Example:
        >>> load_image("images/chelsea.png", size=128).shape
        (128, 128, 3)
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_image: no image file {path!r}")
    image = np.asarray(_pyplot_image().imread(path))
    if image.dtype == np.uint8:  # JPEG (read by Pillow); PNG comes as floats in [0, 1]
        image = image.astype(np.float32) / 255.0
    image = image.astype(np.float32, copy=False)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if size is not None:
        n_H, n_W = _check_size(size, "load_image")
        if crop:
            image = center_crop(image, n_W / n_H)
        image = np.clip(resize_image(image, (n_H, n_W)), 0.0, 1.0)
    return np.ascontiguousarray(image)


def side_by_side(images, gap: int = 4, background: float = 1.0) -> np.ndarray:
    """Images (n_H_i, n_W_i, 3) in [0, 1] in one row, ``gap`` pixels apart, top-aligned.

    Returns:
        (max n_H_i, Σ n_W_i + gap·(k − 1), 3) float32.
    """
    images = [check_image(image, "side_by_side") for image in images]
    if not images:
        raise ValueError("side_by_side: no images given")
    n_C = max(image.shape[2] for image in images)
    images = [np.repeat(image, n_C, axis=2) if image.shape[2] == 1 else image
              for image in images]
    n_H = max(image.shape[0] for image in images)
    n_W = sum(image.shape[1] for image in images) + gap * (len(images) - 1)
    canvas = np.full((n_H, n_W, n_C), background, dtype=np.float32)
    left = 0
    for image in images:
        canvas[:image.shape[0], left:left + image.shape[1]] = image
        left += image.shape[1] + gap
    return canvas


def save_image(path: str, image) -> None:
    """Write ``image`` (n_H, n_W, 3) or (n_H, n_W), values in [0, 1], as a PNG file.

    Values are clipped to [0, 1] (an optimized image may overshoot by rounding); folders
    in ``path`` are created.
    """
    array = np.asarray(image, dtype=np.float64)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3):
        raise ValueError(f"save_image: expected an image (n_H, n_W, 3) or (n_H, n_W); got "
                         f"shape {np.shape(image)}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    array = np.clip(array, 0.0, 1.0)
    kwargs = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0} if array.ndim == 2 else {}
    _pyplot_image().imsave(path, array, format="png", **kwargs)
