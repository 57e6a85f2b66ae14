"""Sequence to sequence with the course's attention model (course 5, week 3: "Neural machine
translation with attention", the date translation task).

::

    x⟨1..T_x⟩ one-hot characters                            (m, T_x, V_x), padded with <pad>
    a⟨t'⟩ = [a→⟨t'⟩; a←⟨t'⟩] = bidirectional LSTM(x)          (m, T_x, 2·n_a)   pre-attention
    for t = 1..T_y:
        c⟨t⟩, α⟨t,·⟩ = Attention(s⟨t−1⟩, a⟨1..T_x⟩)          (m, 2·n_a), (m, T_x)
        s⟨t⟩, c_s⟨t⟩ = LSTMCell([c⟨t⟩; e(y⟨t−1⟩)], s⟨t−1⟩, c_s⟨t−1⟩)        post-attention
        ŷ⟨t⟩ = softmax(Wy·s⟨t⟩ + by)                          (m, V_y)

One change from the course's notebook: the post-attention LSTM also reads the previous
output y⟨t−1⟩ (an embedding e of it; y⟨0⟩ is the start token), so that the model gives
P(y⟨t⟩ | x, y⟨1..t−1⟩) and beam search over it means something. In training y⟨t−1⟩ is the
true previous character (teacher forcing); when translating it is the previous prediction.
s⟨0⟩ and c_s⟨0⟩ are zeros, as in the course.

The model's input is one integer array (m, T_x + T_y): the T_x input ids followed by the T_y
decoder inputs [start, y⟨1⟩, ..., y⟨T_y−1⟩], so that ``npdeep.fit`` trains it with
``cross_entropy`` against Y (m, T_y) like any other model. Padded input positions (the
``pad_id`` after each date) are left out of the encoder (``lengths``) and get α = 0.
"""
from __future__ import annotations

import numpy as np

from npdeep import functional as F
from npdeep import nn
from npdeep.nn.attention import Attention
from npdeep.tensor import Tensor
from npdeep.validation import check_int


class AttentionSeq2Seq(nn.Module):
    """The encoder–decoder with attention; see the module docstring and :func:`seq2seq`.

    Attributes:
        encoder: nn.LSTM(V_x, n_a, bidirectional=True), the pre-attention Bi-LSTM.
        attention: nn.Attention(n_s, 2·n_a, n_d), the energies' dense network.
        embedding: nn.Embedding(V_y, n_e) of the previous output y⟨t−1⟩.
        decoder: nn.LSTMCell(2·n_a + n_e, n_s), the post-attention LSTM.
        head: nn.Linear(n_s, V_y), the output layer (logits; the loss applies the softmax).
    """

    example_ndim = 1

    def __init__(self, input_vocab_size: int, output_vocab_size: int, T_x: int = 30,
                 T_y: int = 10, n_a: int = 32, n_s: int = 64, n_d: int = 10, n_e: int = 16,
                 activation: str = "relu", pad_id: int = 0, start_id: int = 2):
        super().__init__()
        where = "AttentionSeq2Seq"
        self.input_vocab_size = check_int(input_vocab_size, "input_vocab_size", where, 2)
        self.output_vocab_size = check_int(output_vocab_size, "output_vocab_size", where, 2)
        self.T_x = check_int(T_x, "T_x", where)
        self.T_y = check_int(T_y, "T_y", where)
        self.n_a, self.n_s = check_int(n_a, "n_a", where), check_int(n_s, "n_s", where)
        self.n_d, self.n_e = check_int(n_d, "n_d", where), check_int(n_e, "n_e", where)
        self.pad_id = check_int(pad_id, "pad_id", where, 0, self.input_vocab_size - 1)
        self.start_id = check_int(start_id, "start_id", where, 0, self.output_vocab_size - 1)
        self.encoder = nn.LSTM(self.input_vocab_size, n_a, bidirectional=True)
        self.attention = Attention(n_s, 2 * n_a, n_d, activation=activation)
        self.activation = self.attention.activation
        self.embedding = nn.Embedding(self.output_vocab_size, n_e)
        self.decoder = nn.LSTMCell(2 * n_a + n_e, n_s)
        self.head = nn.Linear(n_s, self.output_vocab_size, init="xavier")

    def arguments(self) -> dict:
        """The keyword arguments that rebuild this model (saved in a run's config.json)."""
        return {"input_vocab_size": self.input_vocab_size,
                "output_vocab_size": self.output_vocab_size, "T_x": self.T_x, "T_y": self.T_y,
                "n_a": self.n_a, "n_s": self.n_s, "n_d": self.n_d, "n_e": self.n_e,
                "activation": self.activation, "pad_id": self.pad_id,
                "start_id": self.start_id}

    # ------------------------------------------------------------------ inputs
    def _ids(self, X, columns: int, what: str, V: int) -> np.ndarray:
        data = np.asarray(X.data if isinstance(X, Tensor) else X)
        if data.ndim != 2 or data.shape[1] != columns:
            raise ValueError(f"{type(self).__name__} expected {what} of shape (m, {columns}) "
                             f"but got {tuple(data.shape)}")
        ids = data.astype(np.intp)
        if data.dtype.kind == "f" and not np.array_equal(ids, data):
            raise ValueError(f"{type(self).__name__} expected integer token ids; got "
                             "non-integer values")
        if ids.size and (ids.min() < 0 or ids.max() >= V):
            raise ValueError(f"{type(self).__name__} expected {what} in [0, {V}) but got "
                             f"values from {ids.min()} to {ids.max()}")
        return ids

    def one_hot(self, x_ids: np.ndarray) -> Tensor:
        """The course's one-hot input characters (m, T_x, V_x); <pad> gives zeros."""
        m, T_x = x_ids.shape
        X = np.zeros((m * T_x, self.input_vocab_size), dtype=self.head.W.data.dtype)
        X[np.arange(m * T_x), x_ids.reshape(-1)] = 1
        X[:, self.pad_id] = 0
        return Tensor(X.reshape(m, T_x, self.input_vocab_size))

    # ------------------------------------------------------------------ running
    def encode(self, x_ids) -> "nn.attention.AttentionKeys":
        """The pre-attention Bi-LSTM over x (m, T_x) ids, as the attention's keys (with the
        activations a⟨t'⟩ (m, T_x, 2·n_a) and the mask of real positions)."""
        x_ids = self._ids(x_ids, self.T_x, "input ids x", self.input_vocab_size)
        real = x_ids != self.pad_id
        # NOTE: an all-<pad> row gets length 1 (the layer needs >= 1): it attends to its first
        # position (a zero input), so it still has a defined output.
        lengths = np.maximum(real.sum(axis=1), 1)
        mask = np.arange(self.T_x)[None, :] < lengths[:, None]       # (m, T_x)
        A, _ = self.encoder(self.one_hot(x_ids),
                            lengths=None if mask.all() else lengths)  # (m, T_x, 2·n_a)
        return self.attention.keys(A, mask)

    def initial_state(self, m: int) -> tuple:
        """(s⟨0⟩, c_s⟨0⟩): zeros (m, n_s)."""
        dtype = self.head.W.data.dtype
        return (Tensor(np.zeros((m, self.n_s), dtype)), Tensor(np.zeros((m, self.n_s), dtype)))

    def step(self, keys, e_prev: Tensor, state: tuple, fused=None) -> tuple:
        """One decoder step: (s⟨t⟩ (m, n_s), (s⟨t⟩, c_s⟨t⟩), α⟨t⟩ (m, T_x)) from the
        embedded previous output e_prev (m, n_e) and the state (s⟨t−1⟩, c_s⟨t−1⟩).
        ``fused``: the decoder cell's (W, b), when the caller made them once for all steps."""
        s_prev, c_prev = state
        context, alpha = self.attention.step(keys, s_prev)           # (m, 2·n_a), (m, T_x)
        xt = F.concatenate([context, e_prev], axis=1)               # (m, 2·n_a + n_e)
        W, b = fused if fused is not None else self.decoder.fused()
        s, c = F.lstm_cell(xt, s_prev, c_prev, W, b)
        return s, (s, c), alpha

    def decode_step(self, keys, y_prev, state: tuple, fused=None) -> tuple:
        """(logits (m, V_y), state, α (m, T_x)) for the previous outputs y_prev (m,) ids;
        ``fused`` as in :meth:`step`."""
        e_prev = self.embedding(np.asarray(y_prev, dtype=np.intp))
        s, state, alpha = self.step(keys, e_prev, state, fused)
        return self.head(s), state, alpha

    def forward(self, X) -> Tensor:
        """Z (m, T_y, V_y): the logits of y⟨t⟩ given x and y⟨1..t−1⟩ (teacher forcing).

        X: (m, T_x + T_y) ids, the input x then the decoder inputs [start, y⟨1..T_y−1⟩].
        """
        X = self._ids(X, self.T_x + self.T_y, "ids [x; y_in]",
                      max(self.input_vocab_size, self.output_vocab_size))
        x_ids, y_in = X[:, :self.T_x], X[:, self.T_x:]
        if y_in.max(initial=0) >= self.output_vocab_size:
            raise ValueError(f"{type(self).__name__} expected decoder inputs in [0, "
                             f"{self.output_vocab_size}) but got values up to {y_in.max()}")
        keys = self.encode(x_ids)
        E = self.embedding(y_in)                                     # (m, T_y, n_e)
        state = self.initial_state(len(X))
        fused = self.decoder.fused()  # once, not once per step
        states = []
        for t in range(self.T_y):
            s, state, _ = self.step(keys, E[:, t], state, fused)
            states.append(s)
        return self.head(F.stack(states, axis=1))                   # (m, T_y, V_y)


def seq2seq(input_vocab_size: int, output_vocab_size: int, **options) -> AttentionSeq2Seq:
    """The encoder–decoder with attention (see :class:`AttentionSeq2Seq` for ``options``:
    T_x, T_y, n_a, n_s, n_d, n_e, activation, pad_id, start_id).

    Example:
        >>> model = npdeep.models.seq2seq(len(human_vocab), len(iso_vocab), T_x=30, T_y=10)
        >>> Z = model(np.hstack([x_ids, y_in]))              # (m, 10, len(iso_vocab))
    """
    return AttentionSeq2Seq(input_vocab_size, output_vocab_size, **options)
