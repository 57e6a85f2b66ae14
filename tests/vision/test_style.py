"""Tests of npdeep/vision/style.py and style_transfer.py: the costs of neural style transfer
against the course's loops, float64 gradient checks (also with respect to the input image,
through a small convolutional network), PyTorch where installed, and transfer()."""
from __future__ import annotations

import os

import numpy as np
import pytest

import conftest
import npdeep
from harness import assert_gradcheck, assert_matches_torch, load_example, randn
from npdeep.models import random_features_network, vgg19
from npdeep.vision.style import (STYLE_LAYERS, content_cost, gram_matrix, style_cost,
                                 style_cost_layer, total_cost)
from npdeep.vision.style_transfer import generate_noise_image, transfer

SHAPES = [(1, 4, 5, 3), (1, 1, 1, 2), (2, 3, 2, 4), (1, 6, 6, 1)]


# ---------------------------------------------------------------- the course's loops
def content_cost_loop(a_C: np.ndarray, a_G: np.ndarray) -> float:
    m, n_H, n_W, n_C = a_C.shape
    total = 0.0
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    total += (a_C[i, h, w, c] - a_G[i, h, w, c]) ** 2
    return total / (4 * n_H * n_W * n_C)


def gram_loop(a: np.ndarray) -> np.ndarray:
    """G[c, c'] = Σ_{h, w} a[h, w, c] · a[h, w, c'] for one (n_H, n_W, n_C) activation."""
    n_H, n_W, n_C = a.shape
    G = np.zeros((n_C, n_C))
    for c in range(n_C):
        for c2 in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    G[c, c2] += a[h, w, c] * a[h, w, c2]
    return G


def style_cost_layer_loop(a_S: np.ndarray, a_G: np.ndarray) -> float:
    m, n_H, n_W, n_C = a_S.shape
    total = 0.0
    for i in range(m):
        G_S, G_G = gram_loop(a_S[i]), gram_loop(a_G[i])
        for c in range(n_C):
            for c2 in range(n_C):
                total += (G_S[c, c2] - G_G[c, c2]) ** 2
    return total / (4 * n_C ** 2 * (n_H * n_W) ** 2)


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("shape", SHAPES)
def test_content_cost_matches_the_loop(shape):
    a_C, a_G = randn(*shape, seed=1), randn(*shape, seed=2)
    J = content_cost(a_C, a_G)
    assert J.shape == ()
    np.testing.assert_allclose(J.item(), content_cost_loop(a_C.data, a_G.data), rtol=1e-12)


def test_content_cost_of_the_course_example_has_the_course_normalization():
    a_C = np.ones((1, 2, 3, 4))
    a_G = np.zeros((1, 2, 3, 4))
    # Σ (a_C − a_G)² = 24 entries of 1; 4·n_H·n_W·n_C = 96.
    assert content_cost(a_C, a_G).item() == pytest.approx(0.25)


@pytest.mark.parametrize("shape", SHAPES)
def test_gram_matrix_matches_the_loop_in_every_form(shape):
    a = randn(*shape, seed=3)
    m, n_H, n_W, n_C = shape
    batched = gram_matrix(a).data
    assert batched.shape == (m, n_C, n_C)
    for i in range(m):
        expected = gram_loop(a.data[i])
        np.testing.assert_allclose(batched[i], expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gram_matrix(a.data[i]).data, expected, rtol=1e-12,
                                   atol=1e-12)
        # The course's unrolling: transpose(reshape(a, (n_H·n_W, n_C))) -> (n_C, n_H·n_W).
        unrolled = a.data[i].reshape(n_H * n_W, n_C).T
        np.testing.assert_allclose(gram_matrix(unrolled).data, expected, rtol=1e-12,
                                   atol=1e-12)


def test_gram_matrix_of_a_small_matrix_by_hand():
    G = gram_matrix(np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]))
    np.testing.assert_array_equal(G.data, [[14.0, -1.0], [-1.0, 2.0]])


@pytest.mark.parametrize("shape", SHAPES)
def test_style_cost_layer_matches_the_loop(shape):
    a_S, a_G = randn(*shape, seed=4), randn(*shape, seed=5)
    J = style_cost_layer(a_S, a_G)
    np.testing.assert_allclose(J.item(), style_cost_layer_loop(a_S.data, a_G.data),
                               rtol=1e-12)


def test_style_cost_is_the_weighted_sum_of_the_layers():
    features_S = {"a": randn(1, 4, 4, 2, seed=6), "b": randn(1, 2, 2, 3, seed=7)}
    features_G = {"a": randn(1, 4, 4, 2, seed=8), "b": randn(1, 2, 2, 3, seed=9)}
    J = style_cost(features_S, features_G, [("a", 0.3), ("b", 0.7)])
    expected = sum(coeff * style_cost_layer_loop(features_S[k].data, features_G[k].data)
                   for k, coeff in (("a", 0.3), ("b", 0.7)))
    np.testing.assert_allclose(J.item(), expected, rtol=1e-12)


def test_style_cost_defaults_to_the_course_layers():
    assert [name for name, _ in STYLE_LAYERS] == ["conv1_1", "conv2_1", "conv3_1", "conv4_1",
                                                  "conv5_1"]
    assert sum(coeff for _, coeff in STYLE_LAYERS) == pytest.approx(1.0)


def test_total_cost_uses_the_course_defaults():
    assert total_cost(2.0, 3.0).item() == pytest.approx(10 * 2.0 + 40 * 3.0)
    assert total_cost(2.0, 3.0, alpha=1, beta=0.5).item() == pytest.approx(3.5)


def test_the_costs_are_zero_for_identical_images_and_positive_otherwise():
    a = randn(1, 3, 3, 2, seed=10)
    assert content_cost(a, a).item() == 0.0
    assert style_cost_layer(a, a).item() == 0.0
    assert style_cost_layer(a, a * 1.1).item() > 0.0


def test_matches_torch():
    pytest.importorskip("torch")

    def torch_gram(A):
        unrolled = A.reshape(A.shape[0], -1, A.shape[-1])
        return unrolled.transpose(1, 2) @ unrolled

    assert_matches_torch(gram_matrix, torch_gram, [randn(2, 3, 4, 5, seed=11)])

    def torch_style(a_S, a_G):
        n_H, n_W, n_C = a_S.shape[1:]
        return ((torch_gram(a_S) - torch_gram(a_G)) ** 2).sum() / (4 * n_C ** 2
                                                                   * (n_H * n_W) ** 2)

    assert_matches_torch(style_cost_layer, torch_style,
                         [randn(1, 3, 4, 5, seed=12), randn(1, 3, 4, 5, seed=13)])


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("shape", SHAPES)
def test_gradchecks(shape):
    assert_gradcheck(content_cost, [randn(*shape, seed=14), randn(*shape, seed=15)])
    assert_gradcheck(gram_matrix, [randn(*shape, seed=16)])
    assert_gradcheck(gram_matrix, [randn(shape[-1], 7, seed=17)])
    assert_gradcheck(style_cost_layer, [randn(*shape, seed=18), randn(*shape, seed=19)])


def test_gradcheck_of_style_cost_and_total_cost():
    layers = [("a", 0.25), ("b", 0.75)]

    def J(aS, bS, aG, bG, a_C):
        J_style = style_cost({"a": aS, "b": bS}, {"a": aG, "b": bG}, layers)
        return total_cost(content_cost(a_C, bG), J_style, alpha=10, beta=40)

    assert_gradcheck(J, [randn(1, 4, 4, 2, seed=20), randn(1, 2, 2, 3, seed=21),
                         randn(1, 4, 4, 2, seed=22), randn(1, 2, 2, 3, seed=23),
                         randn(1, 2, 2, 3, seed=24)])


def small_network():
    """Two random stages in float64 (average pools: no ties to make a kink)."""
    npdeep.manual_seed(0)
    return random_features_network(stage_channels=(4, 6), n_C_prev=3).to(np.float64)


def test_gradient_with_respect_to_the_input_image_through_a_conv_net():
    # The quantity transfer() descends: J(G) through the network's layers, down to G itself.
    net = small_network()
    rng = np.random.default_rng(25)
    C = rng.random((1, 8, 8, 3))
    S = rng.random((1, 8, 8, 3))
    features_C = net.features(C, ["conv2_1"])
    features_S = net.features(S, ["conv1_1", "conv2_1"])
    layers = [("conv1_1", 0.5), ("conv2_1", 0.5)]

    def J(G):
        features_G = net.features(G, ["conv1_1", "conv2_1"])
        return total_cost(content_cost(features_C["conv2_1"], features_G["conv2_1"]),
                          style_cost(features_S, features_G, layers))

    G = npdeep.Tensor(rng.random((1, 8, 8, 3)), requires_grad=True, dtype=np.float64)
    assert_gradcheck(J, [G])
    assert np.abs(G.grad).max() > 0  # the image does get a gradient


# ---------------------------------------------------------------- bad input
def test_shape_mismatch_and_wrong_rank_are_named():
    with pytest.raises(ValueError, match=r"content_cost: a_C has shape \(1, 2, 2, 3\) but "
                                         r"a_G has shape \(1, 2, 3, 3\)"):
        content_cost(np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"style_cost_layer: a_S must be a layer's activation "
                                         r"of shape \(m, n_H, n_W, n_C\)"):
        style_cost_layer(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"gram_matrix: A must be \(n_C, n_H·n_W\)"):
        gram_matrix(np.zeros(5))


def test_style_cost_names_a_missing_layer_and_a_bad_weight():
    features = {"a": randn(1, 2, 2, 2)}
    with pytest.raises(ValueError, match=r"style_cost: layer 'b' of style_layers is not in "
                                         r"features_S; it has \['a'\]"):
        style_cost(features, features, [("b", 1.0)])
    with pytest.raises(ValueError, match=r"The 'style_layers\['a'\] weight' parameter of "
                                         r"style_cost must be a finite number >= 0"):
        style_cost(features, features, [("a", -1.0)])
    with pytest.raises(ValueError, match="must be a non-empty list of \\(layer name, weight\\)"):
        style_cost(features, features, ["a"])
    with pytest.raises(ValueError, match="The 'beta' parameter of total_cost"):
        total_cost(1.0, 1.0, beta=-2)


# ---------------------------------------------------------------- transfer
LAYERS = [("conv1_1", 0.5), ("conv2_1", 0.5)]


def tiny_images(size=(12, 12), seed=30):
    rng = np.random.default_rng(seed)
    return rng.random(size + (3,)).astype(np.float32), rng.random(size + (3,)).astype(np.float32)


def tiny_network():
    npdeep.manual_seed(1)
    return random_features_network(stage_channels=(4, 8))


def test_transfer_lowers_J_and_keeps_a_valid_image():
    C, S = tiny_images()
    G, history = transfer(C, S, tiny_network(), "conv2_1", LAYERS, iterations=15,
                          learning_rate=0.02, seed=0)
    assert G.shape == (12, 12, 3) and G.dtype == np.float32
    assert 0.0 <= G.min() and G.max() <= 1.0
    assert sorted(history) == ["J", "J_content", "J_style"]
    assert len(history["J"]) == 15
    assert history["J"][-1] < 0.5 * history["J"][0]
    np.testing.assert_allclose(history["J"], 10 * np.array(history["J_content"])
                               + 40 * np.array(history["J_style"]), rtol=1e-5)


def test_transfer_starts_from_the_courses_noise_image_and_steps_down_the_gradient():
    # J[0] is J of the course's initial image, computed here with the public functions
    # (style_cost from both activations, not transfer's precomputed Gram matrices), and the
    # image after one step is Adam's first step: G0 − α·g/(|g| + ε), clipped.
    C, S = tiny_images()
    net = tiny_network()
    G0 = generate_noise_image(C, 0.6, net.input_mean, np.random.default_rng(5))
    G = npdeep.Tensor(G0[None], requires_grad=True)
    features_G = net.features(G, ["conv1_1", "conv2_1"])
    J = total_cost(content_cost(net.features(C[None], "conv2_1")["conv2_1"],
                                features_G["conv2_1"]),
                   style_cost(net.features(S[None], ["conv1_1", "conv2_1"]), features_G, LAYERS))
    J.backward()
    image, history = transfer(C, S, net, "conv2_1", LAYERS, iterations=1, learning_rate=0.01,
                              seed=5)
    np.testing.assert_allclose(history["J"][0], J.item(), rtol=1e-5)
    g = G.grad[0]
    expected = np.clip(G0 - 0.01 * g / (np.abs(g) + 1e-8), 0, 1)
    np.testing.assert_allclose(image, expected, atol=1e-6)


def test_noise_image_mixes_as_the_course_does():
    C = np.full((4, 4, 3), 0.9)
    G = generate_noise_image(C, noise_ratio=0.6, mean=(0.5, 0.5, 0.5),
                             rng=np.random.default_rng(0))
    # μ + 0.4·(C − μ) = 0.66, plus 0.6 · U(−20/255, 20/255).
    assert np.abs(G - 0.66).max() <= 0.6 * 20 / 255 + 1e-12
    assert G.std() > 0
    np.testing.assert_allclose(generate_noise_image(C, noise_ratio=0.0), C)


def test_transfer_is_repeatable_and_restores_the_networks_gradients():
    C, S = tiny_images()
    net = vgg19(stage_channels=(2, 2, 2, 2, 2))
    runs = [transfer(C, S, net, "conv2_1", LAYERS, iterations=3, seed=7)[0] for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert all(p.requires_grad and p.grad is None for p in net.parameters())


def test_transfer_callback_and_early_stop():
    C, S = tiny_images()
    seen = []

    def callback(i, record, G):
        seen.append((i, record["J"], G.shape))
        return i == 2

    _, history = transfer(C, S, tiny_network(), "conv2_1", LAYERS, iterations=10,
                          callback=callback, seed=0)
    assert len(history["J"]) == 3 and [s[0] for s in seen] == [0, 1, 2]
    assert seen[0][2] == (12, 12, 3)


def test_a_style_image_of_another_size_is_resized_with_a_warning():
    C, _ = tiny_images()
    _, S = tiny_images((20, 16))
    with pytest.warns(UserWarning, match=r"the style image \(20, 16\) is resized to the "
                                         r"content image's size \(12, 12\)"):
        G, _ = transfer(C, S, tiny_network(), "conv2_1", LAYERS, iterations=2, seed=0)
    assert G.shape == (12, 12, 3)
    # The same image as from a style image resized beforehand (bilinear, cut to [0, 1]).
    from npdeep.data.images import resize_image
    S_resized = np.clip(resize_image(S, (12, 12)), 0.0, 1.0)
    expected, _ = transfer(C, S_resized, tiny_network(), "conv2_1", LAYERS, iterations=2,
                           seed=0)
    np.testing.assert_allclose(G, expected, atol=1e-6)


def test_transfer_refuses_bad_images_and_layers():
    C, S = tiny_images()
    net = tiny_network()
    with pytest.raises(ValueError, match=r"transfer \(content\): expected an image of shape "
                                         r"\(n_H, n_W, 3\) \(HWC\) but got \(3, 12, 12\), which "
                                         r"looks channels-first .* image.transpose\(1, 2, 0\)"):
        transfer(C.transpose(2, 0, 1), S, net, "conv2_1", LAYERS, iterations=1)
    with pytest.raises(ValueError, match=r"transfer \(style\): .* 1 channels instead of 3"):
        transfer(C, S[..., :1], net, "conv2_1", LAYERS, iterations=1)
    with pytest.raises(ValueError, match=r"values in \[0, 1\] but got \[3.25829, 254.709\]; "
                                         r"divide 0-255 images by 255"):
        transfer(C * 255, S, net, "conv2_1", LAYERS, iterations=1)
    with pytest.raises(ValueError, match=r"transfer: RandomFeatures has no layer \['conv4_2'\]"):
        transfer(C, S, net, "conv4_2", LAYERS, iterations=1)
    with pytest.raises(TypeError, match="feature_extractor must have a features"):
        transfer(C, S, object(), "conv2_1", LAYERS, iterations=1)
    with pytest.raises(ValueError, match="The 'learning_rate' parameter of transfer"):
        transfer(C, S, net, "conv2_1", LAYERS, learning_rate=0)


def test_example_writes_the_side_by_side_picture(tmp_path):
    images = os.path.join(conftest.SHARED_DATA, "images")
    if not os.path.isdir(images):
        pytest.skip(f"shared images folder {images} not present")
    result = load_example("style_transfer").main(
        ["--size", "24", "--iterations", "4", "--out", str(tmp_path)])
    from npdeep.data.images import load_image
    picture = load_image(result["picture"])
    assert picture.shape[0] == 24 and picture.shape[1] == 3 * 24 + 2 * 4
    assert result["iterations"] == 4 and result["J_last"] < result["J_first"]


@pytest.mark.slow
def test_example_full_run_falls_monotonically_for_100_iterations(tmp_path):
    # The result: a real photograph and painting at least 128x128 (the example's
    # default is 192x192), J falling at every one of the first 100 iterations, in at most 5
    # minutes (measured by the example; not timed here).
    images = os.path.join(conftest.SHARED_DATA, "images")
    if not os.path.isdir(images):
        pytest.skip(f"shared images folder {images} not present")
    result = load_example("style_transfer").main(["--out", str(tmp_path)])
    assert result["size"][0] >= 128 and result["size"][1] >= 128
    assert result["monotone_first_100"], result["monotone_prefix"]
