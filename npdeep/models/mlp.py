"""The multi-layer perceptron of Course 1: L − 1 hidden layers [LINEAR -> ACTIVATION], then a
LINEAR output layer of logits (the loss applies the softmax or sigmoid).

Course 2's improvements are switches: batch norm between each LINEAR and its activation (the
bias b is then dropped: BatchNorm's β replaces it), and inverted dropout after each hidden
activation.
"""
from __future__ import annotations

import numbers

from npdeep import nn
from npdeep.functional.dropout import check_keep_prob
from npdeep.validation import check_choice, check_int

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh,
               "sigmoid": nn.Sigmoid}


def mlp(n_x: int, hidden=(128,), n_classes: int = 10, activation: str = "relu",
        keep_prob: float = 1.0, batch_norm: bool = False, init: str = "he") -> nn.Sequential:
    """Build [LINEAR -> (BATCHNORM) -> ACTIVATION -> (DROPOUT)] × (L − 1) -> LINEAR.

    Args:
        n_x: n[0], the number of input features.
        hidden: n[1], ..., n[L-1], the hidden layer sizes (an int for one layer; () gives
            softmax/logistic regression).
        n_classes: n[L], the number of output logits (1 for a binary classifier with
            binary_cross_entropy_with_logits).
        activation: "relu", "leaky_relu", "tanh" or "sigmoid" for the hidden layers.
        keep_prob: dropout's probability of keeping a hidden unit; 1.0 adds no dropout.
        batch_norm: normalize each hidden layer's Z before its activation.
        init: the weight initializer: "he" (ReLU), "xavier" (tanh), "small" or "zeros".

    Returns:
        nn.Sequential mapping X (m, n_x) to logits
        (m, n_classes); it refuses inputs of another shape, saying how to fix them.

    Raises:
        ValueError: for sizes that are not ints >= 1, an unknown activation, or keep_prob
            outside (0, 1].

    Example:
        >>> model = mlp(784, hidden=(128, 64), n_classes=10, keep_prob=0.8)
        >>> model(X).shape     # X (m, 784) -> (m, 10)
    """
    where = "mlp"
    check_int(n_x, "n_x", where)
    check_int(n_classes, "n_classes", where)
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (int(hidden),)
    try:
        hidden = tuple(hidden)
    except TypeError:
        raise ValueError(f"The 'hidden' parameter of mlp must be a tuple of ints >= 1. "
                         f"Got {hidden!r} instead.") from None
    for n in hidden:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"The 'hidden' parameter of mlp must be a tuple of ints >= 1. "
                             f"Got {hidden!r} instead.")
    check_choice(activation, "activation", where, tuple(ACTIVATIONS))
    keep_prob = check_keep_prob(keep_prob, where)
    layers = []
    n_prev = n_x
    for n in hidden:
        n = int(n)
        layers.append(nn.Linear(n_prev, n, init=init, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm1d(n))
        layers.append(ACTIVATIONS[activation]())
        if keep_prob < 1:
            layers.append(nn.Dropout(keep_prob=keep_prob))
        n_prev = n
    layers.append(nn.Linear(n_prev, n_classes, init=init))
    return nn.Sequential(*layers, name="mlp", input_shape=(int(n_x),), input_hint=_mlp_hint)


def _mlp_hint(shape: tuple) -> str:
    if len(shape) > 2:
        return ("flatten each example first: X.reshape(m, -1) (images (m, n_H, n_W, n_C) "
                "become (m, n_H·n_W·n_C) rows)")
    if len(shape) == 2:
        return f"build it with mlp({shape[1]}, ...) for {shape[1]} features"
    return "X holds one example per row, (m, n_x)"
