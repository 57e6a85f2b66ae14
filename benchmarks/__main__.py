"""Time npdeep against PyTorch (CPU) on the same machine, fairly; print a table and save JSON.

    python -m benchmarks                          # every workload (what `make bench` runs)
    python -m benchmarks --only conv3x3,mlp       # some (a key, or a prefix: --only conv)
    python -m benchmarks --rounds 5 --only mlp    # a quick run
    python -m benchmarks --npdeep ../old-checkout # this harness on another npdeep's code,
                                                  # e.g. `git worktree add ../old-checkout BASE`
    python -m benchmarks --list                   # the workload keys

How it measures (benchmarks/harness.py): rounds of one sample per side in a rotating order,
each sample after the other library's worker threads are stopped and one untimed call; rounds
in which other processes used the CPU are dropped; medians of per-round ratios with their
interquartile range. Results go to benchmarks/results/latest.json with the BLAS library, its
kernel and threads. `make bench` runs it without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, so that
OpenBLAS picks its kernel for this CPU itself.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The table's row order. The dense rows come first: npdeep keeps BLAS's own threads until an
# op first splits a batch over its threads, then pins BLAS to one thread for good, so they run
# as they would in a fresh process that trains an MLP (each row's JSON has its BLAS count).
MODULES = ("bench_mlp", "bench_conv", "bench_pool", "bench_lenet", "bench_rnn", "bench_style",
           "bench_yolo", "bench_word2vec")
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")

LEGEND = """\
ratio     torch ms / npdeep ms, PyTorch in its default NCHW layout; above 1: npdeep is faster.
          Median of the per-round ratios over the kept rounds, [interquartile range].
cl        the same ratio against PyTorch with channels_last memory (npdeep's NHWC layout).
GF/s      the workload's matrix-product FLOPs (forward + backward; a convolution counted as
          im2col's three products, also when npdeep takes Winograd) per second of npdeep's step.
floor     npdeep ms / ms of its matrix products alone: the same np.matmul calls (shapes,
          dtype, memory order), each over the whole batch on {threads} BLAS threads, with
          nothing around them. 1.0: npdeep's step takes no longer than its products alone;
          4.0: three quarters of it go to everything else (im2col, copies, elementwise, graph).
path      what npdeep's step ran, watched during one untimed call: im2col / winograd /
          direct / rows (the convolution algorithm; direct and rows are compiled loops, rows
          on batch-last images), numba (compiled kernels), splitN (batch split over N
          threads), numpy (none of these); blasN: BLAS threads during npdeep's samples.
rounds    kept/attempted. One round = one sample of every side, in rotating order; before a
          sample, spinning workers are stopped (OpenBLAS's shut down, PyTorch's OpenMP slept
          out), then one untimed call. A round is dropped when other processes used more than
          {threshold:.2f} cores during it.
          UNRELIABLE: fewer than {min_kept} rounds kept, or more than {cap:.0%} dropped."""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="npdeep vs PyTorch (CPU), fair rounds")
    parser.add_argument("--only", default="",
                        help="comma-separated workload keys or key prefixes (see --list)")
    parser.add_argument("--rounds", type=int, default=21,
                        help="clean rounds wanted per workload (default 21)")
    parser.add_argument("--max-rounds", type=int, default=None,
                        help="rounds attempted at most per workload (default: enough for "
                             "--rounds clean ones with 25%% dropped)")
    parser.add_argument("--threshold", type=float, default=0.10,
                        help="drop a round when other processes kept more than this many "
                             "cores busy (default 0.10)")
    parser.add_argument("--target-ms", type=float, default=40.0,
                        help="length of one timed sample (default 40 ms)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for each side (default 2)")
    parser.add_argument("--npdeep", metavar="DIR", default=None,
                        help="import npdeep from this checkout instead (to measure old code)")
    parser.add_argument("--no-quiet", action="store_true",
                        help="diagnosis only: do not stop the other library's spinning "
                             "workers before a sample (shows what they cost)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"),
                        help="the JSON result (default benchmarks/results/latest.json)")
    parser.add_argument("--list", action="store_true", help="print the workload keys")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be >= 1; got {args.rounds}")
    if args.max_rounds is None:
        from benchmarks.harness import max_rounds_for
        args.max_rounds = max_rounds_for(args.rounds)
    if args.max_rounds < args.rounds:
        parser.error(f"--max-rounds ({args.max_rounds}) must be >= --rounds ({args.rounds})")
    return args


def registry() -> dict:
    """{key: builder} of every workload, in table order."""
    workloads = {}
    for name in MODULES:
        workloads.update(importlib.import_module(f"benchmarks.{name}").WORKLOADS)
    return workloads


def select(keys: list, only: str) -> list:
    """The keys that --only names: exact keys, or every key starting with a given prefix."""
    if not only.strip():
        return list(keys)
    chosen = []
    for token in (t.strip() for t in only.split(",") if t.strip()):
        matches = [k for k in keys if k == token] or [k for k in keys if k.startswith(token)]
        if not matches:
            raise SystemExit(f"--only: no workload {token!r}; the keys are {', '.join(keys)}")
        chosen += [k for k in matches if k not in chosen]
    return [k for k in keys if k in chosen]


def _git(directory: str) -> str | None:
    try:
        return subprocess.run(["git", "-C", directory, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def set_threads(npdeep, threads: int):
    """npdeep's own thread setting where it has one, else NumPy's BLAS via threadpoolctl."""
    if hasattr(npdeep, "set_num_threads"):
        npdeep.set_num_threads(threads)
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads, user_api="blas")  # keep it: the limit holds


def omp_sleep(torch, system) -> dict:
    """How long PyTorch's OpenMP workers spin after an op, and the sleep the harness uses."""
    if torch is None:
        return {"spin_s": None, "sleep_s": 0.0}
    X = torch.randn(32, 16, 32, 32)
    W = torch.randn(32, 16, 3, 3)
    spin = system.spin_seconds(lambda: torch.nn.functional.conv2d(X, W, padding=1))
    return {"spin_s": spin, "sleep_s": min(0.2, max(0.02, 2 * spin + 0.005))}


def _fmt(value, spec: str, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}{spec}}"


def _ratio(spread, width: int = 17) -> str:
    if spread is None:
        return f"{'-':<{width}}"
    text = f"{spread['median']:.2f} [{spread['q25']:.2f}-{spread['q75']:.2f}]"
    return f"{text:<{width}}"


HEADER = (f"{'workload':<42} {'npdeep ms':>9} {'torch ms':>9} {'ratio [IQR]':<17} {'cl':>5} "
          f"{'GF/s':>6} {'floor':>6} {'rounds':>7}  path")


def format_row(row: dict) -> str:
    cl = row["ratio_cl"]["median"] if row.get("ratio_cl") else None
    floor = row["floor"]["median"] if row.get("floor") else None
    line = (f"{row['name'][:42]:<42} {_fmt(row['npdeep_ms'], '.3f', 9)} "
            f"{_fmt(row.get('torch_ms'), '.3f', 9)} {_ratio(row.get('ratio'))} "
            f"{_fmt(cl, '.2f', 5)} {_fmt(row.get('npdeep_gflops'), '.1f', 6)} "
            f"{_fmt(floor, '.2f', 6)} {row['kept']:>3}/{row['attempted']:<3}  "
            f"{row.get('path', {}).get('label', '')}")
    if not row["reliable"]:
        loaded = row["all_rounds"]
        others = loaded["others_cores"]
        line += (f"\n    UNRELIABLE: {row['dropped']} of {row['attempted']} rounds dropped as "
                 f"loaded, {row['kept']} kept: not a measurement. Over all rounds, loaded ones "
                 f"included: npdeep {_fmt(loaded['npdeep_ms'], '.3f', 0).strip()} ms, ratio "
                 f"{_ratio(loaded['ratio'], 0).strip()}"
                 + (f", others used {others['median']:.2f} cores" if others else ""))
    return line


def _version(package: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment(npdeep, np, torch, system, threads: int, env_at_start: dict) -> dict:
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpus": os.cpu_count(), "cpus_allowed": sorted(os.sched_getaffinity(0))
                    if hasattr(os, "sched_getaffinity") else None},
        "env": env_at_start,
        "threads_requested": threads,
        "blas": system.blas_info(),
        "blas_threads_stoppable": system.can_stop_blas_threads(),
        "versions": {"npdeep": getattr(npdeep, "__version__", None), "numpy": np.__version__,
                     "torch": getattr(torch, "__version__", None),
                     "numba": _version("numba"), "threadpoolctl": _version("threadpoolctl"),
                     "python": platform.python_version()},
        "npdeep_file": npdeep.__file__,
        "npdeep_commit": _git(os.path.dirname(os.path.dirname(npdeep.__file__))),
        "npdeep_threads": npdeep.get_num_threads() if hasattr(npdeep, "get_num_threads")
        else None,
        # glibc malloc's thresholds (npdeep.memory): they decide whether each step faults in
        # its arrays anew (absent from npdeep versions before it)
        "malloc": npdeep.memory.malloc_settings() if hasattr(npdeep, "memory") else None,
        "dtype": "float32",
    }
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
        info["torch_parallel_info"] = torch.__config__.parallel_info()
    return info


def main(argv=None) -> list:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    env_at_start = {name: os.environ.get(name) for name in BLAS_ENV}
    if args.npdeep:  # before anything imports npdeep
        sys.path.insert(0, os.path.abspath(args.npdeep))
    started = time.perf_counter()

    import numpy as np

    import npdeep
    from benchmarks import harness, machine_state, paths, system
    from benchmarks.common import torch_or_none
    from benchmarks.floor import conv_algorithms

    workloads = registry()
    if args.list:
        print("\n".join(workloads))
        return []
    keys = select(list(workloads), args.only)

    npdeep.set_default_dtype(np.float32)
    limiter = set_threads(npdeep, args.threads)  # noqa: F841  (held for the whole run)
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(args.threads)
    omp = omp_sleep(torch, system)
    settings = harness.Settings(rounds=args.rounds, max_rounds=args.max_rounds,
                                target_ms=args.target_ms, threshold=args.threshold,
                                omp_sleep_s=omp["sleep_s"], floor_threads=args.threads)
    meter = system.CpuMeter()
    blas_threads = system.BlasThreads()
    quiet = harness.quiet_for(system.stop_blas_threads, settings.omp_sleep_s)
    if args.no_quiet:
        quiet = harness.quiet_for(lambda: None, 0.0)
    report = environment(npdeep, np, torch, system, args.threads, env_at_start)
    report.update({"omp_spin": omp, "settings": vars(settings), "cpu_meter": meter.available,
                   "quiet": not args.no_quiet,
                   "min_kept": harness.MIN_KEPT, "drop_cap": harness.DROP_CAP})

    blas = next((b for b in report["blas"] if b.get("user_api") == "blas"), {})
    npdeep_threads = report["npdeep_threads"]
    print(f"npdeep {report['versions']['npdeep']} ({report['npdeep_commit'] or 'no git'}, "
          f"{npdeep_threads or 'no'} own threads) vs PyTorch "
          f"{report['versions']['torch'] or 'absent'} ({args.threads} threads), float32; "
          f"NumPy {np.__version__}, {blas.get('internal_api', 'BLAS')} "
          f"{blas.get('version', '?')}, kernel {blas.get('architecture', '?')}")
    if not (report["malloc"] or {}).get("applied"):
        print(f"note: glibc malloc's thresholds not set by npdeep "
              f"({(report['malloc'] or {}).get('reason', 'no npdeep.memory')}): steps may "
              "fault their arrays in anew")
    if args.no_quiet:
        print("note: --no-quiet: spinning workers are NOT stopped; the ratios are biased")
    forced = {k: v for k, v in env_at_start.items() if k.startswith("OPENBLAS_") and v}
    if forced:
        print(f"note: {forced} set; `make bench` unsets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE")
    if not system.can_stop_blas_threads():
        print("note: OpenBLAS's threads cannot be stopped here; NumPy's spinning workers may "
              "slow PyTorch's samples")
    if not meter.available:
        print("note: no /proc: other processes' CPU is not measured and no round is dropped")
    spin = "-" if omp["spin_s"] is None else f"{omp['spin_s'] * 1e3:.1f} ms"
    print(f"PyTorch's OpenMP workers spin {spin} after an op; the harness sleeps "
          f"{omp['sleep_s'] * 1e3:.0f} ms before each NumPy sample")
    print(LEGEND.format(threshold=args.threshold, threads=args.threads,
                        min_kept=min(harness.MIN_KEPT, args.rounds), cap=harness.DROP_CAP))
    print()
    state_before = machine_state.probe()
    print(f"machine at the start: {machine_state.describe(state_before)} (one core)")
    print()
    print(HEADER)

    rows = []
    for key in keys:
        workload = workloads[key]()
        quiet("npdeep")
        observed = paths.observe(workload.sides["npdeep"])  # one more untimed call
        row = harness.measure(workload, settings, meter, quiet, blas_threads)
        row["blas_threads"] = blas_threads.get()  # what npdeep's samples ran with
        algorithm = conv_algorithms(workload.gemms)
        row["path"] = {**observed, "conv": algorithm,
                       "label": paths.label(observed, algorithm, row["blas_threads"])}
        row["npdeep_threads"] = (npdeep.get_num_threads() if hasattr(npdeep, "get_num_threads")
                                 else None)
        rows.append(row)
        print(format_row(row), flush=True)
        del workload  # free its arrays before the next one

    dropped = sum(r["dropped"] for r in rows)
    attempted = sum(r["attempted"] for r in rows)
    unreliable = [r["key"] for r in rows if not r["reliable"]]
    elapsed = time.perf_counter() - started
    print(f"\nrounds dropped as loaded: {dropped} of {attempted}; "
          + (f"UNRELIABLE rows: {', '.join(unreliable)}" if unreliable
             else "every row reliable") + f"; {elapsed:.0f} s")
    state_after = machine_state.probe()
    print(f"machine at the end: {machine_state.describe(state_after)} (one core)")
    report["machine_state"] = {"start": state_before, "end": state_after}
    report.update({"ratio_means": "torch_ms / npdeep_ms: above 1, npdeep is faster",
                   "floor_means": "npdeep_ms / (ms of npdeep's matrix products alone)",
                   "rounds_dropped": dropped, "rounds_attempted": attempted,
                   "unreliable": unreliable, "seconds": elapsed, "results": rows})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1, default=str)
    print(f"saved {args.out}")
    return rows


if __name__ == "__main__":
    main()
