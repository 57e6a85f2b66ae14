import gzip
import os

import numpy as np
import pytest

import conftest
from npdeep.data import (FASHION_MNIST_CLASSES, load_digits, load_fashion_mnist, load_mnist)

MNIST = os.path.join(conftest.SHARED_DATA, "mnist")
FASHION = os.path.join(conftest.SHARED_DATA, "fashion-mnist")
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def needs(folder):
    if not all(os.path.exists(os.path.join(folder, f)) for f in FILES):
        pytest.skip(f"shared data folder {folder} not present")


def test_digits():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(y.tolist()) == set(range(10))
    np.testing.assert_array_equal(y[:10], np.arange(10))
    images, y2 = load_digits(flatten=False)
    assert images.shape == (1797, 8, 8, 1)
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    # The shared CSV copy holds the same pixels (0..16) and labels.
    path = os.path.join(conftest.SHARED_DATA, "digits", "digits.csv.gz")
    if os.path.exists(path):
        table = np.loadtxt(path, delimiter=",")
        np.testing.assert_array_equal(table[:, :64] / 16, X.astype(np.float64))
        np.testing.assert_array_equal(table[:, 64], y)


def test_digits_without_sklearn_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r'pip install "npdeep\[train\]".*scikit-learn'):
        load_digits()


def test_mnist_train_and_test():
    needs(MNIST)
    X, y = load_mnist(MNIST, kind="train")
    assert X.shape == (60000, 28, 28, 1) and X.dtype == np.float32
    assert y.shape == (60000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(y[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    np.testing.assert_array_equal(np.bincount(y), [5923, 6742, 5958, 6131, 5842, 5421, 5918,
                                                   6265, 5851, 5949])
    X_test, y_test = load_mnist(MNIST, kind="test", flatten=True)
    assert X_test.shape == (10000, 784)
    np.testing.assert_array_equal(np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958,
                                                        1028, 974, 1009])
    # Pixel values are the raw bytes / 255 (the first training image's header skipped).
    with gzip.open(os.path.join(MNIST, FILES[2]), "rb") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16)[:784]
    np.testing.assert_array_equal(X_test[0], raw.astype(np.float32) / 255)


def test_fashion_mnist():
    needs(FASHION)
    X, y = load_fashion_mnist(FASHION, kind="test")
    assert X.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)
    assert len(FASHION_MNIST_CLASSES) == 10 and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert load_fashion_mnist.class_names[0] == "T-shirt/top"


def test_npdeep_data_environment_variable(tmp_path, monkeypatch):
    needs(MNIST)
    (tmp_path / "mnist").symlink_to(MNIST, target_is_directory=True)
    monkeypatch.setenv("NPDEEP_DATA", str(tmp_path))
    X, y = load_mnist(kind="test")
    assert X.shape == (10000, 28, 28, 1) and y[0] == 7


def test_missing_folder_message(tmp_path, monkeypatch):
    monkeypatch.setenv("NPDEEP_DATA", str(tmp_path))
    folder = os.path.join(str(tmp_path), "fashion-mnist")
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(kind="train")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message
    assert folder in message and "NPDEEP_DATA" in message
    monkeypatch.delenv("NPDEEP_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"\.cache.npdeep.mnist"):
        load_mnist()


def write_idx(path, magic, shape, payload, compress=True):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in shape)
    data = header + payload
    if compress:
        data = gzip.compress(data)
    path.write_bytes(data)


def make_pair(folder, m=3, images_payload=None, label_magic=0x801):
    images = np.arange(m * 28 * 28, dtype=np.uint64) % 256
    write_idx(folder / FILES[2], 0x803, (m, 28, 28),
              images.astype(np.uint8).tobytes() if images_payload is None else images_payload)
    write_idx(folder / FILES[3], label_magic, (m,), bytes(range(m)))


def test_small_valid_pair_and_uncompressed_copy(tmp_path):
    make_pair(tmp_path)
    X, y = load_mnist(tmp_path, kind="test")
    assert X.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(y, [0, 1, 2])
    np.testing.assert_allclose(X[0, 0, :3, 0], np.array([0, 1, 2]) / 255)
    # The same files stored uncompressed (without .gz) are read too.
    for name in FILES[2:]:
        raw = gzip.decompress((tmp_path / name).read_bytes())
        (tmp_path / name).unlink()
        (tmp_path / name[:-3]).write_bytes(raw)
    np.testing.assert_array_equal(load_mnist(tmp_path, kind="test")[1], [0, 1, 2])


def test_truncated_payload_is_refused(tmp_path):
    make_pair(tmp_path, images_payload=bytes(3 * 784 - 10))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz is truncated or corrupt: "
                                         r"its header says shape \(3, 28, 28\)"):
        load_mnist(tmp_path, kind="test")


def test_truncated_gzip_stream_is_refused(tmp_path):
    make_pair(tmp_path)
    path = tmp_path / FILES[2]
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz is not a readable gzip"):
        load_mnist(tmp_path, kind="test")
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz is not a readable gzip"):
        load_mnist(tmp_path, kind="test")


def test_bad_magic_and_short_header(tmp_path):
    make_pair(tmp_path, label_magic=0x803)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is not an IDX file.*"
                                         r"magic number 0x00000803, expected 0x00000801"):
        load_mnist(tmp_path, kind="test")
    (tmp_path / FILES[3]).write_bytes(gzip.compress(b"\x00\x00"))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is truncated: 2 bytes"):
        load_mnist(tmp_path, kind="test")


def test_mismatched_counts_and_kind(tmp_path):
    make_pair(tmp_path)
    write_idx(tmp_path / FILES[3], 0x801, (2,), bytes([0, 1]))
    with pytest.raises(ValueError, match="holds 3 images but .* holds 2 labels"):
        load_mnist(tmp_path, kind="test")
    with pytest.raises(ValueError, match=r"The 'kind' parameter of load_mnist must be 'train' "
                                         r"or 'test'. Got 'dev' instead."):
        load_mnist(tmp_path, kind="dev")
