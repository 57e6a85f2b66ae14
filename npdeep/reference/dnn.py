"""An L-layer neural network step by step, as the course writes it (examples in COLUMNS).

This is course 1's "Building your Deep Neural Network: Step by Step", in plain NumPy and with
the course's names, shapes and caches (the initializations are in
:mod:`npdeep.reference.initialization`):

    X, A[l]: (n[l], m)   — one example per column
    W[l]:    (n[l], n[l-1])
    b[l]:    (n[l], 1)

Forward:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l])  (ReLU for l < L, sigmoid for l = L)
Cost:     J = −(1/m) Σ [y log a[L] + (1 − y) log(1 − a[L])]  (+ λ/(2m) Σ_l ‖W[l]‖²_F)
Backward: dZ[l] = dA[l] * g[l]'(Z[l])
          dW[l] = (1/m) dZ[l] A[l-1]ᵀ (+ (λ/m) W[l]),  db[l] = (1/m) Σ_columns dZ[l],
          dA[l-1] = W[l]ᵀ dZ[l]
Update:   W[l] := W[l] − α dW[l],  b[l] := b[l] − α db[l]

The engine (npdeep.nn, batch-first) must agree with these functions to rounding; see
tests/reference/test_dnn.py.

Example:
    >>> from npdeep.reference import initialize_parameters_deep, L_model_forward, ...
    >>> parameters = initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1, init="xavier")
    >>> AL, caches = L_model_forward(X, parameters)          # X (12288, m)
    >>> cost = compute_cost(AL, Y)                             # Y (1, m)
    >>> grads = L_model_backward(AL, Y, caches)
    >>> parameters = update_parameters(parameters, grads, learning_rate=0.0075)
"""
from __future__ import annotations

import numpy as np


def sigmoid(Z):
    """A = 1/(1 + e^(−Z)); cache = Z."""
    A = 1 / (1 + np.exp(-Z))
    return A, Z


def relu(Z):
    """A = max(0, Z); cache = Z."""
    A = np.maximum(0, Z)
    return A, Z


def tanh(Z):
    """A = tanh(Z); cache = Z."""
    return np.tanh(Z), Z


def sigmoid_backward(dA, cache):
    """dZ = dA · σ(Z)(1 − σ(Z))."""
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, cache):
    """dZ = dA where Z > 0, else 0 (relu'(0) taken as 0)."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def tanh_backward(dA, cache):
    """dZ = dA · (1 − tanh²(Z))."""
    Z = cache
    return dA * (1 - np.tanh(Z) ** 2)


_ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_backward), "relu": (relu, relu_backward),
                "tanh": (tanh, tanh_backward)}


def _activation(name: str):
    if name not in _ACTIVATIONS:
        raise ValueError(f"The 'activation' parameter must be one of {tuple(_ACTIVATIONS)}. "
                         f"Got {name!r} instead.")
    return _ACTIVATIONS[name]


def linear_forward(A, W, b):
    """Z = W A + b.

    Args:
        A: (n[l-1], m) activations of the previous layer (or X).
        W: (n[l], n[l-1]); b: (n[l], 1).

    Returns:
        Z: (n[l], m); cache: (A, W, b) for linear_backward.
    """
    Z = W @ A + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation: str):
    """A = g(W A_prev + b) with g = "sigmoid", "relu" or "tanh".

    Returns:
        A: (n[l], m); cache: (linear_cache, activation_cache), activation_cache = Z.
    """
    forward, _ = _activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] × (L − 1) -> LINEAR -> SIGMOID.

    Args:
        X: (n_x, m).
        parameters: from initialize_parameters_deep.

    Returns:
        AL: (1, m) (or (n[L], m)) the output probabilities; caches: one per layer.
    """
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(A_prev, parameters["W" + str(l)],
                                             parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)],
                                          parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y, parameters=None, lambd: float = 0.0):
    """J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] + λ/(2m) Σ_l ‖W[l]‖²_F.

    Args:
        AL: (1, m) probabilities; Y: (1, m) labels in {0, 1}.
        parameters: needed only when lambd > 0 (for the W[l]).
        lambd: λ, the L2 regularization strength.

    Returns:
        cost: a float.
    """
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    if lambd:
        L = len(parameters) // 2
        cost += lambd / (2 * m) * sum(np.sum(np.square(parameters["W" + str(l)]))
                                      for l in range(1, L + 1))
    return float(np.squeeze(cost))


def linear_backward(dZ, cache, lambd: float = 0.0):
    """The linear part of one layer's backward step.

    Args:
        dZ: (n[l], m); cache: (A_prev, W, b) from linear_forward.
        lambd: λ; adds (λ/m)·W to dW (the gradient of the L2 term).

    Returns:
        dA_prev: (n[l-1], m); dW: (n[l], n[l-1]); db: (n[l], 1).
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * dZ @ A_prev.T
    if lambd:
        dW = dW + lambd / m * W
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation: str, lambd: float = 0.0):
    """dZ = dA · g'(Z), then linear_backward."""
    _, backward = _activation(activation)
    linear_cache, activation_cache = cache
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache, lambd)


def L_model_backward(AL, Y, caches, lambd: float = 0.0):
    """Backward through [LINEAR -> RELU] × (L − 1) -> LINEAR -> SIGMOID.

    Returns:
        grads: {"dA0" .. "dA{L-1}", "dW1" .. "dWL", "db1" .. "dbL"}, where grads["dA" + str(l)]
        belongs to A[l] (dA0 to X).

    NOTE: as in the course, dAL = −(y/a − (1 − y)/(1 − a)) has no 1/m: every dA[l] here is
    m·dJ/dA[l], and the 1/m of the cost's average enters in linear_backward's dW and db.
    """
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    dA_prev, dW, db = linear_activation_backward(dAL, current_cache, "sigmoid", lambd)
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], current_cache,
                                                     "relu", lambd)
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads


def update_parameters(parameters, grads, learning_rate: float):
    """W[l] := W[l] − α dW[l], b[l] := b[l] − α db[l]; returns a new dict."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - \
            learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - \
            learning_rate * grads["db" + str(l + 1)]
    return parameters
