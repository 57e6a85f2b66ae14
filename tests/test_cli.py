"""The npdeep command: train (run folder), evaluate, diagnose, resume, errors."""
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
                     "--no-progress", "--epochs", "2", "--hidden", "24", "--resume"])
    assert code == 2
    assert "shape mismatch for 1.W: checkpoint (16, 64), model (24, 64)" in (
        capsys.readouterr().err)


def test_evaluate_without_run_folder(tmp_path, capsys):
    assert cli.main(["evaluate", "--run", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err


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
