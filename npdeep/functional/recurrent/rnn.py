"""The basic RNN over a whole sequence, fused: one GEMM for the input projection of every
step, one GEMM per step, and a hand-written backward through time.

The course's equations, per step t (g = tanh, or relu with nonlinearity="relu"):

    a⟨t⟩ = g(Waa·a⟨t−1⟩ + Wax·x⟨t⟩ + ba)

The fused W = [Waa | Wax] (n_a, n_a + n_x) acts on [a⟨t−1⟩; x⟨t⟩], as the LSTM's and GRU's
matrices do; batch-first, the step is Z⟨t⟩ = a⟨t−1⟩·Waaᵀ + x⟨t⟩·Waxᵀ + ba, rows examples.

Backward through time, per step: dZ = (da⟨t⟩ + dy⟨t⟩)∗g'(Z), da⟨t−1⟩ = dZ·Waa, with
tanh' = 1 − a⟨t⟩² and relu' = [a⟨t⟩ > 0] (NOTE: 0 at Z = 0, as relu's everywhere in npdeep);
then over all steps at once dWaa = Σ dZᵀ·a⟨t−1⟩, dWax = Σ dZᵀ·x⟨t⟩, dba = Σ dZ, dX = dZ·Wax.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.functional.recurrent import common
from npdeep.validation import check_choice

NONLINEARITIES = ("tanh", "relu")


class RNNSequence(Function):
    """One direction of one RNN layer over X (m, T_x, n_x); output packed as in common."""

    @staticmethod
    def forward(ctx, X, a0, W, b, nonlinearity="tanh", reverse=False, lengths=None):
        m, T_x, n_x = X.shape
        n_a = a0.shape[1]
        Waa, Wax = common.split_weights(W, n_a)
        Xp = common.to_processing_order(X, reverse)                    # (T_x, m, n_x)
        M = common.step_mask(lengths, T_x, reverse, X.dtype)
        S = common.pool.take((T_x + 1, m, n_a), X.dtype)  # S[0] = a0, S[k+1]: after step k
        S[0] = a0
        # Z of every step from x alone in one GEMM, written straight into S[1:].
        np.matmul(Xp.reshape(T_x * m, n_x), Wax.T, out=S[1:].reshape(T_x * m, n_a))
        S[1:] += b
        H = common.pool.take((T_x, m, n_a), X.dtype) if M is not None else S[1:]
        Za = np.empty((m, n_a), dtype=X.dtype)
        WaaT = Waa.T
        for k in range(T_x):
            h = S[k + 1]
            np.matmul(S[k], WaaT, out=Za)
            h += Za
            if nonlinearity == "tanh":
                np.tanh(h, out=h)
            else:
                np.maximum(h, 0.0, out=h)
            if M is not None:  # keep g(Z) for backward; carry the state at padded steps
                H[k] = h
                h -= S[k]
                h *= M[k]
                h += S[k]
        ctx.saved = (Xp, Waa, Wax, S, H, M, nonlinearity, reverse)
        common.give_back_when_freed(ctx, Xp, S, *([H] if M is not None else []))
        return common.pack_output(common.masked_output(S[1:], M), [S[T_x]], reverse)

    @staticmethod
    def backward(ctx, dout):
        Xp, Waa, Wax, S, H, M, nonlinearity, reverse = ctx.saved
        T_x, m, n_x = Xp.shape
        n_a = S.shape[2]
        dY, (da,) = common.unpack_grad(dout, T_x, 1, reverse)
        dZ = common.pool.take((T_x, m, n_a), S.dtype)
        for k in range(T_x - 1, -1, -1):
            dz = dZ[k]
            np.add(da, dY[k], out=dz)
            if M is not None:
                dz *= M[k]
            if nonlinearity == "tanh":
                dz *= 1.0 - H[k] * H[k]
            else:
                dz *= H[k] > 0
            da = common.carry(dz @ Waa, da, None if M is None else M[k])
        needs = ctx.needs_input_grad
        dZ2 = dZ.reshape(T_x * m, n_a)
        dX = dW = db = None
        if needs[0]:
            dX = common.input_gradient(dZ2, Wax, T_x, m, reverse)
        if needs[2]:
            dW = np.concatenate([dZ2.T @ S[:T_x].reshape(T_x * m, n_a),
                                 dZ2.T @ Xp.reshape(T_x * m, n_x)], axis=1)
        if needs[3]:
            db = dZ2.sum(axis=0)
        common.pool.give(dZ, dY)
        return dX, (da if needs[1] else None), dW, db


def rnn(X, a0, W, b, *, nonlinearity: str = "tanh", reverse: bool = False, lengths=None):
    """One basic-RNN layer in one direction over a batch of sequences (fused; see the module).

    Args:
        X: (m, T_x, n_x) inputs, batch-first.
        a0: (m, n_a) initial state, or None for zeros.
        W: (n_a, n_a + n_x) = [Waa | Wax]; b: (n_a,) = ba.
        nonlinearity: "tanh" (the course's) or "relu".
        reverse: run from t = T_x down to 1 (the backward half of a bidirectional layer).
        lengths: (m,) ints in [1, T_x], the real steps of each example, or None (all T_x).

    Returns:
        (Y, a_T): Y (m, T_x, n_a) every a⟨t⟩ (0 at padded steps); a_T (m, n_a) each example's
        state after its own last real step.

    Raises:
        ValueError: for shapes that do not fit, lengths outside [1, T_x], an unknown
            nonlinearity.

    Example:
        >>> Y, a_T = rnn(X, None, W, b)   # X (m, T_x, n_x), W (n_a, n_a + n_x)
    """
    check_choice(nonlinearity, "nonlinearity", "rnn", NONLINEARITIES)
    X = common.check_sequence(X, None, "rnn")
    m, T_x, n_x = X.shape
    n_a = common.check_weights(W, b, 1, n_x, "rnn", "[Waa | Wax]")
    a0 = common.check_state(a0, m, n_a, "rnn", "a0", X.dtype)
    lengths = common.check_lengths(lengths, m, T_x, "rnn")
    out = RNNSequence.apply(X, a0, W, b, nonlinearity=nonlinearity, reverse=bool(reverse),
                            lengths=lengths)
    return common.unpack(out, T_x, 1)


def rnn_cell(xt, a_prev, W, b, *, nonlinearity: str = "tanh"):
    """One RNN step a⟨t⟩ = g(Waa·a⟨t−1⟩ + Wax·x⟨t⟩ + ba) (the course's rnn_cell_forward,
    batch-first): the fused op at T_x = 1.

    Args:
        xt: (m, n_x); a_prev: (m, n_a) or None; W (n_a, n_a + n_x) = [Waa | Wax], b (n_a,).

    Returns:
        a_next (m, n_a).
    """
    _, a_next = rnn(common.one_step_sequence(xt, "rnn_cell"), a_prev, W, b, nonlinearity=nonlinearity)
    return a_next
