"""A fixture for the CLI tests: a short training run into a fresh run folder."""
import pytest

from npdeep import cli


@pytest.fixture
def train(tmp_path):
    """train(*options) runs `npdeep train --data digits --out tmp_path/run --no-progress
    *options`, checks that it succeeded and returns the run folder."""
    def run(*extra):
        out = tmp_path / "run"
        code = cli.main(["train", "--data", "digits", "--out", str(out), "--no-progress",
                         *extra])
        assert code == 0
        return out
    return run
