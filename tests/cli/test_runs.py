"""Tests of npdeep/cli/runs.py: resuming from config.json, changed settings, overwriting."""
import json

import pytest

import npdeep
from npdeep import cli

pytest.importorskip("sklearn")  # the digits data set ships with scikit-learn
pytest.importorskip("safetensors")


def _config(out):
    return json.loads((out / "config.json").read_text())


def test_resume_continues_the_run(train):
    out = train("--epochs", "2", "--hidden", "16")
    train("--epochs", "4", "--hidden", "16", "--resume")
    assert npdeep.History.from_json(out / "history.json").epochs == [0, 1, 2, 3]


def test_resume_with_other_architecture_is_a_clear_error(tmp_path, capsys, train):
    train("--epochs", "1", "--hidden", "16")
    code = cli.main(["train", "--data", "digits", "--out", str(tmp_path / "run"),
                     "--no-progress", "--epochs", "2", "--hidden", "24", "--resume",
                     "--allow-change"])
    assert code == 2
    assert "shape mismatch for 1.W: checkpoint (16, 64), model (24, 64)" in (
        capsys.readouterr().err)
    # The refused change is not left in config.json: a plain --resume still works.
    assert _config(tmp_path / "run")["hidden"] == [16]
    assert cli.main(["train", "--out", str(tmp_path / "run"), "--resume", "--epochs", "2",
                     "--no-progress"]) == 0


def test_resume_takes_every_setting_from_config_json(capsys, train):
    # Reported: `npdeep train --out runs/x --resume` failed without repeating the architecture.
    out = train("--epochs", "2", "--hidden", "16", "--optimizer", "momentum",
                 "--learning-rate", "0.02", "--seed", "3")
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", "3",
                     "--verbose", "2"]) == 0
    printed = capsys.readouterr().out
    # fit says it at verbose >= 1; the command must not say it a second time.
    assert printed.count("resuming from epoch 3 of 3") == 1
    assert "epoch 3/3 - cost" in printed
    config = _config(out)
    assert config["hidden"] == [16] and config["optimizer"] == "momentum"
    assert config["learning_rate"] == 0.02 and config["seed"] == 3 and config["epochs"] == 3
    assert npdeep.History.from_json(out / "history.json").epochs == [0, 1, 2]


def test_resume_of_a_complete_run_says_so(capsys, train):
    out = train("--epochs", "1", "--hidden", "8")
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--verbose", "2"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("run already complete (1 of 1 epochs trained)") == 1
    assert "test accuracy" in printed


def test_resume_without_a_run_starts_one_and_says_so_once(tmp_path, capsys):
    out = tmp_path / "new"
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", "1", "--hidden", "8",
                     "--verbose", "2"]) == 0
    assert capsys.readouterr().out.count("starting a new run") == 1
    assert _config(out)["hidden"] == [8]


def test_resume_refuses_a_changed_setting(capsys, train):
    # Reported: `--resume --learning-rate 0.1` silently changed the run.
    out = train("--epochs", "1", "--hidden", "8", "--learning-rate", "0.01")
    before = (out / "checkpoint.safetensors").read_bytes()
    capsys.readouterr()
    code = cli.main(["train", "--out", str(out), "--resume", "--epochs", "2",
                     "--learning-rate", "0.1", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--learning-rate 0.1 (the run has 0.01)" in err
    assert "config.json" in err and "--allow-change" in err
    assert _config(out)["learning_rate"] == 0.01
    assert (out / "checkpoint.safetensors").read_bytes() == before


def test_resume_allow_change_applies_and_records_the_change(capsys, train):
    out = train("--epochs", "1", "--hidden", "8", "--learning-rate", "0.01")
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", "2",
                     "--learning-rate", "0.1", "--allow-change", "--no-progress"]) == 0
    assert "Changing learning_rate on resume: 0.01 -> 0.1" in capsys.readouterr().out
    config = _config(out)
    assert config["learning_rate"] == 0.1
    assert config["changed_on_resume"] == [{"learning_rate": [0.01, 0.1]}]
    assert npdeep.History.from_json(out / "history.json").epochs == [0, 1]


def test_existing_run_folder_is_refused_without_resume_or_overwrite(capsys, train):
    out = train("--epochs", "2", "--hidden", "8")
    before = (out / "checkpoint.safetensors").read_bytes()
    capsys.readouterr()
    code = cli.main(["train", "--out", str(out), "--epochs", "1", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"'{out}' already holds a run (config.json" in err
    assert "--resume" in err and "--overwrite" in err
    assert (out / "checkpoint.safetensors").read_bytes() == before
    # --overwrite replaces it: a fresh one-epoch run with the new settings.
    train("--epochs", "1", "--hidden", "12", "--overwrite")
    assert npdeep.History.from_json(out / "history.json").epochs == [0]
    assert _config(out)["hidden"] == [12]


def test_a_run_that_never_started_is_no_obstacle(tmp_path, train):
    # config.json without weights (a start refused by fit, say) holds nothing to lose.
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    train("--epochs", "1", "--hidden", "8")
    assert _config(out)["hidden"] == [8]


def test_broken_config_json_names_the_file(tmp_path, capsys):
    (tmp_path / "config.json").write_text('{"data": "digits",')
    assert cli.main(["evaluate", "--run", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"'{tmp_path / 'config.json'}' is not valid JSON" in err and "line 1" in err
    assert cli.main(["train", "--out", str(tmp_path), "--resume"]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
    (tmp_path / "config.json").write_text('{"data": "digits"}')
    assert cli.main(["evaluate", "--run", str(tmp_path)]) == 2
    assert "lacks the settings model, seed" in capsys.readouterr().err


def test_the_betas_are_settings_of_the_run(capsys, train):
    # --beta1/--beta2 reach Adam, are recorded, and a resumed run keeps them (and refuses
    # another value without --allow-change); a β the optimizer has none of is refused first.
    from npdeep.cli.recipes import make_optimizer
    out = train("--epochs", "1", "--hidden", "8", "--optimizer", "adam", "--beta1", "0.8",
                "--beta2", "0.99")
    config = _config(out)
    assert (config["beta1"], config["beta2"]) == (0.8, 0.99) and "beta" not in config
    optimizer = make_optimizer(config, npdeep.nn.Sequential(npdeep.nn.Linear(2, 1)))
    assert (optimizer.beta1, optimizer.beta2) == (0.8, 0.99)
    train("--epochs", "2", "--resume")
    assert _config(out)["beta1"] == 0.8
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", "3", "--beta1",
                     "0.5", "--no-progress"]) == 2
    assert "--beta1 0.5 (the run has 0.8)" in capsys.readouterr().err
    assert cli.main(["train", "--data", "digits", "--out", str(out.parent / "gd"),
                     "--optimizer", "gd", "--beta", "0.9", "--no-progress"]) == 2
    assert "the gd optimizer has no 'beta' (its β settings: none)" in capsys.readouterr().err
    assert not (out.parent / "gd").exists()
    before = (out / "checkpoint.safetensors").read_bytes()  # nor is an old run cleared for it
    assert cli.main(["train", "--data", "digits", "--out", str(out), "--overwrite",
                     "--optimizer", "gd", "--beta", "0.9", "--no-progress"]) == 2
    assert (out / "checkpoint.safetensors").read_bytes() == before
    with pytest.raises(SystemExit):  # (argparse's own refusal)
        cli.main(["train", "--data", "digits", "--out", str(out.parent / "b"), "--beta",
                  "1.0", "--no-progress"])
    assert "argument --beta: expects a β in [0, 1); got '1.0'" in capsys.readouterr().err
