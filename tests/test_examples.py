"""The example scripts run end to end and reach their stated results."""
import os

import pytest
from harness import load_example


def test_planar_2layer_reaches_90_percent_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    result = load_example("planar_2layer").main(["--plot", "--out", str(tmp_path)])
    assert result["accuracy"] >= 0.90
    assert "training accuracy" in capsys.readouterr().out
    png = tmp_path / "planar_decision_boundary.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_logistic_regression_cannot_fit_the_flower(tmp_path):
    result = load_example("logistic_regression").main(
        ["--data", "planar", "--iterations", "200", "--out", str(tmp_path)])
    assert result["train_accuracy"] < 0.7  # a straight line cannot separate the petals


def test_logistic_regression_digits_0_vs_1(tmp_path):
    pytest.importorskip("sklearn")
    result = load_example("logistic_regression").main(["--iterations", "100",
                                                       "--out", str(tmp_path)])
    assert result["test_accuracy"] >= 0.97


def test_deep_network_learns_digits(tmp_path):
    pytest.importorskip("sklearn")
    result = load_example("deep_network").main(["--epochs", "5", "--out", str(tmp_path)])
    assert result["test_accuracy"] >= 0.85
    assert os.path.exists(result["weights"])
