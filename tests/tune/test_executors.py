"""Trials on Dask: on a real LocalCluster of 2 worker processes, a worker killed mid-trial
costs the study nothing (the trial resumes from its checkpoint on another worker, and the
table is the local executor's); an unreachable scheduler is a clear error within seconds; Dask stays
optional. The objectives here use npdeep only (the workers ship them by value)."""
import json
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from npdeep.tune import (DaskExecutor, LogUniform, SchedulerUnreachableError, Uniform,
                         random_search)
from npdeep.tune.executors import make_executor

distributed = pytest.importorskip("distributed")


class SlowTinyFit:
    """A tiny resumable fit; with ``pause`` seconds of sleep after every epoch, so that a test
    can kill the worker between epochs."""

    def __init__(self, pause=0.0, epochs=4):
        self.pause, self.epochs = pause, epochs

    def __call__(self, params, trial):
        import npdeep
        import npdeep.functional as F
        from npdeep.models import mlp

        rng = np.random.default_rng(0)
        centers = rng.standard_normal((3, 4)) * 2
        y = rng.integers(0, 3, 120)
        X = (centers[y] + rng.standard_normal((120, 4))).astype(np.float32)
        npdeep.manual_seed(trial.index)
        model = mlp(4, hidden=(8,), n_classes=3)
        optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=params["learning_rate"])
        history = trial.fit(model, F.cross_entropy, optimizer, (X[:90], y[:90]),
                            (X[90:], y[90:]), epochs=self.epochs, mini_batch_size=30,
                            callbacks=[Pause(self.pause)])
        return history.dev["cost"][-1]


class Pause:
    def __init__(self, seconds):
        self.seconds = seconds

    def on_epoch_end(self, epoch, logs):
        time.sleep(self.seconds)
        return False


SPACE = {"learning_rate": LogUniform(1e-3, 1e-1)}
KW = dict(mode="min", monitor="dev_cost", verbose=0)


def test_a_killed_worker_costs_nothing_the_trial_resumes_from_its_checkpoint(tmp_path):
    local = random_search(SlowTinyFit(), SPACE, 3, seed=2, study=tmp_path / "local", **KW)
    outcome = {}

    def drive():
        try:
            outcome["study"] = random_search(SlowTinyFit(pause=0.25, epochs=4), SPACE, 3, seed=2,
                                             study=tmp_path / "dask", executor="dask",
                                             workers=2, **KW)
        except BaseException as error:  # shown by the assertion below
            outcome["error"] = error

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    run_dir = tmp_path / "dask" / "trials" / "trial-0000"
    deadline = time.monotonic() + 60  # a guard against a hang, not a timing assertion
    victim = None
    while victim is None and time.monotonic() < deadline and driver.is_alive():
        scores = run_dir / "scores.json"
        # Two epochs reported: the first epoch's checkpoint is on disk, the trial is running.
        if scores.exists() and len(json.loads(scores.read_text())["scores"]) >= 2:
            victim = json.loads((run_dir / "attempts.json").read_text())[-1]["pid"]
        time.sleep(0.05)
    assert victim is not None and victim != os.getpid()
    os.kill(victim, signal.SIGKILL)
    driver.join(120)
    assert not driver.is_alive() and "error" not in outcome, outcome
    study = outcome["study"]
    assert len(study.trials()) == 3 and all(t["status"] == "ok" for t in study.trials())
    attempts = study.records[0]["attempts"]
    assert len(attempts) == 2 and attempts[0]["pid"] == victim != attempts[1]["pid"]
    assert attempts[1]["start_epoch"] >= 1  # resumed from its checkpoint, not from scratch
    assert study.records[0]["epochs"] == 4
    assert study.table() == local.table()  # and to the very result of an uninterrupted run
    assert os.getpid() not in {t["attempts"][0]["pid"] for t in study.trials()}  # on workers


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(tmp_path):
    started = time.monotonic()
    with pytest.raises(SchedulerUnreachableError,
                       match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s"):
        random_search(lambda p: 0.0, {"x": Uniform(0, 1)}, 1, study=tmp_path, executor="dask",
                      scheduler="tcp://127.0.0.1:9", timeout=1, verbose=0)
    assert time.monotonic() - started < 30  # a guard against a hang (the timeout is 1 s)


def test_bad_executor_arguments():
    with pytest.raises(ValueError, match="give workers=N .* not both"):
        DaskExecutor(workers=2, scheduler="tcp://h:1")
    with pytest.raises(ValueError, match="scheduler must be an address such as"):
        DaskExecutor(scheduler="localhost")
    with pytest.raises(ValueError, match="The 'workers' parameter of DaskExecutor"):
        DaskExecutor(workers=0)
    assert make_executor("dask").workers >= 1  # default: one worker per core


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ImportError, match=r"pip install npdeep\[cluster\]"):
        with DaskExecutor(workers=1):
            pass


@pytest.mark.slow  # a second cluster start
def test_a_cluster_started_elsewhere_is_used_through_its_scheduler_address(tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        study = random_search(SlowTinyFit(), SPACE, 3, seed=4, study=tmp_path / "remote",
                              executor="dask", scheduler=cluster.scheduler_address, **KW)
        with DaskExecutor(scheduler=cluster.scheduler_address) as shared:  # one client, two
            again = [random_search(SlowTinyFit(), SPACE, 3, seed=4, executor=shared,
                                   study=tmp_path / f"shared-{k}", **KW) for k in range(2)]
        with distributed.Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
    local = random_search(SlowTinyFit(), SPACE, 3, seed=4, study=tmp_path / "local", **KW)
    assert study.table() == local.table() == again[0].table() == again[1].table()
    assert {t["attempts"][0]["pid"] for t in study.trials()} <= worker_pids


def test_an_executor_object_must_be_started_and_brings_its_own_workers():
    with pytest.raises(ValueError, match="must be started first"):
        random_search(lambda p: 0.0, {"x": Uniform(0, 1)}, 1, verbose=0,
                      executor=DaskExecutor(workers=1))
    with pytest.raises(ValueError, match="workers and scheduler belong to the executor"):
        random_search(lambda p: 0.0, {"x": Uniform(0, 1)}, 1, verbose=0,
                      executor=DaskExecutor(workers=1), workers=2)
