"""fit: the course's optimization loop, made safe to leave running.

::

    for epoch in range(epochs):
        α = schedule(epoch)                                  # learning-rate decay
        for (X_batch, Y_batch) in shuffled mini-batches:     # npdeep's RNG shuffles
            Z = model(X_batch); J = loss_fn(Z, Y_batch)      # forward, cost
            J.backward()                                     # backward
            clip(gradients, clip_value / clip_norm)          # when asked
            optimizer.step()                                 # update
        evaluate on the dev set (eval mode, no graph); callbacks; checkpoint

Everything around the loop lives next door: the input checks before the first step
(:mod:`~npdeep.train.preflight`), the one mini-batch source for arrays and loaders
(:mod:`~npdeep.train.sources`), the training checkpoint and resume
(:mod:`~npdeep.train.resume`), the bar and Ctrl-C (:mod:`~npdeep.train.progress`).
"""
from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np

from npdeep import backend
from npdeep.optim.clip import clip_grad_norm, clip_grad_value
from npdeep.train.evaluate import evaluate_source
from npdeep.train.history import History
from npdeep.train.metric_names import batch_metric, resolve_metrics
from npdeep.train.preflight import check_callables, check_first_batch, check_optimizer_owns_model
from npdeep.train.progress import Interrupt, Progress, check_verbose
from npdeep.train.resume import (Position, load_training_checkpoint, prepare_checkpoint_dir,
                                 restore_callbacks, save_training_checkpoint)
from npdeep.train.sources import (EVAL_MINI_BATCH_SIZE, all_labels, as_loader, first_batch,
                                  model_dtype, to_input)
from npdeep.validation import check_int, check_learning_rate, check_positive


class TrainingDivergedError(FloatingPointError):
    """The cost became NaN or infinite during training."""


def fit(model, loss_fn, optimizer, train, dev=None, epochs: int = 10,
        mini_batch_size: int = 64, schedule=None, callbacks=(), metrics=("accuracy",),
        checkpoint_dir=None, resume: bool = False, verbose: int = 1, seed=None,
        nan_guard: bool = True, overwrite: bool = False, progress=None,
        clip_value: float | None = None, clip_norm: float | None = None) -> History:
    """Train ``model`` with mini-batch gradient descent and return the per-epoch History.

    Each epoch: set α = schedule(epoch) (when given); shuffle the training set with npdeep's
    RNG; for each mini-batch run forward in training mode, the cost J = loss_fn(Z, Y_batch),
    backward, gradient clipping (with clip_value / clip_norm) and ``optimizer.step()``; then
    evaluate on ``dev`` in eval mode without a graph; log; run the callbacks; write the
    checkpoint.

    Args:
        model: the Module to train (in place).
        loss_fn: J(Z, Y) -> scalar Tensor, e.g. ``npdeep.functional.cross_entropy``.
        optimizer: an npdeep.optim optimizer over the model's parameters.
        train: (X, Y) arrays — X (m, ...), Y (m,) labels or (m, C) — or a DataLoader.
        dev: the same for the dev set, evaluated after every epoch; None for none.
        epochs: the number of passes over the training set (in total, when resuming).
        mini_batch_size: examples per gradient step (for (X, Y) pairs; a DataLoader brings
            its own).
        schedule: schedule(epoch) -> learning_rate, applied at the start of each epoch
            through the optimizer's ``learning_rate``; it must be a finite number > 0.
        callbacks: objects with ``on_epoch_end(epoch, logs) -> bool`` (True stops training)
            and optionally ``on_train_begin(model)`` / ``on_train_end(model)``, e.g.
            EarlyStopping.
        metrics: names ("accuracy", "precision", "recall", "f1") or functions
            fn(y_true, y_pred) -> float. Train figures are averaged over the epoch's
            mini-batches as they are trained (weighted by size: exact for accuracy); dev
            figures are computed on the whole dev set.
        checkpoint_dir: a folder for ``checkpoint.safetensors``, written atomically after
            every epoch and on Ctrl-C (which then stops at the next mini-batch boundary and
            re-raises KeyboardInterrupt).
        resume: continue from the checkpoint in checkpoint_dir when there is one (start fresh
            when there is none). The result is bit-identical to an uninterrupted run.
        verbose: 0 silent; 1 a progress bar per epoch, then the epoch's line; 2 only one line
            per epoch with every logged value ("epoch 3/10 - cost 0.1234 - ...").
        seed: seed npdeep's RNG (shuffling, dropout) before training; ignored when resuming,
            where the saved RNG state is restored instead. The model's initial weights come
            from the RNG state when the model was built.
        nan_guard: stop with TrainingDivergedError when the cost becomes NaN or inf.
        overwrite: discard a checkpoint already in checkpoint_dir and start afresh (without
            it, or resume, such a folder is refused so that no run is replaced by mistake).
        progress: replaced by ``verbose``; progress=False means verbose=0 (deprecated).
        clip_value: clip every gradient entry to [−clip_value, clip_value] after each
            backward (the course's ``clip``; its RNN assignments use 5), with
            :func:`npdeep.optim.clip_grad_value`. None: no clipping by value.
        clip_norm: rescale the gradients of all the model's parameters together so that
            their global L2 norm is at most clip_norm, with
            :func:`npdeep.optim.clip_grad_norm`. None: no clipping by norm. With both, the
            entries are clipped first, then the norm (so the step's norm is ≤ clip_norm).

    Returns:
        History with .epochs, .train {"cost": [...], "accuracy": [...]}, .dev, .learning_rate.

    Raises:
        ValueError: before any training, for X and Y of different lengths, NaN/inf in X,
            a clip_value or clip_norm that is not a finite number > 0,
            labels outside the model's outputs, an unknown metric name, an optimizer over
            another model's parameters, a checkpoint_dir that cannot be written or already
            holds a run (without resume or overwrite), or a checkpoint from another
            architecture (listing the names and shapes); at an epoch's start, for a schedule
            that gives a learning rate that is not a finite number > 0.
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
    if clip_value is not None:
        clip_value = check_positive(clip_value, "clip_value", where)
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm", where)
    verbose = _verbose_from(verbose, progress, where)
    callbacks = check_callables(loss_fn, optimizer, schedule, callbacks, where)
    check_optimizer_owns_model(model, optimizer, where)
    metric_fns = resolve_metrics(metrics, where)
    dtype = model_dtype(model)

    # Pre-flight: everything that can be wrong with the inputs fails here, before any file
    # is written or any step is taken. From here on both sources are DataLoaders.
    train = as_loader(train, "train", where, dtype, mini_batch_size, shuffle=True)
    X_first, Y_first = first_batch(train)
    check_first_batch(model, loss_fn, X_first, Y_first, all_labels(train, Y_first), "train",
                      where, dtype, metric_fns)
    if dev is not None:
        dev = as_loader(dev, "dev", where, dtype, EVAL_MINI_BATCH_SIZE, shuffle=False)
        X_first, Y_first = first_batch(dev)
        check_first_batch(model, None, X_first, Y_first, all_labels(dev, Y_first), "dev",
                          where, dtype)
    checkpoint_path = prepare_checkpoint_dir(checkpoint_dir, resume, overwrite, where)

    bar = Progress(verbose, epochs)
    history, position, callback_states = History(), Position(), None
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
        history, position, rng_state, callback_states = load_training_checkpoint(
            checkpoint_path, model, optimizer)
        backend.set_rng_state(rng_state)
        bar.message(position.describe(epochs))
        if position.is_complete(epochs):
            return history
        position.finished = ""
    else:
        if resume and checkpoint_path is not None:
            bar.message(f"no checkpoint in '{checkpoint_dir}' yet: starting a new run")
        if seed is not None:
            backend.manual_seed(seed)

    for callback in callbacks:
        if hasattr(callback, "on_train_begin"):
            callback.on_train_begin(model)
    restore_callbacks(callbacks, callback_states, where)
    n_batches = len(train)
    stop = False
    with Interrupt(checkpoint_path is not None) as interrupt:
        try:
            while position.epoch < epochs and not stop:
                epoch = position.epoch
                if schedule is not None:
                    _set_learning_rate(optimizer, schedule, epoch)
                batches = _epoch_batches(train, position)
                model.train()
                bar.start(epoch, n_batches, position.step)
                for step in range(position.step, n_batches):
                    position.consistent = False
                    X_batch, Y_batch = next(batches)
                    Y_batch = np.asarray(Y_batch)
                    optimizer.zero_grad()
                    Z = model(to_input(X_batch, dtype))
                    J = loss_fn(Z, Y_batch)
                    cost = float(J.data)
                    if nan_guard and not math.isfinite(cost):
                        raise TrainingDivergedError(
                            f"fit: the cost became {cost} at epoch {epoch} (counted from 0), "
                            f"mini-batch {step} of {n_batches}; training diverged. Lower the "
                            f"learning rate (now {optimizer.learning_rate:g}), check the "
                            "inputs for extreme values, or clip the gradients "
                            "(fit(..., clip_norm=1.0))")
                    J.backward()
                    _clip_gradients(model, clip_value, clip_norm)
                    optimizer.step()
                    size = len(X_batch)
                    position.cost_sum += cost * size
                    position.seen += size
                    for name, fn in metric_fns:
                        position.metric_sums[name] = (position.metric_sums.get(name, 0.0)
                                                      + batch_metric(fn, Y_batch, Z) * size)
                    position.step = step + 1
                    position.consistent = True
                    bar.batch(step, position.cost_sum, position.seen)
                    if interrupt.requested:
                        raise KeyboardInterrupt
                # The epoch is trained: log it, then mark it done.
                logs = _epoch_logs(model, dev, position, metric_fns, loss_fn, dtype,
                                   optimizer, history, epoch)
                position = Position(epoch + 1)
                bar.end(epoch, logs)
                for callback in callbacks:
                    stop = bool(callback.on_epoch_end(epoch, logs)) or stop
                if stop:
                    position.finished = "stopped"
                if checkpoint_path is not None:
                    save_training_checkpoint(checkpoint_path, model, optimizer, history,
                                             position, callbacks)
                if interrupt.requested:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            bar.close()
            if checkpoint_path is not None and position.consistent:
                save_training_checkpoint(checkpoint_path, model, optimizer, history, position,
                                         callbacks)
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
        save_training_checkpoint(checkpoint_path, model, optimizer, history, position,
                                 callbacks)
    return history


def _verbose_from(verbose, progress, where: str) -> int:
    """``verbose`` checked; the old ``progress`` flag mapped onto it (False -> 0, True -> 1)."""
    verbose = check_verbose(verbose, where)
    if progress is None:
        return verbose
    warnings.warn(f"{where}: progress= is replaced by verbose= (0 silent, 1 a bar, 2 one line "
                  "per epoch); progress=False is verbose=0", DeprecationWarning, stacklevel=3)
    if verbose != 1:
        raise ValueError(f"{where}: pass verbose= only; progress={progress!r} together with "
                         f"verbose={verbose} is ambiguous")
    return 1 if progress else 0


def _clip_gradients(model, clip_value, clip_norm) -> None:
    """Between backward and the update: by value, then by global norm (each when given)."""
    if clip_value is not None:
        clip_grad_value(model.parameters(), clip_value)
    if clip_norm is not None:
        clip_grad_norm(model.parameters(), clip_norm)


def _set_learning_rate(optimizer, schedule, epoch: int) -> None:
    """α = schedule(epoch), checked like a learning rate passed to the optimizer, then set
    through the optimizer's ``learning_rate`` (which may check it again)."""
    learning_rate = schedule(epoch)
    optimizer.learning_rate = check_learning_rate(
        learning_rate, f"fit (set by the schedule at epoch {epoch}, counted from 0)",
        hint=f"schedule({epoch}) returned it; a schedule must give every epoch a positive "
             "learning rate")


def _epoch_batches(train, position: Position):
    """The epoch's mini-batch iterator, positioned after the ``position.step`` batches done.

    The epoch's shuffle (and any random draw of a transform) comes from the RNG state at the
    epoch's start. A fresh epoch records that state; a resumed one replays it to skip the
    batches already trained, then continues from the RNG state the checkpoint saved.
    """
    if position.step == 0:
        position.epoch_rng_state = backend.get_rng_state()
        return iter(train)
    rng_now = backend.get_rng_state()
    backend.set_rng_state(position.epoch_rng_state)
    batches = iter(train)
    for _ in range(position.step):
        next(batches)
    backend.set_rng_state(rng_now)
    return batches


def _epoch_logs(model, dev, position: Position, metric_fns, loss_fn, dtype, optimizer,
                history: History, epoch: int) -> dict:
    """The epoch's logs as plain floats, recorded in ``history``:
    {"train_cost", "train_<metric>", ..., "dev_cost", "dev_<metric>", ..., "learning_rate"}."""
    seen = max(position.seen, 1)
    train_logs = {"cost": float(position.cost_sum / seen)}
    for name, _ in metric_fns:
        train_logs[name] = float(position.metric_sums.get(name, 0.0) / seen)
    logs = {"train_" + k: v for k, v in train_logs.items()}
    dev_logs = None
    if dev is not None:
        dev_logs = evaluate_source(model, dev, metric_fns, loss_fn, dtype)
        logs.update({"dev_" + k: v for k, v in dev_logs.items()})
    learning_rate = float(optimizer.learning_rate)
    logs["learning_rate"] = learning_rate
    history.append(epoch, train_logs, dev_logs, learning_rate)
    return logs
