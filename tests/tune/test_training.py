"""TrainingObjective: a trial is the run ``npdeep train`` makes with the same settings."""
import json

import numpy as np
import pytest

from npdeep import cli
from npdeep.train.checkpoint import read_safetensors
from npdeep.tune import TrainingObjective
from npdeep.tune.trial import run_trial


def spec(run_dir, params):
    return {"index": 0, "round": 0, "params": params, "run_dir": str(run_dir),
            "monitor": "dev_accuracy", "mode": "max"}


def test_a_trial_trains_what_npdeep_train_trains(tmp_path):
    """The same data split, scaler, model, optimizer and schedule: the same weights, bit for
    bit, and the same run folder files."""
    run = tmp_path / "train"
    assert cli.main(["train", "--data", "digits", "--epochs", "2", "--hidden", "16",
                     "--learning-rate", "0.01", "--keep-prob", "1.0", "--decay-rate", "0.5",
                     "--out", str(run), "--no-progress"]) == 0
    objective = TrainingObjective("digits", epochs=2, keep_prob=1.0, decay_rate=0.5)
    record = run_trial(objective, spec(tmp_path / "trial", {"learning_rate": 0.01,
                                                            "hidden": 16}))
    assert record["status"] == "ok", record["error"]
    trial = tmp_path / "trial"
    for name in ("model.safetensors", "preprocess.safetensors"):
        expected, _ = read_safetensors(str(run / name))
        got, _ = read_safetensors(str(trial / name))
        assert sorted(got) == sorted(expected), name
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{name}: {key}")
    history = json.loads((run / "history.json").read_text())
    assert record["scores"] == history["dev"]["accuracy"]
    train_config = json.loads((run / "config.json").read_text())
    trial_config = json.loads((trial / "config.json").read_text())
    for key in ("hidden", "learning_rate", "decay_rate", "keep_prob", "input_shape",
                "n_classes", "class_names", "seed"):
        assert trial_config[key] == train_config[key], key


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match="TrainingObjective: unknown data set 'cifar'"):
        TrainingObjective("cifar")
    with pytest.raises(ValueError, match="TrainingObjective: unknown model 'resnet'"):
        TrainingObjective(model="resnet")
    with pytest.raises(ValueError, match=r"TrainingObjective: unknown settings \['lr'\]"):
        TrainingObjective(lr=0.1)
    objective = TrainingObjective(epochs=1, optimizer="gd")
    record = run_trial(objective, spec(tmp_path / "t", {"beta": 0.9}))
    assert record["status"] == "failed"
    assert "the gd optimizer has no 'beta'" in record["error"]


def test_a_searched_beta_is_in_the_trial_folder_and_resume_keeps_it(tmp_path, capsys):
    # The trial's folder is a run folder: its config.json holds the searched β too, so
    # `npdeep train --resume` on it goes on with the trial's optimizer, not the default one.
    objective = TrainingObjective(epochs=1, optimizer="adam", hidden=[8])
    record = run_trial(objective, spec(tmp_path / "t", {"beta2": 0.95, "learning_rate": 0.01}))
    assert record["status"] == "ok", record["error"]
    config = json.loads((tmp_path / "t" / "config.json").read_text())
    assert config["beta2"] == 0.95 and config["learning_rate"] == 0.01
    assert cli.main(["train", "--out", str(tmp_path / "t"), "--resume", "--epochs", "2",
                     "--no-progress"]) == 0
    from npdeep.cli.recipes import make_optimizer
    import npdeep
    resumed = json.loads((tmp_path / "t" / "config.json").read_text())
    assert resumed["beta2"] == 0.95 and resumed["epochs"] == 2
    assert make_optimizer(resumed, npdeep.nn.Sequential(npdeep.nn.Linear(2, 1))).beta2 == 0.95
