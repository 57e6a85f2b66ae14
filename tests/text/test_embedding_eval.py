"""Analogy accuracy and word-similarity ρ: against loops, scipy and gensim on the same vectors."""
import numpy as np
import pytest

from text.embedding_helpers import data_file
from npdeep.text import KeyedVectors
from npdeep.text.embedding_eval import (evaluate_word_analogies, pearson, rankdata,
                                        section_accuracy, spearman)


def _rankdata_loop(x):
    """Average ranks by the definition: 1 + #smaller + (#equal - 1) / 2."""
    x = list(x)
    return np.array([1 + sum(v < xi for v in x) + (sum(v == xi for v in x) - 1) / 2 for xi in x])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rankdata_average_ties(seed):
    x = np.random.default_rng(seed).integers(0, 5, size=17).astype(float)  # many ties
    np.testing.assert_array_equal(rankdata(x), _rankdata_loop(x))
    np.testing.assert_array_equal(rankdata([10, 20, 20, 5]), [2, 3.5, 3.5, 1])


def test_correlations_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(5)
    x = rng.integers(0, 8, 50).astype(float)
    y = x + rng.standard_normal(50) * 3
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    assert spearman(x, -x) == pytest.approx(-1.0)


def _analogy_kv(seed=0):
    """Vectors for the words of the first two analogy sections, with a planted capital →
    country offset (so many answers are right and some wrong), lower-case and a few Title-case
    duplicates further down (the case rule and restrict_vocab both matter)."""
    path = data_file("questions-words.txt")
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(": capital-world"):
                break
            if not line.startswith(":"):
                for w in line.split():
                    if w.lower() not in words:
                        words.append(w.lower())
    rng = np.random.default_rng(seed)
    n_e = 20
    E = rng.standard_normal((len(words), n_e))
    offset = rng.standard_normal(n_e) * 2
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(": capital-world"):
                break
            if not line.startswith(":"):
                city, country = line.split()[:2]
                E[words.index(country.lower())] = (E[words.index(city.lower())] + offset
                                                   + rng.standard_normal(n_e) * 1.5)
    extra = [w.title() for w in words[:5]] + ["filler"]
    E = np.vstack([E, rng.standard_normal((len(extra), n_e))])
    return path, KeyedVectors(words + extra, E)


def test_analogies_match_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    path, kv = _analogy_kv()
    peer = gensim_models.KeyedVectors(kv.vector_size)
    peer.add_vectors(kv.index_to_key, kv.vectors)
    for restrict in (300000, len(kv) - 10):
        score, sections = evaluate_word_analogies(kv, path, restrict_vocab=restrict)
        want_score, want = peer.evaluate_word_analogies(path, restrict_vocab=restrict)
        assert 0.05 < score < 0.95  # the planted offset answers some, not all
        assert score == pytest.approx(want_score)
        assert [s["section"] for s in sections] == [s["section"] for s in want]
        for got, expected in zip(sections, want):
            assert got["correct"] == expected["correct"]
            assert got["incorrect"] == expected["incorrect"]
    total = sections[-1]
    assert total["section"] == "Total accuracy" and total["skipped"] > 0  # capital-world...
    n_correct = sum(len(s["correct"]) for s in sections[:-1])
    n_answered = n_correct + sum(len(s["incorrect"]) for s in sections[:-1])
    assert section_accuracy(total) == pytest.approx(score) == pytest.approx(n_correct / n_answered)


def test_analogies_by_loop():
    # Every answered question re-done with most_similar, one at a time.
    path, kv = _analogy_kv(seed=1)
    score, sections = evaluate_word_analogies(kv, path)
    for q in sections[0]["correct"][:20] + sections[0]["incorrect"][:20]:
        a, b, c, d = (w.lower() for w in q)
        predicted = kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
        assert (predicted.upper() == q[3]) == (q in sections[0]["correct"])


def test_analogy_file_errors(tmp_path):
    _, kv = _analogy_kv()
    bad = tmp_path / "q.txt"
    bad.write_text("a b c d\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1 of .* comes before any section header"):
        evaluate_word_analogies(kv, bad)
    with pytest.raises(FileNotFoundError, match="evaluate_word_analogies: no such file"):
        evaluate_word_analogies(kv, tmp_path / "none.txt")
    with pytest.raises(ValueError, match="'restrict_vocab' parameter .* must be an int >= 1"):
        evaluate_word_analogies(kv, bad, restrict_vocab=0)


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_match_gensim(name):
    gensim_models = pytest.importorskip("gensim.models")
    path = data_file(name)
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                words += [w.lower() for w in line.split("\t")[:2]]
    words = list(dict.fromkeys(words))
    words = words[: int(len(words) * 0.8)]  # some pairs out of the vocabulary
    kv = KeyedVectors(words, np.random.default_rng(0).standard_normal((len(words), 16)))
    peer = gensim_models.KeyedVectors(16)
    peer.add_vectors(kv.index_to_key, kv.vectors)
    got = kv.evaluate_word_pairs(path)
    (r, _), (rho, _), oov = peer.evaluate_word_pairs(path)
    assert got.spearman == pytest.approx(rho, abs=1e-6)
    assert got.pearson == pytest.approx(r, abs=1e-6)
    assert got.oov_ratio == pytest.approx(oov) and 5 < oov < 60
