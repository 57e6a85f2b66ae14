"""npdeep.vision.detection_eval: VOC all-point mean average precision."""
import numpy as np
import pytest

from npdeep.vision.detection_eval import (average_precision, match_detections,
                                          mean_average_precision)


def test_hand_worked_example():
    """Two images, one class; 3 true boxes, 5 detections.

    Ranked by score: d1 (0.9) hits t1 → TP; d2 (0.8) is a second hit on t1 → FP;
    d3 (0.7) misses everything → FP; d4 (0.6) hits t3 in image 1 → TP; d5 (0.5) hits t2 → TP.
    precision 1, 1/2, 1/3, 2/4, 3/5; recall 1/3, 1/3, 1/3, 2/3, 1.
    Envelope: 1 up to recall 1/3, then max(1/2, 3/5) = 3/5 at 2/3 and 3/5 at 1.
    AP = 1/3·1 + 1/3·3/5 + 1/3·3/5 = 11/15.
    """
    true_boxes = [np.array([[0, 0, 2, 2], [4, 4, 6, 6]]), np.array([[1, 1, 3, 3]])]
    true_classes = [np.array([0, 0]), np.array([0])]
    pred_boxes = [np.array([[0, 0, 2, 2.1], [0.1, 0, 2, 2], [7, 7, 8, 8], [4, 4, 6, 5.5]]),
                  np.array([[1, 1, 3, 3]])]
    pred_scores = [np.array([0.9, 0.8, 0.7, 0.5]), np.array([0.6])]
    pred_classes = [np.zeros(4, int), np.zeros(1, int)]
    mAP, ap = mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes,
                                     true_classes, C=1)
    np.testing.assert_allclose(mAP, 11 / 15)
    np.testing.assert_allclose(ap, [11 / 15])
    tp, n_true = match_detections(pred_boxes, pred_scores, true_boxes)
    assert tp.tolist() == [True, False, False, True, True] and n_true == 3


def test_average_precision_all_point_interpolation():
    assert average_precision([1.0], [1.0]) == 1.0
    # recall reaches only 1/2: the rest of the curve has precision 0
    assert average_precision([0.5], [1.0]) == 0.5
    # a dip in precision is filled by the better precision at a higher recall
    np.testing.assert_allclose(average_precision([0.25, 0.25, 0.5, 0.75],
                                                 [1.0, 0.5, 2 / 3, 0.75]), 0.25 + 0.5 * 0.75)


def test_classes_without_truth_are_nan_and_left_out_of_the_mean():
    mAP, ap = mean_average_precision([[[0, 0, 1, 1], [2, 2, 3, 3]]], [[0.9, 0.8]], [[0, 2]],
                                     [[[0, 0, 1, 1]]], [[0]], C=3)
    assert ap[0] == 1.0 and np.isnan(ap[1]) and np.isnan(ap[2]) and mAP == 1.0
    # a class with truth but no detections has AP 0
    mAP, ap = mean_average_precision([np.zeros((0, 4))], [[]], [[]], [[[0, 0, 1, 1]]], [[1]],
                                     C=2)
    assert ap[1] == 0.0 and mAP == 0.0


def test_iou_threshold_is_inclusive_and_classes_do_not_match_each_other():
    # IoU of [0, 0, 2, 1] with [0, 0, 1, 1] is exactly 0.5
    args = ([[[0, 0, 2, 1]]], [[0.9]], [[0]], [[[0, 0, 1, 1]]])
    assert mean_average_precision(*args, [[0]], C=1, iou_threshold=0.5)[0] == 1.0
    assert mean_average_precision(*args, [[0]], C=1, iou_threshold=0.51)[0] == 0.0
    wrong_class = mean_average_precision([[[0, 0, 1, 1]]], [[0.9]], [[1]], [[[0, 0, 1, 1]]],
                                         [[0]], C=2)
    assert wrong_class[1][0] == 0.0 and np.isnan(wrong_class[1][1])


def _brute_force_map(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes, C,
                     threshold=0.5):
    """Matching with explicit loops and scalar IoU; AP as (1/G)·Σ over true positives k of the
    best precision at rank k or later — the same area as the interpolated curve, summed by
    detections instead of by recall steps."""
    def scalar_iou(a, b):
        iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = iw * ih
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0

    aps = []
    for c in range(C):
        dets = [(pred_scores[n][k], n, k) for n in range(len(pred_boxes))
                for k in range(len(pred_boxes[n])) if pred_classes[n][k] == c]
        dets.sort(key=lambda d: -d[0])
        truths = {n: [k for k in range(len(true_boxes[n])) if true_classes[n][k] == c]
                  for n in range(len(true_boxes))}
        G = sum(len(v) for v in truths.values())
        if G == 0:
            aps.append(np.nan)
            continue
        used, hits = set(), []
        for _, n, k in dets:
            best, best_iou = None, -1.0
            for g in truths[n]:
                value = scalar_iou(pred_boxes[n][k], true_boxes[n][g])
                if value > best_iou:
                    best, best_iou = g, value
            hit = best is not None and best_iou >= threshold and (n, best) not in used
            if hit:
                used.add((n, best))
            hits.append(hit)
        precisions = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        ap = sum(max(precisions[k:]) for k in range(len(hits)) if hits[k]) / G
        aps.append(ap)
    aps = np.array(aps)
    return np.nanmean(aps), aps


@pytest.mark.parametrize("seed", range(6))
def test_mean_average_precision_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    C, m = 3, 8
    true_boxes, true_classes, pred_boxes, pred_scores, pred_classes = [], [], [], [], []
    for _ in range(m):
        g = int(rng.integers(0, 5))
        corner = rng.uniform(0, 0.7, size=(g, 2))
        truth = np.concatenate([corner, corner + rng.uniform(0.1, 0.3, size=(g, 2))], axis=1)
        # detections: jittered copies of some truths (some duplicated), plus random boxes
        copies = truth[rng.integers(0, g, size=int(rng.integers(0, 6)))] if g else \
            np.zeros((0, 4))
        copies = copies + rng.normal(0, 0.04, size=copies.shape)
        copies[:, 2:] = np.maximum(copies[:, 2:], copies[:, :2])
        noise_corner = rng.uniform(0, 0.8, size=(int(rng.integers(0, 3)), 2))
        noise = np.concatenate([noise_corner, noise_corner + 0.15], axis=1)
        boxes = np.concatenate([copies, noise])
        true_boxes.append(truth)
        true_classes.append(rng.integers(0, C, size=g))
        pred_boxes.append(boxes)
        # scores on a coarse lattice, so that ties occur
        pred_scores.append(rng.integers(1, 6, size=len(boxes)) / 5)
        pred_classes.append(rng.integers(0, C, size=len(boxes)))
    mAP, ap = mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes,
                                     true_classes, C)
    ref_mAP, ref_ap = _brute_force_map(pred_boxes, pred_scores, pred_classes, true_boxes,
                                       true_classes, C)
    np.testing.assert_allclose(ap, ref_ap, equal_nan=True, atol=1e-12)
    np.testing.assert_allclose(mAP, ref_mAP, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="mean_average_precision: pred_scores has 1 images but "
                                         "true_boxes has 2"):
        mean_average_precision([[], []], [[]], [[], []], [[], []], [[], []], C=1)
    with pytest.raises(ValueError, match="image 0 has 1 pred_boxes, 2 pred_scores"):
        mean_average_precision([[[0, 0, 1, 1]]], [[0.5, 0.4]], [[0]], [[]], [[]], C=1)
    with pytest.raises(ValueError, match="negative size"):
        mean_average_precision([[[1, 0, 0, 1]]], [[0.5]], [[0]], [[]], [[]], C=1)
    with pytest.raises(ValueError, match="'iou_threshold' parameter of mean_average_precision"):
        mean_average_precision([], [], [], [], [], C=1, iou_threshold=2)
