"""How well a language model predicts text: cross-entropy per token and perplexity.

For N predicted tokens, the cross-entropy is H = −(1/N) Σ log P(token | the tokens before),
in nats per token, and the perplexity is e^H: the number of equally likely choices the model
is as unsure as. What is predicted depends on the kind of text, as in the training sources:

- a list of lines (names): each line is read as <eos> c1 ... cn and predicts c1 ... cn <eos>
  (N = its length + 1), from the zero state;
- a string (running text): tokens 2 ... n are predicted from those before them, the state
  carried through the whole text.

The baseline is a bigram model, P(c⟨t⟩ | c⟨t−1⟩) from counts, to show what the recurrent
state adds beyond the previous token.
"""
from __future__ import annotations

import math

import numpy as np

from npdeep.autograd import no_grad
from npdeep.functional.loss import IGNORE_INDEX, cross_entropy
from npdeep.tensor import Tensor
from npdeep.validation import check_choice, check_float

# Steps per forward call when scoring running text (the state is carried between calls).
_WINDOW = 256


def _summed_cost(Z, Y) -> tuple:
    """(−Σ log P(y), how many y count) over the labels Y of logits Z: the training loss
    summed, in float64; padded steps (ignore_index) add nothing."""
    Y = np.asarray(Y)
    J = cross_entropy(Tensor(Z.data.astype(np.float64)), Y, reduction="sum")
    return float(J.data), int((Y != IGNORE_INDEX).sum())


def _check_text(text, where: str):
    if isinstance(text, str):
        if not text:
            raise ValueError(f"{where}: the text is empty; pass the text (or list of lines) "
                             "to score")
        return text
    lines = [line for line in text if line.strip()]
    if not lines:
        raise ValueError(f"{where}: no non-empty line to score; pass the text (or list of "
                         "lines) to score")
    return lines


def nats_per_token(model, vocab, text, mini_batch_size: int = 256) -> float:
    """The model's cross-entropy on ``text`` in nats per token (see the module docstring).

    Args:
        model: a language model with ``forward_with_state(X, state) -> (Z, state)``.
        vocab: its Vocabulary.
        text: a string of running text, or a list of lines.
        mini_batch_size: lines per forward pass (lines only).

    Raises:
        ValueError: for an empty text or list, or running text of fewer than 2 tokens.
    """
    from npdeep.text.sources import LineBatches

    where = "perplexity"
    text = _check_text(text, where)
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            if isinstance(text, str):
                ids = vocab.encode(text)
                if len(ids) < 2:
                    raise ValueError(f"{where}: running text needs at least 2 tokens (one to "
                                     f"read, one to predict); got {len(ids)}")
                state = None
                for start in range(0, len(ids) - 1, _WINDOW):
                    X = ids[start:start + _WINDOW][None]  # (1, T)
                    Y = ids[start + 1:start + 1 + _WINDOW]
                    X = X[:, :len(Y)]
                    Z, state = model.forward_with_state(X, state)
                    cost, n = _summed_cost(Z, Y[None])
                    total, count = total + cost, count + n
            else:
                batches = LineBatches(text, vocab, mini_batch_size=mini_batch_size,
                                      shuffle=False)
                for X, Y in batches:
                    cost, n = _summed_cost(model.forward_with_state(X, None)[0], Y)
                    total, count = total + cost, count + n
    finally:
        model.train(was_training)
    return total / count


def perplexity(model, vocab, text, mini_batch_size: int = 256) -> float:
    """e^H: the model's perplexity per token on ``text`` (a string or a list of lines).

    Example:
        >>> perplexity(model, vocab, dev_names)  # per character, <eos> included: about 7
        ...                                      # for an LSTM(128) trained a minute on names
    """
    return math.exp(nats_per_token(model, vocab, text, mini_batch_size))


def _pairs(vocab, text) -> tuple:
    """(previous ids, next ids) of every prediction in ``text``, as in nats_per_token."""
    if isinstance(text, str):
        ids = vocab.encode(text)
        return ids[:-1], ids[1:]
    prev, nxt = [], []
    for line in text:
        ids = vocab.encode(line)
        prev.append(np.concatenate([[vocab.eos_id], ids]))
        nxt.append(np.concatenate([ids, [vocab.eos_id]]))
    return np.concatenate(prev).astype(np.int64), np.concatenate(nxt).astype(np.int64)


class BigramModel:
    """P(next token | previous token) from counts: the baseline a recurrent model must beat.

    Two smoothings, so that a pair never seen in training does not get probability 0
    (an infinite perplexity):

    - "add-one" (Laplace): P(b | a) = (count(a b) + k) / (count(a ·) + k·V'), with k = ``k``
      (1 by default) and V' the number of tokens that can follow (all but <pad>).
    - "kneser-ney": interpolated Kneser-Ney with one discount d (0.75 by default):
      P(b | a) = max(count(a b) − d, 0) / count(a ·) + λ(a)·P_cont(b), where
      λ(a) = d·|{b: count(a b) > 0}| / count(a ·) and P_cont(b) ∝ |{a: count(a b) > 0}| + 1
      (how many contexts b follows, add-one so every token keeps some mass); a context never
      seen in training falls back to P_cont. "Lite": one discount, no higher orders.

    Args:
        vocab: the Vocabulary.
        smoothing: "add-one" or "kneser-ney".
        k: the pseudo-count of add-one (> 0).
        discount: d of Kneser-Ney, in (0, 1).

    Example:
        >>> bigram = BigramModel(vocab).fit(train_names)
        >>> bigram.perplexity(dev_names)
    """

    def __init__(self, vocab, smoothing: str = "add-one", k: float = 1.0,
                 discount: float = 0.75):
        where = "BigramModel"
        self.vocab = vocab
        self.smoothing = check_choice(smoothing, "smoothing", where, ("add-one", "kneser-ney"))
        self.k = check_float(k, "k", where, low=0.0, low_open=True)
        self.discount = check_float(discount, "discount", where, 0.0, 1.0, True, True)
        self.log_P = None

    def fit(self, text) -> "BigramModel":
        """Count the bigrams of ``text`` (a string or a list of lines) and smooth them."""
        text = _check_text(text, "BigramModel.fit")
        V = len(self.vocab)
        prev, nxt = _pairs(self.vocab, text)
        counts = np.zeros((V, V))
        np.add.at(counts, (prev, nxt), 1)
        can_follow = np.ones(V, dtype=bool)
        can_follow[self.vocab.pad_id] = False
        context = counts.sum(axis=1, keepdims=True)  # count(a ·)
        if self.smoothing == "add-one":
            P = (counts + self.k) / (context + self.k * can_follow.sum())
        else:
            d = self.discount
            continuation = (counts > 0).sum(axis=0) + 1.0  # contexts b follows, add-one
            P_cont = continuation * can_follow / (continuation * can_follow).sum()
            seen = context[:, 0] > 0
            safe = np.where(context > 0, context, 1)
            lam = np.where(seen, d * (counts > 0).sum(axis=1) / safe[:, 0], 1.0)[:, None]
            P = np.maximum(counts - d, 0) / safe + lam * P_cont[None, :]
        P[:, ~can_follow] = 0
        with np.errstate(divide="ignore"):
            self.log_P = np.log(P)
        return self

    def nats_per_token(self, text) -> float:
        """H = −(1/N) Σ log P(next | previous) over ``text``'s predictions, in nats."""
        if self.log_P is None:
            raise ValueError("BigramModel: call fit(text) before scoring a text")
        text = _check_text(text, "BigramModel.nats_per_token")
        prev, nxt = _pairs(self.vocab, text)
        if len(nxt) == 0:
            raise ValueError("BigramModel.nats_per_token: running text needs at least 2 "
                             "tokens")
        return float(-self.log_P[prev, nxt].mean())

    def perplexity(self, text) -> float:
        return math.exp(self.nats_per_token(text))

    def __repr__(self) -> str:
        return f"BigramModel({self.vocab!r}, smoothing={self.smoothing!r})"


def bigram_perplexity(vocab, train_text, text, smoothing: str = "add-one") -> float:
    """The perplexity on ``text`` of a bigram model counted on ``train_text``."""
    return BigramModel(vocab, smoothing=smoothing).fit(train_text).perplexity(text)

