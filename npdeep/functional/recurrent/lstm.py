"""The LSTM over a whole sequence, fused: one GEMM for the input projection of every step, one
GEMM per step for all four gates, and a hand-written backward through time.

The course's equations (Hochreiter & Schmidhuber 1997; the course's names), per step t:

    Γf⟨t⟩ = σ(Wf·[a⟨t−1⟩; x⟨t⟩] + bf)        forget gate
    Γu⟨t⟩ = σ(Wu·[a⟨t−1⟩; x⟨t⟩] + bu)        update gate
    Γo⟨t⟩ = σ(Wo·[a⟨t−1⟩; x⟨t⟩] + bo)        output gate
    c̃⟨t⟩  = tanh(Wc·[a⟨t−1⟩; x⟨t⟩] + bc)     candidate
    c⟨t⟩  = Γu⟨t⟩∗c̃⟨t⟩ + Γf⟨t⟩∗c⟨t−1⟩
    a⟨t⟩  = Γo⟨t⟩∗tanh(c⟨t⟩)

The fused W stacks the four matrices by rows in the order (f, u, o, c) — the three sigmoid
gates first, so one σ runs over a contiguous block — giving W (4·n_a, n_a + n_x), b (4·n_a,).
Batch-first: the step's product is Z⟨t⟩ = a⟨t−1⟩·Waᵀ + x⟨t⟩·Wxᵀ + b, rows are examples.

Backward through time, per step (dZ of each gate is the gradient of its pre-activation):

    da_new = da⟨t⟩ + dy⟨t⟩
    dc_new = dc⟨t⟩ + da_new∗Γo∗(1 − tanh²(c⟨t⟩))
    dΓo = da_new∗tanh(c⟨t⟩)   dc̃ = dc_new∗Γu   dΓu = dc_new∗c̃   dΓf = dc_new∗c⟨t−1⟩
    dZ = [dΓf∗Γf(1−Γf), dΓu∗Γu(1−Γu), dΓo∗Γo(1−Γo), dc̃∗(1−c̃²)]
    dc⟨t−1⟩ = dc_new∗Γf        da⟨t−1⟩ = dZ·Wa

and after the loop, over all steps at once: dWa = Σ dZᵀ·a⟨t−1⟩, dWx = Σ dZᵀ·x⟨t⟩,
db = Σ dZ, dX = dZ·Wx — three big GEMMs instead of 3·T_x small ones.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.functional.recurrent import common, lstm_blocks
from npdeep.kernels import recurrent as compiled
from npdeep.threads import map_blocks


class LSTMSequence(Function):
    """One direction of one LSTM layer over X (m, T_x, n_x); output packed as in common.

    NOTE: σ(z) is computed as (1 + tanh(z/2))/2, with the halving folded into the weights
    (common.half_sigmoid_rows): then one tanh runs over a step's four gates at once, with no
    overflow to guard against (σ by e^(−z) needs a cap: 4 passes more per step). Its error is
    absolute, below one ulp of 1, as the gates need.

    Paths, the same products: float32 with the compiled path on (npdeep.kernels.active())
    cuts the batch into one block per thread (kernels.recurrent.lstm_blocks) and runs each
    block's whole layer on its own thread, in its own buffers, forward and back as ONE
    GIL-free numba call each (npdeep.functional.recurrent.lstm_blocks: the input projection,
    the time loop, outputs written in place; back the time loop, dX, the block's partial dW
    and db; kernels._lstm_numba, its tanh a rational approximation, max abs error 3.2e-7);
    the partial sums are added in block order; its buffers start on 64-byte lines
    (common.take_aligned: 15-20% faster products). Where NumPy's
    BLAS offers no CBLAS product to call from numba, a per-step Python loop around one
    compiled kernel a step (kernels.recurrent.lstm_forward). All else runs the NumPy loops
    _forward_steps / _backward_steps, the tested reference.

    NOTE: why the batch blocks did not scale with a per-step Python loop: each step made
    about four calls (product, kernel, slices), each taking the GIL for its overhead, so two
    threads mostly waited for each other, and the products outside the loop ran on one core.
    Measured (fwd + bwd, batch 32, T_x 50, n_x 64, n_a 128, float32, 2 threads, min over 40):
    per-step loop, split 10.1 ms; one block with two-thread BLAS 7.8; whole loops in blocks
    6.9; with OpenBLAS's AVX-512 kernels (see kernels._blas_numba) 3.1-3.9.
    """

    @staticmethod
    def forward(ctx, X, a0, c0, W, b, reverse=False, lengths=None):
        m, T_x, n_x = X.shape
        n_a = a0.shape[1]
        n3 = 3 * n_a
        if compiled.lstm_whole_loops(X.dtype):  # each batch block's whole layer compiled
            return lstm_blocks.apply_forward(
                ctx, X, [lstm_blocks.Direction(a0, c0, W, b, reverse, 0)], lengths)
        Wa, Wx = common.split_weights(W, n_a)
        M = common.step_mask(lengths, T_x, reverse, X.dtype)            # (T_x, m, 1) or None
        Wa_h, Wx_h, b_h = common.half_sigmoid_rows((Wa, Wx, b), n3)
        Xp = common.to_processing_order(X, reverse)                   # (T_x, m, n_x)
        # The input projection of every step in one GEMM; then G holds the gate values.
        take = common.pool.take
        G = take((T_x, m, 4 * n_a), X.dtype)                            # (T_x, m, 4·n_a)
        np.matmul(Xp.reshape(T_x * m, n_x), Wx_h.T, out=G.reshape(T_x * m, 4 * n_a))
        G += b_h
        S = take((T_x + 1, m, n_a), X.dtype)    # a⟨t⟩, S[0] = a0
        C = take((T_x + 1, m, n_a), X.dtype)    # c⟨t⟩, C[0] = c0
        tanh_C = take((T_x, m, n_a), X.dtype)
        S[0], C[0] = a0, c0
        if compiled.takes(X.dtype):  # one GIL-free kernel a step; batch blocks on threads
            map_blocks(lambda block: compiled.lstm_forward(G, S, C, tanh_C, Wa_h.T, M, *block),
                       compiled.blocks(m, T_x, 4, n_a))
        else:
            LSTMSequence._forward_steps(G, S, C, tanh_C, Wa_h.T, M)
        ctx.saved = (Xp, Wa, Wx, G, S, C, tanh_C, M, reverse)
        common.give_back_when_freed(ctx, Xp, G, S, C, tanh_C)
        Y = common.masked_output(S[1:], M)
        return common.pack_output(Y, [S[T_x], C[T_x]], reverse)

    @staticmethod
    def _forward_steps(G, S, C, tanh_C, WaT, M):
        """The NumPy time loop (the compiled path's reference): G, S, C, tanh_C as in
        kernels.recurrent.lstm_forward."""
        T_x, m, n4 = G.shape
        n_a, n3 = n4 // 4, 3 * (n4 // 4)
        Za = np.empty((m, 4 * n_a), dtype=G.dtype)
        tmp = np.empty((m, n_a), dtype=G.dtype)
        for k in range(T_x):
            g = G[k]
            np.matmul(S[k], WaT, out=Za)
            g += Za
            np.tanh(g, out=g)
            sig = g[:, :n3]
            sig *= 0.5
            sig += 0.5                                   # Γf, Γu, Γo = (1 + tanh(z/2))/2
            f, u, o, cc = g[:, :n_a], g[:, n_a:2 * n_a], g[:, 2 * n_a:n3], g[:, n3:]
            c = C[k + 1]
            np.multiply(f, C[k], out=c)
            np.multiply(u, cc, out=tmp)
            c += tmp
            np.tanh(c, out=tanh_C[k])
            np.multiply(o, tanh_C[k], out=S[k + 1])
            if M is not None:  # padded steps carry the state: s = s_prev + M·(s_new − s_prev)
                for state in (C, S):
                    new = state[k + 1]
                    new -= state[k]
                    new *= M[k]
                    new += state[k]

    @staticmethod
    def backward(ctx, dout, add_dX_to=None):
        # add_dX_to: (m, T_x, n_x) to add dX into (in place) and return as dX (the
        # bidirectional op's other direction's dX), else None.
        if isinstance(ctx.saved[0], str):  # "blocks": the compiled path
            return lstm_blocks.apply_backward(ctx, dout)
        Xp, Wa, Wx, G, S, C, tanh_C, M, reverse = ctx.saved
        T_x, m, n_x = Xp.shape
        n_a = S.shape[2]
        dtype = G.dtype
        dY, (da, dc) = common.unpack_grad(dout, T_x, 2, reverse)
        dG = common.pool.take(G.shape, dtype)
        if compiled.takes(dtype):
            map_blocks(lambda block: compiled.lstm_backward(G, dG, tanh_C, S, C, dY, da, dc, Wa,
                                                            M, *block),
                       compiled.blocks(m, T_x, 4, n_a))
        else:
            LSTMSequence._backward_steps(G, dG, tanh_C, S, C, dY, da, dc, Wa, M)
        needs = ctx.needs_input_grad
        dG2 = dG.reshape(T_x * m, 4 * n_a)
        dX = dW = db = None
        if needs[0]:
            dX = common.input_gradient(dG2, Wx, T_x, m, reverse, add_to=add_dX_to)
        if needs[3]:
            dWa = dG2.T @ S[:T_x].reshape(T_x * m, n_a)
            dWx = dG2.T @ Xp.reshape(T_x * m, n_x)
            dW = np.concatenate([dWa, dWx], axis=1)
        if needs[4]:
            db = dG2.sum(axis=0)
        common.pool.give(dG, dY)
        return dX, (da if needs[1] else None), (dc if needs[2] else None), dW, db

    @staticmethod
    def _backward_steps(G, dG, tanh_C, S, C, dY, da, dc, Wa, M):
        """The NumPy time loop back (the compiled path's reference): arguments as in
        kernels.recurrent.lstm_backward; da and dc are updated in place."""
        T_x, m, n4 = G.shape
        n_a, n3 = n4 // 4, 3 * (n4 // 4)
        dtype = G.dtype
        da_out, dc_out = da, dc
        dA, dC, tmp, da_new = (np.empty((m, n_a), dtype=dtype) for _ in range(4))
        tmp3 = np.empty((m, n3), dtype=dtype)
        keep = None if M is None else 1.0 - M    # 1 at padded steps: the state is carried
        for k in range(T_x - 1, -1, -1):
            g, dg, t = G[k], dG[k], tanh_C[k]
            f, u, o, cc = g[:, :n_a], g[:, n_a:2 * n_a], g[:, 2 * n_a:n3], g[:, n3:]
            np.add(da, dY[k], out=dA)                     # da_new
            if M is not None:
                dA *= M[k]                       # 0 at a padded step: so is every dZ
            # dc_new = dc + da_new·Γo·(1 − tanh²c), with Γo·(1 − tanh²c) = Γo − a⟨t⟩·tanh c
            # (a⟨t⟩ = Γo·tanh c; where a padded step carried the state, dA is 0 anyway).
            np.multiply(S[k + 1], t, out=tmp)
            np.subtract(o, tmp, out=tmp)
            tmp *= dA
            if M is not None:
                np.multiply(dc, M[k], out=dC)
                dC += tmp
            else:
                np.add(tmp, dc, out=dC)
            df, du, do, dcc = (dg[:, :n_a], dg[:, n_a:2 * n_a], dg[:, 2 * n_a:n3], dg[:, n3:])
            np.multiply(dC, C[k], out=df)
            np.multiply(dC, cc, out=du)
            np.multiply(dA, t, out=do)
            np.multiply(dC, u, out=dcc)
            # σ' = σ − σ² on the three sigmoid gates, tanh' = 1 − c̃² on the candidate.
            sig = g[:, :n3]
            np.multiply(sig, sig, out=tmp3)
            np.subtract(sig, tmp3, out=tmp3)
            dg[:, :n3] *= tmp3
            np.multiply(cc, cc, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dcc *= tmp
            np.matmul(dg, Wa, out=da_new)                 # da⟨t−1⟩ (m, n_a)
            np.multiply(dC, f, out=tmp)                   # dc⟨t−1⟩
            keep_k = None if keep is None else keep[k]
            da, da_new = common.carry_back(da, da_new, keep_k)
            dc, tmp = common.carry_back(dc, tmp, keep_k)
        if da is not da_out:       # the swaps left da⟨0⟩, dc⟨0⟩ in the spare buffers
            da_out[...] = da
        if dc is not dc_out:
            dc_out[...] = dc


def lstm(X, a0, c0, W, b, *, reverse: bool = False, lengths=None):
    """One LSTM layer in one direction over a batch of sequences (fused; see the module).

    Args:
        X: (m, T_x, n_x) inputs, batch-first.
        a0, c0: (m, n_a) initial hidden and cell states, or None for zeros.
        W: (4·n_a, n_a + n_x) = [Wf; Wu; Wo; Wc] stacked by rows, each (n_a, n_a + n_x)
            acting on [a⟨t−1⟩; x⟨t⟩] as in the course.
        b: (4·n_a,) = [bf; bu; bo; bc].
        reverse: run from t = T_x down to 1 (the backward half of a bidirectional layer).
        lengths: (m,) ints in [1, T_x], the real steps of each example, or None (all T_x).

    Returns:
        (Y, a_T, c_T): Y (m, T_x, n_a) the a⟨t⟩ of every step (0 at padded steps), a_T and c_T
        (m, n_a) each example's states after its own last real step.

    Raises:
        ValueError: for shapes that do not fit, or lengths outside [1, T_x].

    Example:
        >>> Y, a_T, c_T = lstm(X, None, None, W, b)   # X (32, 50, 64), W (512, 192)
    """
    X = common.check_sequence(X, None, "lstm")
    m, T_x, n_x = X.shape
    n_a = common.check_weights(W, b, 4, n_x, "lstm", "Wf, Wu, Wo, Wc")
    a0 = common.check_state(a0, m, n_a, "lstm", "a0", X.dtype)
    c0 = common.check_state(c0, m, n_a, "lstm", "c0", X.dtype)
    lengths = common.check_lengths(lengths, m, T_x, "lstm")
    out = LSTMSequence.apply(X, a0, c0, W, b, reverse=bool(reverse), lengths=lengths)
    return common.unpack(out, T_x, 2)


def lstm_cell(xt, a_prev, c_prev, W, b):
    """One LSTM step (the course's lstm_cell_forward, batch-first): the fused op at T_x = 1.

    Args:
        xt: (m, n_x); a_prev, c_prev: (m, n_a) or None; W (4·n_a, n_a + n_x), b (4·n_a,)
            as in :func:`lstm`.

    Returns:
        (a_next, c_next), each (m, n_a).
    """
    _, a_next, c_next = lstm(common.one_step_sequence(xt, "lstm_cell"), a_prev, c_prev, W, b)
    return a_next, c_next
