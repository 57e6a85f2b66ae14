"""Real data sets read from local files: 8x8 digits, MNIST and Fashion-MNIST.

Nothing is downloaded. Digits come with scikit-learn; MNIST and Fashion-MNIST are read from the
four standard IDX files (gzip-compressed, as distributed) in a folder you give, or in
``$NPDEEP_DATA/mnist`` (``$NPDEEP_DATA/fashion-mnist``), or else in ``~/.cache/npdeep/mnist``.

Images are float32 in [0, 1], batch-first and NHWC: (m, n_H, n_W, n_C); labels are int64 (m,).
"""
from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
MNIST_CLASSES = tuple(str(digit) for digit in range(10))

_IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# IDX magic number: two zero bytes, the type code (0x08 = unsigned byte), the number of dims.
_IDX_IMAGES_MAGIC = 0x00000803
_IDX_LABELS_MAGIC = 0x00000801


def load_digits(flatten: bool = True):
    """scikit-learn's 8x8 handwritten digits (1797 images, 10 classes), read offline.

    Args:
        flatten: True gives X of shape (1797, 64); False gives images (1797, 8, 8, 1) (NHWC).

    Returns:
        (X, y): X float32 in [0, 1] (pixel / 16), y int64 (1797,) with labels 0..9.

    Raises:
        ImportError: when scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError('load_digits reads the copy bundled with scikit-learn, which is not '
                          'installed: pip install "npdeep[train]" (or pip install scikit-learn)'
                          ) from error
    bunch = sklearn_load_digits()
    X = (bunch.data / 16.0).astype(np.float32)  # pixels are counts 0..16
    y = bunch.target.astype(np.int64)
    if not flatten:
        X = X.reshape(-1, 8, 8, 1)  # (m, n_H, n_W, n_C)
    return X, y


def _default_root(folder: str) -> str:
    base = os.environ.get("NPDEEP_DATA")
    if base:
        return os.path.join(os.path.expanduser(base), folder)
    return os.path.join(os.path.expanduser("~"), ".cache", "npdeep", folder)


def _read_bytes(path: str) -> bytes:
    """The decompressed bytes of path (a .gz file, or the same name without .gz)."""
    if os.path.exists(path):
        try:
            with gzip.open(path, "rb") as f:
                return f.read()
        except (OSError, EOFError, zlib.error) as error:
            raise ValueError(f"{path} is not a readable gzip file ({error}); it is truncated or "
                             f"corrupt: replace it with a fresh copy") from error
    with open(path[:-3], "rb") as f:  # the uncompressed file, as some mirrors store it
        return f.read()


def _parse_idx(data: bytes, path: str, magic: int, ndim: int) -> np.ndarray:
    """An IDX array of unsigned bytes: a big-endian int32 magic, ndim int32 sizes, then data."""
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated: {len(data)} bytes, fewer than its {header}-byte "
                         f"IDX header")
    got = int.from_bytes(data[:4], "big")
    if got != magic:
        raise ValueError(f"{path} is not an IDX file of {ndim}-D unsigned bytes: magic number "
                         f"{got:#010x}, expected {magic:#010x}")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(f"{path} is truncated or corrupt: its header says shape {shape} "
                         f"({expected} bytes with the header) but it holds {len(data)} bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _load_idx_pair(name: str, folder: str, root, kind: str, flatten: bool):
    if kind not in _IDX_FILES:
        raise ValueError(f"The 'kind' parameter of {name} must be 'train' or 'test'. "
                         f"Got {kind!r} instead.")
    root = _default_root(folder) if root is None else os.path.expanduser(os.fspath(root))
    paths = [os.path.join(root, filename) for filename in _IDX_FILES[kind]]
    missing = [p for p in paths if not (os.path.exists(p) or os.path.exists(p[:-3]))]
    if missing:
        raise FileNotFoundError(
            f"{name}: missing {', '.join(os.path.basename(p) for p in missing)} in {root}. "
            f"npdeep downloads nothing: put the four IDX files ({', '.join(_IDX_FILES['train'])}, "
            f"{', '.join(_IDX_FILES['test'])}) in that folder, pass root=<folder>, or set the "
            f"NPDEEP_DATA environment variable to a folder holding a '{folder}' subfolder.")
    images_path, labels_path = paths
    images = _parse_idx(_read_bytes(images_path), images_path, _IDX_IMAGES_MAGIC, 3)
    labels = _parse_idx(_read_bytes(labels_path), labels_path, _IDX_LABELS_MAGIC, 1)
    if len(images) != len(labels):
        raise ValueError(f"{name}: {images_path} holds {len(images)} images but {labels_path} "
                         f"holds {len(labels)} labels; the files do not belong together")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path} is corrupt: labels must be 0..9 but it holds "
                         f"{labels.max()}")
    m, n_H, n_W = images.shape
    X = images.astype(np.float32)
    X /= 255.0
    X = X.reshape(m, n_H * n_W) if flatten else X.reshape(m, n_H, n_W, 1)
    return X, labels.astype(np.int64)


def load_mnist(root=None, kind: str = "train", flatten: bool = False):
    """MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28, 10 classes.

    Args:
        root: the folder holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
            t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (uncompressed copies
            without .gz are read too). Default: $NPDEEP_DATA/mnist, else ~/.cache/npdeep/mnist.
        kind: "train" (60,000 images) or "test" (10,000).
        flatten: False gives X of shape (m, 28, 28, 1) (NHWC); True gives (m, 784).

    Returns:
        (X, y): X float32 in [0, 1]; y int64 (m,) with labels 0..9.

    Raises:
        FileNotFoundError: naming each missing file and the folder, when a file is missing.
        ValueError: naming the file, when a file is truncated or not an IDX file.
    """
    return _load_idx_pair("load_mnist", "mnist", root, kind, flatten)


def load_fashion_mnist(root=None, kind: str = "train", flatten: bool = False):
    """Fashion-MNIST: 60,000 training and 10,000 test 28x28 clothing images, 10 classes.

    The files and arguments are MNIST's (see :func:`load_mnist`); the default folder is
    $NPDEEP_DATA/fashion-mnist, else ~/.cache/npdeep/fashion-mnist. Label k is the class
    ``FASHION_MNIST_CLASSES[k]`` (also ``load_fashion_mnist.class_names``): T-shirt/top,
    Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
    """
    return _load_idx_pair("load_fashion_mnist", "fashion-mnist", root, kind, flatten)


load_mnist.class_names = MNIST_CLASSES
load_fashion_mnist.class_names = FASHION_MNIST_CLASSES
