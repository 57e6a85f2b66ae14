"""evaluate and predict: a trained model's outputs and figures, in eval mode without a graph.

Eval mode turns dropout off and makes batch norm use its running averages (the course's
"at test time"); ``no_grad`` keeps no graph, so memory holds one mini-batch's activations.
"""
from __future__ import annotations

import numpy as np

from npdeep.autograd import no_grad
from npdeep.data.minibatch import ArrayDataset, DataLoader
from npdeep.tensor import Tensor
from npdeep.train.metric_names import resolve_metrics
from npdeep.train.sources import EVAL_MINI_BATCH_SIZE, as_array, as_loader, model_dtype, to_input
from npdeep.validation import check_int


def outputs(model, batches, dtype) -> tuple:
    """Run ``model`` over (X_batch, Y_batch) pairs: (Z, Y) concatenated over the batches (Y is
    None when the batches carry no labels). The caller sets eval mode."""
    Z_parts, Y_parts = [], []
    with no_grad():
        for X_batch, Y_batch in batches:
            Z = model(to_input(X_batch, dtype))
            Z_parts.append(Z.data if isinstance(Z, Tensor) else np.asarray(Z))
            if Y_batch is not None:
                Y_parts.append(np.asarray(Y_batch))
    Z = np.concatenate(Z_parts) if len(Z_parts) > 1 else Z_parts[0]
    Y = None
    if Y_parts:
        Y = np.concatenate(Y_parts) if len(Y_parts) > 1 else Y_parts[0]
    return Z, Y


def evaluate_source(model, source, metric_fns, loss_fn, dtype) -> dict:
    """{"cost": J, name: value, ...} as plain floats over every batch of ``source``."""
    was_training = model.training
    model.eval()
    try:
        Z, Y = outputs(model, source, dtype)
        results = {}
        if loss_fn is not None:
            with no_grad():
                results["cost"] = float(loss_fn(Tensor(Z), Y).data)
        for name, fn in metric_fns:
            results[name] = float(fn(Y, Z))
        return results
    finally:
        model.train(was_training)


def predict(model, X, mini_batch_size: int = EVAL_MINI_BATCH_SIZE) -> np.ndarray:
    """The model's outputs for X, computed in eval mode without a graph, in mini-batches.

    Args:
        model: a Module.
        X: (m, ...) inputs (an ndarray or Tensor); m = 0 gives an empty output.
        mini_batch_size: examples per forward pass (bounds the memory used).

    Returns:
        (m, ...) outputs, e.g. (m, C) logits: take ``.argmax(axis=1)`` for class labels.

    Example:
        >>> labels = npdeep.predict(model, X_test).argmax(axis=1)   # (m,)
    """
    check_int(mini_batch_size, "mini_batch_size", "predict", 1)
    X = as_array(X)
    if X.ndim == 0:
        raise ValueError(f"predict: X must have a first axis of m examples; got shape {X.shape}")
    dtype = model_dtype(model)
    was_training = model.training
    model.eval()
    try:
        if len(X) == 0:
            # The output's shape per example comes from one zero example: no layer has to
            # support m = 0, and (0, C) stays (0, C) for the caller's argmax or concatenate.
            Z, _ = outputs(model, [(np.zeros((1,) + X.shape[1:], X.dtype), None)], dtype)
            return Z[:0]
        loader = DataLoader(ArrayDataset(X), mini_batch_size=mini_batch_size, shuffle=False)
        Z, _ = outputs(model, loader, dtype)
    finally:
        model.train(was_training)
    return Z


def evaluate(model, data, metrics=("accuracy",), loss_fn=None,
             mini_batch_size: int = EVAL_MINI_BATCH_SIZE) -> dict:
    """Cost and metrics of ``model`` on ``data``, in eval mode (dropout off, batch norm's
    running averages) without recording a graph.

    Args:
        model: a Module.
        data: an (X, Y) pair or a DataLoader.
        metrics: names ("accuracy", "precision", "recall", "f1") or functions
            fn(y_true, y_pred) -> float.
        loss_fn: the cost J(Z, Y); included as "cost" when given.
        mini_batch_size: examples per forward pass (for (X, Y) pairs).

    Returns:
        {"cost": J, "accuracy": ..., ...} as plain floats.

    Raises:
        ValueError: for an empty data set, X and Y of different m, or an unknown metric name.
    """
    where = "evaluate"
    check_int(mini_batch_size, "mini_batch_size", where, 1)
    metric_fns = resolve_metrics(metrics, where)
    dtype = model_dtype(model)
    source = as_loader(data, "data", where, dtype, mini_batch_size, shuffle=False)
    return evaluate_source(model, source, metric_fns, loss_fn, dtype)
