"""random_search, coarse_to_fine and grid_search with the local executor: records, failures,
interrupting the driver and resuming, the shrinking ranges of coarse to fine."""
import json
import math

import pytest
from harness import blobs, mlp_and_adam

import npdeep.functional as F
from npdeep.tune import (Choice, LogUniform, Uniform, coarse_to_fine, grid_search,
                         random_search, sample_space)
from npdeep.tune.study import Study

X, Y = blobs(m=160, n_x=4, C=3, seed=1)
TRAIN, DEV = (X[:120], Y[:120]), (X[120:], Y[120:])
SPACE = {"learning_rate": LogUniform(1e-4, 1e-1), "hidden": Choice([4, 8])}


def quadratic(params):
    """The best x is 0.3; a score to maximize."""
    return -(params["x"] - 0.3) ** 2


class TinyFit:
    """A tiny resumable fit per trial; the dev cost is the score (mode="min").

    ``interrupt_at`` = (trial, epoch): Ctrl-C arrives after that epoch, once.
    """

    def __init__(self, interrupt_at=None, epochs=3):
        self.calls, self.interrupt_at, self.epochs = [], interrupt_at, epochs

    def __call__(self, params, trial):
        self.calls.append(trial.index)
        model, optimizer = mlp_and_adam(learning_rate=params["learning_rate"])
        callbacks = []
        if self.interrupt_at and self.interrupt_at[0] == trial.index:
            callbacks = [Interrupter(self.interrupt_at[1], self)]
        history = trial.fit(model, F.cross_entropy, optimizer, TRAIN, DEV, callbacks=callbacks,
                            epochs=self.epochs, mini_batch_size=32)
        return history.dev["cost"][-1]


class Interrupter:
    def __init__(self, epoch, owner):
        self.epoch, self.owner = epoch, owner

    def on_epoch_end(self, epoch, logs):
        if epoch == self.epoch and self.owner.interrupt_at:
            self.owner.interrupt_at = None
            raise KeyboardInterrupt
        return False


def test_random_search_records_every_trial_with_the_values_of_seed_and_index(tmp_path):
    study = random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 6, seed=5, study=tmp_path / "s",
                          verbose=0)
    trials = study.trials()
    assert [t["index"] for t in trials] == list(range(6))
    for t in trials:
        assert t["params"] == sample_space({"x": Uniform(0.0, 1.0)}, 5, t["index"])
        assert t["status"] == "ok" and t["score"] == pytest.approx(quadratic(t["params"]))
    saved = json.loads((tmp_path / "s" / "trials.json").read_text())
    assert saved == trials
    csv_lines = (tmp_path / "s" / "trials.csv").read_text().splitlines()
    assert csv_lines[0].startswith("index,round,status,score,x,")
    assert len(csv_lines) == 7
    assert study.best()["score"] == max(t["score"] for t in trials)
    assert Study.open(tmp_path / "s").table() == study.table()


def test_failing_and_nan_trials_are_recorded_and_the_study_goes_on(tmp_path):
    def objective(params):
        if params["x"] < 0.3:
            raise RuntimeError("out of memory (pretend)")
        if params["x"] > 0.7:
            return float("nan")
        return params["x"]

    study = random_search(objective, {"x": Uniform(0.0, 1.0)}, 12, seed=0, study=tmp_path,
                          verbose=0)
    by_status = {}
    for t in study.trials():
        by_status.setdefault(t["status"], []).append(t)
    assert len(study.trials()) == 12 and by_status["ok"] and len(by_status) == 2
    for t in by_status["failed"]:
        if t["params"]["x"] < 0.3:
            assert t["error"] == "RuntimeError: out of memory (pretend)"
        else:
            assert t["error"].startswith("the objective returned nan")
        assert t["score"] is None
    assert "errors:" in study.table()
    assert study.ranked()[-1]["status"] == "failed"


def test_interrupted_driver_resumes_without_rerunning_finished_trials(tmp_path):
    uninterrupted = random_search(TinyFit(), SPACE, 4, seed=3, study=tmp_path / "a", mode="min",
                                  monitor="dev_cost", verbose=0)
    objective = TinyFit(interrupt_at=(2, 1))  # Ctrl-C after epoch 2 of 3 of trial 2
    with pytest.raises(KeyboardInterrupt):
        random_search(objective, SPACE, 4, seed=3, study=tmp_path / "b", mode="min",
                      monitor="dev_cost", verbose=0)
    assert objective.calls == [0, 1, 2]
    assert sorted(Study.open(tmp_path / "b").records) == [0, 1]  # what finished is on disk
    resumed = random_search(objective, SPACE, 4, seed=3, study=tmp_path / "b", mode="min",
                            monitor="dev_cost", verbose=0, resume=True)
    assert objective.calls == [0, 1, 2, 2, 3]  # trials 0 and 1 are not run again
    assert resumed.table() == uninterrupted.table()
    trial_2 = resumed.records[2]
    assert [a["start_epoch"] for a in trial_2["attempts"]] == [0, 2]  # from its checkpoint
    assert trial_2["scores"] == uninterrupted.records[2]["scores"]
    assert len(trial_2["scores"]) == 3


def test_a_study_is_not_replaced_or_resumed_with_other_settings(tmp_path):
    random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 2, seed=0, study=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="already holds a study"):
        random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 2, seed=0, study=tmp_path, verbose=0)
    with pytest.raises(ValueError, match=r"with other settings \(seed differ\)"):
        random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 2, seed=1, study=tmp_path,
                      resume=True, verbose=0)
    again = random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 3, seed=0, study=tmp_path,
                          overwrite=True, verbose=0)
    assert len(again.trials()) == 3


def test_overwrite_removes_the_old_trials_checkpoints(tmp_path):
    first = random_search(TinyFit(epochs=2), SPACE, 1, seed=0, study=tmp_path, mode="min",
                          monitor="dev_cost", verbose=0)
    assert (tmp_path / "trials" / "trial-0000" / "checkpoint.safetensors").exists()
    again = random_search(TinyFit(epochs=3), SPACE, 1, seed=0, study=tmp_path, mode="min",
                          monitor="dev_cost", overwrite=True, verbose=0)
    assert again.records[0]["attempts"] == [{"start_epoch": 0,
                                             "pid": first.records[0]["attempts"][0]["pid"]}]
    assert again.records[0]["epochs"] == 3


def test_coarse_to_fine_shrinks_each_range_around_the_best_in_its_scale(tmp_path):
    def objective(params):  # best at learning_rate 1e-2, keep_prob 0.8
        return -(math.log10(params["learning_rate"]) + 2) ** 2 - (params["keep_prob"] - 0.8) ** 2

    space = {"learning_rate": LogUniform(1e-5, 1.0), "keep_prob": Uniform(0.5, 1.0)}
    study = coarse_to_fine(objective, space, rounds=3, trials_per_round=12, keep=0.25, seed=0,
                           study=tmp_path, verbose=0)
    rounds = study.settings["round_spaces"]
    assert len(rounds) == 3 and len(study.trials()) == 36
    for r in (1, 2):
        previous, current = rounds[r - 1], rounds[r]
        best = sorted((t for t in study.trials() if t["round"] == r - 1),
                      key=lambda t: -t["score"])[:3]
        for name in space:
            lo, hi = previous[name]["low"], previous[name]["high"]
            new_lo, new_hi = current[name]["low"], current[name]["high"]
            assert lo <= new_lo < new_hi <= hi and (new_hi - new_lo) < (hi - lo)
            values = [t["params"][name] for t in best]
            assert new_lo <= min(values) and max(values) <= new_hi
        # In log space for the log range: the bounds are the best's log10 span, padded by
        # 10 % of the old span in log10.
        logs = [math.log10(t["params"]["learning_rate"]) for t in best]
        pad = 0.1 * (math.log10(previous["learning_rate"]["high"])
                     - math.log10(previous["learning_rate"]["low"]))
        assert math.log10(current["learning_rate"]["low"]) == pytest.approx(
            max(math.log10(previous["learning_rate"]["low"]), min(logs) - pad))
    for t in study.trials():  # every trial sampled inside its round's range
        r = rounds[t["round"]]
        assert r["keep_prob"]["low"] <= t["params"]["keep_prob"] <= r["keep_prob"]["high"]
    best_by_round = [max(t["score"] for t in study.trials() if t["round"] == r)
                     for r in range(3)]
    assert best_by_round[2] >= best_by_round[0]


def test_coarse_to_fine_resumes_to_the_same_rounds(tmp_path):
    calls = []

    def objective(params):
        calls.append(params["x"])
        if len(calls) == 7:
            raise KeyboardInterrupt
        return quadratic(params)

    kwargs = dict(rounds=3, trials_per_round=4, keep=1, seed=2, verbose=0)
    whole = coarse_to_fine(quadratic, {"x": Uniform(0.0, 1.0)}, study=tmp_path / "a", **kwargs)
    with pytest.raises(KeyboardInterrupt):
        coarse_to_fine(objective, {"x": Uniform(0.0, 1.0)}, study=tmp_path / "b", **kwargs)
    resumed = coarse_to_fine(objective, {"x": Uniform(0.0, 1.0)}, study=tmp_path / "b",
                             resume=True, **kwargs)
    assert len(calls) == 12 + 1  # the interrupted trial ran twice, no other one did
    assert resumed.table() == whole.table()
    assert resumed.settings["round_spaces"] == whole.settings["round_spaces"]


def test_grid_search_tries_few_values_of_each_hyperparameter(tmp_path):
    study = grid_search(quadratic_xy, {"x": [0.1, 0.5, 0.9], "y": [1, 2]}, study=tmp_path,
                        verbose=0)
    assert len(study.trials()) == 6
    assert {t["params"]["x"] for t in study.trials()} == {0.1, 0.5, 0.9}
    with pytest.raises(ValueError, match="grid_search: grid must be a dict"):
        grid_search(quadratic_xy, {"x": []}, study=tmp_path / "b")


def quadratic_xy(params):
    return -(params["x"] - 0.3) ** 2 - 0.01 * params["y"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="The 'n_trials' parameter of random_search"):
        random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 0)
    with pytest.raises(ValueError, match="The 'keep' parameter of coarse_to_fine"):
        coarse_to_fine(quadratic, {"x": Uniform(0.0, 1.0)}, keep=1.5)
    for seed in (-1, True, 1.5):
        with pytest.raises(ValueError, match=r"The 'seed' parameter of random_search must be "
                           rf"an int >= 0\. Got {seed!r} instead"):
            random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 1, seed=seed, verbose=0)
    with pytest.raises(ValueError, match="executor must be 'local' or 'dask'; got 'spark'"):
        random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 1, executor="spark", verbose=0)
    with pytest.raises(ValueError, match="workers and scheduler need executor='dask'"):
        random_search(quadratic, {"x": Uniform(0.0, 1.0)}, 1, workers=2, verbose=0)
