"""rnn, lstm, gru (fused): gradient checks, the course's loop reference, lengths, and errors.

PyTorch comparisons of the same ops, through the layers, are in tests/nn/test_recurrent.py.
"""
import numpy as np
import pytest

from harness import assert_gradcheck, randn, split_over_two_threads
from npdeep import functional as F
from npdeep.functional.recurrent.lstm_bi import lstm_bidirectional
from npdeep.reference import gru as ref_gru
from npdeep.reference import lstm as ref_lstm
from npdeep.reference import rnn as ref_rnn
from npdeep.tensor import Tensor

# (m, T_x, n_x, n_a, lengths): small, since gradcheck is O(size²); T = 1 and m = 1 included.
CASES = [
    (3, 4, 2, 3, None),
    (3, 4, 2, 3, (4, 2, 1)),
    (1, 1, 3, 2, None),
    (1, 5, 2, 2, (3,)),
    (2, 1, 2, 3, (1, 1)),
    (4, 3, 1, 2, (1, 3, 2, 3)),
]
GATES = {"rnn": 1, "lstm": 4, "gru": 3, "gru_after": 3}


def make(kind, m, T_x, n_x, n_a, seed=0, scale=0.7):
    """X, the initial state(s) and the fused weights of one op, float64, all requiring grad."""
    G = GATES[kind]
    X = randn(m, T_x, n_x, seed=seed)
    states = [randn(m, n_a, seed=seed + 1)]
    if kind == "lstm":
        states.append(randn(m, n_a, seed=seed + 2))
    W = randn(G * n_a, n_a + n_x, seed=seed + 3, scale=scale)
    b = randn(G * n_a, seed=seed + 4, scale=scale)
    weights = [W, b] + ([randn(n_a, seed=seed + 5, scale=scale)] if kind == "gru_after" else [])
    return X, states, weights


def run(kind, X, states, weights, reverse=False, lengths=None, nonlinearity="tanh"):
    """(Y, finals...) of the op ``kind``."""
    if kind == "rnn":
        return F.rnn(X, states[0], *weights, nonlinearity=nonlinearity, reverse=reverse,
                     lengths=lengths)
    if kind == "lstm":
        return F.lstm(X, states[0], states[1], *weights, reverse=reverse, lengths=lengths)
    return F.gru(X, states[0], *weights, reverse=reverse, lengths=lengths)


def cost(outputs, seed=7):
    """A scalar that weighs every output and every final state differently."""
    total = None
    for k, out in enumerate(outputs):
        R = np.random.default_rng(seed + k).standard_normal(out.shape)
        term = (out * R).sum() + (out * out).sum() * 0.5
        total = term if total is None else total + term
    return total


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_after"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_gradcheck(kind, reverse, case):
    m, T_x, n_x, n_a, lengths = case
    X, states, weights = make(kind, m, T_x, n_x, n_a)
    lengths = None if lengths is None else np.array(lengths)
    n_states = len(states)

    def fn(X, *rest):
        return cost(run(kind, X, list(rest[:n_states]), list(rest[n_states:]), reverse,
                        lengths))

    assert_gradcheck(fn, [X] + states + weights)


@pytest.mark.parametrize("reverse", [False, True])
def test_rnn_relu_gradcheck(reverse):
    X, states, weights = make("rnn", 3, 4, 2, 3)
    lengths = np.array([4, 1, 3])
    assert_gradcheck(lambda X, a0, W, b: cost(F.rnn(X, a0, W, b, nonlinearity="relu",
                                                    reverse=reverse, lengths=lengths)),
                     [X] + states + weights)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_after"])
@pytest.mark.parametrize("reverse", [False, True])
def test_padded_steps_get_exactly_zero_gradient_and_change_nothing(kind, reverse):
    m, T_x, n_x, n_a = 3, 5, 2, 3
    lengths = np.array([5, 2, 3])
    X, states, weights = make(kind, m, T_x, n_x, n_a)
    outputs = run(kind, X, states, weights, reverse, lengths)
    cost(outputs).backward()
    padded = np.arange(T_x)[None, :] >= lengths[:, None]          # (m, T_x)
    assert np.all(X.grad[padded] == 0.0)
    assert np.all(np.abs(X.grad[~padded]).sum(axis=-1) > 0)
    assert np.all(outputs[0].data[padded] == 0.0)
    # Other values at the padded steps change no output and no gradient of the weights.
    grads = [w.grad.copy() for w in weights]
    X2 = Tensor(np.where(padded[:, :, None], 1e3, X.data), requires_grad=True)
    for w in weights:
        w.grad = None
    outputs2 = run(kind, X2, states, weights, reverse, lengths)
    cost(outputs2).backward()
    for out, out2 in zip(outputs, outputs2):
        np.testing.assert_array_equal(out.data, out2.data)
    for g, w in zip(grads, weights):
        np.testing.assert_allclose(w.grad, g, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_after"])
@pytest.mark.parametrize("reverse", [False, True])
def test_lengths_equal_each_sequence_run_alone(kind, reverse):
    m, T_x, n_x, n_a = 3, 6, 2, 4
    lengths = np.array([6, 1, 4])
    X, states, weights = make(kind, m, T_x, n_x, n_a)
    Y, *finals = run(kind, X, states, weights, reverse, lengths)
    for i, n in enumerate(lengths):
        alone = run(kind, X[i:i + 1, :n], [s[i:i + 1] for s in states], weights, reverse)
        np.testing.assert_allclose(Y.data[i, :n], alone[0].data[0], rtol=1e-12, atol=1e-14)
        for final, final_alone in zip(finals, alone[1:]):
            np.testing.assert_allclose(final.data[i], final_alone.data[0], rtol=1e-12,
                                       atol=1e-14)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_after"])
def test_reverse_is_forward_on_the_reversed_sequence(kind):
    X, states, weights = make(kind, 2, 5, 3, 2)
    Y, *finals = run(kind, X, states, weights, reverse=True)
    Y_f, *finals_f = run(kind, Tensor(X.data[:, ::-1]), states, weights)
    np.testing.assert_allclose(Y.data, Y_f.data[:, ::-1], rtol=1e-12, atol=1e-14)
    for a, b in zip(finals, finals_f):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


def test_float32_in_float32_out():
    X, states, weights = make("lstm", 2, 3, 2, 3)
    X32, s32, w32 = (Tensor(X.data.astype(np.float32), requires_grad=True),
                     [Tensor(s.data.astype(np.float32)) for s in states],
                     [Tensor(w.data.astype(np.float32), requires_grad=True) for w in weights])
    Y, a, c = F.lstm(X32, *s32, *w32)
    assert Y.dtype == a.dtype == c.dtype == np.float32
    Y.sum().backward()
    assert X32.grad.dtype == w32[0].grad.dtype == np.float32
    Y64 = F.lstm(X, *states, *weights)[0]
    np.testing.assert_allclose(Y.data, Y64.data, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- the course's loops
def columns(X):
    """Batch-first (m, T_x, n) -> the course's column layout (n, m, T_x)."""
    return np.ascontiguousarray(X.transpose(2, 0, 1))


def test_rnn_equals_the_course_loop():
    m, T_x, n_x, n_a = 3, 5, 4, 3
    X, (a0,), (W, b) = make("rnn", m, T_x, n_x, n_a)
    parameters = {"Waa": W.data[:, :n_a], "Wax": W.data[:, n_a:], "ba": b.data[:, None],
                  "Wya": np.zeros((2, n_a)), "by": np.zeros((2, 1))}
    a, _, caches = ref_rnn.rnn_forward(columns(X.data), a0.data.T, parameters)
    Y, _ = F.rnn(X, a0, W, b)
    np.testing.assert_allclose(Y.data, a.transpose(1, 2, 0), rtol=1e-12, atol=1e-14)
    dY = np.random.default_rng(3).standard_normal(Y.shape)
    (Y * dY).sum().backward()
    grads = ref_rnn.rnn_backward(columns(dY), caches)
    np.testing.assert_allclose(X.grad, grads["dx"].transpose(1, 2, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a0.grad, grads["da0"].T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W.grad, np.concatenate([grads["dWaa"], grads["dWax"]], axis=1),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad, grads["dba"][:, 0], rtol=1e-10, atol=1e-12)


def test_rnn_cell_equals_the_course_cell():
    X, (a0,), (W, b) = make("rnn", 3, 1, 4, 2)
    parameters = {"Waa": W.data[:, :2], "Wax": W.data[:, 2:], "ba": b.data[:, None],
                  "Wya": np.zeros((1, 2)), "by": np.zeros((1, 1))}
    a_next, _, _ = ref_rnn.rnn_cell_forward(X.data[:, 0].T, a0.data.T, parameters)
    np.testing.assert_allclose(F.rnn_cell(X[:, 0], a0, W, b).data, a_next.T, rtol=1e-12)


def course_parameters(W, b, n_a, gates):
    """The course's dictionary (W<g> (n_a, n_a + n_x), b<g> (n_a, 1)) from the fused W, b
    whose row blocks are ``gates`` in order, and each gate's rows."""
    blocks = {g: slice(k * n_a, (k + 1) * n_a) for k, g in enumerate(gates)}
    parameters = {}
    for g, rows in blocks.items():
        parameters["W" + g] = W.data[rows]
        parameters["b" + g] = b.data[rows, None]
    return parameters, blocks


def lstm_parameters(W, b, n_a):
    """The course's LSTM dictionary from the fused [Wf; Wu; Wo; Wc] (Wi is the course's Wu)."""
    parameters, blocks = course_parameters(W, b, n_a, "fioc")
    parameters.update(Wy=np.zeros((2, n_a)), by=np.zeros((2, 1)))
    return parameters, blocks


def assert_gate_gradients(W, b, grads, blocks):
    """The fused W.grad, b.grad equal the course loop's dW<g>, db<g>, block by block."""
    for g, rows in blocks.items():
        np.testing.assert_allclose(W.grad[rows], grads["dW" + g], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.grad[rows], grads["db" + g][:, 0], rtol=1e-10, atol=1e-12)


def test_lstm_equals_the_course_loop():
    m, T_x, n_x, n_a = 3, 5, 4, 3
    X, (a0, c0), (W, b) = make("lstm", m, T_x, n_x, n_a)
    c0 = Tensor(np.zeros((m, n_a)))  # the course's lstm_forward starts at c⟨0⟩ = 0
    parameters, blocks = lstm_parameters(W, b, n_a)
    a, _, c, caches = ref_lstm.lstm_forward(columns(X.data), a0.data.T, parameters)
    Y, a_T, c_T = F.lstm(X, a0, c0, W, b)
    np.testing.assert_allclose(Y.data, a.transpose(1, 2, 0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_T.data, c[:, :, -1].T, rtol=1e-12, atol=1e-14)
    dY = np.random.default_rng(3).standard_normal(Y.shape)
    (Y * dY).sum().backward()
    grads = ref_lstm.lstm_backward(columns(dY), caches)
    np.testing.assert_allclose(X.grad, grads["dx"].transpose(1, 2, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a0.grad, grads["da0"].T, rtol=1e-10, atol=1e-12)
    assert_gate_gradients(W, b, grads, blocks)


def test_lstm_cell_equals_the_course_cell():
    X, (a0, c0), (W, b) = make("lstm", 3, 1, 4, 2)
    parameters, _ = lstm_parameters(W, b, 2)
    a_next, c_next, _, _ = ref_lstm.lstm_cell_forward(X.data[:, 0].T, a0.data.T, c0.data.T,
                                                      parameters)
    a, c = F.lstm_cell(X[:, 0], a0, c0, W, b)
    np.testing.assert_allclose(a.data, a_next.T, rtol=1e-12)
    np.testing.assert_allclose(c.data, c_next.T, rtol=1e-12)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_equals_the_course_loop(reset_after):
    m, T_x, n_x, n_a = 3, 5, 4, 3
    kind = "gru_after" if reset_after else "gru"
    X, (a0,), weights = make(kind, m, T_x, n_x, n_a)
    W, b = weights[:2]
    parameters, blocks = course_parameters(W, b, n_a, "urc")
    if reset_after:
        parameters["bc_rec"] = weights[2].data[:, None]
    c, _, caches = ref_gru.gru_forward(columns(X.data), a0.data.T, parameters, reset_after)
    Y, _ = F.gru(X, a0, *weights)
    np.testing.assert_allclose(Y.data, c.transpose(1, 2, 0), rtol=1e-12, atol=1e-14)
    dY = np.random.default_rng(3).standard_normal(Y.shape)
    (Y * dY).sum().backward()
    grads = ref_gru.gru_backward(columns(dY), caches)
    np.testing.assert_allclose(X.grad, grads["dx"].transpose(1, 2, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a0.grad, grads["dc0"].T, rtol=1e-10, atol=1e-12)
    assert_gate_gradients(W, b, grads, blocks)
    if reset_after:
        np.testing.assert_allclose(weights[2].grad, grads["dbc_rec"][:, 0], rtol=1e-10,
                                   atol=1e-12)


def test_gru_cell_equals_the_course_cell():
    X, (a0,), (W, b, bc_rec) = make("gru_after", 3, 1, 4, 2)
    parameters, _ = course_parameters(W, b, 2, "urc")
    parameters["bc_rec"] = bc_rec.data[:, None]
    c_next, _, _ = ref_gru.gru_cell_forward(X.data[:, 0].T, a0.data.T, parameters, True)
    np.testing.assert_allclose(F.gru_cell(X[:, 0], a0, W, b, bc_rec).data, c_next.T,
                               rtol=1e-12)


# ---------------------------------------------------------------------------- bad input
def test_lengths_out_of_range_are_refused():
    X, states, weights = make("lstm", 3, 4, 2, 3)
    with pytest.raises(ValueError, match=r"lstm: every length must be in \[1, T_x\] = \[1, 4\]"
                                         r".*lengths\[1\] = 5"):
        run("lstm", X, states, weights, lengths=np.array([4, 5, 1]))
    with pytest.raises(ValueError, match=r"lengths\[2\] = 0"):
        run("lstm", X, states, weights, lengths=np.array([4, 2, 0]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(m,\) = \(3,\).*\(2,\)"):
        run("lstm", X, states, weights, lengths=np.array([4, 2]))
    with pytest.raises(TypeError, match="lengths must be integers"):
        run("lstm", X, states, weights, lengths=np.array([4.5, 2, 1]))


def test_wrong_shapes_are_refused():
    X, states, weights = make("gru", 3, 4, 2, 3)
    with pytest.raises(ValueError, match=r"gru expected a batch of sequences of shape "
                                         r"\(m, T_x, n_x\) but got \(3, 2\) \(rank 2\)"):
        F.gru(X[:, 0], *states, *weights)
    with pytest.raises(ValueError, match=r"gru: W must have shape \(3·n_a, n_a \+ n_x\) for "
                                         r"inputs with n_x = 3 .* but got \(9, 5\)"):
        F.gru(Tensor(np.zeros((3, 4, 3))), *states, *weights)
    with pytest.raises(ValueError, match=r"gru: the initial state a0 must have shape \(m, n_a\)"
                                         r" = \(3, 3\) but got \(2, 3\)"):
        F.gru(X, states[0][:2], *weights)
    with pytest.raises(ValueError, match=r"lstm: W must have shape \(4·n_a, n_a \+ n_x\)"):
        F.lstm(X, None, None, *weights)
    with pytest.raises(ValueError, match="rnn_cell: xt must have shape"):
        F.rnn_cell(X, None, randn(3, 5), randn(3))
    with pytest.raises(ValueError, match="The 'nonlinearity' parameter of rnn"):
        F.rnn(X, None, randn(3, 5), randn(3), nonlinearity="sigmoid")


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_after"])
def test_reused_buffers_never_leak_between_calls(kind):
    # The ops keep their large arrays in a pool between calls; a retained graph keeps its own.
    X, states, weights = make(kind, 2, 3, 2, 3)
    outputs = run(kind, X, states, weights)
    J = cost(outputs)
    J.backward(retain_graph=True)
    first = [t.grad.copy() for t in [X] + weights]
    for t in [X] + weights:
        t.grad = None
    for seed in range(3):  # other calls of the same shapes in between, forward and backward
        other = make(kind, 2, 3, 2, 3, seed=10 + seed)
        cost(run(kind, *other)).backward()
    J.backward()
    for g, t in zip(first, [X] + weights):
        np.testing.assert_array_equal(t.grad, g)
    again = run(kind, X, states, weights)
    for a, b in zip(outputs, again):
        np.testing.assert_array_equal(a.data, b.data)


def test_cells_take_a_step_given_as_nested_lists():
    # rnn_cell and gru_cell raised AttributeError on a list, which lstm_cell accepted; the
    # three cells now read x⟨t⟩ the same way.
    X, (a0,), (W, b) = make("gru", 2, 1, 3, 2)
    np.testing.assert_array_equal(F.gru_cell(X.data[:, 0].tolist(), a0, W, b).data,
                                  F.gru_cell(X[:, 0], a0, W, b).data)
    X, (a0,), (W, b) = make("rnn", 2, 1, 3, 2)
    np.testing.assert_array_equal(F.rnn_cell(X.data[:, 0].tolist(), a0, W, b).data,
                                  F.rnn_cell(X[:, 0], a0, W, b).data)


# ------------------------------------------------------------ the fused bidirectional LSTM
def _bidirectional_inputs(m, T_x, n_x, n_a, dtype=np.float64):
    X, states, weights = make("lstm", m, T_x, n_x, n_a)
    _, states_r, weights_r = make("lstm", m, T_x, n_x, n_a, seed=10)
    cast = [Tensor(t.data.astype(dtype), requires_grad=True)
            for t in [X] + states + weights + states_r + weights_r]
    return cast


@pytest.mark.parametrize("case", CASES)
def test_lstm_bidirectional_gradcheck(case):
    m, T_x, n_x, n_a, lengths = case
    lengths = None if lengths is None else np.array(lengths)

    def fn(X, a0, c0, W, b, a0_r, c0_r, W_r, b_r):
        Y, last, last_r = lstm_bidirectional(X, (a0, c0), (a0_r, c0_r), W, b, W_r, b_r,
                                             lengths=lengths)
        return cost([Y, *last, *last_r])

    assert_gradcheck(fn, _bidirectional_inputs(m, T_x, n_x, n_a))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lengths", [None, (7, 3, 1, 7, 5)])
def test_lstm_bidirectional_equals_two_lstm_calls_bit_for_bit(dtype, lengths):
    # float32 takes the compiled path where numba is on: there the fused op runs both
    # directions through the same block kernels as two lstm calls (lstm_blocks), elsewhere
    # each direction's LSTMSequence, so values and gradients are the same bits.
    _assert_bidirectional_equals_two_lstm_calls(dtype, lengths)


@pytest.mark.parametrize("lengths", [None, (7, 3, 1, 7, 5)])
def test_lstm_bidirectional_equals_two_lstm_calls_with_the_batch_split(monkeypatch, lengths):
    # The compiled path's batch blocks on two threads: each direction's output written into
    # its half of the op's output, the reverse direction's dX added into the forward's.
    from npdeep.kernels import recurrent as compiled
    with split_over_two_threads(monkeypatch, compiled, "MIN_FLOPS_PER_THREAD"):
        if compiled.lstm_whole_loops(np.float32):  # the batch of 5 is split indeed
            assert compiled.lstm_blocks(5, 7, 4) == [(0, 3), (3, 5)]
        _assert_bidirectional_equals_two_lstm_calls(np.float32, lengths)


def _assert_bidirectional_equals_two_lstm_calls(dtype, lengths):
    lengths = None if lengths is None else np.array(lengths)
    inputs = _bidirectional_inputs(5, 7, 3, 4, dtype)
    X, a0, c0, W, b, a0_r, c0_r, W_r, b_r = inputs
    Y, last, last_r = lstm_bidirectional(X, (a0, c0), (a0_r, c0_r), W, b, W_r, b_r,
                                         lengths=lengths)
    cost([Y, *last, *last_r]).backward()
    fused = [Y.data, *(s.data for s in last + last_r)] + [t.grad.copy() for t in inputs]
    for t in inputs:
        t.grad = None
    Yf, *last = F.lstm(X, a0, c0, W, b, lengths=lengths)
    Yr, *last_r = F.lstm(X, a0_r, c0_r, W_r, b_r, reverse=True, lengths=lengths)
    Y2 = F.concatenate([Yf, Yr], axis=2)
    cost([Y2, *last, *last_r]).backward()
    apart = [Y2.data, *(s.data for s in last + last_r)] + [t.grad for t in inputs]
    assert fused[0].dtype == dtype
    for got, expected in zip(fused, apart):
        np.testing.assert_array_equal(got, expected)


def test_lstm_bidirectional_refuses_directions_of_different_sizes():
    X, a0, c0, W, b, *_ = _bidirectional_inputs(2, 3, 2, 3)
    _, _, _, W_r, b_r, *_ = _bidirectional_inputs(2, 3, 2, 4)
    with pytest.raises(ValueError, match=r"lstm_bidirectional: both directions must have the "
                                         r"same n_a; got W of shape \(12, 5\) and W_r of "
                                         r"shape \(16, 6\)"):
        lstm_bidirectional(X, (a0, c0), (None, None), W, b, W_r, b_r)


@pytest.mark.parametrize("shape", [(3,), (5, 7), (2, 3, 5), (0, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_aligned_buffers_start_on_a_cache_line(shape, dtype):
    from npdeep.functional.recurrent import common
    for make_array in (common.empty_aligned, common.take_aligned):
        A = make_array(shape, dtype)
        assert A.shape == shape and A.dtype == dtype and A.flags.c_contiguous
        assert A.size == 0 or A.ctypes.data % common.ALIGN == 0
        A[...] = 1.0          # writable, and its own memory
        common.pool.give(A)
