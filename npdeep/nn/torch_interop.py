"""PyTorch's recurrent weights <-> npdeep's: to_torch_state_dict and from_torch_state_dict.

PyTorch's nn.RNN / nn.LSTM / nn.GRU keep, per layer l and direction (suffix "" or "_reverse"),
``weight_ih_l{l}`` (G·n_a, n_in), ``weight_hh_l{l}`` (G·n_a, n_a) and two biases
``bias_ih_l{l}``, ``bias_hh_l{l}`` (G·n_a,); its cells (nn.RNNCell, ...) the same names without
``_l{l}``. The gates are stacked in PyTorch's order; npdeep's course-named matrices act on
[a⟨t−1⟩; x⟨t⟩], so each is [W_h | W_i] (hidden columns first):

    RNN    Wax = W_i, Waa = W_h, ba = b_i + b_h
    LSTM   (i, f, g, o) = (u, f, c, o):  Wu = [W_hi | W_ii], bu = b_ii + b_hi; likewise Wf, Wc, Wo
    GRU    (r, z, n), reset_after=True only (PyTorch's GRU resets after the product):
           Wr = [W_hr | W_ir], br = b_ir + b_hr
           Wu = −[W_hz | W_iz], bu = −(b_iz + b_hz)    (PyTorch's z keeps the old state:
                                                        z = 1 − Γu = σ(−(...)))
           Wc = [W_hn | W_in], bc = b_in, bc_rec = b_hn

Where PyTorch has two biases and npdeep one, only their sum matters: to_torch_state_dict puts
it in bias_ih and zeros in bias_hh. Values are NumPy arrays; load them into PyTorch with
``module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})``. No torch import
is needed here: from_torch_state_dict accepts torch tensors (anything with .numpy()) or arrays.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from npdeep.autograd import no_grad
from npdeep.nn.recurrent import GRUCell, LSTMCell, RNNCell, _Recurrent

_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
# npdeep's gate in each of PyTorch's row blocks, and its sign.
_TORCH_GATES = {LSTMCell: (("u", 1), ("f", 1), ("c", 1), ("o", 1)),
                GRUCell: (("r", 1), ("u", -1), ("c", 1))}


def _cells(layer) -> list:
    """[(PyTorch's name suffix, cell)] of a sequence layer or a single cell."""
    if isinstance(layer, _Recurrent):
        return [(f"_l{l}" + ("_reverse" if reverse else ""), cell)
                for l, reverse, cell in layer.cells()]
    if isinstance(layer, (RNNCell, LSTMCell, GRUCell)):
        return [("", layer)]
    raise TypeError(f"torch_interop: expected an npdeep RNN, LSTM, GRU or one of their cells; "
                    f"got {type(layer).__name__}")


def _check_convertible(cell, where: str) -> None:
    if isinstance(cell, GRUCell) and not cell.reset_after:
        raise ValueError(f"{where}: PyTorch's GRU applies the reset gate after the product; "
                         "the course's GRU (reset_after=False) has no PyTorch equivalent. Build "
                         "the layer with GRU(..., reset_after=True).")


def _cell_to_torch(cell) -> dict:
    """{name: array} of one cell in PyTorch's layout (no suffix)."""
    n_a = cell.n_a
    if isinstance(cell, RNNCell):
        W_i, W_h, b = cell.Wax.data, cell.Waa.data, cell.ba.data
        return {"weight_ih": W_i.copy(), "weight_hh": W_h.copy(), "bias_ih": b.copy(),
                "bias_hh": np.zeros_like(b)}
    rows = [sign * getattr(cell, "W" + gate).data for gate, sign in _TORCH_GATES[type(cell)]]
    biases = [sign * getattr(cell, "b" + gate).data for gate, sign in _TORCH_GATES[type(cell)]]
    W = np.concatenate(rows, axis=0)
    b = np.concatenate(biases)
    b_h = np.zeros_like(b)
    if isinstance(cell, GRUCell):  # the candidate's hidden-side bias stays inside Γr∗(...)
        b_h[2 * n_a:] = cell.bc_rec.data
    return {"weight_ih": np.ascontiguousarray(W[:, n_a:]),
            "weight_hh": np.ascontiguousarray(W[:, :n_a]), "bias_ih": b, "bias_hh": b_h}


def to_torch_state_dict(layer) -> "OrderedDict[str, np.ndarray]":
    """The weights of an npdeep RNN/LSTM/GRU (or cell) under PyTorch's names and layout.

    Args:
        layer: npdeep.nn.RNN, LSTM, GRU(reset_after=True), or RNNCell, LSTMCell,
            GRUCell(reset_after=True).

    Returns:
        {"weight_ih_l0": (G·n_a, n_x), "weight_hh_l0": (G·n_a, n_a), "bias_ih_l0",
        "bias_hh_l0": (G·n_a,), ... "_reverse" ...} as NumPy arrays, in PyTorch's key order.

    Raises:
        ValueError: for a course-variant GRU (reset_after=False), which PyTorch lacks.

    Example:
        >>> torch_lstm.load_state_dict({k: torch.from_numpy(v)
        ...                             for k, v in to_torch_state_dict(lstm).items()})
    """
    state = OrderedDict()
    for suffix, cell in _cells(layer):
        _check_convertible(cell, "to_torch_state_dict")
        for name, value in _cell_to_torch(cell).items():
            state[name + suffix] = value
    return state


def _as_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def from_torch_state_dict(layer, state) -> None:
    """Load PyTorch's nn.RNN/LSTM/GRU (or cell) weights into an npdeep layer, in place.

    Args:
        layer: as for to_torch_state_dict, of the same sizes as the PyTorch module.
        state: PyTorch's ``module.state_dict()`` (tensors) or arrays under those names.

    Raises:
        KeyError: naming missing keys (a different num_layers or bidirectional setting) and
            unexpected ones.
        ValueError: naming each weight whose shape differs, and for a course-variant GRU.

    Example:
        >>> from_torch_state_dict(lstm, torch_lstm.state_dict())
    """
    state = {name: _as_numpy(value) for name, value in dict(state).items()}
    where = f"from_torch_state_dict({type(layer).__name__})"
    expected = to_torch_state_dict(layer)  # also rejects a course-variant GRU
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise KeyError(f"{where}: missing keys {missing}, unexpected keys {unexpected} (check "
                       "num_layers and bidirectional, and that both are the same kind of layer)")
    wrong = [f"{k}: PyTorch {state[k].shape}, npdeep {v.shape}" for k, v in expected.items()
             if state[k].shape != v.shape]
    if wrong:
        raise ValueError(f"{where}: shape mismatch for " + "; ".join(wrong)
                         + " (check n_x and n_a)")
    with no_grad():
        for suffix, cell in _cells(layer):
            _load_cell(cell, {name: state[name + suffix] for name in _NAMES})


def _set(parameter, value: np.ndarray) -> None:
    parameter.data = np.array(value, dtype=parameter.data.dtype)
    parameter.grad = None


def _load_cell(cell, state: dict) -> None:
    W_i, W_h = state["weight_ih"], state["weight_hh"]
    b_i, b_h = state["bias_ih"], state["bias_hh"]
    n_a = cell.n_a
    if isinstance(cell, RNNCell):
        _set(cell.Wax, W_i)
        _set(cell.Waa, W_h)
        _set(cell.ba, b_i + b_h)
        return
    for k, (gate, sign) in enumerate(_TORCH_GATES[type(cell)]):
        rows = slice(k * n_a, (k + 1) * n_a)
        _set(getattr(cell, "W" + gate), sign * np.concatenate([W_h[rows], W_i[rows]], axis=1))
        if isinstance(cell, GRUCell) and gate == "c":
            _set(cell.bc, b_i[rows])
            _set(cell.bc_rec, b_h[rows])
        else:
            _set(getattr(cell, "b" + gate), sign * (b_i[rows] + b_h[rows]))


__all__ = ["to_torch_state_dict", "from_torch_state_dict"]
