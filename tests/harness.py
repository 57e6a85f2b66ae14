"""Shared test harness: one way to gradient-check an op, and the optional PyTorch peer.

A new op's test needs only its inputs, the call, and (where there is one) a reference:

    def test_tanh():
        assert_gradcheck(F.tanh, [randn(3, 4)])
        assert_matches_torch(F.tanh, torch.tanh, [randn(3, 4)])
"""
from __future__ import annotations

import contextlib
import importlib.util
import os

import numpy as np
import pytest

import npdeep
from npdeep.gradcheck import gradcheck, relative_difference
from npdeep.tensor import Tensor

GRADCHECK_TOL = 1e-6


def randn(*shape, seed: int = 0, scale: float = 1.0, requires_grad: bool = True) -> Tensor:
    """A float64 tensor of N(0, scale²) values that requires a gradient."""
    data = np.random.default_rng(seed).standard_normal(shape) * scale
    return Tensor(data, requires_grad=requires_grad, dtype=np.float64)


def assert_gradcheck(fn, inputs, tol: float = GRADCHECK_TOL, epsilon: float = 1e-6):
    """fn's backprop gradients agree with central differences (float64) for every input."""
    result = gradcheck(fn, inputs, epsilon=epsilon)
    assert result.difference < tol, f"gradcheck difference {result.difference:.3g} >= {tol}"
    return result


def numerical_gradient(J, array: np.ndarray, epsilon: float = 1e-6) -> np.ndarray:
    """Central differences (J(θ + ε) − J(θ − ε)) / 2ε of J() for every entry of ``array``,
    which J reads in place (each entry is restored after its probe): for the NumPy reference
    loops, which have no Tensors for gradcheck."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + epsilon
        plus = J()
        array[i] = old - epsilon
        minus = J()
        array[i] = old
        grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def assert_numerical_gradients(gradients: dict, checks: dict, J, tol: float = 1e-7):
    """A reference loop's backward: ``gradients`` has exactly the keys of ``checks`` (name ->
    the array J reads), and each gradient has its array's shape and matches
    numerical_gradient(J, array) to a relative difference < tol."""
    assert set(gradients) == set(checks)
    for name, array in checks.items():
        assert gradients[name].shape == array.shape, name
        difference = relative_difference(gradients[name], numerical_gradient(J, array))
        assert difference < tol, f"{name}: {difference:.3g}"


def torch_or_skip():
    """The PyTorch module, or skip the test where it is not installed."""
    return pytest.importorskip("torch")


def to_torch(t: Tensor):
    torch = torch_or_skip()
    return torch.tensor(t.data, requires_grad=t.requires_grad)


def assert_matches_torch(fn, torch_fn, inputs, atol: float = 1e-5, rtol: float = 1e-5):
    """fn and torch_fn give the same output and the same input gradients (float64).

    The output is reduced with one fixed random projection so that every entry's gradient
    is compared, not only those of a sum.
    """
    torch = torch_or_skip()
    inputs = [t if isinstance(t, Tensor) else Tensor(t, dtype=np.float64) for t in inputs]
    torch_inputs = [to_torch(t) for t in inputs]
    out = fn(*inputs)
    torch_out = torch_fn(*torch_inputs)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), atol=atol, rtol=rtol)
    R = np.random.default_rng(1).standard_normal(out.shape)
    for t in inputs:
        t.grad = None
    if any(t.requires_grad for t in inputs):
        (out * R).sum().backward()
        (torch_out * torch.tensor(R)).sum().backward()
        for t, tt in zip(inputs, torch_inputs):
            if t.requires_grad:
                np.testing.assert_allclose(t.grad, tt.grad.numpy(), atol=atol, rtol=rtol)
    return out


@pytest.fixture(autouse=True)
def _seeded():
    npdeep.manual_seed(0)


# ---------------------------------------------------------------- small training problems
def blobs(m=200, n_x=4, C=3, seed=0):
    """C well separated Gaussian blobs: a small MLP classifies them perfectly."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((C, n_x)) * 4
    y = rng.integers(0, C, m)
    X = (centers[y] + rng.standard_normal((m, n_x))).astype(np.float32)
    return X, y.astype(np.int64)


def mlp_and_adam(n_x=4, C=3, seed=0, learning_rate=0.01, **kwargs):
    """A seeded one-hidden-layer MLP for ``blobs`` and an Adam optimizer over it."""
    from npdeep.models import mlp
    npdeep.manual_seed(seed)
    model = mlp(n_x, hidden=(16,), n_classes=C, **kwargs)
    return model, npdeep.optim.Adam(model.parameters(), learning_rate=learning_rate)


def quick_fit(train, dev=None, C=3, n_x=4, **kwargs):
    """fit the ``mlp_and_adam`` pair silently for one epoch (unless told otherwise)."""
    import npdeep.functional as F
    model, opt = mlp_and_adam(n_x=n_x, C=C)
    kwargs.setdefault("epochs", 1)
    kwargs.setdefault("verbose", 0)
    return npdeep.fit(model, F.cross_entropy, opt, train, dev=dev, **kwargs)


# ---------------------------------------------------------------- the batch split
@contextlib.contextmanager
def split_over_two_threads(monkeypatch, module, minimum_name: str):
    """Two threads and no minimum block size (``module.<minimum_name>`` = 0), so the small
    batches of a test are split; skipped where this process may use one core only (tests
    never start more threads than cores)."""
    from npdeep import threads
    if threads._available_cores() < 2:
        pytest.skip("the split needs two cores to run on")
    saved = threads._num_threads
    monkeypatch.setattr(module, minimum_name, 0)
    threads.set_num_threads(2)
    try:
        yield
    finally:
        with threads._lock:
            threads._num_threads = saved
            threads._shutdown_executor()


# ---------------------------------------------------------------- examples/
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def load_example(name: str):
    """examples/<name>.py as a module (the scripts are not a package), for its main()."""
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
