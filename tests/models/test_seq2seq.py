"""AttentionSeq2Seq: shapes, teacher forcing = the step-by-step decoder, padding, gradients."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep.autograd import no_grad
from npdeep.gradcheck import gradcheck_model
from npdeep.models.seq2seq import seq2seq

from harness import GRADCHECK_TOL

V_X, V_Y, T_X, T_Y = 9, 6, 7, 4


def _model(**options):
    npdeep.manual_seed(0)
    defaults = dict(T_x=T_X, T_y=T_Y, n_a=3, n_s=5, n_d=4, n_e=2, pad_id=0, start_id=2)
    defaults.update(options)
    return seq2seq(V_X, V_Y, **defaults)


def _batch(m=5, seed=0):
    """X (m, T_x + T_y) with padded inputs of random lengths, and Y (m, T_y)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, T_X + 1, size=m)
    x = rng.integers(3, V_X, size=(m, T_X))
    x[np.arange(T_X)[None, :] >= lengths[:, None]] = 0
    Y = rng.integers(3, V_Y, size=(m, T_Y))
    y_in = np.hstack([np.full((m, 1), 2), Y[:, :-1]])
    return np.hstack([x, y_in]), Y


def test_shapes_and_parameters():
    model = _model()
    X, _ = _batch()
    assert model(X).shape == (5, T_Y, V_Y)
    names = dict(model.named_parameters())
    assert names["attention.W1"].shape == (4, 5 + 6)          # [s; a], n_s + 2·n_a
    assert names["decoder.Wf"].shape == (5, 5 + 6 + 2)        # [s; c, e(y)]
    assert names["encoder.l0_reverse.Wc"].shape == (3, 3 + V_X)
    assert names["head.W"].shape == (V_Y, 5)
    assert seq2seq(**model.arguments()).arguments() == model.arguments()


def test_teacher_forcing_equals_the_step_by_step_decoder():
    model = _model().eval()
    X, _ = _batch(seed=1)
    with no_grad():
        Z = model(X).data
        keys = model.encode(X[:, :T_X])
        state = model.initial_state(len(X))
        for t in range(T_Y):
            logits, state, alpha = model.decode_step(keys, X[:, T_X + t], state)
            np.testing.assert_allclose(logits.data, Z[:, t], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(alpha.data.sum(axis=1), 1.0, rtol=1e-6)
            assert np.all(alpha.data[X[:, :T_X] == 0] == 0.0)   # no weight on padding


def test_padding_is_ignored():
    model = _model().eval()
    X, _ = _batch(m=1, seed=2)
    X[0, 3:T_X] = 0        # a 3-character input
    wide = seq2seq(**{**model.arguments(), "T_x": T_X + 5})
    wide.load_state_dict(model.state_dict())
    X_wide = np.hstack([X[:, :T_X], np.zeros((1, 5), np.int64), X[:, T_X:]])
    with no_grad():
        np.testing.assert_allclose(wide(X_wide).data, model(X).data, rtol=1e-5, atol=1e-6)


def test_gradcheck_whole_model():
    model = _model(n_a=2, n_s=2, n_d=2, activation="linear")   # small: 2 forwards a weight
    X, Y = _batch(m=2, seed=3)
    result = gradcheck_model(model, F.cross_entropy, X, Y)
    assert result.difference < GRADCHECK_TOL, result.per_input


def test_cost_decreases():
    model = _model(n_a=8, n_s=16)
    X, Y = _batch(m=16, seed=4)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.02)
    costs = []
    for _ in range(30):
        optimizer.zero_grad()
        J = F.cross_entropy(model(X), Y)
        J.backward()
        optimizer.step()
        costs.append(float(J.data))
    assert costs[-1] < 0.5 * costs[0]


def test_bad_input_is_named():
    model = _model()
    with pytest.raises(ValueError, match=r"AttentionSeq2Seq expected ids \[x; y_in\] of shape "
                       r"\(m, 11\) but got \(2, 7\)"):
        model(np.zeros((2, T_X), np.int64))
    X, _ = _batch(m=2)
    X[0, T_X + 1] = V_Y    # an input id, valid for x, too large for the decoder
    with pytest.raises(ValueError, match=r"expected decoder inputs in \[0, 6\)"):
        model(X)
    with pytest.raises(ValueError, match="The 'start_id' parameter of AttentionSeq2Seq"):
        seq2seq(V_X, V_Y, start_id=V_Y)
