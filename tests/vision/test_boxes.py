"""npdeep.vision.boxes against plain-loop references, as the course writes IoU and NMS."""
import numpy as np
import pytest

from npdeep.vision.boxes import batched_nms, centers_to_corners, corners_to_centers, iou, nms


def iou_loop(a, b):
    """The course's IoU of two corner boxes, one scalar at a time."""
    xi1, yi1 = max(a[0], b[0]), max(a[1], b[1])
    xi2, yi2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(xi2 - xi1, 0.0) * max(yi2 - yi1, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return 0.0 if union == 0 else inter / union


def nms_loop(boxes, scores, iou_threshold, score_threshold, max_boxes=None):
    """NMS by the course's words: drop low p_c, then pick the best, drop its overlaps, repeat.
    The best is found by a scan (first index wins a tie), not by a sort."""
    remaining = [i for i in range(len(boxes)) if scores[i] >= score_threshold]
    out = []
    while remaining and (max_boxes is None or len(out) < max_boxes):
        best = remaining[0]
        for i in remaining:
            if scores[i] > scores[best]:
                best = i
        out.append(best)
        remaining = [i for i in remaining
                     if i != best and iou_loop(boxes[best], boxes[i]) < iou_threshold]
    return out


def random_boxes(rng, n, grid=8):
    """Corner boxes on a 1/grid lattice: exact binary fractions, so equal boxes, zero-area
    boxes, touching boxes and IoUs of exactly 0.5 all occur often."""
    x = np.sort(rng.integers(0, grid + 1, size=(n, 2)), axis=1) / grid
    y = np.sort(rng.integers(0, grid + 1, size=(n, 2)), axis=1) / grid
    return np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1)


def test_course_example_is_one_seventh():
    assert iou([[2, 1, 4, 3]], [[1, 2, 3, 4]])[0, 0] == pytest.approx(1 / 7, abs=1e-15)


def test_iou_matches_loop_on_thousands_of_random_pairs():
    rng = np.random.default_rng(0)
    for grid in (4, 8, 1000):
        a, b = random_boxes(rng, 60, grid), random_boxes(rng, 50, grid)
        expected = np.array([[iou_loop(p, q) for q in b] for p in a])
        got = iou(a, b)
        assert got.shape == (60, 50)
        # Same formula, same float64 operations: equal bit for bit, not merely close.
        np.testing.assert_array_equal(got, expected)
    assert (expected > 0).any() and (expected == 0).any()


def test_iou_edge_cases():
    unit = [0, 0, 1, 1]
    point = [0.5, 0.5, 0.5, 0.5]
    line = [0, 0.5, 1, 0.5]
    got = iou([unit, point, line], [unit, point, line, [1, 0, 2, 1]])
    np.testing.assert_array_equal(got, [[1, 0, 0, 0],   # touching along an edge: 0
                                        [0, 0, 0, 0],   # zero-area pairs are defined as 0
                                        [0, 0, 0, 0]])
    assert iou(np.zeros((0, 4)), [unit]).shape == (0, 1)
    assert iou([unit], np.zeros((0, 4))).shape == (1, 0)
    assert iou(np.ones((3, 4), np.float32), np.ones((2, 4), np.float32)).dtype == np.float32


def test_iou_exactly_half_is_suppressed_at_half():
    # Two 3/4 x 1/2 boxes shifted by 1/4: inter 1/4, union 1/2, IoU exactly 0.5 in binary.
    boxes = np.array([[0, 0, 0.75, 0.5], [0.25, 0, 1, 0.5]])
    assert iou(boxes[:1], boxes[1:])[0, 0] == 0.5
    assert nms(boxes, [0.9, 0.8], iou_threshold=0.5).tolist() == [0]
    assert nms(boxes, [0.9, 0.8], iou_threshold=0.5 + 2 ** -20).tolist() == [0, 1]


def test_nms_matches_loop_on_thousands_of_random_boxes():
    rng = np.random.default_rng(1)
    total = at_threshold = zero_area = tied = 0
    for trial in range(60):
        n = int(rng.integers(0, 80))
        boxes = random_boxes(rng, n, grid=int(rng.choice([4, 8, 64])))
        # Scores on a coarse lattice: many exact ties, some exactly at the score threshold.
        scores = rng.integers(0, 11, size=n) / 10
        iou_threshold = float(rng.choice([0.0, 0.25, 0.5, 0.7, 1.0]))
        score_threshold = float(rng.choice([0.0, 0.5, 0.6]))
        max_boxes = None if trial % 3 else int(rng.integers(1, 6))
        expected = nms_loop(boxes, scores, iou_threshold, score_threshold, max_boxes)
        got = nms(boxes, scores, iou_threshold, score_threshold, max_boxes)
        assert got.dtype == np.int64
        assert got.tolist() == expected, (trial, iou_threshold, score_threshold)
        total += n
        at_threshold += int(np.sum(np.triu(iou(boxes, boxes), 1) == iou_threshold))
        zero_area += int(np.sum((boxes[:, 2] == boxes[:, 0]) | (boxes[:, 3] == boxes[:, 1])))
        tied += n - len(np.unique(scores))
    # The cases the rule is subtle on all occur, many times over.
    assert total > 2000 and at_threshold > 100 and zero_area > 100 and tied > 1000


def test_nms_course_rule_and_defaults():
    boxes = [[0, 0, .5, .5], [0, 0, .5, .4], [.5, .5, 1, 1], [.5, .5, 1, 1]]
    # 1 overlaps 0 by 0.8 -> suppressed; 3 is a duplicate of 2 but under p_c 0.6 anyway.
    assert nms(boxes, [.9, .8, .7, .59]).tolist() == [0, 2]
    # Ties: equal scores are taken in index order.
    assert nms(boxes, [.7, .7, .7, .7], iou_threshold=0.9).tolist() == [0, 1, 2]
    assert nms(boxes, [.7, .7, .7, .7], max_boxes=1).tolist() == [0]
    assert nms(np.zeros((0, 4)), np.zeros(0)).tolist() == []
    assert nms(boxes, [.1, .2, .3, .4]).tolist() == []


def batched_loop(boxes, scores, classes, iou_threshold, score_threshold, max_boxes=None):
    out = []
    for c in sorted(set(classes.tolist())):
        members = [i for i in range(len(boxes)) if classes[i] == c]
        kept = nms_loop(boxes[members], scores[members], iou_threshold, score_threshold)
        out += [members[k] for k in kept]
    out.sort(key=lambda i: (-scores[i], i))
    return out if max_boxes is None else out[:max_boxes]


def test_batched_nms_matches_per_class_loop():
    rng = np.random.default_rng(2)
    for trial in range(40):
        n = int(rng.integers(0, 60))
        boxes = random_boxes(rng, n, grid=8)
        scores = rng.integers(0, 11, size=n) / 10
        classes = rng.integers(0, 3, size=n)
        max_boxes = None if trial % 2 else int(rng.integers(1, 8))
        expected = batched_loop(boxes, scores, classes, 0.5, 0.3, max_boxes)
        assert batched_nms(boxes, scores, classes, 0.5, 0.3, max_boxes).tolist() == expected


def test_batched_nms_never_suppresses_across_classes():
    boxes = np.tile([[0.1, 0.1, 0.6, 0.6]], (6, 1))  # six identical boxes
    scores = np.array([.9, .8, .95, .7, .85, .75])
    classes = np.array([0, 0, 1, 1, 2, 2])
    assert batched_nms(boxes, scores, classes).tolist() == [2, 0, 4]
    assert nms(boxes, scores).tolist() == [2]
    assert batched_nms(boxes, scores, classes, max_boxes=2).tolist() == [2, 0]


def test_conversions_round_trip_in_course_order():
    # (x1, y1, x2, y2) = (0.25, 0.5, 0.75, 1): b_x 0.5, b_y 0.75, b_h 0.5, b_w 0.5.
    np.testing.assert_array_equal(corners_to_centers([0.25, 0.5, 0.75, 1.0]),
                                  [0.5, 0.75, 0.5, 0.5])
    # Height before width: a wide, flat box has b_h < b_w.
    np.testing.assert_array_equal(corners_to_centers([0, 0.375, 1, 0.625]),
                                  [0.5, 0.5, 0.25, 1.0])
    np.testing.assert_array_equal(centers_to_corners([0.5, 0.5, 0.25, 1.0]), [0, 0.375, 1, 0.625])
    boxes = random_boxes(np.random.default_rng(3), 24).reshape(2, 3, 4, 4)
    np.testing.assert_allclose(centers_to_corners(corners_to_centers(boxes)), boxes,
                               atol=1e-15)


@pytest.mark.parametrize("call, match", [
    (lambda: iou([[0, 0, 1]], [[0, 0, 1, 1]]),
     r"iou: boxes_a must have shape \(N, 4\) .*got \(1, 3\)"),
    (lambda: iou([0, 0, 1, 1], [[0, 0, 1, 1]]), r"iou: boxes_a must have shape \(N, 4\)"),
    (lambda: iou([[0, 0, 1, 1]], [[0.5, 0, 0.2, 1]]),
     r"iou: boxes_b of shape \(1, 4\) has 1 box\(es\) with x2 < x1 or y2 < y1"),
    (lambda: iou([[0, 0, 1, np.nan]], [[0, 0, 1, 1]]), r"iou: boxes_a .* holds NaN or inf"),
    (lambda: nms([[0, 0, 1, 1]], [0.5, 0.6]),
     r"nms: scores must have shape \(N,\) = \(1,\), one per box of boxes \(1, 4\); got \(2,\)"),
    (lambda: nms([[0, 0, 1, 1]], [0.5], iou_threshold=1.5),
     r"The 'iou_threshold' parameter of nms must be a finite number in \[0, 1\]"),
    (lambda: nms([[0, 0, 1, 1]], [0.5], score_threshold=-0.1),
     r"The 'score_threshold' parameter of nms"),
    (lambda: nms([[0, 0, 1, 1]], [np.inf]), r"nms: scores .* holds NaN or inf"),
    (lambda: nms([[0, 0, 1, 1]], [0.5], max_boxes=0), r"The 'max_boxes' parameter of nms"),
    (lambda: batched_nms([[0, 0, 1, 1]], [0.5], [0, 1]),
     r"batched_nms: classes must have shape \(N,\) = \(1,\)"),
    (lambda: batched_nms([[0, 0, 1, 1]], [0.5], [0.5]), r"batched_nms: classes must be integ"),
    (lambda: corners_to_centers([1, 0, 0, 1]),
     r"corners_to_centers: boxes of shape \(4,\) has 1 box\(es\) with x2 < x1"),
    (lambda: centers_to_corners([[0.5, 0.5, -0.1, 0.2]]),
     r"centers_to_corners: boxes of shape \(1, 4\) has a negative height"),
    (lambda: centers_to_corners(np.zeros((2, 5))),
     r"centers_to_corners: boxes must have shape \(\.\.\., 4\)"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
