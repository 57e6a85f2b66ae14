"""Word2Vec's data side: vocabulary, the encoded corpus, subsampling, negatives, pairs.

- Vocabulary: words with at least ``min_count`` occurrences, most frequent first (ties in
  order of first appearance), as gensim sorts them.
- The corpus is read once and kept as one int32 array of word ids (words below min_count
  dropped before any window is placed, as word2vec.c and gensim do) with sentence bounds.
- Subsampling of frequent words (Mikolov et al. 2013, §2.3, in word2vec.c's form that gensim
  uses): with t = sample · (total count of the vocabulary's words), word w with count c_w is
  kept with probability P_keep(w) = min(1, (√(c_w/t) + 1) · t/c_w); stored as an integer
  threshold ``sample_int = ⌊P_keep · (2³² − 1)⌋`` (gensim's) compared with a uniform
  32-bit draw.
- Negatives from the unigram distribution raised to 3/4: P(w) ∝ c_w^0.75, stored as gensim's
  cumulative table (integers up to 2³¹ − 1) and drawn by bisection.
- Random draws of the compiled kernels come from word2vec.c's linear congruential generator
  (next = next · 25214903917 + 11 mod 2⁴⁸, gensim's 48-bit form); ``sg_chunk_loop`` here is
  the kernels' plain-Python twin with the same draws, for the tests.
"""
from __future__ import annotations

import math
import os
import re
from typing import NamedTuple

import numpy as np

LCG_MULTIPLIER = 25214903917
LCG_INCREMENT = 11
LCG_MASK = (1 << 48) - 1
CUM_TABLE_DOMAIN = 2 ** 31 - 1


class Corpus(NamedTuple):
    """A corpus encoded with a vocabulary.

    tokens: (n_tokens,) int32 word ids, sentences one after another (unknown words dropped).
    starts: (n_sentences + 1,) int64, sentence s is tokens[starts[s]:starts[s + 1]].
    raw_words: how many words the corpus had before unknown words were dropped (gensim's
        "raw words", the measure of words/s).
    """
    tokens: np.ndarray
    starts: np.ndarray
    raw_words: int


_WORD = re.compile(r"[a-z]+")


def simple_tokenize(text: str) -> list:
    """Lower-cased runs of the letters a-z: "Don't stop, Prince!" → ['don', 't', 'stop',
    'prince'] (the form the analogy and similarity sets are in, lower-cased)."""
    return _WORD.findall(text.lower())


def iter_corpus_file(path):
    """The sentences of a text file: one a line, tokens split on whitespace (gensim's
    LineSentence)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words:
                yield words


def read_corpus(sentences=None, corpus_file=None, where: str = "Word2Vec"):
    """Count the words of a corpus and keep it encoded with provisional ids, in one pass.

    Returns:
        (words, counts, ids, starts, raw_words): every distinct word in order of first
        appearance, their counts (int64), the provisional ids of all tokens (int32), sentence
        starts, and the number of tokens.

    Raises:
        ValueError: when neither or both of sentences and corpus_file are given, or the
            corpus is empty; TypeError when a sentence is a plain string (a common slip: it
            would be read as characters).
    """
    if (sentences is None) == (corpus_file is None):
        raise ValueError(f"{where}: give exactly one of 'sentences' (an iterable of token "
                         "lists) and 'corpus_file' (a text file, one sentence a line)")
    if corpus_file is not None:
        if not os.path.isfile(corpus_file):
            raise FileNotFoundError(f"{where}: no such corpus_file '{corpus_file}'")
        sentences = iter_corpus_file(corpus_file)
    index, counts, ids, lengths = {}, [], [], []
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError(f"{where}: each sentence must be a list of tokens, got the string "
                            f"{sentence[:40]!r}; split it first (sentence.split())")
        row = []
        for word in sentence:
            i = index.get(word)
            if i is None:
                i = index[word] = len(counts)
                counts.append(0)
            counts[i] += 1
            row.append(i)
        if row:
            ids.extend(row)
            lengths.append(len(row))
    if not ids:
        raise ValueError(f"{where}: the corpus has no tokens")
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return (list(index), np.array(counts, dtype=np.int64), np.array(ids, dtype=np.int32),
            starts, len(ids))


def build_vocab(words, counts, min_count: int, max_final_vocab: int | None = None):
    """The kept words, most frequent first: (vocab_words, vocab_counts, old_to_new).

    old_to_new maps a provisional id to its vocabulary row, or −1 for a dropped word.
    """
    order = np.argsort(-counts, kind="stable")  # ties stay in order of first appearance
    order = order[counts[order] >= min_count]
    if max_final_vocab is not None:
        order = order[:max_final_vocab]
    old_to_new = np.full(len(words), -1, dtype=np.int64)
    old_to_new[order] = np.arange(len(order))
    return [words[i] for i in order], counts[order], old_to_new


def encode(ids, starts, old_to_new, raw_words: int) -> Corpus:
    """Map provisional ids to vocabulary rows and drop unknown words (and empty sentences)."""
    new = old_to_new[ids]
    keep = new >= 0
    # Each sentence's length after the drop: kept tokens between consecutive starts.
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    lengths = kept_before[starts[1:]] - kept_before[starts[:-1]]
    lengths = lengths[lengths > 0]
    new_starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_starts[1:])
    return Corpus(new[keep].astype(np.int32), new_starts, raw_words)


def keep_probabilities(counts, sample: float) -> np.ndarray:
    """P_keep(w) = min(1, (√(c_w/t) + 1) · t/c_w), t = sample · Σ c (gensim's formula;
    sample = 0 keeps every word). counts: (V,) → (V,) float64."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample == 0:
        return np.ones_like(counts)
    total = counts.sum()
    # gensim: sample >= 1 is read as an absolute count threshold.
    t = sample * total if sample < 1.0 else int(sample * (3 + math.sqrt(5)) / 2)
    return np.minimum(1.0, (np.sqrt(counts / t) + 1) * (t / counts))


def sample_ints(keep: np.ndarray) -> np.ndarray:
    """P_keep as the 32-bit thresholds the kernels compare draws with: (V,) int64.

    ⌊P_keep · (2³² − 1)⌋ as gensim stores it; a word with P_keep = 1 gets 2³² − 1, above or
    equal to every draw."""
    return np.floor(keep * (2.0 ** 32 - 1)).astype(np.int64)


def cum_table(counts, ns_exponent: float = 0.75) -> np.ndarray:
    """Cumulative unigram^ns_exponent table (gensim's): entry i is round(Σ_{j≤i} c_j^0.75 /
    Σ c^0.75 · (2³¹ − 1)). A draw r uniform in [0, table[-1]) picks bisect_left(table, r).
    counts: (V,) → (V,) int64."""
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    return np.round(np.cumsum(weights) / weights.sum() * CUM_TABLE_DOMAIN).astype(np.int64)


def negative_probabilities(table: np.ndarray) -> np.ndarray:
    """The probability of each word as a negative under ``cum_table``: (V,) float64."""
    return np.diff(np.concatenate([[0], table])) / table[-1]


def chunks(corpus: Corpus, batch_words: int) -> list:
    """Cut the corpus into chunks of whole sentences of about ``batch_words`` tokens (a
    longer sentence is a chunk by itself): [(first_sentence, stop_sentence), ...]."""
    out, first = [], 0
    n_sentences = len(corpus.starts) - 1
    while first < n_sentences:
        limit = corpus.starts[first] + batch_words
        # The first sentence starting at or after the limit ends the chunk.
        stop = int(np.searchsorted(corpus.starts, limit, side="left"))
        stop = min(max(stop, first + 1), n_sentences)
        out.append((first, stop))
        first = stop
    return out


# --- the NumPy path's draws ----------------------------------------------------------------
def subsample(tokens, starts, keep, rng):
    """Drop each token with probability 1 − P_keep: (tokens, starts) of what is left."""
    kept = rng.random(len(tokens)) < keep[tokens]
    kept_before = np.concatenate([[0], np.cumsum(kept)])
    return tokens[kept], kept_before[starts]


def skipgram_pairs(tokens, starts, window: int, rng):
    """(center, context) position pairs within each sentence, word2vec's shrunk windows.

    Each center i draws b_i uniform in {0, ..., window − 1} and takes the contexts within
    window − b_i on either side (so nearer words are used more often: weight (window − d + 1)
    / window for distance d, Mikolov et al. 2013).

    Returns:
        (centers, contexts): (n_pairs,) int64 positions into tokens.
    """
    n = len(tokens)
    sentence = np.repeat(np.arange(len(starts) - 1), np.diff(starts))  # (n,)
    reach = window - rng.integers(0, window, size=n)  # (n,) effective half-window, 1..window
    centers, contexts = [], []
    positions = np.arange(n)
    for d in range(1, window + 1):
        for sign in (-1, 1):
            j = positions + sign * d
            ok = (reach >= d) & (j >= 0) & (j < n)
            ok[ok] &= sentence[j[ok]] == sentence[ok]
            centers.append(positions[ok])
            contexts.append(j[ok])
    return np.concatenate(centers), np.concatenate(contexts)


def draw_negatives(table: np.ndarray, shape, rng) -> np.ndarray:
    """Word ids drawn from the unigram^0.75 distribution of ``cum_table``: int64 of ``shape``."""
    r = rng.integers(0, table[-1], size=shape)
    # The first entry > r: word i then has exactly table[i] − table[i−1] of the draws.
    return np.searchsorted(table, r, side="right")


# --- the kernels' plain-Python twin --------------------------------------------------------
def lcg_next(state: int) -> int:
    return (state * LCG_MULTIPLIER + LCG_INCREMENT) & LCG_MASK


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sg_chunk_loop(syn0, syn1neg, tokens, starts, sample_int, table, window: int,
                  negative: int, alpha: float, state: int, sg: bool = True) -> int:
    """What kernels._word2vec_numba.sg_chunk / cbow_chunk do, one pair at a time in Python:
    the same draws from the same generator, so the tests compare the two to float rounding.

    Returns the generator's state after the chunk.
    """
    alpha = np.float32(alpha)
    for s in range(len(starts) - 1):
        sentence = []
        for w in tokens[starts[s]:starts[s + 1]]:
            state = lcg_next(state)
            if sample_int[w] < ((state >> 16) & 0xFFFFFFFF):
                continue
            sentence.append(int(w))
        reach = []
        for _ in sentence:
            state = lcg_next(state)
            reach.append(window - ((state >> 16) & 0xFFFFFFFF) % window)
        for i, word in enumerate(sentence):
            lo, hi = max(0, i - reach[i]), min(len(sentence), i + reach[i] + 1)
            contexts = [sentence[j] for j in range(lo, hi) if j != i]
            if sg:
                for c in contexts:
                    state = _pair_update(syn0, syn1neg, [c], word, table, negative, alpha,
                                         state)
            elif contexts:
                state = _pair_update(syn0, syn1neg, contexts, word, table, negative, alpha,
                                     state)
    return state


def _pair_update(syn0, syn1neg, inputs, target, table, negative, alpha, state) -> int:
    """One SGD step of negative sampling: h = mean of syn0[inputs] (one word for skip-gram),
    positive output ``target``, ``negative`` drawn outputs (one equal to target is skipped)."""
    if len(inputs) == 1:
        h = syn0[inputs[0]].copy()
    else:  # the kernel's order: the sum, then times 1/count
        h = syn0[inputs].sum(axis=0, dtype=np.float32) * (np.float32(1) / len(inputs))
    work = np.zeros_like(h)
    for d in range(negative + 1):
        if d == 0:
            out, label = target, 1.0
        else:
            out = int(np.searchsorted(table, (state >> 16) % int(table[-1]), side="right"))
            state = lcg_next(state)
            if out == target:
                continue
            label = 0.0
        f = np.float32(h @ syn1neg[out])
        g = np.float32((label - sigmoid(f)) * alpha)
        work += g * syn1neg[out]
        syn1neg[out] += g * h
    for i in inputs:
        syn0[i] += work
    return state
