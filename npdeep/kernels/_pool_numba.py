"""The numba loops behind npdeep.kernels.pool (imported only when the compiled path runs).

Every kernel takes whole arrays and the block of images [start, stop) to do, so the arrays
keep the memory layout numba compiles for, whichever block a thread runs. Two loop orders
(and a third, "chwn", for batch-last arrays at f = stride = 2; see the end of the file):
"nhwc" kernels index (m, n_H, n_W, n_C) arrays and run the innermost loop over channels
(contiguous in NHWC memory); "planes" kernels index channel-major (n_C, m, n_H, n_W) arrays
and run it over image columns. ``nogil`` lets the caller's threads run blocks at once; there
is no ``parallel=True`` (its threads would fight BLAS's for the cores). ``cache=True`` keeps
the compiled code on disk between runs.

NOTE: max ties go to the first maximal entry (row-major: strictly greater replaces); a NaN
replaces a number and is never replaced, so a window holding one has the NaN as its max, as
np.maximum gives. The tests compare every kernel with the NumPy path.
"""
import numba


@numba.njit(inline="always")
def _beats(v, best):
    """Whether v replaces best as a window's running max: strictly greater (ties stay with the
    first), or a NaN over a number (a NaN is never replaced)."""
    return (v > best) | ((v != v) & (best == best))


@numba.njit(nogil=True, cache=True)
def max_forward_nhwc(A_prev, A, winner, f, stride, start, stop):
    _, n_H, n_W, n_C = A.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                top, left = h * stride, w * stride
                for c in range(n_C):
                    A[i, h, w, c] = A_prev[i, top, left, c]
                    winner[i, h, w, c] = 0
                for di in range(f):
                    for dj in range(f):
                        k = di * f + dj
                        if k == 0:
                            continue
                        for c in range(n_C):
                            v = A_prev[i, top + di, left + dj, c]
                            best = A[i, h, w, c]
                            take = _beats(v, best)
                            A[i, h, w, c] = v if take else best
                            winner[i, h, w, c] = k if take else winner[i, h, w, c]


@numba.njit(nogil=True, cache=True)
def max_forward_planes(A_prev, A, winner, f, stride, start, stop):
    n_C, _, n_H, n_W = A.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                top = h * stride
                for w in range(n_W):
                    left = w * stride
                    best = A_prev[c, i, top, left]
                    won = 0
                    for di in range(f):
                        for dj in range(f):
                            v = A_prev[c, i, top + di, left + dj]
                            take = _beats(v, best)
                            best = v if take else best
                            won = di * f + dj if take else won
                    A[c, i, h, w] = best
                    winner[c, i, h, w] = won


@numba.njit(nogil=True, cache=True)
def max_backward_nhwc(dA, winner, dA_prev, f, stride, start, stop):
    # assign: windows tile the image (stride == f), so each entry is written once, no zeros
    # needed first; otherwise gradients add into zeros.
    _, n_H, n_W, n_C = dA.shape
    assign = stride == f
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for di in range(f):
                    for dj in range(f):
                        k = di * f + dj
                        row, col = h * stride + di, w * stride + dj
                        for c in range(n_C):
                            g = dA[i, h, w, c] if winner[i, h, w, c] == k else 0
                            base = 0 if assign else dA_prev[i, row, col, c]
                            dA_prev[i, row, col, c] = base + g


@numba.njit(nogil=True, cache=True)
def max_backward_planes(dA, winner, dA_prev, f, stride, start, stop):
    n_C, _, n_H, n_W = dA.shape
    assign = stride == f
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for di in range(f):
                    row = h * stride + di
                    for dj in range(f):
                        k = di * f + dj
                        for w in range(n_W):
                            col = w * stride + dj
                            g = dA[c, i, h, w] if winner[c, i, h, w] == k else 0
                            base = 0 if assign else dA_prev[c, i, row, col]
                            dA_prev[c, i, row, col] = base + g


@numba.njit(nogil=True, cache=True)
def max2_forward_nhwc(A_prev, A, winner, start, stop):
    # f = stride = 2, the common layer, written out: four loads, three first-max steps.
    _, n_H, n_W, n_C = A.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    best = A_prev[i, 2 * h, 2 * w, c]
                    won = 0
                    v = A_prev[i, 2 * h, 2 * w + 1, c]
                    take = _beats(v, best)
                    best, won = (v, 1) if take else (best, won)
                    v = A_prev[i, 2 * h + 1, 2 * w, c]
                    take = _beats(v, best)
                    best, won = (v, 2) if take else (best, won)
                    v = A_prev[i, 2 * h + 1, 2 * w + 1, c]
                    take = _beats(v, best)
                    best, won = (v, 3) if take else (best, won)
                    A[i, h, w, c] = best
                    winner[i, h, w, c] = won


@numba.njit(nogil=True, cache=True)
def max2_forward_planes(A_prev, A, winner, start, stop):
    n_C, _, n_H, n_W = A.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for w in range(n_W):
                    best = A_prev[c, i, 2 * h, 2 * w]
                    won = 0
                    v = A_prev[c, i, 2 * h, 2 * w + 1]
                    take = _beats(v, best)
                    best, won = (v, 1) if take else (best, won)
                    v = A_prev[c, i, 2 * h + 1, 2 * w]
                    take = _beats(v, best)
                    best, won = (v, 2) if take else (best, won)
                    v = A_prev[c, i, 2 * h + 1, 2 * w + 1]
                    take = _beats(v, best)
                    best, won = (v, 3) if take else (best, won)
                    A[c, i, h, w] = best
                    winner[c, i, h, w] = won


@numba.njit(nogil=True, cache=True)
def avg_forward_nhwc(A_prev, A, f, stride, scale, start, stop):
    _, n_H, n_W, n_C = A.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                top, left = h * stride, w * stride
                for c in range(n_C):
                    A[i, h, w, c] = A_prev[i, top, left, c]
                for di in range(f):
                    for dj in range(f):
                        if di == 0 and dj == 0:
                            continue
                        for c in range(n_C):
                            A[i, h, w, c] += A_prev[i, top + di, left + dj, c]
                for c in range(n_C):
                    A[i, h, w, c] *= scale


@numba.njit(nogil=True, cache=True)
def avg_forward_planes(A_prev, A, f, stride, scale, start, stop):
    n_C, _, n_H, n_W = A.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                top = h * stride
                for w in range(n_W):
                    left = w * stride
                    total = A_prev[c, i, top, left]
                    for di in range(f):
                        for dj in range(f):
                            if di > 0 or dj > 0:
                                total += A_prev[c, i, top + di, left + dj]
                    A[c, i, h, w] = total * scale


@numba.njit(nogil=True, cache=True)
def avg_backward_nhwc(dA, dA_prev, f, stride, scale, start, stop):
    _, n_H, n_W, n_C = dA.shape
    assign = stride == f  # as max_backward_nhwc
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for di in range(f):
                    for dj in range(f):
                        row, col = h * stride + di, w * stride + dj
                        for c in range(n_C):
                            base = 0 if assign else dA_prev[i, row, col, c]
                            dA_prev[i, row, col, c] = base + dA[i, h, w, c] * scale


@numba.njit(nogil=True, cache=True)
def avg_backward_planes(dA, dA_prev, f, stride, scale, start, stop):
    n_C, _, n_H, n_W = dA.shape
    assign = stride == f  # as max_backward_nhwc
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for di in range(f):
                    row = h * stride + di
                    for dj in range(f):
                        for w in range(n_W):
                            col = w * stride + dj
                            base = 0 if assign else dA_prev[c, i, row, col]
                            dA_prev[c, i, row, col] = base + dA[c, i, h, w] * scale


@numba.njit(nogil=True, cache=True)
def max2_backward_nhwc(dA, winner, dA_prev, start, stop):
    # f = stride = 2: every entry of a window written once (the winner's gradient or 0), in
    # memory order (row by row of dA_prev).
    _, n_H, n_W, n_C = dA.shape
    for i in range(start, stop):
        for h in range(n_H):
            for di in range(2):
                for w in range(n_W):
                    for dj in range(2):
                        k = 2 * di + dj
                        for c in range(n_C):
                            g = dA[i, h, w, c] if winner[i, h, w, c] == k else 0
                            dA_prev[i, 2 * h + di, 2 * w + dj, c] = g


@numba.njit(nogil=True, cache=True)
def max2_backward_planes(dA, winner, dA_prev, start, stop):
    # Row by row of dA_prev, in memory order (measured 2x faster than window by window).
    n_C, _, n_H, n_W = dA.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for di in range(2):
                    row = 2 * h + di
                    for w in range(n_W):
                        g, k = dA[c, i, h, w], winner[c, i, h, w]
                        dA_prev[c, i, row, 2 * w] = g if k == 2 * di else 0
                        dA_prev[c, i, row, 2 * w + 1] = g if k == 2 * di + 1 else 0


@numba.njit(nogil=True, cache=True)
def avg2_forward_nhwc(A_prev, A, scale, start, stop):
    # f = stride = 2: the four entries summed row-major (as the NumPy path), then scaled.
    _, n_H, n_W, n_C = A.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    total = A_prev[i, 2 * h, 2 * w, c] + A_prev[i, 2 * h, 2 * w + 1, c]
                    total += A_prev[i, 2 * h + 1, 2 * w, c]
                    total += A_prev[i, 2 * h + 1, 2 * w + 1, c]
                    A[i, h, w, c] = total * scale


@numba.njit(nogil=True, cache=True)
def avg2_forward_planes(A_prev, A, scale, start, stop):
    n_C, _, n_H, n_W = A.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for w in range(n_W):
                    total = A_prev[c, i, 2 * h, 2 * w] + A_prev[c, i, 2 * h, 2 * w + 1]
                    total += A_prev[c, i, 2 * h + 1, 2 * w]
                    total += A_prev[c, i, 2 * h + 1, 2 * w + 1]
                    A[c, i, h, w] = total * scale


@numba.njit(nogil=True, cache=True)
def avg2_backward_nhwc(dA, dA_prev, scale, start, stop):
    _, n_H, n_W, n_C = dA.shape
    for i in range(start, stop):
        for h in range(n_H):
            for di in range(2):
                for w in range(n_W):
                    for dj in range(2):
                        for c in range(n_C):
                            dA_prev[i, 2 * h + di, 2 * w + dj, c] = dA[i, h, w, c] * scale


@numba.njit(nogil=True, cache=True)
def avg2_backward_planes(dA, dA_prev, scale, start, stop):
    n_C, _, n_H, n_W = dA.shape
    for c in range(n_C):
        for i in range(start, stop):
            for h in range(n_H):
                for di in range(2):
                    row = 2 * h + di
                    for w in range(n_W):
                        share = dA[c, i, h, w] * scale
                        dA_prev[c, i, row, 2 * w] = share
                        dA_prev[c, i, row, 2 * w + 1] = share


# Few channels (n_C < 16): the loops above would run their vector loops over a handful of
# channels, mostly in set-up and remainder code (measured 6x slower at n_C = 6); these write
# the four entries of a window per channel instead.
@numba.njit(nogil=True, cache=True)
def max2_backward_nhwc_narrow(dA, winner, dA_prev, start, stop):
    _, n_H, n_W, n_C = dA.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    g, k = dA[i, h, w, c], winner[i, h, w, c]
                    dA_prev[i, 2 * h, 2 * w, c] = g if k == 0 else 0
                    dA_prev[i, 2 * h, 2 * w + 1, c] = g if k == 1 else 0
                    dA_prev[i, 2 * h + 1, 2 * w, c] = g if k == 2 else 0
                    dA_prev[i, 2 * h + 1, 2 * w + 1, c] = g if k == 3 else 0


@numba.njit(nogil=True, cache=True)
def avg2_backward_nhwc_narrow(dA, dA_prev, scale, start, stop):
    _, n_H, n_W, n_C = dA.shape
    for i in range(start, stop):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    share = dA[i, h, w, c] * scale
                    dA_prev[i, 2 * h, 2 * w, c] = share
                    dA_prev[i, 2 * h, 2 * w + 1, c] = share
                    dA_prev[i, 2 * h + 1, 2 * w, c] = share
                    dA_prev[i, 2 * h + 1, 2 * w + 1, c] = share


# Batch-last arrays ((n_C, n_H, n_W, m) C-contiguous, as conv2d's "rows" method makes them):
# every entry of a window is a contiguous run over the images, so the loops run over images,
# vectorized, with no shuffles. The runs are sliced first, so that the loop index starts at 0
# (numba cannot prove i in range(start, stop) non-negative, and its wraparound check keeps
# such a loop scalar). f = stride = 2 only; other windows take the "nhwc" loops.
@numba.njit(inline="always")
def _window_runs(X, c, h, w, start, stop):
    """The four entries of output (c, h, w)'s 2x2 window in batch-last X, each the run of
    images [start, stop): top left, top right, bottom left, bottom right."""
    return (X[c, 2 * h, 2 * w, start:stop], X[c, 2 * h, 2 * w + 1, start:stop],
            X[c, 2 * h + 1, 2 * w, start:stop], X[c, 2 * h + 1, 2 * w + 1, start:stop])


@numba.njit(nogil=True, cache=True)
def avg2_forward_chwn(A_prev, A, scale, start, stop):
    n_C, n_H, n_W, _ = A.shape
    n = stop - start
    for c in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                a, b, d, e = _window_runs(A_prev, c, h, w, start, stop)
                out = A[c, h, w, start:stop]
                for i in range(n):
                    total = a[i] + b[i]
                    total += d[i]
                    total += e[i]
                    out[i] = total * scale


@numba.njit(nogil=True, cache=True)
def avg2_backward_chwn(dA, dA_prev, scale, start, stop):
    n_C, n_H, n_W, _ = dA.shape
    n = stop - start
    for c in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                g = dA[c, h, w, start:stop]
                a, b, d, e = _window_runs(dA_prev, c, h, w, start, stop)
                for i in range(n):
                    share = g[i] * scale
                    a[i] = share
                    b[i] = share
                    d[i] = share
                    e[i] = share


@numba.njit(nogil=True, cache=True)
def max2_forward_chwn(A_prev, A, winner, start, stop):
    n_C, n_H, n_W, _ = A.shape
    n = stop - start
    for c in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                a, b, d, e = _window_runs(A_prev, c, h, w, start, stop)
                out, won_at = A[c, h, w, start:stop], winner[c, h, w, start:stop]
                for i in range(n):
                    best = a[i]
                    won = 0
                    v = b[i]
                    take = _beats(v, best)
                    best, won = (v, 1) if take else (best, won)
                    v = d[i]
                    take = _beats(v, best)
                    best, won = (v, 2) if take else (best, won)
                    v = e[i]
                    take = _beats(v, best)
                    best, won = (v, 3) if take else (best, won)
                    out[i] = best
                    won_at[i] = won


@numba.njit(nogil=True, cache=True)
def max2_backward_chwn(dA, winner, dA_prev, start, stop):
    n_C, n_H, n_W, _ = dA.shape
    n = stop - start
    for c in range(n_C):
        for h in range(n_H):
            for w in range(n_W):
                g, won = dA[c, h, w, start:stop], winner[c, h, w, start:stop]
                a, b, d, e = _window_runs(dA_prev, c, h, w, start, stop)
                for i in range(n):
                    k = won[i]
                    a[i] = g[i] if k == 0 else 0
                    b[i] = g[i] if k == 1 else 0
                    d[i] = g[i] if k == 2 else 0
                    e[i] = g[i] if k == 3 else 0
