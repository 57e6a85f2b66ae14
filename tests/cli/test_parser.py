"""Tests of npdeep/cli/parser.py: options, --help, errors that name the flag, main()."""
import argparse
import os
import subprocess
import sys

import pytest

import npdeep
from npdeep import cli

pytest.importorskip("sklearn")  # the digits data set ships with scikit-learn
pytest.importorskip("safetensors")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_resume_and_overwrite_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--resume", "--overwrite"])
    assert "not allowed with argument" in capsys.readouterr().err


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


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"npdeep {npdeep.__version__}"


def test_diagnose_refuses_an_impossible_error_rate(capsys):
    with pytest.raises(SystemExit):
        cli.main(["diagnose", "--human", "1", "--train", "-8", "--dev", "10"])
    assert "argument --train: expects an error rate" in capsys.readouterr().err


def test_bad_hidden_is_rejected(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--hidden", "12,x"])
    assert "--hidden expects comma-separated layer sizes" in capsys.readouterr().err


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
