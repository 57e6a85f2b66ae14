"""GloVe: global vectors from word co-occurrence counts (Pennington, Socher & Manning 2014).

1. Count X_ij, how often word j occurs within ``window`` words of word i, each occurrence
   weighted 1/distance (the paper's §4.2; symmetric: left and right contexts both count).
2. Fit word vectors w_i, context vectors w̃_j and biases b_i, b̃_j by weighted least squares
   over the nonzero X_ij (the paper's eq. 8):

       J = Σ_{i,j: X_ij > 0} f(X_ij) (w_i·w̃_j + b_i + b̃_j − log X_ij)²,
       f(x) = min(1, (x / x_max)^α),  x_max = 100, α = 3/4,

   with AdaGrad (Duchi et al. 2011) over the nonzeros in a new random order each epoch, as
   the paper's code does: θ ← θ − η·∂/√(G + Σ ∂²), G starting at 1.
3. The word vector is w + w̃ (the paper's §4.2: the sum is slightly better than either).

The fit is vectorized over blocks of nonzeros (each block's gradients taken at its start,
repeated rows accumulating); the paper's code takes them one at a time, on threads.
"""
from __future__ import annotations

import time

import numpy as np

from npdeep.text import word2vec_data as data
from npdeep.text.keyed_vectors import KeyedVectors
from npdeep.text.word2vec import add_rows
from npdeep.validation import check_float, check_int, check_positive

BLOCK = 4096  # nonzeros per vectorized AdaGrad step


def cooccurrence(tokens, starts, V: int, window: int, symmetric: bool = True):
    """The co-occurrence counts X_ij with 1/distance weighting, as sparse triples.

    Args:
        tokens: (n,) word ids; starts: (n_sentences + 1,) sentence bounds (windows stay
            inside a sentence).
        V: the vocabulary size.  window: the largest distance counted.
        symmetric: count the context on both sides (X is then symmetric).

    Returns:
        (rows, cols, values): (nnz,) int64, int64, float64, the nonzero X_ij in row-major
        order.
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    sentence = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    keys, weights = [], []
    for d in range(1, window + 1):
        same = sentence[d:] == sentence[:-d]  # position i and i + d in one sentence
        left, right = tokens[:-d][same], tokens[d:][same]
        keys.append(left * V + right)
        weights.append(np.full(len(left), 1.0 / d))
        if symmetric:
            keys.append(right * V + left)
            weights.append(weights[-1])
    keys = np.concatenate(keys)
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.bincount(inverse, weights=np.concatenate(weights), minlength=len(unique))
    return unique // V, unique % V, values


def weighting(X, x_max: float = 100.0, alpha: float = 0.75):
    """f(x) = min(1, (x / x_max)^α), the paper's eq. 9: rare pairs count less, frequent ones
    no more than 1."""
    return np.minimum(1.0, (np.asarray(X) / x_max) ** alpha)


def glove_loss(W, W_tilde, b, b_tilde, rows, cols, X, x_max: float = 100.0,
               alpha: float = 0.75):
    """J = Σ f(X_ij)(w_i·w̃_j + b_i + b̃_j − log X_ij)² over the given nonzeros, and its
    gradients.

    Args:
        W, W_tilde: (V, n_e) word and context vectors; b, b_tilde: (V,) biases.
        rows, cols: (P,) the i and j of P nonzeros; X: (P,) their counts X_ij > 0.

    Returns:
        (J, dW, dW_tilde, db, db_tilde): shapes (), (V, n_e), (V, n_e), (V,), (V,).
    """
    diff = np.sum(W[rows] * W_tilde[cols], axis=1) + b[rows] + b_tilde[cols] - np.log(X)
    fdiff = weighting(X, x_max, alpha) * diff  # (P,)
    J = np.sum(fdiff * diff)
    dW, dW_tilde = np.zeros_like(W), np.zeros_like(W_tilde)
    np.add.at(dW, rows, 2 * fdiff[:, None] * W_tilde[cols])
    np.add.at(dW_tilde, cols, 2 * fdiff[:, None] * W[rows])
    db = np.bincount(rows, weights=2 * fdiff, minlength=len(b))
    db_tilde = np.bincount(cols, weights=2 * fdiff, minlength=len(b_tilde))
    return J, dW, dW_tilde, db, db_tilde


class GloVe:
    """GloVe word vectors; see the module doc for the model.

    Args:
        sentences / corpus_file: the corpus, as for Word2Vec (trained at once when given).
        vector_size: n_e.  window: the co-occurrence window (10 in the paper).
        min_count: words with fewer occurrences are dropped before counting.
        x_max, alpha: the weighting function's cutoff and power (100, 3/4).
        learning_rate: AdaGrad's η (0.05, the paper's code).  epochs: passes over the
            nonzeros (the paper: 50 for n_e < 300).  seed: initial vectors and orders.
        symmetric: count left and right contexts.  progress: a tqdm bar over epochs.

    Attributes:
        wv: KeyedVectors of w + w̃, most frequent word first.
        W, W_tilde, b, b_tilde: the fitted parameters.
        cooccurrences: (rows, cols, values) of X.  losses: J after each epoch's pass,
            divided by the number of nonzeros (J summed during the pass, as the paper's code
            reports it).

    Example:
        >>> model = GloVe(corpus_file="text.txt", vector_size=50, epochs=25)
        >>> model.wv.most_similar("king")
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size: int = 100,
                 window: int = 10, min_count: int = 5, x_max: float = 100.0,
                 alpha: float = 0.75, learning_rate: float = 0.05, epochs: int = 25,
                 seed: int = 1, symmetric: bool = True, progress: bool = False):
        where = "GloVe"
        self.vector_size = check_int(vector_size, "vector_size", where)
        self.window = check_int(window, "window", where)
        self.min_count = check_int(min_count, "min_count", where)
        self.x_max = check_positive(x_max, "x_max", where)
        self.alpha = check_float(alpha, "alpha", where, low=0.0)
        self.learning_rate = check_positive(learning_rate, "learning_rate", where)
        self.epochs = check_int(epochs, "epochs", where)
        self.seed = check_int(seed, "seed", where, low=0)
        self.symmetric = bool(symmetric)
        self.progress = bool(progress)
        self.wv = None
        self.losses = []
        if sentences is not None or corpus_file is not None:
            self.build_vocab(sentences=sentences, corpus_file=corpus_file)
            self.train()

    def build_vocab(self, sentences=None, corpus_file=None) -> "GloVe":
        """Read the corpus, keep the words with min_count occurrences, count X, initialize
        the parameters (uniform in ±0.5/n_e, as the paper's code)."""
        words, counts, ids, starts, raw = data.read_corpus(sentences, corpus_file, "GloVe")
        vocab, _, old_to_new = data.build_vocab(words, counts, self.min_count)
        if not vocab:
            raise ValueError(f"GloVe: no word occurs min_count={self.min_count} times "
                             f"(the most frequent occurs {counts.max()} times)")
        corpus = data.encode(ids, starts, old_to_new, raw)
        V, n_e = len(vocab), self.vector_size
        self.cooccurrences = cooccurrence(corpus.tokens, corpus.starts, V, self.window,
                                          self.symmetric)
        rng = np.random.default_rng(self.seed)
        self.W = (rng.random((V, n_e)) - 0.5) / n_e
        self.W_tilde = (rng.random((V, n_e)) - 0.5) / n_e
        self.b = (rng.random(V) - 0.5) / n_e
        self.b_tilde = (rng.random(V) - 0.5) / n_e
        # AdaGrad's sums of squared gradients, started at 1 as in the paper's code.
        self._G = [np.ones_like(p) for p in (self.W, self.W_tilde, self.b, self.b_tilde)]
        self._vocab = vocab
        self._rng = rng
        self._update_wv()
        return self

    def _update_wv(self):
        self.wv = KeyedVectors(self._vocab, self.W + self.W_tilde)

    def train(self, epochs: int | None = None) -> "GloVe":
        """``epochs`` AdaGrad passes over the nonzeros of X; appends each pass's loss."""
        if self.wv is None:
            raise RuntimeError("GloVe.train: call build_vocab first (or pass sentences= or "
                               "corpus_file= to GloVe)")
        epochs = self.epochs if epochs is None else check_int(epochs, "epochs", "GloVe.train")
        rows, cols, X = self.cooccurrences
        f = weighting(X, self.x_max, self.alpha)
        log_X = np.log(X)
        bar = range(epochs)
        if self.progress:
            try:
                from tqdm.auto import tqdm
                bar = tqdm(bar, desc="GloVe", unit="epoch")
            except ImportError:  # the bar is optional
                pass
        start = time.perf_counter()
        for _ in bar:
            order = self._rng.permutation(len(X))
            total = 0.0
            for s in range(0, len(order), BLOCK):
                block = order[s:s + BLOCK]
                total += self._step(rows[block], cols[block], f[block], log_X[block])
            self.losses.append(total / len(X))
        self.train_seconds = time.perf_counter() - start
        self._update_wv()
        return self

    def _step(self, i, j, f, log_X) -> float:
        """One AdaGrad step over a block of nonzeros; returns the block's J before it."""
        W, W_tilde, b, b_tilde = self.W, self.W_tilde, self.b, self.b_tilde
        G_W, G_W_tilde, G_b, G_b_tilde = self._G
        diff = np.einsum("pd,pd->p", W[i], W_tilde[j]) + b[i] + b_tilde[j] - log_X  # (P,)
        fdiff = f * diff
        # The factor 2 of d(x²)/dx is folded into η, as in the paper's code (its J has ½).
        dW = fdiff[:, None] * W_tilde[j]  # (P, n_e)
        dW_tilde = fdiff[:, None] * W[i]
        # Each parameter's step uses its sum of squares before this block's gradients.
        add_rows(W, i, -self.learning_rate * dW / np.sqrt(G_W[i]))
        add_rows(W_tilde, j, -self.learning_rate * dW_tilde / np.sqrt(G_W_tilde[j]))
        np.add.at(b, i, -self.learning_rate * fdiff / np.sqrt(G_b[i]))
        np.add.at(b_tilde, j, -self.learning_rate * fdiff / np.sqrt(G_b_tilde[j]))
        add_rows(G_W, i, dW ** 2)
        add_rows(G_W_tilde, j, dW_tilde ** 2)
        np.add.at(G_b, i, fdiff ** 2)
        np.add.at(G_b_tilde, j, fdiff ** 2)
        return float(np.sum(fdiff * diff))
