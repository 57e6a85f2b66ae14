"""Convolution and pooling layers, forward + backward, against torch.nn.functional.

Workloads (float32, same threads on both sides, inputs prepared outside the timed region;
each timed call is one forward and one backward of the layer alone, with dJ/dZ given):
    conv 5x5 valid   batch 64, 28x28x1  -> 6 filters   (LeNet-5's first layer)
    conv 3x3 same    batch 32, 32x32x16 -> 32 filters
    conv 4x4 same    batch 16, 64x64x3  -> 8 filters   (even f: asymmetric padding)
    max pool 2x2     on (64, 28, 28, 6)
    avg pool 2x2     on (64, 28, 28, 6)
(The LeNet-5 training step is in bench_lenet.py.)

PyTorch runs NCHW, its native layout; npdeep runs NHWC. For each convolution the row also
gives the GFLOP/s reached (2·m·n_H·n_W·n_C·f·f·n_C_prev per pass, three passes: Z, dW and
dA_prev) and that rate as a fraction of NumPy's own float32 matmul rate on a 1024x1024
product, measured in the same process (row keys "gflops" and "gemm_fraction"; also
"torch_gflops" and "numpy_matmul_gflops").
"""
from __future__ import annotations

import time
import warnings

import numpy as np

import npdeep.functional as F
from benchmarks.common import compare, torch_or_none
from npdeep.functional import conv as conv_ops
from npdeep.tensor import Tensor

CONVS = [
    ("conv 5x5 valid, 64x28x28x1 -> 6", 64, 28, 1, 6, 5, "valid"),
    ("conv 3x3 same, 32x32x32x16 -> 32", 32, 32, 16, 32, 3, "same"),
    ("conv 4x4 same, 16x64x64x3 -> 8", 16, 64, 3, 8, 4, "same"),
]
POOL_SHAPE = (64, 28, 28, 6)


def matmul_gflops(n: int = 1024, repeats: int = 7) -> float:
    """NumPy's float32 GEMM rate (GFLOP/s) on an n x n product: the ceiling for im2col + GEMM."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, a, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def bench_conv(name, m, n_H_prev, n_C_prev, n_C, f, padding, quick=False):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((m, n_H_prev, n_H_prev, n_C_prev), dtype=np.float32)
    W = (rng.standard_normal((f, f, n_C_prev, n_C), dtype=np.float32) * 0.1)
    b = rng.standard_normal(n_C, dtype=np.float32)
    A_prev, W_t, b_t = (Tensor(x, requires_grad=True) for x in (A, W, b))
    Z = F.conv2d(A_prev, W_t, b_t, 1, padding)
    dZ = rng.standard_normal(Z.shape, dtype=np.float32)  # NHWC, C-contiguous
    n_H, n_W = Z.shape[1], Z.shape[2]

    def npdeep_step():
        A_prev.grad = W_t.grad = b_t.grad = None
        F.conv2d(A_prev, W_t, b_t, 1, padding).backward(dZ)

    torch = torch_or_none()
    torch_step = None
    if torch is not None:
        nnf = torch.nn.functional
        X = torch.from_numpy(A).permute(0, 3, 1, 2).contiguous().requires_grad_()
        W_torch = torch.from_numpy(W).permute(3, 2, 0, 1).contiguous().requires_grad_()
        b_torch = torch.from_numpy(b).requires_grad_()
        dZ_torch = torch.from_numpy(dZ).permute(0, 3, 1, 2).contiguous()
        (top, bottom), (left, right) = conv_ops.resolve_padding(padding, n_H_prev, n_H_prev,
                                                                f, 1)
        symmetric = top == bottom and left == right

        def torch_step():
            X.grad = W_torch.grad = b_torch.grad = None
            if symmetric:
                Z_torch = nnf.conv2d(X, W_torch, b_torch, padding=(top, left))
            else:  # even f: PyTorch pads the same way (extra zero bottom/right)
                with warnings.catch_warnings():  # "may require a zero-padded copy": it does
                    warnings.simplefilter("ignore")
                    Z_torch = nnf.conv2d(X, W_torch, b_torch, padding="same")
            Z_torch.backward(dZ_torch)

    row = compare(name, npdeep_step, torch_step, quick=quick)
    flops = 3 * 2 * m * n_H * n_W * n_C * f * f * n_C_prev
    row["gflops"] = flops / row["npdeep_ms"] / 1e6
    if row["torch_ms"] is not None:
        row["torch_gflops"] = flops / row["torch_ms"] / 1e6
    return row


def bench_pool(name, pool, quick=False):
    rng = np.random.default_rng(0)
    A = rng.standard_normal(POOL_SHAPE, dtype=np.float32)
    A_prev = Tensor(A, requires_grad=True)
    ours = {"max": F.max_pool2d, "avg": F.avg_pool2d}[pool]
    dA = rng.standard_normal(ours(A_prev, 2).shape, dtype=np.float32)

    def npdeep_step():
        A_prev.grad = None
        ours(A_prev, 2).backward(dA)

    torch = torch_or_none()
    torch_step = None
    if torch is not None:
        theirs = {"max": torch.nn.functional.max_pool2d,
                  "avg": torch.nn.functional.avg_pool2d}[pool]
        X = torch.from_numpy(A).permute(0, 3, 1, 2).contiguous().requires_grad_()
        dA_torch = torch.from_numpy(dA).permute(0, 3, 1, 2).contiguous()

        def torch_step():
            X.grad = None
            theirs(X, 2).backward(dA_torch)

    return compare(name, npdeep_step, torch_step, quick=quick)


def run(quick: bool = False) -> list:
    rows = []
    gemm_rate = matmul_gflops()
    for name, *shape in CONVS:
        row = bench_conv(name + " fwd+bwd", *shape, quick=quick)
        row["numpy_matmul_gflops"] = gemm_rate
        row["gemm_fraction"] = row["gflops"] / gemm_rate
        row["note"] = (f"{row['gflops']:.1f} GFLOP/s = {row['gemm_fraction']:.2f} of NumPy's "
                       f"float32 matmul ({gemm_rate:.0f} GFLOP/s)")
        rows.append(row)
    rows.append(bench_pool("max pool 2x2, 64x28x28x6 fwd+bwd", "max", quick=quick))
    rows.append(bench_pool("avg pool 2x2, 64x28x28x6 fwd+bwd", "avg", quick=quick))
    return rows


if __name__ == "__main__":
    for row in run():
        extra = f"  {row['note']}" if "note" in row else ""
        torch_ms = "-" if row["torch_ms"] is None else f"{row['torch_ms']:.2f}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        print(f"{row['name']:<48} {row['npdeep_ms']:8.2f} {torch_ms:>8} {ratio:>6}{extra}")
