"""npdeep.vision.localization: the course's losses against plain loops, gradient checks."""
import math

import numpy as np
import pytest

from harness import assert_gradcheck, assert_matches_torch, randn
from npdeep.gradcheck import gradcheck_model
from npdeep.tensor import Tensor
from npdeep.vision.localization import (LandmarkHead, LocalizationHead, decode_localization,
                                        landmark_loss, localization_loss, localization_targets)


def localization_loss_loop(y_hat, y, loss="squared"):
    """The course's if/else per example, one scalar at a time."""
    m, n = y.shape
    total = 0.0
    for i in range(m):
        if loss == "squared":
            if y[i, 0] == 1:
                total += sum((y_hat[i, j] - y[i, j]) ** 2 for j in range(n))
            else:
                total += (y_hat[i, 0] - y[i, 0]) ** 2
        else:
            p, t = y_hat[i, 0], y[i, 0]
            total += -(t * math.log(p) + (1 - t) * math.log(1 - p))
            if t == 1:
                total += sum((y_hat[i, j] - y[i, j]) ** 2 for j in range(1, 5))
                total += -sum(y[i, j] * math.log(y_hat[i, j]) for j in range(5, n))
    return total / m


def random_case(m, C, seed):
    """Predictions in (0, 1) with softmax classes, and labels with objects and empties."""
    rng = np.random.default_rng(seed)
    y_hat = rng.uniform(0.05, 0.95, (m, 5 + C))
    y_hat[:, 5:] /= y_hat[:, 5:].sum(axis=1, keepdims=True)
    classes = rng.integers(-1, C, size=m)
    classes[0] = 0  # at least one object
    x1, y1 = rng.uniform(0, 0.5, (2, m))
    boxes = np.stack([x1, y1, x1 + rng.uniform(0, 0.5, m), y1 + rng.uniform(0, 0.5, m)], axis=1)
    return y_hat, localization_targets(boxes, classes, C).astype(np.float64)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("m, C", [(1, 1), (7, 3), (20, 5)])
def test_localization_loss_matches_loop(loss, m, C):
    y_hat, y = random_case(m, C, seed=m + C)
    got = localization_loss(Tensor(y_hat, dtype=np.float64), y, loss=loss)
    assert float(got.data) == pytest.approx(localization_loss_loop(y_hat, y, loss), rel=1e-12)


def test_squared_loss_ignores_everything_but_p_c_without_an_object():
    y = np.zeros((1, 8))  # no object: the box and class entries are "don't care"
    y_hat = np.array([[0.25, 0.9, 0.1, 0.7, 0.3, 0.2, 0.5, 0.3]])
    assert float(localization_loss(Tensor(y_hat), y).data) == pytest.approx(0.0625)
    assert float(localization_loss(Tensor(y_hat), y, loss="logistic").data) == pytest.approx(
        -math.log(0.75))


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("m, C", [(1, 1), (4, 2), (6, 4)])
def test_localization_loss_gradcheck(loss, m, C):
    y_hat, y = random_case(m, C, seed=10 + m)
    assert_gradcheck(lambda t: localization_loss(t, y, loss=loss),
                     [Tensor(y_hat, requires_grad=True, dtype=np.float64)])


def test_localization_loss_matches_torch():
    y_hat, y = random_case(9, 3, seed=3)

    def torch_loss(t):
        import torch
        y_t = torch.tensor(y)
        p = y_t[:, :1]
        squared = (t - y_t) ** 2
        return (squared[:, 0].sum() + (p * squared[:, 1:]).sum()) / len(y)

    assert_matches_torch(lambda t: localization_loss(t, y), torch_loss,
                         [Tensor(y_hat, requires_grad=True, dtype=np.float64)])


def test_head_through_the_loss_passes_gradcheck_model():
    head = LocalizationHead(6, 3)
    X = np.random.default_rng(0).standard_normal((5, 6))
    _, y = random_case(5, 3, seed=4)
    for loss in ("squared", "logistic"):
        result = gradcheck_model(head, lambda Z, Y: localization_loss(Z, Y, loss=loss), X, y)
        assert result.difference < 1e-6


def test_head_outputs():
    head = LocalizationHead(4, 3)
    out = head(randn(5, 4)).data
    assert out.shape == (5, 8)
    assert np.all((out[:, :5] > 0) & (out[:, :5] < 1))
    np.testing.assert_allclose(out[:, 5:].sum(axis=1), 1)
    assert repr(head).startswith("LocalizationHead(4, n_classes=3")
    assert LandmarkHead(4, 4)(randn(2, 4)).shape == (2, 8)


def landmark_loss_loop(l_hat, l, present):
    m, K = l.shape[0], l.shape[1]
    total = 0.0
    for i in range(m):
        if present[i]:
            for k in range(K):
                total += ((l_hat[i, 2 * k] - l[i, k, 0]) ** 2
                          + (l_hat[i, 2 * k + 1] - l[i, k, 1]) ** 2)
    return total / m


@pytest.mark.parametrize("m, K", [(1, 1), (5, 4), (8, 3)])
def test_landmark_loss_matches_loop_and_gradcheck(m, K):
    rng = np.random.default_rng(m * K)
    l_hat, l = rng.uniform(0, 1, (m, 2 * K)), rng.uniform(0, 1, (m, K, 2))
    present = (rng.uniform(size=m) < 0.7).astype(float)
    present[0] = 1
    got = landmark_loss(Tensor(l_hat, dtype=np.float64), l, present)
    assert float(got.data) == pytest.approx(landmark_loss_loop(l_hat, l, present), rel=1e-12)
    every = landmark_loss(Tensor(l_hat.reshape(m, K, 2), dtype=np.float64), l)
    assert float(every.data) == pytest.approx(landmark_loss_loop(l_hat, l, np.ones(m)))
    assert_gradcheck(lambda t: landmark_loss(t, l, present),
                     [Tensor(l_hat, requires_grad=True, dtype=np.float64)])


def test_landmark_head_through_the_loss_passes_gradcheck_model():
    head = LandmarkHead(5, 4)
    rng = np.random.default_rng(1)
    X, l = rng.standard_normal((3, 5)), rng.uniform(0, 1, (3, 4, 2))
    assert gradcheck_model(head, lambda Z, Y: landmark_loss(Z, Y), X, l).difference < 1e-6


def test_targets_and_decoding_round_trip():
    boxes = np.array([[0.25, 0.5, 0.75, 1.0], [0, 0, 0, 0], [0.125, 0.25, 0.5, 0.375]])
    y = localization_targets(boxes, [2, -1, 0], 3)
    np.testing.assert_array_equal(y[0], [1, 0.5, 0.75, 0.5, 0.5, 0, 0, 1])
    np.testing.assert_array_equal(y[1], np.zeros(8))
    p_c, decoded, classes = decode_localization(y)
    np.testing.assert_array_equal(p_c, [1, 0, 1])
    np.testing.assert_allclose(decoded[[0, 2]], boxes[[0, 2]])
    assert classes.tolist() == [2, -1, 0]


@pytest.mark.parametrize("call, match", [
    (lambda: localization_loss(Tensor(np.zeros((2, 5))), np.zeros((2, 5))),
     r"localization_loss: y_hat must have shape \(m, 5 \+ C\).*got \(2, 5\)"),
    (lambda: localization_loss(Tensor(np.zeros((2, 7))), np.zeros((2, 8))),
     r"localization_loss: predictions y_hat have shape \(2, 7\) but labels y have shape \(2, 8\)"),
    (lambda: localization_loss(Tensor(np.zeros((1, 7))), np.full((1, 7), 0.5)),
     r"localization_loss: y\[:, 0\] \(p_c\) must be 0 \(no object\) or 1"),
    (lambda: localization_loss(Tensor(np.zeros((1, 7))), np.zeros((1, 7)), loss="l1"),
     r"The 'loss' parameter of localization_loss must be one of 'squared', 'logistic'"),
    (lambda: landmark_loss(Tensor(np.zeros((2, 3))), np.zeros((2, 3))),
     r"landmark_loss: l_hat must have shape \(m, 2K\) or \(m, K, 2\); got \(2, 3\)"),
    (lambda: landmark_loss(Tensor(np.zeros((2, 4))), np.zeros((2, 3, 2))),
     r"landmark_loss: predictions l_hat have shape \(2, 4\) but labels l have shape \(2, 3, 2\)"),
    (lambda: landmark_loss(Tensor(np.zeros((2, 4))), np.zeros((2, 4)), present=[1]),
     r"landmark_loss: present must have shape \(m,\) = \(2,\)"),
    (lambda: localization_targets([[0, 0, 1, 1]], [3], 3),
     r"localization_targets: classes must lie in \[0, 3\) or be -1"),
    (lambda: localization_targets([[1, 0, 0, 1]], [0], 3),
     r"localization_targets: boxes of shape \(1, 4\) has 1 box\(es\) with x2 < x1"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_example_localization_shapes_runs(tmp_path):
    pytest.importorskip("matplotlib")
    from harness import load_example

    result = load_example("localization_shapes").main(
        ["--epochs", "1", "--train", "48", "--test", "16", "--size", "16", "--quiet",
         "--out", str(tmp_path)])
    assert np.isfinite(result["history"].train["cost"][0])
    for name in ("p_c_accuracy", "class_accuracy", "mean_iou"):
        assert 0 <= result[name] <= 1
    assert open(result["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
