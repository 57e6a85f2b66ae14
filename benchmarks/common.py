"""What every benchmarks/bench_*.py shares: PyTorch if present, and the training-step closure.

A bench module defines ``WORKLOADS``, an ordered {key: builder} dict; a builder takes no
arguments and returns a :class:`~benchmarks.harness.Workload` whose sides are callables doing
one unit of work each (the harness times them; see benchmarks/harness.py)::

    WORKLOADS = {"mlp": build_mlp}

    def build_mlp():
        ...build both models on the same weights...
        return Workload("mlp", "MLP 784-256-128-10, Adam, m=128",
                        {"npdeep": npdeep_step, "torch": torch_step}, gemms=...)

Benchmarks call only npdeep's public API that old checkouts have too (the harness also
measures older npdeep code, ``python -m benchmarks --npdeep DIR``); guard newer calls with
hasattr.
"""
from __future__ import annotations

from benchmarks.harness import Workload  # noqa: F401  (re-exported for the bench modules)


def torch_or_none():
    """The torch module, or None where it is not installed (the bench then times npdeep only)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_layouts(torch) -> tuple:
    """The PyTorch image sides: ("torch", NCHW memory) and ("torch_cl", channels_last, NHWC)."""
    return (("torch", torch.contiguous_format), ("torch_cl", torch.channels_last))


def torch_images(torch, A, layout):
    """NHWC images A (m, n_H, n_W, n_C) as PyTorch's (m, n_C, n_H, n_W), stored in ``layout``."""
    return torch.from_numpy(A).permute(0, 3, 1, 2).contiguous(memory_format=layout)


def train_step(model, optimizer, loss_fn, X, Y):
    """One training step as a closure: zero the gradients, forward, cost, backward, update.

    The same closure serves both sides: npdeep's (model, optimizer, loss function) and
    PyTorch's, since both libraries spell a step the same way.
    """
    def step():
        optimizer.zero_grad()
        loss_fn(model(X), Y).backward()
        optimizer.step()
    return step
