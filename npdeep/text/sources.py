"""Mini-batch sources for language models, to pass to ``npdeep.fit`` as train= or dev=.

Two kinds of text, two sources:

- :class:`LineBatches`: one example per line (a list of names). Each line is one sequence
  ``<eos> c1 c2 ... cn`` whose targets are the next tokens ``c1 c2 ... cn <eos>`` (the
  course's dinosaur names: X = [None] + chars, Y = chars + ["\\n"]). Lines of a batch are
  padded at the end: X with <pad> (the model reads the lengths from it) and Y with
  ``ignore_index`` (-100, cross_entropy's default), so padded steps add nothing to the cost.
- :class:`StreamBatches`: running text, cut for truncated backpropagation through time. The
  token stream is split into m parallel rows; batch k holds the k-th window of T steps of
  every row, so row i of batch k + 1 continues row i of batch k and a stateful model can
  carry its state across. Windows are never shuffled: that would break the continuation.

Both yield (X, Y) int64 arrays of shape (m, T); every batch of a source has the same T when
``pad_to`` is "longest" (LineBatches) and always (StreamBatches), so that ``fit``'s evaluation,
which concatenates the outputs of the batches, works on them.
"""
from __future__ import annotations

import math

import numpy as np

from npdeep import backend
from npdeep.functional.loss import IGNORE_INDEX
from npdeep.validation import check_choice, check_int


def _check_vocabulary(vocab, where: str) -> None:
    if not hasattr(vocab, "encode") or not hasattr(vocab, "pad_id"):
        raise TypeError(f"{where}: vocab must be an npdeep.text.Vocabulary; got "
                        f"{type(vocab).__name__}")


class LineBatches:
    """Padded, masked mini-batches of lines: one example per line (e.g. one name).

    Args:
        lines: the examples, a list of strings (empty lines are dropped).
        vocab: the Vocabulary that encodes them.
        mini_batch_size: lines per batch.
        shuffle: draw a new order of the lines each epoch from npdeep's RNG (as fit's
            DataLoader does, so that runs are repeatable and resumable).
        pad_to: "batch" pads each batch to its longest line (less work: for training);
            "longest" pads every batch to the longest line of all (the same T in every batch:
            needed by fit's dev evaluation).
        max_length: lines longer than this many tokens are cut (None: no limit).

    Each batch is (X, Y), both (m, T) int64: X[i] = [<eos>, ids of line i, <pad>...],
    Y[i] = [ids of line i, <eos>, ignore_index...], T = 1 + the longest line's length.

    Raises:
        ValueError: for no non-empty line.

    Example:
        >>> train = LineBatches(names, vocab, mini_batch_size=64)
        >>> npdeep.fit(model, F.cross_entropy, optimizer, train, metrics=())
    """

    def __init__(self, lines, vocab, mini_batch_size: int = 64, shuffle: bool = True,
                 pad_to: str = "batch", max_length: int | None = None):
        where = "LineBatches"
        _check_vocabulary(vocab, where)
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", where)
        self.pad_to = check_choice(pad_to, "pad_to", where, ("batch", "longest"))
        if max_length is not None:
            max_length = check_int(max_length, "max_length", where)
        if isinstance(lines, str):
            raise TypeError(f"{where}: lines must be a list of strings (one example each); "
                            "got one string: split it with text.splitlines()")
        encoded = [vocab.encode(line) for line in lines if line.strip()]
        if max_length is not None:
            encoded = [ids[:max_length] for ids in encoded]
        if not encoded:
            raise ValueError(f"{where}: no non-empty line to train on; pass a list of "
                             "examples such as names, one per line")
        self.vocab = vocab
        self.shuffle = bool(shuffle)
        self.lengths = np.array([len(ids) for ids in encoded])  # tokens per line, without <eos>
        T = int(self.lengths.max()) + 1
        m = len(encoded)
        # Every line padded once to the longest; a batch slices its own width out of it.
        self.X = np.full((m, T), vocab.pad_id, dtype=np.int64)
        self.Y = np.full((m, T), IGNORE_INDEX, dtype=np.int64)
        self.X[:, 0] = vocab.eos_id
        for i, ids in enumerate(encoded):
            n = len(ids)
            self.X[i, 1:n + 1] = ids
            self.Y[i, :n] = ids
            self.Y[i, n] = vocab.eos_id

    @property
    def num_tokens(self) -> int:
        """The number of predicted tokens (each line's tokens and its <eos>)."""
        return int(self.lengths.sum() + len(self.lengths))

    def __len__(self) -> int:
        return math.ceil(len(self.X) / self.mini_batch_size)

    def __iter__(self):
        m = len(self.X)
        order = backend.rng().permutation(m) if self.shuffle else np.arange(m)
        for k in range(len(self)):
            index = order[k * self.mini_batch_size:(k + 1) * self.mini_batch_size]
            T = self.X.shape[1]
            if self.pad_to == "batch":
                T = int(self.lengths[index].max()) + 1
            yield self.X[index, :T], self.Y[index, :T]

    def __repr__(self) -> str:
        return (f"LineBatches({len(self.X)} lines, mini_batch_size={self.mini_batch_size}, "
                f"shuffle={self.shuffle}, pad_to={self.pad_to!r})")


class StreamBatches:
    """Windows of running text for truncated backpropagation through time.

    The text's ids are cut into ``mini_batch_size`` rows of equal length S (the tail that
    does not fill a whole window in every row is dropped); batch k is
    X = rows[:, k·T:(k+1)·T], Y = the same shifted by one token. Consecutive batches continue
    each other row by row, in order, every epoch.

    Args:
        text: a string (encoded with ``vocab``) or an array of ids.
        vocab: the Vocabulary.
        mini_batch_size: m, the number of parallel rows (each row is one stream of state).
        bptt: T, the steps of each window (how far back the gradient flows).

    Raises:
        ValueError: for a text too short to give each row one window of T + 1 tokens.

    Example:
        >>> train = StreamBatches(text[:n], vocab, mini_batch_size=32, bptt=100)
        >>> model = char_rnn(len(vocab), 256, stateful=True)
    """

    def __init__(self, text, vocab, mini_batch_size: int = 32, bptt: int = 64):
        where = "StreamBatches"
        _check_vocabulary(vocab, where)
        self.mini_batch_size = check_int(mini_batch_size, "mini_batch_size", where)
        self.bptt = check_int(bptt, "bptt", where)
        ids = vocab.encode(text) if isinstance(text, str) else np.asarray(text, dtype=np.int64)
        if ids.ndim != 1:
            raise ValueError(f"{where}: text must be a string or a 1-D array of ids; got an "
                             f"array of shape {ids.shape}")
        m, T = self.mini_batch_size, self.bptt
        n_windows = (len(ids) - 1) // m // T
        if n_windows < 1:
            raise ValueError(f"{where}: the text has {len(ids)} tokens, too few for "
                             f"mini_batch_size={m} rows of one window of bptt={T} steps (it "
                             f"needs at least m·T + 1 = {m * T + 1}); lower mini_batch_size "
                             "or bptt, or pass a longer text")
        S = n_windows * T
        self.vocab = vocab
        self.X = ids[:m * S].reshape(m, S)  # (m, S)
        self.Y = ids[1:m * S + 1].reshape(m, S)

    @property
    def num_tokens(self) -> int:
        """The number of predicted tokens in one epoch."""
        return int(self.Y.size)

    def __len__(self) -> int:
        return self.X.shape[1] // self.bptt

    def __iter__(self):
        T = self.bptt
        for k in range(len(self)):
            yield self.X[:, k * T:(k + 1) * T], self.Y[:, k * T:(k + 1) * T]

    def __repr__(self) -> str:
        return (f"StreamBatches({self.X.size} tokens in {self.mini_batch_size} rows, "
                f"bptt={self.bptt}, {len(self)} windows)")
