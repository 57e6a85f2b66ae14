"""Convolution layers, forward + backward, against torch.nn.functional.conv2d.

Workloads (float32; inputs prepared outside the timed region; each timed call is one forward
and one backward of the layer alone, with dJ/dZ given):
    conv5x5     5x5 valid, batch 64, 28x28x1  -> 6 filters   (LeNet-5's first layer)
    conv3x3     3x3 same,  batch 32, 32x32x16 -> 32 filters
    conv4x4     4x4 same,  batch 16, 64x64x3  -> 8 filters   (even f: asymmetric padding)
    resnet3x3   3x3 same,  batch 32, 16x16x64 -> 64 filters  (a ResNet stage's layer)
(Pooling is in bench_pool.py, the LeNet-5 training step in bench_lenet.py.)

npdeep runs NHWC. PyTorch runs twice: NCHW, its default layout (the "torch" side), and
channels_last, the same NHWC memory as npdeep's (the "torch_cl" side). The GEMM floor lists
the products of the algorithm npdeep's conv2d took (im2col or Winograd; benchmarks/floor.py).
"""
from __future__ import annotations

import warnings

import numpy as np

import npdeep.functional as F
from benchmarks.common import Workload, torch_images, torch_layouts, torch_or_none
from benchmarks.floor import conv_algorithm, layer_conv_gemms
from npdeep.tensor import Tensor

# key: (name, m, n_H_prev (= n_W_prev), n_C_prev, n_C, f, padding)
CONVS = {
    "conv5x5": ("conv 5x5 valid, 64x28x28x1 -> 6", 64, 28, 1, 6, 5, "valid"),
    "conv3x3": ("conv 3x3 same, 32x32x32x16 -> 32", 32, 32, 16, 32, 3, "same"),
    "conv4x4": ("conv 4x4 same, 16x64x64x3 -> 8", 16, 64, 3, 8, 4, "same"),
    "resnet3x3": ("conv 3x3 same, 32x16x16x64 -> 64", 32, 16, 64, 64, 3, "same"),
}


def _torch_sides(torch, A, W, b, dZ, f, padding):
    """PyTorch's forward + backward on the same data, NCHW and channels_last."""
    nnf = torch.nn.functional
    if padding == "valid":
        torch_padding = 0
    elif f % 2 == 1:
        torch_padding = (f - 1) // 2
    else:  # even f: PyTorch's "same" puts the extra zero bottom/right, as npdeep does
        torch_padding = "same"
    sides = {}
    for side, layout in torch_layouts(torch):
        X = torch_images(torch, A, layout).requires_grad_()
        W_t = torch.from_numpy(W).permute(3, 2, 0, 1).contiguous(memory_format=layout)
        W_t.requires_grad_()
        b_t = torch.from_numpy(b).requires_grad_()
        dZ_t = torch_images(torch, dZ, layout)

        def step(X=X, W_t=W_t, b_t=b_t, dZ_t=dZ_t):
            X.grad = W_t.grad = b_t.grad = None
            with warnings.catch_warnings():  # even f: "may require a zero-padded copy"
                warnings.simplefilter("ignore")
                Z = nnf.conv2d(X, W_t, b_t, padding=torch_padding)
            Z.backward(dZ_t)
        sides[side] = step
    return sides


def build_conv(key: str) -> Workload:
    name, m, n_H_prev, n_C_prev, n_C, f, padding = CONVS[key]
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, n_H_prev, n_H_prev, n_C_prev), dtype=np.float32)
    W = rng.standard_normal((f, f, n_C_prev, n_C), dtype=np.float32) * np.float32(0.1)
    b = rng.standard_normal(n_C, dtype=np.float32)
    A_prev, W_t, b_t = (Tensor(x, requires_grad=True) for x in (A, W, b))
    Z = F.conv2d(A_prev, W_t, b_t, 1, padding)
    _, n_H, n_W, _ = Z.shape
    dZ = rng.standard_normal(Z.shape, dtype=np.float32)  # NHWC, C-contiguous

    def npdeep_step():
        A_prev.grad = W_t.grad = b_t.grad = None
        F.conv2d(A_prev, W_t, b_t, 1, padding).backward(dZ)

    sides = {"npdeep": npdeep_step}
    torch = torch_or_none()
    if torch is not None:
        sides.update(_torch_sides(torch, A, W, b, dZ, f, padding))
    info = {"shape": {"m": m, "n_H_prev": n_H_prev, "n_C_prev": n_C_prev, "n_C": n_C, "f": f,
                      "padding": padding, "n_H": n_H, "n_W": n_W},
            "conv_algorithm": conv_algorithm(Z)}
    nominal = sum(g.flops for g in layer_conv_gemms(A.shape, Z, f, nominal=True))
    return Workload(key, name + " fwd+bwd", sides, gemms=layer_conv_gemms(A.shape, Z, f),
                    flops=nominal, info=info)


WORKLOADS = {key: (lambda key=key: build_conv(key)) for key in CONVS}
