"""One step of training a character-level language model, as "Dinosaur Island" writes it.

The assignment trains a basic RNN on one name at a time (stochastic gradient descent) with the
helpers of its utils file; they are written out here, in its names. One example is a list of
character indices: X = [None] + indices (x⟨1⟩ = 0), Y = indices + [index of "\\n"], so that
the label at step t is the input at step t+1:

    a⟨t⟩ = tanh(Wax x⟨t⟩ + Waa a⟨t−1⟩ + b),   ŷ⟨t⟩ = softmax(Wya a⟨t⟩ + by)
    L = −Σ_t log ŷ⟨t⟩[Y[t]]                    (summed over the steps, not averaged)
    dz_y⟨t⟩ = ŷ⟨t⟩ − y⟨t⟩ (one-hot)            (softmax and cross-entropy together)

Parameters: Wax (n_a, vocab_size), Waa (n_a, n_a), Wya (vocab_size, n_a), b (n_a, 1),
by (vocab_size, 1) — the bias of the hidden state is named "b" here ("ba" in Step by Step).

NOTE: these ``rnn_forward``/``rnn_backward`` take index lists and return the loss, unlike
Step by Step's in :mod:`npdeep.reference.rnn`; they are not re-exported from
``npdeep.reference`` for that reason (import them from this module). ``optimize``,
``rnn_step_forward`` and ``rnn_step_backward`` are.

Example:
    >>> loss, gradients, a_last = optimize(X, Y, a_prev, parameters, learning_rate=0.01)
"""
from __future__ import annotations

import numpy as np

from npdeep.reference.rnn import clip, softmax


def rnn_step_forward(parameters, a_prev, x):
    """a_next = tanh(Wax x + Waa a_prev + b), p_t = softmax(Wya a_next + by).

    Args:
        parameters: {"Wax", "Waa", "Wya", "b", "by"}; a_prev: (n_a, 1); x: (vocab_size, 1).

    Returns:
        a_next: (n_a, 1); p_t: (vocab_size, 1) the next character's probabilities.
    """
    Waa, Wax, Wya, by, b = (parameters["Waa"], parameters["Wax"], parameters["Wya"],
                            parameters["by"], parameters["b"])
    a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
    p_t = softmax(np.dot(Wya, a_next) + by)
    return a_next, p_t


def rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    """Add one step's gradients into ``gradients`` (in place) and pass da_next back.

    Args:
        dy: (vocab_size, 1) = ŷ⟨t⟩ − y⟨t⟩; gradients: the running sums {"dWax", "dWaa",
            "dWya", "db", "dby", "da_next"}; x, a, a_prev: x⟨t⟩, a⟨t⟩, a⟨t−1⟩.

    Returns:
        gradients, with gradients["da_next"] now the gradient of a⟨t−1⟩.
    """
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy
    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]   # from ŷ⟨t⟩ and from t+1
    daraw = (1 - a * a) * da                                       # through tanh
    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"].T, daraw)
    return gradients


def rnn_forward(X, Y, a0, parameters, vocab_size: int = 27):
    """The forward pass over one example and its loss L = −Σ_t log ŷ⟨t⟩[Y[t]].

    Args:
        X: list of T_x indices (None for the zero input); Y: list of T_x label indices;
        a0: (n_a, 1); parameters: as rnn_step_forward; vocab_size: the one-hot size.

    Returns:
        loss: a float; cache: (y_hat, a, x), dictionaries by step (a[-1] = a0).
    """
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)
    loss = 0
    for t in range(len(X)):
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1
        a[t], y_hat[t] = rnn_step_forward(parameters, a[t - 1], x[t])
        loss -= np.log(y_hat[t][Y[t], 0])
    cache = (y_hat, a, x)
    return float(loss), cache


def rnn_backward(X, Y, parameters, cache):
    """Backpropagation through time of the loss of rnn_forward.

    Returns:
        gradients: {"dWax", "dWaa", "dWya", "db", "dby", "da_next"} (da_next: the gradient
        of a0); a: the hidden states by step.
    """
    gradients = {}
    (y_hat, a, x) = cache
    Waa, Wax, Wya, by, b = (parameters["Waa"], parameters["Wax"], parameters["Wya"],
                            parameters["by"], parameters["b"])
    gradients["dWax"], gradients["dWaa"] = np.zeros_like(Wax), np.zeros_like(Waa)
    gradients["dWya"] = np.zeros_like(Wya)
    gradients["db"], gradients["dby"] = np.zeros_like(b), np.zeros_like(by)
    gradients["da_next"] = np.zeros_like(a[0])
    for t in reversed(range(len(X))):
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1                    # softmax + cross-entropy: ŷ − y
        gradients = rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])
    return gradients, a


def update_parameters(parameters, gradients, learning_rate):
    """θ := θ − α dθ for Wax, Waa, Wya, b, by, in place. Returns parameters."""
    for name in ["Wax", "Waa", "Wya", "b", "by"]:
        parameters[name] += -learning_rate * gradients["d" + name]
    return parameters


def optimize(X, Y, a_prev, parameters, learning_rate: float = 0.01):
    """One step of stochastic gradient descent with clipped gradients (the assignment's
    optimize): forward, backpropagation through time, clip to [−5, 5], update.

    Args:
        X, Y: one example's index lists (see the module); a_prev: (n_a, 1) the state to start
            from; parameters: updated in place; learning_rate: α.

    Returns:
        loss: a float; gradients: the clipped {"dWax", "dWaa", "dWya", "db", "dby"};
        a_last: (n_a, 1) the last hidden state a⟨T_x⟩.
    """
    loss, cache = rnn_forward(X, Y, a_prev, parameters)
    gradients, a = rnn_backward(X, Y, parameters, cache)
    # The course's clip returns exactly these five (da_next, the gradient of a0, is dropped).
    gradients = {name: gradients[name] for name in ["dWaa", "dWax", "dWya", "db", "dby"]}
    gradients = clip(gradients, 5)
    parameters = update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]
