"""The embedding layer: a learned vector e_w for each of V tokens."""
from __future__ import annotations

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

    Parameters:
        E: (V, n_e), initialized N(0, 1) as in PyTorch's nn.Embedding (whose ``weight`` it
            is); row w is e_w, the course's E (n_e, V) transposed.

    Shape:
        ids (m, T_x) integers in [0, V) -> A (m, T_x, n_e); any shape of ids works.
    """

    def __init__(self, vocab_size: int, n_e: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", "Embedding")
        self.n_e = check_int(n_e, "n_e", "Embedding")
        dtype = backend.get_default_dtype()
        self.E = Parameter(backend.rng().standard_normal((vocab_size, n_e)).astype(dtype))

    def forward(self, ids) -> Tensor:
        return embedding(ids, self.E)

    def extra_repr(self) -> str:
        return f"{self.vocab_size}, {self.n_e}"
