"""Debiasing (the course's neutralize and equalize, Bolukbasi et al.'s PCA direction): the
must-show properties on planted vectors and on real GloVe rows, against the course's loops."""
import numpy as np
import pytest

from npdeep.text import KeyedVectors, load_glove
from npdeep.text.debias import bias_direction, equalize, neutralize
from text.embedding_helpers import data_file

NEUTRAL = ["receptionist", "engineer", "nurse", "doctor"]
PAIRS = [("woman", "man"), ("girl", "boy"), ("mother", "father")]


def gendered_kv(dtype=np.float64, seed=0, n_e=12):
    """Unit vectors with a planted gender axis (dimension 0) plus noise; neutral words lean
    along it too (the bias to remove)."""
    rng = np.random.default_rng(seed)
    words = [w for p in PAIRS for w in p] + ["actress", "actor"] + NEUTRAL
    E = rng.standard_normal((len(words), n_e)) * 0.3
    for k, (a, b) in enumerate(PAIRS + [("actress", "actor")]):
        E[2 * k, 0] += 1.0 + 0.1 * k
        E[2 * k + 1, 0] -= 1.0 - 0.1 * k
        E[2 * k + 1, 1:] = E[2 * k, 1:] + rng.standard_normal(n_e - 1) * 0.1
    E[len(PAIRS) * 2 + 2:, 0] += rng.uniform(-0.5, 0.5, len(NEUTRAL))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    return KeyedVectors(words, E, dtype=dtype)


def test_one_pair_direction_is_the_difference():
    kv = gendered_kv()
    np.testing.assert_array_equal(bias_direction(kv, ("woman", "man")), kv["woman"] - kv["man"])


def test_several_pairs_give_the_principal_component():
    kv = gendered_kv()
    g = bias_direction(kv, PAIRS)
    assert np.linalg.norm(g) == pytest.approx(1.0)
    assert abs(g[0]) > 0.9 and g[0] > 0  # the planted axis, signed woman − man
    # The first right singular vector maximizes the centred rows' variance along it.
    centred = np.array([d for a, b in PAIRS for d in ((kv[a] - kv[b]) / 2, (kv[b] - kv[a]) / 2)])
    for u in np.random.default_rng(1).standard_normal((20, kv.vector_size)):
        u /= np.linalg.norm(u)
        assert np.sum((centred @ u) ** 2) <= np.sum((centred @ g) ** 2) + 1e-12


def _neutralize_course(e, g):
    e_biascomponent = np.dot(e, g) / np.sum(g * g) * g
    return e - e_biascomponent


@pytest.mark.parametrize("pairs", [("woman", "man"), PAIRS])
def test_neutralize_removes_the_projection(pairs):
    kv = gendered_kv()
    g = bias_direction(kv, pairs)
    for word in NEUTRAL:
        original = kv[word].copy()
        assert abs(original @ g / np.linalg.norm(g)) > 1e-3  # there was a bias to remove
        e = neutralize(kv, word, g, inplace=True)
        np.testing.assert_allclose(e, _neutralize_course(original, g), rtol=1e-12)
        assert abs(e @ g) / np.linalg.norm(g) < 1e-10
        assert abs(kv[word] @ g) / np.linalg.norm(g) < 1e-10  # written back (float64 kv)


def test_neutralize_not_inplace_leaves_kv():
    kv = gendered_kv()
    g = bias_direction(kv, ("woman", "man"))
    old = kv["nurse"].copy()
    e = neutralize(kv, "nurse", g)
    np.testing.assert_array_equal(kv["nurse"], old)
    np.testing.assert_allclose(e, _neutralize_course(old, g), rtol=1e-12)


def _equalize_course(e_w1, e_w2, bias_axis):
    """The course's equalize, line by line."""
    mu = (e_w1 + e_w2) / 2
    mu_B = np.dot(mu, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    mu_orth = mu - mu_B
    e_w1B = np.dot(e_w1, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    e_w2B = np.dot(e_w2, bias_axis) / np.sum(bias_axis * bias_axis) * bias_axis
    corrected_e_w1B = (np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth)))
                       * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B))
    corrected_e_w2B = (np.sqrt(np.abs(1 - np.sum(mu_orth * mu_orth)))
                       * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B))
    return corrected_e_w1B + mu_orth, corrected_e_w2B + mu_orth


@pytest.mark.parametrize("pairs", [("woman", "man"), PAIRS])
def test_equalize_makes_projections_opposite_and_distances_equal(pairs):
    kv = gendered_kv()
    g = bias_direction(kv, pairs)
    for word in NEUTRAL:
        neutralize(kv, word, g, inplace=True)
    want = _equalize_course(kv["actress"], kv["actor"], g)
    before = (kv["actress"] @ g, kv["actor"] @ g)
    assert abs(before[0] + before[1]) > 1e-3  # not opposite before
    e1, e2 = equalize(kv, ("actress", "actor"), g, inplace=True)
    np.testing.assert_allclose(e1, want[0], rtol=1e-12)
    np.testing.assert_allclose(e2, want[1], rtol=1e-12)
    assert abs(e1 @ g + e2 @ g) < 1e-12 and abs(e1 @ g) > 0.1
    for word in NEUTRAL:
        assert np.linalg.norm(e1 - kv[word]) == pytest.approx(np.linalg.norm(e2 - kv[word]),
                                                              abs=1e-12)
        assert kv.similarity("actress", word) == pytest.approx(kv.similarity("actor", word),
                                                               abs=1e-12)


def test_on_glove_rows():
    kv = load_glove(data_file("test_glove.txt"))
    kv = KeyedVectors(kv.index_to_key, kv.unit_vectors(), dtype=np.float64)
    g = bias_direction(kv, ("she", "he"))
    e = neutralize(kv, "people", g)
    assert abs(e @ g) / np.linalg.norm(g) < 1e-10
    e1, e2 = equalize(kv, ("her", "his"), g)
    assert abs(e1 @ g + e2 @ g) < 1e-12


def test_float32_kv_keeps_float32_precision():
    kv = gendered_kv(dtype=np.float32)
    g = bias_direction(kv, ("woman", "man"))
    e = neutralize(kv, "nurse", g, inplace=True)
    assert abs(e @ g) < 1e-10  # the returned float64 vector
    assert abs(kv["nurse"] @ g) / np.linalg.norm(g) < 1e-6  # stored, rounded to float32


def test_errors():
    kv = gendered_kv()
    g = bias_direction(kv, ("woman", "man"))
    with pytest.raises(KeyError, match="the word 'queen' is not in the vocabulary"):
        neutralize(kv, "queen", g)
    with pytest.raises(ValueError, match=r"neutralize expected g of shape \(12,\) \(n_e\) but "
                                         r"got \(3,\)"):
        neutralize(kv, "nurse", np.ones(3))
    with pytest.raises(ValueError, match="the bias direction g is zero"):
        equalize(kv, ("actor", "actress"), np.zeros(12))
    with pytest.raises(ValueError, match="expected a pair of words"):
        bias_direction(kv, [("woman",)])
