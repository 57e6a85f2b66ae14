"""char_rnn: token ids (m, T) -> logits (m, T, V); lengths from <pad>; the stateful option
(state carried between calls, detached, reset by train()/eval()); gradients; errors."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.models import char_rnn
from npdeep.text import StreamBatches, Vocabulary


def _ids(m, T, V, seed=0, low=3):
    return np.random.default_rng(seed).integers(low, V, size=(m, T))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("m,T,num_layers", [(3, 5, 1), (1, 1, 1), (2, 4, 2)])
def test_shapes(cell, m, T, num_layers):
    model = char_rnn(7, 6, cell=cell, num_layers=num_layers)
    Z = model(npdeep.Tensor(_ids(m, T, 7)))
    assert Z.shape == (m, T, 7)
    assert Z.dtype == np.float32


@pytest.mark.parametrize("num_layers", [1, 2])
def test_rnn_logits_match_the_course_loop(num_layers):
    # x⟨t⟩ one-hot, a⟨t⟩ = tanh(Wax x⟨t⟩ + Waa a⟨t−1⟩ + ba) per layer, z⟨t⟩ = Wya a⟨t⟩ + by.
    V, n_a, m, T = 7, 6, 3, 5
    model = char_rnn(V, n_a, cell="rnn", num_layers=num_layers)
    ids = _ids(m, T, V)
    Z = model(npdeep.Tensor(ids)).data
    p = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    a = [np.zeros((m, n_a)) for _ in range(num_layers)]
    for t in range(T):
        x = np.eye(V)[ids[:, t]]  # (m, V)
        for l in range(num_layers):
            a[l] = np.tanh(x @ p[f"rnn.l{l}.Wax"].T + a[l] @ p[f"rnn.l{l}.Waa"].T
                           + p[f"rnn.l{l}.ba"])
            x = a[l]
        np.testing.assert_allclose(Z[:, t], x @ p["head.W"].T + p["head.b"], rtol=1e-4,
                                   atol=1e-5)


def test_one_hot_inputs_and_the_head_names():
    model = char_rnn(5, 4)
    x = model.one_hot(np.array([[3, 0, 4]]))
    np.testing.assert_array_equal(x.data[0], [[0, 0, 0, 1, 0], [0] * 5, [0, 0, 0, 0, 1]])
    assert model.head.W.shape == (5, 4)  # Wya (V, n_a); by is head.b


def test_float_ids_as_fit_hands_them_over_are_exact():
    model = char_rnn(9, 4)
    ids = _ids(2, 6, 9)
    np.testing.assert_array_equal(model(npdeep.Tensor(ids)).data,
                                  model(npdeep.Tensor(ids.astype(np.float32))).data)


def test_padded_rows_give_the_outputs_of_the_unpadded_prefix():
    V = 8
    model = char_rnn(V, 5)
    row = np.array([[2, 4, 5, 6]])
    padded = np.array([[2, 4, 5, 6, 0, 0], [2, 7, 3, 3, 4, 5]])
    with npdeep.no_grad():
        alone, _ = model.forward_with_state(row, None)
        both, state = model.forward_with_state(padded, None)
        _, state_alone = model.forward_with_state(row, None)
    np.testing.assert_allclose(both.data[0, :4], alone.data[0], rtol=1e-5, atol=1e-6)
    a, c = state
    np.testing.assert_allclose(a.data[:, 0], state_alone[0].data[:, 0], rtol=1e-5, atol=1e-6)
    assert model.lengths(padded).tolist() == [4, 6]
    assert model.lengths(row) is None  # no pad: the fast path without lengths


def test_padded_steps_get_no_gradient_through_the_loss():
    V = 6
    model = char_rnn(V, 4)
    X = np.array([[2, 3, 4, 0], [2, 5, 3, 4]])
    Y = np.array([[3, 4, 2, -100], [5, 3, 4, 2]])
    Z = model(npdeep.Tensor(X))
    J = F.cross_entropy(Z, Y)
    J.backward()
    W = model.head.W.grad.copy()
    # The same cost from the counted entries only.
    model.zero_grad()
    Z2 = model(npdeep.Tensor(X))
    counted = Y != -100
    J2 = (F.cross_entropy(Z2, np.where(counted, Y, 0), reduction="none") * counted).sum() \
        / counted.sum()
    J2.backward()
    np.testing.assert_allclose(J.data, J2.data, rtol=1e-6)
    np.testing.assert_allclose(W, model.head.W.grad, rtol=1e-5, atol=1e-7)


def test_gradcheck_float64():
    V = 6
    model = char_rnn(V, 3, num_layers=2)
    X = np.array([[2, 3, 4, 0], [2, 5, 3, 4]])
    Y = np.array([[3, 4, 2, -100], [5, 3, 4, 2]])
    result = npdeep.gradcheck_model(model, F.cross_entropy, X, Y)
    assert result.difference < 1e-6


def test_stateful_carries_the_state_like_one_long_sequence():
    V = 7
    ids = _ids(2, 8, V, seed=1)
    model = char_rnn(V, 5, stateful=True, pad_id=None)
    with npdeep.no_grad():
        whole, _ = model.forward_with_state(ids, None)
        first = model(npdeep.Tensor(ids[:, :5]))
        second = model(npdeep.Tensor(ids[:, 5:]))
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole.data,
                               rtol=1e-5, atol=1e-6)
    assert model.state is not None
    model.train()  # fit calls it at each epoch's start: the state is forgotten
    assert model.state is None
    with npdeep.no_grad():
        again = model(npdeep.Tensor(ids[:, 5:]))
        model.eval()
        assert model.state is None
        fresh = model(npdeep.Tensor(ids[:, 5:]))
    np.testing.assert_allclose(again.data, fresh.data)
    assert not np.allclose(again.data, second.data)


def test_stateful_state_is_detached_each_batch():
    V = 6
    model = char_rnn(V, 4, stateful=True)
    model(npdeep.Tensor(_ids(2, 3, V)))
    states = model.state if isinstance(model.state, tuple) else (model.state,)
    assert all(not s.requires_grad for s in states)
    J = F.cross_entropy(model(npdeep.Tensor(_ids(2, 3, V, seed=2))), _ids(2, 3, V, seed=3))
    J.backward()  # only through this batch: the previous graph is gone
    assert model.head.W.grad is not None


def test_stateful_resets_when_the_batch_size_changes():
    V = 6
    model = char_rnn(V, 4, stateful=True, pad_id=None)
    model(npdeep.Tensor(_ids(3, 4, V)))
    with npdeep.no_grad():
        Z = model(npdeep.Tensor(_ids(2, 4, V, seed=5)))
        fresh, _ = model.forward_with_state(_ids(2, 4, V, seed=5), None)
    np.testing.assert_allclose(Z.data, fresh.data)


def test_fit_on_running_text_lowers_the_cost():
    text = "the cat sat on the mat. " * 30
    vocab = Vocabulary.build(text)
    model = char_rnn(len(vocab), 16, stateful=True)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.03)
    train = StreamBatches(text, vocab, mini_batch_size=4, bptt=10)
    history = npdeep.fit(model, F.cross_entropy, optimizer, train, dev=train, epochs=6,
                         metrics=(), verbose=0)
    assert history.dev["cost"][-1] < 0.5 * history.dev["cost"][0]


def test_errors():
    with pytest.raises(ValueError, match="The 'cell' parameter of char_rnn must be one of "
                                         "'rnn', 'gru', 'lstm'. Got 'transformer' instead."):
        char_rnn(5, 4, cell="transformer")
    with pytest.raises(ValueError, match="The 'vocab_size' parameter of char_rnn must be an "
                                         "int >= 2. Got 1 instead."):
        char_rnn(1, 4)
    model = char_rnn(5, 4)
    with pytest.raises(ValueError, match=r"expected token ids of shape \(m, T_x\) but got "
                                         r"\(2, 3, 5\)"):
        model(npdeep.Tensor(np.zeros((2, 3, 5))))
    with pytest.raises(ValueError, match=r"expected token ids in \[0, 5\) but got values from "
                                         r"0 to 7; was the model built with vocab_size"):
        model(npdeep.Tensor(np.array([[0, 7]])))
    with pytest.raises(ValueError, match="expected integer token ids; got non-integer"):
        model(npdeep.Tensor(np.array([[0.5, 1.0]])))


def test_embedding_input_instead_of_one_hot():
    V = 9
    model = char_rnn(V, 5, embedding_dim=3, num_layers=2)
    assert isinstance(model.rnn, npdeep.nn.LSTM) and model.rnn.n_x == 3
    assert model.embedding.E.shape == (V, 3)
    X = np.array([[2, 3, 4, 0], [2, 5, 3, 4]])
    Y = np.array([[3, 4, 2, -100], [5, 3, 4, 2]])
    assert model(npdeep.Tensor(X)).shape == (2, 4, V)
    assert npdeep.gradcheck_model(model, F.cross_entropy, X, Y).difference < 1e-6
    assert "embedding_dim=3" in repr(model)
