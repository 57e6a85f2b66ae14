"""The time loops of the fused LSTM and GRU with each step's elementwise work in ONE compiled,
GIL-free call (npdeep.functional.recurrent.lstm and gru; reset_after GRU only).

Per step: the product with the previous state in BLAS (np.matmul), then one kernel of
_rnn_numba for everything elementwise (gate nonlinearities, c⟨t⟩, a⟨t⟩; backward: the
gates' dZ and the carried gradients). The NumPy path runs about 25 NumPy calls a step
instead, each taking and releasing the GIL: two threads running batch blocks contended for
it and gained nothing (see npdeep.functional.recurrent). Here a step holds the GIL only for
the call overheads, so the batch blocks of npdeep.threads can run at once.

Each function runs the whole time loop on the rows (examples) [start, stop) of the caller's
buffers, in processing order as npdeep.functional.recurrent.common lays them out: G
(T_x, m, n_gates·n_a) the gates, S (T_x + 1, m, n_a) the states, M (T_x, m, 1) or None the
mask. Rows of different blocks never touch, so blocks run in any order, on any thread, with
the same bits (for a given cut of the batch).

The LSTM's compiled path and, behind gru_forward / gru_backward, the GRU's run each block's
whole time loop in ONE compiled call instead (_lstm_numba; the per-step loops below stay as
the fallback where NumPy's BLAS has no CBLAS product numba can call): no GIL between steps,
and the products through OpenBLAS's AVX-512 kernels where the CPU has AVX-512.

float32 gates go through the rational tanh of _rnn_numba (max abs error 3.2e-7); float64
through the exact np.tanh (scalar libm: correct, but slower than the NumPy path — the ops
take this path for float32 only). NumPy twins: LSTMSequence and GRUSequence with
``npdeep.kernels.active()`` False; tests/kernels/test_recurrent.py compares them.
"""
from __future__ import annotations

import numpy as np

_compiled = None

# The dtypes the ops send to these loops (float64's exact scalar tanh is slower than NumPy's
# SIMD loop; tests add float64 to compare the kernels with the NumPy path exactly).
DTYPES = (np.float32,)
# Work a thread's block must have before the batch is split (as conv's): a block runs the
# whole time loop, so the hand-off (about 40 µs) is paid once per sequence, not per step.
MIN_FLOPS_PER_THREAD = 2_000_000


def takes(dtype) -> bool:
    """Whether the fused LSTM / GRU take these loops for arrays of ``dtype``: the compiled
    path is on (npdeep.kernels.active()) and the dtype is one of DTYPES."""
    from npdeep.kernels.switch import active
    return np.dtype(dtype) in DTYPES and active()


def blocks(m: int, T_x: int, n_gates: int, n_a: int) -> list:
    """The batch's blocks [(start, stop), ...] for npdeep.threads.map_blocks.

    One block (the whole batch, in the calling thread) while BLAS still has its own threads:
    then the products of every step, and the large ones outside the time loop, run on all
    of them. Once an op has split a batch in this process, BLAS is pinned to one thread for
    good (npdeep.threads) and the split is the only parallelism left: then one block per
    thread, each with at least MIN_FLOPS_PER_THREAD of its products (2·T_x·n_a·n_gates·n_a
    an example, forward). Measured (2 shared cores, float32, batch 32, T_x = 50, n_x = 64,
    n_a = 128, fwd + bwd, min over 40, ms): LSTM one block with two-thread BLAS 5.8; once
    BLAS is pinned, two blocks 7.8 against one block 9.5; reset-after GRU 4.6; 6.2 against
    7.3 (those figures with the per-step Python loop; with the whole-loop kernels, GRU 5.65
    ms with BLAS's threads, 6.71 pinned and split). The split loses to two-thread BLAS
    because the products outside the time loop (input projection, dW, dX: over half the
    flops) then run on one thread; cutting those over the threads too measured no faster
    (and is not done).
    """
    from npdeep import threads
    if not threads.blas_pinned():
        return [(0, m)]
    per_example = 2 * T_x * n_a * n_gates * n_a
    return threads.batch_blocks(m, min_per_thread=-(-MIN_FLOPS_PER_THREAD // max(1, per_example)))


def _kernels():
    """The numba module, imported (and its functions compiled) on first use only."""
    global _compiled
    if _compiled is None:
        from npdeep.kernels import _rnn_numba
        _compiled = _rnn_numba
    return _compiled


def _mask_rows(M, start, stop, dtype):
    """(masked, Mr): Mr (T_x, rows) the mask of these rows, made once a call so that each
    step passes the kernel a contiguous row Mr[k] without a copy; unmasked, (1, 1) ones, whose
    row Mr[0] is the 1-element dummy the kernels take."""
    if M is None:
        return False, np.ones((1, 1), dtype=dtype)
    return True, np.ascontiguousarray(M[:, start:stop, 0])


def lstm_forward(G, S, C, tanh_C, WaT, M, start: int, stop: int) -> None:
    """The LSTM's forward time loop on rows [start, stop).

    Args:
        G: (T_x, m, 4·n_a) x⟨t⟩·Wxᵀ + b on entry (σ rows halved); the gates [Γf, Γu, Γo, c̃]
            on exit.
        S, C: (T_x + 1, m, n_a) with S[0] = a0, C[0] = c0; S[1:], C[1:] written.
        tanh_C: (T_x, m, n_a) written with tanh(c⟨t⟩).
        WaT: (n_a, 4·n_a) the state's weights, transposed (σ columns halved).
        M: (T_x, m, 1) step mask or None.
    """
    kernels = _kernels()
    T_x = G.shape[0]
    approx = G.dtype == np.float32
    Za = np.empty((stop - start, G.shape[2]), dtype=G.dtype)
    rows = slice(start, stop)
    masked, Mr = _mask_rows(M, start, stop, G.dtype)
    for k in range(T_x):
        np.matmul(S[k, rows], WaT, out=Za)
        kernels.lstm_forward_step(G[k, rows], Za, C[k, rows], S[k, rows], C[k + 1, rows],
                                  tanh_C[k, rows], S[k + 1, rows], Mr[k if masked else 0],
                                  masked, approx)


def lstm_backward(G, dG, tanh_C, S, C, dY, da, dc, Wa, M, start: int, stop: int) -> None:
    """The LSTM's backward time loop on rows [start, stop).

    Args:
        G, tanh_C, S, C, M: as the forward left them.
        dG: (T_x, m, 4·n_a) written with each step's dZ.
        dY: (T_x, m, n_a) the outputs' gradients, processing order.
        da, dc: (m, n_a) the final states' gradients on entry, da⟨0⟩ and dc⟨0⟩ on exit.
        Wa: (4·n_a, n_a) the state's weights.
    """
    kernels = _kernels()
    T_x = G.shape[0]
    rows = slice(start, stop)
    target = da_b = da[rows]
    dc_b = dc[rows]
    da_new = np.empty_like(da_b)
    masked, Mr = _mask_rows(M, start, stop, G.dtype)
    from npdeep.functional.recurrent.common import carry_back  # (not at import: a cycle)
    keep = 1.0 - Mr[:, :, None] if masked else None  # 1 where the state was carried
    for k in range(T_x - 1, -1, -1):
        dg = dG[k, rows]
        kernels.lstm_backward_step(G[k, rows], dg, tanh_C[k, rows], S[k + 1, rows],
                                   C[k, rows], da_b, dY[k, rows], dc_b,
                                   Mr[k if masked else 0], masked)
        np.matmul(dg, Wa, out=da_new)                                   # da⟨t−1⟩
        da_b, da_new = carry_back(da_b, da_new, None if keep is None else keep[k])
    if da_b is not target:    # the swaps left da⟨0⟩ in the spare buffer
        target[...] = da_b


def gru_forward(G, S, H, WaT, bc_rec, M, start: int, stop: int) -> None:
    """The reset-after GRU's forward time loop on rows [start, stop).

    Args:
        G: (T_x, m, 3·n_a) x⟨t⟩·Wxᵀ + b on entry (σ rows halved); [Γu, Γr, c̃] on exit.
        S: (T_x + 1, m, n_a) with S[0] = a0; S[1:] written.
        H: (T_x, m, n_a) written with Wca·c⟨t−1⟩ + bc_rec.
        WaT: (n_a, 3·n_a) the state's weights, transposed (σ columns halved).
        bc_rec: (n_a,) the bias inside the reset product.
        M: (T_x, m, 1) step mask or None.
    """
    kernels = _kernels()
    T_x = G.shape[0]
    approx = G.dtype == np.float32
    Za = np.empty((stop - start, G.shape[2]), dtype=G.dtype)
    bc_rec = np.ascontiguousarray(bc_rec, dtype=G.dtype)
    rows = slice(start, stop)
    masked, Mr = _mask_rows(M, start, stop, G.dtype)
    if _lstm_loops():  # the whole loop in one GIL-free call (_lstm_numba)
        _lstm_loops().gru_forward_loop(G, S, H, np.ascontiguousarray(WaT), bc_rec, Mr, masked,
                                       approx, Za, start, stop)
        return
    for k in range(T_x):
        np.matmul(S[k, rows], WaT, out=Za)
        kernels.gru_forward_step(G[k, rows], Za, bc_rec, S[k, rows], H[k, rows],
                                 S[k + 1, rows], Mr[k if masked else 0], masked, approx)


def gru_backward(G, S, H, dY, da, dZa, dZc, Wa, M, start: int, stop: int) -> None:
    """The reset-after GRU's backward time loop on rows [start, stop).

    Args:
        G, S, H, M: as the forward left them.
        dY: (T_x, m, n_a) the outputs' gradients, processing order.
        da: (m, n_a) the final state's gradient on entry, da⟨0⟩ on exit.
        dZa: (T_x, m, 3·n_a) written with [dZu, dZr, dh]; dZc (T_x, m, n_a) with dZc.
        Wa: (3·n_a, n_a) the state's weights.
    """
    kernels = _kernels()
    T_x = G.shape[0]
    rows = slice(start, stop)
    target = da_b = da[rows]
    da_new, tmp = np.empty_like(da_b), np.empty_like(da_b)
    masked, Mr = _mask_rows(M, start, stop, G.dtype)
    if _lstm_loops():  # the whole loop in one GIL-free call (_lstm_numba)
        da_b = np.ascontiguousarray(da_b)
        _lstm_loops().gru_backward_loop(G, S, H, dY, da_b, dZa, dZc, np.ascontiguousarray(Wa),
                                        Mr, masked, da_new, tmp, start, stop)
        if da_b is not target:  # da's rows were not contiguous: copied in, copy back
            target[...] = da_b
        return
    from npdeep.functional.recurrent.common import carry_back  # (not at import: a cycle)
    keep = 1.0 - Mr[:, :, None] if masked else None  # 1 where the state was carried
    for k in range(T_x - 1, -1, -1):
        za = dZa[k, rows]
        kernels.gru_backward_step(G[k, rows], H[k, rows], S[k, rows], da_b, dY[k, rows],
                                  za, dZc[k, rows], da_new, Mr[k if masked else 0], masked)
        np.matmul(za, Wa, out=tmp)
        da_new += tmp
        da_b, da_new = carry_back(da_b, da_new, None if keep is None else keep[k])
    if da_b is not target:
        target[...] = da_b


# ------------------------------------------------------------------ whole-loop LSTM blocks
_loops = None


def _lstm_loops():
    """The _lstm_numba module (its loops compiled on first call), or False without CBLAS."""
    global _loops
    if _loops is None:
        from npdeep.kernels import _lstm_numba
        _loops = _lstm_numba if _lstm_numba.GEMM is not None else False
    return _loops


def lstm_whole_loops(dtype) -> bool:
    """Whether the fused LSTM runs each batch block's whole layer in one compiled call
    (lstm_block_forward / lstm_block_backward): takes(dtype), and NumPy's BLAS exports the
    CBLAS product the loops call."""
    return takes(dtype) and bool(_lstm_loops())


def lstm_blocks(m: int, T_x: int, n_a: int) -> list:
    """The batch's blocks for the whole-loop LSTM: one per thread (npdeep.threads), each with
    at least MIN_FLOPS_PER_THREAD of the time loop's products (2·T_x·4·n_a·n_a an example).

    Unlike blocks() (the GRU's), the split does not wait for BLAS to be pinned: every product
    of the layer (the input projection, the time loops, dX, dW) runs inside its block, so the
    split's threads are the whole parallelism, and the first split pins BLAS to one thread
    for good (the execution model of npdeep.threads). Measured in the module's benchmark
    (benchmarks/bench_rnn.py).
    """
    from npdeep import threads
    per_example = 2 * T_x * n_a * 4 * n_a
    return threads.batch_blocks(m, min_per_thread=-(-MIN_FLOPS_PER_THREAD // max(1, per_example)))


def lstm_product(A, B, C, transpose_a: bool = False) -> None:
    """C = A·B (or Aᵀ·B with transpose_a) into C, 2-D C-contiguous arrays of one dtype, by
    the products the whole-loop LSTM uses (_blas_numba: OpenBLAS's AVX-512 kernels where the
    CPU has them, else CBLAS), GIL-free; only where lstm_whole_loops() holds. NumPy twin:
    np.matmul."""
    from npdeep.kernels import _blas_numba
    (_blas_numba.product_tn if transpose_a else _blas_numba.product)(A, B, C)


def lstm_block_forward(X, start, reverse, WaT, WxT, b_h, a0, c0, H, G, C, tanh_C, Za, out,
                       col, Mt, masked, approx) -> None:
    """One block's whole forward, one direction, in one GIL-free call: the rows [start,
    start + rows) of X (m, T_x, n_x), rows = G.shape[1]. The arrays and their layout:
    _lstm_numba.lstm_block_forward; the caller: npdeep.functional.recurrent.lstm_blocks."""
    _lstm_loops().lstm_block_forward(X, start, reverse, WaT, WxT, b_h, a0, c0, H, G, C, tanh_C,
                                     Za, out, col, Mt, masked, approx)


def lstm_block_backward(dout, start, reverse, col, Wa, Wx, H, G, C, tanh_C, dG, want_dX, dX,
                        beta_dX, want_dW, dW, db, da0, dc0, d_a, d_c, spare, Mt,
                        masked) -> None:
    """One block's whole backward, one direction, in one GIL-free call (the arrays:
    _lstm_numba.lstm_block_backward)."""
    _lstm_loops().lstm_block_backward(dout, start, reverse, col, Wa, Wx, H, G, C, tanh_C, dG,
                                      want_dX, dX, beta_dX, want_dW, dW, db, da0, dc0, d_a, d_c,
                                      spare, Mt, masked)


def lstm_weights(W, WaT, WxT, Wa, Wx) -> None:
    """The block kernels' weights from W (4·n_a, n_a + n_x), in one compiled pass
    (_lstm_numba.lstm_weights): WaT, WxT transposed with the σ columns halved, Wa, Wx."""
    _lstm_loops().lstm_weights(W, WaT, WxT, Wa, Wx)
