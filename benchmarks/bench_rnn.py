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
The GRU (reset_after) takes dX and dWx in two products each (gates, candidate).

Measured (python -m benchmarks --only lstm,gru,lstm_bi2 --rounds 11, 2 cores shared with
other engineers' jobs, under their lock; torch 2.13 CPU, NumPy's OpenBLAS, float32; ratio =
torch / npdeep, median [IQR], kept/attempted rounds):

    before (per-step loops, one block, two-thread BLAS):
    LSTM            npdeep 6.40 ms, torch 3.22 ms, ratio 0.50 [0.49-0.51], floor 1.09, 11/12
    GRU             npdeep 5.05 ms, torch 9.26 ms, ratio 1.80 [1.77-1.88], floor 1.13, 11/11
    LSTM 2x bidir.  npdeep 36.7 ms, torch 18.4 ms, ratio 0.50 [0.49-0.52], floor 1.16, 11/11
    after (whole time loops per batch block, split over 2 threads, BLAS pinned to one):
    LSTM            npdeep 3.40 ms, torch 3.31 ms, ratio 0.95 [0.93-0.99], floor 0.58, 11/13
    GRU             npdeep 5.54 ms, torch 9.31 ms, ratio 1.68 [1.61-1.70], floor 1.24, 11/12
    LSTM 2x bidir.  npdeep 21.3 ms, torch 19.3 ms, ratio 0.87 [0.84-0.92], floor 0.67, 11/12
    then (a bidirectional layer as one Function, npdeep/functional/recurrent/lstm_bi.py; no
    unused copy of X per call; 64-byte aligned buffers), three runs in a row:
    LSTM            ratio 1.00 [0.97-1.02], 11/11; 0.66 [0.62-0.73], 11/11; 0.71 [0.61-0.89], 11/12
    GRU             ratio 1.82 [1.67-1.95], 11/12; 1.60 [1.49-1.68], 11/11; 1.83 [1.69-1.97], 11/11
    LSTM 2x bidir.  ratio 0.94 [0.92-1.01], 11/11; 0.93 [0.86-0.94], 11/11; 0.82 [0.78-0.93], 11/11
    (the same code before these changes, just before: 0.95 [0.92-0.99], 1.72 [1.68-1.81],
    0.89 [0.87-0.90]; interleaved A/B runs of the last change alone: LSTM 0.97 -> 0.98, 0.99,
    bidir. 0.97 -> 0.99, 1.04). In the second and third runs PyTorch's own times rose about
    20% (LSTM 3.5 -> 4.2-4.3 ms) and npdeep's LSTM about 2x (3.3 -> 6.1-6.6 ms) with no other
    process using the cores: the machine's shared vector units or memory, seen by npdeep's
    AVX-512 products more than by oneDNN. The same two levels showed in earlier A/B runs.
    Running the two directions of a layer at once, one per thread over the whole batch,
    measured slower than the batch split in each (see lstm_bi.py's NOTE).
    then (each block's whole layer as one numba call forward and one back,
    npdeep/functional/recurrent/lstm_blocks.py: no transposing copies, outputs, dY, dX read
    and written in place, dW in one product straight into W's layout, both directions of a
    bidirectional layer in each block's thread), --rounds 7, before -> after:
    LSTM            0.99 [0.97-1.00] -> 1.06 [0.99-1.12]
    GRU             2.38 -> 2.42 [2.35-2.45] (its code unchanged)
    LSTM 2x bidir.  0.96 [0.94-0.98] -> 1.09 [1.03-1.15]
    NOTE what did not help there: a step's product on [a⟨t−1⟩; x⟨t⟩] at once (K = n_a + n_x,
    no separate input projection) measured no faster than the projection plus K = n_a; the
    block's buffers batch-first (a step's rows 100 KB apart, a multiple of 4 KiB: the same L1
    sets) 7% slower than time-major; the backward's Wa, Wx read as the two parts of one W
    with a row stride, 15% slower in the loop than contiguous copies; index arithmetic in
    the elementwise loops (dy[col + j]) 30% slower than slices. Then the step's elementwise
    work as short loops of a few arrays each (one loop over ten arrays ran scalar: LLVM gives
    up the runtime alias checks numba's arrays need), backward loop 0.64 -> 0.52 ms a block,
    and the weights' transposes compiled (89 -> 47 us, 214 -> 113 us for layer 2), the two
    directions' on two threads; layer step 3.0-3.1 -> 2.8-2.9 ms (min over 40). Five runs of
    --rounds 7 over the next half hour (npdeep ms, torch ms, ratio, kept/attempted):
    LSTM            3.26 / 3.42  1.07 [1.05-1.11] 7/7;  3.40 / 3.53  1.10 [1.04-1.13] 7/9;
                    3.11 / 3.45  1.11 [1.05-1.13] 7/7;  1.10 [1.07-1.11] 4/7;
                    4.86 / 3.41  0.70 [0.66-0.82] 7/7 (the slow level, below)
    GRU             2.36 [2.20-2.44]; 2.41 [2.32-2.50]; 2.43 [2.42-2.50]; 2.35; 2.00
    LSTM 2x bidir.  18.5 / 19.7  1.07 [1.01-1.07]; 19.9 / 21.1  1.04 [1.04-1.07];
                    18.2 / 19.6  1.09 [1.07-1.10]; 17.0 / 19.3  1.10 [1.08-1.16];
                    25.9 / 22.3  0.89 [0.78-0.91] (the slow level)
    NOTE the slow level (npdeep's LSTM at its one-thread time, about 4.9 ms; PyTorch's a
    little slower or not): sched_getcpu in each thread around the block kernels showed both
    of npdeep's threads on the same vCPU for most calls, with another job running beside
    and also with nothing else running. Moving the pool's worker off the caller's CPU when
    it found itself there (sched_setaffinity, then restored) did not help: the scheduler
    then moved the caller during its block (CPU 0 at its start, 1 at its end) and the step
    stayed at 5.5-5.8 ms. So the placement looks chosen, not accidental (one vCPU slower to
    the guest's scheduler, its host thread busy elsewhere?); not solved here. It hits the
    base code the same way. Interleaved A/B in a quiet spell, before (57fe25f) -> after:
    LSTM            4.45 / 3.55  0.91 [0.82-0.94] -> 3.07 / 3.36  1.10 [1.08-1.11], 7/7 each
    GRU             2.43 [2.35-2.45] -> 2.49 [2.35-2.85]
    LSTM 2x bidir.  18.7 / 18.5  0.98 [0.98-0.99] -> 20.0 / 22.7  1.14 [1.12-1.16]
    and the next pair, both at the slow level: LSTM 0.59 -> 0.72, GRU 2.25 -> 2.05, bidir.
    0.85 -> 0.79.

The GRU row runs after the LSTM's, which pins BLAS to one thread (npdeep.threads): GRU alone
(BLAS's own threads) 1.95 [1.70-2.16]; after another split op has pinned BLAS, as in the full
run (--only maxpool,gru --rounds 9), 1.11 [1.08-1.22] before, 1.51 [1.47-1.54] after.

PyTorch's LSTM runs oneDNN's fused LSTM with AVX-512 (81 ms with torch.backends.mkldnn off):
3.2-3.5 ms is 270-295 GFLOP/s of the layer's 945 MFLOP. OpenBLAS runs its Haswell (AVX2)
kernels on this CPU, 87-126 GFLOP/s a core at these shapes, so the products alone took
longer than PyTorch's whole layer; npdeep's LSTM now calls OpenBLAS's AVX-512 kernels
itself (npdeep/kernels/_blas_numba.py), 190-255 GFLOP/s a core alone, about 1.45x that on
two threads (the two cores share their vector units or more: OpenBLAS's AVX2 kernel scales
2.0x). That is why floor, timed with NumPy's own products, is below 1. Its GRU has no
oneDNN path.
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


def recurrent_gemms(G: int, m: int, T_x: int, n_in: int, n_a: int, gru: bool = False) -> list:
    """The products of one fused layer, one direction (see the module docstring).

    ``gru``: the reset-after GRU's backward takes dX and dWx as two products each, one for
    the gates Γu, Γr (their dZ a slice of the state-side dZ) and one for the candidate.
    """
    P = T_x * m
    gemms = [Gemm(P, n_in, G * n_a, "C", "F", "Zx = X Wx^T", algorithm="matmul"),
             Gemm(m, n_a, G * n_a, "C", "F", "Za = a Wa^T", T_x, "matmul"),
             Gemm(m, G * n_a, n_a, "C", "C", "da_prev = dZ Wa", T_x, "matmul"),
             Gemm(G * n_a, P, n_a, "F", "C", "dWa = dZ^T A_prev", algorithm="matmul")]
    parts = [(G - 1) * n_a, n_a] if gru else [G * n_a]
    for rows in parts:
        gemms += [Gemm(P, rows, n_in, "C", "C", "dX = dZ Wx", algorithm="matmul"),
                  Gemm(rows, P, n_in, "F", "C", "dWx = dZ^T X", algorithm="matmul")]
    return gemms


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
        gemms += recurrent_gemms(GATES[kind], m, T_x, n_in, n_a, kind == "gru") * D
    info = {"shape": {"m": m, "T_x": T_x, "n_x": n_x, "n_a": n_a, "num_layers": num_layers,
                      "bidirectional": bidirectional, "kind": kind, **options}}
    return Workload(key, name + " fwd+bwd", sides, gemms=gemms, info=info)


WORKLOADS = {key: (lambda key=key: build_rnn(key)) for key in RNNS}
