"""emojify_v1 / emojify_v2: shapes, the vocabulary aligned with kv, padding ignored, a tiny fit
lowers the cost with E frozen, errors; the example end to end (slow)."""
import os

import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep.models import emojify_v1, emojify_v2
from npdeep.models.emojify import embedding_matrix, encode_sentences, vocabulary_for
from npdeep.text import KeyedVectors

from harness import load_example

WORDS = ["good", "great", "fun", "bad", "dull", "awful", "movie", "the", "not"]


def _kv(n_e=6, seed=0):
    return KeyedVectors(WORDS, np.random.default_rng(seed).standard_normal((len(WORDS), n_e)))


def test_vocabulary_rows_are_kvs_rows_after_the_specials():
    kv = _kv()
    vocab = vocabulary_for(kv)
    assert vocab.tokens[:3] == ["<pad>", "<unk>", "<eos>"] and vocab.tokens[3:] == WORDS
    E = embedding_matrix(kv, vocab)
    np.testing.assert_array_equal(E[3:], kv.vectors)
    np.testing.assert_array_equal(E[:3], 0)
    X = encode_sentences(vocab, ["the movie", "not good zzz"])
    np.testing.assert_array_equal(X, [[10, 9, 0], [11, 3, 1]])  # zzz -> <unk>, then <pad>
    assert encode_sentences(vocab, ["good fun movie"], T_x=2).tolist() == [[3, 5]]


@pytest.mark.parametrize("build", [lambda kv: emojify_v1(kv, 3),
                                   lambda kv: emojify_v2(kv, 3, n_a=5)])
@pytest.mark.parametrize("m, T", [(4, 5), (1, 1)])
def test_shapes_and_a_frozen_embedding(build, m, T):
    npdeep.manual_seed(0)
    model = build(_kv())
    X = np.random.default_rng(1).integers(0, len(model.vocab), size=(m, T))
    assert model(X).shape == (m, 3)
    assert model.embedding.E.requires_grad is False


def test_v1_is_the_mean_of_the_word_vectors_padding_left_out():
    kv = _kv()
    model = emojify_v1(kv, 2)
    vocab = model.vocab
    X = encode_sentences(vocab, ["good movie", "not zzz fun"], T_x=6)
    avg = model.average(X).data
    np.testing.assert_allclose(avg[0], (kv["good"] + kv["movie"]) / 2, rtol=1e-6)
    np.testing.assert_allclose(avg[1], (kv["not"] + kv["fun"]) / 3, rtol=1e-6)  # <unk> = 0
    # More padding, or a non-zero <pad> row, changes nothing: the average ignores padding.
    longer = encode_sentences(vocab, ["good movie", "not zzz fun"], T_x=12)
    model.embedding.E.data[vocab.pad_id] = 5.0
    np.testing.assert_allclose(model.average(longer).data, avg, rtol=1e-6)
    np.testing.assert_allclose(model(longer).data, model.linear(npdeep.Tensor(avg)).data,
                               rtol=1e-5)


def test_v2_ignores_padding():
    npdeep.manual_seed(0)
    model = emojify_v2(_kv(), 2, n_a=4).eval()
    vocab = model.vocab
    short = encode_sentences(vocab, ["good fun movie", "bad"], T_x=3)
    long = encode_sentences(vocab, ["good fun movie", "bad"], T_x=8)
    np.testing.assert_allclose(model(short).data, model(long).data, rtol=1e-5, atol=1e-6)
    # ...while the words themselves count: another sentence gives other logits.
    other = encode_sentences(vocab, ["awful dull movie", "bad"], T_x=3)
    assert not np.allclose(model(other).data[0], model(short).data[0])


@pytest.mark.parametrize("build", [lambda kv: emojify_v1(kv, 2),
                                   lambda kv: emojify_v2(kv, 2, n_a=8)])
def test_a_tiny_fit_lowers_the_cost_and_leaves_E_alone(build):
    npdeep.manual_seed(0)
    kv = _kv()
    model = build(kv)
    sentences = ["good fun movie", "great movie", "the good", "fun", "bad movie",
                 "awful dull", "the bad movie", "dull"]
    Y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    X = encode_sentences(model.vocab, sentences)
    E_before = model.embedding.E.data.copy()
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.05)
    history = npdeep.fit(model, F.cross_entropy, optimizer, (X, Y), epochs=15,
                         mini_batch_size=8, verbose=0, seed=0)
    cost = history.train["cost"]
    assert cost[-1] < 0.7 * cost[0]
    np.testing.assert_array_equal(model.embedding.E.data, E_before)
    assert (npdeep.predict(model, X).argmax(axis=1) == Y).mean() >= 0.75


def test_bad_arguments():
    with pytest.raises(ValueError, match="The 'n_classes' parameter of emojify_v1 must be an "
                                         "int >= 2. Got 1 instead."):
        emojify_v1(_kv(), 1)
    with pytest.raises(ValueError, match="The 'keep_prob' parameter of emojify_v2 must be"):
        emojify_v2(_kv(), 2, keep_prob=0)


@pytest.mark.parametrize("build, name", [(emojify_v1, "EmojifyV1"), (emojify_v2, "EmojifyV2")])
def test_non_integer_or_out_of_range_ids_are_refused(build, name):
    model = build(_kv(), 3).eval()  # eval: no dropout, so the two calls below can agree
    V = len(model.vocab)
    # NOTE: fit hands ids over as floats; 3.5 must not be truncated to 3 in silence.
    with pytest.raises(ValueError, match=f"{name}: ids must be integers; got non-integer"):
        model(np.array([[3.5, 4.0]]))
    with pytest.raises(ValueError, match=rf"{name}: ids must lie in \[0, V\) = \[0, {V}\)"):
        model(np.array([[3, V]]))
    np.testing.assert_array_equal(model(np.array([[3.0, 4.0]])).data,
                                  model(np.array([[3, 4]])).data)


SENTIMENT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "..", "shared", "data", "sentiment", "pang_lee_polarity.cor")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(SENTIMENT), reason="the shared sentiment data is absent")
def test_the_sentiment_example_runs():
    results = load_example("sentiment").main(["--epochs-v1", "2", "--epochs-v2", "2",
                                              "--n-a", "16"])
    for key in ("v1", "v2"):
        assert 0.0 <= results[key]["test_accuracy"] <= 1.0
        assert np.isfinite(results[key]["final_cost"])
    assert 0 < results["coverage_tokens"] <= 1
