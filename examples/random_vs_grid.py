"""Why random values and not a grid (course 2, week 3).

Two hyperparameters, of which only one matters: the learning rate α moves the dev score, Adam's
ε (1e-8 or so) barely does. A 5x5 grid spends 25 trials on only 5 values of α; 25 random
trials try 25 values of α, so the best of them lands closer to the best α.

The objective here is a stand-in for a dev score with that shape, cheap enough to repeat the
comparison over many seeds:

    score(α, ε) = 1 − (log10 α + 2.3)² / 10 − 1e-3·(log10 ε + 8)²,

best at α ≈ 5e-3 whatever ε. Both searches sample α on a log scale in [1e-4, 1] (the grid's 5
values are equally spaced in log10 α, as a careful grid would be).

    python examples/random_vs_grid.py --out studies/random_vs_grid
"""
from __future__ import annotations

import argparse
import math
import os

import numpy as np

from npdeep.tune import LogUniform, grid_search, random_search


def dev_score(params) -> float:
    """A smooth dev score: α matters, ε hardly does."""
    alpha, epsilon = params["learning_rate"], params["epsilon"]
    return 1.0 - (math.log10(alpha) + 2.3) ** 2 / 10 - 1e-3 * (math.log10(epsilon) + 8) ** 2


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=5, help="the grid's values per axis")
    parser.add_argument("--seeds", type=int, default=20, help="random searches to average")
    parser.add_argument("--out", default="studies/random_vs_grid")
    args = parser.parse_args(argv)
    n = args.side ** 2
    grid = {"learning_rate": list(np.logspace(-4, 0, args.side)),
            "epsilon": list(np.logspace(-10, -6, args.side))}
    grid_study = grid_search(dev_score, grid, study=os.path.join(args.out, "grid"),
                             overwrite=True, verbose=0)
    space = {"learning_rate": LogUniform(1e-4, 1.0), "epsilon": LogUniform(1e-10, 1e-6)}
    random_bests, random_alphas = [], []
    for seed in range(args.seeds):
        study = random_search(dev_score, space, n, seed=seed,
                              study=os.path.join(args.out, f"random-{seed}"), overwrite=True,
                              verbose=0)
        random_bests.append(study.best()["score"])
        random_alphas.append(len({t["params"]["learning_rate"] for t in study.trials()}))
    result = {
        "trials": n,
        "grid_alpha_values": len(set(grid["learning_rate"])),
        "random_alpha_values": int(np.mean(random_alphas)),
        "grid_best": grid_study.best()["score"],
        "random_best_mean": float(np.mean(random_bests)),
        "random_beats_grid": float(np.mean([b > grid_study.best()["score"]
                                            for b in random_bests])),
    }
    print(f"{n} trials: the grid tried {result['grid_alpha_values']} values of α, random "
          f"search {result['random_alpha_values']}")
    print(f"best dev score: grid {result['grid_best']:.4f}; random (mean over {args.seeds} "
          f"seeds) {result['random_best_mean']:.4f}; random beat the grid in "
          f"{100 * result['random_beats_grid']:.0f} % of the seeds")
    return result


if __name__ == "__main__":
    main()
