"""One neural style transfer step (Course 4, week 4): npdeep alone, with its share of time in
convolution.

The step is transfer()'s loop body: VGG-19 (random weights: the cost is the same as with the
public ones) from the image up to conv5_1, the content cost at conv4_2 and the course's five
style layers, backward to the image only (the network's weights need no gradient), one Adam
step on the image and the clip to [0, 1]. There is no PyTorch side: the row is here so that
later work sees what this workload costs and where its time goes.

The share of time in convolution is measured on untimed steps before the harness's rounds:
the forward and backward of npdeep's convolution Functions (im2col and Winograd) are timed
while the step runs, and their total is divided by the steps' time.
"""
from __future__ import annotations

import time

import numpy as np

import npdeep
from benchmarks.common import Workload
from benchmarks.floor import layer_conv_gemms
from npdeep import models, optim

SIZE = 128  # n_H = n_W of the image, the example's size
DEEPEST = "conv5_1"


def _conv_functions() -> list:
    """npdeep's convolution Function classes (those this checkout has)."""
    found = []
    try:
        from npdeep.functional.conv import Conv2d
        found.append(Conv2d)
    except ImportError:  # pragma: no cover - an old checkout
        pass
    try:
        from npdeep.functional.winograd import Conv2dWinograd
        found.append(Conv2dWinograd)
    except ImportError:
        pass
    return found


def conv_share(step, repeats: int = 3) -> float:
    """The fraction of ``step``'s time spent in the convolutions' forward and backward."""
    spent = [0.0]
    originals = []

    def timed(fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return staticmethod(wrapper)

    for cls in _conv_functions():
        originals.append((cls, cls.__dict__["forward"], cls.__dict__["backward"]))
        cls.forward = timed(cls.forward)
        cls.backward = timed(cls.backward)
    try:
        step()  # untimed: fills caches and buffer pools
        spent[0] = 0.0
        start = time.perf_counter()
        for _ in range(repeats):
            step()
        total = time.perf_counter() - start
    finally:
        for cls, forward, backward in originals:
            cls.forward, cls.backward = forward, backward
    return spent[0] / total


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
