"""Tests of npdeep/models/vgg.py's VGG-19 feature network, npdeep/models/vgg_weights.py (the
weights of foreign layouts, written here as small random files, give the activations the
foreign layout computes) and npdeep/models/random_features.py."""
from __future__ import annotations

import numpy as np
import pytest

import npdeep
from npdeep.models import FeatureNetwork, load_vgg19_weights, random_features_network, vgg19
from npdeep.models.vgg_weights import CAFFE_MEAN_RGB

THIN = (4, 4, 6, 6, 8)  # stage_channels of a thin VGG-19 for the file tests
# torchvision's features indices of VGG-19's 16 convolutions.
TORCH_CONVS = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)


def test_vgg19_has_the_papers_layers_and_parameters():
    net = vgg19()
    names = net.layer_names
    convs = [n for n in names if n.startswith("conv")]
    assert convs == [f"conv{s}_{i}" for s, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4))
                     for i in range(1, n + 1)]
    assert [n for n in names if n.startswith("pool")] == [f"pool{s}" for s in range(1, 6)]
    assert net.num_parameters() == 20_024_384  # VGG-19's convolutional part
    assert isinstance(net.pool1, npdeep.nn.AvgPool2d)
    assert isinstance(vgg19(pooling="max", stage_channels=THIN).pool1, npdeep.nn.MaxPool2d)


def test_features_shapes_and_early_stop():
    net = vgg19(stage_channels=THIN)
    X = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
    features = net.features(X, ["conv4_2", "conv1_1", "pool5"])
    assert list(features) == ["conv4_2", "conv1_1", "pool5"]
    assert features["conv1_1"].shape == (2, 32, 32, 4)
    assert features["conv4_2"].shape == (2, 4, 4, 6)
    assert features["pool5"].shape == (2, 1, 1, 8)
    assert (features["conv1_1"].data >= 0).all()  # the ReLU's output, as the course's VGG
    assert net(X).shape == (2, 1, 1, 8)


def test_features_equal_the_chain_of_layers_by_hand():
    import npdeep.functional as F
    net = vgg19(stage_channels=THIN)
    X = np.random.default_rng(1).random((1, 16, 16, 3)).astype(np.float32)
    A = (X - net.input_mean) / net.input_std
    A = F.relu(F.conv2d(A, net.conv1_1.W, net.conv1_1.b, padding="same"))
    A = F.relu(F.conv2d(A, net.conv1_2.W, net.conv1_2.b, padding="same"))
    A = F.relu(F.conv2d(F.avg_pool2d(A, 2), net.conv2_1.W, net.conv2_1.b, padding="same"))
    np.testing.assert_allclose(net.features(X, "conv2_1")["conv2_1"].data, A.data,
                               rtol=1e-5, atol=1e-6)


def test_bad_layer_names_and_images_are_named():
    net = vgg19(stage_channels=THIN)
    with pytest.raises(ValueError, match=r"VGG-19.features: VGG-19 has no layer \['conv6_1'\]; "
                                         r"its layers are conv1_1, conv1_2, pool1"):
        net.features(np.zeros((1, 16, 16, 3)), ["conv1_1", "conv6_1"])
    with pytest.raises(ValueError, match=r"VGG-19.features expected input of shape "
                                         r"\(m, n_H, n_W, 3\) but got \(1, 3, 16, 16\); images "
                                         r"are NHWC — did you pass NCHW\?"):
        net.features(np.zeros((1, 3, 16, 16)), ["conv1_1"])
    with pytest.raises(ValueError, match="stage_channels' parameter of vgg19 must be five"):
        vgg19(stage_channels=(4, 4))
    with pytest.raises(ValueError, match="The 'pooling' parameter of stage_layers must be one "
                                         "of 'avg', 'max'"):
        vgg19(pooling="mean")
    with pytest.raises(TypeError, match="layer 'fc6' is a Linear"):
        FeatureNetwork([("conv1_1", npdeep.nn.Conv2d(3, 4, 3)), ("fc6", npdeep.nn.Linear(4, 2))])


def test_random_features_network_is_frozen_repeatable_and_named_like_vgg():
    npdeep.manual_seed(3)
    a = random_features_network(stage_channels=(8, 16))
    npdeep.manual_seed(3)
    b = random_features_network(stage_channels=(8, 16))
    assert a.layer_names == ("conv1_1", "pool1", "conv2_1", "pool2")
    assert all(not p.requires_grad for p in a.parameters())
    np.testing.assert_array_equal(a.conv2_1.W.data, b.conv2_1.W.data)
    # He: Var(W) = 2 / (9 · n_C_prev).
    assert a.conv2_1.W.data.std() == pytest.approx(np.sqrt(2 / (9 * 8)), rel=0.1)
    assert random_features_network(convs_per_stage=2, stage_channels=(4,)).layer_names == (
        "conv1_1", "conv1_2", "pool1")
    with pytest.raises(ValueError, match="stage_channels' parameter of random_features_network"):
        random_features_network(stage_channels=())


# ---------------------------------------------------------------- weight files
def random_torchvision_state(seed: int = 0) -> dict:
    """A thin VGG-19's features.N.weight (OIHW) / bias, and a classifier entry to ignore."""
    rng = np.random.default_rng(seed)
    shapes, n_C_prev = [], 3
    for n_C, n in zip(THIN, (2, 2, 4, 4, 4)):
        for _ in range(n):
            shapes.append((n_C, n_C_prev))
            n_C_prev = n_C
    state = {}
    for index, (n_C, n_C_prev) in zip(TORCH_CONVS, shapes):
        state[f"features.{index}.weight"] = (rng.standard_normal((n_C, n_C_prev, 3, 3)) * 0.3
                                             ).astype(np.float32)
        state[f"features.{index}.bias"] = (rng.standard_normal(n_C) * 0.1).astype(np.float32)
    state["classifier.0.weight"] = rng.standard_normal((5, 8)).astype(np.float32)
    return state


def reference_torchvision(state: dict, X: np.ndarray, upto: int) -> np.ndarray:
    """PyTorch's VGG-19 features (NCHW, OIHW weights, ImageNet normalization, average pools)
    after the ReLU of the ``upto``-th convolution, as NHWC."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    mean = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)
    A = (torch.from_numpy(X).permute(0, 3, 1, 2) - mean) / std
    pools_after = {1, 3, 7, 11}  # the last convolution of each stage
    for k, index in enumerate(TORCH_CONVS[:upto + 1]):
        A = F.relu(F.conv2d(A, torch.from_numpy(state[f"features.{index}.weight"]),
                            torch.from_numpy(state[f"features.{index}.bias"]), padding=1))
        if k in pools_after and k < upto:
            A = F.avg_pool2d(A, 2)
    return A.permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("extension", [".safetensors", ".npz"])
def test_torchvision_file_gives_torchs_activations(tmp_path, extension):
    state = random_torchvision_state()
    path = str(tmp_path / f"vgg19{extension}")
    if extension == ".npz":
        np.savez(path, **state)
    else:
        safetensors = pytest.importorskip("safetensors.numpy")
        safetensors.save_file(state, path)
    net = load_vgg19_weights(vgg19(stage_channels=THIN), path)
    X = np.random.default_rng(2).random((1, 16, 16, 3)).astype(np.float32)
    # OIHW -> HWIO by hand, on one layer, without PyTorch.
    np.testing.assert_array_equal(net.conv2_1.W.data,
                                  state["features.5.weight"].transpose(2, 3, 1, 0))
    features = net.features(X, ["conv1_1", "conv3_1", "conv5_4"])
    for name, upto in (("conv1_1", 0), ("conv3_1", 4), ("conv5_4", 15)):
        np.testing.assert_allclose(features[name].data, reference_torchvision(state, X, upto),
                                   rtol=1e-4, atol=1e-5, err_msg=name)


def test_keras_arrays_give_the_caffe_preprocessed_activations(tmp_path):
    # Keras' kernels are HWIO for BGR images in 0..255 minus the Caffe mean pixel.
    rng = np.random.default_rng(4)
    state, n_C_prev = {}, 3
    for s, (n_C, n) in enumerate(zip(THIN, (2, 2, 4, 4, 4)), start=1):
        for i in range(1, n + 1):
            state[f"block{s}_conv{i}/kernel"] = (rng.standard_normal((3, 3, n_C_prev, n_C))
                                                 * 0.01).astype(np.float32)
            state[f"block{s}_conv{i}/bias"] = rng.standard_normal(n_C).astype(np.float32)
            n_C_prev = n_C
    path = str(tmp_path / "vgg19_keras.npz")
    np.savez(path, **state)
    net = load_vgg19_weights(vgg19(stage_channels=THIN), path)
    X = rng.random((1, 6, 5, 3)).astype(np.float32)
    # Keras' conv1_1 by hand: a plain loop over the 3x3 windows of the zero-padded BGR image.
    bgr = X[..., ::-1] * 255.0 - np.array(CAFFE_MEAN_RGB[::-1])
    padded = np.pad(bgr, ((0, 0), (1, 1), (1, 1), (0, 0)))
    W, b = state["block1_conv1/kernel"], state["block1_conv1/bias"]
    expected = np.zeros((1, 6, 5, 4))
    for h in range(6):
        for w in range(5):
            window = padded[0, h:h + 3, w:w + 3, :]  # (3, 3, n_C_prev)
            expected[0, h, w] = np.einsum("ijk,ijkc->c", window, W) + b
    np.testing.assert_allclose(net.features(X, "conv1_1")["conv1_1"].data,
                               np.maximum(expected, 0), rtol=1e-4, atol=1e-3)


def test_npdeep_files_round_trip(tmp_path):
    pytest.importorskip("safetensors")
    net = vgg19(stage_channels=THIN)
    net.input_mean = np.array([0.1, 0.2, 0.3], np.float32)
    path = str(tmp_path / "mine.safetensors")
    npdeep.save(net, path)
    other = load_vgg19_weights(vgg19(stage_channels=THIN), path)
    np.testing.assert_array_equal(other.conv5_4.W.data, net.conv5_4.W.data)
    np.testing.assert_array_equal(other.input_mean, net.input_mean)


def test_missing_file_says_where_to_put_it_and_nothing_is_downloaded(tmp_path):
    path = str(tmp_path / "vgg19.safetensors")
    with pytest.raises(FileNotFoundError, match=r"no weights file at .*vgg19.safetensors'. "
                                                r"npdeep downloads nothing: put a local copy"):
        load_vgg19_weights(vgg19(stage_channels=THIN), path)


def test_bad_files_are_refused_with_the_reason(tmp_path):
    pickle = tmp_path / "vgg19.pth"
    pickle.write_bytes(b"not read")
    with pytest.raises(ValueError, match=r"is a \.pth file, which npdeep does not read"):
        load_vgg19_weights(vgg19(stage_channels=THIN), str(pickle))
    state = random_torchvision_state()
    with pytest.raises(ValueError, match=r"shape mismatch for conv1_1: file W \(3, 3, 3, 4\)"):
        load_vgg19_weights(vgg19(stage_channels=(5, 4, 6, 6, 8)), state)
    del state["features.34.weight"]
    with pytest.raises(ValueError, match="hold 15 convolutions .* but VGG-19 has 16"):
        load_vgg19_weights(vgg19(stage_channels=THIN), state)
    with pytest.raises(ValueError, match="cannot tell the layout of the weights"):
        load_vgg19_weights(vgg19(stage_channels=THIN), {"fc.weight": np.zeros(3)})
    with pytest.raises(ValueError, match="these are vgg19_bn weights"):
        load_vgg19_weights(vgg19(stage_channels=THIN), {**random_torchvision_state(),
                                                         "features.1.running_mean": np.zeros(4)})
