"""npdeep.text.bleu against sacrebleu 2.6: its own test vectors, the WMT17 systems, random cases."""
import gzip
import json
import math
import os
import random
import warnings

import pytest

from npdeep.text.bleu import (BLEUScore, closest_ref_len, compute_bleu, corpus_bleu,
                              ngram_counts, sentence_bleu)
from npdeep.text.tokenizers import TOKENIZERS, tokenize_13a, tokenize_intl

BLEU_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "..", "shared", "data", "bleu")
VECTORS = os.path.join(BLEU_DATA, "bleu_test_vectors.json")
WMT17 = os.path.join(BLEU_DATA, "wmt17_en_de_systems.json.gz")
needs_vectors = pytest.mark.skipif(not os.path.exists(VECTORS),
                                   reason="the shared BLEU test vectors are absent")
needs_wmt = pytest.mark.skipif(not os.path.exists(WMT17),
                               reason="the shared WMT17 systems are absent")


def _vectors():
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)


def _wmt17():
    with gzip.open(WMT17, "rt", encoding="utf-8") as f:
        return json.load(f)


def _score_case(case) -> BLEUScore:
    settings = {k: v for k, v in case["settings"].items() if k != "force"}  # a warning only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case["level"] == "corpus":
            return corpus_bleu(case["hypotheses"], case["references"], **settings)
        return sentence_bleu(case["hypotheses"][0], [s[0] for s in case["references"]],
                             **settings)


# ----------------------------------------------------------------- the formula by hand
def test_the_papers_clipped_unigram_precision():
    # Papineni et al.'s example: "the" x7 against "the cat is on the mat": p_1 = 2/7.
    result = corpus_bleu(["the the the the the the the"], [["the cat is on the mat"]],
                         smooth_method="none", max_ngram_order=1)
    assert result.counts == [2] and result.totals == [7]
    assert result.precisions[0] == pytest.approx(100 * 2 / 7)
    assert result.bp == 1.0 and result.score == pytest.approx(100 * 2 / 7)


def test_geometric_mean_and_brevity_penalty_by_hand():
    # c = 4, r = 6: BP = exp(1 - 6/4); p_1 = 4/4, p_2 = 2/3.
    result = corpus_bleu(["the cat sat down"], [["the cat sat on the mat"]],
                         max_ngram_order=2, smooth_method="none")
    assert result.counts == [3, 2] and result.totals == [4, 3]
    expected = math.exp(1 - 6 / 4) * math.sqrt(3 / 4 * 2 / 3) * 100
    assert result.bp == pytest.approx(math.exp(-0.5))
    assert result.score == pytest.approx(expected, abs=1e-12)


def test_counts_clip_at_the_most_any_one_reference_has():
    counts = ngram_counts("a a b".split(), 2)
    assert counts == {("a",): 2, ("b",): 1, ("a", "a"): 1, ("a", "b"): 1}
    # "a" x3: one reference has it twice, the other once -> clipped at 2, not 3.
    result = corpus_bleu(["a a a"], [["a a"], ["a b"]], max_ngram_order=1,
                         smooth_method="none")
    assert result.counts == [2]


def test_closest_reference_length_prefers_the_shorter_on_a_tie():
    assert closest_ref_len(5, [3, 7]) == 3
    assert closest_ref_len(5, [7, 3, 6]) == 6


def test_identical_corpus_scores_100_and_the_line_reads_as_sacrebleus():
    result = corpus_bleu(["The cat sat on the mat."], [["The cat sat on the mat."]])
    assert result.score == pytest.approx(100.0)
    assert str(result) == ("BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = "
                           "1.000 hyp_len = 7 ref_len = 7)")
    assert result.format(signature=True).startswith(
        "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp = 100.00")


def test_13a_and_intl_tokenizers():
    assert tokenize_13a("Hello, world. It costs $3.50 in 1990-2000.") == \
        "Hello , world . It costs $ 3.50 in 1990 - 2000 ."
    assert tokenize_13a("a &amp; b &quot;c&quot;") == 'a & b " c "'
    # intl leaves a number's final period on it (mteval-v14), and splits Unicode symbols.
    assert tokenize_intl("«Oui» €5 in 1990.") == "« Oui » € 5 in 1990."
    assert tokenize_13a("«Oui» €5 in 1990.") == "«Oui» €5 in 1990 ."


# ----------------------------------------------------------------- bad input
def test_mismatched_numbers_of_hypotheses_and_references():
    with pytest.raises(ValueError, match=r"corpus_bleu: reference stream 1 has 1 sentences "
                                         r"but there are 2 hypotheses"):
        corpus_bleu(["a b", "c d"], [["a b", "c d"], ["a b"]])


def test_a_single_stream_without_its_list_is_refused():
    with pytest.raises(TypeError, match=r"references_lists must be a list of reference "
                                        r"streams .* pass \[references\]"):
        corpus_bleu(["a b"], ["a b"])
    with pytest.raises(TypeError, match=r"sentence_bleu: references must be a list"):
        sentence_bleu("a b", "a b")


def test_unknown_settings_are_named():
    with pytest.raises(ValueError, match=r"The 'tokenize' parameter of corpus_bleu must be "
                                         r"one of '13a', 'none', 'intl', 'char'. Got 'moses'"):
        corpus_bleu(["a"], [["a"]], tokenize="moses")
    with pytest.raises(ValueError, match=r"The 'smooth_method' parameter of sentence_bleu"):
        sentence_bleu("a", ["a"], smooth_method="laplace")


@pytest.mark.parametrize("hyp, ref", [("", "the cat"), ("the cat", "")])
def test_an_empty_sentence_scores_zero_with_a_warning(hyp, ref):
    with pytest.warns(UserWarning, match=r"sentence_bleu: .* empty .* match nothing"):
        result = sentence_bleu(hyp, [ref])
    assert result.score == 0.0


# ----------------------------------------------------------------- sacrebleu's vectors
@needs_vectors
def test_sacrebleus_own_cases():
    cases = _vectors()["sacrebleu_cases"]
    assert len(cases) == 38
    for case in cases:
        result = _score_case(case)
        assert abs(result.score - case["computed_score"]) <= 1e-6, case["id"]
        assert abs(result.bp - case["bp"]) <= 1e-12, case["id"]
        assert (result.sys_len, result.ref_len) == (case["sys_len"], case["ref_len"])
        if case["settings"].get("smooth_method") != "add-k":
            # NOTE: sacrebleu reports add-k's counts after adding k; npdeep the raw counts.
            assert result.counts == case["counts"] and result.totals == case["totals"]


@needs_vectors
def test_sacrebleus_sufficient_statistics_cases():
    for case in _vectors()["sacrebleu_stats_cases"]:
        result = compute_bleu(case["correct"], case["total"], case["sys_len"],
                              case["ref_len"], case["smooth_method"], case["smooth_value"])
        assert abs(result.score - case["computed_score"]) <= 1e-6, case["id"]


def _check_wmt_system(data, row):
    hypotheses = data["systems"][row["system"]]
    for tokenize, key in (("none", "tokenize_none"), ("13a", "default_13a")):
        expected = row[key]
        result = corpus_bleu(hypotheses, [data["reference"]], tokenize=tokenize)
        assert abs(result.score - expected["score"]) <= 1e-6, (row["system"], tokenize)
        assert result.counts == expected["counts"] and result.totals == expected["totals"]
        assert (result.sys_len, result.ref_len) == (expected["sys_len"], expected["ref_len"])
        assert expected["signature"].startswith(result.signature + "|version:")


@needs_wmt
def test_two_wmt17_systems_13a_and_none():
    data = _wmt17()
    by_name = {row["system"]: row for row in data["expected_corpus_bleu"]}
    # uedin-nmt is the published 28.30 (13a); LIUM-NMT the first row.
    for name in ("newstest2017.uedin-nmt.4722.en-de", "newstest2017.LIUM-NMT.4900.en-de"):
        _check_wmt_system(data, by_name[name])
    assert round(by_name["newstest2017.uedin-nmt.4722.en-de"]["default_13a"]["score"], 2) \
        == 28.30


@pytest.mark.slow
@needs_wmt
def test_every_wmt17_system_13a_and_none():
    data = _wmt17()
    assert len(data["expected_corpus_bleu"]) == len(data["systems"])
    for row in data["expected_corpus_bleu"]:
        _check_wmt_system(data, row)


# ----------------------------------------------------------------- random cases vs the peer
WORDS = ("the a cat dog sat on mat , . ! ? 3.5 1,000 well-known 1990-2000 \" ( ) $ "
         "Über café «x» €").split()


def _sentence(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))


def test_random_cases_equal_sacrebleu():
    sacrebleu = pytest.importorskip("sacrebleu")
    rng = random.Random(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trial in range(300):
            tokenize = rng.choice(sorted(TOKENIZERS))
            smooth_method = rng.choice(["none", "floor", "add-k", "exp"])
            smooth_value = rng.choice([None, 0.01, 0.5, 2])
            lowercase = rng.random() < 0.3
            m, K = rng.randint(1, 6), rng.randint(1, 3)
            hyps = [_sentence(rng) for _ in range(m)]
            refs = [[_sentence(rng) for _ in range(m)] for _ in range(K)]
            order = rng.choice([1, 2, 4, 5])
            effective = rng.random() < 0.5
            peer = sacrebleu.metrics.BLEU(
                tokenize=tokenize, smooth_method=smooth_method, smooth_value=smooth_value,
                lowercase=lowercase, max_ngram_order=order, effective_order=effective)
            expected = peer.corpus_score(hyps, refs)
            got = corpus_bleu(hyps, refs, tokenize, smooth_method, smooth_value, lowercase,
                              order, effective)
            assert abs(got.score - expected.score) <= 1e-6, trial
            assert (got.sys_len, got.ref_len) == (expected.sys_len, expected.ref_len)
            single = sacrebleu.sentence_bleu(hyps[0], [r[0] for r in refs],
                                             smooth_method=smooth_method,
                                             smooth_value=smooth_value, lowercase=lowercase,
                                             tokenize=tokenize)
            got = sentence_bleu(hyps[0], [r[0] for r in refs], tokenize, smooth_method,
                                smooth_value, lowercase)
            assert abs(got.score - single.score) <= 1e-6, trial


def test_a_sentence_may_have_fewer_references_none_in_a_stream():
    sacrebleu = pytest.importorskip("sacrebleu")
    hyps = ["the cat sat on the mat", "a dog ran", "it is raining today"]
    refs = [["the cat is on the mat", "a dog runs", "it rains today"],
            ["there is a cat on the mat", None, "today it is raining"]]
    got = corpus_bleu(hyps, refs)
    assert abs(got.score - sacrebleu.corpus_bleu(hyps, refs).score) <= 1e-6
    assert got.signature.startswith("nrefs:var|")
    with pytest.raises(ValueError, match=r"corpus_bleu: hypothesis 1 has no reference"):
        corpus_bleu(hyps, [["a", None, "b"]])
