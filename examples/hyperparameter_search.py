"""Hyperparameter search on the digits MLP (course 2, week 3): random, coarse to fine, caviar.

Three measurements, each a study folder under --out (tables and plots written by
npdeep.tune.report):

- random: per study seed, a 60-trial random search over learning_rate (log scale), hidden
  units and keep_prob. Trial i's values derive from (seed, i) alone, so its trials 0-19, 20-39
  and 40-59 are three independent 20-trial random searches: how close does each get to the
  best of all 60? (The dev set has 180 images: one image is 0.56 points.)
- coarse-to-fine: per seed, 20 trials in 3 rounds (7, 7, 6), each round zoomed into the best
  quarter of the last; against the same seed's first 20-trial random search (trials 0-19;
  coarse to fine's round 0 is the same 7 trials as its first 7).
- parallel: the wall time of 8 trials one after another in this process (BLAS as it is, then
  pinned to one thread) against the same 8 trials on a 2-worker local Dask cluster (one BLAS
  thread per worker), timed once the cluster is up and warm (its start and warm-up reported
  apart). Run it last or alone: this process keeps one BLAS thread afterwards.

Measured on a shared 2-core machine (seeds 0-4, 20 epochs a trial): 13 of 15 20-trial
random searches matched their 60-trial study's best dev accuracy (the other two were one dev
image, 0.56 points, short; mean gap 0.07 points; 83 s for 300 trials); coarse to fine
(7 + 7 + 6) reached at least the same seed's 20-trial random search in 4 of 5 seeds (one
image short in the fifth; 22 s). 8 trials of 40 epochs: 3.0 s one after another (3.1 s with
BLAS pinned), 2.2 s on the warm 2-worker cluster (ratio 0.72; 3.9 s with its start and
warm-up); of 200 epochs: 16.6 s (14.6 s pinned) against 10.0 s (ratio 0.60, 0.68 against
pinned). The cluster's table equals the pinned local one bit for bit.

    python examples/hyperparameter_search.py --part random
    python examples/hyperparameter_search.py --part coarse-to-fine
    python examples/hyperparameter_search.py --part parallel
"""
from __future__ import annotations

import argparse
import json
import os
import time

from npdeep import set_num_threads
from npdeep.cli.tune import split_trials
from npdeep.tune import (Choice, DaskExecutor, LogUniform, TrainingObjective, Uniform,
                         coarse_to_fine, random_search)
from npdeep.tune.report import write_report

SPACE = {"learning_rate": LogUniform(1e-4, 1e-1), "hidden": Choice([64, 128, 256]),
         "keep_prob": Uniform(0.5, 1.0)}


def best_of(trials) -> float:
    return max(t["score"] for t in trials if t["score"] is not None)


def part_random(args) -> dict:
    """Per seed: one 60-trial study, read as three 20-trial searches against its best."""
    objective = TrainingObjective("digits", epochs=args.epochs, seed=0)
    started = time.perf_counter()
    per_seed = []
    for seed in range(args.seed, args.seed + args.repeats):
        study = random_search(objective, SPACE, args.trials * 3, seed=seed,
                              study=os.path.join(args.out, f"random-{seed}"), overwrite=True,
                              verbose=args.verbose)
        write_report(study)
        trials = study.trials()
        best_all = best_of(trials)
        windows = [best_of(trials[k * args.trials:(k + 1) * args.trials]) for k in range(3)]
        per_seed.append({"seed": seed, "best_of_all": best_all, "best_of_each": windows,
                         "gap_points": [100 * (best_all - w) for w in windows]})
        print(study.table(top=3))
        print(f"seed {seed}: best of {len(trials)} trials {best_all:.4f}; best of each "
              f"{args.trials}-trial search {', '.join(f'{w:.4f}' for w in windows)} (gaps "
              f"{', '.join(f'{g:.2f}' for g in per_seed[-1]['gap_points'])} points)",
              flush=True)
    gaps = [g for r in per_seed for g in r["gap_points"]]
    result = {"per_seed": per_seed, "searches": len(gaps),
              "within_half_a_point": sum(g <= 0.5 for g in gaps),
              "mean_gap_points": sum(gaps) / len(gaps), "seconds": time.perf_counter() - started}
    print(f"{result['within_half_a_point']} of {len(gaps)} {args.trials}-trial searches within "
          f"0.5 points of their {3 * args.trials}-trial study's best (one dev example is "
          f"{100 / 180:.2f} points); mean gap {result['mean_gap_points']:.2f} points; "
          f"{result['seconds']:.0f} s")
    return result


def part_coarse_to_fine(args) -> dict:
    """Per seed: 3 rounds with the same total trials as the seed's first random search."""
    objective = TrainingObjective("digits", epochs=args.epochs, seed=0)
    started = time.perf_counter()
    per_round = split_trials(args.trials, 3)
    per_seed = []
    for seed in range(args.seed, args.seed + args.repeats):
        folder = os.path.join(args.out, f"coarse-to-fine-{seed}")
        study = coarse_to_fine(objective, SPACE, rounds=3, trials_per_round=per_round,
                               keep=0.25, seed=seed, study=folder, overwrite=True,
                               verbose=args.verbose)
        write_report(study)
        row = {"seed": seed, "best": best_of(study.trials()),
               "best_by_round": [best_of([t for t in study.trials() if t["round"] == r])
                                 for r in range(3)],
               "learning_rate_ranges": [(s["learning_rate"]["low"], s["learning_rate"]["high"])
                                        for s in study.settings["round_spaces"]]}
        random_path = os.path.join(args.out, f"random-{seed}", "trials.json")
        if os.path.exists(random_path):  # the same seed's first random trials, same budget
            with open(random_path, encoding="utf-8") as f:
                row["random_best"] = best_of(json.load(f)[:args.trials])
        per_seed.append(row)
        print(f"seed {seed}: coarse to fine ({'+'.join(map(str, per_round))} trials) best "
              f"{row['best']:.4f}, by round {', '.join(f'{b:.4f}' for b in row['best_by_round'])}"
              + (f"; random search with the same trials {row['random_best']:.4f}"
                 if "random_best" in row else ""), flush=True)
    compared = [r for r in per_seed if "random_best" in r]
    result = {"per_seed": per_seed, "seconds": time.perf_counter() - started,
              "at_least_random": sum(r["best"] >= r["random_best"] for r in compared),
              "compared": len(compared)}
    if compared:
        print(f"coarse to fine reached at least random search's best in "
              f"{result['at_least_random']} of {len(compared)} seeds; "
              f"{result['seconds']:.0f} s")
    return result


def part_parallel(args) -> dict:
    objective = TrainingObjective("digits", epochs=args.parallel_epochs, seed=args.seed)
    n = args.parallel_trials
    kwargs = dict(seed=args.seed + 1, overwrite=True, verbose=1)
    # Warm-ups, here and on the workers: the first trial in a process imports the training
    # code and loads the digits.
    random_search(TrainingObjective("digits", epochs=1), SPACE, 1,
                  study=os.path.join(args.out, "parallel-warm-up-local"),
                  **dict(kwargs, verbose=0))
    started = time.perf_counter()
    local = random_search(objective, SPACE, n, study=os.path.join(args.out, "parallel-local"),
                          **kwargs)
    local_seconds = time.perf_counter() - started
    # The same one after another with BLAS pinned to one thread, as on each worker (this
    # process keeps one thread from here on).
    set_num_threads(1)
    started = time.perf_counter()
    pinned = random_search(objective, SPACE, n, **kwargs,
                           study=os.path.join(args.out, "parallel-local-pinned"))
    pinned_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with DaskExecutor(workers=2) as cluster:
        startup_seconds = time.perf_counter() - started
        random_search(TrainingObjective("digits", epochs=1), SPACE, 2, executor=cluster,
                      study=os.path.join(args.out, "parallel-warm-up"), **dict(kwargs, verbose=0))
        warm_seconds = time.perf_counter() - started
        started_search = time.perf_counter()
        dask = random_search(objective, SPACE, n, executor=cluster,
                             study=os.path.join(args.out, "parallel-dask"), **kwargs)
        dask_seconds = time.perf_counter() - started_search
    total_seconds = time.perf_counter() - started
    result = {"trials": n, "epochs": args.parallel_epochs, "local_seconds": local_seconds,
              "local_pinned_seconds": pinned_seconds, "dask_seconds": dask_seconds,
              "ratio": dask_seconds / local_seconds,
              "ratio_pinned": dask_seconds / pinned_seconds,
              "cluster_start_seconds": startup_seconds, "warm_up_seconds": warm_seconds,
              "dask_total_seconds": total_seconds,
              "same_values": [t["params"] for t in dask.trials()]
              == [t["params"] for t in local.trials()],
              # Bit for bit only at the same BLAS thread count (a GEMM's sums are split
              # differently), which training then magnifies.
              "same_table_as_local": dask.table() == local.table(),
              "same_table_as_pinned": dask.table() == pinned.table()}
    print(f"{n} trials of {args.parallel_epochs} epochs one after another: {local_seconds:.1f} s "
          f"(BLAS as it is), {pinned_seconds:.1f} s (BLAS pinned to 1 thread); on a 2-worker "
          f"local cluster {dask_seconds:.1f} s (ratios {result['ratio']:.2f} and "
          f"{result['ratio_pinned']:.2f}; ideal 0.5), {total_seconds:.1f} s with the "
          f"cluster's start ({startup_seconds:.1f} s) and warm-up. Same values: "
          f"{result['same_values']}; same table as pinned: {result['same_table_as_pinned']}, "
          f"as unpinned: {result['same_table_as_local']}")
    return result


PARTS = {"random": part_random, "coarse-to-fine": part_coarse_to_fine,
         "parallel": part_parallel}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per trial")
    parser.add_argument("--repeats", type=int, default=5,
                        help="study seeds for random and coarse-to-fine (seed, seed + 1, ...)")
    parser.add_argument("--verbose", type=int, default=0, help="1: a line per trial")
    parser.add_argument("--trials", type=int, default=20,
                        help="the small search's trials (the large one has three times as many)")
    parser.add_argument("--parallel-trials", type=int, default=8, dest="parallel_trials")
    parser.add_argument("--parallel-epochs", type=int, default=40, dest="parallel_epochs",
                        help="epochs per trial of the wall-time comparison (the digits' 40)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="studies/hyperparameter_search")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    parts = list(PARTS) if args.part == "all" else [args.part]
    results = {part: PARTS[part](args) for part in parts}
    with open(os.path.join(args.out, f"results-{args.part}.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, default=str)
    return results


if __name__ == "__main__":
    main()
