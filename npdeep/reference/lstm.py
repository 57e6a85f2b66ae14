"""The LSTM step by step, as course 5 week 1 writes it (examples in COLUMNS, time LAST).

The LSTM half of "Building your Recurrent Neural Network - Step by Step", in plain NumPy with
the course's names, shapes and caches. With concat = [a⟨t−1⟩; x⟨t⟩] of shape (n_a + n_x, m):

    Γf⟨t⟩ = σ(Wf concat + bf)             forget gate
    Γu⟨t⟩ = σ(Wi concat + bi)             update gate ("it" in the code, Wi/bi its weights)
    c̃⟨t⟩ = tanh(Wc concat + bc)           candidate ("cct")
    c⟨t⟩  = Γf⟨t⟩ ⊙ c⟨t−1⟩ + Γu⟨t⟩ ⊙ c̃⟨t⟩
    Γo⟨t⟩ = σ(Wo concat + bo)             output gate
    a⟨t⟩  = Γo⟨t⟩ ⊙ tanh(c⟨t⟩),   ŷ⟨t⟩ = softmax(Wy a⟨t⟩ + by)

Names: the lectures write the update gate Γu with Wu, bu; the assignment's code names its
weights Wi, bi (the "input gate" of Hochreiter & Schmidhuber) and its value ``it``. They are the
same gate: Wu ≡ Wi, bu ≡ bi. Wf, Wi, Wc, Wo are (n_a, n_a + n_x), their first n_a columns act
on a⟨t−1⟩ and the last n_x on x⟨t⟩; biases are (n_a, 1); Wy (n_y, n_a), by (n_y, 1).

PyTorch's nn.LSTM stacks the gates (i, f, g, o) in ``weight_ih_l0`` (4·n_a, n_x) and
``weight_hh_l0`` (4·n_a, n_a) and has two biases: Wi = [W_hi | W_ii], bi = b_ii + b_hi, and
likewise Wf (f), Wc (g), Wo (o). tests/reference/test_lstm.py checks this mapping.

Example:
    >>> a, y, c, caches = lstm_forward(x, a0, parameters)      # x (n_x, m, T_x)
    >>> gradients = lstm_backward(da, caches)                   # da (n_a, m, T_x)
"""
from __future__ import annotations

import numpy as np

from npdeep.reference.rnn import sigmoid, softmax


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step (Figure 4 of the assignment).

    Args:
        xt: (n_x, m); a_prev: (n_a, m) a⟨t−1⟩; c_prev: (n_a, m) the memory cell c⟨t−1⟩.
        parameters: {"Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"}; the W are
            (n_a, n_a + n_x), the b (n_a, 1), Wy (n_y, n_a), by (n_y, 1).

    Returns:
        a_next: (n_a, m); c_next: (n_a, m); yt_pred: (n_y, m);
        cache: (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    Wf = parameters["Wf"]
    bf = parameters["bf"]
    Wi = parameters["Wi"]
    bi = parameters["bi"]
    Wc = parameters["Wc"]
    bc = parameters["bc"]
    Wo = parameters["Wo"]
    bo = parameters["bo"]
    Wy = parameters["Wy"]
    by = parameters["by"]

    concat = np.concatenate((a_prev, xt), axis=0)         # (n_a + n_x, m)
    ft = sigmoid(np.dot(Wf, concat) + bf)
    it = sigmoid(np.dot(Wi, concat) + bi)
    cct = np.tanh(np.dot(Wc, concat) + bc)
    c_next = ft * c_prev + it * cct
    ot = sigmoid(np.dot(Wo, concat) + bo)
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.dot(Wy, a_next) + by)

    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters):
    """The LSTM over all T_x steps; the memory cell starts at c⟨0⟩ = 0.

    Args:
        x: (n_x, m, T_x); a0: (n_a, m); parameters: as lstm_cell_forward.

    Returns:
        a: (n_a, m, T_x); y: (n_y, m, T_x); c: (n_a, m, T_x);
        caches: (list of the T_x cell caches, x).
    """
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape

    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))
    a_next = a0
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    caches = (caches, x)
    return a, y, c, caches


def lstm_cell_backward(da_next, dc_next, cache):
    """The backward step of one LSTM cell (the assignment's equations 7 to 17).

    With dA = da_next ⊙ Γo ⊙ (1 − tanh²(c⟨t⟩)) + dc_next, the gradient reaching c⟨t⟩:
        dΓo = da_next ⊙ tanh(c⟨t⟩) ⊙ Γo(1 − Γo)
        dc̃  = dA ⊙ Γu ⊙ (1 − c̃²),   dΓu = dA ⊙ c̃ ⊙ Γu(1 − Γu),   dΓf = dA ⊙ c⟨t−1⟩ ⊙ Γf(1 − Γf)
        dW_g = dΓ_g concatᵀ,  db_g = Σ_columns dΓ_g  for g in f, i (u), c, o
        [da_prev; dxt] = Σ_g W_gᵀ dΓ_g,   dc_prev = dA ⊙ Γf

    NOTE: the "dΓ" here are gradients of the gates' pre-activations (the sigmoid's derivative
    is folded in), as the course writes them; some printings of the assignment's equation for
    dc̃ carry a misprint, the gradient check in tests/reference/test_lstm.py proves these.

    Args:
        da_next: (n_a, m) the gradient of a⟨t⟩; dc_next: (n_a, m) that of c⟨t⟩ (from t+1).
        cache: from lstm_cell_forward.

    Returns:
        gradients: {"dxt": (n_x, m), "da_prev": (n_a, m), "dc_prev": (n_a, m),
            "dWf", "dWi", "dWc", "dWo": (n_a, n_a + n_x), "dbf", "dbi", "dbc", "dbo": (n_a, 1)}.
    """
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache
    n_x, m = xt.shape
    n_a, m = a_next.shape

    tanh_c = np.tanh(c_next)
    dA = da_next * ot * (1 - tanh_c ** 2) + dc_next      # the whole gradient of c⟨t⟩
    dot = da_next * tanh_c * ot * (1 - ot)
    dcct = dA * it * (1 - cct ** 2)
    dit = dA * cct * it * (1 - it)
    dft = dA * c_prev * ft * (1 - ft)

    concat = np.concatenate((a_prev, xt), axis=0)         # (n_a + n_x, m)
    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1, keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)

    Wf, Wi, Wc, Wo = parameters["Wf"], parameters["Wi"], parameters["Wc"], parameters["Wo"]
    da_prev = (np.dot(Wf[:, :n_a].T, dft) + np.dot(Wi[:, :n_a].T, dit)
               + np.dot(Wc[:, :n_a].T, dcct) + np.dot(Wo[:, :n_a].T, dot))
    dc_prev = dA * ft
    dxt = (np.dot(Wf[:, n_a:].T, dft) + np.dot(Wi[:, n_a:].T, dit)
           + np.dot(Wc[:, n_a:].T, dcct) + np.dot(Wo[:, n_a:].T, dot))

    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf,
                 "dWi": dWi, "dbi": dbi, "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients


def lstm_backward(da, caches):
    """Backpropagation through time for the LSTM.

    Args:
        da: (n_a, m, T_x) the upstream gradient of every a⟨t⟩ (the memory cell c receives
            no gradient from outside: dc⟨T_x⟩ = 0).
        caches: from lstm_forward.

    Returns:
        gradients: {"dx": (n_x, m, T_x), "da0": (n_a, m), "dWf", "dWi", "dWc", "dWo":
            (n_a, n_a + n_x), "dbf", "dbi", "dbc", "dbo": (n_a, 1)}.
    """
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape

    dx = np.zeros((n_x, m, T_x))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    dWf = np.zeros((n_a, n_a + n_x))
    dWi = np.zeros((n_a, n_a + n_x))
    dWc = np.zeros((n_a, n_a + n_x))
    dWo = np.zeros((n_a, n_a + n_x))
    dbf = np.zeros((n_a, 1))
    dbi = np.zeros((n_a, 1))
    dbc = np.zeros((n_a, 1))
    dbo = np.zeros((n_a, 1))
    for t in reversed(range(T_x)):
        gradients = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, caches[t])
        da_prevt, dc_prevt = gradients["da_prev"], gradients["dc_prev"]
        dx[:, :, t] = gradients["dxt"]
        dWf += gradients["dWf"]
        dWi += gradients["dWi"]
        dWc += gradients["dWc"]
        dWo += gradients["dWo"]
        dbf += gradients["dbf"]
        dbi += gradients["dbi"]
        dbc += gradients["dbc"]
        dbo += gradients["dbo"]
    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}
    return gradients
