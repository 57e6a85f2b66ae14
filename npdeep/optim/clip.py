"""Gradient clipping, against exploding gradients (the course's RNN assignments clip to [−5, 5])."""
from __future__ import annotations

import math

import numpy as np

from npdeep.validation import check_positive


def _with_grads(params) -> list:
    return [p for p in params if p.grad is not None]


def clip_grad_value(params, clip_value: float) -> None:
    """Clip every gradient entry to [−clip_value, clip_value].

    Each ``p.grad`` is replaced by a new array (never modified in place: gradient arrays may
    share memory with other tensors' gradients). Parameters without a gradient are skipped.

    Args:
        params: an iterable of Parameters.
        clip_value: > 0.
    """
    clip_value = check_positive(clip_value, "clip_value", "clip_grad_value")
    for p in _with_grads(params):
        p.grad = np.clip(p.grad, -clip_value, clip_value)


def clip_grad_norm(params, max_norm: float) -> float:
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    total_norm = √(Σ_p ‖dp‖²) over all parameters; when it exceeds max_norm every gradient
    is multiplied by max_norm / total_norm, which keeps the direction of the whole step.
    Each ``p.grad`` is replaced by a new array, never modified in place.

    Args:
        params: an iterable of Parameters.
        max_norm: > 0.

    Returns:
        total_norm: the norm before clipping (a float), useful to log.
    """
    max_norm = check_positive(max_norm, "max_norm", "clip_grad_norm")
    params = _with_grads(params)
    total = 0.0
    for p in params:
        g = p.grad.ravel()
        total += float(np.dot(g, g))
    total_norm = math.sqrt(total)
    if total_norm > max_norm:
        scale = max_norm / (total_norm + 1e-6)  # the 1e-6 guards the division (as PyTorch)
        for p in params:
            p.grad = p.grad * scale
    return total_norm
