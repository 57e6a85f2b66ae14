"""The fused LSTM's whole layer for one batch block, forward and back, in one GIL-free
compiled call each (imported only when the compiled path runs; see kernels.recurrent and
npdeep.functional.recurrent.lstm_blocks, and the block layout above lstm_block_forward).

The products are _blas_numba's (NumPy's own BLAS through ctypes, or OpenBLAS's AVX-512
kernels); the elementwise work is compiled here. Nothing returns to Python between steps:
a block's products and elementwise passes run without the GIL, so two blocks on two threads
do not wait for each other (the per-step Python loop of kernels.recurrent holds the GIL for
the call overheads of about four calls a step, which is what kept two batch halves from
scaling).

Not cached on disk (``cache=True`` refuses functions that call a ctypes pointer): compiled
once per process on first use, a few seconds.

The same file holds the reset-after GRU's whole loops (gru_forward_loop / gru_backward_loop),
which kernels.recurrent.gru_forward / gru_backward call on the GRU op's own buffers.

GEMM is None when NumPy's BLAS exports no CBLAS sgemm/dgemm that ctypes can find (an MKL or
Accelerate build): then no loop here exists, and kernels.recurrent keeps the per-step
Python loop.
"""
import numba
import numpy as np

from npdeep.kernels import _rnn_numba
from npdeep.kernels._blas_numba import GEMM

if GEMM is not None:
    from npdeep.kernels._blas_numba import product, product_at, product_tn_at


# ------------------------------------------------------------------ the LSTM's whole block
# One block = the rows [s, s + rows) of the batch, one direction, the whole layer: the
# products with [a⟨t−1⟩; x⟨t⟩], the time loop, the outputs; back: the time loop, dX, the
# block's dW and db. Its saved arrays are time-major (a step's rows side by side: batch-first
# rows lie T_x steps apart, 100 KB here, a multiple of 4 KiB that maps a step's 16 rows onto
# the same L1 sets), indexed by TIME t (the reverse direction only walks t the other way):
#
#   H (T_x + 1, rows, n_a + n_x): slot t + off holds [the state step t reads | x⟨t⟩], off = 0
#       forwards (slot t: a⟨t−1⟩, slot 0: a0), off = 1 reverse (slot t + 1: a⟨t+1⟩, slot T_x:
#       a0); so a⟨t⟩ is in slot t + 1 − off, and the one slot with no step (T_x forwards, 0
#       reverse) holds the final state and x = 0.
#   C (T_x + 1, rows, n_a): c the same way; G (T_x, rows, 4·n_a) the gates [Γf, Γu, Γo, c̃];
#   tanh_C (T_x, rows, n_a).
#
# Then the input projection of every step is one product over H's x columns, and
# dW = dZᵀ·H is ONE product over every step and row, straight into the layout of W
# (the course's [Wa | Wx]), with dG (T_x + 1, rows, 4·n_a) laid out as H and 0 in the slot
# with no step (2% more flops than T_x slots, and no concatenation of dWa, dWx). The packed
# output out (m, T_x + 2, width) and its gradient are read and written in place, this
# direction's n_a columns from ``col`` on, and dX (m, T_x, n_x) too: no transposing copies.
@numba.njit(nogil=True, error_model="numpy")
def lstm_weights(W, WaT, WxT, Wa, Wx):
    """The block kernels' weights from W (4·n_a, n_a + n_x) in one pass: WaT (n_a, 4·n_a) and
    WxT (n_x, 4·n_a) its two parts transposed with the σ columns (the first 3·n_a) halved,
    Wa (4·n_a, n_a) and Wx (4·n_a, n_x) its two parts as they are. The transposes go by tiles
    of 16 rows of W, each written as one 64-byte line, the halving as a product with a
    vector (a branch on the row in the loop measured 3x slower; NumPy's transposing
    multiply 2x slower)."""
    n4, n_h = W.shape
    n_a = Wa.shape[1]
    half = np.ones(n4, dtype=W.dtype)
    half[:3 * n_a] = 0.5
    full = n4 - n4 % 16
    for r0 in range(0, full, 16):
        for c in range(n_h):
            dst = WaT[c] if c < n_a else WxT[c - n_a]
            for r in range(r0, r0 + 16):
                dst[r] = W[r, c] * half[r]
    for c in range(n_h):
        dst = WaT[c] if c < n_a else WxT[c - n_a]
        for r in range(full, n4):
            dst[r] = W[r, c] * half[r]
    for r in range(n4):
        w, wa, wx = W[r], Wa[r], Wx[r]
        for c in range(n_a):
            wa[c] = w[c]
        for c in range(n_h - n_a):
            wx[c] = w[n_a + c]


if GEMM is not None:
    @numba.njit(nogil=True, error_model="numpy")
    def lstm_block_forward(X, s, reverse, WaT, WxT, b_h, a0, c0, H, G, C, tanh_C, Za, out,
                           col, Mt, masked, approx):
        """One block's forward (see above). X (m, T_x, n_x) any strides; WaT (n_a, 4·n_a),
        WxT (n_x, 4·n_a) C-contiguous, Waᵀ and Wxᵀ with the σ columns halved; b_h (4·n_a,)
        likewise halved; a0, c0 (m, n_a); Za (rows, 4·n_a) scratch; Mt (m, T_x) the
        time-order step mask when masked (else any (1, 1)). NumPy twin:
        LSTMSequence._forward_steps."""
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        n3 = 3 * n_a
        n_h = H.shape[2]
        off = 1 if reverse else 0
        first = T_x if reverse else 0      # the slot of a0, c0
        spare = 0 if reverse else T_x      # the slot with no step
        half = G.dtype.type(0.5)
        for i in range(rows):
            for t in range(T_x):
                h, x = H[t + off, i, n_a:], X[s + i, t]
                for j in range(n_h - n_a):
                    h[j] = x[j]
            h = H[spare, i, n_a:]
            for j in range(n_h - n_a):
                h[j] = 0.0
            h, c, a0i, c0i = H[first, i], C[first, i], a0[s + i], c0[s + i]
            for j in range(n_a):
                h[j] = a0i[j]
                c[j] = c0i[j]
        # The input projection of every step at once: G[t] = x⟨t⟩·Wxᵀ (the x of H's slots).
        product_at(T_x * rows, n4, n_h - n_a, H, off * rows * n_h + n_a, n_h, WxT, 0, n4, 0.0,
                   G, 0, n4)
        for k in range(T_x):
            t = T_x - 1 - k if reverse else k
            fed, new = t + off, t + 1 - off
            product_at(rows, n4, n_a, H, fed * rows * n_h, n_h, WaT, 0, n4, 0.0,
                       Za, 0, n4)                                    # a⟨t−1⟩·Waᵀ
            for i in range(rows):
                g, za, hp, hn = G[t, i], Za[i], H[fed, i], H[new, i]
                cp, cn, tc, y = C[fed, i], C[new, i], tanh_C[t, i], out[s + i, t, col:col + n_a]
                if approx:
                    for j in range(n4):
                        g[j] = _rnn_numba.tanh_f32(g[j] + (za[j] + b_h[j]))
                else:
                    for j in range(n4):
                        g[j] = np.tanh(g[j] + (za[j] + b_h[j]))
                for j in range(n3):
                    g[j] = g[j] * half + half              # Γf, Γu, Γo = (1 + tanh(z/2))/2
                for j in range(n_a):
                    cn[j] = g[j] * cp[j] + g[n_a + j] * g[n3 + j]
                if approx:
                    for j in range(n_a):
                        tc[j] = _rnn_numba.tanh_f32(cn[j])
                else:
                    for j in range(n_a):
                        tc[j] = np.tanh(cn[j])
                for j in range(n_a):
                    hn[j] = g[2 * n_a + j] * tc[j]                  # a⟨t⟩ = Γo∗tanh(c⟨t⟩)
                if masked:  # a padded step carries the state; its output is 0
                    mi = Mt[s + i, t]
                    for j in range(n_a):
                        cn[j] = (cn[j] - cp[j]) * mi + cp[j]
                    for j in range(n_a):
                        hn[j] = (hn[j] - hp[j]) * mi + hp[j]
                    for j in range(n_a):
                        y[j] = hn[j] * mi
                else:
                    for j in range(n_a):
                        y[j] = hn[j]
        for i in range(rows):
            h, c = H[spare, i], C[spare, i]
            ya, yc = out[s + i, T_x, col:col + n_a], out[s + i, T_x + 1, col:col + n_a]
            for j in range(n_a):
                ya[j] = h[j]
                yc[j] = c[j]

    @numba.njit(nogil=True, error_model="numpy")
    def lstm_block_backward(dout, s, reverse, col, Wa, Wx, H, G, C, tanh_C, dG, want_dX, dX,
                            beta_dX, want_dW, dW, db, da0, dc0, d_a, d_c, spare, Mt, masked):
        """One block's backward (see above). dout (m, T_x + 2, width) the packed output's
        gradient; Wa (4·n_a, n_a), Wx (4·n_a, n_x) C-contiguous, not halved (NOTE: the two
        parts of one W (4·n_a, n_a + n_x) read with a row stride measured 15% slower here);
        dG (T_x + 1, rows, 4·n_a)
        scratch; dX (m, T_x, n_x) C-contiguous, its rows written (beta_dX 0) or added to (1)
        when want_dX; dW (4·n_a, n_a + n_x) this block's dW when want_dW; db (4·n_a,) this
        block's db; da0, dc0 (m, n_a) get this block's rows of dJ/da0, dJ/dc0; d_a, d_c,
        spare (rows, n_a) scratch. NumPy twin: LSTMSequence._backward_steps."""
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        n3 = 3 * n_a
        n_h = H.shape[2]
        n_x = n_h - n_a
        off = 1 if reverse else 0
        one = G.dtype.type(1.0)
        w1, w2, w3 = np.empty(n_a, G.dtype), np.empty(n_a, G.dtype), np.empty(n_a, G.dtype)
        for j in range(n4):
            db[j] = 0.0
        for i in range(rows):
            z = dG[0 if reverse else T_x, i]
            for j in range(n4):
                z[j] = 0.0
            ya, yc = dout[s + i, T_x, col:col + n_a], dout[s + i, T_x + 1, col:col + n_a]
            for j in range(n_a):
                d_a[i, j] = ya[j]
                d_c[i, j] = yc[j]
        for k in range(T_x):
            t = k if reverse else T_x - 1 - k
            fed, new = t + off, t + 1 - off
            for i in range(rows):
                g, dg, ti, ai, cpi = G[t, i], dG[fed, i], tanh_C[t, i], H[new, i], C[fed, i]
                dai, dci, dyi = d_a[i], d_c[i], dout[s + i, t, col:col + n_a]
                # NOTE: short loops of a few arrays each, every array indexed by the loop's j
                # alone (dyi a slice from col on). One loop over all ten arrays ran scalar
                # (numba's arrays may alias: too many runtime checks for LLVM to vectorize),
                # 3x slower; dyi[col + j] (a possibly negative index) 30% slower.
                if masked:
                    mi = Mt[s + i, t]
                    for j in range(n_a):
                        w1[j] = (dai[j] + dyi[j]) * mi                  # da_new
                else:
                    for j in range(n_a):
                        w1[j] = dai[j] + dyi[j]
                for j in range(n_a):  # Γo·(1 − tanh²c) = Γo − a⟨t⟩·tanh c
                    w2[j] = g[2 * n_a + j] - ai[j] * ti[j]
                if masked:
                    for j in range(n_a):
                        w3[j] = dci[j] * mi + w2[j] * w1[j]             # dc_new
                else:
                    for j in range(n_a):
                        w3[j] = w2[j] * w1[j] + dci[j]
                for j in range(n_a):
                    f = g[j]
                    dg[j] = (w3[j] * cpi[j]) * (f - f * f)
                for j in range(n_a):
                    u = g[n_a + j]
                    dg[n_a + j] = (w3[j] * g[n3 + j]) * (u - u * u)
                for j in range(n_a):
                    o = g[2 * n_a + j]
                    dg[2 * n_a + j] = (w1[j] * ti[j]) * (o - o * o)
                for j in range(n_a):
                    cc = g[n3 + j]
                    dg[n3 + j] = (w3[j] * g[n_a + j]) * (one - cc * cc)
                if masked:
                    for j in range(n_a):
                        dci[j] = dci[j] * (one - mi) + w3[j] * g[j]
                else:
                    for j in range(n_a):
                        dci[j] = w3[j] * g[j]
            for i in range(rows):  # db += the step's dZ, while it is in cache
                dg = dG[fed, i]
                for j in range(n4):
                    db[j] += dg[j]
            product_at(rows, n_a, n4, dG, fed * rows * n4, n4, Wa, 0, n_a, 0.0,
                       spare, 0, n_a)                                       # da⟨t−1⟩ = dZ·Wa
            if masked:  # a padded step carries da through: da⟨t−1⟩ += (1 − M)·da⟨t⟩
                for i in range(rows):
                    keep = one - Mt[s + i, t]
                    for j in range(n_a):
                        spare[i, j] += keep * d_a[i, j]
            d_a, spare = spare, d_a
            if want_dX:                                                     # dx⟨t⟩ = dZ·Wx
                product_at(rows, n_x, n4, dG, fed * rows * n4, n4, Wx, 0, n_x, beta_dX,
                           dX, (s * T_x + t) * n_x, T_x * n_x)
        for i in range(rows):
            for j in range(n_a):
                da0[s + i, j] = d_a[i, j]
                dc0[s + i, j] = d_c[i, j]
        if want_dW:  # dW = Σ over steps and rows of dZᵀ·[a⟨t−1⟩, x⟨t⟩]: ONE product
            product_tn_at(n4, n_h, rows * (T_x + 1), dG, n4, H, n_h, dW, n_h)


if GEMM is not None:
    # The reset-after GRU's time loops in the same form, on rows [start, stop) of the whole
    # batch's buffers (the GRU op keeps its own buffers and products; see kernels.recurrent).
    @numba.njit(nogil=True, error_model="numpy")
    def gru_forward_loop(G, S, H, WaT, bc_rec, Mr, masked, approx, Za, start, stop):
        """G (T_x, m, 3·n_a), S (T_x + 1, m, n_a), H (T_x, m, n_a) as in
        kernels.recurrent.gru_forward; WaT (n_a, 3·n_a) C-contiguous; Za (rows, 3·n_a)."""
        for k in range(G.shape[0]):
            product(S[k, start:stop], WaT, Za)                             # c⟨t−1⟩·Waᵀ
            _rnn_numba.gru_forward_step(G[k, start:stop], Za, bc_rec, S[k, start:stop],
                                        H[k, start:stop], S[k + 1, start:stop],
                                        Mr[k if masked else 0], masked, approx)

    @numba.njit(nogil=True, error_model="numpy")
    def gru_backward_loop(G, S, H, dY, da, dZa, dZc, Wa, Mr, masked, da_new, tmp, start,
                          stop):
        """Arrays as in kernels.recurrent.gru_backward; da (rows, n_a) this block's final
        state gradient on entry, da⟨0⟩ on exit; da_new, tmp (rows, n_a) scratch."""
        rows, n_a = da.shape
        one = G.dtype.type(1.0)
        d_a, spare = da, da_new
        for k in range(G.shape[0] - 1, -1, -1):
            za = dZa[k, start:stop]
            _rnn_numba.gru_backward_step(G[k, start:stop], H[k, start:stop], S[k, start:stop],
                                         d_a, dY[k, start:stop], za, dZc[k, start:stop], spare,
                                         Mr[k if masked else 0], masked)
            product(za, Wa, tmp)
            if masked:  # da⟨t−1⟩ = (1 − M)·da⟨t⟩ + the step's part (the NumPy loop's order)
                for i in range(rows):
                    keep = one - Mr[k, i]
                    for j in range(n_a):
                        spare[i, j] = d_a[i, j] * keep + (spare[i, j] + tmp[i, j])
            else:
                for i in range(rows):
                    for j in range(n_a):
                        spare[i, j] += tmp[i, j]
            d_a, spare = spare, d_a
        if rows and d_a.ctypes.data != da.ctypes.data:
            da[:, :] = d_a
