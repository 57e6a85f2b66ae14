"""Images of shapes generated in code, for localization, landmarks and detection.

Two data sets, both rendered with NumPy alone (each shape is a mask computed on the grid of
pixel centres, so no imaging library is needed):

- ``single_shape_images``: one circle, square or triangle per image (or none, on request), its
  box and its landmarks — classification with localization and landmark detection (course 4,
  week 3).
- ``ShapesDetection``: several shapes per image, of random size, colour and position, some
  overlapping — object detection with YOLO.

Coordinates follow the course: the image's top-left corner is (0, 0) and its bottom-right
corner (1, 1); x grows to the right, y downwards. Boxes are in corner form (x1, y1, x2, y2),
normalized by the image size. The pixel in row i, column j has its centre at
((j + 0.5)/size, (i + 0.5)/size) and belongs to a shape when its centre lies inside it.

Every draw comes from a private generator seeded with ``seed`` (or from npdeep's generator when
``seed`` is None), so the same call always returns the same images.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.validation import check_float, check_int, check_probability

CLASS_NAMES = ("circle", "square", "triangle")
CIRCLE, SQUARE, TRIANGLE = 0, 1, 2
N_LANDMARKS = 4

# A shape's colour differs from the background's mean colour by at least this Euclidean
# distance in RGB ([0, 1] each), so every shape stays visible on its texture.
_MIN_CONTRAST = 0.35


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def _background(rng, size: int) -> np.ndarray:
    """A textured background: a base colour, two random sinusoidal gratings and pixel noise.

    Returns (size, size, 3) float64 in [0, 1].
    """
    coords = (np.arange(size) + 0.5) / size
    y, x = np.meshgrid(coords, coords, indexing="ij")  # (size, size) each
    base = rng.uniform(0.15, 0.85, size=3)
    image = np.broadcast_to(base, (size, size, 3)).copy()
    for _ in range(2):
        frequency = rng.uniform(2.0, 8.0)
        angle = rng.uniform(0.0, np.pi)
        phase = rng.uniform(0.0, 2 * np.pi)
        wave = np.sin(2 * np.pi * frequency * (x * np.cos(angle) + y * np.sin(angle)) + phase)
        image += 0.08 * wave[:, :, None] * rng.uniform(-1.0, 1.0, size=3)
    image += rng.normal(0.0, 0.03, size=(size, size, 3))
    return np.clip(image, 0.0, 1.0)


def _colour(rng, background: np.ndarray) -> np.ndarray:
    """A random RGB colour at least _MIN_CONTRAST away from the background's mean colour."""
    mean = background.reshape(-1, 3).mean(axis=0)
    while True:
        colour = rng.uniform(0.0, 1.0, size=3)
        if np.linalg.norm(colour - mean) >= _MIN_CONTRAST:
            return colour


def _shape_geometry(rng, kind: int, box: np.ndarray) -> np.ndarray:
    """The shape's N_LANDMARKS landmarks (l_x, l_y) inside its box (x1, y1, x2, y2).

    - square: its corners, clockwise from the top-left one;
    - triangle: its three corners (apex on the top edge, bottom-right, bottom-left), then its
      centroid as a fourth point, so that every shape has the same number of landmarks;
    - circle: the four points where it touches its box (top, right, bottom, left), the points
      of a circle that fix its box as a square's corners fix its.
    The triangle's apex lies at a random place along the top edge, so the box is tight.
    """
    x1, y1, x2, y2 = box
    if kind == SQUARE:
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    if kind == TRIANGLE:
        apex_x = x1 + rng.uniform(0.2, 0.8) * (x2 - x1)
        corners = np.array([[apex_x, y1], [x2, y2], [x1, y2]])
        return np.concatenate([corners, corners.mean(axis=0, keepdims=True)])
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return np.array([[cx, y1], [x2, cy], [cx, y2], [x1, cy]])


def _mask(kind: int, box: np.ndarray, landmarks: np.ndarray, x: np.ndarray,
          y: np.ndarray) -> np.ndarray:
    """Boolean mask of the pixels whose centres (x, y) lie inside the shape."""
    x1, y1, x2, y2 = box
    if kind == SQUARE:
        return (x >= x1) & (x <= x2) & (y >= y1) & (y <= y2)
    if kind == CIRCLE:
        r = (x2 - x1) / 2
        return (x - (x1 + x2) / 2) ** 2 + (y - (y1 + y2) / 2) ** 2 <= r * r
    # Triangle: the point is on the same side of all three edges (the corners are clockwise in
    # image coordinates, so each edge's cross product is >= 0 inside).
    inside = np.ones(x.shape, dtype=bool)
    for k in range(3):
        (ax, ay), (bx, by) = landmarks[k], landmarks[(k + 1) % 3]
        inside &= (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= 0
    return inside


def _paint(rng, image: np.ndarray, kind: int, box: np.ndarray, landmarks: np.ndarray,
           colour: np.ndarray) -> None:
    """Paint the shape onto ``image`` (size, size, 3) in place, within its box's pixels only."""
    size = image.shape[0]
    j0, i0 = (max(int(np.floor(v * size)) - 1, 0) for v in box[:2])
    j1, i1 = (min(int(np.ceil(v * size)) + 1, size) for v in box[2:])
    ys = (np.arange(i0, i1) + 0.5) / size
    xs = (np.arange(j0, j1) + 0.5) / size
    y, x = np.meshgrid(ys, xs, indexing="ij")
    mask = _mask(kind, box, landmarks, x, y)
    shade = colour + rng.normal(0.0, 0.02, size=mask.shape + (3,))  # a little surface noise
    region = image[i0:i1, j0:j1]
    region[mask] = np.clip(shade[mask], 0.0, 1.0)


def _random_box(rng, min_size: float, max_size: float) -> np.ndarray:
    """A square box (x1, y1, x2, y2) of side in [min_size, max_size] fully inside the image."""
    side = rng.uniform(min_size, max_size)
    x1, y1 = rng.uniform(0.0, 1.0 - side, size=2)
    return np.array([x1, y1, x1 + side, y1 + side])


def _random_box_wh(rng, kind: int, min_size: float, max_size: float) -> np.ndarray:
    """Circles and squares have square boxes; triangles get an aspect ratio in [0.6, 1.6]."""
    if kind != TRIANGLE:
        return _random_box(rng, min_size, max_size)
    w = rng.uniform(min_size, max_size)
    h = float(np.clip(w * rng.uniform(0.6, 1.6), min_size, max_size))
    x1 = rng.uniform(0.0, 1.0 - w)
    y1 = rng.uniform(0.0, 1.0 - h)
    return np.array([x1, y1, x1 + w, y1 + h])


def _check_sizes(min_size, max_size, where: str) -> tuple:
    min_size = check_float(min_size, "min_size", where, 0.0, 1.0, low_open=True)
    max_size = check_float(max_size, "max_size", where, 0.0, 1.0, low_open=True)
    if max_size < min_size:
        raise ValueError(f"The 'max_size' parameter of {where} must be >= min_size "
                         f"({min_size:g}). Got {max_size:g} instead.")
    return min_size, max_size


def single_shape_images(n: int, size: int = 64, seed: int | None = 0,
                        empty_fraction: float = 0.0, min_size: float = 0.2,
                        max_size: float = 0.6):
    """n images each holding one circle, square or triangle (or nothing), with box and landmarks.

    Each shape has a random class, colour, size (its box's side is a fraction in
    [min_size, max_size] of the image's; triangles may be up to 1.6 times taller than wide or
    wider than tall) and place (fully inside the image), on a textured background (a random base
    colour, two sinusoidal gratings and pixel noise).

    Landmarks, N_LANDMARKS = 4 (l_x, l_y) points per image in image-normalized coordinates:
    a square's corners clockwise from the top-left; a triangle's corners (apex, bottom-right,
    bottom-left) and then its centroid; for a circle the four points where it touches its box
    (top, right, bottom, left).

    With ``empty_fraction`` > 0 about that fraction of the images hold no shape (p_c = 0 in the
    course's y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_C]): their class is -1 and their box and
    landmarks are zeros.

    Args:
        n: number of images (int >= 1).
        size: side of each square image in pixels (int >= 8).
        seed: seed of the generator, or None for npdeep's generator.
        empty_fraction: probability that an image holds no shape, in [0, 1].
        min_size, max_size: range of the shape's box side, as fractions of the image's side.

    Returns:
        images: (n, size, size, 3) float32 in [0, 1], NHWC.
        boxes: (n, 4) float32, corner form (x1, y1, x2, y2) normalized to [0, 1].
        classes: (n,) int64 in {0: circle, 1: square, 2: triangle}, or -1 for no shape.
        landmarks: (n, 4, 2) float32 (l_x, l_y) pairs.

    Example:
        >>> images, boxes, classes, landmarks = single_shape_images(8, size=32, seed=1)
        >>> images.shape, boxes.shape, classes.shape, landmarks.shape
        ((8, 32, 32, 3), (8, 4), (8,), (8, 4, 2))
    """
    where = "single_shape_images"
    n = check_int(n, "n", where)
    size = check_int(size, "size", where, low=8)
    empty_fraction = check_probability(empty_fraction, "empty_fraction", where)
    min_size, max_size = _check_sizes(min_size, max_size, where)
    rng = _generator(seed)
    images = np.empty((n, size, size, 3), dtype=np.float32)
    boxes = np.zeros((n, 4), dtype=np.float32)
    classes = np.full(n, -1, dtype=np.int64)
    landmarks = np.zeros((n, N_LANDMARKS, 2), dtype=np.float32)
    for i in range(n):
        image = _background(rng, size)
        if rng.uniform() >= empty_fraction:
            kind = int(rng.integers(len(CLASS_NAMES)))
            box = _random_box_wh(rng, kind, min_size, max_size)
            points = _shape_geometry(rng, kind, box)
            _paint(rng, image, kind, box, points, _colour(rng, image))
            boxes[i], classes[i], landmarks[i] = box, kind, points
        images[i] = image
    return images, boxes, classes, landmarks


def _overlap_ok(box: np.ndarray, others: list, max_iou: float, max_cover: float) -> bool:
    """Whether ``box`` overlaps every box in ``others`` by IoU <= max_iou and covers at most
    ``max_cover`` of the smaller of the two (so a small shape is never hidden by a larger one
    painted over it)."""
    for other in others:
        iw = min(box[2], other[2]) - max(box[0], other[0])
        ih = min(box[3], other[3]) - max(box[1], other[1])
        if iw <= 0 or ih <= 0:
            continue
        inter = iw * ih
        area_a = (box[2] - box[0]) * (box[3] - box[1])
        area_b = (other[2] - other[0]) * (other[3] - other[1])
        if inter / (area_a + area_b - inter) > max_iou or inter / min(area_a, area_b) > max_cover:
            return False
    return True


class ShapesDetection:
    """A detection data set generated in code: several circles, squares and triangles per image.

    Each image holds between ``min_objects`` and ``max_objects`` shapes of random class, colour,
    size (box side in [min_size, max_size] of the image's) and position, on a textured
    background. Shapes may overlap — by IoU up to ``max_iou`` and covering at most half of the
    smaller shape, so that every object stays visible enough to be detected; a placement that
    breaks these limits is drawn again (after 50 tries the image simply holds fewer shapes).

    Attributes:
        images: (n, size, size, 3) float32 in [0, 1], NHWC.
        boxes: list of n arrays (k_i, 4) float32, corner form (x1, y1, x2, y2) in [0, 1].
        classes: list of n arrays (k_i,) int64 in {0: circle, 1: square, 2: triangle}.
        class_names: ("circle", "square", "triangle").

    ``len(data)`` is n; ``data[i]`` is (image, boxes, classes) of image i.

    Example:
        >>> data = ShapesDetection(4, size=64, max_objects=3, seed=0)
        >>> image, boxes, classes = data[0]
        >>> image.shape, boxes.shape[1], data.class_names[classes[0]] in data.class_names
        ((64, 64, 3), 4, True)
    """

    class_names = CLASS_NAMES

    def __init__(self, n: int, size: int = 96, max_objects: int = 4, seed: int | None = 0,
                 min_objects: int = 1, min_size: float = 0.15, max_size: float = 0.45,
                 max_iou: float = 0.3):
        where = "ShapesDetection"
        self.n = check_int(n, "n", where)
        self.size = check_int(size, "size", where, low=8)
        self.max_objects = check_int(max_objects, "max_objects", where)
        self.min_objects = check_int(min_objects, "min_objects", where, low=0,
                                     high=self.max_objects)
        self.min_size, self.max_size = _check_sizes(min_size, max_size, where)
        self.max_iou = check_probability(max_iou, "max_iou", where)
        rng = _generator(seed)
        self.images = np.empty((self.n, self.size, self.size, 3), dtype=np.float32)
        self.boxes, self.classes = [], []
        for i in range(self.n):
            self.images[i], boxes, classes = self._render(rng)
            self.boxes.append(np.asarray(boxes, dtype=np.float32).reshape(-1, 4))
            self.classes.append(np.asarray(classes, dtype=np.int64))

    def _render(self, rng):
        image = _background(rng, self.size)
        k = int(rng.integers(self.min_objects, self.max_objects + 1))
        boxes, classes = [], []
        for _ in range(k):
            kind = int(rng.integers(len(CLASS_NAMES)))
            for _attempt in range(50):
                box = _random_box_wh(rng, kind, self.min_size, self.max_size)
                if _overlap_ok(box, boxes, self.max_iou, max_cover=0.5):
                    break
            else:
                continue
            points = _shape_geometry(rng, kind, box)
            _paint(rng, image, kind, box, points, _colour(rng, image))
            boxes.append(box)
            classes.append(kind)
        return image, boxes, classes

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return self.images[i], self.boxes[i], self.classes[i]

    def __repr__(self) -> str:
        return (f"ShapesDetection(n={self.n}, size={self.size}, "
                f"objects={self.min_objects}..{self.max_objects})")
