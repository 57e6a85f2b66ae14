"""Tests for npdeep/data/transforms.py: exact behaviour on hand-made batches, repeatability."""
import numpy as np
import pytest

import npdeep
from npdeep.data import transforms as T


def batch(m=4, n_H=5, n_W=5, n_C=3, seed=0):
    return np.random.default_rng(seed).random((m, n_H, n_W, n_C)).astype(np.float32)


# ---------------------------------------------------------------------- flip
def test_flip_p1_reverses_columns():
    X = np.arange(2 * 2 * 3 * 1, dtype=np.float32).reshape(2, 2, 3, 1)
    out = T.RandomHorizontalFlip(p=1.0)(X)
    np.testing.assert_array_equal(out, X[:, :, ::-1])
    np.testing.assert_array_equal(out[0, 0, :, 0], [2, 1, 0])


def test_flip_p0_is_identity_and_does_not_modify_input():
    X = batch()
    before = X.copy()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(X), X)
    T.RandomHorizontalFlip(p=1.0)(X)
    np.testing.assert_array_equal(X, before)


def test_flip_is_per_example():
    X = batch(m=200)
    out = T.RandomHorizontalFlip(p=0.5)(X)
    flipped = np.array([np.array_equal(o, x[:, ::-1]) for o, x in zip(out, X)])
    kept = np.array([np.array_equal(o, x) for o, x in zip(out, X)])
    assert np.all(flipped | kept)
    assert 60 < flipped.sum() < 140


# ---------------------------------------------------------------------- crop
def test_crop_full_size_without_padding_is_identity():
    X = batch()
    np.testing.assert_array_equal(T.RandomCrop(5)(X), X)


def test_crop_windows_come_from_padded_image():
    X = batch(m=50, n_H=6, n_W=7, n_C=2)
    out = T.RandomCrop((4, 5), padding=1)(X)
    assert out.shape == (50, 4, 5, 2)
    X_pad = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
    offsets = set()
    for i in range(50):
        # Slow reference: find the window by search.
        found = [(t, l) for t in range(8 - 4 + 1) for l in range(9 - 5 + 1)
                 if np.array_equal(X_pad[i, t:t + 4, l:l + 5], out[i])]
        assert found, f"example {i} is not a window of its padded image"
        offsets.add(found[0])
    assert len(offsets) > 5  # offsets really are random per example


def test_crop_pads_with_fill_and_rejects_too_large():
    X = np.ones((3, 2, 2, 1), dtype=np.float32)
    out = T.RandomCrop(4, padding=1, fill=-1)(X)
    np.testing.assert_array_equal(out[:, 1:3, 1:3], X)
    assert np.all(out[:, 0] == -1)
    with pytest.raises(ValueError, match=r"RandomCrop\(size=\(5, 5\)\).*smaller than the crop"):
        T.RandomCrop(5, padding=1)(X)
    with pytest.raises(ValueError, match="The 'size' parameter of RandomCrop"):
        T.RandomCrop(0)


# ---------------------------------------------------------------------- rotation
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_zero_is_identity(interpolation):
    X = batch(n_H=6, n_W=7)
    out = T.RandomRotation(0, interpolation=interpolation)(X)
    np.testing.assert_allclose(out, X, atol=1e-6)


@pytest.mark.parametrize("n", [4, 5])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_90_matches_rot90(n, interpolation):
    X = batch(m=3, n_H=n, n_W=n)
    out = T.RandomRotation((90, 90), interpolation=interpolation)(X)
    np.testing.assert_allclose(out, np.rot90(X, 1, axes=(1, 2)), atol=1e-6)
    out = T.RandomRotation((-90, -90), interpolation=interpolation)(X)
    np.testing.assert_allclose(out, np.rot90(X, -1, axes=(1, 2)), atol=1e-6)
    out = T.rotate(X, [180, 180, 180], interpolation)
    np.testing.assert_allclose(out, X[:, ::-1, ::-1], atol=1e-6)


def test_rotation_small_angle_fills_corners_and_keeps_centre():
    X = np.ones((1, 9, 9, 1), dtype=np.float32)
    out = T.rotate(X, [30.0], "bilinear", fill=0.0)
    assert out[0, 4, 4, 0] == pytest.approx(1.0)
    assert out[0, 0, 0, 0] == 0.0  # the corner came from outside the image
    assert out.dtype == np.float32


def test_rotation_bilinear_against_loop_reference():
    X = batch(m=2, n_H=5, n_W=6, n_C=2)
    angles = [17.0, -40.0]
    out = T.rotate(X, angles, "bilinear")
    ref = np.zeros_like(X, dtype=np.float64)
    for i, a in enumerate(angles):
        t = np.deg2rad(a)
        for y in range(5):
            for x in range(6):
                u, v = x - 2.5, 2.0 - y
                xs = 2.5 + np.cos(t) * u + np.sin(t) * v
                ys = 2.0 - (-np.sin(t) * u + np.cos(t) * v)
                y0, x0 = int(np.floor(ys)), int(np.floor(xs))
                for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                    w = (1 - abs(ys - yy)) * (1 - abs(xs - xx))
                    if 0 <= yy < 5 and 0 <= xx < 6:
                        ref[i, y, x] += w * X[i, yy, xx]
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_rotation_errors():
    with pytest.raises(ValueError, match="The 'interpolation' parameter of RandomRotation"):
        T.RandomRotation(10, interpolation="cubic")
    with pytest.raises(ValueError, match="The 'degrees' parameter of RandomRotation"):
        T.RandomRotation((10, -10))


# ---------------------------------------------------------------------- colour
def test_color_shift_is_constant_per_example_and_channel():
    X = batch(m=6)
    out = T.ColorShift(0.2)(X)
    shift = out - X
    np.testing.assert_allclose(shift, shift[:, :1, :1, :].repeat(5, 1).repeat(5, 2),
                               atol=1e-6)
    assert np.all(np.abs(shift) <= 0.2 + 1e-6)
    assert np.std(shift[:, 0, 0, :]) > 0.01
    np.testing.assert_array_equal(T.ColorShift(0.0)(X), X)
    assert T.ColorShift(5.0, clip=(0, 1))(X).max() <= 1.0


def test_fit_pca_color_recovers_covariance():
    rng = np.random.default_rng(0)
    A = np.array([[1.0, 0.0, 0.0], [0.5, 0.3, 0.0], [0.2, 0.1, 0.05]])
    X = (rng.standard_normal((20, 8, 8, 3)) @ A.T)
    eigvals, eigvecs = T.fit_pca_color(X)
    assert np.all(np.diff(eigvals) <= 0)
    cov = np.cov(X.reshape(-1, 3), rowvar=False)
    np.testing.assert_allclose(eigvecs @ np.diag(eigvals) @ eigvecs.T, cov, atol=1e-10)


def test_pca_color_adds_one_colour_per_example_along_eigvecs():
    X = batch(m=5)
    eigvals = np.array([0.5, 0.1, 0.01])
    eigvecs = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    npdeep.manual_seed(3)
    out = T.PCAColorAugmentation(eigvals, eigvecs, std=0.1)(X)
    npdeep.manual_seed(3)
    alpha = npdeep.backend.rng().normal(0.0, 0.1, size=(5, 3))
    expected = X + np.einsum("ck,mk->mc", eigvecs, alpha * eigvals)[:, None, None, :]
    np.testing.assert_allclose(out, expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"expected input of shape \(m, n_H, n_W, 3\)"):
        T.PCAColorAugmentation(eigvals, eigvecs)(batch(n_C=1))
    with pytest.raises(ValueError, match="fit_pca_color"):
        T.PCAColorAugmentation(eigvals, eigvecs[:2])


# ---------------------------------------------------------------------- pad / upsample / normalize
def test_pad_28_to_32_and_8_to_32():
    X = np.ones((2, 28, 28, 1), dtype=np.float32)
    out = T.Pad(2)(X)
    assert out.shape == (2, 32, 32, 1)
    np.testing.assert_array_equal(out[:, 2:30, 2:30], X)
    assert out.sum() == X.sum()
    assert T.Pad(12)(np.ones((1, 8, 8, 1))).shape == (1, 32, 32, 1)
    assert T.Pad((1, 2, 3, 4))(np.ones((1, 2, 2, 1))).shape == (1, 5, 9, 1)
    assert T.Pad((1, 0))(np.ones((1, 2, 2, 1))).shape == (1, 4, 2, 1)
    with pytest.raises(ValueError, match="The 'padding' parameter of Pad"):
        T.Pad(-1)


def test_upsample_repeats_pixels():
    X = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    out = T.Upsample(2)(X)
    np.testing.assert_array_equal(out[0, :, :, 0], [[0, 0, 1, 1], [0, 0, 1, 1],
                                                    [2, 2, 3, 3], [2, 2, 3, 3]])


def test_normalize_per_channel():
    X = batch(m=10)
    mean, std = X.mean(axis=(0, 1, 2)), X.std(axis=(0, 1, 2))
    out = T.Normalize(mean, std)(X)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="Normalize has a mean of 2 channels"):
        T.Normalize([0, 0], [1, 1])(X)
    with pytest.raises(ValueError, match="The 'std' parameter of Normalize must be > 0"):
        T.Normalize(0, 0)


# ---------------------------------------------------------------------- general
def test_bad_batch_shape_names_transform():
    with pytest.raises(ValueError, match=r"RandomCrop expected a batch of shape "
                                         r"\(m, n_H, n_W, n_C\) but got \(28, 28\)"):
        T.RandomCrop(28)(np.zeros((28, 28)))


def make_pipeline():
    return T.Compose([T.Pad(2), T.RandomCrop(8, padding=1), T.RandomHorizontalFlip(),
                      T.RandomRotation(15), T.ColorShift(0.1)])


def test_compose_shapes_and_order():
    X = batch(m=3, n_H=6, n_W=6)
    out = make_pipeline()(X)
    assert out.shape == (3, 8, 8, 3) and out.dtype == np.float32
    # Order matters: Pad then crop 10 -> 10 is identity only if the pad comes first.
    out = T.Compose([T.Pad(2), T.RandomCrop(10)])(X)
    np.testing.assert_array_equal(out, np.pad(X, ((0, 0), (2, 2), (2, 2), (0, 0))))
    assert "RandomCrop" in repr(make_pipeline())
    with pytest.raises(TypeError, match="Compose: transform 1 is a int"):
        T.Compose([T.Pad(1), 3])


def test_repeatable_under_manual_seed():
    X = batch(m=8, n_H=6, n_W=6)
    npdeep.manual_seed(7)
    a = make_pipeline()(X)
    b = make_pipeline()(X)
    npdeep.manual_seed(7)
    c = make_pipeline()(X)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


def test_works_in_dataloader():
    data = pytest.importorskip("npdeep.data")
    if not hasattr(data, "DataLoader"):
        pytest.skip("npdeep.data.DataLoader not available")
    X = batch(m=10, n_H=6, n_W=6)
    Y = np.arange(10)
    loader = data.DataLoader(data.ArrayDataset(X, Y), mini_batch_size=4, shuffle=False,
                             transform=T.Compose([T.Pad(1), T.RandomHorizontalFlip(p=1.0)]))
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    X_b = batches[0][0]
    X_b = X_b.data if hasattr(X_b, "data") and not isinstance(X_b, np.ndarray) else X_b
    np.testing.assert_allclose(np.asarray(X_b), np.pad(X[:4], ((0, 0), (1, 1), (1, 1), (0, 0)))
                               [:, :, ::-1])


def test_hyperparameters_use_the_shared_checks():
    # NaN and inf used to slip through the hand-written `value < 0` checks.
    with pytest.raises(ValueError, match=r"The 'max_shift' parameter of ColorShift must be a "
                                         r"finite number >= 0\. Got nan instead\."):
        T.ColorShift(float("nan"))
    with pytest.raises(ValueError, match=r"The 'degrees' parameter of RandomRotation must be a "
                                         r"finite number >= 0\. Got inf instead\."):
        T.RandomRotation(float("inf"))
    with pytest.raises(ValueError, match="The 'degrees' parameter of RandomRotation"):
        T.RandomRotation((0, float("inf")))
    with pytest.raises(ValueError, match=r"The 'p' parameter of RandomHorizontalFlip must be a "
                                         r"finite number in \[0, 1\]\. Got 1\.5 instead\."):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match=r"The 'interpolation' parameter of rotate must be one "
                                         r"of 'bilinear', 'nearest'\. Got 'cubic' instead\."):
        T.rotate(np.ones((1, 2, 2, 1)), [0.0], interpolation="cubic")
    with pytest.raises(ValueError, match=r"The 'factor' parameter of Upsample must be an int "
                                         r">= 1\. Got 0 instead\."):
        T.Upsample(0)
    with pytest.raises(ValueError, match="The 'padding' parameter of Pad must be an int >= 0"):
        T.Pad((1, True))
    # NumPy scalars are numbers like any other.
    assert T.RandomRotation(np.float32(10)).degrees == (-10.0, 10.0)
    assert T.RandomCrop(np.int64(3)).size == (3, 3)
    assert T.Pad(np.int64(1)).padding == (1, 1, 1, 1)
