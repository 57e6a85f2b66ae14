"""The training loop: fit, evaluate and predict.

``fit`` is the course's optimization loop made safe to leave running::

    for epoch in range(epochs):
        α = schedule(epoch)                                  # learning-rate decay
        for (X_batch, Y_batch) in shuffled mini-batches:     # npdeep's RNG shuffles
            Z = model(X_batch); J = loss_fn(Z, Y_batch)      # forward, cost
            J.backward(); optimizer.step()                   # backward, update
        evaluate on the dev set (eval mode, no graph); callbacks; checkpoint

It checks its inputs before the first step (so a typo fails in a second, not after an
hour), stops with a :class:`TrainingDivergedError` naming the epoch and mini-batch when the cost
turns NaN/inf, and with ``checkpoint_dir`` saves everything needed to continue — weights,
optimizer moments, the RNG state, the History, the position in the epoch — atomically after
every epoch and on Ctrl-C. ``resume=True`` continues from there to the same final weights,
bit for bit, as a run that was never interrupted.
"""
from __future__ import annotations

import json
import math
import os
import signal
import sys
import tempfile
import threading

import numpy as np

from npdeep import backend
from npdeep.autograd import no_grad
from npdeep.tensor import Tensor
from npdeep.train.checkpoint import (FORMAT_KEY, MODEL_PREFIX, load_state_into,
                                     read_safetensors, write_safetensors)
from npdeep.train.history import History
from npdeep.validation import check_int

CHECKPOINT_NAME = "checkpoint.safetensors"
OPTIMIZER_PREFIX = "optimizer/"
CALLBACK_PREFIX = "callback/"
EVAL_MINI_BATCH_SIZE = 1024


class TrainingDivergedError(FloatingPointError):
    """The cost became NaN or infinite during training."""


# ---------------------------------------------------------------------------- helpers

def _model_dtype(model) -> np.dtype | None:
    for p in model.parameters():
        return p.data.dtype
    return None


def _as_array(data) -> np.ndarray | None:
    if data is None:
        return None
    return np.asarray(data.data if isinstance(data, Tensor) else data)


def _is_pair(data) -> bool:
    return isinstance(data, (tuple, list)) and len(data) == 2


def _prepare_pair(data, name: str, where: str, dtype) -> tuple:
    """(X, Y) as arrays, X in the model's floating dtype (cast once, not per mini-batch)."""
    X, Y = _as_array(data[0]), _as_array(data[1])
    if X.ndim == 0 or Y.ndim == 0 or len(X) != len(Y):
        raise ValueError(f"{where}: {name} X and Y must hold the same number of examples m "
                         f"(their first axis), but X has shape {X.shape} and Y has shape "
                         f"{Y.shape}")
    if len(X) == 0:
        raise ValueError(f"{where}: the {name} set is empty (X has shape {X.shape})")
    if X.dtype.kind == "f" and dtype is not None and X.dtype != dtype:
        X = X.astype(dtype)
    if X.dtype.kind == "f" and not math.isfinite(X.sum(dtype=np.float64)):
        # NOTE: a float64 sum is finite exactly when every entry is (short of 1e308 overflow),
        # so the common, clean case costs one pass and no temporary array.
        bad = ~np.isfinite(X)
        rows = np.flatnonzero(bad.reshape(len(X), -1).any(axis=1))
        raise ValueError(f"{where}: {name} X contains {int(bad.sum())} NaN/inf values, in "
                         f"{len(rows)} examples (first at row {rows[0]}); remove or impute "
                         "them before training")
    return X, Y


def _check_source(data, name: str, where: str, dtype):
    """An (X, Y) pair becomes arrays; a DataLoader (any re-iterable with len) passes."""
    if _is_pair(data):
        return _prepare_pair(data, name, where, dtype)
    if hasattr(data, "__iter__") and hasattr(data, "__len__") and not isinstance(
            data, (np.ndarray, Tensor, tuple, list, dict, str)):
        if len(data) == 0:
            raise ValueError(f"{where}: the {name} loader yields no mini-batches")
        return data
    raise TypeError(f"{where}: {name} must be an (X, Y) pair of arrays or a DataLoader; got "
                    f"{type(data).__name__}")


def _restore_rng_state(state: dict) -> None:
    """Put ``state`` into npdeep's generator, in place when the bit generator matches.

    In place matters: a DataLoader or transform that holds ``backend.rng()`` keeps drawing from
    the same object, so it sees the restored state too.
    """
    generator = backend.rng()
    if type(generator.bit_generator).__name__ == state.get("bit_generator"):
        generator.bit_generator.state = state
    else:
        backend.set_rng_state(state)


def _first_batch(source, mini_batch_size: int):
    """One mini-batch for the pre-flight checks; the RNG is left exactly as it was."""
    if isinstance(source, tuple):
        return source[0][:mini_batch_size], source[1][:mini_batch_size]
    rng_state = backend.get_rng_state()
    try:
        return next(iter(source))
    finally:
        _restore_rng_state(rng_state)


def _to_input(X_batch: np.ndarray, dtype) -> Tensor:
    if X_batch.dtype.kind == "f" and dtype is not None and X_batch.dtype != dtype:
        X_batch = X_batch.astype(dtype)
    return Tensor(X_batch)


def _check_labels(model, loss_fn, X_batch, Y_batch, Y_all, name: str, where: str, dtype,
                  metric_fns=()):
    """Run one mini-batch forward (eval mode, no graph) and check the labels fit the output."""
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            Z = model(_to_input(np.asarray(X_batch), dtype))
            if isinstance(Z, Tensor) and Z.ndim >= 2:
                C = Z.shape[-1]
                Y = np.asarray(Y_all)
                if (Y.dtype.kind in "iu" and C > 1 and Y.shape[1:] == Z.shape[1:-1]
                        and Y.size and (Y.min() < 0 or Y.max() >= C)):
                    raise ValueError(
                        f"{where}: {name} labels must be class indices in [0, {C}) for a model "
                        f"with {C} outputs, but Y holds values from {Y.min()} to {Y.max()}; "
                        "build the model with n_classes = the number of classes")
                if Y.ndim == Z.ndim and Y.shape[1:-1] == Z.shape[1:-1] and Y.shape[-1] != C:
                    raise ValueError(
                        f"{where}: {name} Y has {Y.shape[-1]} columns (one-hot labels?) but "
                        f"the model outputs {C} values per example; they must match")
            if loss_fn is not None:
                try:
                    loss_fn(Z, np.asarray(Y_batch))
                except (ValueError, TypeError) as error:
                    raise type(error)(f"{where}: the loss function rejected the first {name} "
                                      f"mini-batch: {error}") from error
            for metric, fn in metric_fns:
                try:
                    fn(np.asarray(Y_batch), Z.data if isinstance(Z, Tensor) else Z)
                except (ValueError, TypeError) as error:
                    raise type(error)(f"{where}: the metric {metric!r} rejected the first "
                                      f"{name} mini-batch: {error}. Pass metrics=() or metrics "
                                      "that fit this model's outputs") from error
    finally:
        model.train(was_training)


def _probe_folder(folder, where: str) -> None:
    """Create ``folder`` and prove it is writable with a probe file, before any training."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"{where}: cannot write checkpoints to '{folder}' ({error}); pass a "
                         "writable checkpoint_dir") from error


def _resolve_metrics(metrics, where: str) -> list:
    """[(name, fn(y_true, y_pred) -> float)] from names in npdeep.metrics or callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved = []
    for metric in metrics or ():
        if callable(metric):
            resolved.append((getattr(metric, "__name__", "metric"), metric))
            continue
        from npdeep import metrics as metrics_module
        fn = getattr(metrics_module, str(metric), None)
        if not callable(fn):
            raise ValueError(f"{where}: unknown metric {metric!r}; pass a name from "
                             "npdeep.metrics (e.g. 'accuracy') or a function "
                             "fn(y_true, y_pred) -> float")
        resolved.append((str(metric), fn))
    return resolved


def _batch_metric(fn, Y_batch: np.ndarray, Z) -> float:
    """fn(Y_batch, Z) for one training mini-batch, with a fast path for accuracy on logits.

    The general accuracy validates and converts its inputs, which costs more than the argmax
    itself on a small mini-batch; the fast path gives the same number for the common case,
    integer labels (m,) against logits (m, C).
    """
    Z = Z.data if isinstance(Z, Tensor) else Z
    if (fn is _accuracy() and Z.ndim == 2 and Z.shape[1] > 1 and Y_batch.ndim == 1
            and Y_batch.dtype.kind in "iu"):
        return np.count_nonzero(Z.argmax(axis=1) == Y_batch) / len(Y_batch)
    return float(fn(Y_batch, Z))


def _accuracy():
    from npdeep.metrics import accuracy
    return accuracy


def _outputs(model, batches, dtype) -> tuple:
    """Run ``model`` over (X_batch, Y_batch) pairs; (outputs, labels) concatenated."""
    outputs, labels = [], []
    with no_grad():
        for X_batch, Y_batch in batches:
            Z = model(_to_input(np.asarray(X_batch), dtype))
            outputs.append(Z.data if isinstance(Z, Tensor) else np.asarray(Z))
            if Y_batch is not None:
                labels.append(np.asarray(Y_batch))
    Z = np.concatenate(outputs) if len(outputs) > 1 else outputs[0]
    Y = None
    if labels:
        Y = np.concatenate(labels) if len(labels) > 1 else labels[0]
    return Z, Y


def _slices(X, Y, mini_batch_size: int):
    for start in range(0, len(X), mini_batch_size):
        yield X[start:start + mini_batch_size], (
            None if Y is None else Y[start:start + mini_batch_size])


def _evaluate(model, source, metric_fns, loss_fn, mini_batch_size, dtype) -> dict:
    was_training = model.training
    model.eval()
    try:
        if isinstance(source, tuple):
            Z, Y = _outputs(model, _slices(source[0], source[1], mini_batch_size), dtype)
        else:
            Z, Y = _outputs(model, source, dtype)
        results = {}
        if loss_fn is not None:
            with no_grad():
                results["cost"] = float(loss_fn(Tensor(Z), Y).data)
        for name, fn in metric_fns:
            results[name] = float(fn(Y, Z))
        return results
    finally:
        model.train(was_training)


# ---------------------------------------------------------------------------- public
def predict(model, X, mini_batch_size: int = EVAL_MINI_BATCH_SIZE) -> np.ndarray:
    """The model's outputs for X, computed in eval mode without a graph, in mini-batches.

    Args:
        model: a Module.
        X: (m, ...) inputs (an ndarray or Tensor).
        mini_batch_size: examples per forward pass (bounds the memory used).

    Returns:
        (m, ...) outputs, e.g. (m, C) logits: take ``.argmax(axis=1)`` for class labels.
    """
    check_int(mini_batch_size, "mini_batch_size", "predict", 1)
    X = _as_array(X)
    if X.ndim == 0:
        raise ValueError(f"predict: X must have a first axis of m examples; got shape {X.shape}")
    was_training = model.training
    model.eval()
    try:
        Z, _ = _outputs(model, _slices(X, None, mini_batch_size), _model_dtype(model))
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
        metrics: names from npdeep.metrics ("accuracy") or functions fn(y_true, y_pred).
        loss_fn: the cost J(Z, Y); included as "cost" when given.
        mini_batch_size: examples per forward pass (for (X, Y) pairs).

    Returns:
        {"cost": J, "accuracy": ..., ...} as floats.
    """
    where = "evaluate"
    check_int(mini_batch_size, "mini_batch_size", where, 1)
    dtype = _model_dtype(model)
    source = _check_source(data, "data", where, dtype)
    return _evaluate(model, source, _resolve_metrics(metrics, where), loss_fn,
                     mini_batch_size, dtype)


class _Progress:
    """A tqdm bar per epoch showing the running cost; silent without tqdm or when disabled."""

    def __init__(self, enabled: bool, epochs: int):
        self.tqdm = None
        self.epochs = epochs
        self.bar = None
        self.enabled = enabled
        if enabled:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:  # an optional dependency: fall back to one line per epoch
                pass

    def start(self, epoch: int, n_batches: int, done: int) -> None:
        if self.tqdm is not None:
            self.bar = self.tqdm(total=n_batches, initial=done, leave=True, file=sys.stderr,
                                 desc=f"epoch {epoch + 1}/{self.epochs}", dynamic_ncols=True)

    def batch(self, step: int, cost_sum: float, seen: int) -> None:
        bar = self.bar
        if bar is not None:
            # Formatting the postfix costs microseconds; every 16th batch keeps it cheap.
            if step % 16 == 0:
                bar.set_postfix_str(f"cost={cost_sum / seen:.4f}", refresh=False)
            bar.update()

    def end(self, epoch: int, logs: dict) -> None:
        text = ", ".join(f"{k}={v:.4g}" for k, v in logs.items() if k != "learning_rate")
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.close()
            self.bar = None
        elif self.enabled:
            print(f"epoch {epoch + 1}/{self.epochs}: {text}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Interrupt:
    """Turn the first Ctrl-C into a stop at the next mini-batch boundary.

    KeyboardInterrupt raised inside an optimizer step would leave the weights half-updated;
    deferring it to the boundary makes the checkpoint saved on Ctrl-C an exact state that
    resumes bit for bit. The handler restores the previous one at once, so a second Ctrl-C
    interrupts immediately.
    """

    def __init__(self, enabled: bool):
        self.requested = False
        self.previous = None
        self.installed = (enabled and threading.current_thread() is threading.main_thread()
                          and signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    def _handler(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self.previous)
        print("\nInterrupted: saving a checkpoint after this mini-batch "
              "(press Ctrl-C again to abort at once)", file=sys.stderr)

    def __enter__(self) -> "_Interrupt":
        if self.installed:
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.installed and not self.requested:
            signal.signal(signal.SIGINT, self.previous)


class _Position:
    """Where training stands, exactly: everything a resumed run needs besides the weights.

    ``step`` mini-batches of ``epoch`` are done; ``epoch_rng_state`` is the RNG state at the
    start of that epoch (it regenerates the epoch's shuffle); the sums are the epoch's running
    cost and metrics. ``consistent`` is False while a mini-batch is half-applied.
    """

    def __init__(self, epoch: int = 0):
        self.epoch = epoch
        self.step = 0
        self.epoch_rng_state = None
        self.cost_sum = 0.0
        self.seen = 0
        self.metric_sums = {}
        self.consistent = True
        self.finished = ""

    def to_metadata(self) -> dict:
        return {"epoch": str(self.epoch), "step": str(self.step),
                "epoch_rng_state": json.dumps(self.epoch_rng_state),
                "running": json.dumps({"cost_sum": self.cost_sum, "seen": self.seen,
                                       "metric_sums": self.metric_sums}),
                "finished": self.finished}

    @classmethod
    def from_metadata(cls, metadata: dict) -> "_Position":
        position = cls(int(metadata["epoch"]))
        position.step = int(metadata["step"])
        position.epoch_rng_state = json.loads(metadata["epoch_rng_state"])
        running = json.loads(metadata["running"])
        position.cost_sum = float(running["cost_sum"])
        position.seen = int(running["seen"])
        position.metric_sums = {k: float(v) for k, v in running["metric_sums"].items()}
        position.finished = metadata.get("finished", "")
        return position


def _save_checkpoint(path, model, optimizer, history: History, position: _Position,
                     callbacks=()) -> None:
    arrays = {MODEL_PREFIX + k: v for k, v in model.state_dict().items()}
    scalars = {}
    for key, value in optimizer.state_dict().items():
        if isinstance(value, np.ndarray):
            arrays[OPTIMIZER_PREFIX + key] = value
        elif isinstance(value, np.generic):
            scalars[key] = value.item()
        else:
            scalars[key] = value  # numbers; JSON keeps int vs float and every float digit
    metadata = {FORMAT_KEY: "training", "npdeep.class": type(model).__name__,
                "optimizer": json.dumps(scalars), "optimizer.class": type(optimizer).__name__,
                "rng_state": json.dumps(backend.get_rng_state()),
                "history": history.to_json()}
    callback_scalars = []
    for i, callback in enumerate(callbacks):
        state = callback.state_dict() if hasattr(callback, "state_dict") else {}
        scalars_i = {}
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                arrays[f"{CALLBACK_PREFIX}{i}.{key}"] = value
            else:
                scalars_i[key] = value
        callback_scalars.append(scalars_i)
    metadata["callbacks"] = json.dumps(callback_scalars)
    metadata.update(position.to_metadata())
    write_safetensors(path, arrays, metadata)


def _load_checkpoint(path, model, optimizer) -> tuple:
    arrays, metadata = read_safetensors(path)
    if metadata.get(FORMAT_KEY) != "training":
        raise ValueError(f"'{path}' is not a training checkpoint written by fit (use "
                         "npdeep.load for a file written by npdeep.save)")
    model_state = {k[len(MODEL_PREFIX):]: v for k, v in arrays.items()
                   if k.startswith(MODEL_PREFIX)}
    load_state_into(model, model_state, path)
    saved = metadata.get("optimizer.class", "?")
    if saved != type(optimizer).__name__:
        raise ValueError(f"Cannot resume from '{path}': it was written by a run with the "
                         f"{saved} optimizer, but this run uses {type(optimizer).__name__}; "
                         "resume with the same optimizer or start a new run")
    optimizer_state = json.loads(metadata["optimizer"])
    optimizer_state.update({k[len(OPTIMIZER_PREFIX):]: v for k, v in arrays.items()
                            if k.startswith(OPTIMIZER_PREFIX)})
    try:
        optimizer.load_state_dict(optimizer_state)
    except (KeyError, ValueError) as error:
        raise ValueError(f"Cannot resume from '{path}': its {saved} state does not fit this "
                         f"{type(optimizer).__name__}: {error}") from None
    history = History.from_json(metadata["history"])
    callback_states = json.loads(metadata.get("callbacks", "[]"))
    for key, value in arrays.items():
        if key.startswith(CALLBACK_PREFIX):
            i, name = key[len(CALLBACK_PREFIX):].split(".", 1)
            callback_states[int(i)][name] = value
    return (history, _Position.from_metadata(metadata), json.loads(metadata["rng_state"]),
            callback_states)


def fit(model, loss_fn, optimizer, train, dev=None, epochs: int = 10,
        mini_batch_size: int = 64, schedule=None, callbacks=(), metrics=("accuracy",),
        checkpoint_dir=None, resume: bool = False, progress: bool = True, seed=None,
        nan_guard: bool = True) -> History:
    """Train ``model`` with mini-batch gradient descent and return the per-epoch History.

    Each epoch: set α = schedule(epoch) (when given); shuffle the training set with npdeep's
    RNG; for each mini-batch run forward in training mode, the cost J = loss_fn(Z, Y_batch),
    backward and ``optimizer.step()``; then evaluate on ``dev`` in eval mode without a graph;
    log; run the callbacks; write the checkpoint.

    Args:
        model: the Module to train (in place).
        loss_fn: J(Z, Y) -> scalar Tensor, e.g. ``npdeep.functional.cross_entropy``.
        optimizer: an npdeep.optim optimizer over the model's parameters.
        train: (X, Y) arrays — X (m, ...), Y (m,) labels or (m, C) — or a DataLoader.
        dev: the same for the dev set, evaluated after every epoch; None for none.
        epochs: the number of passes over the training set (in total, when resuming).
        mini_batch_size: examples per gradient step (for (X, Y) pairs; a DataLoader brings
            its own).
        schedule: schedule(epoch) -> learning_rate, applied at the start of each epoch.
        callbacks: objects with ``on_epoch_end(epoch, logs) -> bool`` (True stops training)
            and optionally ``on_train_begin(model)`` / ``on_train_end(model)``, e.g.
            EarlyStopping.
        metrics: names from npdeep.metrics or functions fn(y_true, y_pred) -> float. Train
            figures are averaged over the epoch's mini-batches as they are trained (weighted
            by size: exact for accuracy); dev figures are computed on the whole dev set.
        checkpoint_dir: a folder for ``checkpoint.safetensors``, written atomically after
            every epoch and on Ctrl-C (which then stops at the next mini-batch boundary and
            re-raises KeyboardInterrupt).
        resume: continue from the checkpoint in checkpoint_dir when there is one (start fresh
            when there is none). The result is bit-identical to an uninterrupted run.
        progress: show a progress bar per epoch (tqdm; one line per epoch without it).
        seed: seed npdeep's RNG (shuffling, dropout) before training; ignored when resuming,
            where the saved RNG state is restored instead. The model's initial weights come
            from the RNG state when the model was built.
        nan_guard: stop with TrainingDivergedError when the cost becomes NaN or inf.

    Returns:
        History with .epochs, .train {"cost": [...], "accuracy": [...]}, .dev, .learning_rate.

    Raises:
        ValueError: before any training, for X and Y of different lengths, NaN/inf in X,
            labels outside the model's outputs, a checkpoint_dir that cannot be written, or a
            checkpoint from another architecture (listing the names and shapes).
        TrainingDivergedError: (a FloatingPointError) when the cost becomes NaN/inf, naming
            the epoch and mini-batch.
        KeyboardInterrupt: re-raised after saving the checkpoint.

    Example:
        >>> model = npdeep.models.mlp(64, hidden=(128,), n_classes=10)
        >>> optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=1e-3)
        >>> history = npdeep.fit(model, F.cross_entropy, optimizer, (X, Y), dev=(X_dev, Y_dev),
        ...                      epochs=20, checkpoint_dir="runs/digits", resume=True)
    """
    where = "fit"
    epochs = check_int(epochs, "epochs", where, 0)
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", where, 1)
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
    metric_fns = _resolve_metrics(metrics, where)
    dtype = _model_dtype(model)

    # Pre-flight: everything that can be wrong with the inputs fails here, before any file
    # is written or any step is taken.
    train = _check_source(train, "train", where, dtype)
    X_first, Y_first = _first_batch(train, mini_batch_size)
    _check_labels(model, loss_fn, X_first, Y_first,
                  train[1] if isinstance(train, tuple) else Y_first, "train", where, dtype,
                  metric_fns)
    if dev is not None:
        dev = _check_source(dev, "dev", where, dtype)
        X_dev_first, Y_dev_first = _first_batch(dev, mini_batch_size)
        _check_labels(model, None, X_dev_first, Y_dev_first,
                      dev[1] if isinstance(dev, tuple) else Y_dev_first, "dev", where, dtype)
    checkpoint_path = None
    if checkpoint_dir is not None:
        _probe_folder(checkpoint_dir, where)
        checkpoint_path = os.path.join(os.fspath(checkpoint_dir), CHECKPOINT_NAME)

    history = History()
    position = _Position()
    callback_states = None
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
        history, position, rng_state, callback_states = _load_checkpoint(
            checkpoint_path, model, optimizer)
        _restore_rng_state(rng_state)
        if position.finished == "stopped" or (position.finished and position.epoch >= epochs):
            return history
        position.finished = ""
    elif seed is not None:
        backend.manual_seed(seed)

    if isinstance(train, tuple):
        X, Y = train
        m = len(X)
        n_batches = -(-m // mini_batch_size)
    else:
        n_batches = len(train)

    for callback in callbacks:
        if hasattr(callback, "on_train_begin"):
            callback.on_train_begin(model)
    if callback_states is not None and any(callback_states):  # stateless ones may change
        if len(callback_states) != len(callbacks):
            raise ValueError(f"{where}: the checkpoint was written by a run with "
                             f"{len(callback_states)} callbacks, but this run has "
                             f"{len(callbacks)}; resume with the same callbacks")
        for callback, state in zip(callbacks, callback_states):
            if hasattr(callback, "load_state_dict"):
                callback.load_state_dict(state)
    bar = _Progress(progress, epochs)
    stop = False
    with _Interrupt(checkpoint_path is not None) as interrupt:
        try:
            while position.epoch < epochs and not stop:
                epoch = position.epoch
                if schedule is not None:
                    optimizer.learning_rate = schedule(epoch)
                if position.step == 0:
                    position.epoch_rng_state = backend.get_rng_state()
                    rng_now = None
                else:  # resuming mid-epoch: replay the epoch's shuffle, then the saved state
                    rng_now = backend.get_rng_state()
                    _restore_rng_state(position.epoch_rng_state)
                model.train()
                if isinstance(train, tuple):
                    # The course's random_mini_batches: one permutation, then slices (views).
                    permutation = backend.rng().permutation(m)
                    X_shuffled, Y_shuffled = X[permutation], Y[permutation]
                    batches = None
                else:
                    batches = iter(train)
                    for _ in range(position.step):  # replays any per-batch random draws
                        next(batches)
                if rng_now is not None:
                    _restore_rng_state(rng_now)
                bar.start(epoch, n_batches, position.step)
                for step in range(position.step, n_batches):
                    position.consistent = False
                    if batches is None:
                        start = step * mini_batch_size
                        X_batch = X_shuffled[start:start + mini_batch_size]
                        Y_batch = Y_shuffled[start:start + mini_batch_size]
                    else:
                        X_batch, Y_batch = next(batches)
                        X_batch, Y_batch = np.asarray(X_batch), np.asarray(Y_batch)
                    optimizer.zero_grad()
                    Z = model(_to_input(X_batch, dtype))
                    J = loss_fn(Z, Y_batch)
                    cost = float(J.data)
                    if nan_guard and not math.isfinite(cost):
                        raise TrainingDivergedError(
                            f"fit: the cost became {cost} at epoch {epoch} (counted from 0), "
                            f"mini-batch {step} of {n_batches}; training diverged. Lower the "
                            f"learning rate (now {optimizer.learning_rate:g}), check the "
                            "inputs for extreme values, or clip the gradients "
                            "(npdeep.optim.clip_grad_norm)")
                    J.backward()
                    optimizer.step()
                    size = len(X_batch)
                    position.cost_sum += cost * size
                    position.seen += size
                    for name, fn in metric_fns:
                        position.metric_sums[name] = (position.metric_sums.get(name, 0.0)
                                                      + _batch_metric(fn, Y_batch, Z) * size)
                    position.step = step + 1
                    position.consistent = True
                    bar.batch(step, position.cost_sum, position.seen)
                    if interrupt.requested:
                        raise KeyboardInterrupt
                # The epoch is trained: log it, then mark it done.
                seen = max(position.seen, 1)
                logs = {"train_cost": position.cost_sum / seen}
                for name, _ in metric_fns:
                    logs["train_" + name] = position.metric_sums.get(name, 0.0) / seen
                train_logs = {k[len("train_"):]: v for k, v in logs.items()}
                dev_logs = None
                if dev is not None:
                    dev_logs = _evaluate(model, dev, metric_fns, loss_fn,
                                         EVAL_MINI_BATCH_SIZE, dtype)
                    logs.update({"dev_" + k: v for k, v in dev_logs.items()})
                learning_rate = float(optimizer.learning_rate)
                logs["learning_rate"] = learning_rate
                history.append(epoch, train_logs, dev_logs, learning_rate)
                done = _Position(epoch + 1)
                position = done
                bar.end(epoch, logs)
                for callback in callbacks:
                    stop = bool(callback.on_epoch_end(epoch, logs)) or stop
                if stop:
                    position.finished = "stopped"
                if checkpoint_path is not None:
                    _save_checkpoint(checkpoint_path, model, optimizer, history, position,
                                     callbacks)
                if interrupt.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            bar.close()
            if checkpoint_path is not None and position.consistent:
                _save_checkpoint(checkpoint_path, model, optimizer, history, position, callbacks)
                print(f"Checkpoint saved to '{checkpoint_path}'; continue with resume=True",
                      file=sys.stderr)
            raise
        finally:
            bar.close()
    for callback in callbacks:
        if hasattr(callback, "on_train_end"):
            callback.on_train_end(model)
    if checkpoint_path is not None:
        # The final state (after e.g. EarlyStopping restored the best weights), marked as
        # finished so that resume=True returns at once instead of training further.
        position.finished = position.finished or "completed"
        _save_checkpoint(checkpoint_path, model, optimizer, history, position, callbacks)
    return history
