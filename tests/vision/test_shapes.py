"""npdeep.vision.shapes: the generated localization and detection data sets."""
import numpy as np
import pytest

from npdeep.vision import shapes
from npdeep.vision.shapes import CLASS_NAMES, ShapesDetection, single_shape_images


def _mask_on_grid(kind, box, landmarks, size=200):
    coords = (np.arange(size) + 0.5) / size
    y, x = np.meshgrid(coords, coords, indexing="ij")
    return shapes._mask(kind, np.asarray(box), np.asarray(landmarks), x, y)


@pytest.mark.parametrize("kind", [shapes.CIRCLE, shapes.SQUARE, shapes.TRIANGLE])
def test_mask_fills_its_box_tightly(kind):
    """The shape touches all four sides of its box (to one pixel) and nothing outside it."""
    rng = np.random.default_rng(kind)
    box = np.array([0.2, 0.3, 0.7, 0.65]) if kind == shapes.TRIANGLE else \
        np.array([0.2, 0.3, 0.6, 0.7])
    landmarks = shapes._shape_geometry(rng, kind, box)
    size = 200
    mask = _mask_on_grid(kind, box, landmarks, size)
    rows, cols = np.nonzero(mask)
    extent = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]) / size
    np.testing.assert_allclose(extent, box, atol=1.5 / size)


def test_triangle_holds_its_centroid_and_square_its_corners_landmarks():
    rng = np.random.default_rng(0)
    box = np.array([0.1, 0.1, 0.9, 0.8])
    tri = shapes._shape_geometry(rng, shapes.TRIANGLE, box)
    assert tri.shape == (4, 2)
    np.testing.assert_allclose(tri[3], tri[:3].mean(axis=0))
    np.testing.assert_allclose(tri[1:3], [[0.9, 0.8], [0.1, 0.8]])
    assert tri[0, 1] == 0.1 and 0.1 < tri[0, 0] < 0.9
    square = shapes._shape_geometry(rng, shapes.SQUARE, box)
    np.testing.assert_allclose(square, [[0.1, 0.1], [0.9, 0.1], [0.9, 0.8], [0.1, 0.8]])
    circle = shapes._shape_geometry(rng, shapes.CIRCLE, np.array([0.2, 0.2, 0.6, 0.6]))
    np.testing.assert_allclose(circle, [[0.4, 0.2], [0.6, 0.4], [0.4, 0.6], [0.2, 0.4]])


def test_single_shape_images_shapes_ranges_and_landmarks_in_box():
    images, boxes, classes, landmarks = single_shape_images(40, size=32, seed=3)
    assert images.shape == (40, 32, 32, 3) and images.dtype == np.float32
    assert boxes.shape == (40, 4) and landmarks.shape == (40, 4, 2)
    assert images.min() >= 0 and images.max() <= 1
    assert set(classes.tolist()) == {0, 1, 2}
    assert np.all(boxes[:, 2] > boxes[:, 0]) and np.all(boxes[:, 3] > boxes[:, 1])
    assert boxes.min() >= 0 and boxes.max() <= 1
    sides = boxes[:, 2:] - boxes[:, :2]
    assert sides.min() >= 0.2 - 1e-6 and sides.max() <= 0.6 + 1e-6
    inside_x = (landmarks[..., 0] >= boxes[:, None, 0] - 1e-6) & \
        (landmarks[..., 0] <= boxes[:, None, 2] + 1e-6)
    inside_y = (landmarks[..., 1] >= boxes[:, None, 1] - 1e-6) & \
        (landmarks[..., 1] <= boxes[:, None, 3] + 1e-6)
    assert np.all(inside_x & inside_y)


def test_single_shape_images_are_painted_where_the_box_is():
    """The shape's colour differs from the texture: pixels change inside the box, so the image
    varies more inside it than along the border of the image far from it."""
    images, boxes, classes, _ = single_shape_images(30, size=48, seed=5, min_size=0.3,
                                                    max_size=0.4)
    for image, box, kind in zip(images, boxes, classes):
        x1, y1, x2, y2 = (box * 48).astype(int)
        centre = image[(y1 + y2) // 2, (x1 + x2) // 2]
        # The centre of a circle/square (and the triangle's box centre, inside it) is painted
        # with the shape's colour, far from the background's mean.
        background = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        outside = background.mean(axis=0)
        assert np.linalg.norm(centre - outside) > 0.2, kind


def test_single_shape_images_empty_fraction():
    images, boxes, classes, landmarks = single_shape_images(200, size=16, seed=0,
                                                            empty_fraction=0.3)
    empty = classes == -1
    assert 0.15 < empty.mean() < 0.45
    assert np.all(boxes[empty] == 0) and np.all(landmarks[empty] == 0)
    assert np.all(classes[~empty] >= 0)
    _, _, all_empty, _ = single_shape_images(5, size=16, seed=0, empty_fraction=1.0)
    assert np.all(all_empty == -1)


def test_single_shape_images_is_repeatable():
    a = single_shape_images(4, size=16, seed=7)
    b = single_shape_images(4, size=16, seed=7)
    c = single_shape_images(4, size=16, seed=8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_single_shape_images_bad_arguments():
    with pytest.raises(ValueError, match="'n' parameter of single_shape_images must be an int"):
        single_shape_images(0)
    with pytest.raises(ValueError, match="'size' parameter of single_shape_images .* >= 8"):
        single_shape_images(2, size=4)
    with pytest.raises(ValueError, match="'empty_fraction' .* in \\[0, 1\\]"):
        single_shape_images(2, empty_fraction=1.5)
    with pytest.raises(ValueError, match="'max_size' parameter of single_shape_images must "
                                         "be >= min_size"):
        single_shape_images(2, min_size=0.5, max_size=0.3)


def test_shapes_detection_objects_counts_boxes_and_overlaps():
    data = ShapesDetection(60, size=32, max_objects=4, seed=1)
    assert len(data) == 60 and data.images.shape == (60, 32, 32, 3)
    assert data.class_names == CLASS_NAMES == ("circle", "square", "triangle")
    counts = [len(b) for b in data.boxes]
    assert min(counts) >= 1 and max(counts) == 4
    overlapping = 0
    for boxes, classes in zip(data.boxes, data.classes):
        assert boxes.shape == (len(classes), 4) and boxes.dtype == np.float32
        assert np.all(boxes[:, 2:] > boxes[:, :2]) and boxes.min() >= 0 and boxes.max() <= 1
        assert set(classes.tolist()) <= {0, 1, 2}
        for i in range(len(boxes)):
            # every pair within the overlap limits the data set promises
            assert shapes._overlap_ok(boxes[i], list(boxes[:i]), 0.3 + 1e-6, 0.5 + 1e-6)
            for j in range(i):
                iw = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
                ih = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
                overlapping += iw > 0 and ih > 0
    assert overlapping > 0  # "some overlapping"
    image, boxes, classes = data[3]
    assert image is not None and np.array_equal(boxes, data.boxes[3])
    assert "ShapesDetection(n=60" in repr(data)


def test_shapes_detection_is_repeatable_and_checks_arguments():
    a, b = ShapesDetection(3, size=16, seed=2), ShapesDetection(3, size=16, seed=2)
    np.testing.assert_array_equal(a.images, b.images)
    for x, y in zip(a.boxes, b.boxes):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="'min_objects' parameter of ShapesDetection must be "
                                         "an int in \\[0, 2\\]"):
        ShapesDetection(2, max_objects=2, min_objects=3)
    with pytest.raises(ValueError, match="'max_iou' parameter of ShapesDetection"):
        ShapesDetection(2, max_iou=-0.1)
