"""The GEMM floor: the matrix products npdeep's forward + backward performs, timed alone.

npdeep's dense, convolution and (later) recurrent layers are built to spend their time in BLAS
matrix products. The floor of a workload is the time of those products alone, at the same
shapes, dtype and memory order, each over the whole batch, with operands and outputs
allocated beforehand: the time npdeep would take if everything around the products (im2col,
col2im, elementwise ops, the graph) were free. ``npdeep ms / floor ms`` near 1 means a layer
is bound by its products; far above 1, by everything else.

The lists mirror npdeep's code (npdeep/functional/linalg.py and conv.py); when those change
the way they call BLAS, change them here too:

    dense    Z = A_prev · Wᵀ                     (m, n[l-1]) @ (n[l-1], n[l])    Wᵀ F-order
             dA_prev = dZ · W  (not for layer 1)  (m, n[l]) @ (n[l], n[l-1])
             dW = dZᵀ · A_prev                    (n[l], m) @ (m, n[l-1])        dZᵀ F-order
    conv     Zᵀ = W₂ᵀ · colsᵀ (bias as one more row of colsᵀ)
                                                  (n_C, K+1) @ (K+1, P)
             dW_b = colsᵀ · dZ (db its last row)  (K+1, P) @ (P, n_C)
             dcolsᵀ = W₂ · dZᵀ  (not for layer 1) (K, n_C) @ (n_C, P)          both F-order
    with K = f·f·n_C_prev and P = m·n_H·n_W output positions.
    Winograd F(t×t, 3x3) (npdeep/functional/winograd.py), α² = (t+2)² products each way
    (t = 2, 16 products, on the NumPy path; t = 4, 36 products, on the compiled path):
             M = V · U                            (P, n_C_prev) @ (n_C_prev, n_C)
             dU = Vᵀ · dM                         (n_C_prev, P) @ (P, n_C)        Vᵀ F-order
             dV = dM · Uᵀ  (not for layer 1)      (P, n_C) @ (n_C, n_C_prev)      Uᵀ F-order
    with P = m·⌈n_H/t⌉·⌈n_W/t⌉ tiles.
    direct (thin stride-1 layers on the compiled path, npdeep/kernels/conv.py): no BLAS
             product at all; the list is im2col's three products, the BLAS work the compiled
             loops replace, so that a floor below 1 says by how much they beat it.

P counts useful output positions only: npdeep's stride-1 path computes some positions of the
padded grid that it then crops (10-35 % more columns), a cost the floor does not include.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Gemm:
    """``batch`` products a (M, K) @ b (K, N) in one np.matmul call (a stack when batch > 1);
    an order "F" operand is the transposed view of a C-order array."""

    M: int
    K: int
    N: int
    a_order: str = "C"
    b_order: str = "C"
    what: str = ""
    batch: int = 1
    algorithm: str = ""  # the layer's: "dense", "im2col", "winograd", "matmul"

    @property
    def flops(self) -> int:
        return 2 * self.batch * self.M * self.K * self.N

    def describe(self) -> str:
        stack = f"{self.batch} x " if self.batch > 1 else ""
        return (f"{self.what}: {stack}({self.M}, {self.K}){self.a_order} @ "
                f"({self.K}, {self.N}){self.b_order}")


def dense_gemms(m: int, n_prev: int, n: int, need_dA_prev: bool = True) -> list:
    """The products of one dense layer's forward + backward (npdeep's F.linear)."""
    gemms = [Gemm(m, n_prev, n, "C", "F", "Z = A_prev W^T", algorithm="dense")]
    if need_dA_prev:
        gemms.append(Gemm(m, n, n_prev, "C", "C", "dA_prev = dZ W", algorithm="dense"))
    gemms.append(Gemm(n, m, n_prev, "F", "C", "dW = dZ^T A_prev", algorithm="dense"))
    return gemms


def conv_gemms(m: int, n_H: int, n_W: int, n_C_prev: int, n_C: int, f: int,
               need_dA_prev: bool = True, algorithm: str = "im2col") -> list:
    """The products of one im2col convolution's forward + backward (npdeep's F.conv2d), or
    (algorithm "direct" or "rows") the ones its compiled loops replace."""
    K, P = f * f * n_C_prev, m * n_H * n_W
    gemms = [Gemm(n_C, K + 1, P, "C", "C", "Z^T = W2^T cols^T", algorithm=algorithm),
             Gemm(K + 1, P, n_C, "C", "C", "dW_b = cols^T dZ", algorithm=algorithm)]
    if need_dA_prev:
        gemms.append(Gemm(K, n_C, P, "F", "F", "dcols^T = W2 dZ^T", algorithm=algorithm))
    return gemms


def winograd_gemms(m: int, n_H: int, n_W: int, n_C_prev: int, n_C: int,
                   need_dA_prev: bool = True, tile: int = 2) -> list:
    """The products of one Winograd F(tile x tile, 3x3) convolution's forward + backward."""
    P = m * (-(-n_H // tile)) * (-(-n_W // tile))
    batch = (tile + 2) ** 2
    gemms = [Gemm(P, n_C_prev, n_C, "C", "C", "M = V U", batch, "winograd"),
             Gemm(n_C_prev, P, n_C, "F", "C", "dU = V^T dM", batch, "winograd")]
    if need_dA_prev:
        gemms.append(Gemm(P, n_C, n_C_prev, "C", "F", "dV = dM U^T", batch, "winograd"))
    return gemms


def winograd_tile(Z) -> int:
    """The output tile (2 or 4) of the Winograd convolution that made Z, read from its graph
    node's plan (2 where the node does not say)."""
    plan = getattr(getattr(Z, "grad_fn", None), "plan", None)
    return getattr(plan, "t", 2)


def conv_algorithm(Z) -> str:
    """"winograd", "rows", "direct" or "im2col": which Function (and method) made the
    convolution's output Z (a Tensor that requires grad), read from its graph node. "rows" is
    the direct method's batch-last form (one output row of every image a pass)."""
    node = getattr(Z, "grad_fn", None)
    if "winograd" in f"{type(node).__name__} {node!r}".lower():
        return "winograd"
    saved = (getattr(node, "cols", None) or [None])[0]
    if getattr(saved, "method", None) != "direct":
        return "im2col"
    return "rows" if getattr(saved, "layout", None) == "batch_last" else "direct"


def layer_conv_gemms(A_shape: tuple, Z, f: int, need_dA_prev: bool = True,
                     nominal: bool = False) -> list:
    """The products of the convolution that made Z from an input of shape A_shape
    (``nominal``: im2col's, whichever algorithm ran)."""
    m, n_H, n_W, n_C = Z.shape
    algorithm = conv_algorithm(Z)
    if algorithm == "winograd" and not nominal:
        return winograd_gemms(m, n_H, n_W, A_shape[3], n_C, need_dA_prev, winograd_tile(Z))
    return conv_gemms(m, n_H, n_W, A_shape[3], n_C, f, need_dA_prev,
                      "im2col" if nominal else algorithm)


def model_gemms(model, X, nominal: bool = False) -> list:
    """The products of a Sequential's training step, found by running it forward once.

    Every Conv2d and Linear layer contributes its list; the first layer with parameters gets
    no dA_prev product (its input needs no gradient). ``nominal``: every convolution as
    im2col's products, whatever algorithm npdeep took (to count a workload's FLOPs).
    """
    from npdeep import nn

    gemms, seen_params = [], False
    A = X
    for layer in model:  # with the graph recorded: conv_algorithm reads it
        Z = layer(A)
        if isinstance(layer, nn.Conv2d):
            gemms += layer_conv_gemms(A.shape, Z, layer.f, seen_params, nominal)
        elif isinstance(layer, nn.Linear):
            gemms += dense_gemms(A.shape[0], A.shape[-1], Z.shape[-1], seen_params)
        seen_params = seen_params or bool(list(layer.parameters()))
        A = Z
    return gemms


def conv_algorithms(gemms: list) -> str | None:
    """The convolution algorithms among a workload's products ("direct", "rows", "im2col",
    "winograd"), or None when it has no convolution."""
    found = sorted({g.algorithm for g in gemms if g.algorithm in ("direct", "rows", "im2col",
                                                                  "winograd")})
    return "+".join(found) or None


def _operand(rng, batch: int, rows: int, cols: int, order: str, dtype) -> np.ndarray:
    if order == "F":
        a = rng.standard_normal((batch, cols, rows), dtype=np.float64).astype(dtype)
        a = a.transpose(0, 2, 1)
    else:
        a = rng.standard_normal((batch, rows, cols), dtype=np.float64).astype(dtype)
    return a[0] if batch == 1 else a


def floor_step(gemms: list, dtype=np.float32, seed: int = 0):
    """A callable running the products of ``gemms`` once each (None for an empty list)."""
    if not gemms:
        return None
    rng = np.random.default_rng(seed)
    operands = [(_operand(rng, g.batch, g.M, g.K, g.a_order, dtype),
                 _operand(rng, g.batch, g.K, g.N, g.b_order, dtype),
                 np.empty((g.batch, g.M, g.N) if g.batch > 1 else (g.M, g.N), dtype))
                for g in gemms]

    def step():
        for a, b, out in operands:
            np.matmul(a, b, out=out)
    return step
