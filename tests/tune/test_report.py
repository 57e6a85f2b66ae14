"""The study's table and plots: log axes where log-sampled, nested rounds, learning curves."""
import math

import pytest

from npdeep.tune import Choice, LogUniform, OneMinusLogUniform, coarse_to_fine, random_search
from npdeep.tune.report import plot_rounds, plot_scores, write_report

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"
SPACE = {"learning_rate": LogUniform(1e-4, 1e-1), "beta": OneMinusLogUniform(0.9, 0.999),
         "hidden": Choice([64, 128])}


def curve_objective(params, trial):
    target = -abs(math.log10(params["learning_rate"]) + 2.5) - abs(
        math.log10(1 - params["beta"]) + 2)
    for epoch in range(3):
        trial.report(epoch, target * 3 / (epoch + 1))
    return trial.scores[-1]


def test_report_writes_the_table_and_pngs(tmp_path):
    study = coarse_to_fine(curve_objective, SPACE, rounds=2, trials_per_round=6, keep=2,
                           study=tmp_path, verbose=0)
    paths = write_report(tmp_path, top=3)
    for key in ("scores", "curves", "rounds"):
        with open(paths[key], "rb") as f:
            assert f.read(8) == PNG, key
    text = (tmp_path / "report.txt").read_text()
    assert text.strip() == study.table(top=3) and len(text.strip().splitlines()) == 4
    assert "beta" in text and "learning_rate" in text


def test_log_sampled_hyperparameters_get_log_axes(tmp_path):
    study = random_search(curve_objective, SPACE, 5, study=tmp_path, verbose=0)
    axes = {ax.get_xlabel(): ax for ax in plot_scores(study).axes}
    assert axes["learning_rate"].get_xscale() == "log"
    assert axes["1 − beta"].get_xscale() == "log"  # β near 1: 1 − β on a log axis
    assert axes["hidden"].get_xscale() == "linear"
    assert [t.get_text() for t in axes["hidden"].get_xticklabels()] == ["64", "128"]


def test_rounds_are_drawn_as_nested_ranges(tmp_path):
    study = coarse_to_fine(curve_objective, SPACE, rounds=3, trials_per_round=6, keep=2,
                           study=tmp_path, verbose=0)
    ax = {a.get_xlabel(): a for a in plot_rounds(study).axes}["learning_rate"]
    bars = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]
    assert len(bars) == 3
    for (lo, hi), (inner_lo, inner_hi) in zip(bars, bars[1:]):
        assert lo <= inner_lo < inner_hi <= hi
    assert bars[0] == pytest.approx((1e-4, 1e-1))
