"""npdeep.vision.yolo and yolo_loss: target encoding, decoding, the course's pipeline, the cost."""
import functools
import math

import numpy as np
import pytest

from npdeep import nn
from npdeep.tensor import Tensor
from npdeep.vision.boxes import corners_to_centers
from npdeep.vision.shapes import ShapesDetection
from npdeep.vision.yolo import (decode, detect, encode_targets, yolo_boxes_to_corners, yolo_eval,
                                yolo_filter_boxes, yolo_head, yolo_non_max_suppression,
                                yolo_predictions)
from npdeep.vision.yolo_loss import LAMBDA_COORD, LAMBDA_NOOBJ, yolo_loss, yolo_loss_terms
from harness import assert_gradcheck, load_example, randn, torch_or_skip

ANCHORS = np.array([[0.5, 1.0], [1.0, 1.0], [1.6, 0.8]])  # (w, h) in cells


def _sorted(boxes):
    boxes = np.asarray(boxes)
    return boxes[np.lexsort(boxes.T[::-1])]


# --- encoding and decoding ---------------------------------------------------------------

def test_encode_worked_example_cell_anchor_and_values():
    # Midpoint (0.7, 0.3) in a 3x3 grid: column 2, row 0; b_x = 0.1, b_y = 0.9.
    # Size w 0.15, h 0.3 -> (0.45, 0.9) cells; anchor 0 (0.5 x 1.0) overlaps it best
    # (IoU 0.405/0.5 = 0.81, against 0.405 for the 1 x 1 anchor).
    Y = encode_targets([[[0.625, 0.15, 0.775, 0.45]]], [[1]], S=3, anchors=ANCHORS, C=2,
                       dtype=np.float64)
    assert Y.shape == (1, 3, 3, 3, 7)
    assert Y[..., 0].sum() == 1 and Y[0, 0, 2, 0, 0] == 1
    np.testing.assert_allclose(Y[0, 0, 2, 0], [1, 0.1, 0.9, 0.9, 0.45, 0, 1], atol=1e-12)


def test_encode_picks_the_anchor_with_the_highest_iou():
    # a wide box (w 1.5, h 0.75 cells) goes to the wide anchor 2, a square one to anchor 1
    Y = encode_targets([[[0.1, 0.1, 0.4, 0.25], [0.6, 0.6, 0.8, 0.8]]], [[0, 1]], S=5,
                       anchors=ANCHORS, C=2, dtype=np.float64)
    assert Y[0, 0, 1, 2, 0] == 1 and Y[0, 3, 3, 1, 0] == 1 and Y[..., 0].sum() == 2


def test_encode_two_objects_in_one_cell_take_two_anchors_and_a_full_cell_drops_one():
    boxes = [[0.1, 0.1, 0.3, 0.3], [0.12, 0.12, 0.32, 0.32], [0.1, 0.1, 0.32, 0.3]]
    Y = encode_targets([boxes[:2]], [[0, 1]], S=2, anchors=ANCHORS, C=2, dtype=np.float64)
    assert Y[0, 0, 0, :, 0].sum() == 2
    one_anchor = encode_targets([boxes], [[0, 1, 0]], S=2, anchors=[[1.0, 1.0]], C=2)
    assert one_anchor[..., 0].sum() == 1  # the first object keeps the only slot


def test_encode_midpoint_on_the_last_edge_goes_to_the_last_cell():
    Y = encode_targets([[[0.5, 0.5, 1.0, 1.0]]], [[0]], S=2, anchors=[[1.0, 1.0]], C=1,
                       dtype=np.float64)
    assert Y[0, 1, 1, 0, 0] == 1
    np.testing.assert_allclose(Y[0, 1, 1, 0, 1:5], [0.5, 0.5, 1.0, 1.0])


@pytest.mark.parametrize("S, dtype, atol", [(3, np.float64, 1e-12), (7, np.float64, 1e-12),
                                            (5, np.float32, 2e-6)])
def test_encoding_then_decoding_returns_the_original_boxes(S, dtype, atol):
    data = ShapesDetection(30, size=16, max_objects=4, seed=S)
    Y = encode_targets(data.boxes, data.classes, S, ANCHORS, 3, dtype=dtype)
    boxes, scores, classes = decode(Y, ANCHORS)
    lost = 0
    for n in range(len(data)):
        true = np.concatenate([data.boxes[n], data.classes[n][:, None]], axis=1)
        found = np.concatenate([boxes[n], classes[n][:, None]], axis=1)
        if len(found) < len(true):  # objects dropped for want of a free anchor
            lost += len(true) - len(found)
            continue
        np.testing.assert_allclose(_sorted(found), _sorted(true), atol=atol)
        np.testing.assert_array_equal(scores[n], 1.0)
    assert lost <= 3  # with 3 anchors a collision in a cell is rare at this grid


def test_decode_threshold_and_raw():
    Y = encode_targets([[[0.2, 0.2, 0.6, 0.5]]], [[1]], S=2, anchors=ANCHORS, C=2,
                       dtype=np.float64)
    assert Y[0, 0, 0, 1, 0] == 1  # (0.8 x 0.6 cells: the 1 x 1 anchor)
    Y[0, 0, 0, 2, 0] = 0.4  # a slot with a low p_c (0.4·1)
    Y[0, 0, 0, 2, 1:] = [0.5, 0.5, 1, 1, 1, 0]
    boxes, scores, _ = decode(Y, ANCHORS, threshold=0.5)
    assert len(boxes[0]) == 1
    boxes, scores, _ = decode(Y, ANCHORS, threshold=0.3)
    assert sorted(scores[0].tolist()) == [0.4, 1.0]
    # raw: a zero output is p_c 0.5, midpoint at the cell's centre, the anchor's own size
    feats = np.zeros((1, 2, 2, 3, 7))
    boxes, scores, classes = decode(feats, ANCHORS, threshold=0.0, raw=True)
    assert len(boxes[0]) == 12
    np.testing.assert_allclose(scores[0], 0.5 / 2)  # p_c · softmax of two equal logits
    np.testing.assert_allclose(boxes[0][0], [0.25 - 0.125, 0.25 - 0.25, 0.25 + 0.125, 0.5])


def test_encode_and_decode_bad_input():
    with pytest.raises(ValueError, match="encode_targets: classes of image 0 must be integers "
                                         "in \\[0, 2\\)"):
        encode_targets([[[0, 0, 0.5, 0.5]]], [[2]], S=2, anchors=ANCHORS, C=2)
    with pytest.raises(ValueError, match="encode_targets: boxes_per_image has 2 images but "
                                         "classes_per_image has 1"):
        encode_targets([[], []], [[]], S=2, anchors=ANCHORS, C=2)
    with pytest.raises(ValueError, match="negative size"):
        encode_targets([[[0.5, 0, 0.2, 0.5]]], [[0]], S=2, anchors=ANCHORS, C=2)
    with pytest.raises(ValueError, match="decode: volume must have shape \\(m, S, S, A, 5 \\+ "
                                         "C\\)"):
        decode(np.zeros((1, 2, 3, 3, 7)), ANCHORS)
    with pytest.raises(ValueError, match="has A = 2 anchors on axis 3, but anchors has 3 rows"):
        decode(np.zeros((1, 2, 2, 2, 7)), ANCHORS)


# --- the model's outputs and the course's pipeline ----------------------------------------

def test_yolo_predictions_and_yolo_head_agree():
    feats = randn(2, 3, 3, 3, 7, seed=1)
    pred = yolo_predictions(feats, ANCHORS).data
    box_xy, box_wh, box_confidence, box_class_probs = yolo_head(feats, ANCHORS)
    sig = 1 / (1 + np.exp(-feats.data))
    np.testing.assert_allclose(pred[..., 0:3], sig[..., 0:3])
    np.testing.assert_allclose(pred[..., 3], ANCHORS[:, 1] * np.exp(feats.data[..., 3]))
    np.testing.assert_allclose(pred[..., 4], ANCHORS[:, 0] * np.exp(feats.data[..., 4]))
    np.testing.assert_allclose(pred[..., 5:].sum(axis=-1), 1)
    np.testing.assert_allclose(box_confidence[..., 0], pred[..., 0])
    np.testing.assert_allclose(box_class_probs, pred[..., 5:])
    # yolo_head's image boxes are decode's boxes of the same predictions
    boxes, _, _ = decode(pred, ANCHORS, threshold=0.0)
    corners = yolo_boxes_to_corners(box_xy, box_wh)
    np.testing.assert_allclose(corners.reshape(2, -1, 4)[0], boxes[0], atol=1e-12)
    np.testing.assert_allclose(corners_to_centers(corners)[1, 2, 1, 0, :2],
                               [(1 + pred[1, 2, 1, 0, 1]) / 3, (2 + pred[1, 2, 1, 0, 2]) / 3])


def test_yolo_filter_boxes_keeps_scores_at_or_above_the_threshold():
    box_confidence = np.array([[[0.9]], [[0.5]], [[1.0]]])  # (3, 1, 1)
    boxes = np.arange(12.0).reshape(3, 1, 4)
    box_class_probs = np.array([[[0.2, 0.8]], [[0.9, 0.1]], [[0.6, 0.4]]])
    scores, kept, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs, .6)
    np.testing.assert_allclose(scores, [0.72, 0.6])  # 0.45 goes; exactly 0.6 stays
    np.testing.assert_array_equal(kept, boxes[[0, 2], 0])
    np.testing.assert_array_equal(classes, [1, 0])
    with pytest.raises(ValueError, match="yolo_filter_boxes: box_confidence \\(3, 1, 1\\), "
                                         "boxes \\(3, 1, 3\\)"):
        yolo_filter_boxes(box_confidence, boxes[..., :3], box_class_probs)
    with pytest.raises(ValueError, match="'threshold' parameter of yolo_filter_boxes"):
        yolo_filter_boxes(box_confidence, boxes, box_class_probs, 1.5)


def test_yolo_non_max_suppression_is_per_class_and_capped():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 0.9], [0, 0, 1, 0.95], [2, 2, 3, 3]], float)
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    classes = np.array([0, 0, 1, 0])
    s, b, c = yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5)
    np.testing.assert_allclose(s, [0.9, 0.7, 0.6])  # box 1 suppressed by 0; box 2 is class 1
    np.testing.assert_array_equal(c, [0, 1, 0])
    s, _, _ = yolo_non_max_suppression(scores, boxes, classes, max_boxes=2)
    np.testing.assert_allclose(s, [0.9, 0.7])


def test_yolo_eval_finds_the_planted_box_in_pixels():
    S, A, C = 4, 3, 3
    feats = np.full((1, S, S, A, 5 + C), -8.0)  # every p_c ≈ 0
    feats[..., 3:5] = 0.0
    # one confident slot: cell (1, 2), anchor 1 (1 x 1 cell), centred, class 2
    feats[0, 1, 2, 1, :] = [8, 0, 0, 0, 0, -4, -4, 4]
    feats[0, 1, 2, 0, :] = [6, 0, 0, 0, 0, -4, -4, 4]  # a duplicate on anchor 0 (0.5 x 1)
    scores, boxes, classes = yolo_eval(yolo_head(feats, ANCHORS), image_shape=(100., 200.))
    assert len(scores) == 1 and classes.tolist() == [2]
    # midpoint ((2.5)/4, (1.5)/4), 1 cell square -> pixels of a 100 x 200 (h x w) image
    np.testing.assert_allclose(boxes[0], [2 / 4 * 200, 1 / 4 * 100, 3 / 4 * 200, 2 / 4 * 100])
    assert scores[0] > 0.99


class _PlantedModel(nn.Module):
    """Outputs the same raw volume for every image (a Parameter only gives it a dtype)."""

    def __init__(self, feats):
        super().__init__()
        self.W = nn.Parameter(np.zeros(1))
        self.feats = feats

    def forward(self, X):
        return Tensor(np.repeat(self.feats, X.shape[0], axis=0))


def test_detect_runs_the_model_and_the_pipeline_per_image():
    feats = np.full((1, 2, 2, 3, 8), -8.0)
    feats[..., 3:5] = 0.0
    feats[0, 0, 1, 1, :] = [8, 0, 0, 0, 0, -4, 4, -4]  # cell (0, 1), anchor 1 x 1, class 1
    model = _PlantedModel(feats)
    boxes, scores, classes = detect(model, np.zeros((3, 8, 8, 3)), ANCHORS, mini_batch_size=2)
    assert len(boxes) == 3 and model.training  # the mode is restored
    for b, s, c in zip(boxes, scores, classes):
        np.testing.assert_allclose(b, [[0.5, 0.0, 1.0, 0.5]])
        assert c.tolist() == [1] and s[0] > 0.99


# --- the cost -------------------------------------------------------------------------------

def _targets(m=2, S=3, C=3, seed=0, dtype=np.float64):
    data = ShapesDetection(m, size=16, max_objects=3, seed=seed)
    return encode_targets(data.boxes, data.classes, S, ANCHORS, C, dtype=dtype)


def _loop_loss(feats, Y, anchors, lambda_coord=LAMBDA_COORD, lambda_noobj=LAMBDA_NOOBJ):
    """The YOLO paper's equation 3, one slot at a time."""
    m, S, _, A, n = feats.shape
    sig = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    J = 0.0
    for index in np.ndindex(m, S, S, A):
        t, y = feats[index], Y[index]
        p_c = sig(t[0])
        if y[0] == 1:
            b_h = anchors[index[3], 1] * math.exp(t[3])
            b_w = anchors[index[3], 0] * math.exp(t[4])
            J += lambda_coord * ((sig(t[1]) - y[1]) ** 2 + (sig(t[2]) - y[2]) ** 2)
            J += lambda_coord * ((math.sqrt(b_h) - math.sqrt(y[3])) ** 2
                                 + (math.sqrt(b_w) - math.sqrt(y[4])) ** 2)
            J += (p_c - 1) ** 2
            exps = [math.exp(v) for v in t[5:]]
            J += sum((e / sum(exps) - c) ** 2 for e, c in zip(exps, y[5:]))
        else:
            J += lambda_noobj * p_c ** 2
    return J / m


@pytest.mark.parametrize("seed, S", [(0, 3), (1, 2), (2, 4)])
def test_yolo_loss_matches_the_plain_loop(seed, S):
    Y = _targets(m=3, S=S, seed=seed)
    feats = randn(*Y.shape, seed=seed, scale=0.7)
    np.testing.assert_allclose(yolo_loss(feats, Y, ANCHORS).item(),
                               _loop_loss(feats.data, Y, ANCHORS), rtol=1e-12)
    np.testing.assert_allclose(yolo_loss(feats, Y, ANCHORS, 1.0, 2.0).item(),
                               _loop_loss(feats.data, Y, ANCHORS, 1.0, 2.0), rtol=1e-12)


@pytest.mark.parametrize("m, S, C", [(1, 1, 1), (2, 3, 3), (3, 2, 2)])
def test_yolo_loss_gradcheck(m, S, C):
    data = ShapesDetection(m, size=16, max_objects=3, seed=S)
    Y = encode_targets(data.boxes, [np.minimum(c, C - 1) for c in data.classes], S, ANCHORS,
                       C, dtype=np.float64)
    feats = randn(*Y.shape, seed=m, scale=0.5)
    assert_gradcheck(functools.partial(yolo_loss, Y=Y, anchors=ANCHORS), [feats])


def test_yolo_loss_terms_sum_and_perfect_prediction_is_zero_but_no_object():
    Y = _targets(m=2, S=3)
    feats = randn(*Y.shape, seed=4)
    terms = yolo_loss_terms(feats, Y, ANCHORS)
    assert set(terms) == {"xy", "hw", "object", "no_object", "class"}
    total = sum(t.item() for t in terms.values())
    np.testing.assert_allclose(yolo_loss(feats, Y, ANCHORS).item(), total, rtol=1e-12)
    # a prediction equal to the target in every object slot costs only what the empty slots'
    # p_c and the softmax's never-exact one-hot leave
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    perfect = np.full(Y.shape, -30.0)
    obj = Y[..., 0] == 1
    perfect[obj, 0] = 30.0
    perfect[obj, 1:3] = logit(np.clip(Y[obj, 1:3], 1e-12, 1 - 1e-12))
    a = np.broadcast_to(np.arange(3), obj.shape)[obj]
    perfect[obj, 3] = np.log(Y[obj, 3] / ANCHORS[a, 1])
    perfect[obj, 4] = np.log(Y[obj, 4] / ANCHORS[a, 0])
    perfect[obj, 5:] = np.where(Y[obj, 5:] == 1, 30.0, -30.0)
    terms = yolo_loss_terms(Tensor(perfect), Y, ANCHORS)
    for name, value in terms.items():
        assert value.item() < 1e-18, name


def test_yolo_loss_matches_torch():
    torch = torch_or_skip()
    Y = _targets(m=2, S=3)
    feats = randn(*Y.shape, seed=5, scale=0.6)
    J = yolo_loss(feats, Y, ANCHORS)
    J.backward()
    t = torch.tensor(feats.data, requires_grad=True)
    y = torch.tensor(Y)
    a = torch.tensor(ANCHORS)
    obj, noobj = y[..., 0], 1 - y[..., 0]
    p = torch.sigmoid(t[..., :3])
    b_h = a[:, 1] * torch.exp(t[..., 3])
    b_w = a[:, 0] * torch.exp(t[..., 4])
    probs = torch.softmax(t[..., 5:], dim=-1)
    J_t = (5 * (obj * ((p[..., 1] - y[..., 1]) ** 2 + (p[..., 2] - y[..., 2]) ** 2)).sum()
           + 5 * (obj * ((b_h.sqrt() - y[..., 3].sqrt()) ** 2
                         + (b_w.sqrt() - y[..., 4].sqrt()) ** 2)).sum()
           + (obj * (p[..., 0] - 1) ** 2).sum() + 0.5 * (noobj * p[..., 0] ** 2).sum()
           + (obj[..., None] * (probs - y[..., 5:]) ** 2).sum()) / 2
    J_t.backward()
    np.testing.assert_allclose(J.item(), J_t.item(), rtol=1e-10)
    np.testing.assert_allclose(feats.grad, t.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_yolo_loss_bad_input():
    Y = _targets(m=1, S=2)
    with pytest.raises(ValueError, match="yolo_loss: Y must have the shape of feats "
                                         "\\(1, 2, 2, 3, 8\\)"):
        yolo_loss(randn(1, 2, 2, 3, 8), Y[..., :7], ANCHORS)
    with pytest.raises(ValueError, match="'lambda_noobj' parameter of yolo_loss"):
        yolo_loss(randn(*Y.shape), Y, ANCHORS, lambda_noobj=-1)
    with pytest.raises(ValueError, match="yolo_loss: feats must have shape"):
        yolo_loss(randn(1, 2, 2, 24), Y, ANCHORS)


# --- the example ------------------------------------------------------------------------------

def test_yolo_shapes_example_runs_end_to_end(tmp_path):
    pytest.importorskip("matplotlib")
    result = load_example("yolo_shapes").main(
        ["--size", "16", "--grid", "2", "--width", "4", "--train-size", "16", "--test-size",
         "4", "--epochs", "1", "--verbose", "0", "--out", str(tmp_path)])
    assert 0.0 <= result["mAP"] <= 1.0 and result["ap"].shape == (3,)
    assert result["anchors"].shape == (3, 2)
    with open(result["png"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_yolo_shapes_example_reaches_map_08(tmp_path):
    """The issue's result: mAP@0.5 >= 0.8 on held-out ShapesDetection (a few minutes)."""
    pytest.importorskip("matplotlib")
    result = load_example("yolo_shapes").main(["--verbose", "0", "--out", str(tmp_path)])
    assert result["mAP"] >= 0.8
