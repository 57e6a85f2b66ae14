"""Word2Vec's data side: vocabulary, encoding, subsampling, windows, negatives; gensim's tables."""
import numpy as np
import pytest

from npdeep.text import word2vec_data as data
from text.word2vec_helpers import topic_corpus


def test_read_and_encode():
    sentences = [["a", "b", "a"], ["c"], ["b", "a", "d", "d"], []]
    words, counts, ids, starts, raw = data.read_corpus(sentences)
    assert words == ["a", "b", "c", "d"] and list(counts) == [3, 2, 1, 2] and raw == 8
    vocab, vocab_counts, old_to_new = data.build_vocab(words, counts, min_count=2)
    assert vocab == ["a", "b", "d"] and list(vocab_counts) == [3, 2, 2]  # ties: first seen
    corpus = data.encode(ids, starts, old_to_new, raw)
    assert list(corpus.tokens) == [0, 1, 0, 1, 0, 2, 2]
    assert list(corpus.starts) == [0, 3, 7]  # ["c"] became empty and is gone
    assert corpus.raw_words == 8


def test_read_corpus_errors(tmp_path):
    with pytest.raises(ValueError, match="give exactly one of 'sentences'"):
        data.read_corpus()
    with pytest.raises(TypeError, match="must be a list of tokens, got the string 'a b c'"):
        data.read_corpus(["a b c"])
    with pytest.raises(ValueError, match="the corpus has no tokens"):
        data.read_corpus([[]])
    with pytest.raises(FileNotFoundError, match="no such corpus_file"):
        data.read_corpus(corpus_file=tmp_path / "none.txt")


def test_corpus_file_is_whitespace_tokens(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a  b\ta\n\n c \n", encoding="utf-8")
    assert list(data.iter_corpus_file(path)) == [["a", "b", "a"], ["c"]]


def test_chunks_cover_the_corpus():
    words, counts, ids, starts, raw = data.read_corpus(topic_corpus(50, 7))
    corpus = data.encode(ids, starts, np.arange(len(words)), raw)
    parts = data.chunks(corpus, batch_words=30)
    assert parts[0][0] == 0 and parts[-1][1] == 50
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    assert all(corpus.starts[stop] - corpus.starts[first] <= 35 for first, stop in parts)
    assert data.chunks(corpus, batch_words=1) == [(i, i + 1) for i in range(50)]


def test_keep_probability_formula():
    counts = np.array([1000, 100, 10, 1])
    t = 1e-2 * counts.sum()
    want = np.minimum(1, (np.sqrt(counts / t) + 1) * t / counts)
    np.testing.assert_allclose(data.keep_probabilities(counts, 1e-2), want)
    assert data.keep_probabilities(counts, 1e-2)[0] < 0.5
    np.testing.assert_array_equal(data.keep_probabilities(counts, 0), 1)


def test_tables_equal_gensims():
    gensim_models = pytest.importorskip("gensim.models")
    sentences = topic_corpus(200, 9, seed=3) + [["the"] * 30] * 20
    model = gensim_models.Word2Vec(min_count=1, sample=1e-2, seed=1, workers=1)
    model.build_vocab(sentences)
    words, counts, *_ = data.read_corpus(sentences)
    vocab, vocab_counts, _ = data.build_vocab(words, counts, min_count=1)
    order = [vocab.index(w) for w in model.wv.index_to_key]  # gensim's order among ties
    want_counts = [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key]
    np.testing.assert_array_equal(vocab_counts[order], want_counts)
    sample_int = data.sample_ints(data.keep_probabilities(vocab_counts, 1e-2))
    want = [model.wv.get_vecattr(w, "sample_int") for w in model.wv.index_to_key]
    np.testing.assert_array_equal(sample_int[order], want)
    np.testing.assert_array_equal(data.cum_table(vocab_counts[order]), model.cum_table)


def test_subsampling_rate():
    rng = np.random.default_rng(0)
    keep = np.array([0.2, 0.9])
    tokens = np.array([0, 1] * 20000, dtype=np.int32)
    kept, starts = data.subsample(tokens, np.array([0, 20000, 40000]), keep, rng)
    assert abs(np.mean(kept == 0) * len(kept) / 20000 - 0.2) < 0.02
    assert starts[0] == 0 and starts[-1] == len(kept)


def test_skipgram_pairs_equal_a_loop():
    tokens = np.arange(23)
    starts = np.array([0, 1, 9, 23])
    window = 3
    centers, contexts = data.skipgram_pairs(tokens, starts, window, np.random.default_rng(4))
    reach = window - np.random.default_rng(4).integers(0, window, size=23)
    want = set()
    for s in range(3):
        for i in range(starts[s], starts[s + 1]):
            for j in range(max(starts[s], i - reach[i]), min(starts[s + 1], i + reach[i] + 1)):
                if j != i:
                    want.add((i, j))
    got = list(zip(centers.tolist(), contexts.tolist()))
    assert len(got) == len(want) and set(got) == want


def test_negatives_follow_unigram_to_the_three_quarters():
    counts = np.array([500, 100, 20, 5, 1])
    table = data.cum_table(counts)
    want = counts ** 0.75 / np.sum(counts ** 0.75)
    np.testing.assert_allclose(data.negative_probabilities(table), want, atol=1e-9)
    draws = data.draw_negatives(table, (200000,), np.random.default_rng(0))
    freq = np.bincount(draws, minlength=5) / 200000
    np.testing.assert_allclose(freq, want, atol=4e-3)


def test_lcg_is_word2vecs():
    # word2vec.c: next_random = next_random * 25214903917 + 11, here mod 2^48 (gensim).
    assert data.lcg_next(1) == 25214903928
    assert data.lcg_next(2 ** 48 - 1) == (((2 ** 48 - 1) * 25214903917 + 11) % 2 ** 48)


def test_simple_tokenize():
    assert data.simple_tokenize("Don't stop, Prince! 1812—Moscow") == ["don", "t", "stop",
                                                                      "prince", "moscow"]
