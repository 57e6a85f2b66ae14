"""npdeep train --task dates and npdeep translate-dates, end to end on a tiny run (seconds)."""
import json
import os

import pytest

from npdeep import cli

pytest.importorskip("safetensors")

TINY = ("--epochs", "1", "--n-train", "200", "--n-dev", "20", "--verbose", "0")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("dates") / "run"
    assert cli.main(["train", "--task", "dates", "--out", str(out), *TINY]) == 0
    return out


def test_run_folder(run):
    assert sorted(os.listdir(run)) == sorted([
        "checkpoint.safetensors", "config.json", "curves.png", "history.json",
        "input_vocab.json", "model.safetensors", "output_vocab.json", "results.json"])
    config = json.loads((run / "config.json").read_text())
    assert config["task"] == "dates" and config["n_train"] == 200 and config["epochs"] == 1
    assert config["model"]["T_x"] == 30 and config["model"]["T_y"] == 10
    results = json.loads((run / "results.json").read_text())
    assert results["n_dev"] == 20 and results["epochs"] == 1
    for key in ("dev_exact_match_greedy", "dev_exact_match_beam3"):
        assert 0.0 <= results[key] <= 1.0


def test_translate_dates(run, capsys, tmp_path):
    assert cli.main(["translate-dates", "--run", str(run), "3 May 1979", "07.03.83"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(len(line) == 10 for line in lines)
    png = tmp_path / "alpha.png"
    assert cli.main(["translate-dates", "--run", str(run), "--beam", "3", "--attention",
                     str(png), "Saturday 9 May 2018"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 and png.exists()


def test_translate_dates_bad_input(run, capsys, tmp_path):
    assert cli.main(["translate-dates", "--run", str(run), "--beam", "0", "3 May 1979"]) == 2
    assert ("npdeep translate-dates: The 'beam_width' parameter of Translator.translate must "
            "be an int >= 1. Got 0 instead.") in capsys.readouterr().err
    with pytest.warns(UserWarning, match="more than T_x = 30; only its first 30"):
        assert cli.main(["translate-dates", "--run", str(run), "x" * 31]) == 0
    assert cli.main(["translate-dates", "--run", str(tmp_path), "3 May 1979"]) == 2
    assert "no config.json in" in capsys.readouterr().err


def test_resume_and_overwrite(run, capsys):
    # The run is complete: --resume returns at once; a new run into it is refused.
    assert cli.main(["train", "--task", "dates", "--out", str(run), "--resume",
                     "--verbose", "0"]) == 0
    assert cli.main(["train", "--task", "dates", "--out", str(run), *TINY]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert cli.main(["train", "--task", "dates", "--out", str(run), "--resume",
                     "--n-train", "300", "--verbose", "0"]) == 2
    assert "--n-train 300 (the run has 200)" in capsys.readouterr().err


def test_options_of_other_tasks_are_refused(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert cli.main(["train", "--task", "dates", "--out", out, "--cell", "gru"]) == 2
    assert ("--cell cannot be used with --task dates: --task dates generates its data and "
            "builds its own model") in capsys.readouterr().err
    assert cli.main(["train", "--task", "dates", "--out", out, "--data", "digits"]) == 2
    assert "--data cannot be used with --task dates" in capsys.readouterr().err
    assert cli.main(["train", "--out", out, "--n-train", "5"]) == 2
    assert ("--n-train cannot be used with --task classify: it belongs to --task dates"
            in capsys.readouterr().err)
