"""The numba loops behind npdeep.kernels.conv's "rows" kernels (imported only when the compiled
path runs): a direct stride-1 convolution on batch-last images.

Layout. Images are held channel-major with the batch last, (n_C, n_H, n_W, m) C-contiguous
("CHWN"): every position (c, h, w) is a run of m values, one per image, and an image row
X[c, h] is one contiguous run of n_W·m values. The filter tap (i, j) of output row h reads
input row h + i shifted by j·m: for one output channel, one input channel and one filter row,
the f taps are f multiply-adds per output value in one pass over the output row, vectorized
over (w, image) with no position wasted (im2col's "flat" grid computes, then crops, every
padded position: 1.96x the work for LeNet-5's 14x14 -> 10x10), and with m a multiple of 16 and
64-byte aligned arrays every vector load is aligned (unaligned loads measured 77 against 108
GFLOP/s, one thread, same loop).

Blocking, measured on one thread (float32, GFLOP/s of the forward, 128x14x14x6 -> 16 and
128x32x32x1 -> 6, f = 5): two output channels and one filter row per pass 188 / 181, one
channel 133 / 147, four channels 165-196 / 174, two channels and two filter rows 128 / 123
(more weights than registers). dW (one pass of f·2 dot products, ``reassoc`` so the
vectorizer may keep its sums in vector registers): 193 / 166 for two channels per pass, 225 /
180 for four (f = 5: 0.325 -> 0.278 ms and 0.182 -> 0.159 ms; four then pairs then one).

Padding. Rows above and below the image are not stored: a filter row that falls outside
[0, n_H_prev) is skipped. Columns are: X arrives padded left and right (the caller pads).

Symbols: Wf the filters as (n_C, n_C_prev, f, f); ``top`` the zero rows above the image;
M the batch (the last axis). ``nogil``: threads run blocks of output rows at once; no
``parallel=True``. The sums of forward (and of dX, which is a forward on dZ) run in a fixed
order, the same bits for any split; dW's are vectorized in an order fixed by the compiled code.
"""
import numba
import numpy as np

BLOCK = 1024  # output values per pass: the two accumulator runs and the input run stay in L1


@numba.njit(inline="always", fastmath={"contract"})
def _row2(a, b, x, v, u, n, M, f):
    """a[p] += Σ_j v[j]·x[p + j·M] and b[p] += Σ_j u[j]·x[p + j·M] for p < n: one filter row
    of two output channels (each input value loaded once for both). Unrolled for f = 3, 4, 5;
    the taps are sliced first so that every index is p itself (numba cannot prove p + j·M
    non-negative, and its wraparound check then keeps the loop scalar: 5x slower)."""
    if f == 5:
        x0, x1, x2, x3, x4 = x[0:n], x[M:M + n], x[2 * M:2 * M + n], x[3 * M:3 * M + n], \
            x[4 * M:4 * M + n]
        v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
        u0, u1, u2, u3, u4 = u[0], u[1], u[2], u[3], u[4]
        for p in range(n):
            y0, y1, y2, y3, y4 = x0[p], x1[p], x2[p], x3[p], x4[p]
            a[p] += v0 * y0 + v1 * y1 + v2 * y2 + v3 * y3 + v4 * y4
            b[p] += u0 * y0 + u1 * y1 + u2 * y2 + u3 * y3 + u4 * y4
    elif f == 4:
        x0, x1, x2, x3 = x[0:n], x[M:M + n], x[2 * M:2 * M + n], x[3 * M:3 * M + n]
        v0, v1, v2, v3 = v[0], v[1], v[2], v[3]
        u0, u1, u2, u3 = u[0], u[1], u[2], u[3]
        for p in range(n):
            y0, y1, y2, y3 = x0[p], x1[p], x2[p], x3[p]
            a[p] += v0 * y0 + v1 * y1 + v2 * y2 + v3 * y3
            b[p] += u0 * y0 + u1 * y1 + u2 * y2 + u3 * y3
    elif f == 3:
        x0, x1, x2 = x[0:n], x[M:M + n], x[2 * M:2 * M + n]
        v0, v1, v2 = v[0], v[1], v[2]
        u0, u1, u2 = u[0], u[1], u[2]
        for p in range(n):
            y0, y1, y2 = x0[p], x1[p], x2[p]
            a[p] += v0 * y0 + v1 * y1 + v2 * y2
            b[p] += u0 * y0 + u1 * y1 + u2 * y2
    else:
        for j in range(f):
            xj = x[j * M:j * M + n]
            vj, uj = v[j], u[j]
            for p in range(n):
                a[p] += vj * xj[p]
                b[p] += uj * xj[p]


@numba.njit(inline="always", fastmath={"contract"})
def _row1(a, x, v, n, M, f):
    """a[p] += Σ_j v[j]·x[p + j·M] for p < n (the last channel of an odd count)."""
    if f == 5:
        x0, x1, x2, x3, x4 = x[0:n], x[M:M + n], x[2 * M:2 * M + n], x[3 * M:3 * M + n], \
            x[4 * M:4 * M + n]
        v0, v1, v2, v3, v4 = v[0], v[1], v[2], v[3], v[4]
        for p in range(n):
            a[p] += v0 * x0[p] + v1 * x1[p] + v2 * x2[p] + v3 * x3[p] + v4 * x4[p]
    elif f == 3:
        x0, x1, x2 = x[0:n], x[M:M + n], x[2 * M:2 * M + n]
        v0, v1, v2 = v[0], v[1], v[2]
        for p in range(n):
            a[p] += v0 * x0[p] + v1 * x1[p] + v2 * x2[p]
    else:
        for j in range(f):
            xj = x[j * M:j * M + n]
            vj = v[j]
            for p in range(n):
                a[p] += vj * xj[p]


# Each kernel is one loop nest inlined once per unrolled f, the f given as a constant: with f
# read at run time the branches of _row2 stayed in the hot loop and the forward ran at half
# speed (0.34 against 0.18 ms, 128x32x32x1 -> 6, one thread).
@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def forward(X, Wf, b, Z, top, h0, h1):
    # X (n_C_prev, H, W_pad, M), Z (n_C, n_H, n_W, M) with n_W = W_pad − f + 1: rows h0..h1−1
    # of Z[co, h, w, :] = b[co] + Σ_{c, i, j} Wf[co, c, i, j] · X[c, h + i − top, w + j, :],
    # the rows h + i − top outside [0, H) counting as zeros.
    f = Wf.shape[2]
    if f == 5:
        _forward(X, Wf, b, Z, top, h0, h1, 5)
    elif f == 4:
        _forward(X, Wf, b, Z, top, h0, h1, 4)
    elif f == 3:
        _forward(X, Wf, b, Z, top, h0, h1, 3)
    else:
        _forward(X, Wf, b, Z, top, h0, h1, f)


@numba.njit(inline="always", fastmath={"contract"})
def _forward(X, Wf, b, Z, top, h0, h1, f):
    n_C_prev, H, W_pad, M = X.shape
    n_C, _, n_W, _ = Z.shape
    Xf = X.reshape(n_C_prev, H, W_pad * M)
    Zf = Z.reshape(n_C, Z.shape[1], n_W * M)
    N = n_W * M
    for h in range(h0, h1):
        lo, hi = max(0, top - h), min(f, H + top - h)  # the filter rows inside the image
        for s in range(0, N, BLOCK):
            n = min(BLOCK, N - s)
            for co in range(0, n_C - 1, 2):
                a, bb = Zf[co, h, s:s + n], Zf[co + 1, h, s:s + n]
                a[:] = b[co]
                bb[:] = b[co + 1]
                for c in range(n_C_prev):
                    for i in range(lo, hi):
                        _row2(a, bb, Xf[c, h + i - top, s:], Wf[co, c, i], Wf[co + 1, c, i],
                              n, M, f)
            if n_C % 2:
                co = n_C - 1
                a = Zf[co, h, s:s + n]
                a[:] = b[co]
                for c in range(n_C_prev):
                    for i in range(lo, hi):
                        _row1(a, Xf[c, h + i - top, s:], Wf[co, c, i], n, M, f)


@numba.njit(inline="always", fastmath={"contract", "reassoc"})
def _dots2(x, z, y, n, M, f, zero, out, put):
    """out[j] += Σ_p x[p + j·M]·z[p] and put[j] += Σ_p x[p + j·M]·y[p] for j < f (two output
    channels' filter row in one pass; unrolled for f = 5 and 3)."""
    if f == 5:
        x0, x1, x2, x3, x4 = x[0:n], x[M:M + n], x[2 * M:2 * M + n], x[3 * M:3 * M + n], \
            x[4 * M:4 * M + n]
        s0 = s1 = s2 = s3 = s4 = zero
        t0 = t1 = t2 = t3 = t4 = zero
        for p in range(n):
            zp, yp = z[p], y[p]
            q0, q1, q2, q3, q4 = x0[p], x1[p], x2[p], x3[p], x4[p]
            s0 += q0 * zp
            s1 += q1 * zp
            s2 += q2 * zp
            s3 += q3 * zp
            s4 += q4 * zp
            t0 += q0 * yp
            t1 += q1 * yp
            t2 += q2 * yp
            t3 += q3 * yp
            t4 += q4 * yp
        out[0] += s0
        out[1] += s1
        out[2] += s2
        out[3] += s3
        out[4] += s4
        put[0] += t0
        put[1] += t1
        put[2] += t2
        put[3] += t3
        put[4] += t4
    elif f == 3:
        x0, x1, x2 = x[0:n], x[M:M + n], x[2 * M:2 * M + n]
        s0 = s1 = s2 = zero
        t0 = t1 = t2 = zero
        for p in range(n):
            zp, yp = z[p], y[p]
            q0, q1, q2 = x0[p], x1[p], x2[p]
            s0 += q0 * zp
            s1 += q1 * zp
            s2 += q2 * zp
            t0 += q0 * yp
            t1 += q1 * yp
            t2 += q2 * yp
        out[0] += s0
        out[1] += s1
        out[2] += s2
        put[0] += t0
        put[1] += t1
        put[2] += t2
    else:
        for j in range(f):
            xj = x[j * M:j * M + n]
            s = t = zero
            for p in range(n):
                s += xj[p] * z[p]
                t += xj[p] * y[p]
            out[j] += s
            put[j] += t


@numba.njit(inline="always", fastmath={"contract", "reassoc"})
def _dots4_5(x, z0, z1, z2, z3, n, M, zero, o0, o1, o2, o3):
    """_dots2 for four output channels at f = 5 (20 sums; each input value loaded once for
    all four): LeNet-5's conv2 dW 0.325 -> 0.278 ms, one thread."""
    x0, x1, x2, x3, x4 = x[0:n], x[M:M + n], x[2 * M:2 * M + n], x[3 * M:3 * M + n], \
        x[4 * M:4 * M + n]
    a0 = a1 = a2 = a3 = a4 = zero
    b0 = b1 = b2 = b3 = b4 = zero
    c0 = c1 = c2 = c3 = c4 = zero
    d0 = d1 = d2 = d3 = d4 = zero
    for p in range(n):
        q0, q1, q2, q3, q4 = x0[p], x1[p], x2[p], x3[p], x4[p]
        u = z0[p]
        a0, a1, a2, a3, a4 = a0 + q0 * u, a1 + q1 * u, a2 + q2 * u, a3 + q3 * u, a4 + q4 * u
        u = z1[p]
        b0, b1, b2, b3, b4 = b0 + q0 * u, b1 + q1 * u, b2 + q2 * u, b3 + q3 * u, b4 + q4 * u
        u = z2[p]
        c0, c1, c2, c3, c4 = c0 + q0 * u, c1 + q1 * u, c2 + q2 * u, c3 + q3 * u, c4 + q4 * u
        u = z3[p]
        d0, d1, d2, d3, d4 = d0 + q0 * u, d1 + q1 * u, d2 + q2 * u, d3 + q3 * u, d4 + q4 * u
    for out, s in ((o0, (a0, a1, a2, a3, a4)), (o1, (b0, b1, b2, b3, b4)),
                   (o2, (c0, c1, c2, c3, c4)), (o3, (d0, d1, d2, d3, d4))):
        out[0] += s[0]
        out[1] += s[1]
        out[2] += s[2]
        out[3] += s[3]
        out[4] += s[4]


@numba.njit(inline="always", fastmath={"contract", "reassoc"})
def _dots1(x, z, n, M, f, zero, out):
    """out[j] += Σ_p x[p + j·M]·z[p] for j < f."""
    for j in range(f):
        xj = x[j * M:j * M + n]
        s = zero
        for p in range(n):
            s += xj[p] * z[p]
        out[j] += s


@numba.njit(nogil=True, cache=True, fastmath={"contract", "reassoc"})
def backward_filter(X, dZ, dWf, top, h0, h1):
    # dWf (n_C, n_C_prev, f, f), overwritten: dWf[co, c, i, j] = Σ over output rows h0..h1−1,
    # columns w and images of X[c, h + i − top, w + j, :] · dZ[co, h, w, :] (rows outside the
    # image: zeros, skipped).
    f = dWf.shape[2]
    if f == 5:
        _backward_filter(X, dZ, dWf, top, h0, h1, 5)
    elif f == 3:
        _backward_filter(X, dZ, dWf, top, h0, h1, 3)
    else:
        _backward_filter(X, dZ, dWf, top, h0, h1, f)


@numba.njit(inline="always", fastmath={"contract", "reassoc"})
def _backward_filter(X, dZ, dWf, top, h0, h1, f):
    n_C_prev, H, W_pad, M = X.shape
    n_C, n_H, n_W, _ = dZ.shape
    Xf = X.reshape(n_C_prev, H, W_pad * M)
    Zf = dZ.reshape(n_C, n_H, n_W * M)
    N = n_W * M
    zero = np.zeros(1, dWf.dtype)[0]  # sums in the arrays' dtype, as BLAS's
    dWf[:] = 0
    fours = n_C // 4 if f == 5 else 0  # output channels four at a time (f = 5), then pairs
    for q in range(fours):
        co = 4 * q
        for c in range(n_C_prev):
            for i in range(f):
                for h in range(max(h0, top - i), min(h1, H + top - i)):
                    _dots4_5(Xf[c, h + i - top], Zf[co, h], Zf[co + 1, h], Zf[co + 2, h],
                             Zf[co + 3, h], N, M, zero, dWf[co, c, i], dWf[co + 1, c, i],
                             dWf[co + 2, c, i], dWf[co + 3, c, i])
    for co in range(4 * fours, n_C - 1, 2):
        for c in range(n_C_prev):
            for i in range(f):
                for h in range(max(h0, top - i), min(h1, H + top - i)):
                    _dots2(Xf[c, h + i - top], Zf[co, h], Zf[co + 1, h], N, M, f, zero,
                           dWf[co, c, i], dWf[co + 1, c, i])
    if n_C % 2:
        co = n_C - 1
        for c in range(n_C_prev):
            for i in range(f):
                for h in range(max(h0, top - i), min(h1, H + top - i)):
                    _dots1(Xf[c, h + i - top], Zf[co, h], N, M, f, zero, dWf[co, c, i])

