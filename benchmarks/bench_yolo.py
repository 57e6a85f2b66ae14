"""The small YOLO's forward + backward (yolo_small, 64x64x3, S=4, A=3, C=3, the YOLO loss),
npdeep alone, with the share of the step spent in convolution.

There is no PyTorch side: the row tracks npdeep's own speed on a detection network (its
floor column still compares the step with its matrix products alone). The share of time in
convolution is measured once when the workload is built, outside the timed rounds: over a few
steps, the time inside the convolution Functions' forward and backward (im2col and Winograd
alike) divided by the step's time, median over the steps. It is shown in the row's name and
saved as ``conv_share`` in the JSON.
"""
from __future__ import annotations

import functools

import numpy as np

import npdeep
from benchmarks.common import Workload
from benchmarks.conv_share import conv_share
from benchmarks.floor import model_gemms

M, SIZE, S, A, C = 32, 64, 4, 3, 3
ANCHORS = np.array([[0.8, 0.8], [1.15, 1.15], [1.55, 1.6]])  # (w, h) in cells


def build_yolo():
    from npdeep import models
    from npdeep.vision.shapes import ShapesDetection
    from npdeep.vision.yolo import encode_targets
    from npdeep.vision.yolo_loss import yolo_loss

    data = ShapesDetection(M, size=SIZE, max_objects=4, seed=0)
    X = npdeep.tensor(data.images)
    Y = encode_targets(data.boxes, data.classes, S, ANCHORS, C, dtype=np.float32)
    npdeep.manual_seed(0)
    model = models.yolo_small((SIZE, SIZE, 3), S=S, n_anchors=A, n_classes=C)
    loss = functools.partial(yolo_loss, anchors=ANCHORS)
    gemms = model_gemms(model, X)
    flops = sum(g.flops for g in model_gemms(model, X, nominal=True))

    def step():  # forward + backward (no update: the weights stay those of the floor's gemms)
        model.zero_grad()
        loss(model(X), Y).backward()

    share = conv_share(step)
    name = f"YOLO fwd+bwd m={M} {SIZE}x{SIZE} conv {100 * share:.0f}%"
    return Workload("yolo", name, {"npdeep": step}, gemms=gemms, flops=flops,
                    info={"conv_share": share, "peer": None,
                          "shape": {"m": M, "image": [SIZE, SIZE, 3], "S": S, "A": A, "C": C}})


WORKLOADS = {"yolo": build_yolo}
