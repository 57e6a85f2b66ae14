"""The GRU over a whole sequence, fused: one GEMM for the input projection of every step, the
gates of a step in one GEMM (two for the course's variant), a hand-written backward through
time.

The course's full GRU (Cho et al. 2014), per step t, with c⟨t⟩ = a⟨t⟩:

    Γu⟨t⟩ = σ(Wu·[c⟨t−1⟩; x⟨t⟩] + bu)             update gate
    Γr⟨t⟩ = σ(Wr·[c⟨t−1⟩; x⟨t⟩] + br)             relevance (reset) gate
    c̃⟨t⟩  = tanh(Wc·[Γr⟨t⟩∗c⟨t−1⟩; x⟨t⟩] + bc)    candidate
    c⟨t⟩  = Γu⟨t⟩∗c̃⟨t⟩ + (1 − Γu⟨t⟩)∗c⟨t−1⟩

``reset_after=True`` is the variant of PyTorch, cuDNN and Keras's default: the reset gate
multiplies the product instead of the state, with a bias of its own inside the product,

    c̃⟨t⟩  = tanh(Wcx·x⟨t⟩ + bc + Γr⟨t⟩∗(Wca·c⟨t−1⟩ + bc_rec))       with Wc = [Wca | Wcx]

so that the products of all three gates with c⟨t−1⟩ are one GEMM. The update gate keeps the
course's meaning (Γu weighs the candidate); PyTorch's z is 1 − Γu, i.e. its weights and biases
are those of Γu negated (σ(−s) = 1 − σ(s); npdeep.nn.torch_interop converts).

The fused W stacks Wu, Wr, Wc by rows: (3·n_a, n_a + n_x), b = [bu; br; bc] (3·n_a,).

Backward through time, per step, with da_new = da⟨t⟩ + dy⟨t⟩:

    dΓu = da_new∗(c̃ − c⟨t−1⟩)    dc̃ = da_new∗Γu    dc⟨t−1⟩ = da_new∗(1 − Γu) + ...
    dZc = dc̃∗(1 − c̃²)
    course:       d(Γr∗c) = dZc·Wca,  dΓr = d(Γr∗c)∗c⟨t−1⟩,  dc⟨t−1⟩ += d(Γr∗c)∗Γr
    reset_after:  dh = dZc∗Γr (the gradient of Wca·c + bc_rec),   dΓr = dZc∗(Wca·c + bc_rec)
    dZu = dΓu∗Γu(1 − Γu), dZr = dΓr∗Γr(1 − Γr), and dc⟨t−1⟩ += [dZu, dZr, (dh)]·Wa
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import Function
from npdeep.functional.recurrent import common
from npdeep.kernels import recurrent as compiled
from npdeep.threads import map_blocks


class GRUSequence(Function):
    """One direction of one GRU layer over X (m, T_x, n_x); output packed as in common.

    ``bc_rec`` (n_a,) is the reset-after variant's bias inside the reset product; None selects
    the course's variant.

    The reset-after variant in float32 with the compiled path on runs the time loops of
    npdeep.kernels.recurrent (one GIL-free kernel a step; see lstm.py); all else the NumPy
    loops _forward_steps / _backward_steps, the tested reference.
    """

    @staticmethod
    def forward(ctx, X, a0, W, b, bc_rec, reverse=False, lengths=None):
        m, T_x, n_x = X.shape
        n_a = a0.shape[1]
        n2 = 2 * n_a
        after = bc_rec is not None
        Wa, Wx = common.split_weights(W, n_a)
        # σ(z) = (1 + tanh(z/2))/2 with the halving folded into the Γu, Γr rows (see lstm.py).
        Wa_h, Wx_h, b_h = common.half_sigmoid_rows((Wa, Wx, b), n2)
        Xp = common.to_processing_order(X, reverse)
        M = common.step_mask(lengths, T_x, reverse, X.dtype)
        take = common.pool.take
        G = take((T_x, m, 3 * n_a), X.dtype)                             # then Γu, Γr, c̃
        np.matmul(Xp.reshape(T_x * m, n_x), Wx_h.T, out=G.reshape(T_x * m, 3 * n_a))
        G += b_h
        S = take((T_x + 1, m, n_a), X.dtype)
        S[0] = a0
        # reset_after: H[k] = Wca·c⟨t−1⟩ + bc_rec; the course's: H[k] = Γr∗c⟨t−1⟩.
        H = take((T_x, m, n_a), X.dtype)
        if after and compiled.takes(X.dtype):  # one GIL-free kernel a step (see lstm.py)
            map_blocks(lambda block: compiled.gru_forward(G, S, H, Wa_h.T, bc_rec, M, *block),
                       compiled.blocks(m, T_x, 3, n_a))
        else:
            GRUSequence._forward_steps(G, S, H, Wa_h, bc_rec, M)
        ctx.saved = (Xp, Wa, Wx, G, S, H, M, after, reverse)
        common.give_back_when_freed(ctx, Xp, G, S, H)
        return common.pack_output(common.masked_output(S[1:], M), [S[T_x]], reverse)

    @staticmethod
    def _forward_steps(G, S, H, Wa_h, bc_rec, M):
        """The NumPy time loop (the compiled path's reference): G, S, H as in
        kernels.recurrent.gru_forward; Wa_h (3·n_a, n_a) the state's weights (σ rows
        halved); bc_rec None for the course's variant."""
        T_x, m, n3 = G.shape
        n_a = n3 // 3
        n2 = 2 * n_a
        after = bc_rec is not None
        tmp = np.empty((m, n_a), dtype=G.dtype)
        if after:
            WaT = Wa_h.T
            Za = np.empty((m, 3 * n_a), dtype=G.dtype)
        else:
            WurT, WcaT = Wa_h[:n2].T, Wa_h[n2:].T
            Za = np.empty((m, n2), dtype=G.dtype)
            Zc = np.empty((m, n_a), dtype=G.dtype)
        for k in range(T_x):
            g, c_prev, c = G[k], S[k], S[k + 1]
            ur, r, cc = g[:, :n2], g[:, n_a:n2], g[:, n2:]
            if after:
                np.matmul(c_prev, WaT, out=Za)
                ur += Za[:, :n2]
            else:
                np.matmul(c_prev, WurT, out=Za)
                ur += Za
            np.tanh(ur, out=ur)
            ur *= 0.5
            ur += 0.5                                      # Γu, Γr
            if after:
                np.add(Za[:, n2:], bc_rec, out=H[k])
                np.multiply(r, H[k], out=tmp)
                cc += tmp
            else:
                np.multiply(r, c_prev, out=H[k])
                np.matmul(H[k], WcaT, out=Zc)
                cc += Zc
            np.tanh(cc, out=cc)
            # c = c_prev + Γu∗(c̃ − c_prev); at a padded step (M = 0) the state is carried.
            np.subtract(cc, c_prev, out=c)
            c *= g[:, :n_a]
            if M is not None:
                c *= M[k]
            c += c_prev

    @staticmethod
    def backward(ctx, dout):
        Xp, Wa, Wx, G, S, H, M, after, reverse = ctx.saved
        T_x, m, n_x = Xp.shape
        n_a = S.shape[2]
        n2 = 2 * n_a
        dtype = G.dtype
        dY, (da,) = common.unpack_grad(dout, T_x, 1, reverse)
        # dZa: dZ of the products with c⟨t−1⟩ [dZu, dZr, dh] (reset_after: dh is the
        # gradient of Wca·c + bc_rec; the course's: dZc, of Wca·(Γr∗c)); dZc: the candidate's.
        dZa = common.pool.take((T_x, m, 3 * n_a if after else n2), dtype)
        dZc = common.pool.take((T_x, m, n_a), dtype)
        if after and compiled.takes(dtype):
            map_blocks(lambda block: compiled.gru_backward(G, S, H, dY, da, dZa, dZc, Wa, M,
                                                           *block),
                       compiled.blocks(m, T_x, 3, n_a))
        else:
            GRUSequence._backward_steps(G, S, H, dY, da, dZa, dZc, Wa, M, after)
        needs = ctx.needs_input_grad
        P = T_x * m
        dZa2, dZc2 = dZa.reshape(P, -1), dZc.reshape(P, n_a)
        dZur = dZa2[:, :n2]
        S2 = S[:T_x].reshape(P, n_a)
        X2 = Xp.reshape(P, n_x)
        dX = dW = db = dbc_rec = None
        if needs[0] or needs[2] or needs[3]:
            # The input side's dZ [dZu, dZr, dZc] (P, 3·n_a) side by side: one product each
            # for dX and dWx, one sum for db.
            dZx = np.concatenate([dZur, dZc2], axis=1)
        if needs[0]:
            dX = common.input_gradient(dZx, Wx, T_x, m, reverse)
        if needs[2]:
            # Wca multiplies c⟨t−1⟩ (reset_after, with dZ dh) or Γr∗c⟨t−1⟩ (the course's,
            # with dZ dZc).
            dWa = dZa2.T @ S2 if after else np.concatenate(
                [dZur.T @ S2, dZc2.T @ H.reshape(P, n_a)], axis=0)
            dW = np.concatenate([dWa, dZx.T @ X2], axis=1)
        if needs[3]:
            db = dZx.sum(axis=0)
        if after and needs[4]:
            dbc_rec = dZa2[:, n2:].sum(axis=0)
        common.pool.give(dZa, dZc, dY)
        return dX, (da if needs[1] else None), dW, db, dbc_rec

    @staticmethod
    def _backward_steps(G, S, H, dY, da, dZa, dZc, Wa, M, after):
        """The NumPy time loop back (the compiled path's reference): arguments as in
        kernels.recurrent.gru_backward; da is updated in place."""
        T_x, m, n3 = G.shape
        n_a = n3 // 3
        n2 = 2 * n_a
        dtype = G.dtype
        da_out = da
        dA, tmp, da_new = (np.empty((m, n_a), dtype=dtype) for _ in range(3))
        tmp2 = np.empty((m, n2), dtype=dtype)
        Wca = Wa[n2:]
        Wa_rows = Wa if after else Wa[:n2]
        keep = None if M is None else 1.0 - M
        for k in range(T_x - 1, -1, -1):
            g, za, dzc, c_prev = G[k], dZa[k], dZc[k], S[k]
            u, r, cc = g[:, :n_a], g[:, n_a:n2], g[:, n2:]
            du, dr = za[:, :n_a], za[:, n_a:n2]
            np.add(da, dY[k], out=dA)
            if M is not None:
                dA *= M[k]               # 0 at a padded step: so is every dZ below
            np.subtract(cc, c_prev, out=du)
            du *= dA
            np.multiply(dA, u, out=dzc)
            np.multiply(cc, cc, out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            dzc *= tmp                                     # dZc = dc̃∗(1 − c̃²)
            np.subtract(1.0, u, out=da_new)
            da_new *= dA                                   # da⟨t−1⟩ through (1 − Γu)
            if after:
                np.multiply(dzc, r, out=za[:, n2:])        # dh
                np.multiply(dzc, H[k], out=dr)
            else:
                d_rc = dzc @ Wca                           # d(Γr∗c⟨t−1⟩)
                np.multiply(d_rc, c_prev, out=dr)
                d_rc *= r
                da_new += d_rc
            s = g[:, :n2]
            np.multiply(s, s, out=tmp2)
            np.subtract(s, tmp2, out=tmp2)
            za[:, :n2] *= tmp2                             # σ' = σ − σ²
            np.matmul(za, Wa_rows, out=tmp)
            da_new += tmp
            da, da_new = common.carry_back(da, da_new, None if keep is None else keep[k])
        if da is not da_out:       # the swaps left da⟨0⟩ in the spare buffer
            da_out[...] = da


def gru(X, a0, W, b, bc_rec=None, *, reverse: bool = False, lengths=None):
    """One GRU layer in one direction over a batch of sequences (fused; see the module).

    Args:
        X: (m, T_x, n_x) inputs, batch-first.
        a0: (m, n_a) initial state c⟨0⟩, or None for zeros.
        W: (3·n_a, n_a + n_x) = [Wu; Wr; Wc] stacked by rows, each acting on
            [c⟨t−1⟩; x⟨t⟩] (Wc on [Γr∗c⟨t−1⟩; x⟨t⟩] in the course's variant).
        b: (3·n_a,) = [bu; br; bc].
        bc_rec: (n_a,) the reset-after variant's bias inside Γr∗(Wca·c⟨t−1⟩ + bc_rec); None for
            the course's variant.
        reverse: run from t = T_x down to 1 (the backward half of a bidirectional layer).
        lengths: (m,) ints in [1, T_x], the real steps of each example, or None (all T_x).

    Returns:
        (Y, a_T): Y (m, T_x, n_a) every c⟨t⟩ (0 at padded steps); a_T (m, n_a) each example's
        state after its own last real step.

    Raises:
        ValueError: for shapes that do not fit, or lengths outside [1, T_x].

    Example:
        >>> Y, a_T = gru(X, None, W, b)   # X (m, T_x, n_x), W (3·n_a, n_a + n_x)
    """
    X = common.check_sequence(X, None, "gru")
    m, T_x, n_x = X.shape
    n_a = common.check_weights(W, b, 3, n_x, "gru", "Wu, Wr, Wc")
    if bc_rec is not None and bc_rec.shape != (n_a,):
        raise ValueError(f"gru: bc_rec must have shape (n_a,) = ({n_a},) but got "
                         f"{tuple(bc_rec.shape)}")
    a0 = common.check_state(a0, m, n_a, "gru", "a0", X.dtype)
    lengths = common.check_lengths(lengths, m, T_x, "gru")
    out = GRUSequence.apply(X, a0, W, b, bc_rec, reverse=bool(reverse), lengths=lengths)
    return common.unpack(out, T_x, 1)


def gru_cell(xt, c_prev, W, b, bc_rec=None):
    """One GRU step (batch-first): the fused op at T_x = 1.

    Args:
        xt: (m, n_x); c_prev: (m, n_a) or None; W (3·n_a, n_a + n_x), b (3·n_a,), bc_rec as in
            :func:`gru`.

    Returns:
        c_next (m, n_a).
    """
    _, c_next = gru(common.one_step_sequence(xt, "gru_cell"), c_prev, W, b, bc_rec)
    return c_next
