"""The numba loops behind npdeep.kernels.pool (imported only when the compiled path runs).

Two loop orders per op, over the same (images, n_H, n_W, n_C) indexing: "nhwc" runs the
innermost loop over channels (contiguous in NHWC memory), "planes" over image columns
(contiguous in channel-major memory). ``nogil`` lets the caller's threads run blocks of
images at once; there is no ``parallel=True`` (its threads would fight BLAS's for the cores).
``cache=True`` keeps the compiled code on disk between runs.
"""
import numba


@numba.njit(nogil=True, cache=True)
def max_forward_nhwc(A_prev, f, stride, A, winner):
    m, n_H, n_W, n_C = A.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                top, left = h * stride, w * stride
                for c in range(n_C):
                    A[i, h, w, c] = A_prev[i, top, left, c]
                    winner[i, h, w, c] = 0
                for di in range(f):
                    for dj in range(f):
                        if di == 0 and dj == 0:
                            continue
                        k = di * f + dj
                        for c in range(n_C):
                            v = A_prev[i, top + di, left + dj, c]
                            # NOTE: strictly greater keeps the first of tied entries; a NaN
                            # wins (v != v) and then stays, as np.maximum propagates it.
                            if v > A[i, h, w, c] or v != v:
                                if A[i, h, w, c] == A[i, h, w, c]:
                                    A[i, h, w, c] = v
                                    winner[i, h, w, c] = k


@numba.njit(nogil=True, cache=True)
def max_forward_planes(A_prev, f, stride, A, winner):
    m, n_H, n_W, n_C = A.shape
    for c in range(n_C):
        for i in range(m):
            for h in range(n_H):
                top = h * stride
                for w in range(n_W):
                    left = w * stride
                    best = A_prev[i, top, left, c]
                    won = 0
                    for di in range(f):
                        for dj in range(f):
                            v = A_prev[i, top + di, left + dj, c]
                            if (v > best or v != v) and best == best:  # see max_forward_nhwc
                                best = v
                                won = di * f + dj
                    A[i, h, w, c] = best
                    winner[i, h, w, c] = won


@numba.njit(nogil=True, cache=True)
def max_backward_nhwc(dA, winner, f, stride, dA_prev):
    m, n_H, n_W, n_C = dA.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    k = winner[i, h, w, c]
                    dA_prev[i, h * stride + k // f, w * stride + k % f, c] += dA[i, h, w, c]


@numba.njit(nogil=True, cache=True)
def max_backward_planes(dA, winner, f, stride, dA_prev):
    m, n_H, n_W, n_C = dA.shape
    for c in range(n_C):
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    k = winner[i, h, w, c]
                    dA_prev[i, h * stride + k // f, w * stride + k % f, c] += dA[i, h, w, c]


@numba.njit(nogil=True, cache=True)
def avg_forward_nhwc(A_prev, f, stride, scale, A):
    m, n_H, n_W, n_C = A.shape
    for i in range(m):
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
def avg_forward_planes(A_prev, f, stride, scale, A):
    m, n_H, n_W, n_C = A.shape
    for c in range(n_C):
        for i in range(m):
            for h in range(n_H):
                top = h * stride
                for w in range(n_W):
                    left = w * stride
                    total = A_prev[i, top, left, c]
                    for di in range(f):
                        for dj in range(f):
                            if di > 0 or dj > 0:
                                total += A_prev[i, top + di, left + dj, c]
                    A[i, h, w, c] = total * scale


@numba.njit(nogil=True, cache=True)
def avg_backward_nhwc(dA, f, stride, scale, dA_prev):
    m, n_H, n_W, n_C = dA.shape
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for di in range(f):
                    for dj in range(f):
                        for c in range(n_C):
                            dA_prev[i, h * stride + di, w * stride + dj, c] += \
                                dA[i, h, w, c] * scale


@numba.njit(nogil=True, cache=True)
def avg_backward_planes(dA, f, stride, scale, dA_prev):
    m, n_H, n_W, n_C = dA.shape
    for c in range(n_C):
        for i in range(m):
            for h in range(n_H):
                for w in range(n_W):
                    share = dA[i, h, w, c] * scale
                    for di in range(f):
                        for dj in range(f):
                            dA_prev[i, h * stride + di, w * stride + dj, c] += share
