"""GloVe: co-occurrence counts against a loop, the loss's gradient, AdaGrad lowering the loss,
learning a two-topic corpus, bad input."""
import numpy as np
import pytest

from harness import assert_numerical_gradients
from npdeep.text.glove import GloVe, cooccurrence, glove_loss, weighting
from text.word2vec_helpers import topic_corpus, topic_margin


def _cooccurrence_loop(tokens, starts, V, window):
    X = np.zeros((V, V))
    for s in range(len(starts) - 1):
        sentence = tokens[starts[s]:starts[s + 1]]
        for i, w in enumerate(sentence):
            for j in range(i + 1, min(len(sentence), i + window + 1)):
                X[w, sentence[j]] += 1.0 / (j - i)
                X[sentence[j], w] += 1.0 / (j - i)
    return X


def test_cooccurrence_equals_a_loop():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 6, 40)
    starts = np.array([0, 3, 4, 25, 40])
    rows, cols, values = cooccurrence(tokens, starts, 6, window=4)
    X = np.zeros((6, 6))
    X[rows, cols] = values
    np.testing.assert_allclose(X, _cooccurrence_loop(tokens, starts, 6, 4), rtol=1e-12)
    assert np.all(values > 0)


def test_weighting():
    np.testing.assert_allclose(weighting([1, 50, 100, 400]),
                               [0.01 ** 0.75, 0.5 ** 0.75, 1, 1])


@pytest.mark.parametrize("V, n_e, seed", [(3, 1, 0), (5, 4, 1), (7, 3, 2)])
def test_glove_loss_gradient(V, n_e, seed):
    rng = np.random.default_rng(seed)
    W, W_tilde = rng.standard_normal((V, n_e)), rng.standard_normal((V, n_e))
    b, b_tilde = rng.standard_normal(V), rng.standard_normal(V)
    rows, cols = np.nonzero(rng.random((V, V)) < 0.6)
    X = rng.random(len(rows)) * 150 + 0.5  # both sides of x_max
    J, dW, dW_tilde, db, db_tilde = glove_loss(W, W_tilde, b, b_tilde, rows, cols, X)
    assert J > 0
    assert_numerical_gradients(
        {"W": dW, "W_tilde": dW_tilde, "b": db, "b_tilde": db_tilde},
        {"W": W, "W_tilde": W_tilde, "b": b, "b_tilde": b_tilde},
        lambda: glove_loss(W, W_tilde, b, b_tilde, rows, cols, X)[0])


def test_adagrad_step_lowers_the_loss_and_learns_topics():
    model = GloVe(topic_corpus(), vector_size=10, window=4, min_count=1, epochs=15,
                  learning_rate=0.1)
    losses = model.losses
    assert len(losses) == 15 and losses[-1] < 0.5 * losses[0]
    assert all(b <= a * 1.02 for a, b in zip(losses, losses[1:]))  # (nearly) monotone
    rows, cols, X = model.cooccurrences
    J = glove_loss(model.W, model.W_tilde, model.b, model.b_tilde, rows, cols, X)[0]
    assert J / len(X) < losses[0]
    assert topic_margin(model.wv) > 0.3
    np.testing.assert_allclose(model.wv["a1"], model.W[model.wv.key_to_index["a1"]]
                               + model.W_tilde[model.wv.key_to_index["a1"]], rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="The 'x_max' parameter of GloVe must be a finite "
                                         "number > 0. Got 0 instead."):
        GloVe(x_max=0)
    with pytest.raises(RuntimeError, match="call build_vocab first"):
        GloVe().train()
    with pytest.raises(ValueError, match="GloVe: no word occurs min_count=9 times"):
        GloVe([["a", "b"]], min_count=9)
