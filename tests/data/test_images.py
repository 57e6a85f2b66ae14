"""Tests of npdeep/data/images.py: reading and writing image files, the NumPy bilinear resize
(against a loop and PyTorch), cropping and the layout checks."""
from __future__ import annotations

import os

import numpy as np
import pytest

import conftest
from npdeep.data.images import (center_crop, check_image, load_image, resize_image,
                                save_image, side_by_side)

IMAGES = os.path.join(conftest.SHARED_DATA, "images")


def bilinear_loop(image: np.ndarray, n_H: int, n_W: int) -> np.ndarray:
    """Output pixel (i, j) at input coordinate ((i + 0.5)·s_H − 0.5, (j + 0.5)·s_W − 0.5),
    clamped, interpolated from its four neighbours."""
    H, W = image.shape[:2]
    out = np.zeros((n_H, n_W) + image.shape[2:])
    for i in range(n_H):
        y = min(max((i + 0.5) * H / n_H - 0.5, 0), H - 1)
        y0 = int(np.floor(y))
        y1, dy = min(y0 + 1, H - 1), y - y0
        for j in range(n_W):
            x = min(max((j + 0.5) * W / n_W - 0.5, 0), W - 1)
            x0 = int(np.floor(x))
            x1, dx = min(x0 + 1, W - 1), x - x0
            out[i, j] = ((1 - dy) * ((1 - dx) * image[y0, x0] + dx * image[y0, x1])
                         + dy * ((1 - dx) * image[y1, x0] + dx * image[y1, x1]))
    return out


@pytest.mark.parametrize("size", [(7, 5), (12, 20), (5, 9), (1, 1), (6, 6)])
def test_resize_matches_the_loop(size):
    image = np.random.default_rng(0).random((6, 9, 3))
    np.testing.assert_allclose(resize_image(image, size, antialias=False),
                               bilinear_loop(image, *size), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(11, 7), (13, 17), (4, 6)])
def test_resize_matches_torch_bilinear(size):
    torch = pytest.importorskip("torch")
    image = np.random.default_rng(1).random((8, 10, 3))
    expected = torch.nn.functional.interpolate(
        torch.from_numpy(image).permute(2, 0, 1)[None], size=size, mode="bilinear",
        align_corners=False)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(resize_image(image, size, antialias=False), expected,
                               rtol=1e-10, atol=1e-10)


def test_antialias_averages_blocks_before_shrinking():
    # One bright pixel in the middle of every 3x3 block, shrunk 3x: interpolation alone lands
    # on the dots (all 1); averaging the blocks first gives their mean, 1/9, everywhere.
    dots = np.zeros((15, 15))
    dots[1::3, 1::3] = 1.0
    np.testing.assert_allclose(resize_image(dots, 5), 1 / 9)
    np.testing.assert_allclose(resize_image(dots, 5, antialias=False), 1.0)
    assert resize_image(np.ones((9, 9, 3), np.uint8), 3).dtype == np.float32


def test_identity_size_and_constant_images_are_unchanged():
    image = np.random.default_rng(2).random((5, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(resize_image(image, (5, 4)), image, rtol=1e-6)
    np.testing.assert_allclose(resize_image(np.full((7, 3), 0.25), (2, 9)), 0.25)


def test_center_crop():
    image = np.arange(6 * 10).reshape(6, 10)
    np.testing.assert_array_equal(center_crop(image, 1.0), image[:, 2:8])
    np.testing.assert_array_equal(center_crop(image.T, 1.0), image.T[2:8])


def test_save_and_load_round_trip(tmp_path):
    image = np.random.default_rng(3).random((9, 7, 3)).astype(np.float32)
    path = str(tmp_path / "sub" / "picture.png")
    save_image(path, image)
    back = load_image(path)
    assert back.shape == (9, 7, 3) and back.dtype == np.float32
    np.testing.assert_allclose(back, image, atol=1 / 255 + 1e-6)  # PNG stores 8 bits
    assert load_image(path, size=(3, 3)).shape == (3, 3, 3)
    grey = str(tmp_path / "grey.png")
    save_image(grey, image[:, :, 0])
    loaded = load_image(grey)
    np.testing.assert_allclose(loaded[..., 0], loaded[..., 2])


def test_jpeg_is_read_through_pillow(tmp_path):
    pytest.importorskip("PIL")
    from PIL import Image
    ramp = np.linspace(0, 1, 16)
    smooth = np.stack([ramp[:, None] * np.ones(16), np.ones(16)[:, None] * ramp,
                       np.full((16, 16), 0.5)], axis=2)  # JPEG keeps smooth images well
    pixels = (smooth * 255).astype(np.uint8)
    path = str(tmp_path / "picture.jpg")
    Image.fromarray(pixels).save(path, quality=100)
    image = load_image(path)
    assert image.shape == (16, 16, 3) and 0.0 <= image.min() and image.max() <= 1.0
    assert np.abs(image - pixels / 255.0).max() < 0.05  # JPEG is lossy


def test_shared_photographs_load_at_128():
    path = os.path.join(IMAGES, "chelsea.png")
    if not os.path.exists(path):
        pytest.skip(f"shared images folder {IMAGES} not present")
    image = load_image(path, size=128)
    assert image.shape == (128, 128, 3) and image.std() > 0.05


def test_side_by_side():
    a, b = np.zeros((4, 3, 3)), np.ones((2, 5, 3), np.float32)
    canvas = side_by_side([a, b], gap=2, background=0.5)
    assert canvas.shape == (4, 10, 3)
    assert (canvas[:, 3:5] == 0.5).all() and (canvas[:2, 5:] == 1).all()
    assert (canvas[2:, 5:] == 0.5).all()


def test_layout_errors_name_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"f: expected an image of shape \(n_H, n_W, 3\) \(HWC\) "
                                         r"but got \(3, 8, 8\), which looks channels-first"):
        check_image(np.zeros((3, 8, 8)), "f", 3)
    with pytest.raises(ValueError, match=r"\(8, 8, 4\): 4 channels instead of 3"):
        check_image(np.zeros((8, 8, 4)), "f", 3)
    with pytest.raises(ValueError, match=r"values in \[0, 1\] but got \[0, 255\]; divide"):
        check_image(np.linspace(0, 255, 48).reshape(4, 4, 3), "f", 3)
    assert check_image(np.full((1, 4, 4, 3), 255, np.uint8), "f", 3).max() == 1.0
    with pytest.raises(FileNotFoundError, match="load_image: no image file"):
        load_image(str(tmp_path / "missing.png"))
    with pytest.raises(ValueError, match="The 'size' parameter of resize_image must be an int"):
        resize_image(np.zeros((4, 4)), (1, 2, 3))
