"""npdeep.vision.sliding: the convolutional sliding window equals the looped one."""
import numpy as np
import pytest

from npdeep import nn
from npdeep.tensor import Tensor
from npdeep.vision.sliding import sliding_windows, to_convolutional, window_stride


def classifier(pool=nn.MaxPool2d, conv_stride=1, softmax=False, n_C=3):
    """conv -> pool -> flatten -> two linears, for 14×14×n_C windows (float64)."""
    after_conv = (14 - 3) // conv_stride + 1
    side = after_conv // 2
    layers = [nn.Conv2d(n_C, 4, 3, stride=conv_stride), nn.ReLU(), pool(2), nn.Flatten(),
              nn.Linear(side * side * 4, 10), nn.ReLU(), nn.Dropout(keep_prob=0.5),
              nn.Linear(10, 3)]
    if softmax:
        layers.append(nn.Softmax(axis=1))
    return nn.Sequential(*layers, input_shape=(14, 14, n_C)).to(np.float64)


def looped_reference(model, image, window, stride):
    """One crop, one forward pass, one score at a time: nothing shared, nothing batched."""
    model.eval()
    n_rows = (image.shape[0] - window) // stride + 1
    n_cols = (image.shape[1] - window) // stride + 1
    out = np.zeros((n_rows, n_cols, 3))
    for r in range(n_rows):
        for c in range(n_cols):
            crop = image[r * stride:r * stride + window, c * stride:c * stride + window]
            out[r, c] = model(Tensor(crop[None], dtype=np.float64)).data[0]
    return out


@pytest.mark.parametrize("pool, conv_stride, softmax, size", [
    (nn.MaxPool2d, 1, False, (20, 24)),
    (nn.AvgPool2d, 1, True, (16, 16)),
    (nn.MaxPool2d, 2, False, (30, 22)),
])
def test_convolutional_sliding_window_equals_looped(pool, conv_stride, softmax, size):
    model = classifier(pool, conv_stride, softmax)
    image = np.random.default_rng(0).standard_normal(size + (3,))
    s = window_stride(model)
    assert s == 2 * conv_stride
    expected = looped_reference(model, image, 14, s)
    np.testing.assert_allclose(sliding_windows(model, image, 14, s, batch_size=5), expected,
                               atol=1e-12)
    conv = to_convolutional(model)
    conv.eval()
    got = conv(Tensor(image[None], dtype=np.float64)).data[0]  # (n_rows, n_cols, 3)
    assert got.shape == expected.shape and expected.shape[0] * expected.shape[1] > 1
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(got, expected, atol=1e-10)  # in fact to rounding


def test_convolutional_layers_and_window_sized_input():
    model = classifier()
    conv = to_convolutional(model)
    kinds = [type(layer).__name__ for layer in conv]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "Dropout", "Conv2d"]
    assert (conv[3].f, conv[3].n_C_prev, conv[3].n_C) == (6, 4, 10)  # f×f×n_C volume, 10 units
    assert (conv[6].f, conv[6].n_C_prev, conv[6].n_C) == (1, 10, 3)
    X = np.random.default_rng(1).standard_normal((4, 14, 14, 3))
    model.eval()
    conv.eval()
    np.testing.assert_allclose(conv(Tensor(X)).data[:, 0, 0], model(Tensor(X)).data, atol=1e-12)
    # The copies are independent of the original's weights.
    model[0].W.data[...] = 0
    assert np.abs(conv[0].W.data).sum() > 0


def test_sliding_windows_rectangular_window_and_batch_image():
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 3, 1, init="xavier")).to(np.float64)
    image = np.arange(4 * 5, dtype=np.float64).reshape(1, 4, 5, 1)
    scores = sliding_windows(model, image, (2, 3), 1)
    assert scores.shape == (3, 3, 1)
    W = model[1].W.data.reshape(2, 3)
    b = model[1].b.data[0]
    assert scores[2, 1, 0] == pytest.approx((image[0, 2:4, 1:4, 0] * W).sum() + b)


@pytest.mark.parametrize("call, error, match", [
    (lambda: to_convolutional(nn.Linear(3, 2)), TypeError, "must be an nn.Sequential"),
    (lambda: to_convolutional(nn.Sequential(nn.Linear(3, 2))), ValueError,
     "exactly one Flatten"),
    (lambda: to_convolutional(nn.Sequential(nn.Flatten(), nn.Linear(3, 2))), ValueError,
     r"pass input_shape=\(n_H, n_W, n_C\)"),
    (lambda: to_convolutional(nn.Sequential(nn.Flatten(), nn.ReLU()), (2, 2, 1)), ValueError,
     "the layer after Flatten must be a Linear; got ReLU"),
    (lambda: to_convolutional(nn.Sequential(nn.Flatten(), nn.Linear(6, 2)), (2, 3, 1)),
     ValueError, r"the volume at Flatten is 2×3×1"),
    (lambda: to_convolutional(nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.BatchNorm1d(2)),
                              (2, 2, 1)), TypeError, "cannot convert a BatchNorm1d"),
    (lambda: to_convolutional(nn.Sequential(nn.Flatten(), nn.Linear(5, 2)), (2, 2, 1)),
     ValueError, r"takes 5 features but the volume before it has 2×2×1 = 4"),
    (lambda: sliding_windows(classifier(), np.zeros((10, 10, 3)), 14, 2), ValueError,
     r"sliding_windows: window \(14, 14\) is larger than the image \(10, 10, 3\)"),
    (lambda: sliding_windows(classifier(), np.zeros((2, 20, 20, 3)), 14, 2), ValueError,
     r"sliding_windows: image must have shape \(n_H, n_W, n_C\)"),
    (lambda: sliding_windows(classifier(), np.zeros((20, 20, 3)), 14, 0), ValueError,
     r"The 'stride' parameter of sliding_windows must be an int >= 1"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_example_region_proposals_runs(tmp_path):
    pytest.importorskip("matplotlib")
    from harness import load_example

    example = load_example("region_proposals")
    windows = example.propose()
    assert np.all((windows >= 0) & (windows <= 1 + 1e-12))
    boxes = np.array([[0.3, 0.3, 0.5, 0.6]] * len(windows))
    region = example.widen(windows)
    near = np.all(region[:, :2] <= boxes[:, :2], axis=1) & np.all(region[:, 2:] >= boxes[:, 2:],
                                                                   axis=1)  # shown whole
    assert near.sum() > 3
    np.testing.assert_allclose(
        example.from_crop(windows[near], example.to_crop(windows[near], boxes[near])),
        boxes[near], atol=1e-12)
    result = example.main(["--train", "6", "--test", "3", "--epochs", "1", "--quiet",
                           "--out", str(tmp_path)])
    assert result["proposal_recall"] == 1.0  # every true box has a window at IoU >= 0.5
    assert 0 <= result["mAP"] <= 1 or np.isnan(result["mAP"])
    assert open(result["png"], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
