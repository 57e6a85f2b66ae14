"""Data augmentation on NHWC image batches: flips, crops, rotations, colour shifts, padding.

The course's data-augmentation lecture (Course 4, week 2): mirroring, random cropping, small
rotations and colour shifting (including AlexNet's "PCA colour augmentation") give more training
examples for free. Every transform here is a callable object that takes a batch X of shape
(m, n_H, n_W, n_C) and returns a new batch, drawing its randomness from
:func:`npdeep.backend.rng` (so ``npdeep.manual_seed(s)`` repeats it) and working on the whole
batch at once rather than looping over examples.

Example:
    >>> augment = Compose([RandomCrop(28, padding=2), RandomHorizontalFlip(), ColorShift(0.1)])
    >>> loader = DataLoader(train_set, mini_batch_size=64, shuffle=True, transform=augment)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from npdeep import backend
from npdeep.validation import check_choice, check_float, check_int, check_probability

__all__ = ["Compose", "RandomHorizontalFlip", "RandomCrop", "RandomRotation", "ColorShift",
           "PCAColorAugmentation", "fit_pca_color", "Pad", "Upsample", "Normalize", "rotate"]

_INTERPOLATIONS = ("bilinear", "nearest")


def _check_batch(X, where: str) -> np.ndarray:
    """X as a 4-d ndarray (m, n_H, n_W, n_C), or a ValueError that names the transform."""
    X = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"{where} expected a batch of shape (m, n_H, n_W, n_C) but got "
                         f"{X.shape}; add the example axis (X[None]) for one image, or the "
                         "channel axis (X[..., None]) for grayscale")
    return X


def _as_float(X: np.ndarray) -> np.ndarray:
    """Floating X for transforms that make new values (uint8 would wrap around)."""
    return X if X.dtype.kind == "f" else X.astype(backend.get_default_dtype())


def _padding_4(padding, where: str) -> tuple:
    """int p, (pad_H, pad_W) or (top, bottom, left, right) -> (top, bottom, left, right)."""
    items = (padding,) if isinstance(padding, (int, np.integer)) else tuple(padding)
    try:
        if len(items) not in (1, 2, 4):
            raise ValueError
        items = [check_int(p, "padding", where, low=0) for p in items]
    except ValueError:
        # One message for every form, so the user sees all three that are accepted.
        raise ValueError(f"The 'padding' parameter of {where} must be an int >= 0, a pair "
                         f"(pad_H, pad_W) or (top, bottom, left, right). Got {padding!r} "
                         "instead.") from None
    if len(items) == 1:
        return (items[0],) * 4
    if len(items) == 2:
        return (items[0], items[0], items[1], items[1])
    return tuple(items)


def _pad(X: np.ndarray, pad: tuple, value: float = 0) -> np.ndarray:
    top, bottom, left, right = pad
    if not any(pad):
        return X
    return np.pad(X, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


class Compose:
    """Apply transforms in order: X -> t_k(...t_2(t_1(X))).

    Args:
        transforms: a list of callables, each taking and returning a batch.
    """

    def __init__(self, transforms):
        transforms = list(transforms)
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, which is "
                                "not callable")
        self.transforms = transforms

    def __call__(self, X):
        for t in self.transforms:
            X = t(X)
        return X

    def __repr__(self) -> str:
        body = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{body}\n])"


class RandomHorizontalFlip:
    """Mirror each example left-right with probability p (the course's "mirroring").

    Args:
        p: the probability that one example is flipped, drawn independently per example.

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H, n_W, n_C).
    """

    def __init__(self, p: float = 0.5):
        self.p = check_probability(p, "p", "RandomHorizontalFlip")

    def __call__(self, X):
        X = _check_batch(X, "RandomHorizontalFlip")
        flip = backend.rng().random(X.shape[0]) < self.p  # (m,)
        out = X.copy()
        out[flip] = X[flip, :, ::-1]
        return out

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad by ``padding`` zeros, then cut a size window at a random offset per example.

    Args:
        size: the output (n_H, n_W), or an int for a square.
        padding: zeros added first: int, (pad_H, pad_W) or (top, bottom, left, right). The
            classic CIFAR augmentation is RandomCrop(32, padding=4): shifts of up to 4 pixels.
        fill: the value of the padding.

    Shape:
        (m, n_H_prev, n_W_prev, n_C) -> (m, size_H, size_W, n_C).

    Raises:
        ValueError: when the padded image is smaller than size.
    """

    def __init__(self, size, padding=0, fill: float = 0.0):
        items = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        try:
            if len(items) != 2:
                raise ValueError
            self.size = tuple(check_int(s, "size", "RandomCrop") for s in items)
        except ValueError:
            raise ValueError("The 'size' parameter of RandomCrop must be an int >= 1 or a pair "
                             f"(n_H, n_W) of them. Got {size!r} instead.") from None
        self.padding = _padding_4(padding, "RandomCrop")
        self.fill = fill

    def __call__(self, X):
        X = _check_batch(X, "RandomCrop")
        X_pad = _pad(X, self.padding, self.fill)
        m, n_H_pad, n_W_pad, _ = X_pad.shape
        size_H, size_W = self.size
        if size_H > n_H_pad or size_W > n_W_pad:
            raise ValueError(f"RandomCrop(size={self.size}) got images of {X.shape[1:3]} "
                             f"(padded to {(n_H_pad, n_W_pad)}), smaller than the crop; "
                             "increase padding or reduce size")
        rng = backend.rng()
        top = rng.integers(0, n_H_pad - size_H + 1, size=m)  # (m,)
        left = rng.integers(0, n_W_pad - size_W + 1, size=m)
        rows = top[:, None] + np.arange(size_H)  # (m, size_H)
        cols = left[:, None] + np.arange(size_W)  # (m, size_W)
        # One fancy-indexing gather for the whole batch: (m, size_H, size_W, n_C).
        return X_pad[np.arange(m)[:, None, None], rows[:, :, None], cols[:, None, :]]

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


def _snap(value: np.ndarray) -> np.ndarray:
    """Round cos/sin values within 1e-12 of an integer, so 90° turns land on pixel centres."""
    nearest = np.round(value)
    return np.where(np.abs(value - nearest) < 1e-12, nearest, value)


def rotate(X, angles, interpolation: str = "bilinear", fill: float = 0.0) -> np.ndarray:
    """Rotate each example counter-clockwise about its centre by its angle in degrees.

    Output pixel (i, j) takes the input's value at the point that the rotation maps onto it
    (inverse mapping), so every output pixel gets exactly one value; points that fall outside
    the image take ``fill``. A 90° turn of a square image equals ``np.rot90(x, 1)``.

    Args:
        X: (m, n_H, n_W, n_C).
        angles: (m,) degrees, positive = counter-clockwise (as np.rot90 and torchvision).
        interpolation: "bilinear" (smooth) or "nearest" (keeps the exact pixel values).
        fill: the value outside the source image.

    Returns:
        (m, n_H, n_W, n_C), floating.
    """
    check_choice(interpolation, "interpolation", "rotate", _INTERPOLATIONS)
    X = _as_float(_check_batch(X, "rotate"))
    m, n_H, n_W, n_C = X.shape
    theta = np.deg2rad(np.asarray(angles, dtype=np.float64)).reshape(m, 1, 1)
    cos, sin = _snap(np.cos(theta)), _snap(np.sin(theta))
    c_H, c_W = (n_H - 1) / 2, (n_W - 1) / 2
    # u to the right, v upwards, from the centre: rotating the output grid by −θ finds the
    # source point of each output pixel.
    u = np.arange(n_W)[None, None, :] - c_W  # (1, 1, n_W)
    v = c_H - np.arange(n_H)[None, :, None]  # (1, n_H, 1)
    x_src = c_W + cos * u + sin * v  # (m, n_H, n_W)
    y_src = c_H - (-sin * u + cos * v)
    batch = np.arange(m)[:, None, None]
    if interpolation == "nearest":
        y0, x0 = np.round(y_src).astype(np.intp), np.round(x_src).astype(np.intp)
        inside = (y0 >= 0) & (y0 < n_H) & (x0 >= 0) & (x0 < n_W)
        out = X[batch, np.clip(y0, 0, n_H - 1), np.clip(x0, 0, n_W - 1)]
        return np.where(inside[..., None], out, np.asarray(fill, dtype=X.dtype))
    # Bilinear: a weighted sum of the four neighbouring pixels; a neighbour outside the image
    # contributes fill, so edges fade into the background instead of smearing.
    y_floor, x_floor = np.floor(y_src), np.floor(x_src)
    dy, dx = (y_src - y_floor)[..., None], (x_src - x_floor)[..., None]
    y_floor, x_floor = y_floor.astype(np.intp), x_floor.astype(np.intp)
    out = np.zeros(X.shape, dtype=np.float64)
    for oy, ox, weight in ((0, 0, (1 - dy) * (1 - dx)), (0, 1, (1 - dy) * dx),
                           (1, 0, dy * (1 - dx)), (1, 1, dy * dx)):
        y, x = y_floor + oy, x_floor + ox
        inside = ((y >= 0) & (y < n_H) & (x >= 0) & (x < n_W))[..., None]
        values = X[batch, np.clip(y, 0, n_H - 1), np.clip(x, 0, n_W - 1)]
        out += weight * np.where(inside, values, fill)
    return out.astype(X.dtype)


class RandomRotation:
    """Rotate each example by a random angle drawn uniformly from [−degrees, degrees].

    Args:
        degrees: the largest rotation (a number >= 0), or a pair (low, high).
        interpolation: "bilinear" or "nearest".
        fill: the value of pixels rotated in from outside the image.

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H, n_W, n_C).
    """

    def __init__(self, degrees, interpolation: str = "bilinear", fill: float = 0.0):
        if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
            high = check_float(degrees, "degrees", "RandomRotation", low=0.0)
            low = -high
        else:
            try:
                low, high = (float(d) for d in degrees)
            except (TypeError, ValueError):
                low, high = 1.0, 0.0
            if not (low <= high and math.isfinite(low) and math.isfinite(high)):
                raise ValueError("The 'degrees' parameter of RandomRotation must be a number "
                                 f">= 0 or a pair (low, high) with low <= high. Got {degrees!r} "
                                 "instead.")
        check_choice(interpolation, "interpolation", "RandomRotation", _INTERPOLATIONS)
        self.degrees = (float(low), float(high))
        self.interpolation = interpolation
        self.fill = fill

    def __call__(self, X):
        X = _check_batch(X, "RandomRotation")
        angles = backend.rng().uniform(self.degrees[0], self.degrees[1], size=X.shape[0])
        return rotate(X, angles, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation!r})"


class ColorShift:
    """Add a random shift to each channel of each example (the course's colour shifting).

    X[i, :, :, c] += s[i, c] with s[i, c] ~ U(−max_shift, max_shift), e.g. a bit more red and
    blue and less green, so the model does not rely on the exact colour of the light.

    Args:
        max_shift: the largest shift, in the units of X (e.g. 0.1 for images in [0, 1]).
        clip: optional (low, high) to clip the result to, e.g. (0, 1).

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H, n_W, n_C).
    """

    def __init__(self, max_shift: float, clip=None):
        self.max_shift = check_float(max_shift, "max_shift", "ColorShift", low=0.0)
        self.clip = clip

    def __call__(self, X):
        X = _as_float(_check_batch(X, "ColorShift"))
        m, _, _, n_C = X.shape
        shift = backend.rng().uniform(-self.max_shift, self.max_shift, size=(m, 1, 1, n_C))
        out = (X + shift).astype(X.dtype)
        return out if self.clip is None else np.clip(out, *self.clip)

    def __repr__(self) -> str:
        return f"ColorShift(max_shift={self.max_shift})"


def fit_pca_color(X) -> tuple:
    """The eigen-decomposition of the channel covariance of X, for PCAColorAugmentation.

    Every pixel of every image is one sample of an n_C-vector (RGB); the covariance of those
    vectors is Σ = P diag(λ) Pᵀ (AlexNet, Krizhevsky et al. 2012, section 4.1).

    Args:
        X: (m, n_H, n_W, n_C) training images.

    Returns:
        (eigvals, eigvecs): λ of shape (n_C,) in decreasing order, and P of shape (n_C, n_C)
        whose column k is the eigenvector of λ_k.
    """
    X = _check_batch(X, "fit_pca_color")
    pixels = X.reshape(-1, X.shape[-1]).astype(np.float64)  # (m·n_H·n_W, n_C)
    covariance = np.atleast_2d(np.cov(pixels, rowvar=False))  # (n_C, n_C)
    eigvals, eigvecs = np.linalg.eigh(covariance)  # ascending; Σ is symmetric
    order = np.argsort(eigvals)[::-1]
    return np.clip(eigvals[order], 0, None), eigvecs[:, order]


class PCAColorAugmentation:
    """AlexNet's "fancy PCA": add [p1 p2 p3] [α1 λ1, α2 λ2, α3 λ3]ᵀ to every pixel.

    α_k ~ N(0, std²) is drawn once per example (Krizhevsky et al. 2012, section 4.1), so one
    image gets one shift of its whole colour along the data's principal colour directions:
    more along the directions in which natural colours vary most.

    Args:
        eigvals: (n_C,) λ, from :func:`fit_pca_color`.
        eigvecs: (n_C, n_C) P, column k the eigenvector of λ_k.
        std: the standard deviation of α (0.1 in the paper).

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H, n_W, n_C).
    """

    def __init__(self, eigvals, eigvecs, std: float = 0.1):
        self.eigvals = np.asarray(eigvals, dtype=np.float64)
        self.eigvecs = np.asarray(eigvecs, dtype=np.float64)
        n_C = self.eigvals.shape[0] if self.eigvals.ndim == 1 else -1
        if self.eigvals.ndim != 1 or self.eigvecs.shape != (n_C, n_C):
            raise ValueError("PCAColorAugmentation expected eigvals of shape (n_C,) and eigvecs "
                             f"of shape (n_C, n_C) but got {self.eigvals.shape} and "
                             f"{self.eigvecs.shape}; compute them with fit_pca_color(X)")
        self.std = check_float(std, "std", "PCAColorAugmentation", low=0.0)

    def __call__(self, X):
        X = _as_float(_check_batch(X, "PCAColorAugmentation"))
        n_C = self.eigvals.shape[0]
        if X.shape[-1] != n_C:
            raise ValueError(f"PCAColorAugmentation was fitted on {n_C} channels and expected "
                             f"input of shape (m, n_H, n_W, {n_C}) but got {X.shape}")
        alpha = backend.rng().normal(0.0, self.std, size=(X.shape[0], n_C))  # (m, n_C)
        delta = (alpha * self.eigvals) @ self.eigvecs.T  # (m, n_C): Σ_k α_k λ_k p_k
        return (X + delta[:, None, None, :]).astype(X.dtype)

    def __repr__(self) -> str:
        return f"PCAColorAugmentation(n_C={self.eigvals.shape[0]}, std={self.std})"


class Pad:
    """Add a constant border: e.g. Pad(2) turns 28x28 MNIST into LeNet-5's 32x32 input.

    Args:
        padding: int p (all sides), (pad_H, pad_W), or (top, bottom, left, right).
        value: the border value.

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H + top + bottom, n_W + left + right, n_C).
    """

    def __init__(self, padding, value: float = 0.0):
        self.padding = _padding_4(padding, "Pad")
        self.value = value

    def __call__(self, X):
        return _pad(_check_batch(X, "Pad"), self.padding, self.value)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding})"


class Upsample:
    """Repeat each pixel ``factor`` times along n_H and n_W (nearest-neighbour enlargement).

    E.g. Upsample(4) makes the 8x8 scikit-learn digits 32x32 for LeNet-5.

    Shape:
        (m, n_H, n_W, n_C) -> (m, factor·n_H, factor·n_W, n_C).
    """

    def __init__(self, factor: int):
        self.factor = check_int(factor, "factor", "Upsample")

    def __call__(self, X):
        X = _check_batch(X, "Upsample")
        return X.repeat(self.factor, axis=1).repeat(self.factor, axis=2)

    def __repr__(self) -> str:
        return f"Upsample(factor={self.factor})"


class Normalize:
    """(X − mean) / std per channel (the course's input normalization).

    Args:
        mean: a number or (n_C,) channel means, e.g. X_train.mean(axis=(0, 1, 2)).
        std: a number or (n_C,) channel standard deviations, all > 0.

    Shape:
        (m, n_H, n_W, n_C) -> (m, n_H, n_W, n_C).
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if self.mean.ndim > 1 or self.std.ndim > 1:
            raise ValueError("Normalize expected mean and std as numbers or (n_C,) vectors but "
                             f"got shapes {self.mean.shape} and {self.std.shape}")
        if np.any(self.std <= 0):
            raise ValueError(f"The 'std' parameter of Normalize must be > 0. Got {std!r} "
                             "instead.")

    def __call__(self, X):
        X = _as_float(_check_batch(X, "Normalize"))
        n_C = X.shape[-1]
        for name, value in (("mean", self.mean), ("std", self.std)):
            if value.ndim == 1 and value.shape[0] not in (1, n_C):
                raise ValueError(f"Normalize has a {name} of {value.shape[0]} channels but "
                                 f"got input of shape {X.shape} (n_C = {n_C})")
        return ((X - self.mean) / self.std).astype(X.dtype)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"
