"""KeyedVectors: lookup, cosine similarity, most_similar (3CosAdd) and the course's analogy."""
import numpy as np
import pytest

from text.embedding_helpers import data_file, random_kv
from npdeep.text import KeyedVectors, cosine_similarity, load_glove


def test_lookup_attributes():
    kv = KeyedVectors(["a", "b", "c"], np.arange(6).reshape(3, 2))
    assert kv.index_to_key == ["a", "b", "c"]
    assert kv.key_to_index == {"a": 0, "b": 1, "c": 2}
    assert kv.vectors.dtype == np.float32 and kv.vectors.shape == (3, 2)
    assert kv.vector_size == 2 and len(kv) == 3
    assert "b" in kv and "z" not in kv
    np.testing.assert_array_equal(kv["c"], [4, 5])
    np.testing.assert_array_equal(kv.get_vector("b"), [2, 3])
    np.testing.assert_allclose(kv.get_vector("b", norm=True), np.array([2, 3]) / np.sqrt(13),
                               rtol=1e-6)


def test_float64_storage():
    kv = KeyedVectors(["a"], [[0.1, 0.2]], dtype=np.float64)
    assert kv.vectors.dtype == np.float64 and kv["a"][0] == 0.1
    with pytest.raises(ValueError, match="'dtype' parameter of KeyedVectors must be float32 "
                                         "or float64"):
        KeyedVectors(["a"], [[1, 2]], dtype=np.int32)


def test_vectors_are_a_copy():
    E = np.ones((2, 3))
    kv = KeyedVectors(["x", "y"], E)
    E[0, 0] = 5.0
    assert kv["x"][0] == 1.0


def test_bad_construction():
    with pytest.raises(ValueError, match=r"the word 'a' appears twice \(positions 0 and 2\)"):
        KeyedVectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"got 2 words but vectors of shape \(3, 2\)"):
        KeyedVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"expected vectors of shape \(V, n_e\) but got \(3,\)"):
        KeyedVectors(["a", "b", "c"], np.zeros(3))
    with pytest.raises(TypeError, match="words must be non-empty strings; got '' at position 1"):
        KeyedVectors(["a", ""], np.zeros((2, 2)))


def test_unknown_word_is_named():
    kv = random_kv()
    with pytest.raises(KeyError, match="the word 'zebra' is not in the vocabulary"):
        kv["zebra"]


def test_cosine_similarity_values():
    assert cosine_similarity([1, 0], [0, 3]) == 0.0
    assert cosine_similarity([1, 2], [2, 4]) == pytest.approx(1.0)
    assert cosine_similarity([1, 2], [-1, -2]) == pytest.approx(-1.0)
    assert cosine_similarity([1, 1], [1, 0]) == pytest.approx(1 / np.sqrt(2))
    assert cosine_similarity([0, 0], [1, 0]) == 0.0
    with pytest.raises(ValueError, match=r"two vectors of shape \(n_e,\) but got \(2,\) and \(3,\)"):
        cosine_similarity([1, 0], [1, 0, 0])


def _most_similar_loop(kv, positive, negative, topn):
    """gensim's 3CosAdd by hand: the mean of unit vectors, cosine with every other word."""
    q = sum(kv.get_vector(w, norm=True).astype(np.float64) for w in positive)
    q = q - sum((kv.get_vector(w, norm=True).astype(np.float64) for w in negative),
                np.zeros(kv.vector_size))
    scores = [(w, cosine_similarity(q, kv[w])) for w in kv.index_to_key
              if w not in positive and w not in negative]
    return sorted(scores, key=lambda s: -s[1])[:topn]


def test_most_similar_matches_a_loop():
    kv = random_kv(V=40, n_e=6, seed=3)
    got = kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    want = _most_similar_loop(kv, ["w1", "w2"], ["w3"], 5)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-6)
    assert kv.most_similar("w0", topn=3)[0][0] != "w0"


def test_most_similar_restrict_vocab_and_errors():
    kv = random_kv(V=40, seed=4)
    got = kv.most_similar(positive=["w30"], topn=10, restrict_vocab=10)
    assert len(got) == 10 and all(int(w[1:]) < 10 for w, _ in got)
    with pytest.raises(ValueError, match="at least one word"):
        kv.most_similar()
    with pytest.raises(ValueError, match="'topn' parameter of most_similar must be an int >= 1"):
        kv.most_similar("w1", topn=0)


def _complete_analogy_loop(kv, a, b, c):
    """The course's complete_analogy, word by word."""
    e_a, e_b, e_c = kv[a], kv[b], kv[c]
    best, best_sim = None, -100
    for w in kv.index_to_key:
        if w in (a, b, c):
            continue
        sim = cosine_similarity(e_b - e_a, kv[w] - e_c)
        if sim > best_sim:
            best, best_sim = w, sim
    return best


def test_analogy_matches_the_course_loop():
    kv = random_kv(V=50, n_e=5, seed=7)
    for a, b, c in [("w0", "w1", "w2"), ("w10", "w3", "w44"), ("w5", "w6", "w7")]:
        assert kv.analogy(a, b, c) == _complete_analogy_loop(kv, a, b, c)


def test_analogy_planted_answer():
    # queen = king - man + woman exactly: the analogy must find it.
    rng = np.random.default_rng(0)
    words = ["man", "woman", "king", "queen"] + [f"x{i}" for i in range(20)]
    E = rng.standard_normal((len(words), 10))
    E[3] = E[2] - E[0] + E[1]
    kv = KeyedVectors(words, E)
    assert kv.analogy("man", "woman", "king") == "queen"
    assert kv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)[0][0] in words


def test_analogy_unknown_word_is_named():
    kv = random_kv()
    with pytest.raises(KeyError, match="the word 'queen' is not in the vocabulary"):
        kv.analogy("w1", "queen", "w2")


def test_glove_analogy_and_similarity():
    kv = load_glove(data_file("test_glove.txt"))
    assert len(kv) == 76 and kv.vector_size == 50
    assert kv.similarity("he", "she") > kv.similarity("he", "of")


def test_most_similar_matches_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    kv = load_glove(data_file("test_glove.txt"))
    peer = gensim_models.KeyedVectors(kv.vector_size)
    peer.add_vectors(kv.index_to_key, kv.vectors)
    for positive, negative in [(["he", "his"], ["she"]), (["the"], []), (["was", "for"], ["is"])]:
        got = kv.most_similar(positive=positive, negative=negative, topn=5)
        want = peer.most_similar(positive=positive, negative=negative, topn=5)
        assert [w for w, _ in got] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    assert kv.similarity("he", "she") == pytest.approx(float(peer.similarity("he", "she")),
                                                       rel=1e-5)
