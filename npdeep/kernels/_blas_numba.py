"""The matrix products of the whole-loop recurrent kernels (_lstm_numba), callable from
numba without the GIL (imported only when the compiled path runs).

They call NumPy's own BLAS: its CBLAS entry points, found with ctypes in the library NumPy
bundles (so the thread count npdeep.threads sets applies), or, where the CPU has AVX-512,
OpenBLAS's AVX-512 kernels directly (see _find_skylakex).

Not cached on disk (``cache=True`` refuses functions that call a ctypes pointer).

GEMM is None when NumPy's BLAS exports no CBLAS sgemm/dgemm that ctypes can find (an MKL or
Accelerate build): then none of the products exists, and kernels.recurrent keeps its
per-step Python loop.
"""
import ctypes
import glob
import os

import numba
import numpy as np

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
    """(direct, small_nt, small_nn): the AVX-512 float32 kernels of OpenBLAS's SkylakeX target that
    NumPy's bundled OpenBLAS (a DYNAMIC_ARCH build) carries and exports, or None.

    NOTE: OpenBLAS dispatches this CPU (AMD family 26, AVX-512) to its Haswell (AVX2)
    kernels: measured here on one thread, its sgemm reaches 87-126 GFLOP/s at the LSTM's
    shapes, the SkylakeX kernels 190-255 (PyTorch's oneDNN LSTM runs AVX-512 too). So where
    the CPU has the AVX-512 subsets those kernels use, the loops call them directly:
    sgemm_direct (row-major C = A·B, any sizes and row strides), sgemm_small_kernel_b0_nt
    (column-major C = A·Bᵀ) and sgemm_small_kernel_nn (column-major C = A·B + beta·C, for
    the sum of both directions' dX). They are internal symbols of one OpenBLAS build, not an
    API: when any is
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
        small_nn = getattr(library, "sgemm_small_kernel_nn_SKYLAKEX", None)
        if direct is None or small_nt is None or small_nn is None:
            continue
        i, p, f = ctypes.c_int64, ctypes.c_uint64, ctypes.c_float
        direct.argtypes, direct.restype = [i, i, i, p, i, p, i, p, i], None
        small_nt.argtypes = [i, i, i, p, i, f, p, i, p, i]
        small_nt.restype = ctypes.c_int
        small_nn.argtypes = [i, i, i, p, i, f, p, i, f, p, i]
        small_nn.restype = ctypes.c_int
        return direct, small_nt, small_nn
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
    _direct, _small_nt = _skylakex[:2]
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


if _skylakex is not None:
    _small_nn = _skylakex[2]

    @numba.njit(nogil=True)
    def product_at(M, N, K, A, a, lda, B, b, ldb, beta, C, c, ldc):
        """C (M, N) = A (M, K)·B (K, N) + beta·C on strided rows: each matrix starts at an
        element offset (a, b, c) into its array (any shape, one dtype) and steps lda, ldb,
        ldc elements from row to row."""
        s = A.itemsize
        pa, pb, pc = A.ctypes.data + a * s, B.ctypes.data + b * s, C.ctypes.data + c * s
        if s != 4:
            _dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 1.0, pa, lda, pb, ldb, beta, pc, ldc)
        elif beta == 0.0:
            _direct(M, N, K, pa, lda, pb, ldb, pc, ldc)
        else:  # row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: the nn kernel, operands swapped
            _small_nn(N, M, K, pb, ldb, 1.0, pa, lda, beta, pc, ldc)

    @numba.njit(nogil=True)
    def product_tn_at(M, N, P, A, lda, B, ldb, C, ldc):
        """C (M, N) = Aᵀ·B for A (P, M), B (P, N) with row strides lda, ldb (C: ldc)."""
        if C.itemsize == 4:
            _small_nt(N, M, P, B.ctypes.data, ldb, 1.0, A.ctypes.data, lda, C.ctypes.data, ldc)
        else:
            _dgemm(ROW_MAJOR, TRANS, NO_TRANS, M, N, P, 1.0, A.ctypes.data, lda, B.ctypes.data,
                   ldb, 0.0, C.ctypes.data, ldc)
elif GEMM is not None:
    @numba.njit(nogil=True)
    def product_at(M, N, K, A, a, lda, B, b, ldb, beta, C, c, ldc):
        """As the AVX-512 twin above, through CBLAS."""
        s = A.itemsize
        pa, pb, pc = A.ctypes.data + a * s, B.ctypes.data + b * s, C.ctypes.data + c * s
        if s == 4:
            _sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 1.0, pa, lda, pb, ldb, beta, pc, ldc)
        else:
            _dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 1.0, pa, lda, pb, ldb, beta, pc, ldc)

    @numba.njit(nogil=True)
    def product_tn_at(M, N, P, A, lda, B, ldb, C, ldc):
        """C (M, N) = Aᵀ·B for A (P, M), B (P, N) with row strides lda, ldb (C: ldc)."""
        if C.itemsize == 4:
            _sgemm(ROW_MAJOR, TRANS, NO_TRANS, M, N, P, 1.0, A.ctypes.data, lda, B.ctypes.data,
                   ldb, 0.0, C.ctypes.data, ldc)
        else:
            _dgemm(ROW_MAJOR, TRANS, NO_TRANS, M, N, P, 1.0, A.ctypes.data, lda, B.ctypes.data,
                   ldb, 0.0, C.ctypes.data, ldc)
