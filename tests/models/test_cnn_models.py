"""Tests for the CNN model zoo (npdeep/models/{lenet5,alexnet,vgg,resnet,inception}.py) and
the transfer-learning helpers (npdeep/models/transfer.py)."""
import os

import numpy as np
import pytest

import npdeep
from npdeep import models, nn
from npdeep.gradcheck import gradcheck_model


def summary_text(model, *args) -> str:
    lines = []
    model.summary(*args, print_fn=lines.append)
    [text] = lines
    return text


def images(m, n_H, n_W, n_C, seed=0):
    return npdeep.tensor(np.random.default_rng(seed).random((m, n_H, n_W, n_C))
                         .astype(np.float32))


# ---------------------------------------------------------------------- parameter counts
def test_lenet5_count_and_summary():
    model = models.lenet5()
    assert model.num_parameters() == 61_706
    text = summary_text(model, (32, 32, 1))
    assert summary_text(model) == text  # the zoo's models know their input shape
    for row in ("(m, 28, 28, 6)", "(m, 14, 14, 6)", "(m, 10, 10, 16)", "(m, 5, 5, 16)",
                "(m, 400)", "(m, 120)", "(m, 84)", "(m, 10)", "Total params: 61,706",
                "AvgPool2d"):
        assert row in text, row


@pytest.fixture
def cheap_init(monkeypatch):
    """Build with zero weights: np.zeros pages are only allocated when written, so even
    VGG-16's 138M parameters build in a moment. Counts depend only on the shapes."""
    monkeypatch.setattr(npdeep.init, "initialize",
                        lambda kind, shape, dtype=None, where="init":
                        np.zeros(shape, dtype or npdeep.get_default_dtype()))


def test_alexnet_count(cheap_init):
    assert models.alexnet().num_parameters() == 62_378_344


def test_vgg16_count(cheap_init):
    model = models.vgg16()
    assert model.num_parameters() == 138_357_544
    assert sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules()) == 16


def test_resnet50_count_and_no_conv_bias(cheap_init):
    model = models.resnet50()
    assert model.num_parameters() == 25_557_032
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 53 and all(c.b is None for c in convs)  # 1 + 16·3 + 4 projections
    assert sum(isinstance(m, nn.ResidualBlock) for m in model.modules()) == 16


@pytest.mark.slow
def test_full_size_builds_with_random_init():
    # The real builds (random He/Xavier weights: 553 MB for VGG-16 in float32).
    assert models.vgg16().num_parameters() == 138_357_544
    assert models.resnet50().num_parameters() == 25_557_032
    assert models.alexnet().num_parameters() == 62_378_344
    model = models.resnet50()
    model.eval()
    with npdeep.no_grad():
        assert model(images(1, 224, 224, 3)).shape == (1, 1000)


def test_head_follows_input_shape_and_classes(cheap_init):
    # The only input-dependent layer of VGG-16 is the first dense one: 7·7·512 -> 1·1·512.
    small = models.vgg16(input_shape=(32, 32, 3), n_classes=1000)
    assert small.num_parameters() == 138_357_544 - (7 * 7 - 1) * 512 * 4096
    assert models.lenet5(input_shape=(28, 28, 1)).num_parameters() == 61_706 - 144 * 120
    assert models.resnet50(n_classes=10).num_parameters() == 25_557_032 - 990 * 2049


# ---------------------------------------------------------------------- forward passes
@pytest.mark.parametrize("build, shape, n_classes", [
    (lambda: models.lenet5(), (32, 32, 1), 10),
    (lambda: models.lenet5((28, 28, 1), 5, activation="tanh", pool="max"), (28, 28, 1), 5),
    (lambda: models.resnet_small(), (28, 28, 1), 10),
    (lambda: models.resnet_small((32, 32, 3), 4, widths=(8, 16), blocks=(2, 1)), (32, 32, 3),
     4),
    (lambda: models.googlenet_small((32, 32, 3), 10), (32, 32, 3), 10),
])
def test_forward_and_backward_on_small_inputs(build, shape, n_classes):
    model = build()
    X = images(2, *shape)
    out = model(X)
    assert out.shape == (2, n_classes) and out.dtype == np.float32
    assert np.all(np.isfinite(out.data))
    npdeep.functional.cross_entropy(out, np.array([0, 1])).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
    model.eval()
    with npdeep.no_grad():
        assert model(X).shape == (2, n_classes)


@pytest.mark.parametrize("build, shape, n_classes", [
    (lambda: models.vgg16((32, 32, 3), 10), (32, 32, 3), 10),
    (lambda: models.alexnet((67, 67, 3), 7), (67, 67, 3), 7),
    (lambda: models.resnet50((64, 64, 3), 6), (64, 64, 3), 6),
])
def test_large_models_run_on_small_inputs(build, shape, n_classes):
    model = build().eval()
    with npdeep.no_grad():
        out = model(images(2, *shape))
    assert out.shape == (2, n_classes) and np.all(np.isfinite(out.data))


def test_summary_of_resnet50_lists_blocks_layers(cheap_init):
    text = summary_text(models.resnet50((64, 64, 3), 6), (64, 64, 3))
    assert "(m, 32, 32, 64)" in text and "(m, 16, 16, 64)" in text  # stem conv, max pool
    assert "(m, 2, 2, 2048)" in text and "(m, 6)" in text
    # As Keras's ResNet50 (without conv biases): the 53 BatchNorms' running means and
    # variances, 2·26,560 values, are non-trainable.
    trainable = 25_557_032 - 994 * 2049  # the head: Linear(2048, 6), not Linear(2048, 1000)
    assert f"Trainable params: {trainable:,}" in text
    assert "Non-trainable params: 53,120" in text
    assert f"Total params: {trainable + 53_120:,}" in text


def test_resnet_small_gradcheck():
    model = models.resnet_small((4, 4, 1), 3, widths=(2, 3), blocks=(1, 1))
    X = np.random.default_rng(0).standard_normal((3, 4, 4, 1))
    Y = np.array([0, 2, 1])
    result = gradcheck_model(model, npdeep.functional.cross_entropy, X, Y)
    assert result.difference < 1e-6, result.per_input


def test_model_errors():
    with pytest.raises(ValueError, match="The 'activation' parameter of lenet5"):
        models.lenet5(activation="sigmoid")
    with pytest.raises(ValueError, match="The 'pool' parameter of lenet5"):
        models.lenet5(pool="min")
    with pytest.raises(ValueError, match="lenet5: input_shape .* is too small"):
        models.lenet5(input_shape=(15, 15, 1))
    with pytest.raises(ValueError, match="alexnet: input_shape .* is too small"):
        models.alexnet(input_shape=(66, 66, 3))
    with pytest.raises(ValueError, match="vgg16: input_shape .* is too small"):
        models.vgg16(input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match=r"The 'input_shape' parameter of resnet50 must be "
                                         r"\(n_H, n_W, n_C\), three ints >= 1, without the "
                                         r"batch axis m. Got \(3, 64, 64, 3\) instead."):
        models.resnet50(input_shape=(3, 64, 64, 3))
    with pytest.raises(ValueError, match=r"The 'input_shape' parameter of lenet5 .* Got 32 "):
        models.lenet5(input_shape=32)
    with pytest.raises(ValueError, match="The 'n_classes' parameter of googlenet_small"):
        models.googlenet_small(n_classes=0)
    with pytest.raises(ValueError, match="same length"):
        models.resnet_small(widths=(8, 16), blocks=(1,))
    model = models.lenet5()
    with pytest.raises(ValueError, match=r"LeNet-5 expected input of shape \(m, 32, 32, 1\) "
                                         r"but got \(2, 1, 32, 32\); images are NHWC — did "
                                         r"you pass NCHW\?"):
        model(images(2, 1, 32, 32))


# ---------------------------------------------------------------------- entrance checks
def test_lenet5_on_mnist_names_the_cause():
    # It failed deep inside: "Linear(400, 120) expected (m, 400) but got (4, 256)".
    with pytest.raises(ValueError, match=r"^LeNet-5 expected input of shape \(m, 32, 32, 1\) "
                                         r"but got \(4, 28, 28, 1\); LeNet-5 expects 32×32×1 "
                                         r"inputs; pad MNIST by 2 \(data.transforms.Pad\(2\)\) "
                                         r"or pass input_shape=\(28, 28, 1\)$"):
        models.lenet5()(images(4, 28, 28, 1))


def test_lenet5_built_for_mnist_takes_28x28():
    model = models.lenet5(input_shape=(28, 28, 1))
    assert model[7].n_in == 4 * 4 * 16  # the first dense layer follows from input_shape
    assert model(images(4, 28, 28, 1)).shape == (4, 10)
    with pytest.raises(ValueError, match=r"^LeNet-5 expected input of shape \(m, 28, 28, 1\) "
                                         r"but got \(4, 32, 32, 1\); build it with "
                                         r"lenet5\(input_shape=\(32, 32, 1\)\), or resize "
                                         r"the images to 28×28×1$"):
        model(images(4, 32, 32, 1))
    with pytest.raises(ValueError, match=r"but got \(4, 784\); images enter as 4-D"):
        model(npdeep.tensor(np.zeros((4, 784), np.float32)))


@pytest.mark.parametrize("build, bad, message", [
    (lambda: models.vgg16((32, 32, 3), 10), (2, 64, 64, 3),
     r"VGG-16 expected input of shape \(m, 32, 32, 3\) but got \(2, 64, 64, 3\); build it "
     r"with vgg16\(input_shape=\(64, 64, 3\)\)"),
    (lambda: models.alexnet((67, 67, 3), 7), (2, 70, 70, 3),
     r"AlexNet expected input of shape \(m, 67, 67, 3\)"),
    (lambda: models.resnet_small(), (2, 28, 28, 3),
     r"^resnet_small expected input of shape \(m, \*, \*, 1\) but got \(2, 28, 28, 3\)$"),
    (lambda: models.googlenet_small((32, 32, 3)), (2, 32, 32),
     r"^googlenet_small expected input of shape \(m, \*, \*, 3\) but got \(2, 32, 32\)$"),
    (lambda: models.lenet5_resized((8, 8, 1)), (2, 28, 28, 1),
     r"build it with lenet5_resized\(input_shape=\(28, 28, 1\)\)"),
    (lambda: models.mlp(784), (2, 28, 28, 1), r"mlp expected input of shape \(m, 784\) but "
                                               r"got \(2, 28, 28, 1\); flatten each example"),
    (lambda: models.mlp(784), (2, 64), r"build it with mlp\(64, ...\)"),
])
def test_zoo_models_check_their_input(build, bad, message):
    model = build()
    with pytest.raises(ValueError, match=message):
        model(npdeep.tensor(np.zeros(bad, np.float32)))


def test_global_pool_models_take_other_image_sizes():
    model = models.resnet_small((28, 28, 1), 3, widths=(4,), blocks=(1,))
    assert model(images(2, 12, 12, 1)).shape == (2, 3)


def test_zoo_summary_refuses_the_batch_axis():
    with pytest.raises(ValueError, match=r"input_shape \(1, 32, 32, 1\) has one axis too "
                                         r"many.*Did you mean summary\(\(32, 32, 1\)\)"):
        models.lenet5().summary((1, 32, 32, 1))
    with pytest.raises(ValueError, match=r"Did you mean summary\(\(784,\)\)"):
        models.mlp(784).summary((1, 784))


# ---------------------------------------------------------------------- transfer learning
def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(27, 4))


def test_precompute_features_matches_body_in_eval_mode():
    model = small_cnn()
    model(images(8, 8, 8, 1))  # move the running statistics away from their start
    body = model[:-1]
    X = images(10, 8, 8, 1, seed=1).data
    features = models.precompute_features(body, X, mini_batch_size=3)
    assert features.shape == (10, 27) and body.training  # mode restored
    body.eval()
    with npdeep.no_grad():
        np.testing.assert_allclose(features, body(npdeep.tensor(X)).data, rtol=1e-6)


def test_precompute_features_cache(tmp_path, monkeypatch):
    body = small_cnn()[:-1]
    X = images(6, 8, 8, 1).data
    path = str(tmp_path / "cache" / "features.npz")
    first = models.precompute_features(body, X, cache_path=path)
    assert os.path.exists(path)
    assert os.listdir(tmp_path / "cache") == ["features.npz"]  # no temporary file left

    calls = []
    original = nn.Sequential.forward
    monkeypatch.setattr(nn.Sequential, "forward",
                        lambda self, X: calls.append(1) or original(self, X))
    again = models.precompute_features(body, X, cache_path=path)
    np.testing.assert_array_equal(again, first)
    assert calls == []  # read from the cache

    models.precompute_features(body, X + 1, cache_path=path)  # other X: recomputed
    assert calls
    calls.clear()
    body[0].W.data += 1  # other weights: recomputed
    changed = models.precompute_features(body, X, cache_path=path)
    assert calls and not np.allclose(changed, first)

    with open(path, "rb") as f:
        valid = f.read()
    for corrupt in (b"not a cache", valid[:len(valid) // 2]):  # garbage, or cut short
        calls.clear()
        with open(path, "wb") as f:
            f.write(corrupt)  # a corrupt cache is recomputed and replaced
        np.testing.assert_array_equal(models.precompute_features(body, X, cache_path=path),
                                      changed)
        assert calls


def test_precompute_features_errors():
    with pytest.raises(ValueError, match="The 'mini_batch_size' parameter"):
        models.precompute_features(small_cnn(), np.zeros((2, 8, 8, 1)), mini_batch_size=0)
    with pytest.raises(ValueError, match="m >= 1"):
        models.precompute_features(small_cnn(), np.zeros((0, 8, 8, 1)))


def test_replace_head():
    model = small_cnn()
    conv = model[0]
    new_head = nn.Linear(27, 2)
    assert models.replace_head(model, new_head) is model
    assert model[-1] is new_head and model[0] is conv and len(model) == 6
    assert model(images(3, 8, 8, 1)).shape == (3, 2)
    names = [n for n, _ in model.named_parameters()]
    assert "5.W" in names and model[5].W.shape == (2, 27)
    models.replace_head(model, nn.Sequential(nn.Flatten(), nn.Linear(27, 5), nn.ReLU(),
                                             nn.Linear(5, 3)), n_layers=2)
    assert model(images(3, 8, 8, 1)).shape == (3, 3)
    with pytest.raises(TypeError, match="replace_head works on an nn.Sequential"):
        models.replace_head(nn.Linear(2, 2), nn.Linear(2, 2))
    with pytest.raises(ValueError, match="The 'n_layers' parameter of replace_head"):
        models.replace_head(model, nn.Linear(2, 2), n_layers=0)


def test_frozen_body_trains_only_head():
    model = small_cnn()
    body_state = {k: v.copy() for k, v in model[:-1].state_dict().items() if "running" not in k}
    model[:-1].freeze()
    features = models.precompute_features(model[:-1], images(8, 8, 8, 1).data)
    head = model[-1]
    J = npdeep.functional.cross_entropy(head(npdeep.tensor(features)), np.arange(8) % 4)
    J.backward()
    assert head.W.grad is not None
    assert all(p.grad is None for p in model[:-1].parameters())
    for k, v in model[:-1].state_dict().items():
        if k in body_state:
            np.testing.assert_array_equal(v, body_state[k])
