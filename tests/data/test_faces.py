"""The ORL faces loader, the identity split and the block-average downsampling."""
import os

import numpy as np
import pytest

from npdeep.data.faces import default_faces_path, downsample, load_orl_faces, split_by_identity

needs_orl = pytest.mark.skipif(not os.path.exists(default_faces_path()),
                               reason="the ORL faces file is not in ../shared/data/faces")


def write_fake_orl(path, people=3, per_person=4, shape=(6, 4)):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (people * per_person, *shape), dtype=np.uint8)
    subject = np.repeat(np.arange(1, people + 1), per_person).astype(np.int16)
    np.savez_compressed(path, images=images, subject=subject,
                        image_index=np.tile(np.arange(1, per_person + 1), people))
    return images


def test_load_from_file_and_folder(tmp_path):
    raw = write_fake_orl(tmp_path / "orl_faces.npz")
    for path in (tmp_path / "orl_faces.npz", tmp_path):
        images, identities = load_orl_faces(path)
        assert images.shape == (12, 6, 4, 1) and images.dtype == np.float32
        np.testing.assert_allclose(images[..., 0] * 255, raw, atol=1e-4)
        np.testing.assert_array_equal(identities, np.repeat([0, 1, 2], 4))


def test_missing_file_says_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_orl_faces: no file at .*nothing.npz\. "
                                                r"npdeep downloads nothing: put orl_faces.npz"):
        load_orl_faces(tmp_path / "nothing.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="has no images or subject array"):
        load_orl_faces(tmp_path / "other.npz")


@needs_orl
def test_the_real_database():
    images, identities = load_orl_faces()
    assert images.shape == (400, 112, 92, 1)
    assert 0.0 <= images.min() and images.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(identities), np.full(40, 10))


def test_split_by_identity_is_a_partition_of_people():
    identities = np.repeat(np.arange(40), 10)
    images = np.arange(400, dtype=np.float32).reshape(400, 1, 1, 1)
    X_train, y_train, X_test, y_test = split_by_identity(images, identities, 30, seed=0)
    assert len(np.unique(y_train)) == 30 and len(np.unique(y_test)) == 10
    assert not set(y_train) & set(y_test)
    assert len(X_train) == 300 and len(X_test) == 100
    np.testing.assert_array_equal(X_train[:, 0, 0, 0] // 10, y_train)  # images kept with ids
    again = split_by_identity(images, identities, 30, seed=0)
    np.testing.assert_array_equal(again[3], y_test)
    other = split_by_identity(images, identities, 30, seed=1)
    assert set(other[3]) != set(y_test)
    with pytest.raises(ValueError, match="The 'n_train_identities' parameter of "
                                         "split_by_identity must be an int in"):
        split_by_identity(images, identities, 40)


def test_downsample_averages_blocks():
    images = np.arange(2 * 4 * 6, dtype=np.float32).reshape(2, 4, 6, 1)
    small = downsample(images, 2)
    assert small.shape == (2, 2, 3, 1)
    assert small[0, 0, 0, 0] == pytest.approx(np.mean([0, 1, 6, 7]))
    for factor in (2, 3):  # every block against a plain loop; factor 3 drops the 4th row
        got = downsample(images, factor)
        assert got.shape == (2, 4 // factor, 6 // factor, 1) and got.dtype == np.float32
        for n, i, j in np.ndindex(got.shape[:3]):
            block = images[n, i * factor:(i + 1) * factor, j * factor:(j + 1) * factor, 0]
            assert got[n, i, j, 0] == pytest.approx(block.mean())
    with pytest.raises(ValueError, match=r"downsample expected images of shape \(m, n_H, n_W, "
                                         r"n_C\) but got \(4, 6\)"):
        downsample(images[0, ..., 0], 2)
