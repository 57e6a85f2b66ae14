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

The same file holds the reset-after GRU's whole loops (gru_forward_loop / gru_backward_loop),
which kernels.recurrent.gru_forward / gru_backward call on the GRU op's own buffers.

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


def _find_skylakex():
    """(direct, small_nt): the AVX-512 float32 kernels of OpenBLAS's SkylakeX target that
    NumPy's bundled OpenBLAS (a DYNAMIC_ARCH build) carries and exports, or None.

    NOTE: OpenBLAS dispatches this CPU (AMD family 26, AVX-512) to its Haswell (AVX2)
    kernels: measured here on one thread, its sgemm reaches 87-126 GFLOP/s at the LSTM's
    shapes, the SkylakeX kernels 190-255 (PyTorch's oneDNN LSTM runs AVX-512 too). So where
    the CPU has the AVX-512 subsets those kernels use, the loops call them directly:
    sgemm_direct (row-major C = A·B, any sizes) and sgemm_small_kernel_b0_nt (column-major
    C = A·Bᵀ). They are internal symbols of one OpenBLAS build, not an API: when either is
    missing (another NumPy, another BLAS) or the CPU lacks AVX-512, the loops keep CBLAS.
    tests/kernels/test_lstm_loops.py compares both with NumPy's products.
    """
    try:
        import llvmlite.binding as llvm
        features = llvm.get_host_cpu_features()
    except Exception:  # noqa: BLE001 - no way to ask the CPU: keep CBLAS
        return None
    if not all(features.get(name, False) for name in ("avx512f", "avx512bw", "avx512dq",
                                                        "avx512vl")):
        return None
    here = os.path.realpath(os.path.dirname(np.__file__))
    for path in sorted(glob.glob(os.path.join(os.path.dirname(here), "numpy.libs",
                                              "*openblas64*"))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        direct = getattr(library, "sgemm_direct_SKYLAKEX", None)
        small_nt = getattr(library, "sgemm_small_kernel_b0_nt_SKYLAKEX", None)
        if direct is None or small_nt is None:
            continue
        i, p = ctypes.c_int64, ctypes.c_uint64
        direct.argtypes, direct.restype = [i, i, i, p, i, p, i, p, i], None
        small_nt.argtypes = [i, i, i, p, i, ctypes.c_float, p, i, p, i]
        small_nt.restype = ctypes.c_int
        return direct, small_nt
    return None


_cblas = _find_cblas() if ctypes.sizeof(ctypes.c_void_p) == 8 else None
_skylakex = _find_skylakex() if _cblas is not None else None
GEMM = None
if _cblas is not None:
    _sgemm, _dgemm = _cblas

    @numba.njit(nogil=True)
    def gemm(trans_a, trans_b, M, N, K, A, lda, B, ldb, beta, C, ldc):
        """C (M, N) = op(A)·op(B) + beta·C through CBLAS, row-major, op(X) = X or Xᵀ (TRANS);
        lda, ldb, ldc the row strides in elements. A, B, C C-contiguous rows of one dtype."""
        if C.itemsize == 4:  # float32 (the ops never send other dtypes)
            _sgemm(ROW_MAJOR, trans_a, trans_b, M, N, K, 1.0, A.ctypes.data, lda,
                   B.ctypes.data, ldb, beta, C.ctypes.data, ldc)
        else:
            _dgemm(ROW_MAJOR, trans_a, trans_b, M, N, K, 1.0, A.ctypes.data, lda,
                   B.ctypes.data, ldb, beta, C.ctypes.data, ldc)

    GEMM = gemm

if _skylakex is not None:
    _direct, _small_nt = _skylakex
    SKYLAKEX = True

    @numba.njit(nogil=True)
    def product(A, B, C):
        """C (M, N) = A (M, K)·B (K, N), every array 2-D and C-contiguous."""
        M, K = A.shape
        N = B.shape[1]
        if C.itemsize == 4:
            _direct(M, N, K, A.ctypes.data, K, B.ctypes.data, N, C.ctypes.data, N)
        else:
            gemm(NO_TRANS, NO_TRANS, M, N, K, A, K, B, N, 0.0, C, N)

    @numba.njit(nogil=True)
    def product_tn(A, B, C):
        """C (M, N) = Aᵀ·B for A (P, M), B (P, N), every array 2-D and C-contiguous."""
        P, M = A.shape
        N = B.shape[1]
        if C.itemsize == 4:  # row-major C = Aᵀ·B is column-major Cᵀ = Bᵀ·A: the nt kernel
            _small_nt(N, M, P, B.ctypes.data, N, 1.0, A.ctypes.data, M, C.ctypes.data, N)
        else:
            gemm(TRANS, NO_TRANS, M, N, P, A, M, B, N, 0.0, C, N)
elif GEMM is not None:
    SKYLAKEX = False

    @numba.njit(nogil=True)
    def product(A, B, C):
        """C (M, N) = A (M, K)·B (K, N), every array 2-D and C-contiguous."""
        M, K = A.shape
        N = B.shape[1]
        gemm(NO_TRANS, NO_TRANS, M, N, K, A, K, B, N, 0.0, C, N)

    @numba.njit(nogil=True)
    def product_tn(A, B, C):
        """C (M, N) = Aᵀ·B for A (P, M), B (P, N), every array 2-D and C-contiguous."""
        P, M = A.shape
        N = B.shape[1]
        gemm(TRANS, NO_TRANS, M, N, P, A, M, B, N, 0.0, C, N)


if GEMM is not None:
    @numba.njit(nogil=True, error_model="numpy")
    def lstm_forward_loop(G, S, C, tanh_C, Wa_hT, b_h, Mr, masked, approx, Za):
        """The forward time loop of one block (every array the block's own, C-contiguous).

        G (T_x, rows, 4·n_a): x⟨t⟩·Wxᵀ on entry (σ rows halved), [Γf, Γu, Γo, c̃] on
        exit. S, C (T_x + 1, rows, n_a): S[0] = a0, C[0] = c0 on entry. tanh_C (T_x, rows,
        n_a). Wa_hT (n_a, 4·n_a) the state's weights, transposed (σ columns halved); b_h
        (4·n_a,) the bias (σ part halved), added here to the step's product in cache rather
        than in a pass over all of G. Mr (T_x, rows) the mask
        when masked, else any (1, 1). Za (rows, 4·n_a) scratch.
        """
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        for k in range(T_x):
            product(S[k], Wa_hT, Za)                                        # a⟨t−1⟩·Waᵀ
            for i in range(rows):
                for j in range(n4):
                    Za[i, j] += b_h[j]
            _rnn_numba.lstm_forward_step(G[k], Za, C[k], S[k], C[k + 1], tanh_C[k], S[k + 1],
                                         Mr[k if masked else 0], masked, approx)

    @numba.njit(nogil=True, error_model="numpy")
    def lstm_backward_loop(G, dG, tanh_C, S, C, dY, da, dc, Wa, Mr, masked, da_new, db):
        """The backward time loop of one block: arrays as lstm_forward_loop left them; dG
        (T_x, rows, 4·n_a) written with each step's dZ; dY (T_x, rows, n_a); da, dc (rows,
        n_a) the final states' gradients on entry, da⟨0⟩, dc⟨0⟩ on exit; Wa (4·n_a, n_a) the
        state's weights (not halved); da_new (rows, n_a) scratch; db (4·n_a,) += the sum of
        every step's dZ over the rows (while dZ is in cache)."""
        T_x, rows, n4 = G.shape
        n_a = n4 // 4
        one = G.dtype.type(1.0)
        d_a, spare = da, da_new
        for k in range(T_x - 1, -1, -1):
            _rnn_numba.lstm_backward_step(G[k], dG[k], tanh_C[k], S[k + 1], C[k], d_a, dY[k],
                                          dc, Mr[k if masked else 0], masked)
            product(dG[k], Wa, spare)                                       # da⟨t−1⟩
            for i in range(rows):
                for j in range(n4):
                    db[j] += dG[k, i, j]
            if masked:  # a padded step carries da through: da⟨t−1⟩ += (1 − M)·da⟨t⟩
                for i in range(rows):
                    keep = one - Mr[k, i]
                    for j in range(n_a):
                        spare[i, j] += keep * d_a[i, j]
            d_a, spare = spare, d_a
        if rows and d_a.ctypes.data != da.ctypes.data:  # an odd number of swaps
            da[:, :] = d_a


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
