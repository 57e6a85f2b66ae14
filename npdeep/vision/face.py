"""Face verification and recognition with a learned encoding (course 4, week 4; FaceNet).

A CNN ``Encoder`` maps a face image x to a 128-d vector f(x) of unit length, trained (see
:mod:`~npdeep.vision.face_training`) so that two images of one person are close and images
of two people are far apart. Then, with one image per person enrolled in a database:

- verification (1:1), "is this the person they claim to be?":
  ‖f(image) − f(database[identity])‖ ≤ threshold;
- recognition (1:K), "who is this?": the enrolled identity at the smallest distance, or
  "not recognized" (None) when even that one is above the threshold.

Enrolling a new person takes one image and no training: one-shot learning by a similarity
function d(img1, img2) rather than a classifier with one output per person (a siamese
network: the same encoder applied to both images).
"""
from __future__ import annotations

import math

import numpy as np

from npdeep import nn
from npdeep.functional.conv import output_size
from npdeep.functional.normalize import l2_normalize
from npdeep.models._util import check_input_shape, rebuild_hint
from npdeep.tensor import Tensor
from npdeep.train.evaluate import predict
from npdeep.validation import check_float, check_int

# The course's door-entry example compares the distance with 0.7.
DEFAULT_THRESHOLD = 0.7


class Encoder(nn.Module):
    """f(x): a small CNN and an L2 normalization, mapping an image to a unit-length encoding.

    Each block is CONV 3×3 "same" → BatchNorm → ReLU → MAX-POOL 2 (n_H and n_W halve while
    n_C grows), then Flatten → Linear(embedding_size) → f(x) = z / ‖z‖₂ (FaceNet, §3: the
    encodings lie on the unit hypersphere, so that the margin α is on a fixed scale and
    ‖f(x₁) − f(x₂)‖ lies in [0, 2]).

    Args:
        input_shape: (n_H, n_W, n_C) of one image, e.g. (56, 46, 1) for ORL halved.
        embedding_size: the length of f(x) (128 in the course and FaceNet).
        channels: n_C of each block's convolution; one max-pool per block, so the image must
            be at least 2^len(channels) on each side.

    Shape:
        input (m, n_H, n_W, n_C) NHWC -> output (m, embedding_size), each row of norm 1.

    Raises:
        ValueError: for a bad input_shape, embedding_size or channels, or images too small
            for the pools; when called, for images of another shape than input_shape.

    Example:
        >>> encoder = Encoder((56, 46, 1), embedding_size=128)
        >>> encoder(X).shape  # X (16, 56, 46, 1) -> (16, 128)
    """

    unit_norm = True  # distances between encodings lie in [0, 2]

    def __init__(self, input_shape, embedding_size: int = 128, channels=(16, 32, 64)):
        super().__init__()
        where = "Encoder"
        shape = check_input_shape(input_shape, where)
        self.embedding_size = check_int(embedding_size, "embedding_size", where)
        channels = tuple(check_int(c, "channels", where) for c in channels)
        if not channels:
            raise ValueError("The 'channels' parameter of Encoder must be a non-empty tuple of "
                             "ints >= 1. Got () instead.")
        n_H, n_W, n_C = shape
        layers = []
        for n_C_next in channels:  # "same" convolutions keep n_H, n_W; each pool halves them
            n_H, n_W = output_size(n_H, 2, 2, (0, 0)), output_size(n_W, 2, 2, (0, 0))
            if n_H < 1 or n_W < 1:
                raise ValueError(f"Encoder: input_shape {shape} is too small for "
                                 f"{len(channels)} pooling blocks; images must be at least "
                                 f"{2 ** len(channels)}×{2 ** len(channels)}, or pass fewer "
                                 "channels")
            layers += [nn.Conv2d(n_C, n_C_next, 3, padding="same"), nn.BatchNorm2d(n_C_next),
                       nn.ReLU(), nn.MaxPool2d(2)]
            n_C = n_C_next
        layers += [nn.Flatten(),                                 # (m, n_H·n_W·n_C)
                   nn.Linear(n_H * n_W * n_C, self.embedding_size, init="xavier")]
        self.input_shape = shape
        self.body = nn.Sequential(*layers, input_shape=shape, name="Encoder",
                                  input_hint=rebuild_hint("Encoder"))

    def forward(self, X):
        return l2_normalize(self.body(X), axis=-1)  # (m, embedding_size), unit rows

    def extra_repr(self) -> str:
        return f"input_shape={self.input_shape}, embedding_size={self.embedding_size}"

    def encode(self, images, mini_batch_size: int = 128) -> np.ndarray:
        """f(images) as an array (m, embedding_size), in eval mode and without a graph."""
        return predict(self, images, mini_batch_size)  # BatchNorm's running averages


def encode(encoder, images) -> np.ndarray:
    """The encodings (m, d) of images (m, n_H, n_W, n_C) by an Encoder, an Eigenfaces model
    (anything with ``.encode``) or any Module."""
    if hasattr(encoder, "encode"):
        return np.asarray(encoder.encode(images))
    if isinstance(encoder, nn.Module):
        return predict(encoder, images, 128)
    raise TypeError(f"encode: encoder must be an Encoder, an Eigenfaces model or a Module "
                    f"mapping images to encodings; got {type(encoder).__name__}")


def _one_image(image, where: str) -> np.ndarray:
    """One image (n_H, n_W, n_C), or a batch of one, as (1, n_H, n_W, n_C)."""
    image = np.asarray(image.data if isinstance(image, Tensor) else image)
    if image.ndim == 4 and len(image) == 1:
        return image
    if image.ndim != 3:
        raise ValueError(f"{where} expected one image of shape (n_H, n_W, n_C) (NHWC, or "
                         f"(1, n_H, n_W, n_C)) but got {image.shape}")
    return image[None]


def _check_threshold(threshold, encoder, where: str) -> float:
    """A distance threshold: > 0, and at most 2 for unit-length encodings (the diameter of
    the unit sphere: every pair would match above it)."""
    if getattr(encoder, "unit_norm", False):
        return check_float(threshold, "threshold", where, 0.0, 2.0, low_open=True,
                           hint="distances between L2-normalized encodings lie in [0, 2]")
    return check_float(threshold, "threshold", where, 0.0, low_open=True)


def _check_database(database, where: str) -> None:
    if not isinstance(database, dict):
        raise TypeError(f"{where}: database must be a dict identity -> encoding, as enroll "
                        f"returns; got {type(database).__name__}")
    if not database:
        raise ValueError(f"{where}: the database is empty; enroll at least one person first "
                         "(database = enroll(encoder, {identity: image}))")


def enroll(encoder, images_by_identity: dict) -> dict:
    """The database {identity: encoding (d,)} from one image per person (one-shot).

    Args:
        encoder: an Encoder (or Eigenfaces, or any Module mapping images to encodings).
        images_by_identity: {identity: image (n_H, n_W, n_C)}; a stack (k, n_H, n_W, n_C)
            of k images enrolls their mean encoding (rescaled to unit length when the
            encoder's encodings have unit length).

    Returns:
        dict identity -> encoding, float array (d,).

    Raises:
        TypeError: for something other than a dict.
        ValueError: for an empty dict, or an entry that is not one image or a stack.

    Example:
        >>> database = enroll(encoder, {"younes": images[0], "kian": images[10]})
    """
    where = "enroll"
    if not isinstance(images_by_identity, dict) or not images_by_identity:
        raise (TypeError if not isinstance(images_by_identity, dict) else ValueError)(
            f"{where}: images_by_identity must be a non-empty dict identity -> image "
            f"(n_H, n_W, n_C); got {images_by_identity!r:.80}")
    names, stacks = [], []
    for identity, images in images_by_identity.items():
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        if images.ndim != 4 or len(images) == 0:
            raise ValueError(f"{where}: the images of {identity!r} must be one image "
                             f"(n_H, n_W, n_C) or a stack (k, n_H, n_W, n_C) (NHWC); got "
                             f"shape {images.shape}")
        names.append(identity)
        stacks.append(images)
    encodings = encode(encoder, np.concatenate(stacks))
    database, start = {}, 0
    for identity, images in zip(names, stacks):
        encoding = encodings[start:start + len(images)].mean(axis=0)
        start += len(images)
        if getattr(encoder, "unit_norm", False) and len(images) > 1:
            encoding = encoding / max(np.linalg.norm(encoding), 1e-12)
        database[identity] = encoding
    return database


def verify(encoder, image, identity, database: dict,
           threshold: float = DEFAULT_THRESHOLD) -> tuple:
    """1:1 verification: is ``image`` the person ``identity`` claims to be?

    dist = ‖f(image) − database[identity]‖₂; the claim is accepted when dist ≤ threshold.

    Args:
        encoder: the Encoder that built the database (or Eigenfaces, ...).
        image: (n_H, n_W, n_C) (or (1, n_H, n_W, n_C)).
        identity: the claimed identity, a key of ``database``.
        database: {identity: encoding (d,)}, from :func:`enroll`.
        threshold: the largest distance accepted, in (0, 2] for unit-length encodings.

    Returns:
        (dist, door_open): the distance (float) and whether it is ≤ threshold (bool), as the
        course's ``verify`` returns them.

    Raises:
        KeyError: naming the identity when it is not in the database.
        ValueError: for a threshold out of range, an empty database or a wrong image shape.
    """
    where = "verify"
    threshold = _check_threshold(threshold, encoder, where)
    _check_database(database, where)
    if identity not in database:
        known = sorted(map(repr, database))
        shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise KeyError(f"{where}: identity {identity!r} is not in the database (enrolled: "
                       f"{shown}); enroll it first")
    encoding = encode(encoder, _one_image(image, where))[0]
    dist = float(np.linalg.norm(encoding - np.asarray(database[identity])))
    return dist, bool(dist <= threshold)


def recognize(encoder, image, database: dict, threshold: float = DEFAULT_THRESHOLD) -> tuple:
    """1:K recognition: the enrolled identity closest to ``image``, if close enough.

    min_dist = min over the database of ‖f(image) − encoding‖₂; the identity reached is
    returned when min_dist ≤ threshold, else None ("not recognized").

    Args:
        encoder, image, database, threshold: as in :func:`verify`.

    Returns:
        (min_dist, identity or None), as the course's ``who_is_it`` returns them.

    Raises:
        ValueError: for a threshold out of range, an empty database or a wrong image shape.
    """
    where = "recognize"
    threshold = _check_threshold(threshold, encoder, where)
    _check_database(database, where)
    encoding = encode(encoder, _one_image(image, where))[0]
    identities = list(database)
    enrolled = np.stack([np.asarray(database[k]) for k in identities])  # (K, d)
    distances = np.linalg.norm(enrolled - encoding, axis=1)             # (K,)
    best = int(np.argmin(distances))
    min_dist = float(distances[best])
    if not math.isfinite(min_dist) or min_dist > threshold:
        return min_dist, None
    return min_dist, identities[best]
