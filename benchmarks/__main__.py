"""Run every benchmarks/bench_*.py and report npdeep's throughput relative to PyTorch's.

    python -m benchmarks            # all, results in benchmarks/results/latest.json
    python -m benchmarks mlp        # only the modules whose name contains "mlp"
    python -m benchmarks --quick    # a smoke run (few repeats)

The ratio column is torch_ms / npdeep_ms: 1.5 means npdeep does 1.5× the work per second.
PyTorch gets as many threads as NumPy's BLAS, and everything runs in float32.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import pkgutil
import platform

import numpy as np

import npdeep
from benchmarks.common import blas_threads, torch_or_none

HERE = os.path.dirname(os.path.abspath(__file__))


def _format(value, spec):
    return "-" if value is None else format(value, spec)


def main(argv=None) -> list:
    parser = argparse.ArgumentParser(description="npdeep vs PyTorch (CPU) benchmarks")
    parser.add_argument("only", nargs="*", help="run only bench modules containing these")
    parser.add_argument("--quick", action="store_true", help="few repeats (smoke run)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    args = parser.parse_args(argv)

    npdeep.set_default_dtype(np.float32)
    threads = blas_threads()
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(threads)
    names = sorted(m.name for m in pkgutil.iter_modules([HERE]) if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if any(part in n for part in args.only)]

    results = []
    print(f"{'workload':<58} {'npdeep ms':>10} {'torch ms':>10} {'ratio':>7}")
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run(quick=args.quick):
            row["module"] = name
            results.append(row)
            print(f"{row['name']:<58} {_format(row['npdeep_ms'], '10.3f')} "
                  f"{_format(row['torch_ms'], '10.3f')} {_format(row['ratio'], '7.2f')}")
            if row.get("note"):
                print(f"    {row['note']}")
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpus": os.cpu_count(), "threads": threads},
        "versions": {"npdeep": npdeep.__version__, "numpy": np.__version__,
                     "torch": torch.__version__ if torch is not None else None,
                     "python": platform.python_version()},
        "dtype": "float32",
        "ratio_means": "torch_ms / npdeep_ms (npdeep throughput relative to PyTorch)",
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"saved {args.out}")
    return results


if __name__ == "__main__":
    main()
