"""The whole-block compiled LSTM (npdeep.kernels._lstm_numba through kernels.recurrent and
npdeep.functional.recurrent.lstm_blocks): its products against np.matmul, its block kernels
against the NumPy loops of LSTMSequence, and the layer (one direction and bidirectional) on
two blocks against one block and against the NumPy path; random shapes, float32 and
float64. Skipped without numba or without a CBLAS the loops can call."""
import numpy as np
import pytest

from npdeep import functional as F
from npdeep import kernels, threads
from npdeep.functional.recurrent import common, lstm_blocks
from npdeep.functional.recurrent.lstm import LSTMSequence
from npdeep.functional.recurrent.lstm_bi import lstm_bidirectional
from npdeep.kernels import recurrent as compiled
from npdeep.tensor import Tensor

pytest.importorskip("numba")
if not compiled._lstm_loops():
    pytest.skip("NumPy's BLAS exports no CBLAS product for the loops", allow_module_level=True)
from npdeep.kernels import _blas_numba  # noqa: E402

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
        _blas_numba.gemm(_blas_numba.NO_TRANS, _blas_numba.NO_TRANS, M, N, K, A, K, B, N, 0.0,
                         C, N)
        np.testing.assert_allclose(C, A @ B, rtol=TOL[dtype]["rtol"],
                                   atol=TOL[dtype]["atol"] * scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_strided_products_equal_matmul(dtype):
    """product_at (C = A·B + beta·C) and product_tn_at (C = Aᵀ·B) on sub-matrices of larger
    arrays, at element offsets and row strides, as the block kernels call them; the rest of
    C untouched."""
    rng = np.random.default_rng(3)
    for M, K, N in [(1, 1, 1), (3, 5, 7), (16, 128, 512), (17, 33, 65), (5, 64, 3)]:
        A = rng.standard_normal((M, K + 3)).astype(dtype)        # A = A[:, 2:K + 2]
        B = rng.standard_normal((K, N + 1)).astype(dtype)        # B = B[:, 1:]
        C0 = rng.standard_normal((M, N + 4)).astype(dtype)       # C = C[:, 3:N + 3]
        want0 = A[:, 2:K + 2] @ B[:, 1:]
        for beta in (0.0, 1.0):
            C = C0.copy()
            _blas_numba.product_at(M, N, K, A, 2, K + 3, B, 1, N + 1, beta, C, 3, N + 4)
            want = C0.copy()
            want[:, 3:N + 3] = want0 + beta * C0[:, 3:N + 3]
            np.testing.assert_allclose(C, want, rtol=TOL[dtype]["rtol"],
                                       atol=TOL[dtype]["atol"] * np.sqrt(K))
        P = K
        At = rng.standard_normal((P, M + 2)).astype(dtype)       # rows of M + 2: lda
        Bt = rng.standard_normal((P, N + 1)).astype(dtype)
        C = np.full((M, N + 4), np.nan, dtype=dtype)
        _blas_numba.product_tn_at(M, N, P, At, M + 2, Bt, N + 1, C, N + 4)
        np.testing.assert_allclose(C[:, :N], At[:, :M].T @ Bt[:, :N], rtol=TOL[dtype]["rtol"],
                                   atol=TOL[dtype]["atol"] * np.sqrt(P))
        assert np.isnan(C[:, N:]).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True], ids=["full", "padded"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forwards", "reverse"])
def test_block_kernels_equal_numpy_loops(dtype, masked, reverse):
    """lstm_block_forward / lstm_block_backward on one block (the whole batch) equal the
    NumPy time loops of LSTMSequence: every saved array (in the block layout of _lstm_numba:
    time order, states in slot t + off), the packed output, and back dZ, dX, dW, db, da0, dc0;
    a second direction's dX (beta 1) adds to the first's."""
    rng = np.random.default_rng(1)
    for T_x, m, n_x, n_a in [(1, 1, 2, 3), (4, 5, 3, 6), (3, 8, 5, 16), (7, 2, 1, 33)]:
        X, a0, c0 = (rng.standard_normal(shape).astype(dtype)
                     for shape in [(m, T_x, n_x), (m, n_a), (m, n_a)])
        W = (rng.standard_normal((4 * n_a, n_a + n_x)) * 0.5).astype(dtype)
        b = rng.standard_normal(4 * n_a).astype(dtype)
        lengths = rng.integers(1, T_x + 1, size=m) if masked else None
        # The NumPy loops, processing order (as LSTMSequence.forward runs them).
        Wa, Wx = common.split_weights(W, n_a)
        Wa_h, Wx_h, b_h = common.half_sigmoid_rows((Wa, Wx, b), 3 * n_a)
        M = common.step_mask(lengths, T_x, reverse, dtype)
        Xp = common.to_processing_order(X, reverse)
        G = Xp @ Wx_h.T + b_h
        S, C = np.empty((T_x + 1, m, n_a), dtype), np.empty((T_x + 1, m, n_a), dtype)
        S[0], C[0] = a0, c0
        tanh_C = np.empty((T_x, m, n_a), dtype)
        LSTMSequence._forward_steps(G, S, C, tanh_C, Wa_h.T, M)
        # The compiled block.
        d = lstm_blocks.Direction(a0, c0, W, b, reverse, 1)
        d.prepare()
        np.testing.assert_array_equal(d.WaT, Wa_h.T)
        np.testing.assert_array_equal(d.WxT, Wx_h.T)
        np.testing.assert_array_equal(d.b_h, b_h)
        masked_, Mt = lstm_blocks.time_mask(lengths, m, T_x, dtype)
        H, C_b = np.empty((T_x + 1, m, n_a + n_x), dtype), np.empty((T_x + 1, m, n_a), dtype)
        G_b, tanh_b = np.empty((T_x, m, 4 * n_a), dtype), np.empty((T_x, m, n_a), dtype)
        out = np.full((m, T_x + 2, n_a + 2), np.nan, dtype)   # columns 1..n_a: this one's
        compiled.lstm_block_forward(X, 0, reverse, d.WaT, d.WxT, d.b_h, d.a0, d.c0, H, G_b,
                                    C_b, tanh_b, np.empty((m, 4 * n_a), dtype), out, 1, Mt,
                                    masked_, dtype == np.float32)
        order = slice(None, None, -1) if reverse else slice(None)   # processing <-> time
        for got, want in [(G_b, G[order]), (tanh_b, tanh_C[order]), (H[order, :, :n_a], S),
                          (C_b[order], C), (H[order][:T_x, :, n_a:], Xp),
                          (out[:, :T_x, 1:-1], common.from_processing_order(
                              common.masked_output(S[1:], M), reverse)),
                          (out[:, T_x, 1:-1], S[T_x]), (out[:, T_x + 1, 1:-1], C[T_x])]:
            np.testing.assert_allclose(got, want, **TOL[dtype])
        assert np.isnan(out[:, :, [0, -1]]).all()                    # other columns untouched
        # Back.
        dout = rng.standard_normal(out.shape).astype(dtype)
        dY, (da, dc) = common.unpack_grad(dout[:, :, 1:-1], T_x, 2, reverse)
        dG = np.empty_like(G)
        LSTMSequence._backward_steps(G, dG, tanh_C, S, C, dY, da, dc, Wa, M)
        dG2 = dG.reshape(T_x * m, 4 * n_a)
        dW = np.concatenate([dG2.T @ S[:T_x].reshape(T_x * m, n_a),
                             dG2.T @ Xp.reshape(T_x * m, n_x)], axis=1)
        dX = common.input_gradient(dG2, Wx, T_x, m, reverse)
        dG_b = np.full((T_x + 1, m, 4 * n_a), np.nan, dtype)      # the spare slot is zeroed
        dX_b, dW_b, db_b = np.ones_like(X), np.empty_like(W), np.empty_like(b)
        da0, dc0 = np.empty((m, n_a), dtype), np.empty((m, n_a), dtype)
        scratch = [np.empty((m, n_a), dtype) for _ in range(3)]
        for beta in (0.0, 1.0):
            compiled.lstm_block_backward(dout, 0, reverse, 1, d.Wa, d.Wx, H, G_b, C_b, tanh_b,
                                         dG_b, True, dX_b, beta, True, dW_b, db_b, da0, dc0,
                                         *scratch, Mt, masked_)
            slots = dG_b[1:][::-1] if reverse else dG_b[:T_x]
            for got, want in [(slots, dG), (dW_b, dW), (db_b, dG2.sum(axis=0)), (da0, da),
                              (dc0, dc), (dX_b, dX * (1 + beta))]:
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


def bidirectional_run(arrays, lengths, use_compiled, dtype):
    """lstm_bidirectional's outputs and every gradient (a random dJ/dout, seeded)."""
    rng = np.random.default_rng(8)
    X, a0, c0, W, b, a0_r, c0_r, W_r, b_r = [Tensor(a, requires_grad=True, dtype=dtype)
                                             for a in arrays]
    with kernels.use(use_compiled):
        assert compiled.lstm_whole_loops(dtype) is use_compiled
        Y, (a_T, c_T), (a_r, c_r) = lstm_bidirectional(X, (a0, c0), (a0_r, c0_r), W, b, W_r,
                                                        b_r, lengths=lengths)
        outs = [Y, a_T, c_T, a_r, c_r]
        J = sum((o * Tensor(rng.standard_normal(o.shape).astype(dtype))).sum() for o in outs)
        J.backward()
    return [o.data for o in outs] + [t.grad for t in (X, a0, c0, W, b, a0_r, c0_r, W_r, b_r)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_bidirectional_on_blocks_equals_numpy_path(dtype, monkeypatch):
    """Both directions in each block's thread (dX of the second added to the first's) equal
    the NumPy path; two blocks give the same bits every run."""
    monkeypatch.setattr(threads, "_num_threads", 2)
    rng = np.random.default_rng(4)
    for m, T_x, n_x, n_a, padded in [(2, 1, 3, 4, False), (5, 6, 2, 7, True), (8, 9, 5, 16, True)]:
        shapes = [(m, n_a), (m, n_a), (4 * n_a, n_a + n_x), (4 * n_a,)]
        arrays = [rng.standard_normal(shape).astype(dtype)
                  for shape in [(m, T_x, n_x)] + shapes + shapes]
        lengths = rng.integers(1, T_x + 1, size=m) if padded else None
        monkeypatch.setattr(compiled, "lstm_blocks", lambda m, *_: [(0, m // 2), (m // 2, m)])
        two = bidirectional_run(arrays, lengths, True, dtype)
        for a, b in zip(two, bidirectional_run(arrays, lengths, True, dtype)):
            np.testing.assert_array_equal(a, b)
        for a, c in zip(two, bidirectional_run(arrays, lengths, False, dtype)):
            np.testing.assert_allclose(a, c, **TOL[dtype])


def test_blocks_split_without_waiting_for_pinned_blas(monkeypatch):
    monkeypatch.setattr(threads, "_num_threads", 2)
    monkeypatch.setattr(threads, "_split_used", False)
    assert compiled.lstm_blocks(32, 50, 128) == [(0, 16), (16, 32)]
    assert compiled.lstm_blocks(1, 50, 128) == [(0, 1)]
    monkeypatch.setattr(threads, "_num_threads", 1)
    assert compiled.lstm_blocks(32, 50, 128) == [(0, 32)]
