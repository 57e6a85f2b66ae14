"""Pooling layers, forward + backward, against torch.nn.functional (NCHW and channels_last).

    maxpool     max pool 2x2, stride 2, on (64, 28, 28, 6)
    avgpool     average pool 2x2, stride 2, on (64, 28, 28, 6)

No matrix products: the rows have no GEMM floor.
"""
from __future__ import annotations

import numpy as np

import npdeep.functional as F
from benchmarks.common import Workload, torch_images, torch_layouts, torch_or_none
from npdeep.tensor import Tensor

POOL_SHAPE = (64, 28, 28, 6)


def build_pool(pool: str) -> Workload:
    rng = np.random.default_rng(0)
    A = rng.standard_normal(POOL_SHAPE, dtype=np.float32)
    A_prev = Tensor(A, requires_grad=True)
    ours = {"max": F.max_pool2d, "avg": F.avg_pool2d}[pool]
    dA = rng.standard_normal(ours(A_prev, 2).shape, dtype=np.float32)

    def npdeep_step():
        A_prev.grad = None
        ours(A_prev, 2).backward(dA)

    sides = {"npdeep": npdeep_step}
    torch = torch_or_none()
    if torch is not None:
        theirs = {"max": torch.nn.functional.max_pool2d,
                  "avg": torch.nn.functional.avg_pool2d}[pool]
        for side, layout in torch_layouts(torch):
            X = torch_images(torch, A, layout).requires_grad_()
            dA_t = torch_images(torch, dA, layout)

            def step(X=X, dA_t=dA_t):
                X.grad = None
                theirs(X, 2).backward(dA_t)
            sides[side] = step
    m, n_H, n_W, n_C = POOL_SHAPE
    return Workload(f"{pool}pool", f"{pool} pool 2x2, {m}x{n_H}x{n_W}x{n_C} fwd+bwd", sides)


WORKLOADS = {"maxpool": lambda: build_pool("max"), "avgpool": lambda: build_pool("avg")}
