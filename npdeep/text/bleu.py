"""BLEU (Papineni et al. 2002), the course's score of a translation, as sacrebleu computes it.

For each n = 1..N (N = 4), the modified n-gram precision with clipped counts

    p_n = Σ_ngram min(Count(ngram in ŷ), max_r Count(ngram in ref r)) / Σ_ngram Count(ngram in ŷ)

summed over every sentence of the corpus (numerator: ``counts``, denominator: ``totals``), the
brevity penalty with c the length of the output and r the sum over sentences of the
reference length closest to each output's (the shorter one on a tie),

    BP = 1 if c > r, else exp(1 − r/c)

and the score, 100 · BP · exp((1/N) Σ_n log p_n), the geometric mean of the precisions.
Scores agree with sacrebleu 2.6 (same tokenizers, smoothing and defaults), so they can be
reported next to published WMT figures; see ``npdeep.text.tokenizers`` for the tokenizers.

Smoothing (Chen & Cherry 2014) gives credit where an order has no match (p_n = 0 makes the
geometric mean 0):

    none    no smoothing
    floor   p_n = smooth_value / totals_n for a zero count (smooth_value 0.1 by default)
    add-k   p_n = (counts_n + k) / (totals_n + k) for n > 1 (k = smooth_value, 1 by default)
    exp     the NIST/mteval-v13a rule: the i-th zero count gets p_n = 1 / (2^i · totals_n)

``effective_order=True`` averages only over the orders the output has n-grams of (a short
sentence has no 4-grams); sentence-level BLEU uses it, corpus-level BLEU does not (sacrebleu's
defaults).
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from npdeep.text.tokenizers import get_tokenizer
from npdeep.validation import check_choice, check_float, check_int

SMOOTH_DEFAULTS = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}

# sacrebleu's floor for log(0): a zero precision drives the score to (numerically) zero
# without an exception, so the arithmetic stays the same as the peer's.
_LOG_ZERO = -9999999999


@dataclass
class BLEUScore:
    """A BLEU result, with the statistics it came from.

    Attributes:
        score: BLEU in [0, 100].
        counts: (N,) clipped n-gram matches per order, summed over the corpus.
        totals: (N,) n-grams of the output per order.
        precisions: (N,) p_n in percent (smoothed where the method says so).
        bp: the brevity penalty.
        sys_len: c, the number of output tokens.
        ref_len: r, the effective reference length.
        signature: how it was computed, in sacrebleu's notation (nrefs, case, eff, tok, smooth).
    """

    score: float
    counts: list
    totals: list
    precisions: list
    bp: float
    sys_len: int
    ref_len: int
    signature: str = field(default="", compare=False)

    @property
    def ratio(self) -> float:
        """c / r (0 for an empty reference)."""
        return self.sys_len / self.ref_len if self.ref_len else 0.0

    def format(self, signature: bool = False) -> str:
        """The line sacrebleu prints: ``BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ...)``."""
        name = f"BLEU|{self.signature}" if signature and self.signature else "BLEU"
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        return (f"{name} = {self.score:.2f} {precisions} (BP = {self.bp:.3f} ratio = "
                f"{self.ratio:.3f} hyp_len = {self.sys_len:d} ref_len = {self.ref_len:d})")

    def __str__(self) -> str:
        return self.format()


def ngram_counts(tokens: Sequence[str], max_order: int) -> Counter:
    """Every n-gram of ``tokens`` for n = 1..max_order (as tuples) with its count."""
    counts = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def closest_ref_len(hyp_len: int, ref_lens: Sequence[int]) -> int:
    """The reference length nearest ``hyp_len``, the shorter on a tie (BLEU's r per sentence)."""
    return min(ref_lens, key=lambda r: (abs(hyp_len - r), r))


def segment_statistics(hyp_tokens: Sequence[str], refs_tokens: Sequence[Sequence[str]],
                       max_order: int) -> list:
    """One sentence's BLEU statistics: ``[c, r, counts_1..N, totals_1..N]``.

    A hypothesis n-gram's count is clipped at the most times any one reference has it.
    """
    max_ref = Counter()
    for ref in refs_tokens:
        for ngram, count in ngram_counts(ref, max_order).items():
            if count > max_ref[ngram]:
                max_ref[ngram] = count
    correct = [0] * max_order
    total = [0] * max_order
    for ngram, count in ngram_counts(hyp_tokens, max_order).items():
        n = len(ngram) - 1
        total[n] += count
        correct[n] += min(count, max_ref.get(ngram, 0))
    ref_len = closest_ref_len(len(hyp_tokens), [len(r) for r in refs_tokens])
    return [len(hyp_tokens), ref_len] + correct + total


def compute_bleu(counts, totals, sys_len: int, ref_len: int, smooth_method: str = "none",
                 smooth_value=None, effective_order: bool = False,
                 max_ngram_order: int = 4) -> BLEUScore:
    """BLEU from its sufficient statistics (summed over the corpus).

    Args:
        counts: (N,) clipped matches per order; totals: (N,) output n-grams per order.
        sys_len, ref_len: c and r.
        smooth_method, smooth_value, effective_order, max_ngram_order: as ``corpus_bleu``.

    Returns:
        A ``BLEUScore``; its ``counts``/``totals`` are the unsmoothed ones given.
    """
    where = "compute_bleu"
    check_choice(smooth_method, "smooth_method", where, SMOOTH_DEFAULTS)
    if smooth_value is None:
        smooth_value = SMOOTH_DEFAULTS[smooth_method]
    counts, totals = list(counts), list(totals)
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * max_ngram_order
    result = dict(counts=counts, totals=totals, precisions=precisions, bp=bp,
                  sys_len=sys_len, ref_len=ref_len)
    if not any(counts):  # no match at all: 0 whatever the smoothing (sacrebleu #141)
        return BLEUScore(0.0, **result)
    correct, total = counts[:], totals[:]
    exp_factor = 1.0
    eff_order = max_ngram_order
    for n in range(1, max_ngram_order + 1):
        if smooth_method == "add-k" and n > 1:
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:  # the output has no n-grams of this order (nor longer ones)
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                exp_factor *= 2
                precisions[n - 1] = 100.0 / (exp_factor * total[n - 1])
            elif smooth_method == "floor":
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    # NOTE: the precisions are in percent, so this is 100 · BP · exp(mean log p_n).
    logs = [math.log(p) if p != 0.0 else _LOG_ZERO for p in precisions[:eff_order]]
    score = bp * math.exp(sum(logs) / eff_order)
    return BLEUScore(score, **result)


def _check_settings(where, tokenize, smooth_method, smooth_value, max_ngram_order):
    tokenizer = get_tokenizer(tokenize, where)
    check_choice(smooth_method, "smooth_method", where, SMOOTH_DEFAULTS)
    if smooth_value is not None:
        check_float(smooth_value, "smooth_value", where, low=0)
    check_int(max_ngram_order, "max_ngram_order", where, low=1)
    return tokenizer


def _check_text(value, name: str, where: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{where}: each of {name} must be a str (one sentence); got "
                        f"{type(value).__name__} {value!r}")


def _signature(n_refs, lowercase, effective_order, tokenize, smooth_method, smooth_value):
    smooth = smooth_method
    if SMOOTH_DEFAULTS[smooth_method] is not None:
        value = SMOOTH_DEFAULTS[smooth_method] if smooth_value is None else smooth_value
        smooth += f"[{value:.2f}]"
    return (f"nrefs:{n_refs}|case:{'lc' if lowercase else 'mixed'}|"
            f"eff:{'yes' if effective_order else 'no'}|tok:{tokenize}|smooth:{smooth}")


def _preprocess(line: str, tokenizer, lowercase: bool) -> list:
    if lowercase:
        line = line.lower()
    return tokenizer(line.rstrip()).split()


def corpus_bleu(hypotheses: Sequence[str], references_lists: Sequence[Sequence[str]],
                tokenize: str = "13a", smooth_method: str = "exp", smooth_value=None,
                lowercase: bool = False, max_ngram_order: int = 4,
                effective_order: bool = False) -> BLEUScore:
    """Corpus BLEU of ``hypotheses`` against one or more references each (sacrebleu's layout).

    The statistics of every sentence are summed before the precisions are taken, so this is
    not the mean of sentence BLEUs (a corpus metric: the mean would over-weight short lines).

    Args:
        hypotheses: m output sentences (str, detokenized).
        references_lists: K reference *streams*, each m sentences: ``references_lists[k][i]``
            is the k-th reference of ``hypotheses[i]`` (as ``sacrebleu.corpus_bleu``). A
            reference may be None where a sentence has fewer than K.
        tokenize: "13a" (WMT's default), "none", "intl" or "char".
        smooth_method: "exp" (default), "none", "floor" or "add-k"; smooth_value: its
            value for floor (0.1) and add-k (1) when None.
        lowercase: compare lower-cased text.
        max_ngram_order: N.
        effective_order: average only over orders the output has n-grams of.

    Returns:
        A ``BLEUScore`` (``.score`` 0–100, ``.precisions``, ``.bp``, ``.counts``, ...).

    Raises:
        TypeError: a sentence that is not a str, or one stream given without its list.
        ValueError: a stream whose length is not len(hypotheses), or an unknown setting.
        An empty hypothesis or reference is scored (it matches nothing) with a warning.

    Example:
        >>> corpus_bleu(["the cat sat on the mat"], [["the cat sat on the mat"]]).score
        100.0
    """
    return _corpus_bleu("corpus_bleu", hypotheses, references_lists, tokenize, smooth_method,
                        smooth_value, lowercase, max_ngram_order, effective_order)


def _corpus_bleu(where, hypotheses, references_lists, tokenize, smooth_method, smooth_value,
                 lowercase, max_ngram_order, effective_order) -> BLEUScore:
    tokenizer = _check_settings(where, tokenize, smooth_method, smooth_value, max_ngram_order)
    if isinstance(hypotheses, str):
        raise TypeError(f"{where}: hypotheses must be a list of sentences; got one str "
                        "(wrap it: [hypothesis])")
    hypotheses = list(hypotheses)
    if isinstance(references_lists, str) or not all(
            isinstance(s, Sequence) and not isinstance(s, str) for s in references_lists):
        raise TypeError(f"{where}: references_lists must be a list of reference streams "
                        "(lists of sentences, one per hypothesis); for a single reference "
                        "per sentence pass [references]")
    streams = [list(s) for s in references_lists]
    if not streams:
        raise ValueError(f"{where}: references_lists is empty; give at least one stream of "
                         f"{len(hypotheses)} references")
    for k, stream in enumerate(streams):
        if len(stream) != len(hypotheses):
            raise ValueError(f"{where}: reference stream {k} has {len(stream)} sentences but "
                             f"there are {len(hypotheses)} hypotheses; each stream needs one "
                             "reference per hypothesis")
    for hypothesis in hypotheses:
        _check_text(hypothesis, "hypotheses", where)
    stats = [0] * (2 + 2 * max_ngram_order)
    n_refs, empty_hyps, empty_refs = set(), 0, 0
    for i, hypothesis in enumerate(hypotheses):
        refs = [stream[i] for stream in streams if stream[i] is not None]
        if not refs:
            raise ValueError(f"{where}: hypothesis {i} has no reference (all None)")
        for ref in refs:
            _check_text(ref, "references", where)
        n_refs.add(len(refs))
        hyp_tokens = _preprocess(hypothesis, tokenizer, lowercase)
        refs_tokens = [_preprocess(ref, tokenizer, lowercase) for ref in refs]
        empty_hyps += not hyp_tokens
        empty_refs += sum(not r for r in refs_tokens)
        for j, value in enumerate(segment_statistics(hyp_tokens, refs_tokens,
                                                     max_ngram_order)):
            stats[j] += value
    if empty_hyps or empty_refs:
        warnings.warn(f"{where}: {empty_hyps} empty hypotheses and {empty_refs} empty "
                      "references; they match nothing (a sentence alone scores 0)",
                      stacklevel=3)
    result = compute_bleu(stats[2:2 + max_ngram_order], stats[2 + max_ngram_order:],
                          stats[0], stats[1], smooth_method, smooth_value, effective_order,
                          max_ngram_order)
    result.signature = _signature(n_refs.pop() if len(n_refs) == 1 else "var", lowercase,
                                  effective_order, tokenize, smooth_method, smooth_value)
    return result


def sentence_bleu(hypothesis: str, references: Sequence[str], tokenize: str = "13a",
                  smooth_method: str = "exp", smooth_value=None, lowercase: bool = False,
                  max_ngram_order: int = 4, effective_order: bool = True) -> BLEUScore:
    """BLEU of one sentence against its references (sacrebleu's ``sentence_bleu`` defaults:
    exp smoothing and the effective order).

    BLEU is a corpus metric; a sentence's score is noisy and mostly useful to rank outputs.

    Args:
        hypothesis: one output sentence.
        references: its references, a list of str (one or more).
        the rest: as ``corpus_bleu``.

    Returns:
        A ``BLEUScore``.

    Example:
        >>> round(sentence_bleu("the cat the cat", ["the cat is on the mat"]).score, 2)
        21.44
    """
    where = "sentence_bleu"
    _check_text(hypothesis, "hypothesis", where)
    if isinstance(references, str):
        raise TypeError(f"{where}: references must be a list of sentences; got one str "
                        "(wrap it: [reference])")
    references = list(references)
    if not references:
        raise ValueError(f"{where}: references is empty; give at least one reference")
    return _corpus_bleu(where, [hypothesis], [[ref] for ref in references], tokenize,
                        smooth_method, smooth_value, lowercase, max_ngram_order,
                        effective_order)
