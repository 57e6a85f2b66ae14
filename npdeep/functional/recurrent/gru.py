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


class GRUSequence(Function):
    """One direction of one GRU layer over X (m, T_x, n_x); output packed as in common.

    ``bc_rec`` (n_a,) is the reset-after variant's bias inside the reset product; None selects
    the course's variant.
    """

    @staticmethod
    def forward(ctx, X, a0, W, b, bc_rec, reverse=False, lengths=None):
        m, T_x, n_x = X.shape
        n_a = a0.shape[1]
        n2 = 2 * n_a
        after = bc_rec is not None
        Wa, Wx = common.split_weights(W, n_a)
        Xp = common.to_processing_order(X, reverse)
        M = common.step_mask(lengths, T_x, reverse, X.dtype)
        G = (Xp.reshape(T_x * m, n_x) @ Wx.T).reshape(T_x, m, 3 * n_a)   # then Γu, Γr, c̃
        G += b
        S = np.empty((T_x + 1, m, n_a), dtype=X.dtype)
        S[0] = a0
        # reset_after: H[k] = Wca·c⟨t−1⟩ + bc_rec; the course's: H[k] = Γr∗c⟨t−1⟩.
        H = np.empty((T_x, m, n_a), dtype=X.dtype)
        if after:
            WaT = Wa.T
            Za = np.empty((m, 3 * n_a), dtype=X.dtype)
        else:
            WurT, WcaT = Wa[:n2].T, Wa[n2:].T
            Za = np.empty((m, n2), dtype=X.dtype)
            Zc = np.empty((m, n_a), dtype=X.dtype)
        for k in range(T_x):
            g, c_prev, c = G[k], S[k], S[k + 1]
            if after:
                np.matmul(c_prev, WaT, out=Za)
                g[:, :n2] += Za[:, :n2]
                common.sigmoid_(g[:, :n2])
                np.add(Za[:, n2:], bc_rec, out=H[k])
                cc = g[:, n2:]
                cc += g[:, n_a:n2] * H[k]
            else:
                np.matmul(c_prev, WurT, out=Za)
                g[:, :n2] += Za
                common.sigmoid_(g[:, :n2])
                np.multiply(g[:, n_a:n2], c_prev, out=H[k])
                np.matmul(H[k], WcaT, out=Zc)
                cc = g[:, n2:]
                cc += Zc
            np.tanh(cc, out=cc)
            # c = c_prev + Γu∗(c̃ − c_prev); at a padded step (M = 0) the state is carried.
            np.subtract(cc, c_prev, out=c)
            c *= g[:, :n_a]
            if M is not None:
                c *= M[k]
            c += c_prev
        ctx.saved = (Xp, Wa, Wx, G, S, H, M, after, reverse)
        return common.pack_output(common.masked_output(S[1:], M), [S[T_x]], reverse)

    @staticmethod
    def backward(ctx, dout):
        Xp, Wa, Wx, G, S, H, M, after, reverse = ctx.saved
        T_x, m, n_x = Xp.shape
        n_a = S.shape[2]
        n2 = 2 * n_a
        dY, (da,) = common.unpack_grad(dout, T_x, 1, reverse)
        dG = np.empty_like(G)                                 # dZ of the x-side products
        dH = np.empty((T_x, m, n_a), dtype=G.dtype)           # reset_after: dZ of Wca·c + bc_rec
        dA_new = np.empty((m, n_a), dtype=G.dtype)
        Wur, Wca = Wa[:n2], Wa[n2:]
        for k in range(T_x - 1, -1, -1):
            g, dg, c_prev = G[k], dG[k], S[k]
            u, r, cc = g[:, :n_a], g[:, n_a:n2], g[:, n2:]
            du, dr, dzc = dg[:, :n_a], dg[:, n_a:n2], dg[:, n2:]
            np.add(da, dY[k], out=dA_new)
            if M is not None:
                dA_new *= M[k]           # 0 at a padded step: so is every dZ below
            np.subtract(cc, c_prev, out=du)
            du *= dA_new
            np.multiply(dA_new, u, out=dzc)
            dzc *= 1.0 - cc * cc
            da_prev = dA_new * (1.0 - u)
            if after:
                np.multiply(dzc, r, out=dH[k])
                np.multiply(dzc, H[k], out=dr)
            else:
                d_rc = dzc @ Wca                              # d(Γr∗c⟨t−1⟩)
                np.multiply(d_rc, c_prev, out=dr)
                d_rc *= r
                da_prev += d_rc
            s = g[:, :n2]
            dg[:, :n2] *= s * (1.0 - s)
            if after:
                da_prev += dg[:, :n2] @ Wur
                da_prev += dH[k] @ Wca
            else:
                da_prev += dg[:, :n2] @ Wur
            da = common.carry(da_prev, da, None if M is None else M[k])
        needs = ctx.needs_input_grad
        dG2 = dG.reshape(T_x * m, 3 * n_a)
        S2 = S[:T_x].reshape(T_x * m, n_a)
        dX = dW = db = dbc_rec = None
        if needs[0]:
            dXp = (dG2 @ Wx).reshape(T_x, m, n_x)
            dX = np.ascontiguousarray(common.from_processing_order(dXp, reverse))
        if needs[2]:
            dWur = dG2[:, :n2].T @ S2
            dH2 = dH.reshape(T_x * m, n_a)
            # Wca multiplies c⟨t−1⟩ (reset_after) or Γr∗c⟨t−1⟩ (the course's), with dZ
            # dH (reset_after) or dZc.
            dWca = dH2.T @ S2 if after else dG2[:, n2:].T @ H.reshape(T_x * m, n_a)
            dW = np.concatenate([np.concatenate([dWur, dWca], axis=0),
                                 dG2.T @ Xp.reshape(T_x * m, n_x)], axis=1)
        if needs[3]:
            db = dG2.sum(axis=0)
        if after and needs[4]:
            dbc_rec = dH.reshape(T_x * m, n_a).sum(axis=0)
        return dX, (da if needs[1] else None), dW, db, dbc_rec


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
    if xt.ndim != 2:
        raise ValueError(f"gru_cell: xt must have shape (m, n_x) but got {tuple(xt.shape)}")
    _, c_next = gru(xt[:, None, :], c_prev, W, b, bc_rec)
    return c_next
