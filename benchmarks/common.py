"""Shared timing helpers for the benchmarks (API used by every benchmarks/bench_*.py).

A bench module defines ``run(quick: bool = False) -> list[dict]``; each dict comes from
:func:`compare` (plus any extra keys, e.g. a "note")::

    from benchmarks.common import compare, torch_or_none

    def run(quick=False):
        torch = torch_or_none()
        ...build both models on the same weights...
        return [compare("mlp train step", npdeep_step, torch_step, quick=quick)]

:func:`compare` times the two callables INTERLEAVED — npdeep, PyTorch, PyTorch, npdeep, ... —
after a warmup, so that a slow moment of a shared machine hits both sides alike, and reports
medians over the repeats. ``ratio`` is the throughput ratio npdeep/PyTorch, i.e.
torch_ms / npdeep_ms: above 1 means npdeep is faster.

Everything is float32, and ``benchmarks/__main__.py`` gives PyTorch as many threads as NumPy's
BLAS (:func:`blas_threads`) before any bench runs.
"""
from __future__ import annotations

import os
import statistics
import time


def torch_or_none():
    """The torch module, or None where it is not installed (the bench then times npdeep only)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def blas_threads() -> int:
    """The number of threads NumPy's BLAS uses (threadpoolctl if present, else the env/CPUs)."""
    import numpy  # noqa: F401  (load the BLAS so that threadpoolctl can see it)
    try:
        from threadpoolctl import threadpool_info
        counts = [info["num_threads"] for info in threadpool_info()
                  if info.get("user_api") == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return os.cpu_count() or 1


def _time(fn, number: int) -> float:
    """Milliseconds per call of fn, averaged over ``number`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) * 1e3 / number


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


def calls_per_sample(fn, target_ms: float = 20.0) -> int:
    """How many calls make one timing sample last about target_ms (at least 1)."""
    fn()
    once = max(_time(fn, 1), 1e-4)
    return max(1, int(target_ms / once))


def compare(name: str, npdeep_fn, torch_fn=None, repeats: int = 15, warmup: int = 3,
            quick: bool = False, target_ms: float = 20.0) -> dict:
    """Time npdeep_fn against torch_fn, interleaved; medians over ``repeats`` samples.

    Args:
        name: the workload's name, as printed in the table.
        npdeep_fn, torch_fn: callables running one unit of work (e.g. one training step);
            torch_fn may be None (PyTorch absent), which gives torch_ms = ratio = None.
        repeats: timing samples per side (each of several calls, ~target_ms long).
        warmup: untimed samples first (allocator, caches, lazy initialization).
        quick: fewer repeats, for a smoke run.

    Returns:
        {"name", "npdeep_ms", "torch_ms", "ratio" (torch_ms / npdeep_ms: npdeep's throughput
        relative to PyTorch's), "npdeep_samples_ms", "torch_samples_ms", "calls_per_sample"}.
    """
    if quick:
        repeats, warmup, target_ms = 3, 1, 5.0
    fns = {"npdeep": npdeep_fn}
    if torch_fn is not None:
        fns["torch"] = torch_fn
    number = min(calls_per_sample(fn, target_ms) for fn in fns.values())
    for _ in range(warmup):
        for fn in fns.values():
            _time(fn, number)
    samples = {key: [] for key in fns}
    order = list(fns)
    for r in range(repeats):
        for key in (order if r % 2 == 0 else order[::-1]):  # ABBA: no side always goes first
            samples[key].append(_time(fns[key], number))
    npdeep_ms = statistics.median(samples["npdeep"])
    torch_ms = statistics.median(samples["torch"]) if "torch" in samples else None
    return {
        "name": name,
        "npdeep_ms": npdeep_ms,
        "torch_ms": torch_ms,
        "ratio": (torch_ms / npdeep_ms) if torch_ms is not None else None,
        "npdeep_samples_ms": samples["npdeep"],
        "torch_samples_ms": samples.get("torch"),
        "calls_per_sample": number,
    }
