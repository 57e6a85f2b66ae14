"""Word2Vec: skip-gram (or CBOW) with negative sampling, Mikolov et al. 2013.

For a center word c and a context word o within its window, skip-gram with negative sampling
(SGNS) minimizes, with v the input vector of o (a row of syn0, the embedding matrix E) and
u the output vectors (rows of syn1neg),

    J = −log σ(u_c · v) − Σ_{k=1..K} log σ(−u_{n_k} · v),

the n_k drawn from the unigram distribution raised to 3/4. SGD with learning rate α:
g_j = α(y_j − σ(u_j · v)) (y = 1 for c, 0 for the negatives); u_j += g_j v; v += Σ_j g_j u_j.
CBOW (sg=0) puts the mean of the context vectors in v's place and adds the same update to
each of them. α decays linearly from ``alpha`` to ``min_alpha`` over the whole run.

Two paths (npdeep.kernels.active() picks one):
- compiled (numba): word2vec.c's per-pair SGD loop over chunks of sentences, on ``workers``
  threads with lock-free shared updates (Hogwild), as gensim and word2vec.c do;
- NumPy: the same model, vectorized over blocks of pairs (each block's gradients taken at the
  block's start and added
  with np.add.at's semantics, see add_rows), one thread.
The data side (vocabulary, subsampling, windows, negatives) is in word2vec_data.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from npdeep.text import word2vec_data as data
from npdeep.text.keyed_vectors import KeyedVectors
from npdeep.validation import check_choice, check_float, check_int, check_positive

PAIR_BLOCK = 1024  # the most pairs in one vectorized step of the NumPy path
# The most times the most frequent word may be a target in one step: a step adds the
# gradients of its repeats all taken at the same point, where the per-pair loop lets each
# see the previous ones; too many repeats overshoot (a 20-word corpus diverged at 1,024).
MAX_REPEATS = 16


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


RANKS = 4  # add_rows: occurrences added by plain fancy indexing before reduceat takes over


def add_rows(M, rows, D) -> None:
    """M[rows[i]] += D[i] for every i, repeated rows accumulating: ``np.add.at(M, rows, D)``.

    The rows are sorted once; then the first, second, ... RANKS-th occurrence of every row
    is added by one fancy-indexed ``+=`` each (the rows of one rank are distinct, so none is
    lost), and the occurrences beyond RANKS, of the few frequent rows only, are summed per
    row with np.add.reduceat. Measured for 6,144 rows of 100 float32 drawn from a Zipf^0.75
    distribution over V = 10,000 (3,245 distinct, 146 with more than 4 occurrences), 2
    shared cores: np.add.at 4.4 ms, sort + reduceat over every row 3.0 ms, this 0.75 ms.

    Args:
        M: (V, n_e), updated in place; rows: (P,) ints; D: (P, n_e).
    """
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    first = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])  # (n_distinct,)
    count = np.diff(np.r_[first, len(rows)])
    for r in range(RANKS):
        has = count > r
        M[sorted_rows[first[has]]] += D[order[first[has] + r]]
    heavy = count > RANKS
    if np.any(heavy):
        rest = count[heavy] - RANKS  # occurrences left of each heavy row
        starts = np.r_[0, np.cumsum(rest)[:-1]]  # where each heavy row's run begins
        # positions (in sorted order) of every leftover occurrence, run after run
        members = np.repeat(first[heavy] + RANKS - starts, rest) + np.arange(rest.sum())
        M[sorted_rows[first[heavy]]] += np.add.reduceat(D[order[members]], starts, axis=0)


def sgns_loss(h, U, labels):
    """Negative-sampling loss of one input and its outputs, with its gradients.

    J = −Σ_j [y_j log σ(f_j) + (1 − y_j) log σ(−f_j)],  f_j = u_j · h.

    Args:
        h: (n_e,) the input vector (v; the mean of the context vectors for CBOW).
        U: (K + 1, n_e) the output vectors, the positive one first.
        labels: (K + 1,) y_j, 1 for the positive output, 0 for the negatives.

    Returns:
        (J, dh, dU): dh = −Σ_j (y_j − σ(f_j)) u_j of shape (n_e,), dU_j = −(y_j − σ(f_j)) h
        of shape (K + 1, n_e).
    """
    f = U @ h
    # log σ(f) = −log(1 + e^{−f}), written with logaddexp so large |f| cannot overflow.
    J = np.sum(labels * np.logaddexp(0, -f) + (1 - labels) * np.logaddexp(0, f))
    delta = labels - sigmoid(f)  # (K + 1,)
    return J, -delta @ U, -np.outer(delta, h)


def output_step(syn1neg, h, targets, negatives, alpha: float) -> np.ndarray:
    """The output side of one vectorized negative-sampling step, shared by skip-gram and CBOW:
    u_j += α(y_j − σ(u_j·h))·h for the positive output and the negatives (in place), and the
    input's step Σ_j α(y_j − σ(u_j·h))·u_j, taken at syn1neg as it was on entry.

    A negative equal to its row's target is skipped, as in word2vec.

    Args:
        syn1neg: (V, n_e) output vectors; h: (B, n_e) the input vectors (the mean context
        vector for CBOW); targets: (B,) positive outputs; negatives: (B, K).

    Returns:
        (B, n_e) the step for each input vector.
    """
    outs = np.concatenate([targets[:, None], negatives], axis=1)  # (B, K + 1)
    U = syn1neg[outs]  # (B, K + 1, n_e), a copy: the update below does not reach it
    f = np.matmul(U, h[:, :, None])[:, :, 0]  # (B, K + 1)
    labels = np.zeros_like(f)
    labels[:, 0] = 1
    g = (labels - sigmoid(f)) * np.asarray(alpha, dtype=f.dtype)  # α(y − σ(f)), (B, K + 1)
    g[:, 1:][negatives == targets[:, None]] = 0
    dh = np.matmul(g[:, None, :], U)[:, 0, :]  # (B, n_e): Σ_j g_j u_j
    add_rows(syn1neg, outs.ravel(), (g[:, :, None] * h[:, None, :]).reshape(-1, h.shape[1]))
    return dh


def sgns_step(syn0, syn1neg, inputs, targets, negatives, alpha: float) -> None:
    """One vectorized SGD step of skip-gram negative sampling over B pairs, in place.

    Every pair's gradient is taken at the matrices as they are on entry, then all are added
    (add_rows, so repeated rows accumulate): a minibatch of B pairs, where the compiled path
    updates pair by pair. A negative equal to its pair's target is skipped, as in word2vec.

    Args:
        syn0: (V, n_e) input vectors (E); syn1neg: (V, n_e) output vectors.
        inputs: (B,) input word ids (the context words o); targets: (B,) positive outputs
            (the center words c); negatives: (B, K) drawn outputs.
        alpha: the learning rate α.
    """
    h = syn0[inputs]  # (B, n_e)
    add_rows(syn0, inputs, output_step(syn1neg, h, targets, negatives, alpha))


def cbow_step(syn0, syn1neg, contexts, owner, targets, negatives, alpha: float) -> None:
    """One vectorized CBOW step over B center words, in place.

    Args:
        contexts: (P,) context word ids; owner: (P,) which center (0..B−1) each belongs to;
        targets: (B,) the center words; negatives: (B, K).
    """
    B, n_e = len(targets), syn0.shape[1]
    count = np.bincount(owner, minlength=B).astype(syn0.dtype)  # (B,) contexts per center
    h = np.zeros((B, n_e), dtype=syn0.dtype)
    add_rows(h, owner, syn0[contexts])
    h /= count[:, None]  # (B, n_e) the mean context vector
    work = output_step(syn1neg, h, targets, negatives, alpha)  # (B, n_e)
    add_rows(syn0, contexts, work[owner])


class Word2Vec:
    """Word vectors learned by skip-gram (or CBOW) with negative sampling; gensim's names.

    Args:
        sentences: an iterable of token lists (read once, kept encoded in memory), or
        corpus_file: a text file, one sentence a line, tokens split on whitespace.
            With either, the vocabulary is built and the model trained at once (gensim's
            behaviour); with neither, call ``build_vocab`` and ``train``.
        vector_size: n_e.  alpha, min_alpha: the learning rate, decayed linearly over the run.
        window: the largest distance of a context word (each center shrinks it at random).
        min_count: words with fewer occurrences are dropped.  max_final_vocab: keep at most
            this many of the most frequent words (None: all).
        sample: the subsampling threshold (0 turns subsampling off).
        seed: the seed of the initial vectors and of every draw.
        workers: threads of the compiled path (the NumPy path runs on one).
        sg: 1 skip-gram, 0 CBOW.  negative: K, negatives per positive.
        ns_exponent: the unigram distribution's power (3/4).  epochs: passes over the corpus.
        batch_words: words per chunk (a unit of work of one thread; α is updated per chunk).
        progress: show a tqdm bar (when tqdm is installed).

    Attributes:
        wv: KeyedVectors of the vocabulary (most frequent first), trained in place.
        syn1neg: (V, n_e) float32 output vectors.
        corpus_total_words: raw words of one pass (unknown words included, as gensim counts).
        train_seconds, words_per_second: of the last ``train`` (raw words per second).
        path: 'numba' or 'numpy', the path the last ``train`` took.

    Example:
        >>> model = Word2Vec(corpus_file="text.txt", vector_size=100, window=5, min_count=5)
        >>> model.wv.most_similar("king", topn=5)
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size: int = 100,
                 alpha: float = 0.025, window: int = 5, min_count: int = 5,
                 max_final_vocab: int | None = None, sample: float = 1e-3, seed: int = 1,
                 workers: int = 2, min_alpha: float = 0.0001, sg: int = 1, negative: int = 5,
                 ns_exponent: float = 0.75, epochs: int = 5, batch_words: int = 10000,
                 progress: bool = False):
        where = "Word2Vec"
        self.vector_size = check_int(vector_size, "vector_size", where)
        self.alpha = check_positive(alpha, "alpha", where)
        self.min_alpha = check_float(min_alpha, "min_alpha", where, low=0.0)
        self.window = check_int(window, "window", where)
        self.min_count = check_int(min_count, "min_count", where)
        self.max_final_vocab = (None if max_final_vocab is None else
                                check_int(max_final_vocab, "max_final_vocab", where))
        self.sample = check_float(sample, "sample", where, low=0.0)
        self.seed = check_int(seed, "seed", where, low=0)
        self.workers = check_int(workers, "workers", where)
        self.sg = check_choice(sg, "sg", where, (0, 1))
        self.negative = check_int(negative, "negative", where)
        self.ns_exponent = check_float(ns_exponent, "ns_exponent", where)
        self.epochs = check_int(epochs, "epochs", where)
        self.batch_words = check_int(batch_words, "batch_words", where)
        self.progress = bool(progress)
        self.wv = None
        self.syn1neg = None
        self.train_seconds = self.words_per_second = None
        self.path = None
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences=sentences, corpus_file=corpus_file)
            self.train()

    def build_vocab(self, sentences=None, corpus_file=None) -> "Word2Vec":
        """Count the corpus, keep the words with at least min_count occurrences, initialize
        the vectors (uniform in ±0.5/n_e, as word2vec; syn1neg zeros) and keep the corpus.

        Raises:
            ValueError: when no word reaches min_count (naming the most frequent one's count).
        """
        words, counts, ids, starts, raw = data.read_corpus(sentences, corpus_file)
        vocab, vocab_counts, old_to_new = data.build_vocab(words, counts, self.min_count,
                                                           self.max_final_vocab)
        if not vocab:
            raise ValueError(f"Word2Vec: no word occurs min_count={self.min_count} times "
                             f"(the most frequent occurs {counts.max()} times); lower "
                             "min_count or give a larger corpus")
        self.counts = vocab_counts
        self.corpus = data.encode(ids, starts, old_to_new, raw)
        self.corpus_total_words = raw
        self._keep = data.keep_probabilities(vocab_counts, self.sample)
        self._sample_int = data.sample_ints(self._keep)
        self._table = data.cum_table(vocab_counts, self.ns_exponent)
        rng = np.random.default_rng(self.seed)
        V, n_e = len(vocab), self.vector_size
        E = ((rng.random((V, n_e)) - 0.5) / n_e).astype(np.float32)
        self.wv = KeyedVectors(vocab, E)
        self.syn1neg = np.zeros((V, n_e), dtype=np.float32)
        return self

    # --- training ---------------------------------------------------------------------------
    def _jobs(self, epochs: int) -> list:
        """(epoch, chunk index, first, stop sentence, alpha) for every chunk of the run."""
        parts = data.chunks(self.corpus, self.batch_words)
        n = len(self.corpus.tokens)
        jobs = []
        for epoch in range(epochs):
            for c, (first, stop) in enumerate(parts):
                done = (epoch * n + self.corpus.starts[first]) / (epochs * n)
                alpha = self.alpha - (self.alpha - self.min_alpha) * done
                jobs.append((epoch, c, first, stop, max(alpha, self.min_alpha)))
        return jobs

    def _chunk(self, first: int, stop: int):
        starts = self.corpus.starts[first:stop + 1]
        tokens = self.corpus.tokens[starts[0]:starts[-1]]
        return tokens, starts - starts[0]

    def train(self, epochs: int | None = None) -> "Word2Vec":
        """Train ``epochs`` passes (the model's by default) over the kept corpus.

        Raises:
            RuntimeError: before build_vocab.
        """
        if self.wv is None:
            raise RuntimeError("Word2Vec.train: call build_vocab first (or pass sentences= "
                               "or corpus_file= to Word2Vec)")
        epochs = self.epochs if epochs is None else check_int(epochs, "epochs", "Word2Vec.train")
        from npdeep.kernels import word2vec as kernel
        self.path = "numba" if kernel.takes() else "numpy"
        jobs = self._jobs(epochs)
        bar = self._bar(epochs)
        start = time.perf_counter()
        if self.path == "numba":
            self.effective_words = self._train_compiled(jobs, kernel, bar)
        else:
            self.effective_words = self._train_numpy(jobs, bar)
        self.train_seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
        self.words_per_second = epochs * self.corpus_total_words / self.train_seconds
        return self

    def _bar(self, epochs: int):
        if not self.progress:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the bar is optional
            return None
        return tqdm(total=epochs * len(self.corpus.tokens), unit="word", unit_scale=True,
                    desc=f"Word2Vec ({'skip-gram' if self.sg else 'CBOW'})")

    def _state(self, epoch: int, c: int) -> int:
        """A chunk's generator seed, fixed by (seed, epoch, chunk): a one-thread run repeats."""
        seq = np.random.SeedSequence([self.seed, epoch, c])
        return int(seq.generate_state(1, np.uint64)[0]) & data.LCG_MASK

    def _train_compiled(self, jobs: list, kernel, bar) -> int:
        syn0, syn1neg = self.wv.vectors, self.syn1neg
        lock = threading.Lock()
        queue = iter(jobs)
        totals, errors = [0], []

        def worker():
            try:
                while True:
                    with lock:
                        job = next(queue, None)
                    if job is None:
                        return
                    epoch, c, first, stop, alpha = job
                    tokens, starts = self._chunk(first, stop)
                    _, effective = kernel.train_chunk(syn0, syn1neg, tokens, starts,
                                                      self._sample_int, self._table,
                                                      self.window, self.negative, alpha,
                                                      self._state(epoch, c), bool(self.sg))
                    with lock:
                        totals[0] += effective
                        if bar is not None:
                            bar.update(len(tokens))
            except BaseException as error:  # re-raised in the caller below
                errors.append(error)

        if self.workers == 1:
            worker()
        else:
            threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        if errors:
            raise errors[0]
        return totals[0]

    def _train_numpy(self, jobs: list, bar) -> int:
        syn0, syn1neg = self.wv.vectors, self.syn1neg
        effective = 0
        for epoch, c, first, stop, alpha in jobs:
            rng = np.random.default_rng([self.seed, epoch, c])
            tokens, starts = self._chunk(first, stop)
            kept, kept_starts = data.subsample(tokens, starts, self._keep, rng)
            effective += len(kept)
            centers, contexts = data.skipgram_pairs(kept, kept_starts, self.window, rng)
            if self.sg:
                order = rng.permutation(len(centers))  # blocks mix positions and distances
                inputs, targets = kept[contexts[order]], kept[centers[order]]
                negatives = data.draw_negatives(self._table, (len(inputs), self.negative), rng)
                block = self._block(targets)
                for b in range(0, len(inputs), block):
                    sl = slice(b, b + block)
                    sgns_step(syn0, syn1neg, inputs[sl], targets[sl], negatives[sl], alpha)
            else:
                self._cbow_numpy(kept, centers, contexts, alpha, rng)
            if bar is not None:
                bar.update(len(tokens))
        return effective

    @staticmethod
    def _block(targets) -> int:
        """Pairs per step: PAIR_BLOCK, or fewer so the most frequent target word repeats at
        most about MAX_REPEATS times in a step (a small vocabulary needs small steps)."""
        if len(targets) == 0:
            return PAIR_BLOCK
        share = np.bincount(targets).max() / len(targets)
        return int(np.clip(MAX_REPEATS / share, 16, PAIR_BLOCK))

    def _cbow_numpy(self, kept, centers, contexts, alpha: float, rng) -> None:
        """CBOW steps over blocks of center positions (each with all its contexts)."""
        order = np.argsort(centers, kind="stable")
        centers, contexts = centers[order], contexts[order]
        positions, owner = np.unique(centers, return_inverse=True)
        block = max(1, self._block(kept[positions]) // (2 * self.window))
        negatives = data.draw_negatives(self._table, (len(positions), self.negative), rng)
        bounds = np.searchsorted(owner, np.arange(0, len(positions) + block, block))
        for i, b in enumerate(range(0, len(positions), block)):
            lo, hi = bounds[i], bounds[i + 1]
            self_ids = kept[positions[b:b + block]]
            cbow_step(self.wv.vectors, self.syn1neg, kept[contexts[lo:hi]], owner[lo:hi] - b,
                      self_ids, negatives[b:b + block], alpha)
