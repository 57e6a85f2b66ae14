"""The compiled LSTM / GRU time loops (npdeep.kernels.recurrent) against their NumPy twins (the
NumPy loops of LSTMSequence and GRUSequence), on random shapes, float32 and float64, T_x = 1,
m = 1, padded batches, both directions; the rational float32 tanh; repeatable batch splits.
Skipped without numba."""
import numpy as np
import pytest

from npdeep import functional as F
from npdeep import kernels, threads
from npdeep.functional.recurrent.gru import GRUSequence
from npdeep.functional.recurrent.lstm import LSTMSequence
from npdeep.kernels import recurrent as compiled
from npdeep.tensor import Tensor

pytest.importorskip("numba")

TOL = {np.float64: dict(rtol=1e-12, atol=1e-13), np.float32: dict(rtol=2e-5, atol=2e-6)}


@pytest.fixture(autouse=True)
def both_dtypes(monkeypatch):
    """The ops send float64 to the compiled loops too (normally float32 only)."""
    monkeypatch.setattr(compiled, "DTYPES", (np.float32, np.float64))


def random_case(rng, trial):
    m, T_x = int(rng.integers(1, 7)), int(rng.integers(1, 6))
    if trial == 0:
        m, T_x = 1, 1
    elif trial == 1:
        T_x = 1
    elif trial == 2:
        m = 1
    n_x, n_a = int(rng.integers(1, 6)), int(rng.integers(1, 9))
    lengths = rng.integers(1, T_x + 1, size=m) if trial % 2 else None
    return m, T_x, n_x, n_a, lengths, bool(trial % 3 == 1)


def run_layer(op, arrays, lengths, reverse, use_compiled, dtype, seed):
    """Outputs and every gradient of op (lstm / gru reset-after) on the arrays."""
    rng = np.random.default_rng(seed)
    tensors = [Tensor(a, requires_grad=True, dtype=dtype) for a in arrays]
    with kernels.use(use_compiled):
        assert compiled.takes(dtype) is use_compiled
        outs = op(*tensors, reverse=reverse, lengths=lengths)
        J = sum((o * Tensor(rng.standard_normal(o.shape).astype(dtype))).sum() for o in outs)
        J.backward()
    return [o.data for o in outs] + [t.grad for t in tensors]


def lstm_arrays(rng, m, T_x, n_x, n_a, dtype):
    return [rng.standard_normal(shape).astype(dtype) for shape in
            [(m, T_x, n_x), (m, n_a), (m, n_a), (4 * n_a, n_a + n_x), (4 * n_a,)]]


def gru_arrays(rng, m, T_x, n_x, n_a, dtype):
    return [rng.standard_normal(shape).astype(dtype) for shape in
            [(m, T_x, n_x), (m, n_a), (3 * n_a, n_a + n_x), (3 * n_a,), (n_a,)]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("whole_loop", [True, False], ids=["whole_loop", "per_step"])
def test_compiled_layer_matches_numpy(name, dtype, whole_loop, monkeypatch):
    """Both compiled paths of the ops: the whole loops of _lstm_numba, and the per-step
    kernels (the ops' own wiring of them) where NumPy's BLAS exports no CBLAS product."""
    if not whole_loop:
        monkeypatch.setattr(compiled, "_loops", False)
    elif not compiled._lstm_loops():
        pytest.skip("NumPy's BLAS exports no CBLAS product for the whole loops")
    with kernels.use(True):
        assert compiled.lstm_whole_loops(dtype) is whole_loop
    op, make = (F.lstm, lstm_arrays) if name == "lstm" else (F.gru, gru_arrays)
    rng = np.random.default_rng(1)
    for trial in range(10):
        m, T_x, n_x, n_a, lengths, reverse = random_case(rng, trial)
        arrays = make(rng, m, T_x, n_x, n_a, dtype)
        want = run_layer(op, arrays, lengths, reverse, False, dtype, trial)
        got = run_layer(op, arrays, lengths, reverse, True, dtype, trial)
        for w, g in zip(want, got):
            assert g.dtype == dtype
            np.testing.assert_allclose(g, w, **TOL[dtype])


def test_padded_steps_get_zero_gradient_on_the_compiled_path():
    rng = np.random.default_rng(2)
    arrays = lstm_arrays(rng, 3, 4, 2, 5, np.float32)
    lengths = np.array([4, 1, 2])
    X = Tensor(arrays[0], requires_grad=True)
    with kernels.use(True):
        Y, _, _ = F.lstm(X, *arrays[1:], lengths=lengths)
        Y.sum().backward()
    assert np.all(X.grad[1, 1:] == 0) and np.all(X.grad[2, 2:] == 0)
    assert np.all(Y.data[1, 1:] == 0)


def random_buffers(rng, T_x, m, n_a, n_gates, dtype, masked):
    G = rng.standard_normal((T_x, m, n_gates * n_a)).astype(dtype)
    S = rng.standard_normal((T_x + 1, m, n_a)).astype(dtype)
    M = None
    if masked:
        M = (rng.random((T_x, m, 1)) < 0.6).astype(dtype)
    Wa = (rng.standard_normal((n_gates * n_a, n_a)) * 0.5).astype(dtype)
    return G, S, M, Wa


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masked", [False, True], ids=["full", "padded"])
def test_lstm_loops_match_numpy_loops_block_by_block(dtype, masked):
    """Each compiled loop on two row blocks equals the NumPy loop on the whole batch."""
    rng = np.random.default_rng(3)
    for T_x, m, n_a in [(1, 1, 3), (4, 5, 6), (3, 8, 16)]:
        G, S, M, Wa = random_buffers(rng, T_x, m, n_a, 4, dtype, masked)
        C = rng.standard_normal(S.shape).astype(dtype)
        ref = [G.copy(), S.copy(), C.copy(), np.empty_like(S[1:])]
        LSTMSequence._forward_steps(*ref, Wa.T, M)
        out = [G.copy(), S.copy(), C.copy(), np.empty_like(S[1:])]
        for start, stop in [(0, m // 2), (m // 2, m)]:
            compiled.lstm_forward(*out, Wa.T, M, start, stop)
        for w, g in zip(ref, out):
            np.testing.assert_allclose(g, w, **TOL[dtype])
        G_f, S_f, C_f, tanh_C = ref
        dY = rng.standard_normal(tanh_C.shape).astype(dtype)
        da, dc = (rng.standard_normal((m, n_a)).astype(dtype) for _ in range(2))
        ref_b = [np.empty_like(G_f), da.copy(), dc.copy()]
        LSTMSequence._backward_steps(G_f, ref_b[0], tanh_C, S_f, C_f, dY, ref_b[1], ref_b[2],
                                     Wa, M)
        out_b = [np.empty_like(G_f), da.copy(), dc.copy()]
        for start, stop in [(0, m // 2), (m // 2, m)]:
            compiled.lstm_backward(G_f, out_b[0], tanh_C, S_f, C_f, dY, out_b[1], out_b[2], Wa,
                                   M, start, stop)
        for w, g in zip(ref_b, out_b):
            np.testing.assert_allclose(g, w, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masked", [False, True], ids=["full", "padded"])
@pytest.mark.parametrize("whole_loop", [True, False], ids=["whole_loop", "per_step"])
def test_gru_loops_match_numpy_loops_block_by_block(dtype, masked, whole_loop, monkeypatch):
    """Both compiled GRU paths: the whole loop of _lstm_numba, and the per-step kernels it
    falls back to without a CBLAS product."""
    if not whole_loop:
        monkeypatch.setattr(compiled, "_loops", False)
    rng = np.random.default_rng(4)
    for T_x, m, n_a in [(1, 1, 3), (4, 5, 6), (3, 8, 16)]:
        G, S, M, Wa = random_buffers(rng, T_x, m, n_a, 3, dtype, masked)
        bc_rec = rng.standard_normal(n_a).astype(dtype)
        ref = [G.copy(), S.copy(), np.empty_like(S[1:])]
        GRUSequence._forward_steps(*ref, Wa, bc_rec, M)
        out = [G.copy(), S.copy(), np.empty_like(S[1:])]
        for start, stop in [(0, m // 2), (m // 2, m)]:
            compiled.gru_forward(*out, Wa.T, bc_rec, M, start, stop)
        for w, g in zip(ref, out):
            np.testing.assert_allclose(g, w, **TOL[dtype])
        G_f, S_f, H = ref
        dY = rng.standard_normal(H.shape).astype(dtype)
        da = rng.standard_normal((m, n_a)).astype(dtype)
        ref_b = [da.copy(), np.empty_like(G_f), np.empty_like(H)]
        GRUSequence._backward_steps(G_f, S_f, H, dY, ref_b[0], ref_b[1], ref_b[2], Wa, M, True)
        out_b = [da.copy(), np.empty_like(G_f), np.empty_like(H)]
        for start, stop in [(0, m // 2), (m // 2, m)]:
            compiled.gru_backward(G_f, S_f, H, dY, out_b[0], out_b[1], out_b[2], Wa, M,
                                  start, stop)
        for w, g in zip(ref_b, out_b):
            np.testing.assert_allclose(g, w, **TOL[dtype])


def test_rational_tanh_error_and_range():
    from npdeep.kernels import _rnn_numba
    z = np.linspace(-12, 12, 600_001, dtype=np.float32).reshape(1, -1)
    z = np.concatenate([z, -z])
    t = np.empty_like(z)
    _rnn_numba.tanh_rows(z, t, True)
    exact = np.tanh(z.astype(np.float64))
    assert np.abs(t - exact).max() <= 3.3e-7          # the documented bound
    assert np.abs(t).max() < 1.0                       # σ in [0, 1], 1 − c̃² >= 0
    np.testing.assert_array_equal(t[0], -t[1])         # odd
    assert np.diff(t[0]).min() >= -2 * 3.3e-7         # monotone within twice the bound
    exact_path = np.empty_like(z)
    _rnn_numba.tanh_rows(z, exact_path, False)         # exact: libm's tanh
    np.testing.assert_allclose(exact_path, exact, rtol=1e-6, atol=1e-7)


def test_which_path_the_ops_take(monkeypatch):
    monkeypatch.setattr(compiled, "DTYPES", (np.float32,))   # the default
    with kernels.use(True):
        assert compiled.takes(np.float32) and not compiled.takes(np.float64)
    with kernels.use(False):
        assert not compiled.takes(np.float32)
    monkeypatch.setattr(threads, "_split_used", False)       # BLAS keeps its threads
    assert compiled.blocks(32, 50, 4, 128) == [(0, 32)]


def test_split_is_repeatable_bit_for_bit(monkeypatch):
    """Two blocks on two threads (as once BLAS is pinned): the same bits every run, and the
    same values as one block up to rounding."""
    monkeypatch.setattr(threads, "_split_used", True)
    monkeypatch.setattr(threads, "_num_threads", 2)
    assert len(compiled.blocks(8, 20, 4, 64)) == 2
    rng = np.random.default_rng(5)
    for op, make in [(F.lstm, lstm_arrays), (F.gru, gru_arrays)]:
        arrays = make(rng, 8, 20, 3, 64, np.float32)
        runs = [run_layer(op, arrays, None, False, True, np.float32, 0) for _ in range(3)]
        for later in runs[1:]:
            for a, b in zip(runs[0], later):
                np.testing.assert_array_equal(a, b)
        monkeypatch.setattr(compiled, "blocks", lambda m, *rest: [(0, m)])
        one = run_layer(op, arrays, None, False, True, np.float32, 0)
        monkeypatch.undo()
        monkeypatch.setattr(compiled, "DTYPES", (np.float32, np.float64))
        monkeypatch.setattr(threads, "_split_used", True)
        monkeypatch.setattr(threads, "_num_threads", 2)
        for a, b in zip(runs[0], one):
            np.testing.assert_allclose(a, b, **TOL[np.float32])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_compiled_float32_equals_pytorch(kind, monkeypatch):
    """The rational tanh keeps float32 within the float32 PyTorch tolerance, values and
    gradients (the compiled path as the ops take it: float32 only)."""
    from harness import torch_or_skip
    from npdeep import nn
    torch = torch_or_skip()
    monkeypatch.setattr(compiled, "DTYPES", (np.float32,))
    if kind == "lstm":
        layer, theirs = nn.LSTM(5, 16), torch.nn.LSTM(5, 16, batch_first=True)
    else:
        layer, theirs = nn.GRU(5, 16, reset_after=True), torch.nn.GRU(5, 16, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v)
                            for k, v in nn.to_torch_state_dict(layer).items()})
    rng = np.random.default_rng(6)
    X = rng.standard_normal((4, 9, 5), dtype=np.float32) * 2
    dY = rng.standard_normal((4, 9, 16), dtype=np.float32)
    X_t = torch.from_numpy(X).requires_grad_(True)
    Y_t = theirs(X_t)[0]
    Y_t.backward(torch.from_numpy(dY))
    X_n = Tensor(X, requires_grad=True)
    with kernels.use(True):
        Y, _ = layer(X_n)[:2]
        Y.backward(dY)
    np.testing.assert_allclose(Y.data, Y_t.detach().numpy(), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(X_n.grad, X_t.grad.numpy(), rtol=1e-4, atol=1e-5)
    for _, p in layer.named_parameters():
        p.data = p.grad  # to_torch_state_dict is linear in the weights (up to the z sign)
    converted = nn.to_torch_state_dict(layer)
    for name in ("weight_ih_l0", "weight_hh_l0"):
        g = getattr(theirs, name).grad.numpy()
        np.testing.assert_allclose(converted[name], g, rtol=1e-4, atol=2e-5, err_msg=name)
