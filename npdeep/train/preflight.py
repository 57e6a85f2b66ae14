"""fit's checks before the first step, so that a typo fails in a second, not after an hour.

Each check names fit's argument that is wrong and how to fix it. The data checks run one
mini-batch forward in eval mode without a graph, so they change no weight, no running
average and no random draw.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import no_grad
from npdeep.functional.loss import IGNORE_INDEX
from npdeep.tensor import Tensor
from npdeep.train.sources import to_input


def check_callables(loss_fn, optimizer, schedule, callbacks, where: str) -> list:
    """Check fit's function-like arguments; returns the callbacks as a list.

    Raises:
        TypeError: for a loss_fn, schedule or callback that cannot be called as fit calls it,
            or an optimizer without step() and zero_grad().
    """
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn must be a function J(Z, Y) -> scalar Tensor, e.g. "
                        f"npdeep.functional.cross_entropy; got {type(loss_fn).__name__}")
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise TypeError(f"{where}: optimizer must have step() and zero_grad() (an "
                        f"npdeep.optim optimizer); got {type(optimizer).__name__}")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"{where}: schedule must be a function schedule(epoch) -> "
                        f"learning_rate; got {type(schedule).__name__}")
    callbacks = [callbacks] if hasattr(callbacks, "on_epoch_end") else list(callbacks or ())
    for callback in callbacks:
        if not hasattr(callback, "on_epoch_end"):
            raise TypeError(f"{where}: callback {callback!r} has no on_epoch_end(epoch, logs)")
    return callbacks


def check_optimizer_owns_model(model, optimizer, where: str) -> None:
    """Refuse an optimizer that updates none of the model's parameters.

    Such a run (an optimizer built over another model, or over a model built before this one)
    would train nothing and say nothing: the costs stay flat while the other model changes.
    An optimizer over a subset (fine-tuning a head) is of course fine.

    Raises:
        ValueError: naming the optimizer and both parameter counts.
    """
    params = getattr(optimizer, "params", None)
    if params is None:  # a duck-typed optimizer: nothing to compare
        return
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for p in params):
        raise ValueError(f"{where}: the optimizer {type(optimizer).__name__} updates "
                         f"{len(params)} parameters, none of which belong to this "
                         f"{type(model).__name__} ({len(own)} parameters); was it built for "
                         "another model? Build it from this one: "
                         f"{type(optimizer).__name__}(model.parameters(), ...)")


def check_first_batch(model, loss_fn, X_batch, Y_batch, Y_all, name: str, where: str, dtype,
                      metric_fns=()) -> None:
    """Run one mini-batch forward (eval mode, no graph) and check that the labels, the loss
    and the metrics fit the model's output.

    Args:
        X_batch, Y_batch: the first mini-batch.
        Y_all: every label when they are at hand (their range is checked), else Y_batch.
        loss_fn: the cost, or None to skip it (the dev set).

    Raises:
        ValueError/TypeError: labels outside [0, C), one-hot width != C, or the loss or a
            metric rejecting the mini-batch (its message included).
    """
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            Z = model(to_input(X_batch, dtype))
            if isinstance(Z, Tensor) and Z.ndim >= 2:
                _check_labels(Z.shape, np.asarray(Y_all), name, where,
                              _ignore_index(loss_fn))
            if loss_fn is not None:
                try:
                    loss_fn(Z, np.asarray(Y_batch))
                except (ValueError, TypeError) as error:
                    raise type(error)(f"{where}: the loss function rejected the first {name} "
                                      f"mini-batch: {error}") from error
            for metric, fn in metric_fns:
                _check_metric(metric, fn, np.asarray(Y_batch), Z, name, where)
    finally:
        model.train(was_training)


def _ignore_index(loss_fn):
    """The label the loss skips: cross_entropy's ignore_index (a functools.partial's when it
    sets one, PyTorch's -100 by default); padded steps of sequence batches carry it."""
    keywords = getattr(loss_fn, "keywords", None) or {}
    return keywords.get("ignore_index", IGNORE_INDEX)


def _check_labels(Z_shape: tuple, Y: np.ndarray, name: str, where: str,
                  ignore_index=IGNORE_INDEX) -> None:
    C = Z_shape[-1]
    if Y.dtype.kind in "iu" and C > 1 and Y.shape[1:] == Z_shape[1:-1]:
        # The positions labelled ignore_index (padded steps) are skipped by the loss.
        counted = Y if ignore_index is None else Y[Y != ignore_index]
        if counted.size and (counted.min() < 0 or counted.max() >= C):
            raise ValueError(f"{where}: {name} labels must be class indices in [0, {C}) for a "
                             f"model with {C} outputs, but Y holds values from {counted.min()} "
                             f"to {counted.max()}; build the model with n_classes = the number "
                             "of classes")
    if Y.ndim == len(Z_shape) and Y.shape[1:-1] == Z_shape[1:-1] and Y.shape[-1] != C:
        raise ValueError(f"{where}: {name} Y has {Y.shape[-1]} columns (one-hot labels?) but "
                         f"the model outputs {C} values per example; they must match")


def _check_metric(metric: str, fn, Y_batch, Z, name: str, where: str) -> None:
    try:
        value = fn(Y_batch, Z.data if isinstance(Z, Tensor) else Z)
    except (ValueError, TypeError) as error:
        raise type(error)(f"{where}: the metric {metric!r} rejected the first {name} "
                          f"mini-batch: {error}. Pass metrics=() or metrics that fit this "
                          "model's outputs") from error
    if np.ndim(value) != 0:
        raise TypeError(f"{where}: the metric {metric!r} returned an array of shape "
                        f"{np.shape(value)}, but fit logs one number per mini-batch; pass a "
                        "function that returns a float")
