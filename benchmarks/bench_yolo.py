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

import contextlib
import functools
import time

import numpy as np

import npdeep
from benchmarks.common import Workload
from benchmarks.floor import model_gemms

M, SIZE, S, A, C = 32, 64, 4, 3, 3
ANCHORS = np.array([[0.8, 0.8], [1.15, 1.15], [1.55, 1.6]])  # (w, h) in cells


def conv_functions() -> list:
    """The convolution Functions npdeep's conv2d may take (older checkouts: those present)."""
    from npdeep.functional import conv
    functions = [conv.Conv2d]
    try:
        from npdeep.functional import winograd
        functions.append(winograd.Conv2dWinograd)
    except ImportError:
        pass
    return functions


@contextlib.contextmanager
def timed_functions(functions: list, clock: list):
    """Add the seconds spent in each Function's forward and backward to clock[0]."""
    saved = [(f, f.__dict__["forward"], f.__dict__["backward"]) for f in functions]

    def wrap(method):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                clock[0] += time.perf_counter() - start
        return staticmethod(timed)

    try:
        for function, forward, backward in saved:
            function.forward = wrap(forward.__func__)
            function.backward = wrap(backward.__func__)
        yield
    finally:
        for function, forward, backward in saved:
            function.forward = forward
            function.backward = backward


def conv_share(step, steps: int = 5) -> float:
    """The median over ``steps`` calls of step() of (time in convolution) / (step time)."""
    step()  # untimed
    shares = []
    for _ in range(steps):
        clock = [0.0]
        with timed_functions(conv_functions(), clock):
            start = time.perf_counter()
            step()
            total = time.perf_counter() - start
        shares.append(clock[0] / total)
    return float(np.median(shares))


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
