"""Small 2-D data sets generated in code: the course's "flower" and the two moons.

Both are drawn from a private generator seeded with ``seed`` (or from npdeep's generator when
``seed`` is None), so the same call always returns the same points.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend
from npdeep.validation import check_float, check_int


def _generator(seed):
    return backend.rng() if seed is None else np.random.default_rng(seed)


def load_planar(m: int = 400, seed: int | None = 1):
    """The course's planar "flower": two classes of points on the petals of r = a·sin(4θ).

    For each class j ∈ {0, 1}, m/2 points with (a = 4, the flower's largest radius)::

        θ = linspace(3.12·j, 3.12·(j + 1)) + 0.2·N(0, 1)
        r = a·sin(4θ) + 0.2·N(0, 1)
        x = (r·sin θ, r·cos θ),   y = j

    Logistic regression cannot separate the classes (about 47% accuracy); a 2-layer network with
    4 tanh hidden units reaches about 90%.

    Args:
        m: number of examples (an even int >= 2).
        seed: seed of the generator (1, as in the course), or None for npdeep's generator.

    Returns:
        X: (m, 2) float32; Y: (m, 1) float32 labels in {0, 1}.
    """
    check_int(m, "m", "load_planar", low=2)
    if m % 2:
        raise ValueError(f"The 'm' parameter of load_planar must be an even int >= 2 (two "
                         f"classes of m/2). Got {m} instead.")
    rng = _generator(seed)
    N = m // 2
    a = 4  # the largest radius of the flower
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.standard_normal(N) * 0.2
        r = a * np.sin(4 * theta) + rng.standard_normal(N) * 0.2
        X[ix] = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
        Y[ix] = j
    return X.astype(np.float32), Y.astype(np.float32)


def load_moons(m: int = 300, noise: float = 0.2, seed: int | None = 3):
    """Two interleaving half circles, the data set of the course's optimization assignment.

    Class 0 lies on the upper half circle (cos t, sin t), class 1 on the lower one shifted,
    (1 − cos t, 0.5 − sin t), for t in [0, π]; Gaussian noise of standard deviation ``noise``
    is added to every coordinate, and the examples are shuffled.

    Args:
        m: number of examples (int >= 2); class 0 gets ⌈m/2⌉ of them.
        noise: standard deviation of the noise, >= 0.
        seed: seed of the generator, or None for npdeep's generator.

    Returns:
        X: (m, 2) float32; Y: (m, 1) float32 labels in {0, 1}.
    """
    check_int(m, "m", "load_moons", low=2)
    noise = check_float(noise, "noise", "load_moons", low=0.0)
    rng = _generator(seed)
    m_outer = (m + 1) // 2
    m_inner = m - m_outer
    t_outer = np.linspace(0, np.pi, m_outer)
    t_inner = np.linspace(0, np.pi, m_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)
    X = np.concatenate([outer, inner]) + rng.standard_normal((m, 2)) * noise
    Y = np.concatenate([np.zeros(m_outer), np.ones(m_inner)])[:, None]
    order = rng.permutation(m)
    return X[order].astype(np.float32), Y[order].astype(np.float32)
