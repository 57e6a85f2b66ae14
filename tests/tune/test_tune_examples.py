"""The hyperparameter-search examples run end to end (tiny settings; the figures in the
README come from their full runs)."""
import pytest
from harness import load_example


def test_random_search_beats_a_grid_when_one_hyperparameter_matters(tmp_path):
    result = load_example("random_vs_grid").main(["--seeds", "3", "--side", "3",
                                                   "--out", str(tmp_path)])
    assert result["trials"] == 9
    assert result["grid_alpha_values"] == 3 and result["random_alpha_values"] == 9
    assert result["random_best_mean"] > result["grid_best"]


@pytest.mark.slow  # digits and matplotlib: a few seconds
def test_hyperparameter_search_example_smoke(tmp_path):
    pytest.importorskip("sklearn")
    result = load_example("hyperparameter_search").main(
        ["--part", "coarse-to-fine", "--epochs", "1", "--trials", "3", "--repeats", "1",
         "--out", str(tmp_path)])
    c2f = result["coarse-to-fine"]["per_seed"][0]
    assert len(c2f["best_by_round"]) == 3 and 0 <= c2f["best"] <= 1
    (lo0, hi0), (lo1, hi1), _ = c2f["learning_rate_ranges"]
    assert lo0 <= lo1 < hi1 <= hi0
    assert (tmp_path / "coarse-to-fine-0" / "rounds.png").exists()
