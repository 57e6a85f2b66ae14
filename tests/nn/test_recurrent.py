"""RNN, LSTM, GRU layers and cells: gradient checks, PyTorch with copied weights, the API, errors.

The fused ops under them are checked against the course's loops in
tests/functional/test_recurrent.py.
"""
import numpy as np
import pytest

import npdeep
from harness import assert_gradcheck, torch_or_skip
from npdeep import nn
from npdeep.tensor import Tensor

LAYERS = {"rnn": lambda *a, **k: nn.RNN(*a, **k),
          "rnn_relu": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k),
          "lstm": lambda *a, **k: nn.LSTM(*a, **k),
          "gru": lambda *a, **k: nn.GRU(*a, **k),
          "gru_after": lambda *a, **k: nn.GRU(*a, reset_after=True, **k)}
CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


def data(m, T_x, n_x, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal((m, T_x, n_x)),
                  requires_grad=True)


def state_like(kind, n, m, n_a, seed=1):
    rng = np.random.default_rng(seed)
    a = Tensor(rng.standard_normal((n, m, n_a)) * 0.5, requires_grad=True)
    if kind == "lstm":
        return (a, Tensor(rng.standard_normal((n, m, n_a)) * 0.5, requires_grad=True))
    return a


def state_tensors(state):
    return list(state) if isinstance(state, tuple) else [state]


def weighted(*tensors, seed=5):
    total = None
    for k, t in enumerate(tensors):
        R = np.random.default_rng(seed + k).standard_normal(t.shape)
        term = (t * R).sum()
        total = term if total is None else total + term
    return total


# (kind, num_layers, bidirectional, m, T_x, lengths, return_sequences)
GRADCHECK_CASES = [
    ("lstm", 1, False, 2, 3, None, True),
    ("lstm", 2, True, 3, 3, (3, 1, 2), True),
    ("lstm", 1, True, 1, 1, None, False),
    ("gru", 2, False, 2, 3, (2, 3), True),
    ("gru", 1, True, 3, 2, (2, 1, 2), False),
    ("gru_after", 2, True, 2, 3, (1, 3), True),
    ("gru_after", 1, False, 1, 1, None, True),
    ("rnn", 2, True, 3, 3, (3, 2, 1), True),
    ("rnn_relu", 1, False, 2, 4, (4, 2), False),
]


@pytest.mark.parametrize("case", GRADCHECK_CASES)
def test_layer_gradcheck(case):
    kind, num_layers, bidirectional, m, T_x, lengths, return_sequences = case
    n_x, n_a = 2, 3
    layer = LAYERS[kind](n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         return_sequences=return_sequences).to(np.float64)
    X = data(m, T_x, n_x)
    D = 2 if bidirectional else 1
    state = state_like(kind.split("_")[0], num_layers * D, m, n_a)
    lengths = None if lengths is None else np.array(lengths)
    n_states = len(state_tensors(state))

    def fn(X, *rest):
        s = tuple(rest[:n_states]) if n_states == 2 else rest[0]
        Y, s_out = layer(X, s, lengths)
        return weighted(Y, *state_tensors(s_out))

    assert_gradcheck(fn, [X] + state_tensors(state) + layer.parameters())


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cell_gradcheck(kind):
    options = {"reset_after": True} if kind == "gru" else {}
    cell = CELLS[kind](3, 2, **options).to(np.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    state = [Tensor(np.random.default_rng(k).standard_normal((2, 2)), requires_grad=True)
             for k in range(2 if kind == "lstm" else 1)]

    def fn(x, *rest):
        out = cell(x, tuple(rest[:2]) if kind == "lstm" else rest[0])
        return weighted(*(out if isinstance(out, tuple) else (out,)))

    assert_gradcheck(fn, [x] + state + cell.parameters())


def test_cell_is_one_step_of_its_layer():
    layer = nn.LSTM(3, 4).to(np.float64)
    X = data(2, 5, 3)
    Y, (a_T, c_T) = layer(X)
    state = None
    for t in range(5):
        state = layer.l0(X[:, t], state)
        np.testing.assert_allclose(state[0].data, Y.data[:, t], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state[1].data, c_T.data[0], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------- PyTorch
def torch_pair(kind, n_x, n_a, num_layers, bidirectional):
    torch = torch_or_skip()
    ours = LAYERS[kind](n_x, n_a, num_layers=num_layers, bidirectional=bidirectional)
    ours.to(np.float64)
    options = {"nonlinearity": "relu"} if kind == "rnn_relu" else {}
    torch_class = {"rnn": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM,
                   "gru_after": torch.nn.GRU}[kind]
    theirs = torch_class(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         batch_first=True, **options).double()
    return torch, ours, theirs


def assert_same_run_as_torch(torch, X, Y, state, X_t, Y_t, state_t):
    """Our outputs Y and final state equal PyTorch's (state_t a list of its tensors), and the
    same weighted cost of both gives the same gradient on the input X."""
    np.testing.assert_allclose(Y.data, Y_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for s, s_t in zip(state_tensors(state), state_t):
        np.testing.assert_allclose(s.data, s_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    weighted(Y, *state_tensors(state)).backward()
    R = [torch.tensor(np.random.default_rng(5 + k).standard_normal(t.shape))
         for k, t in enumerate([Y] + state_tensors(state))]
    sum((t * r).sum() for t, r in zip([Y_t] + state_t, R)).backward()
    np.testing.assert_allclose(X.grad, X_t.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", ["rnn", "rnn_relu", "lstm", "gru_after"])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (1, True), (2, False),
                                                        (2, True)])
def test_equals_pytorch_forward_and_gradients(kind, num_layers, bidirectional):
    m, T_x, n_x, n_a = 3, 5, 4, 3
    torch, ours, theirs = torch_pair(kind, n_x, n_a, num_layers, bidirectional)
    nn.from_torch_state_dict(ours, theirs.state_dict())  # PyTorch's random weights, ours
    X = data(m, T_x, n_x)
    n = num_layers * (2 if bidirectional else 1)
    state = state_like(kind.split("_")[0], n, m, n_a)
    Y, s_out = ours(X, state)
    X_t = torch.tensor(X.data, requires_grad=True)
    s_t = [torch.tensor(s.data, requires_grad=True) for s in state_tensors(state)]
    Y_t, s_out_t = theirs(X_t, tuple(s_t) if kind == "lstm" else s_t[0])
    s_out_t = list(s_out_t) if kind == "lstm" else [s_out_t]
    assert_same_run_as_torch(torch, X, Y, s_out, X_t, Y_t, s_out_t)
    for s, st in zip(state_tensors(state), s_t):
        np.testing.assert_allclose(s.grad, st.grad.numpy(), rtol=1e-9, atol=1e-11)
    # Parameter gradients, compared in PyTorch's layout (its two biases get the same one).
    grads = {name: p.grad for name, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        p.data = p.grad  # to_torch_state_dict is linear in the weights (up to the z sign)
    converted = nn.to_torch_state_dict(ours)
    for name, g in grads.items():
        ours_g = converted[name]
        if name.startswith("bias_hh") and kind != "gru_after":
            ours_g = converted[name.replace("bias_hh", "bias_ih")]
        elif name.startswith("bias_hh"):  # GRU: r and z summed into br, bu; n its own bc_rec
            ih = converted[name.replace("bias_hh", "bias_ih")]
            ours_g = np.concatenate([ih[:2 * n_a], ours_g[2 * n_a:]])
        np.testing.assert_allclose(ours_g, g.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("kind", ["lstm", "gru_after", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lengths_equal_pytorch_packed_sequences(kind, bidirectional):
    m, T_x, n_x, n_a = 4, 6, 3, 4
    torch, ours, theirs = torch_pair(kind, n_x, n_a, 2, bidirectional)
    nn.from_torch_state_dict(ours, theirs.state_dict())
    lengths = np.array([6, 2, 5, 1])
    X = data(m, T_x, n_x)
    Y, s_out = ours(X, lengths=lengths)
    X_t = torch.tensor(X.data, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(X_t, torch.tensor(lengths),
                                                     batch_first=True, enforce_sorted=False)
    out, s_t = theirs(packed)
    Y_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T_x)
    s_t = list(s_t) if kind == "lstm" else [s_t]
    assert_same_run_as_torch(torch, X, Y, s_out, X_t, Y_t, s_t)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cells_equal_pytorch_cells(kind):
    torch = torch_or_skip()
    options = {"reset_after": True} if kind == "gru" else {}
    cell = CELLS[kind](3, 4, **options).to(np.float64)
    theirs = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell,
              "gru": torch.nn.GRUCell}[kind](3, 4).double()
    nn.from_torch_state_dict(cell, theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 3))
    out = cell(x)
    out_t = theirs(torch.tensor(x))
    for a, b in zip(out if kind == "lstm" else [out], out_t if kind == "lstm" else [out_t]):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_state_dict_round_trip_through_pytorch_names():
    torch = torch_or_skip()
    ours = nn.GRU(3, 4, reset_after=True, num_layers=2, bidirectional=True)
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v)
                            for k, v in nn.to_torch_state_dict(ours).items()})
    assert list(nn.to_torch_state_dict(ours)) == list(theirs.state_dict())
    copy = nn.GRU(3, 4, reset_after=True, num_layers=2, bidirectional=True)
    nn.from_torch_state_dict(copy, theirs.state_dict())
    for (name, a), b in zip(ours.state_dict().items(), copy.state_dict().values()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=name)


# ---------------------------------------------------------------------------- the API
def test_shapes_and_course_names():
    X = data(3, 5, 4)
    layer = nn.LSTM(4, 6)
    Y, (a, c) = layer(X)
    assert Y.shape == (3, 5, 6) and a.shape == c.shape == (1, 3, 6)
    assert layer.Wf is layer.l0.Wf and layer.Wf.shape == (6, 10) and layer.bo.shape == (6,)
    assert [n for n, _ in nn.RNN(4, 6).named_parameters()] == ["l0.Wax", "l0.Waa", "l0.ba"]
    assert nn.RNN(4, 6).Waa.shape == (6, 6)
    gru = nn.GRU(4, 6, reset_after=True, num_layers=2, bidirectional=True)
    Y, s = gru(X)
    assert Y.shape == (3, 5, 12) and s.shape == (4, 3, 6)
    assert gru.l1.Wu.shape == (6, 6 + 12) and gru.l0_reverse.bc_rec.shape == (6,)
    with pytest.raises(AttributeError, match=r"has one Wu per cell: use \.l0\.Wu"):
        gru.Wu
    assert repr(gru) == "GRU(4, 6, num_layers=2, bidirectional=True, reset_after=True)"


@pytest.mark.parametrize("bidirectional", [False, True])
def test_return_sequences_false_gives_each_examples_last_output(bidirectional):
    layer = nn.GRU(3, 4, bidirectional=bidirectional).to(np.float64)
    X, lengths = data(3, 5, 3), np.array([5, 2, 3])
    Y, _ = layer(X, lengths=lengths)
    last_layer = nn.GRU(3, 4, bidirectional=bidirectional, return_sequences=False)
    last_layer.load_state_dict(layer.state_dict())
    last_layer.to(np.float64)
    last, _ = last_layer(X, lengths=lengths)
    assert last.shape == (3, 4 * (2 if bidirectional else 1))
    np.testing.assert_array_equal(last.data[:, :4], Y.data[np.arange(3), lengths - 1, :4])
    if bidirectional:  # the reverse direction ends at t = 1
        np.testing.assert_array_equal(last.data[:, 4:], Y.data[:, 0, 4:])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_state_carried_across_calls_equals_one_call(kind):
    layer = LAYERS[kind](3, 4, num_layers=2).to(np.float64)
    X = data(2, 6, 3)
    Y, state = layer(X)
    Y1, s1 = layer(X[:, :4])
    Y2, s2 = layer(X[:, 4:], nn.detach_state(s1))
    np.testing.assert_allclose(np.concatenate([Y1.data, Y2.data], axis=1), Y.data,
                               rtol=1e-12, atol=1e-14)
    for a, b in zip(state_tensors(s2), state_tensors(state)):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)
    assert all(not s.requires_grad for s in state_tensors(nn.detach_state(s1)))
    assert nn.detach_state(None) is None


def test_truncated_bptt_stops_at_the_detached_state():
    layer = nn.LSTM(3, 4).to(np.float64)
    X = data(2, 6, 3)
    _, s1 = layer(X[:, :3])
    Y2, _ = layer(X[:, 3:], nn.detach_state(s1))
    Y2.sum().backward()
    assert X.grad is not None and np.all(X.grad[:, :3] == 0) and np.any(X.grad[:, 3:] != 0)


def test_dropout_between_layers_only_while_training():
    layer = nn.LSTM(3, 4, num_layers=2, keep_prob=0.5).to(np.float64)
    X = data(2, 4, 3)
    npdeep.manual_seed(1)
    Y_a, _ = layer(X)
    npdeep.manual_seed(1)
    Y_b, _ = layer(X)
    np.testing.assert_array_equal(Y_a.data, Y_b.data)  # the mask comes from npdeep's RNG
    layer.eval()
    Y_eval, _ = layer(X)
    plain = nn.LSTM(3, 4, num_layers=2).to(np.float64)
    plain.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(Y_eval.data, plain.to(np.float64)(X)[0].data)
    assert not np.allclose(Y_a.data, Y_eval.data)
    single = nn.LSTM(3, 4, keep_prob=0.5).to(np.float64)  # one layer: nothing between
    single_plain = nn.LSTM(3, 4).to(np.float64)
    single_plain.load_state_dict(single.state_dict())
    np.testing.assert_array_equal(single(X)[0].data, single_plain(X)[0].data)


def test_float32_by_default():
    layer = nn.GRU(3, 4)
    Y, s = layer(np.zeros((2, 3, 3), dtype=np.float32))
    assert layer.l0.Wu.dtype == np.float32 and Y.dtype == np.float32 and s.dtype == np.float32


# ---------------------------------------------------------------------------- bad input
def test_bad_input_names_the_layer_and_the_shapes():
    layer = nn.LSTM(4, 6, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM\(4, 6, num_layers=2\) expected a batch of "
                                         r"sequences of shape \(m, T_x, n_x\) = \(m, T_x, 4\) "
                                         r"but got \(5, 4\).*X\[None\]"):
        layer(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"LSTM\(4, 6, num_layers=2\) expected input of shape "
                                         r"\(m, T_x, n_x\) = \(m, T_x, 4\) but got \(2, 5, 3\)"):
        layer(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"LSTM\(4, 6, num_layers=2\): every length must be in "
                                         r"\[1, T_x\] = \[1, 5\]"):
        layer(np.zeros((2, 5, 4)), lengths=[5, 6])
    with pytest.raises(ValueError, match=r"lengths\[0\] = 0"):
        layer(np.zeros((2, 5, 4)), lengths=[0, 3])
    with pytest.raises(ValueError, match=r"state must be a tuple \(a, c\)"):
        layer(np.zeros((2, 5, 4)), np.zeros((2, 2, 6)))
    with pytest.raises(ValueError, match=r"state c must have shape \(num_layers·D, m, n_a\) = "
                                         r"\(2, 2, 6\) but got \(1, 2, 6\)"):
        layer(np.zeros((2, 5, 4)), (np.zeros((2, 2, 6)), np.zeros((1, 2, 6))))
    with pytest.raises(ValueError, match=r"GRU\(4, 6\): state must have shape \(num_layers·D, "
                                         r"m, n_a\) = \(1, 3, 6\) but got \(3, 6\)"):
        nn.GRU(4, 6)(np.zeros((3, 5, 4)), np.zeros((3, 6)))
    with pytest.raises(ValueError, match=r"LSTMCell\(4, 6\) expected one step of shape "
                                         r"\(m, n_x\) = \(m, 4\) but got \(2, 5, 4\)"):
        nn.LSTMCell(4, 6)(np.zeros((2, 5, 4)))


def test_bad_hyperparameters_and_pytorch_names():
    with pytest.raises(ValueError, match="The 'num_layers' parameter of LSTM must be an int"):
        nn.LSTM(4, 6, num_layers=0)
    with pytest.raises(ValueError, match="The 'keep_prob' parameter of GRU"):
        nn.GRU(4, 6, keep_prob=0.0)
    with pytest.raises(ValueError, match="The 'nonlinearity' parameter of RNN"):
        nn.RNN(4, 6, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=r"LSTM has no 'dropout'.*keep_prob=1 − p"):
        nn.LSTM(4, 6, dropout=0.2)
    with pytest.raises(TypeError, match="LSTM has no 'batch_first'"):
        nn.LSTM(4, 6, batch_first=True)
    with pytest.raises(TypeError, match="The 'bidirectional' parameter of RNN must be a bool"):
        nn.RNN(4, 6, bidirectional=2)


def test_torch_interop_errors():
    with pytest.raises(ValueError, match=r"course's GRU \(reset_after=False\) has no PyTorch "
                                         r"equivalent"):
        nn.to_torch_state_dict(nn.GRU(3, 4))
    layer = nn.LSTM(3, 4)
    state = nn.to_torch_state_dict(layer)
    state.pop("bias_hh_l0")
    with pytest.raises(KeyError, match=r"missing keys \['bias_hh_l0'\]"):
        nn.from_torch_state_dict(layer, state)
    state = nn.to_torch_state_dict(nn.LSTM(3, 5))
    with pytest.raises(ValueError, match=r"shape mismatch for weight_ih_l0: PyTorch \(20, 3\), "
                                         r"npdeep \(16, 3\)"):
        nn.from_torch_state_dict(layer, state)
    with pytest.raises(TypeError, match="expected an npdeep RNN, LSTM, GRU"):
        nn.to_torch_state_dict(nn.Linear(3, 4))


def test_summary_lists_each_cell_with_its_parameters():
    lines = []
    nn.GRU(4, 8, num_layers=2, bidirectional=True).summary((10, 4), print_fn=lines.append)
    text = lines[0]
    assert "l0 (GRUCell)" in text and "l1_reverse (GRUCell)" in text
    assert "(m, 10, 8)" in text
    assert f"Total params: {3 * (8 * 12 + 8) * 2 + 3 * (8 * 24 + 8) * 2:,}" in text


def test_summary_lists_each_cell_of_the_fused_bidirectional_lstm():
    # A bidirectional LSTM layer runs as one op (lstm_bidirectional); summary() still shows
    # each direction's cell with its own half of the output.
    lines = []
    nn.LSTM(4, 8, num_layers=2, bidirectional=True).summary((10, 4), print_fn=lines.append)
    text = lines[0]
    for name in ("l0", "l0_reverse", "l1", "l1_reverse"):
        assert f"{name} (LSTMCell)" in text
    assert "(m, 10, 8)" in text and "(m, 10, 16)" not in text
    assert f"Total params: {4 * (8 * 12 + 8) * 2 + 4 * (8 * 24 + 8) * 2:,}" in text


def test_arrays_are_taken_in_the_parameters_dtype():
    layer = nn.LSTM(3, 4)  # float32
    Y, (a, c) = layer(np.zeros((2, 5, 3)))  # a float64 array
    assert Y.dtype == a.dtype == c.dtype == np.float32


def test_equals_pytorch_in_float32():
    torch = torch_or_skip()
    layer = nn.LSTM(5, 7)
    theirs = torch.nn.LSTM(5, 7, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v)
                            for k, v in nn.to_torch_state_dict(layer).items()})
    X = np.random.default_rng(0).standard_normal((4, 6, 5), dtype=np.float32)
    Y, _ = layer(Tensor(X))
    Y_t, _ = theirs(torch.from_numpy(X))
    np.testing.assert_allclose(Y.data, Y_t.detach().numpy(), rtol=1e-5, atol=1e-6)
