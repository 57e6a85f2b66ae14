"""Tests of npdeep/cli/commands.py: npdeep train, evaluate and diagnose end to end."""
import json
import os

import pytest

import npdeep
from npdeep import cli

pytest.importorskip("sklearn")  # the digits data set ships with scikit-learn
pytest.importorskip("safetensors")


def _config(out):
    return json.loads((out / "config.json").read_text())


def test_train_writes_run_folder(capsys, train):
    out = train("--epochs", "3", "--hidden", "32,16", "--optimizer", "momentum",
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


def test_evaluate_reloads_the_run(capsys, train):
    out = train("--epochs", "2", "--hidden", "32")
    trained = json.loads((out / "results.json").read_text())
    capsys.readouterr()
    assert cli.main(["evaluate", "--run", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "digits test set: 180 examples" in printed
    assert f"accuracy: {trained['test']['accuracy']:.4f}" in printed
    assert "precision" in printed and "macro avg" in printed
    assert cli.main(["evaluate", "--run", str(out), "--split", "dev"]) == 0
    assert f"accuracy: {trained['dev']['accuracy']:.4f}" in capsys.readouterr().out


def test_evaluate_without_run_folder(tmp_path, capsys):
    assert cli.main(["evaluate", "--run", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err


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


def test_evaluate_finds_the_data_where_the_run_was_trained(tmp_path, monkeypatch, capsys, train):
    # Reported: `npdeep evaluate --run` forgot --data-root and looked in the default place.
    root = tmp_path / "data"
    root.mkdir()
    out = train("--epochs", "1", "--hidden", "8", "--data-root", str(root))
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


def test_ctrl_c_hint_says_resume(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(npdeep, "fit", interrupted)
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--epochs", "1", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert f"Continue the run with: npdeep train --out {out} --resume" in err


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


def test_diagnose_with_negative_gaps_gives_no_remedy(capsys):
    # Reported: "avoidable bias -2" was ranked largest and "train a bigger model" advised.
    assert cli.main(["diagnose", "--human", "10", "--train", "8", "--dev", "5"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "bigger model" not in printed and "<- largest" not in printed
    assert "surpassed human-level performance" in printed
    assert "No gap is positive" in printed


def test_default_digits_run_reaches_97_percent(train):
    out = train()
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
