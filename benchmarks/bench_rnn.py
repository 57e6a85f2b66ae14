"""Recurrent layers, forward + backward of the whole layer, against torch.nn (batch_first=True).

Workloads (float32; inputs prepared outside the timed region; each timed call is one forward
and one backward of the layer alone, with dJ/dY given and dX computed):
    lstm        LSTM, batch 32, T_x = 50, n_x = 64, n_a = 128
    gru         GRU (reset_after=True, PyTorch's variant), same sizes
    lstm_bi2    2-layer bidirectional LSTM, same sizes (layer 2 reads 2·128 features)

Both sides start from the same weights (npdeep.nn.to_torch_state_dict).

The GEMM floor lists the products of npdeep's fused ops (npdeep/functional/recurrent/), per
layer and direction, with G gates, T = T_x and n_in the layer's input features:

    Zx = X·Wxᵀ               (T·m, n_in) @ (n_in, G·n_a)      Wxᵀ F-order     once
    Za = a⟨t−1⟩·Waᵀ            T x (m, n_a) @ (n_a, G·n_a)      Waᵀ F-order     per step
    da⟨t−1⟩ = dZ·Wa            T x (m, G·n_a) @ (G·n_a, n_a)                    per step
    dX = dZ·Wx               (T·m, G·n_a) @ (G·n_a, n_in)                     once
    dWa = dZᵀ·A_prev          (G·n_a, T·m) @ (T·m, n_a)        dZᵀ F-order     once
    dWx = dZᵀ·X               (G·n_a, T·m) @ (T·m, n_in)       dZᵀ F-order     once

The per-step products are timed as one stacked np.matmul of T (the floor has no Python loop).
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import Workload, torch_or_none
from benchmarks.floor import Gemm
from npdeep import nn
from npdeep.tensor import Tensor

# key: (name, kind, m, T_x, n_x, n_a, num_layers, bidirectional)
RNNS = {
    "lstm": ("LSTM 32x50x64 -> 128", "lstm", 32, 50, 64, 128, 1, False),
    "gru": ("GRU (reset_after) 32x50x64 -> 128", "gru", 32, 50, 64, 128, 1, False),
    "lstm_bi2": ("LSTM 2-layer bidir. 32x50x64 -> 128", "lstm", 32, 50, 64, 128, 2, True),
}
GATES = {"lstm": 4, "gru": 3}


def recurrent_gemms(G: int, m: int, T_x: int, n_in: int, n_a: int) -> list:
    """The products of one fused layer, one direction (see the module docstring)."""
    P = T_x * m
    return [Gemm(P, n_in, G * n_a, "C", "F", "Zx = X Wx^T", algorithm="matmul"),
            Gemm(m, n_a, G * n_a, "C", "F", "Za = a Wa^T", T_x, "matmul"),
            Gemm(m, G * n_a, n_a, "C", "C", "da_prev = dZ Wa", T_x, "matmul"),
            Gemm(P, G * n_a, n_in, "C", "C", "dX = dZ Wx", algorithm="matmul"),
            Gemm(G * n_a, P, n_a, "F", "C", "dWa = dZ^T A_prev", algorithm="matmul"),
            Gemm(G * n_a, P, n_in, "F", "C", "dWx = dZ^T X", algorithm="matmul")]


def build_rnn(key: str) -> Workload:
    name, kind, m, T_x, n_x, n_a, num_layers, bidirectional = RNNS[key]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, T_x, n_x), dtype=np.float32)
    D = 2 if bidirectional else 1
    dY = rng.standard_normal((m, T_x, D * n_a), dtype=np.float32)
    options = {"reset_after": True} if kind == "gru" else {}
    layer_class = nn.LSTM if kind == "lstm" else nn.GRU
    layer = layer_class(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                        **options)
    X_t = Tensor(X, requires_grad=True)

    def npdeep_step():
        X_t.grad = None
        layer.zero_grad()
        Y, _ = layer(X_t)
        Y.backward(dY)

    sides = {"npdeep": npdeep_step}
    torch = torch_or_none()
    if torch is not None:
        torch_class = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
        theirs = torch_class(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                             batch_first=True)
        theirs.load_state_dict({k: torch.from_numpy(v)
                                for k, v in nn.to_torch_state_dict(layer).items()})
        X_torch = torch.from_numpy(X).requires_grad_()
        dY_torch = torch.from_numpy(dY)

        def torch_step():
            X_torch.grad = None
            theirs.zero_grad()
            Y, _ = theirs(X_torch)
            Y.backward(dY_torch)
        sides["torch"] = torch_step
    gemms = []
    for l in range(num_layers):
        n_in = n_x if l == 0 else D * n_a
        gemms += recurrent_gemms(GATES[kind], m, T_x, n_in, n_a) * D
    info = {"shape": {"m": m, "T_x": T_x, "n_x": n_x, "n_a": n_a, "num_layers": num_layers,
                      "bidirectional": bidirectional, "kind": kind, **options}}
    return Workload(key, name + " fwd+bwd", sides, gemms=gemms, info=info)


WORKLOADS = {key: (lambda key=key: build_rnn(key)) for key in RNNS}
