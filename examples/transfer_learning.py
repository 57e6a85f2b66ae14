"""Course 3, week 2: transfer learning — reuse a network trained on task A for task B.

Task A: classify the digits 0-4 (all their ~720 training images). Task B: classify the
digits 5-9 from only a few labelled images per class. The network trained on A already
computes useful features of handwriting in its hidden layers, so for B we keep its body
frozen (``Module.freeze()``: no gradient, no update), replace the last layer by a new head
with B's classes and train only that head: a few hundred parameters instead of ~17,000.

The course's condition for transfer to pay off is that A and B share low-level features and A
has much more data. Here both are digits, but 0-4 and 5-9 share only part of their strokes, and
standardized 8x8 pixels are easy enough that a network trained from scratch on 50 images does
about as well (both about 80-90% on 5-9, depending on the seed); the script prints both so the
comparison is honest. Transfer wins clearly when the input is hard (photos, sound) and the
pretrained body large — the same three lines (freeze, new head, optimizer over the head's
parameters) apply there.

    python examples/transfer_learning.py --per-class 10
"""
from __future__ import annotations

import argparse

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep import nn, optim
from npdeep.data import Standardizer, load_digits, split
from npdeep.models import mlp


def few_per_class(X, y, per_class: int, seed: int):
    """``per_class`` random examples of each class: a small labelled training set."""
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class]
                           for c in np.unique(y)])
    return X[keep], y[keep]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=10,
                        help="labelled training images per class for task B")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = load_digits()                                   # X (1797, 64), y 0..9
    (X_train, y_train), (X_dev, y_dev), (X_test, y_test) = split(X, y, dev=0.15, test=0.25,
                                                                 seed=args.seed)
    scaler = Standardizer().fit(X_train)
    X_train, X_dev, X_test = (scaler.transform(a) for a in (X_train, X_dev, X_test))
    A_train, A_dev = y_train < 5, y_dev < 5
    B_train, B_test = y_train >= 5, y_test >= 5

    # Task A: digits 0-4, plenty of data.
    npdeep.manual_seed(args.seed)
    model = mlp(64, hidden=(128, 64), n_classes=5)
    npdeep.fit(model, F.cross_entropy, optim.Adam(model.parameters(), learning_rate=1e-3),
               (X_train[A_train], y_train[A_train]), dev=(X_dev[A_dev], y_dev[A_dev]),
               epochs=30, mini_batch_size=32, verbose=0, seed=args.seed)
    acc_A = npdeep.evaluate(model, (X_dev[A_dev], y_dev[A_dev]))["accuracy"]
    print(f"task A (digits 0-4): dev accuracy {acc_A:.1%}")

    # Task B: digits 5-9 (relabelled 0-4), a few examples per class.
    XB, yB = few_per_class(X_train[B_train], y_train[B_train] - 5, args.per_class, args.seed)
    test_B = (X_test[B_test], y_test[B_test] - 5)
    print(f"task B (digits 5-9): {len(yB)} training images, {len(test_B[1])} test images")

    # Transfer: freeze every layer but the last, and give the network a new head.
    model[:-1].freeze()  # the slice holds the same layer objects: their parameters freeze
    model[-1] = nn.Linear(64, 5)
    head = [p for p in model.parameters() if p.requires_grad]
    print(f"  transfer: training {sum(p.size for p in head)} of "
          f"{model.num_parameters()} parameters (the new head)")
    npdeep.fit(model, F.cross_entropy, optim.Adam(head, learning_rate=1e-2), (XB, yB),
               epochs=100, mini_batch_size=32, verbose=0, seed=args.seed)
    acc_transfer = npdeep.evaluate(model, test_B)["accuracy"]

    # Baseline: the same architecture trained from scratch on B's few examples.
    npdeep.manual_seed(args.seed + 1)
    scratch = mlp(64, hidden=(128, 64), n_classes=5)
    npdeep.fit(scratch, F.cross_entropy, optim.Adam(scratch.parameters(), learning_rate=1e-3),
               (XB, yB), epochs=100, mini_batch_size=32, verbose=0, seed=args.seed)
    acc_scratch = npdeep.evaluate(scratch, test_B)["accuracy"]

    print(f"  test accuracy on digits 5-9, transfer (frozen body, new head): "
          f"{acc_transfer:.1%}")
    print(f"  test accuracy on digits 5-9, trained from scratch:             "
          f"{acc_scratch:.1%}")
    return {"task_A": acc_A, "transfer": acc_transfer, "scratch": acc_scratch}


if __name__ == "__main__":
    main()
