"""The fair harness: rounds of samples, one per side, each side alone on the machine.

A workload has up to four sides, each a callable doing one unit of work (one training step,
one forward + backward of a layer):

    npdeep     the library under test
    torch      PyTorch on the same data and weights (NCHW for images, its native layout)
    torch_cl   PyTorch with channels_last memory (convolutions and pools)
    floor      npdeep's matrix products alone: the same np.matmul shapes, nothing else,
               on the same number of BLAS threads as the other sides have cores

One round takes one sample of every side, in an order that rotates from round to round (each
side goes first equally often). Before each sample the harness quiets the worker threads
left spinning by the sample before (NumPy's OpenBLAS workers are shut down; before a NumPy
sample it also sleeps until PyTorch's OpenMP workers have stopped spinning), makes one
untimed call, then times ``calls`` calls back to back. The CPU used by other processes is
measured over the whole round; a round in which it exceeded a threshold is dropped, and
further rounds are run (up to a cap) until enough clean ones are kept.

The figures are medians over the kept rounds of PER-ROUND quotients, with their interquartile
range: ratio = torch ms / npdeep ms (above 1: npdeep faster), the same for channels_last,
and floor = npdeep ms / floor ms (1.0: npdeep spends all its time in the matrix products).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from benchmarks.floor import floor_step

SIDES = ("npdeep", "torch", "torch_cl", "floor")
# A reported figure needs at least this many clean rounds (or all asked for, if fewer)...
MIN_KEPT = 5
# ...and no more than this fraction of the attempted rounds dropped as loaded.
DROP_CAP = 0.25


@dataclass
class Workload:
    """One row of the table: its sides and what the row reports besides times.

    Attributes:
        key: the short name ``--only`` selects it by (e.g. "conv3x3").
        name: the row's label.
        sides: {side name: callable}; "npdeep" is required, a missing or None side is skipped.
        gemms: the matrix products of npdeep's forward + backward (floor.Gemm list); empty
            where there are none (pooling).
        flops: the workload's nominal FLOPs, the same whatever algorithm npdeep takes (a
            convolution counts as im2col's three products, Winograd or not); None: the
            FLOPs of ``gemms``.
        info: extra facts for the JSON (shapes, layouts).
    """

    key: str
    name: str
    sides: dict
    gemms: list = field(default_factory=list)
    flops: int | None = None
    info: dict = field(default_factory=dict)


def family(side: str) -> str:
    """"torch" for PyTorch's sides, "numpy" for npdeep's and the floor's."""
    return "torch" if side.startswith("torch") else "numpy"


def rotation(sides: list, r: int) -> list:
    """The order of the sides in round r: the list rotated left by r places."""
    k = r % len(sides)
    return list(sides[k:]) + list(sides[:k])


def spread(values) -> dict | None:
    """{"median", "q25", "q75"} of a list of numbers (None for an empty list)."""
    if len(values) == 0:
        return None
    q25, median, q75 = np.percentile(np.asarray(values, dtype=float), [25, 50, 75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75)}


def is_loaded(others_cores, threshold: float) -> bool:
    """Whether a round is dropped: other processes kept more than ``threshold`` cores busy.

    An unknown load (None: no /proc on this system) drops nothing.
    """
    return others_cores is not None and others_cores > threshold


def summarize(records: list, rounds: int) -> dict:
    """The row's figures from its round records (see :func:`run_rounds`).

    Returns a dict with, over the kept rounds: "<side>_ms" (median ms per call of each side),
    "ratio" / "ratio_cl" / "floor" (spread dicts of the per-round quotients torch/npdeep,
    torch_cl/npdeep and npdeep/floor, None where a side is absent), the counts "kept",
    "dropped", "attempted", and "reliable": False when fewer than min(MIN_KEPT, rounds)
    rounds were kept or more than DROP_CAP of the attempted ones were dropped.
    """
    kept = [r for r in records if not r["dropped"]]
    dropped = len(records) - len(kept)
    out = {"kept": len(kept), "dropped": dropped, "attempted": len(records)}
    sides = [s for s in SIDES if records and s in records[0]["ms"]]
    for side in sides:
        times = [r["ms"][side] for r in kept]
        out[f"{side}_ms"] = float(np.median(times)) if times else None

    def quotient(top, bottom, rows=kept):
        if top not in sides or bottom not in sides:
            return None
        return spread([r["ms"][top] / r["ms"][bottom] for r in rows])

    out["ratio"] = quotient("torch", "npdeep")
    out["ratio_cl"] = quotient("torch_cl", "npdeep")
    out["floor"] = quotient("npdeep", "floor")
    # Over every round, loaded ones included: shown only beside an UNRELIABLE warning.
    out["all_rounds"] = {
        "npdeep_ms": float(np.median([r["ms"]["npdeep"] for r in records])) if records
        else None,
        "ratio": quotient("torch", "npdeep", records),
        "others_cores": spread([r["others_cores"] for r in records
                                if r["others_cores"] is not None]),
    }
    out["reliable"] = (len(kept) >= min(MIN_KEPT, rounds)
                       and dropped <= DROP_CAP * max(len(records), 1))
    return out


def calls_per_sample(fn: Callable, target_ms: float, timer=time.perf_counter) -> int:
    """How many back-to-back calls make one sample last about target_ms (at least 1)."""
    fn()
    number, elapsed = 1, 0.0
    while True:
        start = timer()
        for _ in range(number):
            fn()
        elapsed = (timer() - start) * 1e3
        if elapsed >= target_ms / 10 or number >= 1000:
            break
        number *= 10
    return max(1, round(target_ms * number / max(elapsed, 1e-6)))


def max_rounds_for(rounds: int) -> int:
    """Enough attempts to keep ``rounds`` clean rounds with up to DROP_CAP of them dropped."""
    return math.ceil(rounds / (1 - DROP_CAP))


def run_rounds(sides: dict, calls: dict, rounds: int, max_rounds: int, threshold: float,
               meter, quiet: Callable, after: Callable | None = None,
               timer=time.perf_counter) -> list:
    """Rounds of one sample per side until ``rounds`` clean ones, at most ``max_rounds``.

    It also stops once more than DROP_CAP·max_rounds rounds were dropped: the row is then
    unreliable whatever follows, and a loaded machine need not be measured further.

    Args:
        sides: {side: callable}, in the order of round 0.
        calls: {side: calls per sample}.
        meter: has start() and stop() -> other processes' CPU in cores (or None).
        quiet: quiet(side) is called before each sample: it stops the OTHER library's
            workers (see :func:`quiet_for`).
        after: after(side), if given, is called after each sample.
        timer: a clock in seconds.

    Returns:
        One record per attempted round: {"order": [sides], "ms": {side: ms per call},
        "others_cores": float or None, "dropped": bool}.
    """
    records, kept = [], 0
    names = list(sides)
    give_up = DROP_CAP * max_rounds
    while kept < rounds and len(records) < max_rounds and len(records) - kept <= give_up:
        order = rotation(names, len(records))
        ms = {}
        meter.start()
        for side in order:
            fn, number = sides[side], calls[side]
            quiet(side)
            fn()  # untimed: wakes this side's workers, fills its caches
            start = timer()
            for _ in range(number):
                fn()
            ms[side] = (timer() - start) * 1e3 / number
            if after is not None:
                after(side)
        others = meter.stop()
        dropped = is_loaded(others, threshold)
        records.append({"order": order, "ms": ms, "others_cores": others, "dropped": dropped})
        kept += not dropped
    return records


def quiet_for(stop_blas: Callable, omp_sleep_s: float, sleep=time.sleep) -> Callable:
    """The quiet(side) of :func:`run_rounds`.

    Before every sample: stop_blas() ends OpenBLAS's spinning workers (left by npdeep or by
    the floor, whose BLAS thread counts may differ; the untimed call restarts what the next
    side needs). Before a NumPy side (npdeep, floor) it also sleeps omp_sleep_s: PyTorch's
    OpenMP workers spin that long after their last op, then sleep.
    """
    def quiet(side: str) -> None:
        stop_blas()
        if family(side) == "numpy" and omp_sleep_s > 0:
            sleep(omp_sleep_s)
    return quiet


@dataclass
class Settings:
    """How many rounds, how long a sample, and when a round counts as loaded."""

    rounds: int = 21
    max_rounds: int = 28      # max_rounds_for(21)
    target_ms: float = 40.0
    threshold: float = 0.10   # other processes' CPU, in cores, above which a round is dropped
    omp_sleep_s: float = 0.02
    floor_threads: int = 2    # BLAS threads for the floor's products


def floor_threads_for(quiet: Callable, blas, n: int) -> tuple:
    """(before, after) callbacks giving the floor's samples n BLAS threads, and restoring
    the count the other sides run with after each; ``blas`` has get() and set(n)."""
    saved = []

    def before(side: str) -> None:
        quiet(side)
        if side == "floor" and blas is not None:
            saved.append(blas.get())
            blas.set(n)

    def after(side: str) -> None:
        if side == "floor" and blas is not None:
            blas.set(saved.pop())
    return before, after


def measure(workload: Workload, settings: Settings, meter, quiet: Callable,
            blas=None) -> dict:
    """Calibrate each side's calls per sample, run the rounds, and summarize them.

    ``blas`` (get() / set(n) of the BLAS thread count, or None) lets the floor's products
    run on settings.floor_threads threads whatever npdeep has set.
    """
    started = time.perf_counter()
    sides = {k: fn for k, fn in workload.sides.items() if fn is not None}
    if workload.gemms and "floor" not in sides:
        sides["floor"] = floor_step(workload.gemms)
    before, after = floor_threads_for(quiet, blas, settings.floor_threads)
    calls = {}
    for side, fn in sides.items():
        before(side)
        calls[side] = calls_per_sample(fn, settings.target_ms)
        after(side)
    records = run_rounds(sides, calls, settings.rounds, settings.max_rounds,
                         settings.threshold, meter, before, after)
    row = {"key": workload.key, "name": workload.name, **summarize(records, settings.rounds),
           "calls_per_sample": calls, "rounds_detail": records, **workload.info,
           "seconds": time.perf_counter() - started}
    row["gemm_flops"] = sum(g.flops for g in workload.gemms) or None
    flops = workload.flops if workload.flops is not None else row["gemm_flops"]
    row["nominal_flops"] = flops
    row["gemms"] = [g.describe() for g in workload.gemms]
    for side in ("npdeep", "torch", "torch_cl", "floor"):
        ms = row.get(f"{side}_ms")
        row[f"{side}_gflops"] = flops / ms / 1e6 if flops and ms else None
    return row
