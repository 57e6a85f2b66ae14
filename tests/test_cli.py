"""The npdeep command: train (run folder), evaluate, diagnose, resume, errors."""
import argparse
import json
import os
import subprocess
import sys

import pytest

import npdeep
from npdeep import cli

pytest.importorskip("sklearn")  # the digits data set ships with scikit-learn
pytest.importorskip("safetensors")


def _train(tmp_path, *extra):
    out = tmp_path / "run"
    code = cli.main(["train", "--data", "digits", "--out", str(out), "--no-progress", *extra])
    assert code == 0
    return out


def test_train_writes_run_folder(tmp_path, capsys):
    out = _train(tmp_path, "--epochs", "3", "--hidden", "32,16", "--optimizer", "momentum",
                 "--learning-rate", "0.05", "--keep-prob", "1.0")
    printed = capsys.readouterr().out
    assert "Training mlp on digits: 1437 train, 180 dev, 180 test examples" in printed
    assert "dev accuracy:" in printed and "test accuracy:" in printed
    assert sorted(os.listdir(out)) == ["checkpoint.safetensors", "config.json", "curves.png",
                                       "history.json", "model.safetensors",
                                       "preprocess.safetensors", "results.json"]
    config = json.loads((out / "config.json").read_text())
    assert config["hidden"] == [32, 16] and config["optimizer"] == "momentum"
    assert config["epochs"] == 3 and config["input_shape"] == [8, 8, 1]
    history = npdeep.History.from_json(out / "history.json")
    assert history.epochs == [0, 1, 2]
    results = json.loads((out / "results.json").read_text())
    test_line = [line for line in printed.splitlines() if line.startswith("test accuracy")][0]
    assert float(test_line.split()[-1]) == pytest.approx(results["test"]["accuracy"], abs=1e-4)
    assert results["test"]["accuracy"] > 0.8


def test_evaluate_reloads_the_run(tmp_path, capsys):
    out = _train(tmp_path, "--epochs", "2", "--hidden", "32")
    trained = json.loads((out / "results.json").read_text())
    capsys.readouterr()
    assert cli.main(["evaluate", "--run", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "digits test set: 180 examples" in printed
    assert f"accuracy: {trained['test']['accuracy']:.4f}" in printed
    assert "precision" in printed and "macro avg" in printed
    assert cli.main(["evaluate", "--run", str(out), "--split", "dev"]) == 0
    assert f"accuracy: {trained['dev']['accuracy']:.4f}" in capsys.readouterr().out


def test_resume_continues_the_run(tmp_path):
    out = _train(tmp_path, "--epochs", "2", "--hidden", "16")
    _train(tmp_path, "--epochs", "4", "--hidden", "16", "--resume")
    assert npdeep.History.from_json(out / "history.json").epochs == [0, 1, 2, 3]


def test_resume_with_other_architecture_is_a_clear_error(tmp_path, capsys):
    _train(tmp_path, "--epochs", "1", "--hidden", "16")
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


def test_evaluate_without_run_folder(tmp_path, capsys):
    assert cli.main(["evaluate", "--run", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err


# ---------------------------------------------------------------- resume and run folders


def _config(out):
    return json.loads((out / "config.json").read_text())


def test_resume_takes_every_setting_from_config_json(tmp_path, capsys):
    # Reported: `npdeep train --out runs/x --resume` failed without repeating the architecture.
    out = _train(tmp_path, "--epochs", "2", "--hidden", "16", "--optimizer", "momentum",
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


def test_resume_of_a_complete_run_says_so(tmp_path, capsys):
    out = _train(tmp_path, "--epochs", "1", "--hidden", "8")
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--verbose", "2"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("run already complete (1 of 1 epochs trained)") == 1
    assert "test accuracy" in printed


def test_resume_refuses_a_changed_setting(tmp_path, capsys):
    # Reported: `--resume --learning-rate 0.1` silently changed the run.
    out = _train(tmp_path, "--epochs", "1", "--hidden", "8", "--learning-rate", "0.01")
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


def test_resume_allow_change_applies_and_records_the_change(tmp_path, capsys):
    out = _train(tmp_path, "--epochs", "1", "--hidden", "8", "--learning-rate", "0.01")
    capsys.readouterr()
    assert cli.main(["train", "--out", str(out), "--resume", "--epochs", "2",
                     "--learning-rate", "0.1", "--allow-change", "--no-progress"]) == 0
    assert "Changing learning_rate on resume: 0.01 -> 0.1" in capsys.readouterr().out
    config = _config(out)
    assert config["learning_rate"] == 0.1
    assert config["changed_on_resume"] == [{"learning_rate": [0.01, 0.1]}]
    assert npdeep.History.from_json(out / "history.json").epochs == [0, 1]


def test_existing_run_folder_is_refused_without_resume_or_overwrite(tmp_path, capsys):
    out = _train(tmp_path, "--epochs", "2", "--hidden", "8")
    before = (out / "checkpoint.safetensors").read_bytes()
    capsys.readouterr()
    code = cli.main(["train", "--out", str(out), "--epochs", "1", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"'{out}' already holds a run (config.json" in err
    assert "--resume" in err and "--overwrite" in err
    assert (out / "checkpoint.safetensors").read_bytes() == before
    # --overwrite replaces it: a fresh one-epoch run with the new settings.
    _train(tmp_path, "--epochs", "1", "--hidden", "12", "--overwrite")
    assert npdeep.History.from_json(out / "history.json").epochs == [0]
    assert _config(out)["hidden"] == [12]


def test_a_run_that_never_started_is_no_obstacle(tmp_path):
    # config.json without weights (a start refused by fit, say) holds nothing to lose.
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    _train(tmp_path, "--epochs", "1", "--hidden", "8")
    assert _config(out)["hidden"] == [8]


def test_resume_and_overwrite_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--resume", "--overwrite"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_one_line_per_epoch_when_not_a_terminal(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--epochs", "2", "--hidden", "8"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("epoch ")]
    assert [x.split(" - ")[0] for x in lines] == ["epoch 1/2", "epoch 2/2"]
    assert "dev_accuracy" in lines[-1]
    assert cli.main(["train", "--out", str(out), "--overwrite", "--epochs", "1",
                     "--hidden", "8", "--verbose", "0"]) == 0
    assert "epoch 1/1" not in capsys.readouterr().out
    from npdeep.cli.commands import _verbose

    class Terminal:
        @staticmethod
        def isatty():
            return True

    monkeypatch.setattr("sys.stdout", Terminal())
    assert _verbose(cli.build_parser().parse_args(["train"])) == 1


def test_evaluate_finds_the_data_where_the_run_was_trained(tmp_path, monkeypatch, capsys):
    # Reported: `npdeep evaluate --run` forgot --data-root and looked in the default place.
    root = tmp_path / "data"
    root.mkdir()
    out = _train(tmp_path, "--epochs", "1", "--hidden", "8", "--data-root", str(root))
    assert _config(out)["data_root"] == str(root)
    from npdeep.cli import commands
    seen = []

    def load_data(name, seed, data_root=None):
        seen.append(data_root)
        return real(name, seed, data_root)

    real = commands.load_data
    monkeypatch.setattr(commands, "load_data", load_data)
    assert cli.main(["evaluate", "--run", str(out)]) == 0
    assert seen == [str(root)]


# ---------------------------------------------------------------- errors, help, version


def test_help_shows_defaults_and_describes_every_flag(capsys):
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            assert action.help, f"npdeep {name} {action.option_strings} has no help text"
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "the data set (default: digits)" in text
    assert "(default: the data set's: digits 40, mnist 20" in text
    assert "digits 256, mnist 512,256" in text
    assert "--allow-change" in text and "--overwrite" in text
    with pytest.raises(SystemExit):
        parser.parse_args(["evaluate", "--help"])
    assert "(default: test)" in capsys.readouterr().out


@pytest.mark.parametrize("flag, value, expects", [
    ("--seed", "-1", "expects an int in [0, 2**32)"),
    ("--seed", "1.5", "expects an int in [0, 2**32)"),
    ("--epochs", "0", "expects an int >= 1"),
    ("--learning-rate", "-0.1", "expects a number > 0"),
    ("--keep-prob", "1.5", "expects a probability in (0, 1]"),
])
def test_bad_values_name_the_flag(flag, value, expects, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", flag, value])
    assert f"argument {flag}: {expects}; got '{value}'" in capsys.readouterr().err


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


def test_ctrl_c_hint_says_resume(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(npdeep, "fit", interrupted)
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--epochs", "1", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert f"Continue the run with: npdeep train --out {out} --resume" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"npdeep {npdeep.__version__}"


def test_diagnose_with_negative_gaps_gives_no_remedy(capsys):
    # Reported: "avoidable bias -2" was ranked largest and "train a bigger model" advised.
    assert cli.main(["diagnose", "--human", "10", "--train", "8", "--dev", "5"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "bigger model" not in printed and "<- largest" not in printed
    assert "surpassed human-level performance" in printed
    assert "No gap is positive" in printed


def test_diagnose_refuses_an_impossible_error_rate(capsys):
    with pytest.raises(SystemExit):
        cli.main(["diagnose", "--human", "1", "--train", "-8", "--dev", "10"])
    assert "argument --train: expects an error rate" in capsys.readouterr().err


def test_diagnose_prints_table(capsys):
    assert cli.main(["diagnose", "--human", "1", "--train", "8", "--dev", "10"]) == 0
    printed = capsys.readouterr().out
    assert "avoidable bias" in printed and "<- largest" in printed
    line = [x for x in printed.splitlines() if x.startswith("avoidable bias")][0]
    assert line.split()[2] == "7" and "largest" in line


def test_diagnose_data_mismatch(capsys):
    assert cli.main(["diagnose", "--human", "0", "--train", "1", "--train-dev", "1.5",
                     "--dev", "10", "--test", "10.5"]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if "<- largest" in x][0]
    assert line.startswith("data mismatch")


def test_bad_hidden_is_rejected(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--hidden", "12,x"])
    assert "--hidden expects comma-separated layer sizes" in capsys.readouterr().err


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_closed_pipe_ends_quietly():
    """`npdeep diagnose ... | head -0`: no BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        done = subprocess.run([sys.executable, "-m", "npdeep.cli", "diagnose", "--human", "1",
                               "--train", "8", "--dev", "10"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 1


@pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "npdeep", "__main__.py")),
                    reason="python -m npdeep needs npdeep/__main__.py")
def test_python_m_npdeep_version():
    done = subprocess.run([sys.executable, "-m", "npdeep", "--version"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"npdeep {npdeep.__version__}"


def test_console_script_runs():
    """`python -m npdeep.cli` (what the `npdeep` console script calls)."""
    done = subprocess.run([sys.executable, "-m", "npdeep.cli", "diagnose", "--human", "1",
                           "--train", "8", "--dev", "10"], capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr
    assert "Focus on avoidable bias" in done.stdout


def test_default_digits_run_reaches_97_percent(tmp_path):
    out = _train(tmp_path)
    results = json.loads((out / "results.json").read_text())
    assert results["test"]["accuracy"] >= 0.97


@pytest.mark.slow
def test_mlp_on_mnist_reaches_98_percent(tmp_path):
    from conftest import SHARED_DATA
    root = os.path.join(SHARED_DATA, "mnist")
    if not os.path.exists(os.path.join(root, "t10k-images-idx3-ubyte.gz")):
        pytest.skip("MNIST files not found next to the repository")
    out = tmp_path / "mnist"
    assert cli.main(["train", "--data", "mnist", "--data-root", root, "--out", str(out),
                     "--no-progress"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["test"]["accuracy"] >= 0.98
