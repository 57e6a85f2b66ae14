"""Transfer learning for CNNs: run a frozen body once, cache its features, train a new head.

Course 3 (week 2) and Course 4 (week 2): with little data, keep a trained network's body
fixed and train only a new softmax head. Since the frozen body gives the same output for an
image every epoch, compute its activations once (and save them to disk) and train the head on
those features: each epoch then costs only the head.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from npdeep.autograd import no_grad
from npdeep.nn.container import Sequential
from npdeep.nn.module import Module
from npdeep.tensor import Tensor
from npdeep.validation import check_int

_CACHE_VERSION = 1


def state_hash(module: Module) -> str:
    """A SHA-256 of every parameter and buffer of ``module`` (names, dtypes, shapes, values)."""
    digest = hashlib.sha256()
    for name, value in module.state_dict().items():
        value = np.ascontiguousarray(value)
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def _array_hash(X: np.ndarray) -> str:
    X = np.ascontiguousarray(X)
    digest = hashlib.sha256(f"{X.dtype.str}|{X.shape}|".encode())
    digest.update(X.tobytes())
    return digest.hexdigest()


def _load_cache(cache_path: str, key: dict):
    """The cached features when the file exists and was made from the same body and X."""
    try:
        with np.load(cache_path, allow_pickle=False) as cache:
            stored = json.loads(str(cache["key"]))
            if stored != key:
                return None
            return cache["features"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # missing, partial or foreign file: compute again and overwrite


def _save_cache(cache_path: str, features: np.ndarray, key: dict) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over the target."""
    folder = os.path.dirname(os.path.abspath(cache_path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".features-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, features=features, key=np.array(json.dumps(key, sort_keys=True)))
        os.replace(tmp, cache_path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def precompute_features(body: Module, X, cache_path: str | None = None,
                        mini_batch_size: int = 256) -> np.ndarray:
    """The activations body(X), computed once in inference mode without a graph.

    Args:
        body: the frozen part of a network (e.g. ``model[:-1]``). It is run in eval mode
            (batch norm uses its running averages, dropout is off) and its mode is restored.
        X: (m, ...) inputs, e.g. (m, n_H, n_W, n_C) images.
        cache_path: optional .npz file. When it exists and was made by a body with the same
            weights from the same X (a SHA-256 of both is stored in it), it is read instead of
            running the body; otherwise the features are computed and written there
            atomically (a crash never leaves a half-written cache).
        mini_batch_size: examples per forward pass, to bound memory.

    Returns:
        features: (m, ...) ndarray, the body's output for every example, in order.

    Raises:
        ValueError: for an empty X or a mini_batch_size < 1.

    Example:
        >>> body = model[:-1].freeze()
        >>> features = precompute_features(body, X_train, "runs/features_train.npz")
        >>> head = nn.Linear(features.shape[1], 5)
    """
    X = X.data if isinstance(X, Tensor) else np.asarray(X)
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", "precompute_features")
    if X.ndim == 0 or X.shape[0] == 0:
        raise ValueError(f"precompute_features expected X of shape (m, ...) with m >= 1 but "
                         f"got {X.shape}")
    key = None
    if cache_path is not None:
        key = {"version": _CACHE_VERSION, "body": state_hash(body), "X": _array_hash(X),
               "X_shape": list(X.shape)}
        cached = _load_cache(cache_path, key)
        if cached is not None:
            return cached
    was_training = body.training
    body.eval()
    outputs = []
    try:
        with no_grad():
            for start in range(0, X.shape[0], mini_batch_size):
                out = body(Tensor(X[start:start + mini_batch_size]))
                outputs.append(out.data if isinstance(out, Tensor) else np.asarray(out))
    finally:
        body.train(was_training)
    features = np.concatenate(outputs, axis=0)
    if cache_path is not None:
        _save_cache(cache_path, features, key)
    return features


def replace_head(model: Sequential, new_head: Module, n_layers: int = 1) -> Sequential:
    """Replace the last ``n_layers`` layers of a Sequential by ``new_head``, in place.

    The classic transfer-learning step: keep the body's layers (and weights), put a new
    softmax head for the new task's classes.

    Args:
        model: a Sequential.
        new_head: the layer (or Sequential) to put at the end.
        n_layers: how many of the model's last layers make up the old head.

    Returns:
        The same model, now ending in new_head.

    Raises:
        TypeError: when model is not a Sequential or new_head not a Module.
        ValueError: when n_layers is not in 1..len(model).
    """
    if not isinstance(model, Sequential):
        raise TypeError("replace_head works on an nn.Sequential model. Got "
                        f"{type(model).__name__} instead; assign the new head to its attribute")
    if not isinstance(new_head, Module):
        raise TypeError(f"replace_head: new_head must be a Module. Got "
                        f"{type(new_head).__name__} instead.")
    n_layers = check_int(n_layers, "n_layers", "replace_head", 1, len(model))
    keys = list(model._modules)
    for key in keys[len(keys) - n_layers:]:
        del model._modules[key]
        object.__delattr__(model, key)
    model.append(new_head)
    return model
