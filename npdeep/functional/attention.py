"""The course's attention model (course 5, week 3; Bahdanau et al. 2015), from autograd ops.

For each output step t the decoder's previous state s⟨t−1⟩ scores every encoder activation
a⟨t'⟩ with a small dense network, the scores become weights by a softmax over t', and the
context is the weighted sum of the activations:

    e⟨t,t'⟩ = g(W2 · tanh(W1 · [s⟨t−1⟩; a⟨t'⟩] + b1) + b2)      energies, g = relu or linear
    α⟨t,t'⟩ = exp(e⟨t,t'⟩) / Σ_t'' exp(e⟨t,t''⟩)                   softmax over t'
    c⟨t⟩    = Σ_t' α⟨t,t'⟩ a⟨t'⟩                                    the context

The course builds W1·[s; a] by repeating s⟨t−1⟩ T_x times and concatenating (RepeatVector,
Concatenate, Dense(10, tanh), Dense(1, relu)). The product splits exactly into
W1·[s; a] = W1s·s + W1a·a with W1 = [W1s | W1a]; the a-half does not depend on t, so
:func:`attention_keys` computes it once per input sequence (T_y times fewer products) and
:func:`attention_step` adds the s-half at each step. :func:`additive_attention` is the
course's one-call form of both.

Padded input positions (mask False) get α = 0 exactly: their energies are replaced by −∞
before the softmax, so they also get exactly zero gradient.

Everything is composed from npdeep's differentiable ops (linear, tanh, relu, where, softmax,
matmul): the backward comes from the engine, and the float64 gradient check covers it.
"""
from __future__ import annotations

import numpy as np

from npdeep.functional.activation import relu, softmax, tanh
from npdeep.functional.elementwise import where
from npdeep.functional.linalg import linear, matmul
from npdeep.functional.shape import reshape
from npdeep.tensor import Tensor, as_tensor

ENERGY_ACTIVATIONS = ("relu", "linear")


def check_mask(mask, m: int, T_x: int, where_: str):
    """``mask`` as an (m, T_x) bool array (None stays None).

    Raises:
        ValueError: for another shape, or a row with no True entry (a softmax over nothing).
    """
    if mask is None:
        return None
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
    if mask.shape != (m, T_x):
        raise ValueError(f"{where_}: mask must have shape (m, T_x) = {(m, T_x)} (True at the "
                         f"real input positions) but got {mask.shape}")
    if not mask.any(axis=1).all():
        row = int(np.flatnonzero(~mask.any(axis=1))[0])
        raise ValueError(f"{where_}: mask row {row} has no True entry; every example needs at "
                         "least one real input position to attend to")
    return mask


def attention_weights(energies, mask=None) -> Tensor:
    """α = softmax over t' of the energies, exactly 0 where ``mask`` is False.

    Args:
        energies: (m, T_x) e⟨t,t'⟩ for one output step t.
        mask: (m, T_x) bool, True at real input positions; None: all real.

    Returns:
        α (m, T_x): each row sums to 1 over the real positions.

    Raises:
        ValueError: for energies that are not (m, T_x), or a bad mask (see check_mask).
    """
    energies = as_tensor(energies)
    if energies.ndim != 2:
        raise ValueError(f"attention_weights: energies must have shape (m, T_x) but got "
                         f"{tuple(energies.shape)}")
    mask = check_mask(mask, *energies.shape, "attention_weights")
    if mask is not None and not mask.all():
        # NOTE: −∞ (not a large negative number) makes exp give exactly 0, whatever the
        # energies' scale; softmax's shift by the row max keeps the real entries finite, and
        # both where and softmax pass exactly zero gradient to the masked entries.
        energies = where(mask, energies, -np.inf)
    return softmax(energies, axis=1)


def attention_keys(A, W1, b1, n_s: int) -> Tensor:
    """The step-independent half of the first dense layer: P⟨t'⟩ = W1a · a⟨t'⟩ + b1.

    Args:
        A: (m, T_x, n_A) encoder activations a⟨t'⟩ (n_A = 2·n_a for a bidirectional LSTM).
        W1: (n_d, n_s + n_A) acting on [s⟨t−1⟩; a⟨t'⟩], s first (the course's Concatenate
            order); b1: (n_d,).
        n_s: the decoder state size (W1's first n_s columns act on s).

    Returns:
        P (m, T_x, n_d).
    """
    W1a = W1[:, n_s:]                                          # (n_d, n_A)
    return linear(A, W1a, b1)                                  # (m, T_x, n_d)


def attention_step(s_prev, A, P, W1s, W2, b2, mask=None,
                   activation: str = "relu") -> tuple:
    """One output step's attention: (c⟨t⟩, α⟨t⟩) from s⟨t−1⟩ and the keys P.

    Args:
        s_prev: (m, n_s) the post-attention LSTM's previous state s⟨t−1⟩.
        A: (m, T_x, n_A) encoder activations; P: (m, T_x, n_d) from :func:`attention_keys`.
        W1s: (n_d, n_s), the first n_s columns of W1; W2: (1, n_d); b2: (1,).
        mask: (m, T_x) bool, True at real input positions, or None.
        activation: g of the energies, "relu" (the course's) or "linear".

    Returns:
        (c, α): the context c⟨t⟩ (m, n_A) and the weights α⟨t,·⟩ (m, T_x).
    """
    m, T_x, n_d = P.shape
    q = reshape(linear(s_prev, W1s), m, 1, n_d)                # (m, 1, n_d): W1s·s⟨t−1⟩
    H = tanh(P + q)                                            # (m, T_x, n_d)
    e = reshape(linear(H, W2, b2), m, T_x)                     # (m, T_x)
    if activation == "relu":
        e = relu(e)
    alpha = attention_weights(e, mask)                         # (m, T_x)
    c = matmul(reshape(alpha, m, 1, T_x), A)                   # (m, 1, n_A)
    return reshape(c, m, A.shape[2]), alpha


def additive_attention(s_prev, A, W1, b1, W2, b2, mask=None,
                       activation: str = "relu") -> tuple:
    """The course's one_step_attention: (c⟨t⟩, α⟨t⟩) for one output step.

    e⟨t,t'⟩ = g(W2·tanh(W1·[s⟨t−1⟩; a⟨t'⟩] + b1) + b2), α = softmax_t'(e), c = Σ_t' α a⟨t'⟩.

    Args:
        s_prev: (m, n_s); A: (m, T_x, n_A); W1: (n_d, n_s + n_A); b1: (n_d,);
        W2: (1, n_d); b2: (1,); mask: (m, T_x) bool or None; activation: "relu" or "linear".

    Returns:
        (c (m, n_A), α (m, T_x)).

    Raises:
        ValueError: for shapes that do not fit together, an unknown activation or a bad mask.

    Example:
        >>> c, alpha = additive_attention(s_prev, A, W1, b1, W2, b2)
        >>> alpha.data.sum(axis=1)          # all ones
    """
    s_prev, A, W1 = as_tensor(s_prev), as_tensor(A), as_tensor(W1)
    check_attention_shapes(s_prev.shape, A.shape, W1.shape, np.shape(_data(W2)),
                           "additive_attention", activation)
    n_s = s_prev.shape[1]
    P = attention_keys(A, W1, b1, n_s)
    return attention_step(s_prev, A, P, W1[:, :n_s], W2, b2, mask, activation)


def check_attention_shapes(s_shape, A_shape, W1_shape, W2_shape, where_: str,
                           activation: str) -> None:
    """Raise a ValueError naming ``where_`` when the shapes do not fit together."""
    if activation not in ENERGY_ACTIVATIONS:
        raise ValueError(f"The 'activation' parameter of {where_} must be one of "
                         f"{ENERGY_ACTIVATIONS}. Got {activation!r} instead.")
    if len(A_shape) != 3:
        raise ValueError(f"{where_}: A must have shape (m, T_x, n_A) but got {tuple(A_shape)}")
    m, _, n_A = A_shape
    if len(s_shape) != 2 or s_shape[0] != m:
        raise ValueError(f"{where_}: s_prev must have shape (m, n_s) = ({m}, n_s) but got "
                         f"{tuple(s_shape)}")
    n_s = s_shape[1]
    if len(W1_shape) != 2 or W1_shape[1] != n_s + n_A:
        raise ValueError(f"{where_}: W1 must have shape (n_d, n_s + n_A) = (n_d, {n_s + n_A}) "
                         f"but got {tuple(W1_shape)}")
    if tuple(W2_shape) != (1, W1_shape[0]):
        raise ValueError(f"{where_}: W2 must have shape (1, n_d) = (1, {W1_shape[0]}) but got "
                         f"{tuple(W2_shape)}")


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)
