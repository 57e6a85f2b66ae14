"""npdeep.vision.anchors: centred IoU, k-means with 1 − IoU, and the YOLOv2 anchors file."""
import os

import numpy as np
import pytest

from npdeep.vision.anchors import (check_anchors, kmeans_anchors, load_anchors, mean_best_iou,
                                   wh_iou)
from npdeep.vision.boxes import iou

from conftest import SHARED_DATA

ANCHORS_FILE = os.path.join(SHARED_DATA, "detection", "yolov2_anchors.txt")


def test_wh_iou_is_iou_of_boxes_at_a_common_centre():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.01, 1, (20, 2)), rng.uniform(0.01, 1, (30, 2))
    centred = lambda wh: np.concatenate([0.5 - wh / 2, 0.5 + wh / 2], axis=1)  # noqa: E731
    np.testing.assert_allclose(wh_iou(a, b), iou(centred(a), centred(b)), rtol=1e-12)
    assert wh_iou([[2, 1]], [[1, 2]])[0, 0] == pytest.approx(1 / 3)


def clustered_shapes(rng, centres, per_cluster=80, spread=0.04):
    """Box shapes scattered by ±spread (relative) around each centre, shuffled."""
    wh = np.concatenate([c * rng.uniform(1 - spread, 1 + spread, (per_cluster, 2))
                         for c in centres])
    return wh[rng.permutation(len(wh))]


def test_kmeans_recovers_clusters():
    # Five shapes of very different size and aspect ratio: tall, wide, small, large, square.
    centres = np.array([[0.05, 0.05], [0.1, 0.3], [0.3, 0.1], [0.35, 0.35], [0.8, 0.7]])
    rng = np.random.default_rng(1)
    wh = clustered_shapes(rng, centres)
    for seed in range(3):
        anchors = kmeans_anchors(wh, 5, seed=seed)
        assert anchors.shape == (5, 2)
        expected = centres[np.argsort(centres.prod(axis=1))]
        np.testing.assert_allclose(anchors, expected, rtol=0.03)
        assert mean_best_iou(wh, anchors) > 0.93
    # Fewer anchors fit the boxes less well (YOLOv2's Avg IoU grows with k).
    assert mean_best_iou(wh, kmeans_anchors(wh, 2)) < mean_best_iou(wh, anchors) - 0.1


def test_kmeans_uses_iou_not_euclidean_distance():
    # Small boxes 0.02 apart in width and height are different shapes under 1 − IoU
    # (IoU 0.25), while large boxes 0.1 apart are nearly the same (IoU about 0.8).
    small = [[0.02, 0.02], [0.04, 0.04]]
    large = [[0.8, 0.8], [0.9, 0.9]]
    wh = np.array(small * 20 + large * 20)
    anchors = kmeans_anchors(wh, 3, seed=0)
    np.testing.assert_allclose(anchors[:2], small)
    np.testing.assert_allclose(anchors[2], [0.85, 0.85])


def test_kmeans_edge_cases_and_determinism():
    wh = np.array([[0.3, 0.2]] * 5)
    np.testing.assert_allclose(kmeans_anchors(wh, 3), [[0.3, 0.2]] * 3)  # fewer shapes than k
    wh = np.random.default_rng(2).uniform(0.05, 0.9, (50, 2))
    np.testing.assert_array_equal(kmeans_anchors(wh, 4, seed=7), kmeans_anchors(wh, 4, seed=7))
    assert kmeans_anchors(wh, 1).tolist() == [wh.mean(axis=0).tolist()]


@pytest.mark.skipif(not os.path.exists(ANCHORS_FILE), reason="shared data not present")
def test_load_the_yolov2_anchors_file():
    coco = load_anchors(ANCHORS_FILE)
    assert coco.shape == (5, 2)
    np.testing.assert_allclose(coco[0], [0.57273, 0.677385])
    np.testing.assert_allclose(coco[-1], [9.77052, 9.16828])
    voc = load_anchors(ANCHORS_FILE, line=1)
    np.testing.assert_allclose(voc[0], [1.3221, 1.73145])
    with pytest.raises(ValueError, match="has 2 anchor line"):
        load_anchors(ANCHORS_FILE, line=2)


def test_load_anchors_format(tmp_path):
    path = tmp_path / "anchors.txt"
    path.write_text("# comment\n\n1, 2,  3,4\n")
    np.testing.assert_array_equal(load_anchors(path), [[1, 2], [3, 4]])
    path.write_text("1, 2, 3\n")
    with pytest.raises(ValueError, match="has 3 values; anchors come in"):
        load_anchors(path)
    path.write_text("1, x\n")
    with pytest.raises(ValueError, match="is not comma-separated numbers"):
        load_anchors(path)


@pytest.mark.parametrize("call, match", [
    (lambda: check_anchors([1, 2]), r"check_anchors: anchors must have shape \(A, 2\)"),
    (lambda: check_anchors([[1, 0]]), r"must be finite and > 0"),
    (lambda: wh_iou([[1, 1]], [[1, np.nan]]), r"wh_iou: every \(w, h\) of wh_b"),
    (lambda: kmeans_anchors([[1, 1]], 2), r"kmeans_anchors: k = 2 anchors need at least"),
    (lambda: kmeans_anchors([[1, 1]], 0), r"The 'k' parameter of kmeans_anchors"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
