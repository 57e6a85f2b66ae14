"""The share of a step's time spent in convolution, for the npdeep-alone rows (YOLO, style
transfer): the forward and backward of npdeep's convolution Functions (im2col and Winograd
alike) are timed while the step runs, outside the harness's timed rounds."""
from __future__ import annotations

import contextlib
import time

import numpy as np


def conv_functions() -> list:
    """The convolution Functions npdeep's conv2d may take (older checkouts: those present)."""
    from npdeep.functional import conv
    functions = [conv.Conv2d]
    try:
        from npdeep.functional import winograd
        functions.append(winograd.Conv2dWinograd)
    except ImportError:  # a checkout from before Winograd
        pass
    return functions


@contextlib.contextmanager
def timed_functions(functions: list, clock: list):
    """Add the seconds spent in each Function's forward and backward to clock[0]; the
    Functions are restored on exit."""
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
    """The median over ``steps`` calls of step() of (time in convolution) / (step time),
    after one untimed call (caches, buffer pools)."""
    step()
    shares = []
    for _ in range(steps):
        clock = [0.0]
        with timed_functions(conv_functions(), clock):
            start = time.perf_counter()
            step()
            total = time.perf_counter() - start
        shares.append(clock[0] / total)
    return float(np.median(shares))
