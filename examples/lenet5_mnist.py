"""LeNet-5 on MNIST: the course's CNN, trained with Adam, to about 99% test accuracy.

MNIST's 28x28 images are padded by 2 to LeNet-5's 32x32 input (``transforms.Pad(2)``).

    python examples/lenet5_mnist.py                 # data from $NPDEEP_DATA/mnist or
                                                    # ../shared/data/mnist next to the repo
    python examples/lenet5_mnist.py --epochs 1 --train-size 2000   # a quick look

Prints each epoch's cost and test accuracy, then the final test accuracy and the wall time.
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
from npdeep.data import load_mnist, transforms  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None, help="folder of the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--mini-batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--decay", type=float, default=0.8,
                        help="exponential learning-rate decay per epoch (the course's base^epoch)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="use only the first N training images (quick runs)")
    parser.add_argument("--test-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    npdeep.manual_seed(args.seed)
    root = data_root("mnist", args.data_root)
    X_train, y_train = load_mnist(root, "train")  # (60000, 28, 28, 1) in [0, 1]
    X_test, y_test = load_mnist(root, "test")
    X_train, y_train = X_train[:args.train_size], y_train[:args.train_size]
    X_test, y_test = X_test[:args.test_size], y_test[:args.test_size]
    pad = transforms.Pad(2)  # (m, 28, 28, 1) -> (m, 32, 32, 1)
    X_train, X_test = pad(X_train), pad(X_test)

    model = models.lenet5(input_shape=(32, 32, 1), n_classes=10)
    model.summary((32, 32, 1))
    optimizer = optim.Adam(model.parameters(), learning_rate=args.learning_rate)
    schedule = optim.ExponentialDecay(args.learning_rate, base=args.decay)
    print(f"training on {len(X_train)} images, testing on {len(X_test)}", flush=True)
    history = train(model, optimizer, X_train, y_train, args.epochs, args.mini_batch_size,
                    schedule=schedule, X_test=X_test, y_test=y_test)
    test_acc = accuracy(model, X_test, y_test)
    wall = time.perf_counter() - start
    print(f"LeNet-5 MNIST test accuracy: {test_acc:.4f} ({100 * test_acc:.2f}%)")
    print(f"wall time: {wall:.0f} s ({wall / 60:.1f} min)")
    return {"test_acc": test_acc, "wall_s": wall, "history": history}


if __name__ == "__main__":
    main()
