"""The GRU step by step, in the style of the course's RNN and LSTM assignments (COLUMNS, time LAST).

The course's lectures give the full GRU (Cho et al. 2014, "On the Properties of Neural Machine
Translation: Encoder-Decoder Approaches"); it has no step-by-step assignment, so this module
writes one the way the LSTM's is written. The memory cell is the hidden state: c⟨t⟩ = a⟨t⟩.
With concat = [c⟨t−1⟩; x⟨t⟩] of shape (n_a + n_x, m):

    Γr⟨t⟩ = σ(Wr concat + br)                        reset (relevance) gate
    Γu⟨t⟩ = σ(Wu concat + bu)                        update gate
    c̃⟨t⟩ = tanh(Wc [Γr⟨t⟩ ⊙ c⟨t−1⟩; x⟨t⟩] + bc)       candidate
    c⟨t⟩  = Γu⟨t⟩ ⊙ c̃⟨t⟩ + (1 − Γu⟨t⟩) ⊙ c⟨t−1⟩

``reset_after=True`` is the variant of PyTorch, cuDNN and Keras (``reset_after=True``): the
reset gate multiplies the recurrent product instead of the state, and that product has its own
bias ``bc_rec``:

    c̃⟨t⟩ = tanh(Wc[:, n_a:] x⟨t⟩ + bc + Γr⟨t⟩ ⊙ (Wc[:, :n_a] c⟨t−1⟩ + bc_rec))

Shapes: Wu, Wr, Wc (n_a, n_a + n_x), first n_a columns on c⟨t−1⟩, last n_x on x⟨t⟩; bu, br,
bc, bc_rec (n_a, 1); Wy (n_y, n_a) and by (n_y, 1) are optional (ŷ⟨t⟩ = softmax(Wy c⟨t⟩ + by)).

PyTorch's nn.GRU (gates (r, z, n) stacked in ``weight_ih_l0`` (3·n_a, n_x) and ``weight_hh_l0``
(3·n_a, n_a), two biases) computes h' = (1 − z) ⊙ n + z ⊙ h: its z keeps the old state, so
Γu = 1 − z = σ(−(...)). In this module's names:

    Wr = [W_hr | W_ir],     br = b_ir + b_hr
    Wu = −[W_hz | W_iz],    bu = −(b_iz + b_hz)
    Wc = [W_hn | W_in],     bc = b_in,   bc_rec = b_hn     (reset_after=True)

tests/reference/test_gru.py checks this mapping against torch.nn.GRU.

Example:
    >>> c, y, caches = gru_forward(x, c0, parameters)                # x (n_x, m, T_x)
    >>> gradients = gru_backward(dc, caches)                          # dc (n_a, m, T_x)
"""
from __future__ import annotations

import numpy as np

from npdeep.reference.rnn import sigmoid, softmax


def gru_cell_forward(xt, c_prev, parameters, reset_after: bool = False):
    """One step of the full GRU.

    Args:
        xt: (n_x, m); c_prev: (n_a, m) the memory cell (= hidden state) c⟨t−1⟩.
        parameters: {"Wu", "bu", "Wr", "br", "Wc", "bc"} (and "bc_rec" with reset_after,
            zero when absent; "Wy", "by" for a prediction).
        reset_after: apply Γr after the recurrent product (PyTorch's GRU), see the module.

    Returns:
        c_next: (n_a, m); yt_pred: (n_y, m), or None without "Wy";
        cache: (c_next, c_prev, xt, ut, rt, cct, hct, parameters, reset_after), where hct
            is Wc[:, :n_a] c_prev + bc_rec with reset_after, else None.
    """
    Wu = parameters["Wu"]
    bu = parameters["bu"]
    Wr = parameters["Wr"]
    br = parameters["br"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    n_a = c_prev.shape[0]

    concat = np.concatenate((c_prev, xt), axis=0)          # (n_a + n_x, m)
    rt = sigmoid(np.dot(Wr, concat) + br)
    ut = sigmoid(np.dot(Wu, concat) + bu)
    if reset_after:
        bc_rec = parameters.get("bc_rec", np.zeros((n_a, 1)))
        hct = np.dot(Wc[:, :n_a], c_prev) + bc_rec          # the recurrent product
        cct = np.tanh(np.dot(Wc[:, n_a:], xt) + bc + rt * hct)
    else:
        hct = None
        concat_r = np.concatenate((rt * c_prev, xt), axis=0)
        cct = np.tanh(np.dot(Wc, concat_r) + bc)
    c_next = ut * cct + (1 - ut) * c_prev

    yt_pred = None
    if "Wy" in parameters:
        yt_pred = softmax(np.dot(parameters["Wy"], c_next) + parameters["by"])
    cache = (c_next, c_prev, xt, ut, rt, cct, hct, parameters, reset_after)
    return c_next, yt_pred, cache


def gru_forward(x, c0, parameters, reset_after: bool = False):
    """The GRU over all T_x steps.

    Args:
        x: (n_x, m, T_x); c0: (n_a, m); parameters, reset_after: as gru_cell_forward.

    Returns:
        c: (n_a, m, T_x) every state; y: (n_y, m, T_x), or None without "Wy";
        caches: (list of the T_x cell caches, x).
    """
    caches = []
    n_x, m, T_x = x.shape
    n_a = c0.shape[0]
    c = np.zeros((n_a, m, T_x))
    y = None
    if "Wy" in parameters:
        y = np.zeros((parameters["Wy"].shape[0], m, T_x))
    c_next = c0
    for t in range(T_x):
        c_next, yt, cache = gru_cell_forward(x[:, :, t], c_next, parameters, reset_after)
        c[:, :, t] = c_next
        if y is not None:
            y[:, :, t] = yt
        caches.append(cache)
    caches = (caches, x)
    return c, y, caches


def gru_cell_backward(dc_next, cache):
    """The backward step of one GRU cell.

        dc̃ = dc_next ⊙ Γu,   dΓu = dc_next ⊙ (c̃ − c⟨t−1⟩),   dc_prev = dc_next ⊙ (1 − Γu) + ...
        dz_c = dc̃ ⊙ (1 − c̃²)                   (pre-activation of the candidate)
        reset before: [dr_c; dxt] = Wcᵀ dz_c with r_c = Γr ⊙ c⟨t−1⟩, dΓr = dr_c ⊙ c⟨t−1⟩
        reset after:  dh = dz_c ⊙ Γr (the recurrent product's gradient), dΓr = dz_c ⊙ h
        dz_u = dΓu ⊙ Γu(1 − Γu),  dz_r = dΓr ⊙ Γr(1 − Γr),  dW_g = dz_g concatᵀ

    Args:
        dc_next: (n_a, m) the whole gradient of c⟨t⟩ (from the output at t and from t+1).
        cache: from gru_cell_forward.

    Returns:
        gradients: {"dxt": (n_x, m), "dc_prev": (n_a, m), "dWu", "dWr", "dWc":
            (n_a, n_a + n_x), "dbu", "dbr", "dbc": (n_a, 1), and "dbc_rec" with reset_after}.
    """
    (c_next, c_prev, xt, ut, rt, cct, hct, parameters, reset_after) = cache
    Wu, Wr, Wc = parameters["Wu"], parameters["Wr"], parameters["Wc"]
    n_a = c_prev.shape[0]

    dcct = dc_next * ut
    dut = dc_next * (cct - c_prev)
    dc_prev = dc_next * (1 - ut)
    dzc = dcct * (1 - cct ** 2)
    dbc = np.sum(dzc, axis=1, keepdims=True)
    gradients = {}
    if reset_after:
        dhct = dzc * rt
        drt = dzc * hct
        dWc = np.concatenate((np.dot(dhct, c_prev.T), np.dot(dzc, xt.T)), axis=1)
        gradients["dbc_rec"] = np.sum(dhct, axis=1, keepdims=True)
        dc_prev = dc_prev + np.dot(Wc[:, :n_a].T, dhct)
        dxt = np.dot(Wc[:, n_a:].T, dzc)
    else:
        concat_r = np.concatenate((rt * c_prev, xt), axis=0)
        dWc = np.dot(dzc, concat_r.T)
        dconcat_r = np.dot(Wc.T, dzc)                       # (n_a + n_x, m)
        drc = dconcat_r[:n_a]                               # gradient of Γr ⊙ c⟨t−1⟩
        drt = drc * c_prev
        dc_prev = dc_prev + drc * rt
        dxt = dconcat_r[n_a:]

    dzu = dut * ut * (1 - ut)
    dzr = drt * rt * (1 - rt)
    concat = np.concatenate((c_prev, xt), axis=0)           # (n_a + n_x, m)
    dWu = np.dot(dzu, concat.T)
    dWr = np.dot(dzr, concat.T)
    dbu = np.sum(dzu, axis=1, keepdims=True)
    dbr = np.sum(dzr, axis=1, keepdims=True)
    dconcat = np.dot(Wu.T, dzu) + np.dot(Wr.T, dzr)
    dc_prev = dc_prev + dconcat[:n_a]
    dxt = dxt + dconcat[n_a:]

    gradients.update({"dxt": dxt, "dc_prev": dc_prev, "dWu": dWu, "dbu": dbu, "dWr": dWr,
                      "dbr": dbr, "dWc": dWc, "dbc": dbc})
    return gradients


def gru_backward(dc, caches):
    """Backpropagation through time for the GRU.

    Args:
        dc: (n_a, m, T_x) the upstream gradient of every state c⟨t⟩.
        caches: from gru_forward.

    Returns:
        gradients: {"dx": (n_x, m, T_x), "dc0": (n_a, m), "dWu", "dWr", "dWc":
            (n_a, n_a + n_x), "dbu", "dbr", "dbc": (n_a, 1), and "dbc_rec" with reset_after}.
    """
    (caches, x) = caches
    reset_after = caches[0][-1]
    n_a, m, T_x = dc.shape
    n_x = x.shape[0]

    dx = np.zeros((n_x, m, T_x))
    dc_prevt = np.zeros((n_a, m))
    names = ["dWu", "dbu", "dWr", "dbr", "dWc", "dbc"] + (["dbc_rec"] if reset_after else [])
    sums = {name: 0.0 for name in names}
    for t in reversed(range(T_x)):
        gradients = gru_cell_backward(dc[:, :, t] + dc_prevt, caches[t])
        dc_prevt = gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        for name in names:
            sums[name] = sums[name] + gradients[name]

    gradients = {"dx": dx, "dc0": dc_prevt}
    gradients.update(sums)
    return gradients
