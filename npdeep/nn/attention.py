"""The course's attention layer: the small dense network that scores [s⟨t−1⟩; a⟨t'⟩]."""
from __future__ import annotations

from npdeep import init as initializers
from npdeep.functional import attention as attn
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_choice, check_int


class AttentionKeys:
    """What one input sequence's attention needs at every output step, computed once:
    A (m, T_x, n_A), the keys P = W1a·A + b1 (m, T_x, n_d), W1s (n_d, n_s) and the mask."""

    def __init__(self, A: Tensor, P: Tensor, W1s: Tensor, mask):
        self.A, self.P, self.W1s, self.mask = A, P, W1s, mask


class Attention(Module):
    """One step of attention: e⟨t,t'⟩ = g(W2·tanh(W1·[s⟨t−1⟩; a⟨t'⟩] + b1) + b2),
    α⟨t⟩ = softmax over t' of e⟨t,·⟩, c⟨t⟩ = Σ_t' α⟨t,t'⟩ a⟨t'⟩ (npdeep.functional.attention).

    The course's Dense(10, tanh) → Dense(1, relu) over the concatenation is W1, b1 and
    W2, b2 here.

    Args:
        n_s: the decoder (post-attention LSTM) state size.
        n_A: the size of each encoder activation a⟨t'⟩ (2·n_a for a bidirectional LSTM).
        n_d: the hidden units of the scoring network (the course's 10).
        activation: g, "relu" (the course's) or "linear".

    Parameters:
        W1 (n_d, n_s + n_A) Xavier, b1 (n_d,) zeros, W2 (1, n_d) Xavier, b2 (1,) zeros.

    Call:
        keys = attention.keys(A, mask)      once per input: A (m, T_x, n_A), mask (m, T_x)
        c, alpha = attention.step(keys, s_prev)     per output step: s_prev (m, n_s)
        c, alpha = attention(s_prev, A, mask)       both at once (the course's
                                                    one_step_attention)
        c: (m, n_A); alpha: (m, T_x), rows summing to 1, 0 where mask is False.
    """

    def __init__(self, n_s: int, n_A: int, n_d: int = 10, activation: str = "relu"):
        super().__init__()
        where = "Attention"
        self.n_s = check_int(n_s, "n_s", where)
        self.n_A = check_int(n_A, "n_A", where)
        self.n_d = check_int(n_d, "n_d", where)
        self.activation = check_choice(activation, "activation", where,
                                       attn.ENERGY_ACTIVATIONS)
        self.W1 = Parameter(initializers.initialize("xavier", (n_d, n_s + n_A), where=where))
        self.b1 = Parameter(initializers.zeros((n_d,)))
        self.W2 = Parameter(initializers.initialize("xavier", (1, n_d), where=where))
        self.b2 = Parameter(initializers.zeros((1,)))

    def keys(self, A, mask=None) -> AttentionKeys:
        """The per-sequence part, for :meth:`step` (see the class docstring)."""
        A = as_tensor(A)
        where = repr(self)
        if A.ndim != 3 or A.shape[2] != self.n_A:
            raise ValueError(f"{where} expected encoder activations of shape (m, T_x, n_A) = "
                             f"(m, T_x, {self.n_A}) but got {tuple(A.shape)}")
        mask = attn.check_mask(mask, A.shape[0], A.shape[1], where)
        P = attn.attention_keys(A, self.W1, self.b1, self.n_s)
        return AttentionKeys(A, P, self.W1[:, :self.n_s], mask)

    def step(self, keys: AttentionKeys, s_prev) -> tuple:
        """(c⟨t⟩ (m, n_A), α⟨t⟩ (m, T_x)) for the state s_prev (m, n_s)."""
        s_prev = as_tensor(s_prev)
        if s_prev.shape != (keys.A.shape[0], self.n_s):
            raise ValueError(f"{self!r} expected s_prev of shape (m, n_s) = "
                             f"({keys.A.shape[0]}, {self.n_s}) but got {tuple(s_prev.shape)}")
        return attn.attention_step(s_prev, keys.A, keys.P, keys.W1s, self.W2, self.b2,
                                   keys.mask, self.activation)

    def forward(self, s_prev, A, mask=None) -> tuple:
        return self.step(self.keys(A, mask), s_prev)

    def extra_repr(self) -> str:
        return f"n_s={self.n_s}, n_A={self.n_A}, n_d={self.n_d}, activation={self.activation!r}"


__all__ = ["Attention", "AttentionKeys"]
