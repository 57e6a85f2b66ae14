"""Course 1, week 2: logistic regression as one neuron, ŷ = σ(X·wᵀ + b).

Trained by full-batch gradient descent on the binary cross-entropy. On the 8x8 digits, 0 vs 1
(--data digits, the default) one neuron is enough; on the planar "flower" (--data planar) it
is not — a straight line cannot separate the petals (about 50%), which motivates the hidden
layer of planar_2layer.py. With --plot (planar only) the boundary is written to
<out>/logistic_decision_boundary.png.

    python examples/logistic_regression.py --data planar --plot --out results/
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep import nn, optim
from npdeep.data import load_digits, load_planar, split


def load(name: str):
    if name == "planar":
        X, Y = load_planar()
        return X, Y, X, Y  # the course reports the training accuracy here
    X, y = load_digits()
    keep = y <= 1  # the digits 0 and 1
    X, Y = X[keep], y[keep].astype(np.float32)[:, None]
    splits = split(X, Y, dev=0, test=0.25, seed=0)
    return splits.train + splits.test


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("digits", "planar"), default="digits")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--plot", action="store_true")
    parser.add_argument("--out", default=".", help="folder for output files")
    args = parser.parse_args(argv)

    npdeep.manual_seed(0)
    X_train, Y_train, X_test, Y_test = load(args.data)
    neuron = nn.Sequential(nn.Linear(X_train.shape[1], 1, init="zeros"), nn.Sigmoid())
    optimizer = optim.GD(neuron.parameters(), learning_rate=args.learning_rate)
    X = npdeep.tensor(X_train)
    for i in range(args.iterations):
        cost = F.binary_cross_entropy(neuron(X), Y_train)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        if i % 100 == 0:
            print(f"cost after iteration {i}: {cost.item():.6f}")

    def predict(P):
        return (npdeep.predict(neuron, P) > 0.5).astype(np.float32)

    train_accuracy = float((predict(X_train) == Y_train).mean())
    test_accuracy = float((predict(X_test) == Y_test).mean())
    print(f"train accuracy: {train_accuracy:.1%}   test accuracy: {test_accuracy:.1%}")
    result = {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy}
    if args.plot and args.data == "planar":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from planar_2layer import plot_decision_boundary
        path = os.path.join(args.out, "logistic_decision_boundary.png")
        plot_decision_boundary(predict, X_train, Y_train, path,
                               f"logistic regression: {train_accuracy:.1%}")
        result["plot"] = path
    return result


if __name__ == "__main__":
    main()
