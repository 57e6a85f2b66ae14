"""The numba loops behind npdeep.kernels.winograd (imported only when the compiled path runs).

Layout: the transformed tiles are tile-major, (images, n_tH, n_tW, 16, n_C): one tile's 16
rows of channels are adjacent, so each kernel reads or writes one contiguous block per tile
(the NumPy twin's (4, 4, images, n_tH, n_tW, n_C) made these loops 2-5x slower: 16 store
streams far apart). The 16 GEMMs read it as a strided (16, tiles, n_C) view, which BLAS
takes directly.

Each kernel is one pass over its input and one over its output, the innermost loop over
channels (contiguous in NHWC memory), where the NumPy twin makes several passes over strided
views. The forward transforms add in the twin's order (the same bits); the adjoint of the
input transform adds the overlapping tiles' gradients tile by tile (the same sums, in
another order). ``nogil``: threads may run blocks of images at once; no ``parallel=True``.
"""
import numba


@numba.njit(inline="always")
def _bt(d0, d1, d2, d3):
    """Bᵀ applied to one column (or, on the transposed side, one row) of a 4 × 4 tile."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@numba.njit(inline="always")
def _b(q0, q1, q2, q3):
    """B (the adjoint of _bt): Σ_a Bᵀ[a, i] q_a for i = 0..3."""
    return q0, (q1 - q2) + q3, (q2 + q1) - q0, -q3


@numba.njit(inline="always")
def _at(m0, m1, m2, m3):
    """Aᵀ applied to one column (or row) of a 4 × 4 tile."""
    return (m0 + m1) + m2, (m1 - m2) - m3


@numba.njit(inline="always")
def _a(e0, e1):
    """A (the adjoint of _at)."""
    return e0, e0 + e1, e0 - e1, -e1


@numba.njit(nogil=True, cache=True)
def input_transform(X, V):
    # X (images, 2·n_tH + 2, 2·n_tW + 2, n_C) -> V (images, n_tH, n_tW, 16, n_C).
    m, n_tH, n_tW, _, n_C = V.shape
    for i in range(m):
        for th in range(n_tH):
            y = 2 * th
            for tw in range(n_tW):
                x = 2 * tw
                V_t = V[i, th, tw]
                for c in range(n_C):
                    # Bᵀ d, column by column (t[a][s]).
                    t00, t10, t20, t30 = _bt(X[i, y, x, c], X[i, y + 1, x, c],
                                             X[i, y + 2, x, c], X[i, y + 3, x, c])
                    t01, t11, t21, t31 = _bt(X[i, y, x + 1, c], X[i, y + 1, x + 1, c],
                                             X[i, y + 2, x + 1, c], X[i, y + 3, x + 1, c])
                    t02, t12, t22, t32 = _bt(X[i, y, x + 2, c], X[i, y + 1, x + 2, c],
                                             X[i, y + 2, x + 2, c], X[i, y + 3, x + 2, c])
                    t03, t13, t23, t33 = _bt(X[i, y, x + 3, c], X[i, y + 1, x + 3, c],
                                             X[i, y + 2, x + 3, c], X[i, y + 3, x + 3, c])
                    # Then B on the columns, row by row.
                    V_t[0, c], V_t[1, c], V_t[2, c], V_t[3, c] = _bt(t00, t01, t02, t03)
                    V_t[4, c], V_t[5, c], V_t[6, c], V_t[7, c] = _bt(t10, t11, t12, t13)
                    V_t[8, c], V_t[9, c], V_t[10, c], V_t[11, c] = _bt(t20, t21, t22, t23)
                    V_t[12, c], V_t[13, c], V_t[14, c], V_t[15, c] = _bt(t30, t31, t32, t33)


@numba.njit(nogil=True, cache=True)
def output_transform(M, Y):
    # M (images, n_tH, n_tW, 16, n_C) -> Y (images, n_tH, 2, n_tW, 2, n_C).
    m, n_tH, n_tW, _, n_C = M.shape
    for i in range(m):
        for th in range(n_tH):
            for tw in range(n_tW):
                M_t = M[i, th, tw]
                for c in range(n_C):
                    # Aᵀ M, column by column (s[r][b]).
                    s00, s10 = _at(M_t[0, c], M_t[4, c],
                                   M_t[8, c], M_t[12, c])
                    s01, s11 = _at(M_t[1, c], M_t[5, c],
                                   M_t[9, c], M_t[13, c])
                    s02, s12 = _at(M_t[2, c], M_t[6, c],
                                   M_t[10, c], M_t[14, c])
                    s03, s13 = _at(M_t[3, c], M_t[7, c],
                                   M_t[11, c], M_t[15, c])
                    Y[i, th, 0, tw, 0, c], Y[i, th, 0, tw, 1, c] = _at(s00, s01, s02, s03)
                    Y[i, th, 1, tw, 0, c], Y[i, th, 1, tw, 1, c] = _at(s10, s11, s12, s13)


@numba.njit(nogil=True, cache=True)
def output_transform_adjoint(dY, dM):
    # dY (images, n_tH, 2, n_tW, 2, n_C) -> dM (images, n_tH, n_tW, 16, n_C) = A dY Aᵀ.
    m, n_tH, n_tW, _, n_C = dM.shape
    for i in range(m):
        for th in range(n_tH):
            for tw in range(n_tW):
                dM_t = dM[i, th, tw]
                for c in range(n_C):
                    t00, t10, t20, t30 = _a(dY[i, th, 0, tw, 0, c], dY[i, th, 1, tw, 0, c])
                    t01, t11, t21, t31 = _a(dY[i, th, 0, tw, 1, c], dY[i, th, 1, tw, 1, c])
                    dM_t[0, c], dM_t[1, c], dM_t[2, c], dM_t[3, c] = _a(t00, t01)
                    dM_t[4, c], dM_t[5, c], dM_t[6, c], dM_t[7, c] = _a(t10, t11)
                    dM_t[8, c], dM_t[9, c], dM_t[10, c], dM_t[11, c] = _a(t20, t21)
                    dM_t[12, c], dM_t[13, c], dM_t[14, c], dM_t[15, c] = _a(t30, t31)


@numba.njit(nogil=True, cache=True)
def input_transform_adjoint(dV, dX):
    # dV (images, n_tH, n_tW, 16, n_C) -> dX (images, 2·n_tH + 2, 2·n_tW + 2, n_C), which
    # is overwritten: each tile's B dV Bᵀ added into its 4 × 4 patch, tile by tile.
    m, n_tH, n_tW, _, n_C = dV.shape
    dX[:m] = 0
    for i in range(m):
        for th in range(n_tH):
            y = 2 * th
            for tw in range(n_tW):
                x = 2 * tw
                dV_t = dV[i, th, tw]
                for c in range(n_C):
                    # B on the rows a, column b by column b: q[r][b].
                    q00, q10, q20, q30 = _b(dV_t[0, c], dV_t[4, c],
                                            dV_t[8, c], dV_t[12, c])
                    q01, q11, q21, q31 = _b(dV_t[1, c], dV_t[5, c],
                                            dV_t[9, c], dV_t[13, c])
                    q02, q12, q22, q32 = _b(dV_t[2, c], dV_t[6, c],
                                            dV_t[10, c], dV_t[14, c])
                    q03, q13, q23, q33 = _b(dV_t[3, c], dV_t[7, c],
                                            dV_t[11, c], dV_t[15, c])
                    # Then on the columns, row r by row r, added into the patch.
                    p0, p1, p2, p3 = _b(q00, q01, q02, q03)
                    dX[i, y, x, c] += p0
                    dX[i, y, x + 1, c] += p1
                    dX[i, y, x + 2, c] += p2
                    dX[i, y, x + 3, c] += p3
                    p0, p1, p2, p3 = _b(q10, q11, q12, q13)
                    dX[i, y + 1, x, c] += p0
                    dX[i, y + 1, x + 1, c] += p1
                    dX[i, y + 1, x + 2, c] += p2
                    dX[i, y + 1, x + 3, c] += p3
                    p0, p1, p2, p3 = _b(q20, q21, q22, q23)
                    dX[i, y + 2, x, c] += p0
                    dX[i, y + 2, x + 1, c] += p1
                    dX[i, y + 2, x + 2, c] += p2
                    dX[i, y + 2, x + 3, c] += p3
                    p0, p1, p2, p3 = _b(q30, q31, q32, q33)
                    dX[i, y + 3, x, c] += p0
                    dX[i, y + 3, x + 1, c] += p1
                    dX[i, y + 3, x + 2, c] += p2
                    dX[i, y + 3, x + 3, c] += p3
