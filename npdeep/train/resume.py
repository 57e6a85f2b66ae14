"""fit's training checkpoint: what it holds, how it is written, and how a run resumes from it.

``checkpoint_dir/checkpoint.safetensors`` is one safetensors file (written atomically, see
:mod:`npdeep.train.checkpoint`) holding everything a resumed run needs to end bit for bit
where an uninterrupted one would:

- arrays ``model/<name>`` (the state dict), ``optimizer/<name>`` (moments v, s) and
  ``callback/<i>.<name>`` (e.g. EarlyStopping's best weights);
- metadata: the optimizer's numbers and class, the RNG state, the History, the callbacks'
  numbers, and the :class:`Position` — epoch, mini-batch, the epoch's starting RNG state and
  running sums — plus ``finished`` ("completed", "stopped" by a callback, or "").
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from npdeep import backend
from npdeep.train.checkpoint import (FORMAT_KEY, MODEL_PREFIX, load_state_into,
                                     read_safetensors, strip_prefix, write_safetensors)
from npdeep.train.history import History

CHECKPOINT_NAME = "checkpoint.safetensors"
OPTIMIZER_PREFIX = "optimizer/"
CALLBACK_PREFIX = "callback/"


class Position:
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
    def from_metadata(cls, metadata: dict) -> "Position":
        position = cls(int(metadata["epoch"]))
        position.step = int(metadata["step"])
        position.epoch_rng_state = json.loads(metadata["epoch_rng_state"])
        running = json.loads(metadata["running"])
        position.cost_sum = float(running["cost_sum"])
        position.seen = int(running["seen"])
        position.metric_sums = {k: float(v) for k, v in running["metric_sums"].items()}
        position.finished = metadata.get("finished", "")
        return position

    def describe(self, epochs: int) -> str:
        """"resuming from epoch 3 of 10" or "run already complete (...)" for fit's output."""
        if self.finished == "stopped":
            return (f"run already complete: a callback stopped it after epoch {self.epoch} of "
                    f"{epochs}")
        if self.finished and self.epoch >= epochs:
            return f"run already complete ({self.epoch} of {epochs} epochs trained)"
        where = f" (mini-batch {self.step + 1})" if self.step else ""
        return f"resuming from epoch {self.epoch + 1} of {epochs}{where}"

    def is_complete(self, epochs: int) -> bool:
        return self.finished == "stopped" or (bool(self.finished) and self.epoch >= epochs)


def prepare_checkpoint_dir(checkpoint_dir, resume: bool, overwrite: bool, where: str):
    """The checkpoint's path in ``checkpoint_dir`` (created and proven writable), or None.

    A folder that already holds a checkpoint is only used to resume (``resume=True``) or, with
    ``overwrite=True``, emptied of it first, so a fresh run never silently replaces a
    finished one and a later resume never continues a stale one.

    Raises:
        ValueError: for a folder that cannot be written, an existing checkpoint without
            resume or overwrite, or both resume and overwrite.
    """
    if checkpoint_dir is None:
        return None
    if resume and overwrite:
        raise ValueError(f"{where}: resume=True continues the checkpoint in checkpoint_dir and "
                         "overwrite=True discards it; pass one of them")
    folder = os.fspath(checkpoint_dir)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        raise ValueError(f"{where}: cannot write checkpoints to '{folder}' ({error}); pass a "
                         "writable checkpoint_dir") from error
    path = os.path.join(folder, CHECKPOINT_NAME)
    if os.path.exists(path) and not resume:
        if not overwrite:
            raise ValueError(f"{where}: '{folder}' already holds a training checkpoint "
                             f"({CHECKPOINT_NAME}); pass resume=True to continue that run, or "
                             "overwrite=True to discard it and start afresh")
        os.remove(path)
    return path


def save_training_checkpoint(path, model, optimizer, history: History, position: Position,
                             callbacks=()) -> None:
    """Write the whole training state to ``path``, atomically."""
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


def load_training_checkpoint(path, model, optimizer) -> tuple:
    """Load the weights and the optimizer's state in place.

    Returns:
        (history, position, rng_state, callback_states).

    Raises:
        ValueError: for a file written by npdeep.save, another optimizer class or state.
        KeyError: for another architecture (listing the names).
    """
    arrays, metadata = read_safetensors(path)
    if metadata.get(FORMAT_KEY) != "training":
        raise ValueError(f"'{path}' is not a training checkpoint written by fit (use "
                         "npdeep.load for a file written by npdeep.save)")
    load_state_into(model, strip_prefix(arrays, MODEL_PREFIX), path)
    saved = metadata.get("optimizer.class", "?")
    if saved != type(optimizer).__name__:
        raise ValueError(f"Cannot resume from '{path}': it was written by a run with the "
                         f"{saved} optimizer, but this run uses {type(optimizer).__name__}; "
                         "resume with the same optimizer or start a new run")
    optimizer_state = json.loads(metadata["optimizer"])
    optimizer_state.update(strip_prefix(arrays, OPTIMIZER_PREFIX))
    try:
        optimizer.load_state_dict(optimizer_state)
    except (KeyError, ValueError) as error:
        raise ValueError(f"Cannot resume from '{path}': its {saved} state does not fit this "
                         f"{type(optimizer).__name__}: {error}") from None
    history = History.from_json(metadata["history"])
    callback_states = json.loads(metadata.get("callbacks", "[]"))
    for key, value in strip_prefix(arrays, CALLBACK_PREFIX).items():
        i, name = key.split(".", 1)
        callback_states[int(i)][name] = value
    return (history, Position.from_metadata(metadata), json.loads(metadata["rng_state"]),
            callback_states)


def restore_callbacks(callbacks, states, where: str) -> None:
    """Give each callback its saved state; stateless callbacks may be added or removed."""
    if states is None or not any(states):
        return
    if len(states) != len(callbacks):
        raise ValueError(f"{where}: the checkpoint was written by a run with {len(states)} "
                         f"callbacks, but this run has {len(callbacks)}; resume with the same "
                         "callbacks")
    for callback, state in zip(callbacks, states):
        if hasattr(callback, "load_state_dict"):
            callback.load_state_dict(state)
