"""A trial: one objective call (a ``fit`` run) in its own run folder, reporting per epoch.

An objective is ``objective(params) -> dev score`` or ``objective(params, trial) -> dev
score``. The second form gets the :class:`Trial`: its run folder, ``trial.report(epoch,
score)`` and ``trial.fit(...)``, which is ``npdeep.fit`` with the trial's run folder as the
checkpoint folder, ``resume=True`` and a callback that reports the dev score after every
epoch. So a trial restarted anywhere (a worker died, the driver was interrupted) continues
from its last checkpoint, and a stopping rule can end a hopeless trial early.

:func:`run_trial` is what every executor runs, in this process or on a Dask worker: it never
raises for the objective's errors (they are recorded); only KeyboardInterrupt passes through.
"""
from __future__ import annotations

import inspect
import json
import math
import os
import time

from npdeep.train.callbacks import Callback
from npdeep.train.checkpoint import read_safetensors, write_text_atomic

SCORES_FILE = "scores.json"
ATTEMPTS_FILE = "attempts.json"
CHECKPOINT_FILE = "checkpoint.safetensors"


class Trial:
    """What an objective's ``trial`` argument offers.

    Attributes:
        index: the trial's number in the study (from 0).
        params: the sampled values {name: value}.
        run_dir: the trial's own folder (checkpoints, history, scores).
        scores: the dev score after each epoch reported so far (kept across restarts).
        stopped_epoch: the epoch after which the stopping rule ended the trial, or None.
        verbose: the ``verbose`` that :meth:`fit` passes to ``npdeep.fit``.
    """

    def __init__(self, index: int, params: dict, run_dir: str, monitor: str = "dev_accuracy",
                 mode: str = "max", stopping=None, peers=(), verbose: int = 0):
        self.index, self.params, self.run_dir = index, dict(params), run_dir
        self.monitor, self.mode, self.verbose = monitor, mode, verbose
        self.stopping, self.peers = stopping, [list(p) for p in peers]
        self.scores, self.stopped_epoch = [], None
        path = os.path.join(run_dir, SCORES_FILE)
        if os.path.exists(path):  # a restarted trial: keep what the last attempt reported
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
            self.scores = [float("nan") if s is None else float(s) for s in saved["scores"]]
            self.stopped_epoch = saved.get("stopped_epoch")

    def report(self, epoch: int, score: float) -> bool:
        """Record the dev score after ``epoch`` (from 0); True when the trial should stop."""
        score = float(score)
        del self.scores[epoch:]  # a resumed epoch replaces what an earlier attempt reported
        self.scores.extend([float("nan")] * (epoch - len(self.scores)))
        self.scores.append(score)
        stop = False
        if self.stopping is not None:
            stop = bool(self.stopping.should_stop(self.scores, self.peers, self.mode))
        if stop:
            self.stopped_epoch = epoch
        self._save()
        return stop

    def _save(self) -> None:
        clean = [s if math.isfinite(s) else None for s in self.scores]
        write_text_atomic(os.path.join(self.run_dir, SCORES_FILE),
                          json.dumps({"scores": clean, "stopped_epoch": self.stopped_epoch}))

    def callback(self) -> "ReportScore":
        """A fit callback that reports ``logs[monitor]`` after every epoch."""
        return ReportScore(self)

    def fit(self, model, loss_fn, optimizer, train, dev, callbacks=(), **kwargs):
        """``npdeep.fit`` in the trial's run folder, resumable, reporting every epoch.

        Args:
            model, loss_fn, optimizer, train, dev: as for ``npdeep.fit`` (dev is needed:
                the trial is scored on it).
            callbacks: more callbacks (the reporting one is added last).
            **kwargs: any other argument of ``npdeep.fit`` (epochs, mini_batch_size, ...);
                not checkpoint_dir or resume, which the trial sets.

        Returns:
            fit's History (with the epochs of earlier attempts when the trial resumed).
        """
        from npdeep.train.fit import fit

        for name in ("checkpoint_dir", "resume", "overwrite"):
            if name in kwargs:
                raise ValueError(f"Trial.fit: {name} is set by the trial (its run folder, "
                                 "resumed); do not pass it")
        kwargs.setdefault("verbose", self.verbose)
        history = fit(model, loss_fn, optimizer, train, dev,
                      callbacks=[*callbacks, self.callback()], checkpoint_dir=self.run_dir,
                      resume=True, **kwargs)
        # The history is the record of every epoch trained, over all attempts (an attempt
        # interrupted between fit's checkpoint and this trial's report left a gap).
        name = self.monitor[len("dev_"):] if self.monitor.startswith("dev_") else None
        if name in history.dev:
            self.scores = list(history.dev[name])
            self._save()
        return history


class ReportScore(Callback):
    """Reports the trial's monitored dev figure after each epoch; stops when the rule says."""

    def __init__(self, trial: Trial):
        self.trial = trial

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        if self.trial.monitor not in logs:
            raise ValueError(f"Trial {self.trial.index}: {self.trial.monitor!r} is not among "
                             f"the epoch's logs {sorted(logs)}; pass a dev set to fit")
        return self.trial.report(epoch, logs[self.trial.monitor])


def accepts_trial(objective) -> bool:
    """Whether ``objective`` takes (params, trial) rather than (params)."""
    try:
        parameters = inspect.signature(objective).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def checkpoint_epoch(run_dir: str) -> int:
    """The epochs done in run_dir's fit checkpoint (0 when there is none or it is unreadable)."""
    path = os.path.join(run_dir, CHECKPOINT_FILE)
    if not os.path.exists(path):
        return 0
    try:
        return int(read_safetensors(path)[1].get("epoch", 0))
    except (OSError, ValueError):
        return 0


def _record_attempt(run_dir: str) -> list:
    """Append {start_epoch, pid} to run_dir/attempts.json: where each attempt began."""
    path = os.path.join(run_dir, ATTEMPTS_FILE)
    attempts = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            attempts = json.load(f)
    attempts.append({"start_epoch": checkpoint_epoch(run_dir), "pid": os.getpid()})
    write_text_atomic(path, json.dumps(attempts))
    return attempts


def run_trial(objective, spec: dict) -> dict:
    """Run one trial and return its record (never raises for the objective's errors).

    Args:
        objective: objective(params) or objective(params, trial) -> dev score.
        spec: {"index", "round", "params", "run_dir", "monitor", "mode", "stopping",
            "peers", "verbose", "pin_blas"}.

    Returns:
        {"index", "round", "params", "status" ("ok", "stopped" by the rule, or "failed"),
        "score", "scores" (per epoch), "epochs", "run_dir", "error", "attempts", "seconds"}.
    """
    if spec.get("pin_blas"):
        # One BLAS thread per trial: N single-threaded workers share N cores, not N².
        from npdeep.threads import set_num_threads

        set_num_threads(1)
    started = time.perf_counter()
    run_dir = spec["run_dir"]
    os.makedirs(run_dir, exist_ok=True)
    attempts = _record_attempt(run_dir)
    trial = Trial(spec["index"], spec["params"], run_dir, spec.get("monitor", "dev_accuracy"),
                  spec.get("mode", "max"), spec.get("stopping"), spec.get("peers", ()),
                  spec.get("verbose", 0))
    record = {"index": spec["index"], "round": spec.get("round", 0),
              "params": dict(spec["params"]), "status": "failed", "score": None,
              "run_dir": run_dir, "error": None}
    try:
        value = objective(dict(trial.params), trial) if accepts_trial(objective) \
            else objective(dict(trial.params))
        try:
            score = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"the objective returned {value!r}, not a number (the dev "
                            "score)") from None
        if math.isfinite(score):
            record["score"] = score
            record["status"] = "stopped" if trial.stopped_epoch is not None else "ok"
        else:
            record["error"] = f"the objective returned {score} (the trial diverged?)"
    except Exception as error:  # recorded: one failing trial never stops the study
        record["error"] = f"{type(error).__name__}: {error}"
    record["scores"] = [s if math.isfinite(s) else None for s in trial.scores]
    record["epochs"] = len(trial.scores)
    record["attempts"] = attempts
    record["seconds"] = time.perf_counter() - started
    return record
