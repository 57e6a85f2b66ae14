"""npdeep.vision.draw: boxes land where their normalized corners say, in a PNG."""
import numpy as np
import pytest

from npdeep.vision.draw import draw_boxes

mpimg = pytest.importorskip("matplotlib.image")

RED = np.array([0xd6, 0x27, 0x28]) / 255  # class 3's colour


def read(path):
    return mpimg.imread(str(path))[..., :3]


def test_box_edges_are_drawn_at_the_normalized_corners(tmp_path):
    image = np.full((32, 48, 3), 0.5)  # wider than tall: the figure keeps the aspect ratio
    path = tmp_path / "boxes.png"
    fig = draw_boxes(image, [[0.25, 0.5, 0.75, 1.0]], labels=[3], path=path)
    assert fig is not None and path.exists()
    pixels = read(path)
    assert pixels.shape == (266, 400, 3)  # 4 inches wide at 100 dpi, 32/48 of it tall
    # The left edge x = 0.25 is at column 100, from row 0.5·266 down; the background is gray.
    np.testing.assert_allclose(pixels[200, 100], RED, atol=0.05)
    np.testing.assert_allclose(pixels[200, 200], 0.5, atol=0.01)  # inside: the image
    np.testing.assert_allclose(pixels[60, 100], 0.5, atol=0.01)  # above the box: no edge
    np.testing.assert_allclose(pixels[200, 300], RED, atol=0.05)  # right edge x = 0.75


def test_captions_and_uint8_images(tmp_path):
    image = np.full((40, 40, 3), 128, dtype=np.uint8)
    boxes = [[0.2, 0.3, 0.6, 0.9], [0.5, 0.1, 0.9, 0.4]]
    plain, captioned = tmp_path / "plain.png", tmp_path / "captioned.png"
    draw_boxes(image, boxes, labels=[0, 2], path=plain)
    draw_boxes(image, boxes, labels=[0, 2], scores=[0.91, 0.55], path=captioned,
               class_names=("circle", "square", "triangle"))
    a, b = read(plain), read(captioned)
    assert a.shape == b.shape == (400, 400, 3)
    # The captions add white text on a coloured band just above each box's top-left corner:
    # the pixels that change lie above the boxes' top edges (y = 0.3 and 0.1), and some are
    # white where the plain picture has none.
    changed = np.argwhere(np.abs(a - b).sum(axis=2) > 0.1)
    assert len(changed) > 50 and changed[:, 0].max() < 0.3 * 400
    white = lambda p: (p > 0.95).all(axis=2).sum()  # noqa: E731
    assert white(b) > white(a) + 20
    draw_boxes(image, np.zeros((0, 4)), path=tmp_path / "none.png")  # no boxes: just the image
    np.testing.assert_allclose(read(tmp_path / "none.png"), 128 / 255, atol=0.01)


@pytest.mark.parametrize("kwargs, match", [
    (dict(image=np.zeros((3, 8, 8))), r"draw_boxes: image must have shape \(n_H, n_W, 3\)"),
    (dict(image=np.full((8, 8, 3), 2.0)), r"draw_boxes: a float image must lie in \[0, 1\]"),
    (dict(boxes=[[0.5, 0, 0.2, 1]]), r"draw_boxes: boxes of shape \(1, 4\) has 1 box\(es\)"),
    (dict(labels=[0, 1]), r"draw_boxes: labels must be \(K,\) = \(1,\) integer classes"),
    (dict(scores=[0.5, 0.4]), r"draw_boxes: scores must be \(K,\) = \(1,\)"),
    (dict(labels=[3], class_names=("a", "b")), r"draw_boxes: labels must lie in \[0, 2\)"),
])
def test_bad_input(kwargs, match):
    args = dict(image=np.zeros((8, 8, 3)), boxes=[[0, 0, 1, 1]])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        draw_boxes(**args)
