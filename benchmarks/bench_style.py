"""One neural style transfer step (Course 4, week 4): npdeep alone, with its share of time in
convolution.

The step is transfer()'s loop body: VGG-19 (random weights: the cost is the same as with the
public ones) from the image up to conv5_1, the content cost at conv4_2 and the course's five
style layers, backward to the image only (the network's weights need no gradient), one Adam
step on the image and the clip to [0, 1]. There is no PyTorch side: the row is here so that
later work sees what this workload costs and where its time goes.

The share of time in convolution is measured on untimed steps before the harness's rounds
(benchmarks/conv_share.py, shared with the YOLO row): the median over steps of the time in the
convolution Functions' forward and backward over the step's time.
"""
from __future__ import annotations

import numpy as np

import npdeep
from benchmarks.common import Workload
from benchmarks.conv_share import conv_share
from benchmarks.floor import layer_conv_gemms
from npdeep import models, optim

SIZE = 128  # n_H = n_W of the image, the example's size
DEEPEST = "conv5_1"


def image_gemms(network, G) -> list:
    """The products of the step's convolutions: forward and dA_prev only (the weights need no
    gradient), found by running the network forward once."""
    from npdeep import nn
    from npdeep.functional.activation import relu

    gemms = []
    A = (G - network.input_mean) / network.input_std
    for name, layer in network.named_modules():
        if layer is network:
            continue
        Z = layer(A)
        if isinstance(layer, nn.Conv2d):
            gemms += [g for g in layer_conv_gemms(A.shape, Z, layer.f, True)
                      if not g.what.startswith(("dW", "dU"))]
            Z = relu(Z)
        A = Z
        if name == DEEPEST:
            break
    return gemms


def build_style(size: int = SIZE, stage_channels=(64, 128, 256, 512, 512)):
    """VGG-19 style transfer step on a size x size image, npdeep only (thinner stages: for
    the test)."""
    from npdeep.vision.style import STYLE_LAYERS
    from npdeep.vision.style_transfer import generated_cost, style_targets

    rng = np.random.default_rng(0)
    C = rng.random((size, size, 3), dtype=np.float32)
    S = rng.random((size, size, 3), dtype=np.float32)
    npdeep.manual_seed(0)
    network = models.vgg19(stage_channels=stage_channels).freeze()
    a_C, grams_S = style_targets(network, C, S, "conv4_2", STYLE_LAYERS)
    G = npdeep.nn.Parameter(C[None].copy())
    optimizer = optim.Adam([G], learning_rate=0.01)

    def step():
        optimizer.zero_grad()
        J = generated_cost(network, G, a_C, grams_S, "conv4_2", STYLE_LAYERS)[0]
        J.backward()
        optimizer.step()
        np.clip(G.data, 0.0, 1.0, out=G.data)

    gemms = image_gemms(network, G)
    share = conv_share(step)
    name = f"style step VGG-19 {size}x{size}, conv {share:.0%}"  # fits the 42 columns
    return Workload("style", name, {"npdeep": step}, gemms=gemms,
                    info={"conv_share": share, "image": [size, size, 3],
                          "content_layer": "conv4_2",
                          "style_layers": [list(p) for p in STYLE_LAYERS]})


WORKLOADS = {"style": build_style}
