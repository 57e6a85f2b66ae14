"""Small KeyedVectors and data-file locations shared by the embedding tests."""
from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import SHARED_DATA
from npdeep.text import KeyedVectors

EMBEDDINGS = os.path.join(SHARED_DATA, "embeddings")


def data_file(name: str) -> str:
    """A file of the shared embeddings data, or skip the test where the folder is absent."""
    path = os.path.join(EMBEDDINGS, name)
    if not os.path.isfile(path):
        pytest.skip(f"the shared data file embeddings/{name} is not here")
    return path


def random_kv(V: int = 30, n_e: int = 8, seed: int = 0, prefix: str = "w") -> KeyedVectors:
    """V random float32 vectors named w0, w1, ..."""
    rng = np.random.default_rng(seed)
    return KeyedVectors([f"{prefix}{i}" for i in range(V)], rng.standard_normal((V, n_e)))
