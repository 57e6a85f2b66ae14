"""The character-level language model of course 5, week 1 (the dinosaur names, Shakespeare).

::

    x⟨t⟩ = one-hot(token t)                     (m, V), or a learned embedding e_t (m, n_e)
    a⟨t⟩, c⟨t⟩ = RNN / GRU / LSTM cell(x⟨t⟩, a⟨t−1⟩, c⟨t−1⟩)      (m, n_a), num_layers deep
    ŷ⟨t⟩ = softmax(Wya · a⟨t⟩ + by)              (m, V): the next token's distribution

The model returns the logits z⟨t⟩ = Wya·a⟨t⟩ + by for every step, (m, T, V); the loss
(cross_entropy) applies the softmax. Trained on x = [<eos>, c1, ..., cn] against
y = [c1, ..., cn, <eos>], it learns P(next token | tokens so far).
"""
from __future__ import annotations

import numpy as np

from npdeep import nn
from npdeep.tensor import Tensor
from npdeep.validation import check_choice, check_fraction, check_int

CELLS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def _state_batch_size(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).shape[1]


class CharRNN(nn.Module):
    """A recurrent language model over token ids; see :func:`char_rnn`.

    Attributes:
        rnn: the nn.RNN / nn.GRU / nn.LSTM layer (its parameters carry the course's names).
        head: the nn.Linear giving z⟨t⟩ = Wya·a⟨t⟩ + by (W is Wya, b is by).
        stateful: whether forward carries the state from one call to the next.
        state: the state kept for the next call (None before the first, and after a reset).
    """

    example_ndim = 1

    def __init__(self, vocab_size: int, n_a: int, cell: str = "lstm", num_layers: int = 1,
                 pad_id: int | None = 0, stateful: bool = False, keep_prob: float = 1.0,
                 embedding_dim: int | None = None):
        super().__init__()
        where = "char_rnn"
        self.vocab_size = check_int(vocab_size, "vocab_size", where, 2)
        self.n_a = check_int(n_a, "n_a", where)
        self.cell = check_choice(cell, "cell", where, tuple(CELLS))
        self.num_layers = check_int(num_layers, "num_layers", where)
        self.keep_prob = check_fraction(keep_prob, "keep_prob", where)
        if pad_id is not None:
            pad_id = check_int(pad_id, "pad_id", where, 0, self.vocab_size - 1)
        self.pad_id = pad_id
        self.stateful = bool(stateful)
        if embedding_dim is not None:
            embedding_dim = check_int(embedding_dim, "embedding_dim", where)
        self.embedding_dim = embedding_dim
        layer = getattr(nn, CELLS[cell])
        options = {"num_layers": self.num_layers}
        if self.keep_prob < 1:
            options["keep_prob"] = self.keep_prob
        n_x = self.vocab_size
        if embedding_dim is not None:
            self.embedding = nn.Embedding(self.vocab_size, embedding_dim)
            n_x = embedding_dim
        self.rnn = layer(n_x, self.n_a, **options)
        self.head = nn.Linear(self.n_a, self.vocab_size, init="xavier")
        self.state = None

    # ------------------------------------------------------------------ state
    def reset_state(self) -> None:
        """Forget the carried state: the next call starts from zeros."""
        object.__setattr__(self, "state", None)

    def train(self, mode: bool = True) -> "CharRNN":
        """Set the mode and forget the carried state: fit calls train() at each epoch's start
        and eval() for the dev set, so each epoch and each evaluation starts from zeros."""
        self.reset_state()
        return super().train(mode)

    # ------------------------------------------------------------------ running
    def token_ids(self, X) -> np.ndarray:
        """X as an (m, T) integer array (fit hands the ids over as floats: cast back).

        Raises:
            ValueError: for another rank, non-integer values or ids outside [0, vocab_size).
        """
        data = np.asarray(X.data if isinstance(X, Tensor) else X)
        if data.ndim != 2:
            raise ValueError(f"{self!r} expected token ids of shape (m, T_x) but got "
                             f"{tuple(data.shape)}; pass the ids of each sequence as one row")
        ids = data.astype(np.intp)
        if data.dtype.kind == "f" and not np.array_equal(ids, data):
            raise ValueError(f"{self!r} expected integer token ids; got non-integer values")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"{self!r} expected token ids in [0, {self.vocab_size}) but got "
                             f"values from {ids.min()} to {ids.max()}; was the model built "
                             "with vocab_size = len(vocab)?")
        return ids

    def lengths(self, ids: np.ndarray):
        """Each row's length (its tokens before the <pad> at its end), or None without pads.

        NOTE: a row that is all <pad> gets length 1 (the layer needs >= 1); its outputs are
        never counted, since its labels are ignore_index.
        """
        if self.pad_id is None:
            return None
        is_token = ids != self.pad_id
        if is_token.all():
            return None
        return np.maximum(is_token.sum(axis=1), 1)

    def one_hot(self, ids: np.ndarray) -> Tensor:
        """x⟨t⟩ as the course's one-hot vectors, (m, T, V), in the model's dtype; <pad> gives
        a row of zeros."""
        dtype = self.head.W.data.dtype
        m, T = ids.shape
        X = np.zeros((m * T, self.vocab_size), dtype=dtype)
        X[np.arange(m * T), ids.reshape(-1)] = 1  # (m·T, V)
        if self.pad_id is not None:
            X[:, self.pad_id] = 0
        return Tensor(X.reshape(m, T, self.vocab_size))

    def forward_with_state(self, X, state=None) -> tuple:
        """(Z, state): the logits (m, T, V) and the state after the last step, from ``state``
        (None: zeros). Used for sampling one step at a time."""
        ids = self.token_ids(X)
        X_in = self.one_hot(ids) if self.embedding_dim is None else self.embedding(ids)
        A, state = self.rnn(X_in, state=state, lengths=self.lengths(ids))
        return self.head(A), state  # (m, T, n_a) -> (m, T, V)

    def forward(self, X) -> Tensor:
        """Z (m, T_x, V): the logits of the next token at every step of X (m, T_x)."""
        state = None
        if self.stateful and self.state is not None:
            ids = self.token_ids(X)
            if _state_batch_size(self.state) == ids.shape[0]:
                state = self.state
        Z, new_state = self.forward_with_state(X, state)
        if self.stateful:
            # Detached now: the next batch starts from these values, but its gradient stops
            # here (truncated BPTT), and this batch's graph can be freed.
            object.__setattr__(self, "state", nn.detach_state(new_state))
        return Z

    def extra_repr(self) -> str:
        extra = f", keep_prob={self.keep_prob}" if self.keep_prob < 1 else ""
        if self.embedding_dim is not None:
            extra += f", embedding_dim={self.embedding_dim}"
        stateful = ", stateful=True" if self.stateful else ""
        return (f"vocab_size={self.vocab_size}, n_a={self.n_a}, cell={self.cell!r}, "
                f"num_layers={self.num_layers}{extra}{stateful}")


def char_rnn(vocab_size: int, n_a: int, cell: str = "lstm", num_layers: int = 1,
             pad_id: int | None = 0, stateful: bool = False, keep_prob: float = 1.0,
             embedding_dim: int | None = None) -> CharRNN:
    """Build a character-level (or word-level) recurrent language model.

    Args:
        vocab_size: V, the number of tokens (``len(vocab)``).
        n_a: the hidden state size of each layer.
        cell: "lstm", "gru" or "rnn" (tanh).
        num_layers: stacked recurrent layers (a deep RNN).
        pad_id: the id of <pad> (0 in an npdeep.text.Vocabulary): rows of X that end in it
            are run with their own lengths; None when X is never padded.
        stateful: carry the state from one forward call to the next (running text cut into
            consecutive windows, e.g. npdeep.text.StreamBatches), detached at each call; it
            is reset by ``train()``/``eval()`` (so at every epoch's start in fit), by
            ``reset_state()``, and when the batch size changes.
        keep_prob: dropout between stacked layers (1.0: none).
        embedding_dim: None feeds the course's one-hot vectors x⟨t⟩ (V wide); an int n_e
            learns an nn.Embedding (V, n_e) instead (cheaper for a large V, e.g. words).

    Returns:
        CharRNN mapping token ids X (m, T_x) to logits Z (m, T_x, V).

    Raises:
        ValueError: for sizes that are not ints >= 1 (vocab_size >= 2), an unknown cell, or
            pad_id outside [0, vocab_size).

    Example:
        >>> vocab = npdeep.text.Vocabulary.build(names)
        >>> model = char_rnn(len(vocab), 128, cell="lstm")
        >>> model(vocab.encode("emma")[None]).shape    # (1, 4, len(vocab))
    """
    return CharRNN(vocab_size, n_a, cell=cell, num_layers=num_layers, pad_id=pad_id,
                   stateful=stateful, keep_prob=keep_prob, embedding_dim=embedding_dim)
