"""Hyperparameter search on the digits MLP (course 2, week 3): random, coarse to fine, caviar.

Three measurements, each a study folder under --out (tables and plots written by
npdeep.tune.report):

- random: a 60-trial random search over learning_rate (log scale), hidden units and keep_prob.
  Trial i's values derive from (seed, i) alone, so its trials 0-19, 20-39 and 40-59 are three
  independent 20-trial random searches: how close does each get to the best of all 60?
- coarse-to-fine: 20 trials in 3 rounds (7, 7, 6), each round zoomed into the best quarter of
  the last; against the first 20-trial random search (trials 0-19; its round 0 is the same 7
  trials as random search's first 7).
- parallel: the wall time of 8 trials one after another in this process against 8 trials on
  a 2-worker local Dask cluster (one BLAS thread per worker).

    python examples/hyperparameter_search.py --part random
    python examples/hyperparameter_search.py --part coarse-to-fine
    python examples/hyperparameter_search.py --part parallel
"""
from __future__ import annotations

import argparse
import json
import os
import time

from npdeep.tune import (Choice, LogUniform, TrainingObjective, Uniform, coarse_to_fine,
                         random_search)
from npdeep.tune.report import write_report

SPACE = {"learning_rate": LogUniform(1e-4, 1e-1), "hidden": Choice([64, 128, 256]),
         "keep_prob": Uniform(0.5, 1.0)}


def best_of(trials) -> float:
    return max(t["score"] for t in trials if t["score"] is not None)


def part_random(args) -> dict:
    objective = TrainingObjective("digits", epochs=args.epochs, seed=args.seed)
    started = time.perf_counter()
    study = random_search(objective, SPACE, args.trials * 3, seed=args.seed,
                          study=os.path.join(args.out, "random"), overwrite=True, verbose=1)
    seconds = time.perf_counter() - started
    write_report(study)
    trials = study.trials()
    best_all = best_of(trials)
    windows = [best_of(trials[k * args.trials:(k + 1) * args.trials]) for k in range(3)]
    result = {"best_of_all": best_all, "best_of_each_window": windows,
              "gap_points": [100 * (best_all - w) for w in windows], "seconds": seconds,
              "best_trial": study.best()}
    print(study.table(top=5))
    print(f"best of {len(trials)} trials: {best_all:.4f}; best of each {args.trials}-trial "
          f"search: {', '.join(f'{w:.4f}' for w in windows)} (gaps "
          f"{', '.join(f'{g:.2f}' for g in result['gap_points'])} points); {seconds:.0f} s")
    return result


def part_coarse_to_fine(args) -> dict:
    objective = TrainingObjective("digits", epochs=args.epochs, seed=args.seed)
    started = time.perf_counter()
    per_round = [args.trials // 3 + (1 if r < args.trials % 3 else 0) for r in range(3)]
    study = coarse_to_fine(objective, SPACE, rounds=3, trials_per_round=per_round, keep=0.25,
                           seed=args.seed, study=os.path.join(args.out, "coarse-to-fine"),
                           overwrite=True, verbose=1)
    seconds = time.perf_counter() - started
    write_report(study)
    by_round = [best_of([t for t in study.trials() if t["round"] == r]) for r in range(3)]
    result = {"best": best_of(study.trials()), "best_by_round": by_round,
              "round_spaces": study.settings["round_spaces"], "seconds": seconds}
    random_path = os.path.join(args.out, "random", "trials.json")
    if os.path.exists(random_path):  # the same seed's first 20 random trials
        with open(random_path, encoding="utf-8") as f:
            result["random_best_same_trials"] = best_of(json.load(f)[:args.trials])
    print(study.table(top=5))
    print(f"coarse to fine ({'+'.join(map(str, per_round))} trials): best {result['best']:.4f}"
          f"; by round {', '.join(f'{b:.4f}' for b in by_round)}; {seconds:.0f} s")
    if "random_best_same_trials" in result:
        print(f"random search, the same {args.trials} trials' budget: "
              f"{result['random_best_same_trials']:.4f}")
    return result


def part_parallel(args) -> dict:
    objective = TrainingObjective("digits", epochs=args.epochs, seed=args.seed)
    n = args.parallel_trials
    times = {}
    for name, kwargs in (("local", {}), ("dask-2-workers", {"executor": "dask", "workers": 2})):
        started = time.perf_counter()
        study = random_search(objective, SPACE, n, seed=args.seed + 1,
                              study=os.path.join(args.out, f"parallel-{name}"), overwrite=True,
                              verbose=1, **kwargs)
        times[name] = time.perf_counter() - started
        times[f"{name}-table"] = study.table()
    same = times["local-table"] == times["dask-2-workers-table"]
    result = {"local_seconds": times["local"], "dask_seconds": times["dask-2-workers"],
              "ratio": times["dask-2-workers"] / times["local"], "same_table": same}
    print(f"{n} trials: one after another {times['local']:.1f} s; 2-worker local cluster "
          f"{times['dask-2-workers']:.1f} s (ratio {result['ratio']:.2f}; ideal 0.5); "
          f"same table: {same}")
    return result


PARTS = {"random": part_random, "coarse-to-fine": part_coarse_to_fine,
         "parallel": part_parallel}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--epochs", type=int, default=15, help="epochs per trial")
    parser.add_argument("--trials", type=int, default=20,
                        help="the small search's trials (the large one has three times as many)")
    parser.add_argument("--parallel-trials", type=int, default=8, dest="parallel_trials")
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
