"""Whether the compiled path runs: numba installed, not turned off by NPDEEP_NUMBA=0 (read
when npdeep is imported) or use().

Numba is never imported here: ``available()`` only asks whether it is installed, and the
kernel modules import it on their first call. So ``import npdeep`` costs nothing without
numba, and a process with NPDEEP_NUMBA=0 never loads it (CI runs the suite both ways).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os

_installed = None  # cached answer of available()
_forced = None  # set by use(): True / False overrides the environment, None follows it
# NPDEEP_NUMBA is read once, when npdeep is imported (as OpenMP reads OMP_NUM_THREADS):
# active() runs on every op, and a read of os.environ (0.3 µs) costs more than a small op's
# NumPy call. Within a process, use() switches the path.
_environment_on = os.environ.get("NPDEEP_NUMBA", "1") != "0"


def available() -> bool:
    """True when numba is installed (whether or not the compiled path is turned on)."""
    global _installed
    if _installed is None:
        try:
            _installed = importlib.util.find_spec("numba") is not None
        except (ImportError, ValueError):  # a broken install, or numba blocked in sys.modules
            _installed = False
    return _installed


def active() -> bool:
    """True when the ops take their compiled path: numba is installed, and neither
    ``NPDEEP_NUMBA=0`` in the environment npdeep was imported in nor ``use(False)`` turned
    it off."""
    if _forced is not None:
        return _forced and available()
    return _environment_on and available()


def path() -> str:
    """'numba' or 'numpy': the path the ops take now."""
    return "numba" if active() else "numpy"


@contextlib.contextmanager
def use(compiled: bool):
    """Turn the compiled path on or off inside a ``with`` block (tests compare the two).

    ``use(True)`` still takes the NumPy path when numba is not installed.

    Example:
        >>> with npdeep.kernels.use(False):
        ...     A = F.max_pool2d(A_prev, 2)  # the NumPy path
    """
    global _forced
    previous, _forced = _forced, bool(compiled)
    try:
        yield
    finally:
        _forced = previous
