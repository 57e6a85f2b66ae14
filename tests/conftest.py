import os
import sys

try:
    import matplotlib

    # Tests draw to files only; there is no screen here or in CI.
    matplotlib.use("Agg")
except ImportError:  # plots are tested only where matplotlib is installed
    pass

sys.path.insert(0, os.path.dirname(__file__))

from harness import _seeded  # noqa: E402,F401  (seed npdeep's RNG before every test)

SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                           "data"))
