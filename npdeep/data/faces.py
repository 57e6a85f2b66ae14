"""The ORL faces (Olivetti Research Laboratory, 1992-94): 40 people × 10 images of 112×92.

The database is read from one local NumPy file, ``orl_faces.npz`` (``images`` uint8
(400, 112, 92), ``subject`` 1..40, ``image_index`` 1..10); nothing is downloaded. When using
these images, credit the Olivetti Research Laboratory (Samaria & Harter 1994).

For face verification the split is by identity, not by image: the encoder is trained on some
people and evaluated on people it has never seen, as a door-entry system meets new staff.
"""
from __future__ import annotations

import os

import numpy as np

from npdeep.validation import check_int

ORL_FILE = "orl_faces.npz"
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_faces_path() -> str:
    """$NPDEEP_DATA/faces/orl_faces.npz when NPDEEP_DATA is set, else ../shared/data/faces/
    orl_faces.npz next to the repository."""
    base = os.environ.get("NPDEEP_DATA")
    if base:
        return os.path.join(os.path.expanduser(base), "faces", ORL_FILE)
    return os.path.join(_REPO, "..", "shared", "data", "faces", ORL_FILE)


def load_orl_faces(path=None):
    """The 400 ORL face images as NHWC float32 in [0, 1], with their identities.

    Args:
        path: the ``orl_faces.npz`` file, or a folder holding it. Default: see
            :func:`default_faces_path`.

    Returns:
        (images, identities): images float32 (400, 112, 92, 1) in [0, 1] (grey levels / 255),
        subject-major (person 0's ten images first); identities int64 (400,), the subject
        number minus 1 (0..39).

    Raises:
        FileNotFoundError: naming the path looked at and where to put the file.
        ValueError: for a file without the ``images`` and ``subject`` arrays, or of other shapes.

    Example:
        >>> images, identities = load_orl_faces()
        >>> images.shape, identities[:12]
        ((400, 112, 92, 1), array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]))
    """
    path = default_faces_path() if path is None else os.path.expanduser(os.fspath(path))
    if os.path.isdir(path):
        path = os.path.join(path, ORL_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"load_orl_faces: no file at {path}. npdeep downloads nothing: put {ORL_FILE} "
            "(arrays 'images' uint8 (400, 112, 92) and 'subject' 1..40) there, pass "
            f"path=<file or folder>, or set NPDEEP_DATA to a folder holding faces/{ORL_FILE}")
    with np.load(path, allow_pickle=False) as data:
        missing = [k for k in ("images", "subject") if k not in data.files]
        if missing:
            raise ValueError(f"load_orl_faces: {path} has no {' or '.join(missing)} array "
                             f"(it holds {data.files}); it is not the ORL faces file")
        raw, subject = data["images"], data["subject"]
    if raw.ndim != 3 or subject.shape != (len(raw),):
        raise ValueError(f"load_orl_faces: {path} holds images of shape {raw.shape} and "
                         f"subjects of shape {subject.shape}; expected (m, n_H, n_W) and (m,)")
    images = raw.astype(np.float32)[..., None]  # (m, n_H, n_W, 1)
    images /= 255.0
    return images, subject.astype(np.int64) - 1


def downsample(images: np.ndarray, factor: int = 2) -> np.ndarray:
    """Average each factor × factor block: (m, n_H, n_W, n_C) -> (m, n_H/factor, n_W/factor,
    n_C), e.g. ORL's 112×92 to 56×46 with factor 2 (rows and columns that do not fill a block
    are dropped).

    Raises:
        ValueError: for images that are not NHWC or a factor larger than them.
    """
    factor = check_int(factor, "factor", "downsample")
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"downsample expected images of shape (m, n_H, n_W, n_C) but got "
                         f"{images.shape}")
    m, n_H, n_W, n_C = images.shape
    h, w = n_H // factor, n_W // factor
    if h < 1 or w < 1:
        raise ValueError(f"downsample: factor {factor} is larger than the {n_H}×{n_W} images")
    blocks = images[:, :h * factor, :w * factor].reshape(m, h, factor, w, factor, n_C)
    return blocks.mean(axis=(2, 4), dtype=np.float64).astype(images.dtype)


def split_by_identity(images, identities, n_train_identities: int = 30, seed: int = 0):
    """Split by person: n_train_identities people (drawn with a private generator seeded with
    ``seed``) for training, every other person for evaluation; no person is in both.

    Args:
        images: (m, n_H, n_W, n_C).
        identities: (m,) integer identities.
        n_train_identities: how many distinct people train (the rest are "never seen").
        seed: the seed of the draw (the same seed always gives the same people).

    Returns:
        (images_train, identities_train, images_test, identities_test), each set in the order
        of the input.

    Raises:
        ValueError: for images and identities of different m, or n_train_identities not
            leaving at least one person on each side.
    """
    where = "split_by_identity"
    images, identities = np.asarray(images), np.asarray(identities)
    if len(images) != len(identities):
        raise ValueError(f"{where}: images and identities must hold the same number of "
                         f"examples m, but got {len(images)} and {len(identities)}")
    people = np.unique(identities)
    n_train_identities = check_int(n_train_identities, "n_train_identities", where, 1,
                                   len(people) - 1)
    chosen = np.random.default_rng(seed).permutation(people)[:n_train_identities]
    train = np.isin(identities, chosen)
    return images[train], identities[train], images[~train], identities[~train]
