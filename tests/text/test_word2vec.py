"""Word2Vec: the SGNS gradient, the NumPy path's vectorized steps against per-pair loops, both
paths learning a two-topic corpus, repeatability, gensim's names, bad input."""
import numpy as np
import pytest

import npdeep
from harness import assert_numerical_gradients
from npdeep import kernels
from npdeep.text import KeyedVectors, Word2Vec
from npdeep.text.word2vec import add_rows, cbow_step, sgns_loss, sgns_step
from text.word2vec_helpers import topic_corpus, topic_margin


@pytest.mark.parametrize("n_e, K", [(1, 1), (7, 5), (16, 3)])
def test_sgns_loss_gradient(n_e, K):
    rng = np.random.default_rng(n_e + K)
    h = rng.standard_normal(n_e)
    U = rng.standard_normal((K + 1, n_e))
    labels = np.r_[1.0, np.zeros(K)]
    J, dh, dU = sgns_loss(h, U, labels)
    assert J > 0
    assert_numerical_gradients({"h": dh, "U": dU}, {"h": h, "U": U},
                               lambda: sgns_loss(h, U, labels)[0])


def test_sgns_step_is_minus_alpha_times_the_gradient():
    rng = np.random.default_rng(0)
    syn0 = rng.standard_normal((6, 4))
    syn1neg = rng.standard_normal((6, 4))
    _, dh, dU = sgns_loss(syn0[1], syn1neg[[2, 3, 5]], np.array([1.0, 0, 0]))
    want0, want1 = syn0.copy(), syn1neg.copy()
    want0[1] -= 0.1 * dh
    want1[[2, 3, 5]] -= 0.1 * dU
    sgns_step(syn0, syn1neg, np.array([1]), np.array([2]), np.array([[3, 5]]), 0.1)
    np.testing.assert_allclose(syn0, want0, rtol=1e-12)
    np.testing.assert_allclose(syn1neg, want1, rtol=1e-12)


def test_sgns_step_skips_a_negative_equal_to_the_target():
    rng = np.random.default_rng(1)
    syn0, syn1neg = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    a0, a1 = syn0.copy(), syn1neg.copy()
    sgns_step(syn0, syn1neg, np.array([0]), np.array([2]), np.array([[2, 3]]), 0.1)
    sgns_step(a0, a1, np.array([0]), np.array([2]), np.array([[3]]), 0.1)
    np.testing.assert_allclose(syn0, a0)
    np.testing.assert_allclose(syn1neg, a1)


def test_sgns_step_of_distinct_pairs_equals_one_pair_at_a_time():
    # Pairs that share no row do not interact: the block equals the pairs in turn.
    rng = np.random.default_rng(2)
    syn0, syn1neg = rng.standard_normal((20, 5)), rng.standard_normal((20, 5))
    inputs, targets = np.array([0, 1, 2]), np.array([3, 4, 5])
    negatives = np.array([[6, 7], [8, 9], [10, 11]])
    a0, a1 = syn0.copy(), syn1neg.copy()
    sgns_step(syn0, syn1neg, inputs, targets, negatives, 0.05)
    for i in range(3):
        sgns_step(a0, a1, inputs[i:i + 1], targets[i:i + 1], negatives[i:i + 1], 0.05)
    np.testing.assert_allclose(syn0, a0, rtol=1e-12)
    np.testing.assert_allclose(syn1neg, a1, rtol=1e-12)


def test_add_rows_equals_add_at():
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 7, 50)  # many repeats
    D = rng.standard_normal((50, 4))
    M, want = np.ones((7, 4)), np.ones((7, 4))
    add_rows(M, rows, D)
    np.add.at(want, rows, D)
    np.testing.assert_allclose(M, want, rtol=1e-12)


def test_cbow_step_is_minus_alpha_times_the_gradient():
    rng = np.random.default_rng(4)
    syn0, syn1neg = rng.standard_normal((8, 3)), rng.standard_normal((8, 3))
    contexts = np.array([1, 2, 2])  # a repeated context word gets the update twice
    h = syn0[contexts].mean(axis=0)
    _, dh, dU = sgns_loss(h, syn1neg[[0, 5]], np.array([1.0, 0]))
    want0, want1 = syn0.copy(), syn1neg.copy()
    np.add.at(want0, contexts, -0.1 * dh)
    want1[[0, 5]] -= 0.1 * dU
    cbow_step(syn0, syn1neg, contexts, np.zeros(3, int), np.array([0]), np.array([[5]]), 0.1)
    np.testing.assert_allclose(syn0, want0, rtol=1e-12)
    np.testing.assert_allclose(syn1neg, want1, rtol=1e-12)


PATHS = [pytest.param(False, id="numpy"),
         pytest.param(True, id="numba", marks=pytest.mark.skipif(
             not kernels.available(), reason="numba is not installed"))]


@pytest.mark.parametrize("compiled", PATHS)
@pytest.mark.parametrize("sg", [1, 0])
def test_learns_two_topics(compiled, sg):
    sentences = topic_corpus()
    with kernels.use(compiled):
        untrained = Word2Vec(vector_size=16, min_count=1, epochs=1, seed=3)
        untrained.build_vocab(sentences=sentences)
        model = Word2Vec(sentences, vector_size=16, window=3, min_count=1, sg=sg, epochs=8,
                         sample=0, seed=3, workers=2, alpha=0.05)
    assert model.path == ("numba" if compiled else "numpy")
    assert abs(topic_margin(untrained.wv)) < 0.2
    assert topic_margin(model.wv) > 0.4
    assert isinstance(model.wv, KeyedVectors) and model.wv.vectors.shape == (20, 16)
    assert model.wv.index_to_key[:2] == ["a0", "b0"]  # most frequent first
    assert model.corpus_total_words == 2400 and model.words_per_second > 0


@pytest.mark.parametrize("compiled", PATHS)
def test_one_thread_repeats_bit_for_bit(compiled):
    sentences = topic_corpus(60)
    with kernels.use(compiled):
        runs = [Word2Vec(sentences, vector_size=8, min_count=1, epochs=2, workers=1, seed=5,
                         sample=1e-2).wv.vectors for _ in range(2)]
        other = Word2Vec(sentences, vector_size=8, min_count=1, epochs=2, workers=1, seed=6,
                         sample=1e-2).wv.vectors
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], other)


def test_corpus_file_equals_sentences(tmp_path):
    sentences = topic_corpus(40)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    a = Word2Vec(corpus_file=str(path), vector_size=8, min_count=1, epochs=1, workers=1)
    b = Word2Vec(sentences=sentences, vector_size=8, min_count=1, epochs=1, workers=1)
    assert a.wv.index_to_key == b.wv.index_to_key
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_learning_rate_decays_linearly():
    model = Word2Vec(vector_size=4, min_count=1, alpha=0.1, min_alpha=0.001, epochs=2,
                     batch_words=100)
    model.build_vocab(sentences=topic_corpus(100, 10))  # 1,000 words: 10 chunks an epoch
    alphas = [job[-1] for job in model._jobs(2)]
    assert len(alphas) == 20 and alphas[0] == 0.1
    np.testing.assert_allclose(np.diff(alphas), -(0.1 - 0.001) / 20, rtol=1e-9)


def test_progress_bar_does_not_break_training():
    pytest.importorskip("tqdm")
    model = Word2Vec(topic_corpus(20), vector_size=4, min_count=1, epochs=1, progress=True)
    assert model.train_seconds > 0


def test_bad_input():
    with pytest.raises(ValueError, match="The 'vector_size' parameter of Word2Vec must be an "
                                         "int >= 1. Got 0 instead."):
        Word2Vec(vector_size=0)
    with pytest.raises(ValueError, match="The 'sg' parameter of Word2Vec must be one of 0, 1"):
        Word2Vec(sg=2)
    with pytest.raises(ValueError, match="no word occurs min_count=50 times"):
        Word2Vec([["a", "b"]], min_count=50)
    with pytest.raises(RuntimeError, match="call build_vocab first"):
        Word2Vec().train()
    with pytest.raises(ValueError, match="give exactly one of 'sentences'"):
        Word2Vec().build_vocab()


def test_exported():
    assert npdeep.text.Word2Vec is Word2Vec


@pytest.mark.slow
def test_war_and_peace_quality_close_to_gensims():
    """Five epochs on War and Peace, npdeep's compiled path and gensim with the same settings:
    the analogy accuracies within a fifth of each other (the run's noise, seed to seed, is
    about a tenth), both far above an untrained model's."""
    import os

    from conftest import SHARED_DATA
    from npdeep.text.word2vec_data import simple_tokenize
    gensim_models = pytest.importorskip("gensim.models")
    path = os.path.join(SHARED_DATA, "text", "war_and_peace.txt")
    questions = os.path.join(SHARED_DATA, "embeddings", "questions-words.txt")
    if not os.path.isfile(path) or not os.path.isfile(questions):
        pytest.skip("the shared corpora are not here")
    with open(path, encoding="utf-8") as f:
        sentences = [t for t in (simple_tokenize(line) for line in f) if t]
    settings = dict(vector_size=100, window=5, min_count=5, sample=1e-3, negative=5, sg=1,
                    epochs=5, workers=2, seed=1)
    ours = Word2Vec(sentences, **settings).wv
    theirs = gensim_models.Word2Vec(sentences, **settings).wv
    theirs = KeyedVectors(list(theirs.index_to_key), theirs.vectors)
    untrained = Word2Vec(sentences, **{**settings, "epochs": 1}, alpha=1e-9, min_alpha=1e-9).wv
    ours_score = ours.evaluate_word_analogies(questions)[0]
    their_score = theirs.evaluate_word_analogies(questions)[0]
    assert abs(ours_score - their_score) < 0.2 * their_score
    assert untrained.evaluate_word_analogies(questions)[0] < 0.2 * their_score


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_add_rows_with_heavy_rows_equals_add_at(seed):
    rng = np.random.default_rng(seed)
    rows = np.r_[np.zeros(13, int), rng.integers(0, 30, 40), [5] * 6]  # counts 1..>RANKS
    rng.shuffle(rows)
    D = rng.standard_normal((len(rows), 3))
    M = rng.standard_normal((30, 3))
    want = M.copy()
    add_rows(M, rows, D)
    np.add.at(want, rows, D)
    np.testing.assert_allclose(M, want, rtol=1e-12, atol=1e-12)
