"""Recurrent layers: the cells RNNCell, LSTMCell, GRUCell and the sequence layers RNN, LSTM, GRU.

A cell holds the course's parameters, by the course's names, each its own Parameter:

    RNNCell   Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a,)
    LSTMCell  Wf, Wu, Wc, Wo (n_a, n_a + n_x), bf, bu, bc, bo (n_a,)
    GRUCell   Wu, Wr, Wc (n_a, n_a + n_x), bu, br, bc (n_a,), and bc_rec (n_a,) when
              reset_after=True

where a W of shape (n_a, n_a + n_x) acts on [a⟨t−1⟩; x⟨t⟩] as in the course: its first n_a
columns on the state, its last n_x on the input. For each call the cell stacks them into the
fused matrix its op takes (npdeep.functional.recurrent: one GEMM for all gates), a copy of
about the size of the weights, whose backward splits the gradient back to each Parameter.

A sequence layer holds one cell per layer and direction, named ``l0``, ``l0_reverse``, ``l1``,
... (as PyTorch's ``_l0``, ``_l0_reverse`` suffixes), so ``state_dict()`` keys read
``l0.Wf``, ``l1_reverse.bc``. A one-layer, one-direction layer also answers the course's names
directly: ``lstm.Wf`` is ``lstm.l0.Wf``.

PyTorch's layouts, and the converters, are in npdeep.nn.torch_interop.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep import functional as F
from npdeep.functional.dropout import check_keep_prob
from npdeep.functional.recurrent import common
from npdeep.functional.recurrent.gru import gru
from npdeep.functional.recurrent.lstm import lstm
from npdeep.functional.recurrent.rnn import NONLINEARITIES, rnn
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module, Parameter
from npdeep.tensor import Tensor
from npdeep.validation import check_choice, check_int

_DROPOUT_HINT = ("npdeep uses the course's keep_prob between layers, the probability of "
                 "KEEPING a unit; PyTorch's dropout=p is keep_prob=1 − p")
_BATCH_FIRST_HINT = "npdeep's sequences are always batch-first (m, T_x, n_x); drop batch_first"


def _uniform(shape, n_a: int) -> np.ndarray:
    """U(−1/√n_a, 1/√n_a), PyTorch's initialization of its recurrent layers (npdeep's RNG)."""
    k = 1.0 / np.sqrt(n_a)
    values = backend.rng().uniform(-k, k, size=shape)
    return values.astype(backend.get_default_dtype())


def module_records():
    """The list Module.summary() collects (module, output) rows in while it runs, else None.

    The cells of a sequence layer run through ``cell.sequence``, not ``cell(...)``, so the
    layer reports them itself."""
    from npdeep.nn import module
    return module._summary_records


def detach_state(state):
    """A state cut off from the graph, for truncated backpropagation through time.

    Args:
        state: a Tensor (RNN, GRU), a tuple (a, c) of Tensors (LSTM), or None.

    Returns:
        The same structure with the same values, requiring no gradient.

    Example:
        >>> Y, state = lstm(X_batch, state)
        >>> state = nn.detach_state(state)   # the next batch continues the text, not the graph
    """
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return tuple(detach_state(s) for s in state)
    return state.detach() if isinstance(state, Tensor) else Tensor(state)


# ---------------------------------------------------------------------------- cells
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

    @pytorch.refuse_pytorch_names(input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
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

    @pytorch.refuse_pytorch_names(input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
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

    @pytorch.refuse_pytorch_names(input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
    def __init__(self, n_x: int, n_a: int, *, reset_after: bool = False):
        super().__init__(n_x, n_a)
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"The 'reset_after' parameter of GRUCell must be a bool. Got "
                            f"{reset_after!r} instead.")
        self.reset_after = bool(reset_after)
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


# ---------------------------------------------------------------------------- sequence layers
class _Recurrent(Module):
    """What RNN, LSTM and GRU share: layers and directions of cells over (m, T_x, n_x)."""

    cell_class = None
    example_ndim = 2  # one example is (T_x, n_x)

    def __init__(self, n_x: int, n_a: int, *, num_layers: int = 1, bidirectional: bool = False,
                 keep_prob: float = 1.0, return_sequences: bool = True, **cell_options):
        super().__init__()
        where = type(self).__name__
        self.n_x = check_int(n_x, "n_x", where)
        self.n_a = check_int(n_a, "n_a", where)
        self.num_layers = check_int(num_layers, "num_layers", where)
        for name, value in (("bidirectional", bidirectional),
                            ("return_sequences", return_sequences)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"The '{name}' parameter of {where} must be a bool. Got "
                                f"{value!r} instead.")
        self.bidirectional = bool(bidirectional)
        self.return_sequences = bool(return_sequences)
        self.keep_prob = check_keep_prob(keep_prob, where)
        self.cell_options = cell_options
        D = self.num_directions
        for layer in range(self.num_layers):
            n_in = self.n_x if layer == 0 else D * self.n_a
            for suffix in self.suffixes:
                setattr(self, f"l{layer}{suffix}", self.cell_class(n_in, self.n_a,
                                                                   **cell_options))

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def suffixes(self) -> tuple:
        return ("", "_reverse") if self.bidirectional else ("",)

    def cells(self):
        """[(layer, reverse, cell)] in the order of the state's first axis (PyTorch's)."""
        return [(layer, suffix == "_reverse", getattr(self, f"l{layer}{suffix}"))
                for layer in range(self.num_layers) for suffix in self.suffixes]

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: the course's names of a one-cell layer.
        cell = self.__dict__.get("_modules", {}).get("l0")
        if cell is not None and name in cell._parameters:
            if self.num_layers == 1 and not self.bidirectional:
                return getattr(cell, name)
            raise AttributeError(f"{type(self).__name__} with {self.num_layers} layer(s) and "
                                 f"{self.num_directions} direction(s) has one {name} per "
                                 f"cell: use .l0.{name}, .l0_reverse.{name}, .l1.{name}, ...")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def forward(self, X, state=None, lengths=None):
        """Run the layer over X (m, T_x, n_x); returns (Y, state). See the class docstring."""
        where = repr(self).split("\n")[0]
        if not isinstance(X, Tensor):  # an array: in the parameters' dtype (float32 default)
            X = Tensor(X, dtype=self.l0.parameters()[0].dtype)
        X = common.check_sequence(X, self.n_x, where)
        m, T_x, _ = X.shape
        lengths = common.check_lengths(lengths, m, T_x, where)
        cells = self.cells()
        n_states = self.cell_class.n_states
        initial = _split_state(state, n_states, m, self.n_a, where, X.dtype, stacked=True,
                               n_stack=len(cells))
        finals = [[] for _ in range(n_states)]
        A = X
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.keep_prob < 1.0:
                A = F.dropout(A, self.keep_prob)  # between layers, as the course's dropout
            outputs = []
            for k, (l, reverse, cell) in enumerate(cells):
                if l != layer:
                    continue
                Y, *last = cell.sequence(A, [s[k] for s in initial], reverse, lengths)
                if module_records() is not None:  # summary(): one row per cell
                    module_records().append((cell, Y))
                outputs.append(Y)
                for j in range(n_states):
                    finals[j].append(last[j])
            A = outputs[0] if len(outputs) == 1 else F.concatenate(outputs, axis=2)
        stacked = [F.stack(f, axis=0) for f in finals]
        state_out = stacked[0] if n_states == 1 else tuple(stacked)
        if self.return_sequences:
            return A, state_out
        # Each direction's state after its own last real step: a forward direction's is its
        # output at t = lengths, a reverse direction's its output at t = 1 (as Keras's).
        top = finals[0][-self.num_directions:]
        last = top[0] if len(top) == 1 else F.concatenate(top, axis=1)
        return last, state_out

    def extra_repr(self) -> str:
        text = f"{self.n_x}, {self.n_a}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bidirectional:
            text += ", bidirectional=True"
        if self.keep_prob != 1.0:
            text += f", keep_prob={self.keep_prob}"
        if not self.return_sequences:
            text += ", return_sequences=False"
        for name, value in self.cell_options.items():
            text += f", {name}={value!r}"
        return text

    def __repr__(self) -> str:  # one line: the cells are listed by state_dict(), not here
        return f"{type(self).__name__}({self.extra_repr()})"


_SEQUENCE_DOC = """

    Args:
        n_x: input features per step; n_a: hidden units per direction.
        num_layers: stacked layers (a deep RNN); layer l > 0 reads layer l−1's outputs.
        bidirectional: also run each layer from t = T_x down to 1; the two directions'
            outputs are concatenated on the feature axis (D = 2).
        keep_prob: inverted dropout on the inputs of layers 1.. while training (the course's
            keep_prob; PyTorch's dropout=p is keep_prob = 1 − p).
        return_sequences: True: Y holds every a⟨t⟩; False: only each example's last one.

    Call:
        layer(X, state=None, lengths=None) -> (Y, state)

        X: (m, T_x, n_x), batch-first.
        state: {state} of shape (num_layers·D, m, n_a), in the order l0, l0_reverse, l1, ...
            (PyTorch's h_n order); None: zeros. The returned state has the same form and can
            be fed back (call nn.detach_state on it first for truncated BPTT).
        lengths: (m,) ints in [1, T_x], the real steps of each example of a padded batch.
            Padded steps neither change the state nor produce output (Y is 0 there) and get
            exactly zero gradient; the returned state is each example's state after its own
            last real step (for a reverse direction, after t = 1).

    Returns:
        Y: (m, T_x, D·n_a), or (m, D·n_a) with return_sequences=False (each direction's
            state after its own last step, forward then reverse); state as above.

    Raises:
        ValueError: X not (m, T_x, n_x), lengths outside [1, T_x], a state of another shape.

    Cells: ``l0``, ``l0_reverse``, ``l1``, ... (each a {cell}); one-cell layers also answer
    the cell's parameter names (``layer.{first}``). PyTorch's weights: npdeep.nn.torch_interop.
    """


class RNN(_Recurrent):
    __doc__ = ("The basic RNN over sequences: a⟨t⟩ = g(Waa·a⟨t−1⟩ + Wax·x⟨t⟩ + ba), g = tanh "
               "or relu (nonlinearity=...)." + _SEQUENCE_DOC.format(
                   state="a Tensor", cell="RNNCell", first="Wax"))
    cell_class = RNNCell

    @pytorch.refuse_pytorch_names(dropout=_DROPOUT_HINT, batch_first=_BATCH_FIRST_HINT,
                                  input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
    def __init__(self, n_x: int, n_a: int, *, nonlinearity: str = "tanh", num_layers: int = 1,
                 bidirectional: bool = False, keep_prob: float = 1.0,
                 return_sequences: bool = True):
        check_choice(nonlinearity, "nonlinearity", "RNN", NONLINEARITIES)
        options = {} if nonlinearity == "tanh" else {"nonlinearity": nonlinearity}
        super().__init__(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         keep_prob=keep_prob, return_sequences=return_sequences, **options)


class LSTM(_Recurrent):
    __doc__ = ("The LSTM over sequences, the course's gates Γf, Γu, Γo and candidate c̃ (see "
               "LSTMCell), fused: one GEMM for every step's input projection, one per step for "
               "all four gates." + _SEQUENCE_DOC.format(
                   state="a tuple (a, c) of Tensors", cell="LSTMCell", first="Wf"))
    cell_class = LSTMCell

    @pytorch.refuse_pytorch_names(dropout=_DROPOUT_HINT, batch_first=_BATCH_FIRST_HINT,
                                  input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
    def __init__(self, n_x: int, n_a: int, *, num_layers: int = 1, bidirectional: bool = False,
                 keep_prob: float = 1.0, return_sequences: bool = True):
        super().__init__(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         keep_prob=keep_prob, return_sequences=return_sequences)


class GRU(_Recurrent):
    __doc__ = ("The GRU over sequences, the course's full GRU (see GRUCell; reset_after=True "
               "for PyTorch's variant), fused as the LSTM." + _SEQUENCE_DOC.format(
                   state="a Tensor", cell="GRUCell", first="Wu"))
    cell_class = GRUCell

    @pytorch.refuse_pytorch_names(dropout=_DROPOUT_HINT, batch_first=_BATCH_FIRST_HINT,
                                  input_size="npdeep uses the course's n_x",
                                  hidden_size="npdeep uses the course's n_a")
    def __init__(self, n_x: int, n_a: int, *, reset_after: bool = False, num_layers: int = 1,
                 bidirectional: bool = False, keep_prob: float = 1.0,
                 return_sequences: bool = True):
        options = {"reset_after": True} if reset_after else {}
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"The 'reset_after' parameter of GRU must be a bool. Got "
                            f"{reset_after!r} instead.")
        super().__init__(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         keep_prob=keep_prob, return_sequences=return_sequences, **options)

    @property
    def reset_after(self) -> bool:
        return bool(self.cell_options.get("reset_after", False))
