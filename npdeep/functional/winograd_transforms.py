"""The matrices of Winograd's minimal filtering (Lavin & Gray 2016) and the NumPy tile
transforms of F(2 × 2, 3 × 3), for npdeep.functional.winograd (which explains the algorithm,
its layouts and its symbols).

The transforms here are the NumPy path, and the tested twins of the compiled F(2 × 2)
kernels (npdeep.kernels.winograd); F(4 × 4, 3 × 3) runs compiled only, and its kernels are
tested against BT4 and AT4 as matrices.
"""
from __future__ import annotations

import numpy as np

# The F(2 × 2, 3 × 3) matrices of Lavin & Gray, eq. (7). Only G is used as a matrix (on the
# small filter); Bᵀ and Aᵀ are written out as additions below, and these are their reference.
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)
# F(4 × 4, 3 × 3), Lavin & Gray section 4.2 (points 0, ±1, ±2, ∞): 36 multiplications per 16
# outputs, 4x fewer than im2col. Only the compiled path takes it (npdeep.kernels.winograd
# writes these out as additions); the NumPy path stays on F(2 × 2, 3 × 3).
BT4 = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
               dtype=np.float64)
G4 = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], dtype=np.float64)
AT4 = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], dtype=np.float64)


def _input_transform(X: np.ndarray, rows: np.ndarray, V: np.ndarray) -> None:
    """V = Bᵀ d B of every tile, NHWC: X (images, 2·n_tH + 2, 2·n_tW + 2, n_C_prev) ->
    V (4, 4, images, n_tH, n_tW, n_C_prev). Bᵀ on the tile rows (into ``rows``, (4, images,
    n_tH, n_W_pad, n_C_prev)), then B on the columns, each as four strided adds."""
    n_tH, n_tW = V.shape[3], V.shape[4]
    r = [X[:, i:i + 2 * n_tH:2] for i in range(4)]  # row i of every tile
    np.subtract(r[0], r[2], out=rows[0])
    np.add(r[1], r[2], out=rows[1])
    np.subtract(r[2], r[1], out=rows[2])
    np.subtract(r[1], r[3], out=rows[3])
    for a in range(4):
        c = [rows[a][:, :, j:j + 2 * n_tW:2] for j in range(4)]  # column j of every tile
        np.subtract(c[0], c[2], out=V[a, 0])
        np.add(c[1], c[2], out=V[a, 1])
        np.subtract(c[2], c[1], out=V[a, 2])
        np.subtract(c[1], c[3], out=V[a, 3])


def _input_transform_adjoint(dV: np.ndarray, rows: np.ndarray, dX: np.ndarray) -> None:
    """dX = Σ over tiles of B dV Bᵀ, added into the overlapping 4 × 4 input patches:
    dV (4, 4, images, n_tH, n_W, n_C_prev) -> dX (images, n_H_pad, n_W_pad, n_C_prev), which
    is overwritten. ``rows`` (4, images, n_tH, n_W_pad, n_C_prev) is scratch."""
    n_tH, n_tW = dV.shape[3], dV.shape[4]
    # B on the columns (b -> j) of each tile row a; neighbouring tiles share 2 columns.
    for a in range(4):
        d, R = dV[a], rows[a]
        R[:, :, 2 * n_tW:] = 0
        np.copyto(R[:, :, 0:2 * n_tW:2], d[0])
        np.subtract(d[1], d[2], out=R[:, :, 1:2 * n_tW:2])
        R[:, :, 1:2 * n_tW:2] += d[3]
        R[:, :, 2:2 * n_tW + 2:2] += d[1]
        R[:, :, 2:2 * n_tW + 2:2] += d[2]
        R[:, :, 2:2 * n_tW + 2:2] -= d[0]
        R[:, :, 3:2 * n_tW + 3:2] -= d[3]
    # Then Bᵀ's adjoint on the rows (a -> i); neighbouring tiles share 2 rows.
    dX[:, 2 * n_tH:] = 0
    np.copyto(dX[:, 0:2 * n_tH:2], rows[0])
    np.subtract(rows[1], rows[2], out=dX[:, 1:2 * n_tH:2])
    dX[:, 1:2 * n_tH:2] += rows[3]
    dX[:, 2:2 * n_tH + 2:2] += rows[1]
    dX[:, 2:2 * n_tH + 2:2] += rows[2]
    dX[:, 2:2 * n_tH + 2:2] -= rows[0]
    dX[:, 3:2 * n_tH + 3:2] -= rows[3]


def _output_transform(M: np.ndarray, s: np.ndarray, Y: np.ndarray) -> None:
    """Y = Aᵀ M A of every tile: M (4, 4, images, n_tH, n_tW, n_C) -> Y (images, n_tH, 2,
    n_tW, 2, n_C). ``s`` (2, 4, images, n_tH, n_tW, n_C) is scratch for Aᵀ M."""
    np.add(M[0], M[1], out=s[0])
    s[0] += M[2]
    np.subtract(M[1], M[2], out=s[1])
    s[1] -= M[3]
    for r in range(2):
        t = s[r]
        out0, out1 = Y[:, :, r, :, 0], Y[:, :, r, :, 1]
        np.add(t[0], t[1], out=out0)
        out0 += t[2]
        np.subtract(t[1], t[2], out=out1)
        out1 -= t[3]


def _output_transform_adjoint(dY: np.ndarray, t: np.ndarray, dM: np.ndarray) -> None:
    """dM = A dY Aᵀ of every tile: dY (images, n_tH, 2, n_tW, 2, n_C) -> dM (4, 4, images,
    n_tH, n_tW, n_C). ``t`` (4, images, n_tH, n_tW, 2, n_C) is scratch for A dY."""
    e0, e1 = dY[:, :, 0], dY[:, :, 1]  # (images, n_tH, n_tW, 2, n_C)
    np.copyto(t[0], e0)  # Σ_r A[a, r] dY[r], A = [[1, 0], [1, 1], [1, -1], [0, -1]]
    np.add(e0, e1, out=t[1])
    np.subtract(e0, e1, out=t[2])
    np.negative(e1, out=t[3])
    for a in range(4):
        t0, t1 = t[a][..., 0, :], t[a][..., 1, :]
        np.copyto(dM[a, 0], t0)
        np.add(t0, t1, out=dM[a, 1])
        np.subtract(t0, t1, out=dM[a, 2])
        np.negative(t1, out=dM[a, 3])
