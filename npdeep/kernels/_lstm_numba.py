"""The LSTM's whole time loop, forward and backward through time, in one GIL-free compiled
call per batch block (imported only when the compiled path runs; see kernels.recurrent).

Per step the kernel calls NumPy's own BLAS for the product with the previous state (through
its CBLAS entry point, found with ctypes in the library NumPy bundles, so the thread count
npdeep.threads sets applies), then the elementwise kernels of _rnn_numba. Nothing returns to
Python between steps: a block's 2·T_x products and elementwise passes run without the GIL,
so two blocks on two threads do not wait for each other (the per-step Python loop of
kernels.recurrent holds the GIL for the call overheads of about four calls a step, which is
what kept two batch halves from scaling).

Not cached on disk (``cache=True`` refuses functions that call a ctypes pointer): compiled
once per process on first use, about a second.

GEMM is None when NumPy's BLAS exports no CBLAS sgemm/dgemm that ctypes can find (an MKL or
Accelerate build): kernels.recurrent then keeps the per-step Python loop.
"""
import ctypes
import glob
import os

import numba
import numpy as np

from npdeep.kernels import _rnn_numba

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def _find_cblas():
    """(sgemm, dgemm) ctypes functions of the CBLAS NumPy's bundled OpenBLAS exports, or None."""
    here = os.path.realpath(os.path.dirname(np.__file__))
    folders = (os.path.join(os.path.dirname(here), "numpy.libs"), os.path.join(here, ".dylibs"),
               here)
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*openblas*"))):
            try:
                library = ctypes.CDLL(path)  # already loaded by NumPy: the same handle
            except OSError:
                continue
            for prefix, suffix, integer in (("scipy_cblas_", "64_", ctypes.c_int64),
                                            ("cblas_", "64_", ctypes.c_int64),
                                            ("scipy_cblas_", "", ctypes.c_int),
                                            ("cblas_", "", ctypes.c_int)):
                found = []
                for letter, real in (("s", ctypes.c_float), ("d", ctypes.c_double)):
                    fn = getattr(library, f"{prefix}{letter}gemm{suffix}", None)
                    if fn is None:
                        break
                    # Pointers as 64-bit integers (what arr.ctypes.data is in numba; the same
                    # register in the x86-64 / AArch64 calling conventions).
                    i, p = integer, ctypes.c_uint64
                    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i, i, i, real, p, i,
                                   p, i, real, p, i]
                    fn.restype = None
                    found.append(fn)
                if len(found) == 2:
                    return tuple(found)
    return None


_cblas = _find_cblas() if ctypes.sizeof(ctypes.c_void_p) == 8 else None
GEMM = None
if _cblas is not None:
    _sgemm, _dgemm = _cblas

    @numba.njit(nogil=True)
    def gemm(trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc):
        """C (M, N) = A (M, K)·op(B) + beta·C, row-major, op(B) = B or Bᵀ (trans_b TRANS);
        lda, ldb, ldc the row strides in elements. A, B, C C-contiguous rows of one dtype."""
        if C.itemsize == 4:  # float32 (the ops never send other dtypes)
            _sgemm(ROW_MAJOR, NO_TRANS, trans_b, M, N, K, 1.0, A.ctypes.data, lda,
                   B.ctypes.data, ldb, beta, C.ctypes.data, ldc)
        else:
            _dgemm(ROW_MAJOR, NO_TRANS, trans_b, M, N, K, 1.0, A.ctypes.data, lda,
                   B.ctypes.data, ldb, beta, C.ctypes.data, ldc)

    GEMM = gemm


if GEMM is not None:
    @numba.njit(nogil=True, error_model="numpy")
    def lstm_forward_loop(G, S, C, tanh_C, Wa_h, Mr, masked, approx, Za):
        """The forward time loop of one block (every array the block's own, C-contiguous).

        G (T_x, rows, 4·n_a): x⟨t⟩·Wxᵀ + b on entry (σ rows halved), [Γf, Γu, Γo, c̃] on
        exit. S, C (T_x + 1, rows, n_a): S[0] = a0, C[0] = c0 on entry. tanh_C (T_x, rows,
        n_a). Wa_h (4·n_a, n_a) the state's weights (σ rows halved). Mr (T_x, rows) the mask
        when masked, else any (1, 1). Za (rows, 4·n_a) scratch.
        """
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        for k in range(T_x):
            gemm(TRANS, rows, n4, n_a, S[k], n_a, Wa_h, n_a, 0.0, Za, n4)  # a⟨t−1⟩·Waᵀ
            _rnn_numba.lstm_forward_step(G[k], Za, C[k], S[k], C[k + 1], tanh_C[k], S[k + 1],
                                         Mr[k if masked else 0], masked, approx)

    @numba.njit(nogil=True, error_model="numpy")
    def lstm_backward_loop(G, dG, tanh_C, S, C, dY, da, dc, Wa, Mr, masked, da_new):
        """The backward time loop of one block: arrays as lstm_forward_loop left them; dG
        (T_x, rows, 4·n_a) written with each step's dZ; dY (T_x, rows, n_a); da, dc (rows,
        n_a) the final states' gradients on entry, da⟨0⟩, dc⟨0⟩ on exit; Wa (4·n_a, n_a) the
        state's weights (not halved); da_new (rows, n_a) scratch."""
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        one = G.dtype.type(1.0)
        d_a, spare = da, da_new
        for k in range(T_x - 1, -1, -1):
            _rnn_numba.lstm_backward_step(G[k], dG[k], tanh_C[k], S[k + 1], C[k], d_a, dY[k],
                                          dc, Mr[k if masked else 0], masked)
            gemm(NO_TRANS, rows, n_a, n4, dG[k], n4, Wa, n_a, 0.0, spare, n_a)  # da⟨t−1⟩
            if masked:  # a padded step carries da through: da⟨t−1⟩ += (1 − M)·da⟨t⟩
                for i in range(rows):
                    keep = one - Mr[k, i]
                    for j in range(n_a):
                        spare[i, j] += keep * d_a[i, j]
            d_a, spare = spare, d_a
        if rows and d_a.ctypes.data != da.ctypes.data:  # an odd number of swaps
            da[:, :] = d_a
