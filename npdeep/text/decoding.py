"""Decoding a sequence model: greedy decoding, beam search with length normalization, and the
course's error analysis of beam search.

A conditional language model (the decoder of a translation model) gives P(y⟨t⟩ | x, y⟨<t⟩).
We want ŷ = argmax_y P(y|x) = argmax_y Π_t P(y⟨t⟩ | x, y⟨<t⟩). Trying every y is
impossible (V^T_y sequences), so:

- greedy decoding picks the most likely next token at each step — fast, often not the best
  whole sequence;
- beam search keeps the B most likely partial outputs ("beam width" B) at each step: each is
  extended by every token of the vocabulary, and of the B·V candidates the B most likely are
  kept. B = 1 is greedy decoding; a larger B finds more likely outputs at B times the cost.

Beam search maximizes Σ_t log P(y⟨t⟩ | x, y⟨<t⟩) (a sum of logs, not a product of
probabilities, which underflows). That sum favours short outputs — every extra term is
negative — so the finished hypotheses are compared by the length-normalized objective

    score(y) = (1 / T_y^α) · Σ_{t=1}^{T_y} log P(y⟨t⟩ | x, y⟨<t⟩)

with α = 0.7 by default (α = 1: the mean log-probability, α = 0: no normalization).

Any model can be decoded: it only needs a ``step_fn(prefixes) -> log_probs``, where
``prefixes`` is a list of tuples of token ids, each beginning with the start token, and
``log_probs`` an array of shape (len(prefixes), V): each prefix's next-token log-probabilities.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from npdeep.validation import check_float, check_int

StepFn = Callable[[list], np.ndarray]


@dataclass
class Hypothesis:
    """One output of beam search.

    Attributes:
        tokens: the output y⟨1⟩..y⟨T_y⟩ (after the start token; eos included if produced).
        log_prob: Σ_t log P(y⟨t⟩ | x, y⟨<t⟩).
        score: log_prob / T_y^α, the length-normalized objective beam search ranks by.
    """

    tokens: list
    log_prob: float
    score: float


def length_normalized_score(log_prob: float, T_y: int, length_normalization: float) -> float:
    """(1 / T_y^α) · log P(y|x), the objective the finished outputs are compared by."""
    return float(log_prob) / (T_y ** length_normalization) if T_y > 0 else float(log_prob)


def _next_log_probs(step_fn: StepFn, prefixes: list, where: str) -> np.ndarray:
    log_probs = np.asarray(step_fn(prefixes), dtype=np.float64)
    if log_probs.ndim != 2 or log_probs.shape[0] != len(prefixes) or log_probs.shape[1] < 1:
        raise ValueError(f"{where}: step_fn must return next-token log-probabilities of shape "
                         f"(len(prefixes), V) = ({len(prefixes)}, V); got {log_probs.shape}")
    return log_probs


def greedy_decode(step_fn: StepFn, start: int, max_length: int, eos: int | None = None) -> list:
    """The most likely token at each step: y⟨t⟩ = argmax P(y | x, y⟨<t⟩).

    Args:
        step_fn: prefixes -> (len(prefixes), V) next-token log-probabilities.
        start: the start token id (the first entry of every prefix).
        max_length: the most tokens produced.
        eos: the end-of-sequence id; decoding stops after producing it (None: never stops
            before max_length).

    Returns:
        The tokens after ``start`` (eos included if produced), a list of ints.

    Example:
        >>> greedy_decode(lambda prefixes: np.log(table[[p[-1] for p in prefixes]]), 0, 10, eos=3)
    """
    where = "greedy_decode"
    check_int(max_length, "max_length", where, low=1)
    prefix = (start,)
    for _ in range(max_length):
        token = int(np.argmax(_next_log_probs(step_fn, [prefix], where)[0]))
        prefix = prefix + (token,)
        if token == eos:
            break
    return list(prefix[1:])


def beam_search(step_fn: StepFn, start: int, beam_width: int = 3, max_length: int = 20,
                eos: int | None = None, length_normalization: float = 0.7) -> list:
    """Beam search: keep the B most likely partial outputs at each step.

    At step t every live beam y⟨<t⟩ is extended by each of the V tokens; of the B·V
    candidates the B with the largest Σ log P are kept (all have length t, so this is also the
    largest normalized score). A candidate that ends in ``eos`` is finished and set aside; the
    others stay live. Decoding stops when no beam is live or after ``max_length`` tokens (the
    live beams are then kept as they are). The finished outputs are ranked by
    (1/T_y^α) · Σ_t log P(y⟨t⟩ | x, y⟨<t⟩).

    All live beams are scored in ONE ``step_fn`` call per step (a batch of prefixes).

    Args:
        step_fn: prefixes (a list of tuples of ids, each starting with ``start``) ->
            (len(prefixes), V) next-token log-probabilities.
        start: the start token id.
        beam_width: B >= 1 (B = 1 is greedy decoding).
        max_length: the most tokens in an output (T_y <= max_length).
        eos: the end-of-sequence id (None: every output has max_length tokens).
        length_normalization: α >= 0.

    Returns:
        Up to B ``Hypothesis`` (tokens, log_prob, score), best score first.

    Raises:
        ValueError: beam_width < 1, max_length < 1, α < 0, or step_fn's output of another shape.

    Example:
        >>> best = beam_search(step_fn, start=0, beam_width=3, max_length=10, eos=3)[0]
        >>> best.tokens, best.score
    """
    where = "beam_search"
    check_int(beam_width, "beam_width", where, low=1)
    check_int(max_length, "max_length", where, low=1)
    check_float(length_normalization, "length_normalization", where, low=0)
    live = [((start,), 0.0)]          # (prefix, Σ log P) of each live beam
    finished = []                     # (prefix, Σ log P) of outputs that ended in eos
    for _ in range(max_length):
        prefixes = [prefix for prefix, _ in live]
        log_probs = _next_log_probs(step_fn, prefixes, where)      # (n_live, V)
        V = log_probs.shape[1]
        totals = np.array([s for _, s in live])[:, None] + log_probs  # (n_live, V)
        flat = totals.ravel()
        # NOTE: a stable sort of -flat keeps the earlier beam / lower token id on a tie, the
        # same choice as np.argmax in greedy_decode, so B = 1 equals greedy decoding exactly.
        best = np.argsort(-flat, kind="stable")[:beam_width]
        live = []
        for index in best:
            beam, token = divmod(int(index), V)
            candidate = (prefixes[beam] + (token,), float(flat[index]))
            (finished if token == eos else live).append(candidate)
        if not live:
            break
    finished.extend(live)  # outputs cut at max_length
    hypotheses = [Hypothesis(list(prefix[1:]), log_prob,
                             length_normalized_score(log_prob, len(prefix) - 1,
                                                     length_normalization))
                  for prefix, log_prob in finished]
    hypotheses.sort(key=lambda h: -h.score)  # sort is stable: ties keep the order found
    return hypotheses[:beam_width]


# ------------------------------------------------------------------ error analysis
BEAM_SEARCH, MODEL, NONE = "beam search", "model", "none"


@dataclass
class BeamError:
    """The verdict on one dev-set example (see ``beam_error_analysis``).

    Attributes:
        at_fault: "beam search", "model" or "none" (ŷ = y*: not an error).
        objective_star, objective_hat: the compared objective of y* and of ŷ — log P(y|x), or
            its length-normalized form.
        explanation: the course's case, in words.
    """

    at_fault: str
    objective_star: float
    objective_hat: float
    explanation: str


def _sequence_log_prob(model, x, y, where: str) -> float:
    if hasattr(model, "sequence_log_prob"):
        return float(model.sequence_log_prob(x, y))
    if callable(model):
        return float(model(x, y))
    raise TypeError(f"{where}: model must have sequence_log_prob(x, y) -> log P(y|x), or be a "
                    f"callable of (x, y); got {type(model).__name__}")


def beam_error_analysis(model, x, y_star, y_hat, length_normalization: float | None = None
                        ) -> BeamError:
    """Is beam search or the model at fault for the output ŷ, given a human translation y*?

    The model computes P(y|x) for any y, so compare P(y*|x) with P(ŷ|x):

    - Case 1, P(y*|x) > P(ŷ|x): beam search chose ŷ, but y* attains a higher P(y|x). Beam
      search failed to find the argmax: **beam search is at fault** (try a larger B).
    - Case 2, P(y*|x) <= P(ŷ|x): y* is the better translation, but the model gives it a lower
      probability than ŷ. **The RNN model is at fault** (more data, regularization, another
      architecture).

    With length normalization, compare the objective beam search optimizes instead:
    (1/T_y^α) · log P(y|x) (pass ``length_normalization=α``).

    Args:
        model: an object with ``sequence_log_prob(x, y) -> float``, i.e.
            Σ_t log P(y⟨t⟩|x, y⟨<t⟩), or a callable of (x, y) returning it.
        x: the input (whatever the model takes).
        y_star: the human (reference) output; y_hat: the algorithm's output (sequences).
        length_normalization: None (compare log P) or α.

    Returns:
        A ``BeamError`` (at_fault "beam search" / "model", or "none" when ŷ = y*).
    """
    where = "beam_error_analysis"
    log_star = _sequence_log_prob(model, x, y_star, where)
    log_hat = _sequence_log_prob(model, x, y_hat, where)
    if length_normalization is not None:
        check_float(length_normalization, "length_normalization", where, low=0)
        log_star = length_normalized_score(log_star, len(y_star), length_normalization)
        log_hat = length_normalized_score(log_hat, len(y_hat), length_normalization)
    if list(y_star) == list(y_hat):
        return BeamError(NONE, log_star, log_hat, "ŷ = y*: the output is right, no error")
    if log_star > log_hat:
        return BeamError(BEAM_SEARCH, log_star, log_hat,
                         f"P(y*|x) > P(ŷ|x) ({log_star:.4g} > {log_hat:.4g}): beam search "
                         "chose ŷ but y* attains a higher P(y|x): beam search is at fault")
    return BeamError(MODEL, log_star, log_hat,
                     f"P(y*|x) <= P(ŷ|x) ({log_star:.4g} <= {log_hat:.4g}): y* is better "
                     "but the model gives it a lower probability: the RNN model is at fault")


@dataclass
class BeamErrorTally:
    """Faults over a dev set: which to work on (the course's error-analysis table).

    Attributes:
        counts: {"beam search": n, "model": n, "none": n}.
        fractions: {"beam search": f, "model": f} over the errors (ŷ != y*).
        errors: the number of examples with ŷ != y*.
        verdicts: the ``BeamError`` of each example, in order.
    """

    counts: dict
    fractions: dict
    errors: int
    verdicts: list = field(repr=False)

    @property
    def conclusion(self) -> str:
        """The course's advice: work on the part at fault in the larger fraction of errors."""
        if self.errors == 0:
            return "no errors to attribute"
        if self.fractions[BEAM_SEARCH] > self.fractions[MODEL]:
            return (f"beam search is at fault in {self.fractions[BEAM_SEARCH]:.0%} of the "
                    "errors: increase the beam width B")
        return (f"the RNN model is at fault in {self.fractions[MODEL]:.0%} of the errors: "
                "work on the model (regularization, more data, another architecture)")


def tally_beam_errors(model, pairs: Sequence, length_normalization: float | None = None
                      ) -> BeamErrorTally:
    """``beam_error_analysis`` over a dev set, counted: the fraction of errors due to beam search
    and to the model, so you know which one is worth the work.

    Args:
        model: as ``beam_error_analysis``.
        pairs: (x, y_star, y_hat) triples, one per dev example.
        length_normalization: as ``beam_error_analysis``.

    Returns:
        A ``BeamErrorTally`` (counts, fractions over the errors, conclusion).
    """
    verdicts = []
    for i, triple in enumerate(pairs):
        if len(triple) != 3:
            raise ValueError(f"tally_beam_errors: pairs must hold (x, y_star, y_hat) triples; "
                             f"item {i} has {len(triple)} entries")
        verdicts.append(beam_error_analysis(model, *triple,
                                            length_normalization=length_normalization))
    counts = {BEAM_SEARCH: 0, MODEL: 0, NONE: 0}
    for verdict in verdicts:
        counts[verdict.at_fault] += 1
    errors = counts[BEAM_SEARCH] + counts[MODEL]
    fractions = {k: (counts[k] / errors if errors else 0.0) for k in (BEAM_SEARCH, MODEL)}
    return BeamErrorTally(counts, fractions, errors, verdicts)
