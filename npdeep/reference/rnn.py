"""The basic RNN step by step, as course 5 week 1 writes it (examples in COLUMNS, time LAST).

This is "Building your Recurrent Neural Network - Step by Step" (the RNN half) and the two
helpers of "Dinosaur Island - Character-Level Language Modeling" (``clip`` and ``sample``), in
plain NumPy with the course's names, shapes and caches:

    x:  (n_x, m, T_x)  — x⟨t⟩ = x[:, :, t] is (n_x, m), one example per column
    a:  (n_a, m, T_x)  — a⟨t⟩ = a[:, :, t]
    Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1), Wya (n_y, n_a), by (n_y, 1)

Forward:  a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba),   ŷ⟨t⟩ = softmax(Wya a⟨t⟩ + by)
Backward (the upstream gradient da⟨t⟩ of every hidden state is given, as in the course):
          dtanh = (da⟨t⟩ + da_prev from step t+1) ⊙ (1 − a⟨t⟩²)
          dWax += dtanh x⟨t⟩ᵀ,  dWaa += dtanh a⟨t−1⟩ᵀ,  dba += Σ_columns dtanh
          dx⟨t⟩ = Waxᵀ dtanh,   da_prev = Waaᵀ dtanh

The batch-first layers (npdeep.nn, (m, T_x, n_x)) must agree with these loops; the LSTM is in
:mod:`npdeep.reference.lstm` and the GRU in :mod:`npdeep.reference.gru`.

Example:
    >>> a, y_pred, caches = rnn_forward(x, a0, parameters)        # x (n_x, m, T_x)
    >>> gradients = rnn_backward(da, caches)                       # da (n_a, m, T_x)
    >>> gradients = clip(gradients, maxValue=5)                    # in place, as the course
"""
from __future__ import annotations

import numpy as np


def softmax(x):
    """softmax over the rows of each column (the course's rnn_utils version).

    NOTE: the course subtracts the maximum of the whole array, not of each column; the
    result is the same (softmax is shift-invariant) as long as no column underflows.
    """
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def sigmoid(x):
    """σ(x) = 1/(1 + e^(−x)), as in the course's rnn_utils."""
    return 1 / (1 + np.exp(-x))


def rnn_cell_forward(xt, a_prev, parameters):
    """One step of the basic RNN: a⟨t⟩ = tanh(Waa a⟨t−1⟩ + Wax x⟨t⟩ + ba).

    Args:
        xt: (n_x, m) the input at step t.
        a_prev: (n_a, m) the hidden state a⟨t−1⟩.
        parameters: {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "Wya": (n_y, n_a),
            "ba": (n_a, 1), "by": (n_y, 1)}.

    Returns:
        a_next: (n_a, m); yt_pred: (n_y, m) = softmax(Wya a_next + by);
        cache: (a_next, a_prev, xt, parameters), for rnn_cell_backward.
    """
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]
    Wya = parameters["Wya"]
    ba = parameters["ba"]
    by = parameters["by"]

    a_next = np.tanh(np.dot(Waa, a_prev) + np.dot(Wax, xt) + ba)
    yt_pred = softmax(np.dot(Wya, a_next) + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x, a0, parameters):
    """The basic RNN over all T_x steps, one rnn_cell_forward per step.

    Args:
        x: (n_x, m, T_x); a0: (n_a, m) the initial hidden state; parameters: as
            rnn_cell_forward.

    Returns:
        a: (n_a, m, T_x) every hidden state; y_pred: (n_y, m, T_x) every prediction;
        caches: (list of the T_x cell caches, x), for rnn_backward.
    """
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape

    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches


def rnn_cell_backward(da_next, cache):
    """The backward step of one RNN cell.

    Args:
        da_next: (n_a, m) the gradient of the loss with respect to a⟨t⟩ (from the output at
            step t and from step t+1 together).
        cache: from rnn_cell_forward.

    Returns:
        gradients: {"dxt": (n_x, m), "da_prev": (n_a, m), "dWax": (n_a, n_x),
            "dWaa": (n_a, n_a), "dba": (n_a, 1)}.
    """
    (a_next, a_prev, xt, parameters) = cache
    Wax = parameters["Wax"]
    Waa = parameters["Waa"]

    # tanh'(z) = 1 − tanh(z)²: the saved output is all the derivative needs.
    dtanh = (1 - a_next ** 2) * da_next
    dxt = np.dot(Wax.T, dtanh)
    dWax = np.dot(dtanh, xt.T)
    da_prev = np.dot(Waa.T, dtanh)
    dWaa = np.dot(dtanh, a_prev.T)
    dba = np.sum(dtanh, axis=1, keepdims=True)

    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients


def rnn_backward(da, caches):
    """Backpropagation through time for the basic RNN.

    Args:
        da: (n_a, m, T_x) the upstream gradient of every hidden state a⟨t⟩ (e.g. from the
            outputs ŷ⟨t⟩); the course's backward stops at a, so dWya and dby are not here.
        caches: from rnn_forward.

    Returns:
        gradients: {"dx": (n_x, m, T_x), "da0": (n_a, m), "dWax": (n_a, n_x),
            "dWaa": (n_a, n_a), "dba": (n_a, 1)}.
    """
    (caches, x) = caches
    (a1, a0, x1, parameters) = caches[0]
    n_a, m, T_x = da.shape
    n_x, m = x1.shape

    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prevt = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        # a⟨t⟩ feeds both the output at t and the step t+1: the two gradients add.
        gradients = rnn_cell_backward(da[:, :, t] + da_prevt, caches[t])
        dxt, da_prevt = gradients["dxt"], gradients["da_prev"]
        dx[:, :, t] = dxt
        dWax += gradients["dWax"]
        dWaa += gradients["dWaa"]
        dba += gradients["dba"]
    da0 = da_prevt

    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients


def clip(gradients, maxValue):
    """Clip every gradient element-wise to [−maxValue, maxValue], in place (the course's clip).

    The course clips dWaa, dWax, dWya, db and dby with ``np.clip(..., out=gradient)`` before
    each update, against exploding gradients; here every array of the dictionary is clipped,
    whatever its key ("db" in the Dinosaur Island assignment, "dba" in Step by Step).
    By global norm instead: :func:`npdeep.optim.clip_grad_norm`.

    Args:
        gradients: a dictionary of NumPy arrays, e.g. {"dWaa", "dWax", "dWya", "db", "dby"}.
        maxValue: everything above it is set to it, everything below −maxValue to −maxValue.

    Returns:
        gradients: the same dictionary, its arrays clipped in place.
    """
    for gradient in gradients.values():
        np.clip(gradient, -maxValue, maxValue, out=gradient)
    return gradients


def sample(parameters, char_to_ix, seed):
    """Sample one sequence of character indices from a character-level RNN (the course's sample).

    From x⟨1⟩ = 0 and a⟨0⟩ = 0: a⟨t+1⟩ = tanh(Wax x⟨t⟩ + Waa a⟨t⟩ + b),
    ŷ⟨t+1⟩ = softmax(Wya a⟨t+1⟩ + by), draw the next index with ``np.random.choice`` from ŷ
    (not the argmax, so that samples differ), feed it back one-hot, and stop at "\\n" or after
    50 characters (then "\\n" is appended).

    NOTE: for grading, the course reseeds NumPy's global RNG before every draw with
    ``np.random.seed(counter + seed)`` and also increments ``seed`` each step, so step k draws
    with seed + 2k. This function does the same, so it reproduces the course's samples (and
    changes NumPy's global RNG state, as the course's does).

    Args:
        parameters: {"Wax": (n_a, vocab_size), "Waa": (n_a, n_a), "Wya": (vocab_size, n_a),
            "b": (n_a, 1), "by": (vocab_size, 1)}; the bias may be named "ba" instead of "b"
            (Step by Step's name).
        char_to_ix: {character: index}, with "\\n" in it.
        seed: the course's grading seed.

    Returns:
        indices: a list of the sampled indices, ending with the index of "\\n".
    """
    Waa, Wax, Wya, by = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"]
    b = parameters["b"] if "b" in parameters else parameters["ba"]
    vocab_size = by.shape[0]
    n_a = Waa.shape[1]

    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    indices = []
    idx = -1
    counter = 0
    newline_character = char_to_ix["\n"]
    while idx != newline_character and counter != 50:
        a = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
        z = np.dot(Wya, a) + by
        y = softmax(z)
        np.random.seed(counter + seed)
        idx = int(np.random.choice(list(range(vocab_size)), p=y.ravel()))
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(char_to_ix["\n"])
    return indices
