"""The numba loops of Winograd F(4 × 4, 3 × 3) behind npdeep.kernels.winograd (imported only
when the compiled path runs).

The matrices are Lavin & Gray's (2016, section 4.2) for F(4, 3), interpolation points
0, ±1, ±2 and ∞; npdeep.functional.winograd holds them as arrays (BT4, G4, AT4), and
the tests compare every kernel here with the same transform written as a product by those
matrices. Each 1-D transform below is one of those matrices applied to a column of six (or
four) values, written out as the additions it reduces to.

Layout, as in _winograd_numba: tiles are tile-major, (images, n_tH, n_tW, 36, n_C); the 36
GEMMs read that as a strided (36, tiles, n_C) view. Each kernel applies its 1-D transform on
the columns of a tile into a small scratch array T (6, 6, n_C), then on its rows, the innermost
loop over the channels (contiguous in NHWC memory, so it runs as vector instructions).
``nogil``: threads may run blocks of images at once; no ``parallel=True``. ``contract``
lets LLVM fuse the products by 2, 4, 5 and 8 with their additions (one rounding instead of
two; 15-20 % faster adjoints, measured).
"""
import numba
import numpy as np


# The transforms' integer coefficients as float32 scalars. A plain int literal times a float32
# value is float64 in numba (NumPy's scalar promotion), so with literals every float32 tile
# ran its transforms in float64, converting each value there and back at half the vector
# width; float32 constants keep float32 data in float32 (float64 data stays float64: the
# coefficients are exact in both). Measured per tile channel, float32, 32 channels: output
# transform 7.5 -> 3.7 ns, its adjoint 12.8 -> 4.7, the input adjoint 28 -> 16. The input
# transform _bt keeps its int literals: its values feed the 36 GEMMs, and rounding each of
# its partial sums to float32 raised Z's float32 error from 4.6e-6 to 5.2e-6 of its largest
# entry (tests/functional/test_winograd.py's bound is 5e-6), for no measured gain.
_2, _4, _5, _8 = (np.float32(k) for k in (2, 4, 5, 8))


@numba.njit(inline="always", fastmath={"contract"})
def _bt(d0, d1, d2, d3, d4, d5):
    """Bᵀ (6 × 6) applied to six values."""
    return (4 * d0 - 5 * d2 + d4,
            (d3 + d4) - 4 * (d1 + d2),
            4 * (d1 - d2) + (d4 - d3),
            2 * (d3 - d1) + (d4 - d2),
            2 * (d1 - d3) + (d4 - d2),
            4 * d1 - 5 * d3 + d5)


@numba.njit(inline="always", fastmath={"contract"})
def _b(q0, q1, q2, q3, q4, q5):
    """B (the adjoint of _bt): Σ_a Bᵀ[a, i] q_a for i = 0..5."""
    return (_4 * q0,
            _4 * (q2 - q1) + _2 * (q4 - q3) + _4 * q5,
            -_5 * q0 - _4 * (q1 + q2) - (q3 + q4),
            (q1 - q2) + _2 * (q3 - q4) - _5 * q5,
            q0 + q1 + q2 + q3 + q4,
            q5)


@numba.njit(inline="always", fastmath={"contract"})
def _at(m0, m1, m2, m3, m4, m5):
    """Aᵀ (4 × 6) applied to six values."""
    p, q = m1 + m2, m1 - m2
    r, s = m3 + m4, m3 - m4
    return m0 + p + r, q + _2 * s, p + _4 * r, q + _8 * s + m5


@numba.njit(inline="always", fastmath={"contract"})
def _a(e0, e1, e2, e3):
    """A (the adjoint of _at): Σ_r Aᵀ[r, j] e_r for j = 0..5."""
    p, q = e0 + e2, e1 + e3
    r, s = e0 + _4 * e2, _2 * e1 + _8 * e3
    return e0, p + q, p - q, r + s, r - s, e3


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def input_transform(X, V):
    # X (images, 4·n_tH + 2, 4·n_tW + 2, n_C) -> V (images, n_tH, n_tW, 36, n_C) = Bᵀ d B.
    m, n_tH, n_tW, _, n_C = V.shape
    T = np.empty((6, 6, n_C), X.dtype)
    for i in range(m):
        for th in range(n_tH):
            y = 4 * th
            for tw in range(n_tW):
                x = 4 * tw
                for b in range(6):  # Bᵀ on each column b of the patch
                    for c in range(n_C):
                        (T[0, b, c], T[1, b, c], T[2, b, c], T[3, b, c], T[4, b, c],
                         T[5, b, c]) = _bt(X[i, y, x + b, c], X[i, y + 1, x + b, c],
                                           X[i, y + 2, x + b, c], X[i, y + 3, x + b, c],
                                           X[i, y + 4, x + b, c], X[i, y + 5, x + b, c])
                V_t = V[i, th, tw]
                for a in range(6):  # then B on each row a
                    k = 6 * a
                    for c in range(n_C):
                        (V_t[k, c], V_t[k + 1, c], V_t[k + 2, c], V_t[k + 3, c],
                         V_t[k + 4, c], V_t[k + 5, c]) = _bt(T[a, 0, c], T[a, 1, c],
                                                             T[a, 2, c], T[a, 3, c],
                                                             T[a, 4, c], T[a, 5, c])


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def output_transform(M, Y):
    # M (images, n_tH, n_tW, 36, n_C) -> Y (images, n_tH, 4, n_tW, 4, n_C) = Aᵀ M A.
    m, n_tH, n_tW, _, n_C = M.shape
    T = np.empty((4, 6, n_C), M.dtype)
    for i in range(m):
        for th in range(n_tH):
            for tw in range(n_tW):
                M_t = M[i, th, tw]
                for b in range(6):  # Aᵀ on each column b
                    for c in range(n_C):
                        T[0, b, c], T[1, b, c], T[2, b, c], T[3, b, c] = _at(
                            M_t[b, c], M_t[6 + b, c], M_t[12 + b, c], M_t[18 + b, c],
                            M_t[24 + b, c], M_t[30 + b, c])
                for r in range(4):  # then A on each of the four rows
                    for c in range(n_C):
                        (Y[i, th, r, tw, 0, c], Y[i, th, r, tw, 1, c], Y[i, th, r, tw, 2, c],
                         Y[i, th, r, tw, 3, c]) = _at(T[r, 0, c], T[r, 1, c], T[r, 2, c],
                                                      T[r, 3, c], T[r, 4, c], T[r, 5, c])


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def output_transform_adjoint(dY, dM):
    # dY (images, n_tH, 4, n_tW, 4, n_C) -> dM (images, n_tH, n_tW, 36, n_C) = A dY Aᵀ.
    m, n_tH, n_tW, _, n_C = dM.shape
    T = np.empty((6, 4, n_C), dY.dtype)
    for i in range(m):
        for th in range(n_tH):
            for tw in range(n_tW):
                for s in range(4):  # A on each output column s
                    for c in range(n_C):
                        (T[0, s, c], T[1, s, c], T[2, s, c], T[3, s, c], T[4, s, c],
                         T[5, s, c]) = _a(dY[i, th, 0, tw, s, c], dY[i, th, 1, tw, s, c],
                                          dY[i, th, 2, tw, s, c], dY[i, th, 3, tw, s, c])
                dM_t = dM[i, th, tw]
                for a in range(6):  # then on each row a
                    k = 6 * a
                    for c in range(n_C):
                        (dM_t[k, c], dM_t[k + 1, c], dM_t[k + 2, c], dM_t[k + 3, c],
                         dM_t[k + 4, c], dM_t[k + 5, c]) = _a(T[a, 0, c], T[a, 1, c],
                                                              T[a, 2, c], T[a, 3, c])


@numba.njit(nogil=True, cache=True, fastmath={"contract"})
def input_transform_adjoint(dV, dX):
    # dV (images, n_tH, n_tW, 36, n_C) -> dX (images, 4·n_tH + 2, 4·n_tW + 2, n_C), which is
    # overwritten: each tile's B dV Bᵀ added into its 6 × 6 patch, tile by tile (neighbouring
    # patches share two rows or columns).
    m, n_tH, n_tW, _, n_C = dV.shape
    T = np.empty((6, 6, n_C), dV.dtype)
    dX[:m] = 0
    for i in range(m):
        for th in range(n_tH):
            y = 4 * th
            for tw in range(n_tW):
                x = 4 * tw
                dV_t = dV[i, th, tw]
                for b in range(6):  # B on the rows a of each column b: T[i', b]
                    for c in range(n_C):
                        (T[0, b, c], T[1, b, c], T[2, b, c], T[3, b, c], T[4, b, c],
                         T[5, b, c]) = _b(dV_t[b, c], dV_t[6 + b, c], dV_t[12 + b, c],
                                          dV_t[18 + b, c], dV_t[24 + b, c], dV_t[30 + b, c])
                for r in range(6):  # then on the columns of each patch row r, added in
                    for c in range(n_C):
                        p0, p1, p2, p3, p4, p5 = _b(T[r, 0, c], T[r, 1, c], T[r, 2, c],
                                                    T[r, 3, c], T[r, 4, c], T[r, 5, c])
                        dX[i, y + r, x, c] += p0
                        dX[i, y + r, x + 1, c] += p1
                        dX[i, y + r, x + 2, c] += p2
                        dX[i, y + r, x + 3, c] += p3
                        dX[i, y + r, x + 4, c] += p4
                        dX[i, y + r, x + 5, c] += p5
