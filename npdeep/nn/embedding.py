"""The embedding layer: a learned vector e_w for each of V tokens."""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.functional.embedding import embedding
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor
from npdeep.validation import check_int


class Embedding(Module):
    """A = E[ids]: each token id looks up its row e_w of E (the course's E·o_w).

    Args:
        vocab_size: V, the number of tokens.
        n_e: the size of each embedding vector.
        padding_idx: the id of the padding token (``<pad>``): its row starts at zero and gets
            no gradient, so it stays zero and padded positions look up a zero vector.

    Parameters:
        E: (V, n_e), initialized N(0, 1) as in PyTorch's nn.Embedding (whose ``weight`` it
            is); row w is e_w, the course's E (n_e, V) transposed.

    Shape:
        ids (m, T_x) integers in [0, V) -> A (m, T_x, n_e); any shape of ids works.

    Example:
        >>> layer = Embedding(10_000, 50, padding_idx=0)
        >>> layer(np.array([[5, 42, 0, 0]])).shape      # (1, 4, 50); A[0, 2:] are zeros
        >>> glove = Embedding.from_pretrained(kv.vectors)  # frozen: fit leaves E as it is
    """

    def __init__(self, vocab_size: int, n_e: int, padding_idx: int | None = None):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", "Embedding")
        self.n_e = check_int(n_e, "n_e", "Embedding")
        self.padding_idx = _check_padding_idx(padding_idx, vocab_size)
        dtype = backend.get_default_dtype()
        E = backend.rng().standard_normal((vocab_size, n_e)).astype(dtype)
        if self.padding_idx is not None:
            E[self.padding_idx] = 0
        self.E = Parameter(E)

    @classmethod
    def from_pretrained(cls, E, freeze: bool = True,
                        padding_idx: int | None = None) -> "Embedding":
        """An Embedding holding a pretrained matrix (GloVe, word2vec): transfer learning.

        Args:
            E: (V, n_e) the vectors, row w for token w (e.g. ``KeyedVectors.vectors``); a copy
                is kept, in E's floating dtype (the default dtype for an integer array).
            freeze: True keeps E fixed (``requires_grad`` False: no gradient, and fit's
                optimizer skips it) — the usual choice with a small training set, which
                would otherwise move the words it sees away from the words it does not;
                False trains (fine-tunes) it.
            padding_idx: as in the constructor, but the row keeps its pretrained values (as
                PyTorch's from_pretrained); give a zero row if padding should look up zeros.

        Raises:
            ValueError: for E that is not 2-D (V, n_e) with V, n_e >= 1.
        """
        data = np.array(E.data if isinstance(E, Tensor) else E, copy=True)
        if data.ndim != 2 or 0 in data.shape:
            raise ValueError(f"Embedding.from_pretrained: E must have shape (V, n_e) with "
                             f"V, n_e >= 1; got {data.shape}")
        if data.dtype.kind != "f":
            data = data.astype(backend.get_default_dtype())
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer.vocab_size, layer.n_e = data.shape
        layer.padding_idx = _check_padding_idx(padding_idx, data.shape[0])
        layer.E = Parameter(data, requires_grad=not freeze)
        return layer

    def forward(self, ids) -> Tensor:
        return embedding(ids, self.E, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        extra = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        frozen = ", frozen" if not self.E.requires_grad else ""
        return f"{self.vocab_size}, {self.n_e}{extra}{frozen}"


def _check_padding_idx(padding_idx, V: int):
    if padding_idx is None:
        return None
    return check_int(padding_idx, "padding_idx", "Embedding", low=0, high=V - 1)
