"""npdeep tune: a study of training runs, resume, report, and its errors."""
import json

import pytest

from npdeep import cli
from npdeep.cli.tune import split_trials

SEARCH = ["--search", "learning_rate=log(1e-3,1e-1)", "--search", "hidden=choice(8,16)"]


def tune(*options):
    return cli.main(["tune", "--data", "digits", "--epochs", "1", "--verbose", "0", *options])


def test_tune_writes_a_study_of_run_folders_and_resume_keeps_them(tmp_path, capsys):
    study = tmp_path / "study"
    assert tune("--trials", "2", *SEARCH, "--set", "keep_prob=1.0", "--study", str(study)) == 0
    out = capsys.readouterr().out
    assert "rank  trial" in out and "learning_rate" in out
    trials = json.loads((study / "trials.json").read_text())
    assert [t["status"] for t in trials] == ["ok", "ok"]
    assert json.loads((study / "study.json").read_text())["objective"]["keep_prob"] == 1.0
    run = study / "trials" / "trial-0000"
    config = json.loads((run / "config.json").read_text())
    assert config["hidden"] == [trials[0]["params"]["hidden"]]  # choice(8,16): one layer
    assert config["learning_rate"] == trials[0]["params"]["learning_rate"]
    assert cli.main(["evaluate", "--run", str(run), "--split", "dev"]) == 0  # a real run folder
    assert f"accuracy: {trials[0]['score']:.4f}" in capsys.readouterr().out

    assert cli.main(["tune", "--resume", "--study", str(study), "--verbose", "0"]) == 0
    again = json.loads((study / "trials.json").read_text())
    assert again == trials  # nothing rerun: the same records, one attempt each
    assert cli.main(["tune", "--report", "--study", str(study)]) == 0
    assert (study / "scores.png").read_bytes()[:4] == b"\x89PNG"
    assert "written:" in capsys.readouterr().out


def test_coarse_to_fine_from_the_command_line(tmp_path):
    study = tmp_path / "c2f"
    assert tune("--trials", "4", "--method", "coarse-to-fine", "--rounds", "2", "--keep", "0.5",
                "--search", "learning_rate=log(1e-3,1e-1)", "--set", "hidden=8",
                "--study", str(study)) == 0
    settings = json.loads((study / "study.json").read_text())
    assert settings["trials_per_round"] == [2, 2] and len(settings["round_spaces"]) == 2
    assert (study / "rounds.png").exists()


def test_split_trials():
    assert split_trials(20, 3) == [7, 7, 6]
    assert split_trials(6, 3) == [2, 2, 2]
    with pytest.raises(ValueError, match="--trials 2 is fewer than --rounds 3"):
        split_trials(2, 3)


@pytest.mark.parametrize("options, message", [
    ([], "give at least one --search"),
    (["--search", "learnin_rate=log(1e-3,1)"], "unknown hyperparameter 'learnin_rate'"),
    (["--search", "learning_rate=log(0,1)"], "a log scale needs low > 0"),
    (["--search", "keep_prob=uniform(1,0.5)"], "the range is inverted"),
    (["--search", "x=log(1,2)", "--set", "optimizer"], "expected NAME=VALUE"),
    (["--search", "learning_rate=log(1e-3,1)", "--set", "hidden=8,x"],
     "--set 'hidden=8,x': --hidden expects comma-separated layer sizes such as 128,64"),
    (["--search", "learning_rate=log(1e-3,1)", "--set", "hidden=0"],
     "--set 'hidden=0': --hidden sizes must be >= 1"),
])
def test_bad_input_is_named(tmp_path, capsys, options, message):
    assert tune("--trials", "1", "--study", str(tmp_path / "s"), *options) == 2
    assert message in capsys.readouterr().err


def test_resume_and_report_need_the_study_folder(tmp_path, capsys):
    assert cli.main(["tune", "--resume"]) == 2
    assert "--resume needs --study DIR" in capsys.readouterr().err
    assert cli.main(["tune", "--report", "--study", str(tmp_path / "none")]) == 2
    assert "no study.json in" in capsys.readouterr().err


def test_an_unreachable_scheduler_fails_fast_with_a_message(tmp_path, capsys):
    pytest.importorskip("distributed")
    assert tune("--trials", "1", *SEARCH, "--study", str(tmp_path / "s"),
                "--scheduler", "tcp://127.0.0.1:9", "--timeout", "1") == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
