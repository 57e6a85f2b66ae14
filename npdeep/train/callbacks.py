"""Callbacks: code that ``fit`` runs after every epoch, e.g. early stopping.

A callback is any object with ``on_epoch_end(epoch, logs) -> bool`` (return True to stop
training); ``on_train_begin(model)`` and ``on_train_end(model)`` are optional. ``logs`` holds
the epoch's figures by name: "train_cost", "train_accuracy", "dev_cost", "dev_accuracy",
"learning_rate", ...

A callback with state (``state_dict()``/``load_state_dict(state)``) has it saved in fit's
checkpoints, so that a resumed run ends where an uninterrupted one would. The state is a flat
dict of names to ndarrays or JSON numbers/strings/None.
"""
from __future__ import annotations

import math

from npdeep.validation import check_choice, check_float, check_int


class Callback:
    """Base class with no-op hooks; subclass it and override what you need."""

    def on_train_begin(self, model) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        """Called after each epoch's evaluation; return True to stop training."""
        return False

    def on_train_end(self, model) -> None:
        pass

    def state_dict(self) -> dict:
        """What a resumed run needs to continue exactly (empty for a stateless callback)."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when the monitored figure has not improved for ``patience`` epochs.

    The course's early stopping: the dev error is U-shaped in the number of epochs; keep the
    weights from its bottom. With ``restore_best`` the model ends with the best epoch's weights
    (a copy of its state dict is kept in memory whenever the figure improves).

    Args:
        monitor: a key of fit's logs, e.g. "dev_accuracy" or "dev_cost".
        patience: how many epochs without improvement to allow before stopping.
        mode: "max", "min", or "auto" ("min" for names containing "cost" or "loss",
            "max" otherwise).
        min_delta: the smallest change that counts as an improvement.
        restore_best: load the best epoch's weights into the model when training ends.

    Attributes:
        best: the best value seen; best_epoch: its epoch; stopped_epoch: the epoch training
            stopped at (None when it ran to the end).

    Example:
        >>> stopper = EarlyStopping("dev_cost", patience=3)
        >>> npdeep.fit(model, F.cross_entropy, optimizer, train, dev=dev, callbacks=[stopper])
    """

    def __init__(self, monitor: str = "dev_accuracy", patience: int = 5, mode: str = "auto",
                 min_delta: float = 0.0, restore_best: bool = True):
        where = "EarlyStopping"
        mode = check_choice(mode, "mode", where, ("auto", "min", "max"))
        patience = check_int(patience, "patience", where, 0)
        min_delta = check_float(min_delta, "min_delta", where, low=0.0)
        if not isinstance(monitor, str):
            raise TypeError(f"{where}: monitor must be the name of a logged value, e.g. "
                            f"'dev_accuracy' or 'dev_cost'; got {type(monitor).__name__}")
        if mode == "auto":
            mode = "min" if ("cost" in monitor or "loss" in monitor) else "max"
        self.monitor = monitor
        self.patience = patience
        self.mode = mode
        self.min_delta = min_delta
        self.restore_best = restore_best
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_state = None
        self.stopped_epoch = None
        self.wait = 0
        self.model = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, model) -> None:
        self._reset()
        self.model = model

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not among the "
                             f"epoch's logs {sorted(logs)}; pass dev= to fit to monitor "
                             "dev figures")
        value = float(logs[self.monitor])
        if math.isfinite(value) and self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best and self.model is not None:
                self.best_state = self.model.state_dict()  # copies
            return False
        self.wait += 1
        if self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)

    def state_dict(self) -> dict:
        state = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                 "stopped_epoch": self.stopped_epoch}
        for name, value in (self.best_state or {}).items():
            state["best_state." + name] = value
        return state

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch = float(state["best"]), state["best_epoch"]
        self.wait, self.stopped_epoch = int(state["wait"]), state["stopped_epoch"]
        prefix = "best_state."
        best_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        self.best_state = best_state or None

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"mode={self.mode!r}, restore_best={self.restore_best})")
