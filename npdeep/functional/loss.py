"""Cost functions J: cross-entropy (binary and softmax), mean squared error, and the L2 term.

Every loss checks that predictions and labels have matching shapes: (m, 1) against (m, m)
would otherwise broadcast into a wrong cost without any error.
"""
from __future__ import annotations

import warnings

import numpy as np

from npdeep.autograd import Function
from npdeep.functional.activation import Sigmoid, Softmax, stable_sigmoid
from npdeep.tensor import Tensor, as_tensor

_REDUCTIONS = ("mean", "sum", "none")
# The label that cross_entropy skips by default: PyTorch's default ignore_index.
IGNORE_INDEX = -100

# The losses that have warned that they were given probabilities: each warns once per process.
_warned_probabilities: set = set()


def _looks_like_softmax_output(Z: Tensor) -> bool:
    """Whether Z holds probabilities: made by softmax, or (no graph) rows in [0, 1] summing to 1.

    The graph answers for free during training. Without one (inference under no_grad, or a
    plain array) the values decide; real logits hardly ever have every row in [0, 1] summing
    to 1. The first row is tested before the whole array so that logits cost O(C).
    """
    if isinstance(getattr(Z, "grad_fn", None), Softmax):
        return True
    if getattr(Z, "grad_fn", None) is not None or Z.ndim < 1 or Z.shape[-1] < 2 or Z.size == 0:
        return False
    data = Z.data if isinstance(Z, Tensor) else np.asarray(Z)
    tolerance = 1e-3 if data.dtype == np.float32 else 1e-6
    for rows in (data.reshape(-1, data.shape[-1])[:1], data):
        if (rows.min() < 0 or rows.max() > 1
                or not np.allclose(rows.sum(axis=-1), 1, rtol=0, atol=tolerance)):
            return False
    return True


def _warn_probabilities(where: str, message: str) -> None:
    if where not in _warned_probabilities:
        _warned_probabilities.add(where)
        # stacklevel 3: the line that called the loss, not this helper or the loss itself.
        warnings.warn(f"{where}: {message} (shown once)", UserWarning, stacklevel=3)


def _labels_like(Y, A: Tensor, where: str) -> np.ndarray:
    """Y as an array of A's shape and dtype; (m,) labels are accepted for (m, 1) outputs."""
    Y = Y.data if isinstance(Y, Tensor) else np.asarray(Y)
    if Y.dtype.kind not in "fiub":
        raise TypeError(f"{where}: labels must be numbers; got dtype {Y.dtype}")
    if Y.shape != A.shape and A.ndim == 2 and A.shape[1] == 1 and Y.shape == (A.shape[0],):
        Y = Y.reshape(A.shape)
    if Y.shape != A.shape:
        raise ValueError(f"{where}: predictions have shape {A.shape} but labels Y have shape "
                         f"{Y.shape}; they must match (m examples, one label per output)")
    return Y.astype(A.dtype, copy=False)


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(loss.mean())
    if reduction == "sum":
        return np.asarray(loss.sum())
    return loss


def _check_reduction(reduction: str, where: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"The 'reduction' parameter of {where} must be one of {_REDUCTIONS}. "
                         f"Got {reduction!r} instead.")


def _reduced_grad(dJ: np.ndarray, reduction: str, size: int) -> np.ndarray:
    """dJ/d(loss_i) for each element: 1/size for the mean, 1 for the sum, dJ_i for none."""
    return dJ / size if reduction == "mean" else dJ


class BinaryCrossEntropy(Function):
    @staticmethod
    def forward(ctx, A, Y, reduction="mean"):
        # NOTE: log(0) = −inf; clipping a to [eps, 1 − eps] keeps the cost finite when a
        # saturates (PyTorch clamps the log at −100 for the same reason).
        eps = np.finfo(A.dtype).eps
        A_safe = np.clip(A, eps, 1 - eps)
        ctx.A, ctx.Y, ctx.reduction = A_safe, Y, reduction
        loss = -(Y * np.log(A_safe) + (1 - Y) * np.log(1 - A_safe))
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, dJ):
        A, Y = ctx.A, ctx.Y
        dA = (A - Y) / (A * (1 - A))  # −y/a + (1 − y)/(1 − a)
        return _reduced_grad(dJ, ctx.reduction, A.size) * dA, None


class BinaryCrossEntropyWithLogits(Function):
    @staticmethod
    def forward(ctx, Z, Y, reduction="mean"):
        ctx.A, ctx.Y, ctx.reduction = stable_sigmoid(Z), Y, reduction
        # −[y log σ(z) + (1 − y) log(1 − σ(z))] = max(z, 0) − z·y + log(1 + e^(−|z|)),
        # which never takes the log of 0 or the exp of a large number.
        loss = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, dJ):
        return _reduced_grad(dJ, ctx.reduction, ctx.A.size) * (ctx.A - ctx.Y), None


class CrossEntropy(Function):
    """Softmax and cross-entropy fused: dZ = (ŷ − y)/m, the course's softmax backward."""

    @staticmethod
    def forward(ctx, Z, Y, reduction="mean", counted=None):
        # counted: None (every label counts) or a boolean mask of Y's shape, False where the
        # label is ignore_index; those entries add nothing to J and get no gradient.
        shifted = Z - Z.max(axis=-1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=-1, keepdims=True)
        log_probs = shifted - np.log(sum_exp)
        if Y.ndim == Z.ndim:  # one-hot (or soft) labels
            loss = -(Y * log_probs).sum(axis=-1)
        else:
            if counted is not None:
                Y = np.where(counted, Y, 0)  # any valid index; its loss is zeroed below
            loss = -np.take_along_axis(log_probs, Y[..., None], axis=-1)[..., 0]
        exp /= sum_exp  # ŷ, kept for backward
        ctx.Y_hat, ctx.Y, ctx.reduction, ctx.counted = exp, Y, reduction, counted
        if counted is None:
            return _reduce(loss, reduction)
        loss *= counted
        if reduction == "mean":
            # NOTE: the mean is over the counted entries only (PyTorch's meaning); with none
            # counted it is 0/0 = nan, as in PyTorch.
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(loss.sum() / counted.sum())
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, dJ):
        Y_hat, Y, counted = ctx.Y_hat, ctx.Y, ctx.counted
        dZ = Y_hat.copy()
        if Y.ndim == Y_hat.ndim:
            dZ -= Y
        else:
            np.put_along_axis(dZ, Y[..., None],
                              np.take_along_axis(dZ, Y[..., None], axis=-1) - 1, axis=-1)
        size = Y_hat.size // Y_hat.shape[-1] if counted is None else int(counted.sum())
        scale = _reduced_grad(dJ, ctx.reduction, max(size, 1))
        if counted is not None:
            scale = scale * counted  # exactly zero where the label is ignored
        if ctx.reduction == "none" or counted is not None:
            scale = scale[..., None]
        dZ *= scale
        return dZ, None


class MSELoss(Function):
    @staticmethod
    def forward(ctx, A, Y, reduction="mean"):
        ctx.diff, ctx.reduction = A - Y, reduction
        return _reduce(ctx.diff ** 2, reduction)

    @staticmethod
    def backward(ctx, dJ):
        return _reduced_grad(dJ, ctx.reduction, ctx.diff.size) * 2 * ctx.diff, None


def binary_cross_entropy(A: Tensor, Y, reduction: str = "mean") -> Tensor:
    """J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] for probabilities a = σ(z).

    Args:
        A: (m, 1) or (m,) probabilities in (0, 1) (or (m, k) for k independent outputs).
        Y: labels in {0, 1} of A's shape ((m,) is accepted for A of shape (m, 1)).
        reduction: "mean" (over all entries), "sum" or "none".
    """
    _check_reduction(reduction, "binary_cross_entropy")
    A = as_tensor(A)
    return BinaryCrossEntropy.apply(A, _labels_like(Y, A, "binary_cross_entropy"),
                                    reduction=reduction)


def binary_cross_entropy_with_logits(Z: Tensor, Y, reduction: str = "mean") -> Tensor:
    """binary_cross_entropy(σ(Z), Y), computed from the logits z without overflow.

    Args:
        Z: (m, 1) or (m,) logits; Y: labels of Z's shape.

    Warns:
        UserWarning (once): when Z was made by sigmoid (a model ending in a Sigmoid layer).
    """
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    Z = as_tensor(Z)
    # NOTE: only the graph is trusted here: logits in (0, 1) are common, so values prove nothing.
    if isinstance(getattr(Z, "grad_fn", None), Sigmoid):
        _warn_probabilities(
            "binary_cross_entropy_with_logits",
            "Z comes from a sigmoid, but this loss takes logits z and applies the sigmoid "
            "itself, so it would compute σ(σ(z)); remove the Sigmoid layer at the end of the "
            "model (or use binary_cross_entropy on the probabilities)")
    return BinaryCrossEntropyWithLogits.apply(
        Z, _labels_like(Y, Z, "binary_cross_entropy_with_logits"), reduction=reduction)


def cross_entropy(Z: Tensor, Y, reduction: str = "mean",
                  ignore_index: int | None = IGNORE_INDEX) -> Tensor:
    """Softmax cross-entropy J = −(1/m) Σ_i Σ_k y_k log ŷ_k with ŷ = softmax(z), from logits.

    Args:
        Z: (m, C) logits (more leading axes allowed, e.g. (m, T_y, C)).
        Y: (m,) integer labels in [0, C), or (m, C) one-hot rows.
        reduction: "mean" (over examples), "sum" or "none".
        ignore_index: an integer label that does not count, as in PyTorch (default -100):
            its entries add 0 to J (0 in "none"), get exactly zero gradient, and "mean"
            divides by the number of the other entries (nan when none counts). Used for
            the padded steps of a batch of sequences. None: every label counts. Only for
            integer labels.

    Raises:
        ValueError: for labels outside [0, C) (other than ignore_index), non-integer labels,
            or mismatched shapes.

    Warns:
        UserWarning (once): when Z are probabilities (Z made by softmax, e.g. a model ending in
        a Softmax layer): cross_entropy applies the softmax itself, so it would compute
        softmax(softmax(z)), whose gradients are much smaller.
    """
    _check_reduction(reduction, "cross_entropy")
    Z = as_tensor(Z)
    if _looks_like_softmax_output(Z):
        _warn_probabilities(
            "cross_entropy",
            "Z looks like probabilities (a softmax output: rows in [0, 1] summing to 1), but "
            "cross_entropy takes logits z and applies softmax itself, so it would compute "
            "softmax(softmax(z)) and learn slowly; remove the Softmax layer at the end of the "
            "model and pass its input (the logits)")
    if ignore_index is not None and (isinstance(ignore_index, bool)
                                     or not isinstance(ignore_index, (int, np.integer))):
        raise TypeError(f"The 'ignore_index' parameter of cross_entropy must be an int or "
                        f"None. Got {ignore_index!r} instead.")
    Y = Y.data if isinstance(Y, Tensor) else np.asarray(Y)
    C = Z.shape[-1]
    counted = None
    if Y.shape == Z.shape:
        Y = Y.astype(Z.dtype, copy=False)
    elif Y.shape == Z.shape[:-1]:
        if Y.dtype.kind == "f":
            if not np.all(Y == np.round(Y)):
                raise ValueError("cross_entropy: integer class labels expected; got "
                                 "non-integer values")
        elif Y.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: labels must be integers; got dtype {Y.dtype}")
        Y = Y.astype(np.intp, copy=False)
        if ignore_index is not None:
            counted = Y != ignore_index
            if counted.all():
                counted = None  # the common case keeps the plain (faster) path
        checked = Y if counted is None else Y[counted]
        if checked.size and (checked.min() < 0 or checked.max() >= C):
            ignored = "" if ignore_index is None else f" (ignore_index={ignore_index} aside)"
            raise ValueError(f"cross_entropy: labels must lie in [0, C) = [0, {C}); got values "
                             f"from {checked.min()} to {checked.max()}{ignored}")
    else:
        raise ValueError(f"cross_entropy: logits have shape {Z.shape}, so Y must have shape "
                         f"{Z.shape[:-1]} (integer labels) or {Z.shape} (one-hot), but got "
                         f"{Y.shape}")
    return CrossEntropy.apply(Z, Y, reduction=reduction, counted=counted)


def mse_loss(A: Tensor, Y, reduction: str = "mean") -> Tensor:
    """Mean squared error J = (1/n) Σ (a − y)² over all entries."""
    _check_reduction(reduction, "mse_loss")
    A = as_tensor(A)
    return MSELoss.apply(A, _labels_like(Y, A, "mse_loss"), reduction=reduction)


def l2_penalty(weights, lambd: float, m: int) -> Tensor:
    """The course's L2 regularization term λ/(2m) · Σ_l ‖W[l]‖²_F.

    Args:
        weights: the weight tensors W[l] (not the biases).
        lambd: λ, the regularization strength.
        m: the number of training examples in the cost's average.
    """
    weights = list(weights)
    if m <= 0:
        raise ValueError(f"l2_penalty: m must be >= 1. Got {m} instead.")
    if not weights:
        raise ValueError("l2_penalty: expected at least one weight tensor")
    total = (weights[0] * weights[0]).sum()
    for W in weights[1:]:
        total = total + (W * W).sum()
    return total * (lambd / (2 * m))
