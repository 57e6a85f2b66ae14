"""A small ResNet on Fashion-MNIST (28x28 clothing images, 10 classes).

CONV 3x3 -> BN -> RELU, then three stages of one BasicBlock each (widths 16, 32, 64; the
second and third halve n_H and n_W), global average pool, FC 10: resnet_small's defaults,
77,754 parameters. Trained with Adam (α decayed by 0.7 per epoch), with random horizontal
flips as augmentation (a mirrored shirt is still a shirt). The defaults (4 epochs on all
60,000 images) reach about 90% test accuracy.

    python examples/resnet_fashion.py                                  # full run
    python examples/resnet_fashion.py --widths 8,16,32 --epochs 2      # ~4x cheaper, ~86%
    python examples/resnet_fashion.py --train-size 10000 --epochs 1    # a quick look

Prints each epoch's cost and test accuracy and the wall time. On a CPU the NumPy convolutions
make this the slowest of the CNN examples: use --train-size to trade accuracy for time.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import npdeep  # noqa: E402
from _cnn_common import accuracy, data_root, train  # noqa: E402
from npdeep import models, optim  # noqa: E402
from npdeep.data import load_fashion_mnist, transforms  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None,
                        help="folder of the four Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--mini-batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--decay", type=float, default=0.7)
    parser.add_argument("--widths", default="16,32,64")
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--test-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    npdeep.manual_seed(args.seed)
    root = data_root("fashion-mnist", args.data_root)
    X_train, y_train = load_fashion_mnist(root, "train")  # (60000, 28, 28, 1) in [0, 1]
    X_test, y_test = load_fashion_mnist(root, "test")
    X_train, y_train = X_train[:args.train_size], y_train[:args.train_size]
    X_test, y_test = X_test[:args.test_size], y_test[:args.test_size]
    widths = tuple(int(w) for w in args.widths.split(","))
    model = models.resnet_small((28, 28, 1), 10, widths=widths, blocks=(1,) * len(widths))
    print(f"resnet_small{widths}: {model.num_parameters():,} parameters; training on "
          f"{len(X_train)} images, testing on {len(X_test)}", flush=True)
    optimizer = optim.Adam(model.parameters(), learning_rate=args.learning_rate)
    schedule = optim.ExponentialDecay(args.learning_rate, base=args.decay)
    history = train(model, optimizer, X_train, y_train, args.epochs, args.mini_batch_size,
                    transform=transforms.RandomHorizontalFlip(), schedule=schedule,
                    X_test=X_test, y_test=y_test)
    test_acc = history[-1]["test_acc"] if history else accuracy(model, X_test, y_test)
    wall = time.perf_counter() - start
    print(f"small ResNet Fashion-MNIST test accuracy: {test_acc:.4f} "
          f"({100 * test_acc:.2f}%), wall time {wall:.0f} s ({wall / 60:.1f} min)")
    return {"test_acc": test_acc, "wall_s": wall, "history": history}


if __name__ == "__main__":
    main()
