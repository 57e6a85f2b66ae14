"""Greedy decoding, beam search (against every output enumerated) and beam-search error analysis."""
import itertools

import numpy as np
import pytest

from npdeep.text.decoding import (Hypothesis, beam_error_analysis, beam_search, greedy_decode,
                                  length_normalized_score, tally_beam_errors)

START, EOS, V = 0, 3, 4


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def bigram_model(seed):
    """A random Markov model: P(y<t> | y<t-1>) from a (V, V) table (row = previous token)."""
    table = log_softmax(np.random.default_rng(seed).normal(size=(V, V)) * 2)
    return lambda prefixes: table[[p[-1] for p in prefixes]]


def prefix_model(seed):
    """A random model whose next-token distribution depends on the whole prefix."""
    def step(prefixes):
        rows = []
        for prefix in prefixes:
            rng = np.random.default_rng([seed, *prefix])
            rows.append(log_softmax(rng.normal(size=V) * 2))
        return np.array(rows)
    return step


def sequence_log_prob(step_fn, tokens):
    prefix, total = (START,), 0.0
    for token in tokens:
        total += step_fn([prefix])[0, token]
        prefix = prefix + (token,)
    return total


def every_output(max_length, eos):
    """Every output beam search can return: ending at eos (at any length) or cut at max_length."""
    tokens = range(V)
    for T in range(1, max_length + 1):
        for y in itertools.product(tokens, repeat=T):
            if eos in y[:-1]:
                continue
            if T < max_length and y[-1] != eos:
                continue
            yield list(y)


@pytest.mark.parametrize("make", [bigram_model, prefix_model])
@pytest.mark.parametrize("eos", [None, EOS])
def test_beam_width_1_is_greedy_decoding(make, eos):
    for seed in range(10):
        step = make(seed)
        greedy = greedy_decode(step, START, max_length=6, eos=eos)
        (beam,) = beam_search(step, START, beam_width=1, max_length=6, eos=eos)
        assert beam.tokens == greedy
        assert beam.log_prob == pytest.approx(sequence_log_prob(step, greedy), abs=1e-12)


def test_greedy_stops_at_eos_and_includes_it():
    table = np.log(np.full((V, V), 0.1))
    table[START, 2], table[2, EOS] = np.log(0.7), np.log(0.7)
    step = lambda prefixes: table[[p[-1] for p in prefixes]]  # noqa: E731
    assert greedy_decode(step, START, max_length=10, eos=EOS) == [2, EOS]
    assert len(greedy_decode(step, START, max_length=10)) == 10


@pytest.mark.parametrize("make", [bigram_model, prefix_model])
@pytest.mark.parametrize("eos, alpha", [(None, 0.0), (EOS, 0.0), (EOS, 0.7), (EOS, 1.0)])
def test_a_wide_beam_finds_the_exact_best_output(make, eos, alpha):
    L = 4
    for seed in range(5):
        step = make(seed)
        scored = [(length_normalized_score(sequence_log_prob(step, y), len(y), alpha), y)
                  for y in every_output(L, eos)]
        best_score, best = max(scored, key=lambda s: s[0])
        found = beam_search(step, START, beam_width=V ** L, max_length=L, eos=eos,
                            length_normalization=alpha)
        assert found[0].tokens == best
        assert found[0].score == pytest.approx(best_score, abs=1e-12)
        # Best first, and every score is the normalized log-probability of its tokens.
        assert all(a.score >= b.score for a, b in zip(found, found[1:]))
        for h in found[:5]:
            assert h.score == pytest.approx(length_normalized_score(
                sequence_log_prob(step, h.tokens), len(h.tokens), alpha), abs=1e-12)


def test_a_narrow_beam_can_miss_what_a_wide_one_finds():
    # Greedy decoding is not exact: on some of these random models B = 1 ends with a lower
    # score than the exhaustive beam (never a higher one).
    misses = 0
    for seed in range(20):
        step = prefix_model(seed)
        narrow = beam_search(step, START, beam_width=1, max_length=4, eos=EOS)[0]
        wide = beam_search(step, START, beam_width=V ** 4, max_length=4, eos=EOS)[0]
        assert wide.score >= narrow.score - 1e-12
        misses += wide.score > narrow.score + 1e-12
    assert misses > 0


def test_length_normalization_changes_the_choice():
    # "eos" at once: log 0.5 = -0.69. [1, 2, eos]: log(0.5 * 0.8 * 0.8) = -1.14, but per token
    # (α = 1) -0.38: without normalization the short output wins, with it the long one.
    P = np.full((V, V), 1e-6)
    P[START, 1], P[START, EOS] = 0.5, 0.5
    P[1, 2], P[2, EOS] = 0.8, 0.8
    P[1, 1], P[2, 2] = 0.2, 0.2
    table = np.log(P / P.sum(axis=1, keepdims=True))
    step = lambda prefixes: table[[p[-1] for p in prefixes]]  # noqa: E731
    plain = beam_search(step, START, beam_width=3, max_length=5, eos=EOS, length_normalization=0)
    normalized = beam_search(step, START, beam_width=3, max_length=5, eos=EOS,
                             length_normalization=1.0)
    assert plain[0].tokens == [EOS]
    assert normalized[0].tokens == [1, 2, EOS]
    assert normalized[0].score == pytest.approx(np.log(0.5 * 0.8 * 0.8) / 3, abs=1e-5)


def test_all_live_beams_are_scored_in_one_call_per_step():
    calls = []
    base = prefix_model(0)

    def step(prefixes):
        calls.append(len(prefixes))
        return base(prefixes)

    beam_search(step, START, beam_width=3, max_length=5)
    assert calls == [1, 3, 3, 3, 3]


def test_bad_input():
    step = bigram_model(0)
    with pytest.raises(ValueError, match=r"The 'beam_width' parameter of beam_search must be "
                                         r"an int >= 1. Got 0 instead"):
        beam_search(step, START, beam_width=0)
    with pytest.raises(ValueError, match=r"beam_search: step_fn must return next-token "
                                         r"log-probabilities of shape \(len\(prefixes\), V\) = "
                                         r"\(1, V\); got \(4,\)"):
        beam_search(lambda prefixes: np.zeros(4), START)


# ------------------------------------------------------------------ error analysis
class TableModel:
    """log P(y|x) looked up in a table, as a model's sequence_log_prob would compute it."""

    def __init__(self, table):
        self.table = table

    def sequence_log_prob(self, x, y):
        return self.table[tuple(y)]


def test_the_courses_two_cases():
    model = TableModel({(1, 2, 3): -1.0, (1, 3): -2.0, (2, 3): -2.0})
    # P(y*|x) > P(ŷ|x): beam search missed a more likely output.
    verdict = beam_error_analysis(model, "x", [1, 2, 3], [1, 3])
    assert verdict.at_fault == "beam search"
    assert "beam search is at fault" in verdict.explanation
    # P(y*|x) < P(ŷ|x) and the tie: the model prefers the worse output.
    assert beam_error_analysis(model, "x", [1, 3], [1, 2, 3]).at_fault == "model"
    assert beam_error_analysis(model, "x", [1, 3], [2, 3]).at_fault == "model"
    assert "RNN model is at fault" in beam_error_analysis(model, "x", [1, 3], [2, 3]).explanation
    assert beam_error_analysis(model, "x", [1, 3], [1, 3]).at_fault == "none"


def test_length_normalized_comparison_and_a_callable_model():
    logp = {(1, 2, 3, 4): -2.0, (1,): -1.2}
    model = lambda x, y: logp[tuple(y)]  # noqa: E731
    assert beam_error_analysis(model, None, [1, 2, 3, 4], [1]).at_fault == "model"
    # Per token (α = 1) y* scores -0.5 against -1.2: now beam search is at fault.
    verdict = beam_error_analysis(model, None, [1, 2, 3, 4], [1], length_normalization=1.0)
    assert verdict.at_fault == "beam search" and verdict.objective_star == -0.5
    with pytest.raises(TypeError, match=r"beam_error_analysis: model must have "
                                        r"sequence_log_prob\(x, y\)"):
        beam_error_analysis(object(), None, [1], [2])


def test_tally_over_a_dev_set():
    model = TableModel({(1,): -1.0, (2,): -2.0, (3,): -3.0})
    pairs = [("a", [1], [2]), ("b", [1], [3]), ("c", [3], [1]), ("d", [2], [2])]
    tally = tally_beam_errors(model, pairs)
    assert tally.counts == {"beam search": 2, "model": 1, "none": 1}
    assert tally.errors == 3
    assert tally.fractions == pytest.approx({"beam search": 2 / 3, "model": 1 / 3})
    assert tally.conclusion.startswith("beam search is at fault in 67% of the errors")
    assert [v.at_fault for v in tally.verdicts] == ["beam search", "beam search", "model",
                                                     "none"]
    with pytest.raises(ValueError, match=r"item 0 has 2 entries"):
        tally_beam_errors(model, [("a", [1])])


def test_hypothesis_is_a_small_dataclass():
    h = Hypothesis([1, 3], -1.5, -1.5 / 2 ** 0.7)
    assert (h.tokens, h.log_prob) == ([1, 3], -1.5)
