"""The recurrent cells: RNNCell, LSTMCell, GRUCell — one step each, the course's parameters.

A cell holds the course's parameters, by the course's names, each its own Parameter (see
npdeep.nn.recurrent for the table); ``cell.sequence`` runs the fused op over a whole sequence
(npdeep.functional.recurrent), of which the cell's own call is the one-step case. The sequence
layers RNN, LSTM, GRU (npdeep.nn.recurrent) hold one cell per layer and direction.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep import functional as F
from npdeep.functional.recurrent.gru import gru
from npdeep.functional.recurrent.lstm import lstm
from npdeep.functional.recurrent.rnn import NONLINEARITIES, rnn
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor
from npdeep.validation import check_bool, check_choice, check_int


# PyTorch's names of the sizes, refused by every cell and sequence layer with the course's.
SIZE_HINTS = {"input_size": "npdeep uses the course's n_x",
              "hidden_size": "npdeep uses the course's n_a"}
_refuse_pytorch_sizes = pytorch.refuse_pytorch_names(**SIZE_HINTS)


def _uniform(shape, n_a: int) -> np.ndarray:
    """U(−1/√n_a, 1/√n_a), PyTorch's initialization of its recurrent layers (npdeep's RNG)."""
    k = 1.0 / np.sqrt(n_a)
    values = backend.rng().uniform(-k, k, size=shape)
    return values.astype(backend.get_default_dtype())


class _Cell(Module):
    """What the three cells share: the course-named Parameters and the fused op over a
    sequence (``sequence``), of which a cell's own forward is the one-step case."""

    gates: tuple = ()        # the course's gate names, in the fused op's row order
    n_states = 1             # 2 for the LSTM: (a, c)

    def __init__(self, n_x: int, n_a: int):
        super().__init__()
        where = type(self).__name__
        self.n_x = check_int(n_x, "n_x", where)
        self.n_a = check_int(n_a, "n_a", where)
        for gate in self.gates:
            setattr(self, "W" + gate, Parameter(_uniform((n_a, n_a + n_x), n_a)))
            setattr(self, "b" + gate, Parameter(_uniform((n_a,), n_a)))

    def fused(self) -> tuple:
        """(W, b): the gates' matrices stacked by rows, (G·n_a, n_a + n_x) and (G·n_a,)."""
        W = F.concatenate([getattr(self, "W" + g) for g in self.gates], axis=0)
        b = F.concatenate([getattr(self, "b" + g) for g in self.gates], axis=0)
        return W, b

    def forward(self, xt, state=None):
        where = repr(self)
        if not isinstance(xt, Tensor):
            xt = Tensor(xt, dtype=self.parameters()[0].dtype)
        if xt.ndim != 2 or xt.shape[1] != self.n_x:
            raise ValueError(f"{where} expected one step of shape (m, n_x) = (m, {self.n_x}) "
                             f"but got {tuple(xt.shape)}; for a whole sequence (m, T_x, "
                             f"n_x) use the sequence layer ({where.split('Cell')[0]}).")
        m = xt.shape[0]
        states = _split_state(state, self.n_states, m, self.n_a, where, xt.dtype, stacked=False)
        _, *finals = self.sequence(xt[:, None, :], states)
        return finals[0] if self.n_states == 1 else tuple(finals)

    def extra_repr(self) -> str:
        return f"{self.n_x}, {self.n_a}"


class RNNCell(_Cell):
    """The basic RNN cell: a⟨t⟩ = g(Waa·a⟨t−1⟩ + Wax·x⟨t⟩ + ba), g = tanh (or relu).

    Args:
        n_x: input features per step; n_a: hidden units.
        nonlinearity: "tanh" (the course's) or "relu".

    Parameters:
        Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a,), all U(−1/√n_a, 1/√n_a) as PyTorch's.
        PyTorch: weight_ih = Wax, weight_hh = Waa, bias_ih + bias_hh = ba.

    Shape:
        cell(x⟨t⟩ (m, n_x), a⟨t−1⟩ (m, n_a) or None) -> a⟨t⟩ (m, n_a).
    """

    @_refuse_pytorch_sizes
    def __init__(self, n_x: int, n_a: int, *, nonlinearity: str = "tanh"):
        super().__init__(n_x, n_a)
        self.nonlinearity = check_choice(nonlinearity, "nonlinearity", "RNNCell",
                                         NONLINEARITIES)
        self.Wax = Parameter(_uniform((n_a, n_x), n_a))
        self.Waa = Parameter(_uniform((n_a, n_a), n_a))
        self.ba = Parameter(_uniform((n_a,), n_a))

    def fused(self) -> tuple:
        return F.concatenate([self.Waa, self.Wax], axis=1), self.ba

    def sequence(self, X, states, reverse=False, lengths=None):
        W, b = self.fused()
        return rnn(X, states[0], W, b, nonlinearity=self.nonlinearity, reverse=reverse,
                   lengths=lengths)

    def extra_repr(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"
        return f"{self.n_x}, {self.n_a}{extra}"


class LSTMCell(_Cell):
    """The LSTM cell, the course's gates (Hochreiter & Schmidhuber 1997):

        Γf = σ(Wf·[a⟨t−1⟩; x⟨t⟩] + bf)    Γu = σ(Wu·[...] + bu)    Γo = σ(Wo·[...] + bo)
        c̃⟨t⟩ = tanh(Wc·[a⟨t−1⟩; x⟨t⟩] + bc)
        c⟨t⟩ = Γu∗c̃⟨t⟩ + Γf∗c⟨t−1⟩,    a⟨t⟩ = Γo∗tanh(c⟨t⟩)

    Args:
        n_x: input features per step; n_a: hidden units.

    Parameters:
        Wf, Wu, Wc, Wo (n_a, n_a + n_x); bf, bu, bc, bo (n_a,). PyTorch stacks the gates as
        (i, f, g, o) = (u, f, c, o): weight_ih = [Wu; Wf; Wc; Wo][:, n_a:] (4·n_a, n_x),
        weight_hh = the same [:, :n_a] (4·n_a, n_a), bias_ih + bias_hh = [bu; bf; bc; bo].

    Shape:
        cell(x⟨t⟩ (m, n_x), (a⟨t−1⟩, c⟨t−1⟩) or None) -> (a⟨t⟩, c⟨t⟩), each (m, n_a).
    """

    gates = ("f", "u", "o", "c")  # the sigmoid gates first: one σ over a contiguous block
    n_states = 2

    @_refuse_pytorch_sizes
    def __init__(self, n_x: int, n_a: int):
        super().__init__(n_x, n_a)

    def sequence(self, X, states, reverse=False, lengths=None):
        W, b = self.fused()
        return lstm(X, states[0], states[1], W, b, reverse=reverse, lengths=lengths)


class GRUCell(_Cell):
    """The GRU cell, the course's full GRU (Cho et al. 2014), with c⟨t⟩ = a⟨t⟩:

        Γu = σ(Wu·[c⟨t−1⟩; x⟨t⟩] + bu)    Γr = σ(Wr·[c⟨t−1⟩; x⟨t⟩] + br)
        c̃⟨t⟩ = tanh(Wc·[Γr∗c⟨t−1⟩; x⟨t⟩] + bc)
        c⟨t⟩ = Γu∗c̃⟨t⟩ + (1 − Γu)∗c⟨t−1⟩

    ``reset_after=True`` (PyTorch's, cuDNN's and Keras's GRU) applies Γr after the product:
    c̃⟨t⟩ = tanh(Wc[:, n_a:]·x⟨t⟩ + bc + Γr∗(Wc[:, :n_a]·c⟨t−1⟩ + bc_rec)).

    Args:
        n_x: input features per step; n_a: hidden units.
        reset_after: the variant, see above.

    Parameters:
        Wu, Wr, Wc (n_a, n_a + n_x); bu, br, bc (n_a,); bc_rec (n_a,) with reset_after.
        PyTorch (reset_after=True only) stacks (r, z, n) and its z is 1 − Γu:
        Wr = [W_hr | W_ir], br = b_ir + b_hr; Wu = −[W_hz | W_iz], bu = −(b_iz + b_hz);
        Wc = [W_hn | W_in], bc = b_in, bc_rec = b_hn.

    Shape:
        cell(x⟨t⟩ (m, n_x), c⟨t−1⟩ (m, n_a) or None) -> c⟨t⟩ (m, n_a).
    """

    gates = ("u", "r", "c")

    @_refuse_pytorch_sizes
    def __init__(self, n_x: int, n_a: int, *, reset_after: bool = False):
        super().__init__(n_x, n_a)
        self.reset_after = check_bool(reset_after, "reset_after", "GRUCell")
        self.bc_rec = Parameter(_uniform((n_a,), n_a)) if self.reset_after else None

    def sequence(self, X, states, reverse=False, lengths=None):
        W, b = self.fused()
        return gru(X, states[0], W, b, self.bc_rec, reverse=reverse, lengths=lengths)

    def extra_repr(self) -> str:
        return f"{self.n_x}, {self.n_a}" + (", reset_after=True" if self.reset_after else "")


def _split_state(state, n_states: int, m: int, n_a: int, where: str, dtype, stacked: bool,
                 n_stack: int = 1) -> list:
    """The initial state as a list of n_states Tensors, each (n_stack, m, n_a) when stacked
    (a sequence layer's) or (m, n_a) (a cell's); None gives zeros."""
    shape = (n_stack, m, n_a) if stacked else (m, n_a)
    text = "(num_layers·D, m, n_a)" if stacked else "(m, n_a)"
    if state is None:
        return [Tensor(np.zeros(shape, dtype=dtype)) for _ in range(n_states)]
    if n_states == 2:
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise ValueError(f"{where}: state must be a tuple (a, c) of two arrays of shape "
                             f"{text} = {shape}, or None for zeros; got {type(state).__name__}")
        parts = list(state)
    else:
        if isinstance(state, (tuple, list)):
            raise ValueError(f"{where}: state must be one array of shape {text} = {shape} "
                             f"(only the LSTM's state is a tuple (a, c)); got a "
                             f"{type(state).__name__} of {len(state)}")
        parts = [state]
    tensors = []
    for name, part in zip(("a", "c"), parts):
        part = part if isinstance(part, Tensor) else Tensor(part, dtype=dtype)
        if part.shape != shape:
            label = f"state {name}" if n_states == 2 else "state"
            raise ValueError(f"{where}: {label} must have shape {text} = {shape} but got "
                             f"{tuple(part.shape)}")
        tensors.append(part)
    return tensors
