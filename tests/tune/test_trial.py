"""run_trial: the record of one trial, its attempts, its per-epoch scores, its errors."""
import json

import pytest
from harness import blobs, mlp_and_adam

import npdeep.functional as F
from npdeep.tune.trial import Trial, accepts_trial, run_trial

X, Y = blobs(m=120, seed=2)


def spec(tmp_path, **extra):
    return {"index": 3, "round": 0, "params": {"learning_rate": 0.01},
            "run_dir": str(tmp_path / "trial-0003"), "monitor": "dev_accuracy", "mode": "max",
            **extra}


def fit_objective(params, trial):
    model, optimizer = mlp_and_adam(learning_rate=params["learning_rate"])
    history = trial.fit(model, F.cross_entropy, optimizer, (X[:90], Y[:90]), (X[90:], Y[90:]),
                        epochs=3, mini_batch_size=30)
    return history.dev["accuracy"][-1]


def test_a_fit_trial_has_a_run_folder_with_checkpoint_and_per_epoch_scores(tmp_path):
    record = run_trial(fit_objective, spec(tmp_path))
    folder = tmp_path / "trial-0003"
    assert record["status"] == "ok" and record["epochs"] == 3
    assert (folder / "checkpoint.safetensors").exists()
    assert json.loads((folder / "scores.json").read_text())["scores"] == record["scores"]
    assert record["score"] == record["scores"][-1]
    assert record["attempts"][0]["start_epoch"] == 0
    again = run_trial(fit_objective, spec(tmp_path))  # the run is complete: nothing retrained
    assert again["attempts"][1]["start_epoch"] == 3 and again["score"] == record["score"]


def test_errors_are_recorded_not_raised(tmp_path):
    record = run_trial(lambda p: "high", spec(tmp_path))
    assert record["status"] == "failed"
    assert record["error"] == ("TypeError: the objective returned 'high', not a number (the "
                               "dev score)")
    record = run_trial(lambda p: float("inf"), spec(tmp_path))
    assert record["error"].startswith("the objective returned inf")

    def bad_labels(params, trial):  # fit refuses labels outside the model's 3 outputs
        model, optimizer = mlp_and_adam()
        return trial.fit(model, F.cross_entropy, optimizer, (X, Y + 10), (X, Y), epochs=2)

    record = run_trial(bad_labels, spec(tmp_path / "b"))
    assert record["status"] == "failed" and record["error"].startswith("ValueError: fit")


def test_trial_fit_refuses_its_own_arguments(tmp_path):
    trial = Trial(0, {}, str(tmp_path))
    model, optimizer = mlp_and_adam()
    with pytest.raises(ValueError, match="Trial.fit: checkpoint_dir is set by the trial"):
        trial.fit(model, F.cross_entropy, optimizer, (X, Y), (X, Y), checkpoint_dir="x")


def test_accepts_trial():
    assert accepts_trial(lambda params, trial: 0)
    assert not accepts_trial(lambda params: 0)
