"""Gradient clipping, against exploding gradients (the course's RNN assignments clip to [−5, 5]).

Two rules, applied after backward and before ``optimizer.step()`` (by hand, or by
``npdeep.fit(..., clip_value=, clip_norm=)``):

- by value (the course's ``clip``): every entry of every gradient to [−clip_value, clip_value];
  cheap, but it changes the direction of the step;
- by global norm (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent
  neural networks", §3.2): all gradients rescaled together when ‖g‖₂ > max_norm, which keeps
  the direction.

The course's dictionary version for its NumPy loops is :func:`npdeep.reference.clip`.
"""
from __future__ import annotations

import math

import numpy as np

from npdeep.tensor import Tensor
from npdeep.validation import check_positive


def _with_grads(params, where: str) -> list:
    """The parameters that have a gradient, from an iterable of Parameters or one Tensor."""
    if isinstance(params, Tensor):  # one tensor, as torch.nn.utils accepts
        params = [params]
    elif hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(f"{where} takes the parameters, not the model: pass "
                        "model.parameters()")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{where} expected an iterable of Parameters, got "
                        f"{type(params).__name__}") from None
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{where} expected an iterable of Parameters, but it holds a "
                            f"{type(p).__name__}")
    return [p for p in params if p.grad is not None]


def clip_grad_value(params, clip_value: float) -> None:
    """Clip every gradient entry to [−clip_value, clip_value] (the course's ``clip``).

    dθ := min(max(dθ, −clip_value), clip_value), entry by entry.

    Each ``p.grad`` is replaced by a new array (never modified in place: gradient arrays may
    share memory with other tensors' gradients). Parameters without a gradient are skipped;
    NaN entries stay NaN.

    Args:
        params: an iterable of Parameters (e.g. ``model.parameters()``), or one Parameter.
        clip_value: > 0, e.g. 5 as in the course's Dinosaur Island assignment.

    Raises:
        ValueError: for a clip_value that is not a finite number > 0.
        TypeError: for a model instead of its parameters.

    Example:
        >>> J.backward()
        >>> optim.clip_grad_value(model.parameters(), 5.0)
        >>> optimizer.step()
    """
    clip_value = check_positive(clip_value, "clip_value", "clip_grad_value")
    for p in _with_grads(params, "clip_grad_value"):
        p.grad = np.clip(p.grad, -clip_value, clip_value)


def clip_grad_norm(params, max_norm: float, error_if_nonfinite: bool = False) -> float:
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    total_norm = √(Σ_p ‖dp‖²) over all parameters; when it exceeds max_norm every gradient
    is multiplied by max_norm / (total_norm + 1e-6) (PyTorch's guard against dividing by a
    tiny norm), which keeps the direction of the whole step. Each ``p.grad`` is replaced by a
    new array, never modified in place; below max_norm nothing is touched.

    NOTE: the squares are summed in float64 even for float32 gradients, so an exploding
    gradient of entries ~1e20 gives its true norm (~1e20·√n) instead of overflowing to inf
    (where PyTorch's float32 norm is inf and its clipping zeroes every gradient).

    Args:
        params: an iterable of Parameters (e.g. ``model.parameters()``), or one Parameter.
        max_norm: > 0.
        error_if_nonfinite: raise when the total norm is NaN or inf (a NaN gradient cannot be
            rescaled); otherwise such gradients are left as they are and the norm returned.

    Returns:
        total_norm: the global norm BEFORE clipping (a float), as PyTorch returns it: useful
        to log, and to see whether clipping acted.

    Raises:
        ValueError: for a max_norm that is not a finite number > 0.
        FloatingPointError: with error_if_nonfinite, for a NaN or infinite total norm.
        TypeError: for a model instead of its parameters.

    Example:
        >>> J.backward()
        >>> norm = optim.clip_grad_norm(model.parameters(), max_norm=1.0)
        >>> optimizer.step()
    """
    max_norm = check_positive(max_norm, "max_norm", "clip_grad_norm")
    params = _with_grads(params, "clip_grad_norm")
    total = 0.0
    for p in params:
        g = np.ravel(p.grad).astype(np.float64, copy=False)
        total += float(np.dot(g, g))
    total_norm = math.sqrt(total)
    if not math.isfinite(total_norm):
        if error_if_nonfinite:
            raise FloatingPointError(
                f"clip_grad_norm: the total norm of the gradients is {total_norm}, so they "
                "cannot be rescaled; a NaN or inf came out of backward (lower the learning "
                "rate, or look for log(0) or a division by zero in the loss)")
        return total_norm
    if total_norm > max_norm:
        scale = max_norm / (total_norm + 1e-6)
        for p in params:
            p.grad = p.grad * np.asarray(scale, dtype=p.grad.dtype)
    return total_norm
