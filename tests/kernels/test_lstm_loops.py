"""The whole-loop compiled LSTM (npdeep.kernels._lstm_numba through kernels.recurrent): its
products against np.matmul, its block loops against the NumPy loops of LSTMSequence, and
the layer on two blocks against one block and against the NumPy path; random shapes,
float32 and float64. Skipped without numba or without a CBLAS the loops can call."""
import numpy as np
import pytest

from npdeep import functional as F
from npdeep import kernels, threads
from npdeep.functional.recurrent.lstm import LSTMSequence
from npdeep.kernels import recurrent as compiled
from npdeep.tensor import Tensor

pytest.importorskip("numba")
if not compiled._lstm_loops():
    pytest.skip("NumPy's BLAS exports no CBLAS product for the loops", allow_module_level=True)
from npdeep.kernels import _lstm_numba  # noqa: E402

TOL = {np.float64: dict(rtol=1e-12, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}
DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def both_dtypes(monkeypatch):
    """The op sends float64 to the compiled loops too (normally float32 only)."""
    monkeypatch.setattr(compiled, "DTYPES", (np.float32, np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_products_equal_matmul(dtype):
    """product (A·B) and product_tn (Aᵀ·B) on random shapes, odd sizes and 1s included (in
    float32 the AVX-512 kernels where the CPU has them; the CBLAS product always)."""
    rng = np.random.default_rng(0)
    shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 65), (16, 128, 512), (1, 40, 3)]
    shapes += [tuple(int(v) for v in rng.integers(1, 70, size=3)) for _ in range(6)]
    for M, K, N in shapes:
        A, B = rng.standard_normal((M, K)).astype(dtype), rng.standard_normal((K, N)).astype(dtype)
        scale = np.sqrt(K)
        C = np.full((M, N), np.nan, dtype=dtype)      # beta = 0: garbage in C is ignored
        compiled.lstm_product(A, B, C)
        np.testing.assert_allclose(C, A @ B, rtol=TOL[dtype]["rtol"],
                                   atol=TOL[dtype]["atol"] * scale)
        At = np.ascontiguousarray(A.T)               # (K, M): C = Atᵀ·B
        C = np.full((M, N), np.nan, dtype=dtype)
        compiled.lstm_product(At, B, C, transpose_a=True)
        np.testing.assert_allclose(C, A @ B, rtol=TOL[dtype]["rtol"],
                                   atol=TOL[dtype]["atol"] * scale)
        C = np.full((M, N), np.nan, dtype=dtype)     # the CBLAS fallback itself
        _lstm_numba.gemm(_lstm_numba.NO_TRANS, _lstm_numba.NO_TRANS, M, N, K, A, K, B, N, 0.0,
                         C, N)
        np.testing.assert_allclose(C, A @ B, rtol=TOL[dtype]["rtol"],
                                   atol=TOL[dtype]["atol"] * scale)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True], ids=["full", "padded"])
def test_block_loops_equal_numpy_loops(dtype, masked):
    """lstm_forward_block / lstm_backward_block on one block equal the NumPy time loops (and
    the bias the forward loop adds, the db the backward loop sums, the NumPy steps)."""
    rng = np.random.default_rng(1)
    for T_x, m, n_a in [(1, 1, 3), (4, 5, 6), (3, 8, 16), (7, 2, 33)]:
        G = rng.standard_normal((T_x, m, 4 * n_a)).astype(dtype)
        S, C = (rng.standard_normal((T_x + 1, m, n_a)).astype(dtype) for _ in range(2))
        Wa = (rng.standard_normal((4 * n_a, n_a)) * 0.5).astype(dtype)
        M = (rng.random((T_x, m, 1)) < 0.6).astype(dtype) if masked else None
        ref = [G.copy(), S.copy(), C.copy(), np.empty_like(S[1:])]
        out = [G.copy(), S.copy(), C.copy(), np.empty_like(S[1:])]
        Mr = None if M is None else np.ascontiguousarray(M[:, :, 0])
        b_h = rng.standard_normal(4 * n_a).astype(dtype)
        ref[0] += b_h                                 # the NumPy path adds b to G first
        LSTMSequence._forward_steps(*ref, Wa.T, M)
        compiled.lstm_forward_block(*out, np.ascontiguousarray(Wa.T), b_h, Mr)
        for want, got in zip(ref, out):
            np.testing.assert_allclose(got, want, **TOL[dtype])
        G_f, S_f, C_f, tanh_C = ref
        dY = rng.standard_normal(tanh_C.shape).astype(dtype)
        da, dc = (rng.standard_normal((m, n_a)).astype(dtype) for _ in range(2))
        ref_b = [np.empty_like(G_f), da.copy(), dc.copy()]
        LSTMSequence._backward_steps(G_f, ref_b[0], tanh_C, S_f, C_f, dY, ref_b[1], ref_b[2],
                                     Wa, M)
        out_b = [np.empty_like(G_f), da.copy(), dc.copy()]
        db = compiled.lstm_backward_block(G_f, out_b[0], tanh_C, S_f, C_f, dY, out_b[1],
                                          out_b[2], Wa, Mr)
        for want, got in zip(ref_b + [ref_b[0].sum(axis=(0, 1))], out_b + [db]):
            np.testing.assert_allclose(got, want, **TOL[dtype])


def layer_run(arrays, lengths, reverse, use_compiled, dtype):
    """F.lstm's outputs and every gradient (a random dJ/dout, seeded)."""
    rng = np.random.default_rng(9)
    tensors = [Tensor(a, requires_grad=True, dtype=dtype) for a in arrays]
    with kernels.use(use_compiled):
        assert compiled.lstm_whole_loops(dtype) is use_compiled
        outs = F.lstm(*tensors, reverse=reverse, lengths=lengths)
        J = sum((o * Tensor(rng.standard_normal(o.shape).astype(dtype))).sum() for o in outs)
        J.backward()
    return [o.data for o in outs] + [t.grad for t in tensors]


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_on_blocks_equals_numpy_path(dtype, monkeypatch):
    """The layer split in two blocks (and in one) equals the NumPy path; two blocks give the
    same bits every run."""
    monkeypatch.setattr(threads, "_num_threads", 2)
    rng = np.random.default_rng(2)
    for m, T_x, n_x, n_a, padded, reverse in [(2, 1, 3, 4, False, False), (5, 6, 2, 7, True, True),
                                              (8, 9, 5, 16, True, False), (6, 4, 3, 5, False, True)]:
        arrays = [rng.standard_normal(shape).astype(dtype) for shape in
                  [(m, T_x, n_x), (m, n_a), (m, n_a), (4 * n_a, n_a + n_x), (4 * n_a,)]]
        lengths = rng.integers(1, T_x + 1, size=m) if padded else None
        monkeypatch.setattr(compiled, "lstm_blocks", lambda m, *_: [(0, m // 2), (m // 2, m)])
        two = layer_run(arrays, lengths, reverse, True, dtype)
        again = layer_run(arrays, lengths, reverse, True, dtype)
        for a, b in zip(two, again):
            np.testing.assert_array_equal(a, b)
        monkeypatch.setattr(compiled, "lstm_blocks", lambda m, *_: [(0, m)])
        one = layer_run(arrays, lengths, reverse, True, dtype)
        numpy_path = layer_run(arrays, lengths, reverse, False, dtype)
        for a, b, c in zip(two, one, numpy_path):
            np.testing.assert_allclose(a, c, **TOL[dtype])
            np.testing.assert_allclose(b, c, **TOL[dtype])


def test_blocks_split_without_waiting_for_pinned_blas(monkeypatch):
    monkeypatch.setattr(threads, "_num_threads", 2)
    monkeypatch.setattr(threads, "_split_used", False)
    assert compiled.lstm_blocks(32, 50, 128) == [(0, 16), (16, 32)]
    assert compiled.lstm_blocks(1, 50, 128) == [(0, 1)]
    monkeypatch.setattr(threads, "_num_threads", 1)
    assert compiled.lstm_blocks(32, 50, 128) == [(0, 32)]
