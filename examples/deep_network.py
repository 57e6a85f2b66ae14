"""Courses 1-2: an L-layer ReLU network with Adam, mini-batches and learning-rate decay.

    X (m, 64) -> [Linear -> ReLU] × (L − 1) -> Linear -> softmax -> ŷ (m, 10)

on the 8x8 digits (all ten classes), with He initialization, L2 regularization through the
optimizer's lambd, mini-batches of 64 and α decayed as α0/(1 + decay_rate·epoch). Reports the
training and test accuracy; the trained weights are written to <out>/deep_network.npz.

    python examples/deep_network.py --layers 64 32 16 10 --epochs 30 --out results/
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import npdeep
import npdeep.functional as F
from npdeep import nn, optim
from npdeep.data import load_digits, random_mini_batches, split


def build_model(layer_dims) -> nn.Module:
    """[Linear -> ReLU] for the hidden layers, then a Linear producing the logits."""
    layers = []
    for l in range(1, len(layer_dims)):
        layers.append(nn.Linear(layer_dims[l - 1], layer_dims[l], init="he"))
        if l < len(layer_dims) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def accuracy(model, X, y) -> float:
    return float((npdeep.predict(model, X).argmax(axis=1) == y).mean())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[64, 32, 16, 10],
                        help="layer_dims: n_x, hidden sizes, number of classes")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--mini-batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.003)
    parser.add_argument("--decay-rate", type=float, default=0.05)
    parser.add_argument("--lambd", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=".", help="folder for output files")
    args = parser.parse_args(argv)

    npdeep.manual_seed(args.seed)
    X, y = load_digits()
    splits = split(X, y, dev=0, test=0.2, seed=args.seed)
    (X_train, y_train), (X_test, y_test) = splits.train, splits.test
    model = build_model(args.layers)
    print(model)
    optimizer = optim.Adam(model.parameters(), learning_rate=args.learning_rate,
                           lambd=args.lambd)
    schedule = optim.InverseTimeDecay(args.learning_rate, args.decay_rate)
    for epoch in range(args.epochs):
        schedule.step(optimizer, epoch)
        total = 0.0
        for X_t, y_t in random_mini_batches(X_train, y_train, args.mini_batch_size):
            cost = F.cross_entropy(model(npdeep.tensor(X_t)), y_t)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            total += cost.item() * len(X_t)
        if epoch % 5 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:3d}  cost {total / len(X_train):.4f}  "
                  f"learning_rate {optimizer.learning_rate:.5f}")
    result = {"train_accuracy": accuracy(model, X_train, y_train),
              "test_accuracy": accuracy(model, X_test, y_test)}
    print(f"train accuracy: {result['train_accuracy']:.1%}   "
          f"test accuracy: {result['test_accuracy']:.1%}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "deep_network.npz")
    np.savez(path, **model.state_dict())
    result["weights"] = path
    return result


if __name__ == "__main__":
    main()
