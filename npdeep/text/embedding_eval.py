"""Intrinsic evaluation of word vectors: analogy questions and word-similarity sets.

- Analogies (Mikolov et al. 2013, questions-words.txt: 14 sections, "a b c d" per line meaning
  a : b :: c : d): the answer is the word nearest to û_b − û_a + û_c (3CosAdd over unit
  vectors, the input words left out); accuracy per section and in total. Questions with a
  word outside the (restricted) vocabulary are skipped, not counted wrong — gensim's default,
  so figures compare with gensim's ``evaluate_word_analogies``.
- Word similarity (WordSim-353, SimLex-999: "w1<TAB>w2<TAB>score"): Spearman's ρ between the
  human scores and the cosine similarities, over the pairs whose two words are known.

Both follow gensim 4's semantics: only the first ``restrict_vocab`` words are used (the most
frequent, in files written by word2vec or gensim), and with ``case_insensitive`` words are
compared upper-cased, a word of the file standing for its most frequent case variant.
"""
from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from npdeep.text.keyed_vectors import cosine_similarity, unit_rows

_CHUNK = 1024  # questions scored per matrix product: (_CHUNK, restrict_vocab) float32


def rankdata(x) -> np.ndarray:
    """Ranks 1..n of the values of x, ties given the average of their ranks (scipy's
    ``rankdata(method="average")``). x: (n,) → (n,) float64.

    Example:
        >>> rankdata([10, 20, 20, 5])   # array([2. , 3.5, 3.5, 1. ])
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    # Tie groups are runs of equal values in sorted order; each gets the mean of its ranks.
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]  # exclusive
    average = (starts + 1 + ends) / 2.0  # mean of the ranks starts+1 .. ends
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def pearson(x, y) -> float:
    """Pearson's correlation coefficient r of two (n,) arrays (NaN when either is constant)."""
    x = np.asarray(x, dtype=np.float64) - np.mean(x)
    y = np.asarray(y, dtype=np.float64) - np.mean(y)
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else float("nan")


def spearman(x, y) -> float:
    """Spearman's rank correlation ρ: Pearson's r of the average-tie ranks (scipy's
    ``spearmanr``)."""
    return pearson(rankdata(x), rankdata(y))


def _restricted_vocab(kv, restrict_vocab, case_insensitive: bool):
    """(end, lookup, variants): the rows used, key → row, and key → every row it stands for.

    Like gensim, an upper-cased key maps to its most frequent (first) case variant.
    """
    if not isinstance(restrict_vocab, (int, np.integer)) or restrict_vocab < 1:
        raise ValueError("The 'restrict_vocab' parameter of the embedding evaluation must be "
                         f"an int >= 1. Got {restrict_vocab!r} instead.")
    end = min(int(restrict_vocab), len(kv))
    lookup, variants = {}, {}
    for i in range(end):
        key = kv.index_to_key[i].upper() if case_insensitive else kv.index_to_key[i]
        lookup.setdefault(key, i)
        variants.setdefault(key, []).append(i)
    return end, lookup, variants


def _check_file(path, where: str):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: no such file '{path}'")


def _read_analogies(path, case_insensitive: bool):
    """Sections as [(name, [(a, b, c, d), ...]), ...]."""
    sections = []
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if line.startswith(": "):
                sections.append((line[2:].strip(), []))
                continue
            words = line.split()
            if not words:
                continue
            if not sections:
                raise ValueError(f"evaluate_word_analogies: line {line_no} of '{path}' comes "
                                 "before any section header ': name'")
            if len(words) != 4:
                continue  # gensim skips malformed lines too
            sections[-1][1].append(tuple(w.upper() for w in words) if case_insensitive
                                   else tuple(words))
    return sections


def evaluate_word_analogies(kv, path, restrict_vocab: int = 300000,
                            case_insensitive: bool = True):
    """Accuracy on analogy questions "a b c d" (a : b :: c : d), per section and in total.

    The prediction for each question is argmax_w û_w · q over the first ``restrict_vocab``
    words w ∉ {a, b, c} (and their case variants), with q = unit(û_b − û_a + û_c) — gensim's
    ``most_similar(positive=[b, c], negative=[a])``.

    Args:
        kv: KeyedVectors.
        path: questions-words.txt (sections headed ": name").
        restrict_vocab: use only the first rows (300,000, gensim's default).
        case_insensitive: compare words upper-cased (gensim's default).

    Returns:
        (score, sections): the overall accuracy (correct / answered; NaN when none could be
        answered) and one dict per section, then a last one named 'Total accuracy', each with
        'section', 'correct' and 'incorrect' (lists of the (a, b, c, d) questions, as gensim
        gives them) and 'skipped' (how many had an unknown word).

    Raises:
        FileNotFoundError, ValueError: for a missing file or one without section headers.
    """
    where = "evaluate_word_analogies"
    _check_file(path, where)
    end, lookup, variants = _restricted_vocab(kv, restrict_vocab, case_insensitive)
    U = unit_rows(kv.vectors[:end].astype(np.float32))  # (R, n_e)
    results = []
    for name, questions in _read_analogies(path, case_insensitive):
        known = [q for q in questions if all(w in lookup for w in q)]
        section = {"section": name, "correct": [], "incorrect": [],
                   "skipped": len(questions) - len(known)}
        for start in range(0, len(known), _CHUNK):
            batch = known[start:start + _CHUNK]
            idx = np.array([[lookup[w] for w in q] for q in batch])  # (n, 4)
            Q = unit_rows(U[idx[:, 1]] - U[idx[:, 0]] + U[idx[:, 2]])  # (n, n_e)
            scores = Q @ U.T  # (n, R)
            for row, q in enumerate(batch):
                for w in q[:3]:
                    scores[row, variants[w]] = -np.inf
            predicted = np.argmax(scores, axis=1)
            for q, p in zip(batch, predicted):
                # The answer is right when the predicted row is (a case variant of) d.
                key = kv.index_to_key[p].upper() if case_insensitive else kv.index_to_key[p]
                section["correct" if key == q[3] else "incorrect"].append(q)
        results.append(section)
    total = {"section": "Total accuracy",
             "correct": [q for s in results for q in s["correct"]],
             "incorrect": [q for s in results for q in s["incorrect"]],
             "skipped": sum(s["skipped"] for s in results)}
    results.append(total)
    answered = len(total["correct"]) + len(total["incorrect"])
    score = len(total["correct"]) / answered if answered else float("nan")
    return score, results


def section_accuracy(section: dict) -> float:
    """correct / (correct + incorrect) of one section dict (NaN when none was answered)."""
    answered = len(section["correct"]) + len(section["incorrect"])
    return len(section["correct"]) / answered if answered else float("nan")


class WordPairsResult(NamedTuple):
    """What ``evaluate_word_pairs`` returns (gensim returns (r, p) pairs; npdeep gives no
    p-values, which would need the t distribution)."""
    pearson: float
    spearman: float
    oov_ratio: float  # percent of pairs skipped for an unknown word, as gensim gives it
    n_pairs: int  # pairs scored


def evaluate_word_pairs(kv, path, delimiter: str = "\t", restrict_vocab: int = 300000,
                        case_insensitive: bool = True) -> WordPairsResult:
    """Spearman's ρ (and Pearson's r) between human similarity scores and cosine similarity.

    Lines starting with '#' are comments; other lines are "w1<delimiter>w2<delimiter>score".
    Pairs with a word outside the first ``restrict_vocab`` words are skipped (their share is
    ``oov_ratio``, in percent).

    Returns:
        WordPairsResult(pearson, spearman, oov_ratio, n_pairs); NaN correlations when fewer
        than two pairs are known.

    Example:
        >>> kv.evaluate_word_pairs("wordsim353.tsv").spearman
    """
    where = "evaluate_word_pairs"
    _check_file(path, where)
    end, lookup, _ = _restricted_vocab(kv, restrict_vocab, case_insensitive)
    gold, model, oov, total = [], [], 0, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split(delimiter)
            try:
                a, b, score = fields
                score = float(score)
            except ValueError:
                continue  # gensim skips malformed lines
            total += 1
            if case_insensitive:
                a, b = a.upper(), b.upper()
            if a not in lookup or b not in lookup:
                oov += 1
                continue
            gold.append(score)
            u, v = kv.vectors[lookup[a]], kv.vectors[lookup[b]]
            model.append(cosine_similarity(u, v))
    oov_ratio = 100.0 * oov / total if total else float("nan")
    if len(gold) < 2:
        return WordPairsResult(float("nan"), float("nan"), oov_ratio, len(gold))
    return WordPairsResult(pearson(gold, model), spearman(gold, model), oov_ratio, len(gold))
