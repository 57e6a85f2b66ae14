"""Which path the ops take: numba installed, NPDEEP_NUMBA, and kernels.use()."""
import subprocess
import sys

import pytest

from npdeep import kernels


def test_use_turns_the_compiled_path_off_and_back():
    before = kernels.active()
    with kernels.use(False):
        assert not kernels.active() and kernels.path() == "numpy"
        with kernels.use(True):
            assert kernels.active() is kernels.available()
    assert kernels.active() is before


def test_environment_variable_is_read_when_npdeep_is_imported(monkeypatch):
    # (the subprocess test below sets it before the import: that turns the path off)
    before = kernels.active()
    monkeypatch.setenv("NPDEEP_NUMBA", "0" if before else "1")
    assert kernels.active() is before and kernels.path() == ("numba" if before else "numpy")


def test_numba_is_not_imported_until_a_kernel_runs():
    code = ("import sys, numpy as np, npdeep\n"
            "from npdeep import functional as F, kernels\n"
            "A = F.max_pool2d(np.ones((1, 4, 4, 1)), 2)\n"
            "print('numba' in sys.modules, kernels.active())")
    for env, expected in (("0", "False False"), ("1", f"{kernels.available()} "
                                                       f"{kernels.available()}")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={"NPDEEP_NUMBA": env, "PATH": ""}, check=True).stdout
        assert out.split() == expected.split()


def test_available_reports_the_installed_numba():
    try:
        import numba  # noqa: F401
        installed = True
    except ImportError:
        installed = False
    assert kernels.available() is installed
    if not installed:
        pytest.skip("numba is not installed: the compiled path is off")


def test_without_numba_the_numpy_path_runs():
    """numba made unimportable: available() is False and the ops still run, on NumPy."""
    code = ("import sys; sys.modules['numba'] = None\n"
            "import numpy as np\n"
            "from npdeep import functional as F, kernels\n"
            "from npdeep.functional.winograd import conv2d_winograd\n"
            "A = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)\n"
            "print(kernels.available(), kernels.path(), F.max_pool2d(A, 2).shape,\n"
            "      conv2d_winograd(A, np.ones((3, 3, 3, 2), np.float32)).shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PATH": ""}, check=True).stdout
    assert out.split() == ["False", "numpy", "(2,", "2,", "2,", "3)", "(2,", "4,", "4,", "2)"]
