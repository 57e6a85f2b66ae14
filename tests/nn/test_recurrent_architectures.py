"""The course's RNN architectures, built from npdeep.nn's recurrent layers and trained briefly:
many-to-one (with padded lengths), many-to-many of equal lengths (ŷ⟨t⟩ = softmax(Wya·a⟨t⟩ +
by) through Linear over (m, T_x, n_a)), one-to-many (generation feeding each output back
through the cell), many-to-many of unequal lengths (an encoder's final state starts a
decoder)."""
import numpy as np

import npdeep.functional as F
from npdeep import nn, optim
from npdeep.tensor import Tensor


def one_hot(indices, C):
    return np.eye(C)[indices]


def train(parameters, loss_fn, steps, learning_rate=0.02):
    optimizer = optim.Adam(parameters, learning_rate=learning_rate)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        optimizer.step()
    return loss.item()


def test_many_to_one_with_padded_lengths():
    # Does the sequence hold the symbol 0? Padded steps are filled with 0s that must not count.
    rng = np.random.default_rng(0)
    m, T_x, C = 96, 7, 3
    tokens = rng.integers(1, C, size=(m, T_x))
    lengths = rng.integers(1, T_x + 1, size=m)
    has_zero = rng.random(m) < 0.5
    for i in np.flatnonzero(has_zero):
        tokens[i, rng.integers(0, lengths[i])] = 0
    padded = np.arange(T_x)[None, :] >= lengths[:, None]
    tokens[padded] = 0
    X = Tensor(one_hot(tokens, C))
    lstm = nn.LSTM(C, 12, return_sequences=False)
    head = nn.Linear(12, 2)
    y = has_zero.astype(int)
    loss = train(lstm.parameters() + head.parameters(),
                 lambda: F.cross_entropy(head(lstm(X, lengths=lengths)[0]), y), 150)
    predictions = head(lstm(X, lengths=lengths)[0]).data.argmax(axis=1)
    assert loss < 0.2 and np.mean(predictions == y) > 0.95


def test_many_to_many_equal_lengths_with_a_dense_head_over_time():
    # ŷ⟨t⟩ = x⟨t−1⟩: echo the previous symbol; Linear maps (m, T_x, n_a) -> (m, T_x, C).
    rng = np.random.default_rng(1)
    m, T_x, C = 64, 6, 4
    tokens = rng.integers(0, C, size=(m, T_x))
    targets = np.full((m, T_x), -100)  # ignore_index: ŷ⟨1⟩ has nothing to echo
    targets[:, 1:] = tokens[:, :-1]
    X = Tensor(one_hot(tokens, C))
    gru = nn.GRU(C, 16)
    head = nn.Linear(16, C)
    train(gru.parameters() + head.parameters(),
          lambda: F.cross_entropy(head(gru(X)[0]), targets), 150)
    Z = head(gru(X)[0])
    assert Z.shape == (m, T_x, C)
    assert np.mean(Z.data[:, 1:].argmax(axis=2) == targets[:, 1:]) > 0.95


def test_one_to_many_generation_feeds_each_output_back():
    # One input (a class) -> a sequence of T_y symbols, generated step by step by the cell
    # with ŷ⟨t⟩ fed back as x⟨t+1⟩ (the course's sampling); trained with teacher forcing.
    C, T_y = 4, 5
    patterns = np.array([[1, 2, 3, 1, 2], [3, 3, 2, 2, 1], [2, 1, 3, 2, 3]])
    n_classes = len(patterns)
    start = np.zeros((n_classes, 1, C + n_classes))
    start[np.arange(n_classes), 0, C + np.arange(n_classes)] = 1.0    # x⟨1⟩: the class
    fed = np.concatenate([start, np.pad(one_hot(patterns[:, :-1], C),
                                        ((0, 0), (0, 0), (0, n_classes)))], axis=1)
    lstm = nn.LSTM(C + n_classes, 16)
    head = nn.Linear(16, C)
    X = Tensor(fed)
    train(lstm.parameters() + head.parameters(),
          lambda: F.cross_entropy(head(lstm(X)[0]), patterns), 150)
    x, state, generated = Tensor(start[:, 0]), None, []
    for _ in range(T_y):
        state = lstm.l0(x, state)
        symbol = head(state[0]).data.argmax(axis=1)
        generated.append(symbol)
        x = Tensor(np.pad(one_hot(symbol, C), ((0, 0), (0, n_classes))))
    np.testing.assert_array_equal(np.stack(generated, axis=1), patterns)


def test_many_to_many_unequal_lengths_encoder_decoder():
    # T_x = 5 inputs -> T_y = 2 outputs (the first and the last symbol): the encoder's final
    # state is the decoder's initial state; the decoder reads zeros.
    rng = np.random.default_rng(2)
    m, T_x, T_y, C = 64, 5, 2, 3
    tokens = rng.integers(0, C, size=(m, T_x))
    targets = tokens[:, [0, T_x - 1]]
    X = Tensor(one_hot(tokens, C))
    encoder, decoder, head = nn.GRU(C, 24), nn.GRU(1, 24), nn.Linear(24, C)
    blank = Tensor(np.zeros((m, T_y, 1)))

    def outputs():
        _, state = encoder(X)
        return head(decoder(blank, state)[0])                       # (m, T_y, C)

    train(encoder.parameters() + decoder.parameters() + head.parameters(),
          lambda: F.cross_entropy(outputs(), targets), 200)
    assert outputs().shape == (m, T_y, C)
    assert np.mean(outputs().data.argmax(axis=2) == targets) > 0.9
