"""The numba loops behind npdeep.kernels.conv (imported only when the compiled path runs).

A direct stride-1 convolution for thin layers, on the "flat" grid of im2col.py: each channel
of a block of padded images is one long row X[c] (images · n_H_pad · n_W_pad), the filter
offset (i, j) is a shift by i·n_W_pad + j, and the output is computed at every position of the
padded grid that has a whole window after it (the caller crops the rest), as im2col's "flat"
method does. Where im2col copies f·f shifted rows into a column matrix and hands BLAS a
product with n_C = 6 or 8 rows (far below its speed: it reads the whole column matrix for a
few multiply-adds per element), these loops read X in place: for one output channel, one
input channel and one filter row i, the f taps j are f multiply-adds per output position in
one pass over a block of positions that stays in the L1 cache, vectorized over positions.
Where f is even or 5, two output channels and two filter rows share a pass (_taps_2x2: one
load and store of each accumulator per 2·f multiply-adds, each input value loaded once for
both channels; 20-25 % faster than one channel at a time).

Symbols: n_C_prev, n_C channels in and out; f the filter size; n_W_pad the padded width;
L the grid positions of the block (images · n_H_pad · n_W_pad); Wf the filters as
(n_C, n_C_prev, f, f). Every array arrives C-contiguous, a block's columns as an offset into
the whole batch's (z0, x0): numba compiles a strided view ("A" layout) into loops that do
not vectorize, measured 3x slower. ``nogil``: threads run blocks of images at once; no
``parallel=True``. The sums in forward and dX run in a fixed order (the same bits every run); dW's sums over
positions are vectorized (``reassoc``), in an order fixed by the compiled code.
"""
import numba
import numpy as np

BLOCK = 1024  # positions per pass: the accumulator row and its f input rows stay in L1


@numba.njit(inline="always", fastmath={"contract"})
def _taps(acc, x, w, n, f):
    """acc[p] += Σ_j w[j] · x[p + j] for p < n (f taps, unrolled for f = 3, 4 and 5)."""
    if f == 5:
        w0, w1, w2, w3, w4 = w[0], w[1], w[2], w[3], w[4]
        for p in range(n):
            acc[p] += w0 * x[p] + w1 * x[p + 1] + w2 * x[p + 2] + w3 * x[p + 3] + w4 * x[p + 4]
    elif f == 4:
        w0, w1, w2, w3 = w[0], w[1], w[2], w[3]
        for p in range(n):
            acc[p] += w0 * x[p] + w1 * x[p + 1] + w2 * x[p + 2] + w3 * x[p + 3]
    elif f == 3:
        w0, w1, w2 = w[0], w[1], w[2]
        for p in range(n):
            acc[p] += w0 * x[p] + w1 * x[p + 1] + w2 * x[p + 2]
    else:
        for j in range(f):
            wj = w[j]
            for p in range(n):
                acc[p] += wj * x[p + j]


@numba.njit(inline="always", fastmath={"contract"})
def _taps2(acc, x, y, v, w, n, f):
    """acc[p] += Σ_j v[j] · x[p + j] + w[j] · y[p + j]: two filter rows in one pass (one
    load and store of acc per 2·f multiply-adds)."""
    if f == 5:
        v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
        w0, w1, w2, w3, w4 = w[0], w[1], w[2], w[3], w[4]
        for p in range(n):
            acc[p] += ((v0 * x[p] + v1 * x[p + 1] + v2 * x[p + 2] + v3 * x[p + 3]
                        + v4 * x[p + 4]) + (w0 * y[p] + w1 * y[p + 1] + w2 * y[p + 2]
                                            + w3 * y[p + 3] + w4 * y[p + 4]))
    elif f == 4:
        v0, v1, v2, v3 = v[0], v[1], v[2], v[3]
        w0, w1, w2, w3 = w[0], w[1], w[2], w[3]
        for p in range(n):
            acc[p] += ((v0 * x[p] + v1 * x[p + 1] + v2 * x[p + 2] + v3 * x[p + 3])
                       + (w0 * y[p] + w1 * y[p + 1] + w2 * y[p + 2] + w3 * y[p + 3]))
    elif f == 3:
        v0, v1, v2 = v[0], v[1], v[2]
        w0, w1, w2 = w[0], w[1], w[2]
        for p in range(n):
            acc[p] += ((v0 * x[p] + v1 * x[p + 1] + v2 * x[p + 2])
                       + (w0 * y[p] + w1 * y[p + 1] + w2 * y[p + 2]))
    else:
        _taps(acc, x, v, n, f)
        _taps(acc, y, w, n, f)


@numba.njit(inline="always", fastmath={"contract"})
def _taps_2x2(acc, bcc, x, y, v, w, u, t, n, f):
    """Two output channels from two filter rows: acc[p] += Σ_j v[j]·x[p + j] + w[j]·y[p + j]
    and bcc[p] += Σ_j u[j]·x[p + j] + t[j]·y[p + j] (x and y read once for both)."""
    if f == 5:
        v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
        w0, w1, w2, w3, w4 = w[0], w[1], w[2], w[3], w[4]
        u0, u1, u2, u3, u4 = u[0], u[1], u[2], u[3], u[4]
        t0, t1, t2, t3, t4 = t[0], t[1], t[2], t[3], t[4]
        for p in range(n):
            x0, x1, x2, x3, x4 = x[p], x[p + 1], x[p + 2], x[p + 3], x[p + 4]
            y0, y1, y2, y3, y4 = y[p], y[p + 1], y[p + 2], y[p + 3], y[p + 4]
            acc[p] += ((v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4)
                       + (w0 * y0 + w1 * y1 + w2 * y2 + w3 * y3 + w4 * y4))
            bcc[p] += ((u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3 + u4 * x4)
                       + (t0 * y0 + t1 * y1 + t2 * y2 + t3 * y3 + t4 * y4))
    elif f == 4:
        v0, v1, v2, v3 = v[0], v[1], v[2], v[3]
        w0, w1, w2, w3 = w[0], w[1], w[2], w[3]
        u0, u1, u2, u3 = u[0], u[1], u[2], u[3]
        t0, t1, t2, t3 = t[0], t[1], t[2], t[3]
        for p in range(n):
            x0, x1, x2, x3 = x[p], x[p + 1], x[p + 2], x[p + 3]
            y0, y1, y2, y3 = y[p], y[p + 1], y[p + 2], y[p + 3]
            acc[p] += (v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3) + (w0 * y0 + w1 * y1 + w2 * y2
                                                                 + w3 * y3)
            bcc[p] += (u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3) + (t0 * y0 + t1 * y1 + t2 * y2
                                                                 + t3 * y3)
    else:
        _taps2(acc, x, y, v, w, n, f)
        _taps2(bcc, x, y, u, t, n, f)


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def forward(X, Wf, b, Z, z0, n_W_pad):
    # X (n_C_prev, L), Z (n_C, z0 + L + ...): Z[co, z0 + p] = b[co] + Σ_{c, i, j}
    # Wf[co, c, i, j] · X[c, p + i·n_W_pad + j] for the R positions with a whole window after
    # them.
    n_C_prev, L = X.shape
    n_C, _, f, _ = Wf.shape
    R = L - (f - 1) * n_W_pad - (f - 1)
    for start in range(0, R, BLOCK):
        n = min(BLOCK, R - start)
        pairs = n_C // 2 if f % 2 == 0 or f == 5 else 0
        for q in range(pairs):  # output channels two at a time (f even, or 5)
            co = 2 * q
            acc = Z[co, z0 + start:z0 + start + n]
            bcc = Z[co + 1, z0 + start:z0 + start + n]
            acc[:] = b[co]
            bcc[:] = b[co + 1]
            for c in range(n_C_prev):
                for i in range(0, f - 1, 2):
                    s = start + i * n_W_pad
                    _taps_2x2(acc, bcc, X[c, s:s + n + f - 1],
                              X[c, s + n_W_pad:s + n_W_pad + n + f - 1], Wf[co, c, i],
                              Wf[co, c, i + 1], Wf[co + 1, c, i], Wf[co + 1, c, i + 1], n, f)
                if f % 2:
                    s = start + (f - 1) * n_W_pad
                    _taps(acc, X[c, s:s + n + f - 1], Wf[co, c, f - 1], n, f)
                    _taps(bcc, X[c, s:s + n + f - 1], Wf[co + 1, c, f - 1], n, f)
        for co in range(2 * pairs, n_C):
            acc = Z[co, z0 + start:z0 + start + n]
            acc[:] = b[co]
            for c in range(n_C_prev):
                for i in range(0, f - 1, 2):
                    s = start + i * n_W_pad
                    _taps2(acc, X[c, s:s + n + f - 1], X[c, s + n_W_pad:s + n_W_pad + n + f - 1],
                           Wf[co, c, i], Wf[co, c, i + 1], n, f)
                if f % 2:
                    s = start + (f - 1) * n_W_pad
                    _taps(acc, X[c, s:s + n + f - 1], Wf[co, c, f - 1], n, f)


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def backward_input(dZg, Wr, dX, x0, L, n_W_pad):
    # dZg (n_C, off + L): dZ on the grid after off = (f−1)·n_W_pad + (f−1) leading zeros (zeros
    # also where the forward's output was cropped). dX (n_C_prev, L), overwritten:
    # dX[c, q] = Σ_{co, i, j} W[i, j, c, co] · dZ[co, q − i·n_W_pad − j], the same taps as
    # forward read backwards: Wr[c, co, i, k] = W[i, f − 1 − k, c, co]. The block's dX is
    # columns x0 .. x0 + L − 1 of dX.
    n_C_prev = dX.shape[0]
    _, n_C, f, _ = Wr.shape
    off = (f - 1) * n_W_pad + (f - 1)
    for start in range(0, L, BLOCK):
        n = min(BLOCK, L - start)
        pairs = n_C_prev // 2 if f % 2 == 0 or f == 5 else 0
        for q in range(pairs):  # input channels two at a time, as forward's output channels
            c = 2 * q
            acc = dX[c, x0 + start:x0 + start + n]
            bcc = dX[c + 1, x0 + start:x0 + start + n]
            acc[:] = 0
            bcc[:] = 0
            for co in range(n_C):
                for i in range(0, f - 1, 2):
                    s = off - i * n_W_pad - (f - 1) + start
                    t = s - n_W_pad
                    _taps_2x2(acc, bcc, dZg[co, s:s + n + f - 1], dZg[co, t:t + n + f - 1],
                              Wr[c, co, i], Wr[c, co, i + 1], Wr[c + 1, co, i],
                              Wr[c + 1, co, i + 1], n, f)
                if f % 2:
                    s = off - (f - 1) * n_W_pad - (f - 1) + start
                    _taps(acc, dZg[co, s:s + n + f - 1], Wr[c, co, f - 1], n, f)
                    _taps(bcc, dZg[co, s:s + n + f - 1], Wr[c + 1, co, f - 1], n, f)
        for c in range(2 * pairs, n_C_prev):
            acc = dX[c, x0 + start:x0 + start + n]
            acc[:] = 0
            for co in range(n_C):
                for i in range(0, f - 1, 2):
                    s = off - i * n_W_pad - (f - 1) + start
                    t = s - n_W_pad  # filter row i + 1
                    _taps2(acc, dZg[co, s:s + n + f - 1], dZg[co, t:t + n + f - 1],
                           Wr[c, co, i], Wr[c, co, i + 1], n, f)
                if f % 2:
                    s = off - (f - 1) * n_W_pad - (f - 1) + start
                    _taps(acc, dZg[co, s:s + n + f - 1], Wr[c, co, f - 1], n, f)


@numba.njit(inline="always", fastmath={"contract", "reassoc"})
def _dots(x, z, n, f, zero, out):
    """out[j] += Σ_p x[p + j] · z[p] for j < f: the f taps in one pass over z (unrolled for
    f = 3, 4 and 5)."""
    if f == 5:
        s0 = s1 = s2 = s3 = s4 = zero
        for p in range(n):
            zp = z[p]
            s0 += x[p] * zp
            s1 += x[p + 1] * zp
            s2 += x[p + 2] * zp
            s3 += x[p + 3] * zp
            s4 += x[p + 4] * zp
        out[0] += s0
        out[1] += s1
        out[2] += s2
        out[3] += s3
        out[4] += s4
    elif f == 4:
        s0 = s1 = s2 = s3 = zero
        for p in range(n):
            zp = z[p]
            s0 += x[p] * zp
            s1 += x[p + 1] * zp
            s2 += x[p + 2] * zp
            s3 += x[p + 3] * zp
        out[0] += s0
        out[1] += s1
        out[2] += s2
        out[3] += s3
    elif f == 3:
        s0 = s1 = s2 = zero
        for p in range(n):
            zp = z[p]
            s0 += x[p] * zp
            s1 += x[p + 1] * zp
            s2 += x[p + 2] * zp
        out[0] += s0
        out[1] += s1
        out[2] += s2
    else:
        for j in range(f):
            s = zero
            for p in range(n):
                s += x[p + j] * z[p]
            out[j] += s


@numba.njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def backward_filter(X, dZg, dWf, db, n_W_pad):
    # dWf (n_C, n_C_prev, f, f) and db (n_C,), overwritten: dWf[co, c, i, j] = Σ_p
    # X[c, p + i·n_W_pad + j] · dZ[co, p] and db[co] = Σ_p dZ[co, p], dZ = dZg[:, off:].
    n_C_prev, L = X.shape
    n_C, _, f, _ = dWf.shape
    off = (f - 1) * n_W_pad + (f - 1)
    R = L - off
    zero = np.zeros(1, dZg.dtype)[0]  # sums in the arrays' dtype, as BLAS's
    dWf[:] = 0
    db[:] = 0
    for start in range(0, R, BLOCK):
        n = min(BLOCK, R - start)
        for co in range(n_C):
            z = dZg[co, off + start:off + start + n]
            s = zero
            for p in range(n):
                s += z[p]
            db[co] += s
            for c in range(n_C_prev):
                for i in range(f):
                    x = X[c, start + i * n_W_pad:start + i * n_W_pad + n + f - 1]
                    _dots(x, z, n, f, zero, dWf[co, c, i])
