"""Recurrent layers: the sequence layers RNN, LSTM, GRU over their cells (nn.recurrent_cells).

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
# The cells live in npdeep.nn.recurrent_cells; they are re-exported here with the layers.
from __future__ import annotations

from npdeep import functional as F
from npdeep.functional.dropout import check_keep_prob
from npdeep.functional.recurrent import common
from npdeep.functional.recurrent.lstm_bi import lstm_bidirectional
from npdeep.functional.recurrent.rnn import NONLINEARITIES
from npdeep.nn import _pytorch_names as pytorch
from npdeep.nn.module import Module
from npdeep.nn.recurrent_cells import SIZE_HINTS, GRUCell, LSTMCell, RNNCell, _split_state
from npdeep.tensor import Tensor
from npdeep.validation import check_bool, check_choice, check_int

_DROPOUT_HINT = ("npdeep uses the course's keep_prob between layers, the probability of "
                 "KEEPING a unit; PyTorch's dropout=p is keep_prob=1 − p")
_BATCH_FIRST_HINT = "npdeep's sequences are always batch-first (m, T_x, n_x); drop batch_first"
_refuse_pytorch_names = pytorch.refuse_pytorch_names(
    dropout=_DROPOUT_HINT, batch_first=_BATCH_FIRST_HINT, **SIZE_HINTS)


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
        self.bidirectional = check_bool(bidirectional, "bidirectional", where)
        self.return_sequences = check_bool(return_sequences, "return_sequences", where)
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
            if self._fused_bidirectional:
                A = self._bidirectional_layer(A, layer, initial, finals, lengths)
                continue
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

    # Whether a bidirectional layer runs both directions as one fused op (LSTM only).
    _fused_bidirectional = False

    def _bidirectional_layer(self, A, layer, initial, finals, lengths):
        """One bidirectional layer as one op (npdeep.functional.recurrent.lstm_bi: the two
        directions at once); appends each direction's final states to ``finals``."""
        cell, cell_r = getattr(self, f"l{layer}"), getattr(self, f"l{layer}_reverse")
        k = 2 * layer
        W, b = cell.fused()
        W_r, b_r = cell_r.fused()
        Y, last, last_r = lstm_bidirectional(A, [s[k] for s in initial],
                                             [s[k + 1] for s in initial], W, b, W_r, b_r,
                                             lengths=lengths)
        if module_records() is not None:  # summary(): one row per cell
            module_records().append((cell, Y[:, :, :self.n_a]))
            module_records().append((cell_r, Y[:, :, self.n_a:]))
        for j in range(len(finals)):
            finals[j] += [last[j], last_r[j]]
        return Y

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

    @_refuse_pytorch_names
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

    @property
    def _fused_bidirectional(self) -> bool:
        return self.bidirectional

    @_refuse_pytorch_names
    def __init__(self, n_x: int, n_a: int, *, num_layers: int = 1, bidirectional: bool = False,
                 keep_prob: float = 1.0, return_sequences: bool = True):
        super().__init__(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         keep_prob=keep_prob, return_sequences=return_sequences)


class GRU(_Recurrent):
    __doc__ = ("The GRU over sequences, the course's full GRU (see GRUCell; reset_after=True "
               "for PyTorch's variant), fused as the LSTM." + _SEQUENCE_DOC.format(
                   state="a Tensor", cell="GRUCell", first="Wu"))
    cell_class = GRUCell

    @_refuse_pytorch_names
    def __init__(self, n_x: int, n_a: int, *, reset_after: bool = False, num_layers: int = 1,
                 bidirectional: bool = False, keep_prob: float = 1.0,
                 return_sequences: bool = True):
        options = {"reset_after": True} if check_bool(reset_after, "reset_after", "GRU") else {}
        super().__init__(n_x, n_a, num_layers=num_layers, bidirectional=bidirectional,
                         keep_prob=keep_prob, return_sequences=return_sequences, **options)

    @property
    def reset_after(self) -> bool:
        return bool(self.cell_options.get("reset_after", False))


__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "detach_state"]
