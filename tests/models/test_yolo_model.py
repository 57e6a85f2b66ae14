"""npdeep.models.yolo: the small YOLO network and its output volume."""
import functools

import numpy as np
import pytest

import npdeep
from npdeep import models, nn
from npdeep.gradcheck import gradcheck_model
from npdeep.models.yolo import GridReshape
from npdeep.vision.shapes import ShapesDetection
from npdeep.vision.yolo import encode_targets
from npdeep.vision.yolo_loss import yolo_loss

ANCHORS = np.array([[0.7, 0.7], [1.2, 1.2]])


def images(m, side, seed=0):
    return npdeep.tensor(np.random.default_rng(seed).random((m, side, side, 3))
                         .astype(np.float32))


@pytest.mark.parametrize("side, S, A, C", [(64, 4, 3, 3), (32, 8, 2, 5), (16, 16, 1, 1)])
def test_output_is_the_yolo_volume(side, S, A, C):
    npdeep.manual_seed(0)
    model = models.yolo_small((side, side, 3), S=S, n_anchors=A, n_classes=C, width=4)
    assert model(images(2, side)).shape == (2, S, S, A, 5 + C)
    pools = [layer for layer in model if isinstance(layer, nn.MaxPool2d)]
    assert len(pools) == int(np.log2(side // S))


def test_layers_and_parameter_count():
    model = models.yolo_small((32, 32, 3), S=8, n_anchors=2, n_classes=3, width=8,
                              max_width=16)
    convs = [layer for layer in model if isinstance(layer, nn.Conv2d)]
    # 3x3 convs: 3 -> 8 -> 16 -> 16 (capped by max_width), bias-free (BN follows); 1x1 head
    assert [(c.n_C_prev, c.n_C, c.f) for c in convs] == [(3, 8, 3), (8, 16, 3), (16, 16, 3),
                                                         (16, 16, 1)]
    assert all(c.b is None for c in convs[:-1]) and convs[-1].b is not None
    assert all(isinstance(layer, nn.LeakyReLU) and layer.alpha == 0.1 for layer in model
               if isinstance(layer, nn.LeakyReLU))
    expected = (9 * 3 * 8 + 9 * 8 * 16 + 9 * 16 * 16 + 2 * (8 + 16 + 16)  # convs + BN γ, β
                + 16 * 16 + 16)                                          # the head, A·(5+C)=16
    assert model.num_parameters() == expected


def test_grid_reshape_puts_each_anchors_channels_together():
    Z = npdeep.tensor(np.arange(2 * 2 * 2 * 12, dtype=np.float64).reshape(2, 2, 2, 12))
    out = GridReshape(2, 6)(Z)
    assert out.shape == (2, 2, 2, 2, 6)
    np.testing.assert_array_equal(out.data[1, 0, 1, 1], Z.data[1, 0, 1, 6:12])


def test_gradients_through_the_model_and_the_loss():
    data = ShapesDetection(2, size=8, max_objects=2, seed=0)
    Y = encode_targets(data.boxes, data.classes, 2, ANCHORS, 3, dtype=np.float64)
    npdeep.manual_seed(1)
    model = models.yolo_small((8, 8, 3), S=2, n_anchors=2, n_classes=3, width=2)
    model.eval()  # BN with its running averages: a deterministic function of the weights
    result = gradcheck_model(model, functools.partial(yolo_loss, anchors=ANCHORS),
                             data.images.astype(np.float64), Y)
    assert result.difference < 1e-5


def test_a_few_steps_lower_the_yolo_cost():
    data = ShapesDetection(8, size=8, max_objects=2, seed=3)
    Y = encode_targets(data.boxes, data.classes, 2, ANCHORS, 3)
    npdeep.manual_seed(0)
    model = models.yolo_small((8, 8, 3), S=2, n_anchors=2, n_classes=3, width=4)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=1e-2)
    X = npdeep.tensor(data.images)
    costs = []
    for _ in range(10):
        optimizer.zero_grad()
        J = yolo_loss(model(X), Y, ANCHORS)
        J.backward()
        optimizer.step()
        costs.append(J.item())
    assert costs[-1] < 0.5 * costs[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="yolo_small: input_shape \\(48, 48, 3\\) must be square "
                                         "with n_H = S·2\\^k for the grid S = 5"):
        models.yolo_small((48, 48, 3), S=5)
    with pytest.raises(ValueError, match="must be square"):
        models.yolo_small((64, 32, 3), S=4)
    with pytest.raises(ValueError, match="'n_anchors' parameter of yolo_small must be an int"):
        models.yolo_small((32, 32, 3), S=4, n_anchors=0)
    with pytest.raises(ValueError, match="YOLO expected input of shape \\(m, 32, 32, 3\\)"):
        models.yolo_small((32, 32, 3), S=4)(images(1, 16))
