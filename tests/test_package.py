"""What ``import npdeep`` gives: the subpackages as attributes, __all__, __version__, -m npdeep."""
import subprocess
import sys
from importlib import metadata

import pytest

import npdeep as nd

SUBPACKAGES = ["nn", "optim", "functional", "data", "models", "metrics", "init", "train",
               "reference", "text", "vision", "tune"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackages_are_attributes_after_import(name):
    assert name in nd.__all__
    assert getattr(nd, name).__name__ == f"npdeep.{name}"


def test_the_first_lines_a_new_user_types():
    # In a fresh interpreter, so that no other test has imported the subpackages first.
    code = ("import npdeep as nd; nd.nn.Linear(3, 2); nd.optim.Adam; nd.models.lenet5; "
            "nd.metrics.diagnose; nd.functional.relu; nd.data.DataLoader; nd.train.fit; "
            "nd.init; from npdeep.reference import L_model_forward, conv_forward")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_all_lists_only_existing_public_names():
    for name in nd.__all__:
        assert hasattr(nd, name), name
    assert len(set(nd.__all__)) == len(nd.__all__)
    for name in ("Tensor", "tensor", "no_grad", "manual_seed", "fit", "set_num_threads",
                 "get_num_threads"):
        assert name in nd.__all__


def test_internals_are_reachable_but_not_advertised():
    for name in ("autograd", "backend", "validation"):
        assert getattr(nd, name).__name__ == f"npdeep.{name}"
        assert name not in nd.__all__
    assert "cli" not in nd.__all__


def test_star_import_gives_the_public_names():
    namespace = {}
    exec("from npdeep import *", namespace)
    assert {"nn", "Tensor", "fit"} <= set(namespace)
    assert "autograd" not in namespace


def test_version_comes_from_the_package_metadata():
    try:
        expected = metadata.version("npdeep")
    except metadata.PackageNotFoundError:
        expected = "0+unknown"
    assert nd.__version__ == expected


def test_version_falls_back_when_not_installed(monkeypatch):
    import importlib

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    try:
        reloaded = importlib.reload(nd)
        assert reloaded.__version__ == "0+unknown"
    finally:
        monkeypatch.undo()
        importlib.reload(nd)


def test_python_dash_m_npdeep_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "npdeep", "--help"], capture_output=True,
                            text=True, check=True)
    assert "usage: npdeep" in result.stdout
    assert "diagnose" in result.stdout


def test_threads_are_exported():
    assert nd.get_num_threads() >= 1
    assert nd.set_num_threads is nd.threads.set_num_threads
