"""perplexity and nats_per_token against a loop by hand; the bigram baseline's smoothings."""
import math

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.text import BigramModel, StreamBatches, Vocabulary, bigram_perplexity
from npdeep.text import nats_per_token, perplexity

from text.lm_helpers import NAMES, trained_names_model


def _log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def test_lines_perplexity_equals_a_loop_over_each_name():
    model, vocab = trained_names_model(epochs=3)
    total, count = 0.0, 0
    with npdeep.no_grad():
        for name in NAMES[:5]:
            X = np.array([[vocab.eos_id, *vocab.encode(name)]])
            Y = [*vocab.encode(name), vocab.eos_id]
            Z, _ = model.forward_with_state(X, None)
            for t, y in enumerate(Y):
                total -= _log_softmax(Z.data[0, t].astype(np.float64))[y]
                count += 1
    H = nats_per_token(model, vocab, NAMES[:5], mini_batch_size=2)
    np.testing.assert_allclose(H, total / count, rtol=1e-6)
    np.testing.assert_allclose(perplexity(model, vocab, NAMES[:5]), math.exp(total / count),
                               rtol=1e-6)


def test_running_text_carries_the_state_across_windows(monkeypatch):
    import sys

    module = sys.modules["npdeep.text.perplexity"]  # the attribute is the function

    model, vocab = trained_names_model(epochs=2)
    text = " ".join(NAMES)
    whole = nats_per_token(model, vocab, text)
    monkeypatch.setattr(module, "_WINDOW", 7)
    np.testing.assert_allclose(nats_per_token(model, vocab, text), whole, rtol=1e-6)
    # The dev cost fit computes on one row of windows with the state carried is the same.
    stateful = npdeep.models.char_rnn(len(vocab), 16, stateful=True)
    stateful.load_state_dict(model.state_dict())
    source = StreamBatches(text, vocab, mini_batch_size=1, bptt=len(vocab.encode(text)) - 1)
    cost = npdeep.evaluate(stateful, source, metrics=(), loss_fn=F.cross_entropy)["cost"]
    np.testing.assert_allclose(cost, whole, rtol=1e-5)


def test_training_lowers_perplexity_below_the_bigram_model():
    model, vocab = trained_names_model(epochs=40)
    assert perplexity(model, vocab, NAMES) < bigram_perplexity(vocab, NAMES, NAMES)


def test_bigram_add_one_by_hand():
    vocab = Vocabulary.build(["ab"])  # <pad> <unk> <eos> a b: 4 tokens can follow
    bigram = BigramModel(vocab).fit(["ab", "a"])
    # pairs: <eos>a, ab, b<eos>, <eos>a, a<eos>
    P = np.exp(bigram.log_P)
    eos, a, b = vocab.eos_id, 3, 4
    np.testing.assert_allclose(P[eos, a], (2 + 1) / (2 + 4))
    np.testing.assert_allclose(P[a, b], (1 + 1) / (2 + 4))
    np.testing.assert_allclose(P[b, a], (0 + 1) / (1 + 4))
    assert P[a, vocab.pad_id] == 0
    np.testing.assert_allclose(P.sum(axis=1), 1)
    expected = -np.mean(np.log([P[eos, a], P[a, b], P[b, eos]]))
    np.testing.assert_allclose(bigram.nats_per_token(["ab"]), expected)


def test_bigram_kneser_ney_by_hand():
    vocab = Vocabulary.build(["abc"])  # <pad> <unk> <eos> a b c
    kn = BigramModel(vocab, smoothing="kneser-ney", discount=0.5).fit(["ab", "a"])
    P = np.exp(kn.log_P)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert np.all(P[:, 1:] > 0) and np.all(P[:, 0] == 0)  # only <pad> has probability 0
    eos, a, b, c = vocab.eos_id, 3, 4, 5
    # Continuation counts + 1 over the 5 tokens that can follow: <unk> 1, <eos> 3, a 2, b 2,
    # c 1 (<eos> follows a and b; a follows <eos>; b follows a).
    P_cont = np.array([0, 1, 3, 2, 2, 1]) / 9
    # count(a ·) = 2 (ab, a<eos>), two distinct followers: λ(a) = 0.5·2/2.
    np.testing.assert_allclose(P[a, b], (1 - 0.5) / 2 + 0.5 * P_cont[b])
    np.testing.assert_allclose(P[a, c], 0.5 * P_cont[c])
    np.testing.assert_allclose(P[c], P_cont)  # a context never seen: the continuation P
    assert P[eos, a] > P[eos, b]


def test_errors():
    model, vocab = trained_names_model(epochs=1)
    with pytest.raises(ValueError, match="perplexity: the text is empty"):
        perplexity(model, vocab, "")
    with pytest.raises(ValueError, match="perplexity: no non-empty line to score"):
        perplexity(model, vocab, ["", " "])
    with pytest.raises(ValueError, match="running text needs at least 2 tokens"):
        perplexity(model, vocab, "a")
    with pytest.raises(ValueError, match="BigramModel: call fit"):
        BigramModel(vocab).perplexity(NAMES)
    with pytest.raises(ValueError, match="The 'smoothing' parameter of BigramModel must be one "
                                         "of 'add-one', 'kneser-ney'. Got 'good-turing'"):
        BigramModel(vocab, smoothing="good-turing")
