"""Course 3, week 2: multi-task learning with missing labels.

One network answers k yes/no questions about each input at once — the course's self-driving
example asks "pedestrian? car? stop sign? traffic light?" of every image. Its last layer has k
logits, each with its own sigmoid (not a softmax: several answers can be yes), and the cost sums
the k logistic losses:

    J = (1/m) Σ_i Σ_j [label j of example i is known] · L(σ(z_j(i)), y_j(i))

Labels that nobody annotated are NaN (the course's "?") and simply drop out of the sum.

Here the inputs are 8x8 digits and the four questions are: even? at least 5? has a closed
loop (0, 6, 8, 9)? prime (2, 3, 5, 7)? A third of the training labels are hidden. The shared
hidden layer learns the strokes once for all four tasks: it matches four separate networks,
each trained on its own task's known labels, with a quarter of their parameters (about 98% on
every task either way).

    python examples/multitask.py --missing 0.3
"""
from __future__ import annotations

import argparse

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep import optim
from npdeep.data import Standardizer, load_digits, split
from npdeep.models import mlp

TASKS = {"even": {0, 2, 4, 6, 8}, "at least 5": {5, 6, 7, 8, 9},
         "closed loop": {0, 6, 8, 9}, "prime": {2, 3, 5, 7}}


def task_labels(digits: np.ndarray) -> np.ndarray:
    """(m, k) labels in {0, 1}: column j answers question j for each digit."""
    return np.stack([np.isin(digits, sorted(members)) for members in TASKS.values()],
                    axis=1).astype(np.float32)


def known_label_accuracy(Y, Z) -> float:
    """Accuracy over the known labels only (NaN = unknown), thresholding the logits at 0."""
    Y, Z = np.asarray(Y), np.asarray(Z)
    known = ~np.isnan(Y)
    return float(np.mean((Z[known] > 0) == (Y[known] > 0.5)))


def per_task_accuracy(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return ((Z > 0) == (Y > 0.5)).mean(axis=0)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missing", type=float, default=0.3,
                        help="fraction of training labels hidden (set to NaN)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X, digits = load_digits()
    (X_train, d_train), (X_dev, d_dev), (X_test, d_test) = split(X, digits, dev=0.1, test=0.2,
                                                                 seed=args.seed)
    scaler = Standardizer().fit(X_train)
    X_train, X_dev, X_test = (scaler.transform(a) for a in (X_train, X_dev, X_test))
    Y_train, Y_dev, Y_test = task_labels(d_train), task_labels(d_dev), task_labels(d_test)
    hidden = np.random.default_rng(args.seed).random(Y_train.shape) < args.missing
    Y_train[hidden] = np.nan  # nobody labelled these
    print(f"{len(Y_train)} training images x {len(TASKS)} tasks; "
          f"{int(hidden.sum())} of {Y_train.size} labels missing")

    # One network, four sigmoid outputs, the masked multi-task cost.
    npdeep.manual_seed(args.seed)
    model = mlp(64, hidden=(64,), n_classes=len(TASKS))
    history = npdeep.fit(model, F.multitask_loss, optim.Adam(model.parameters(), 1e-3),
                         (X_train, Y_train), dev=(X_dev, Y_dev), epochs=args.epochs,
                         mini_batch_size=32, metrics=[known_label_accuracy], verbose=0,
                         seed=args.seed)
    print(f"multi-task network: dev accuracy {history.dev['known_label_accuracy'][-1]:.1%} "
          f"({model.num_parameters():,} parameters)")
    multi = per_task_accuracy(npdeep.predict(model, X_test), Y_test)

    # Baseline: one network per task, each trained on the examples that have its label.
    separate = []
    n_parameters = 0
    for j in range(len(TASKS)):
        known = ~np.isnan(Y_train[:, j])
        npdeep.manual_seed(args.seed + 1 + j)
        single = mlp(64, hidden=(64,), n_classes=1)
        npdeep.fit(single, F.binary_cross_entropy_with_logits,
                   optim.Adam(single.parameters(), 1e-3),
                   (X_train[known], Y_train[known, j:j + 1]), epochs=args.epochs,
                   mini_batch_size=32, metrics=(), verbose=0, seed=args.seed)
        separate.append(per_task_accuracy(npdeep.predict(single, X_test),
                                          Y_test[:, j:j + 1])[0])
        n_parameters += single.num_parameters()

    print(f"\ntest accuracy per task   multi-task ({model.num_parameters():,} params)   "
          f"4 separate nets ({n_parameters:,} params)")
    for j, name in enumerate(TASKS):
        print(f"  {name:<12}{multi[j]:>32.1%}{separate[j]:>28.1%}")
    print(f"  {'mean':<12}{multi.mean():>32.1%}{np.mean(separate):>28.1%}")
    return {"multitask": multi, "separate": np.array(separate)}


if __name__ == "__main__":
    main()
