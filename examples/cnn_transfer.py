"""Transfer learning with a CNN: learn digits 0-4, then reuse the frozen body for digits 5-9.

1. Train the small digits CNN (examples/small_cnn_digits.py) on the 8x8 digits 0-4.
2. Freeze its body (everything but the last dense layer) and run it once over the images of
   digits 5-9, caching the 512 features per image on disk (``precompute_features``).
3. Train only a new softmax head on those cached features, and compare with the same head
   trained on the features of an untrained (random) body.
4. Put the head on the body (``replace_head``): one model for digits 5-9.

    python examples/cnn_transfer.py [--cache-dir runs/cnn_transfer]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import npdeep  # noqa: E402
from _cnn_common import accuracy, train  # noqa: E402
from npdeep import nn, optim  # noqa: E402
from npdeep.data import load_digits, split, transforms  # noqa: E402
from npdeep.models import precompute_features, replace_head  # noqa: E402
from small_cnn_digits import small_cnn  # noqa: E402


def train_head(features_train, y_train, features_test, y_test, epochs: int, seed: int):
    """A softmax head (one dense layer) trained on fixed features; returns it and its accuracy."""
    npdeep.manual_seed(seed)
    head = nn.Linear(features_train.shape[1], 5, init="xavier")
    optimizer = optim.Adam(head.parameters(), learning_rate=3e-3)
    train(head, optimizer, features_train, y_train, epochs, mini_batch_size=32, log=None)
    return head, accuracy(head, features_test, y_test)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="epochs on digits 0-4")
    parser.add_argument("--head-epochs", type=int, default=30)
    parser.add_argument("--cache-dir", default=os.path.join("runs", "cnn_transfer"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    npdeep.manual_seed(args.seed)
    X, y = load_digits(flatten=False)  # (1797, 8, 8, 1)
    first, second = y < 5, y >= 5
    (XA_train, yA_train), _, (XA_test, yA_test) = split(X[first], y[first], dev=0, test=0.2,
                                                        seed=args.seed)
    (XB_train, yB_train), _, (XB_test, yB_test) = split(X[second], y[second] - 5, dev=0,
                                                        test=0.2, seed=args.seed)

    # 1. The source task: digits 0-4.
    model = small_cnn(n_classes=5)
    optimizer = optim.Adam(model.parameters(), learning_rate=3e-3)
    train(model, optimizer, XA_train, yA_train, args.epochs, mini_batch_size=32,
          transform=transforms.RandomCrop(8, padding=1), log=None)
    acc_source = accuracy(model, XA_test, yA_test)
    print(f"digits 0-4: CNN test accuracy {acc_source:.4f}")

    # 2. Freeze the body; compute (or reuse) its features of the digits 5-9 once.
    body = model[:-1].freeze()
    t = time.perf_counter()
    F_train = precompute_features(body, XB_train, os.path.join(args.cache_dir, "train.npz"))
    F_test = precompute_features(body, XB_test, os.path.join(args.cache_dir, "test.npz"))
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    precompute_features(body, XB_train, os.path.join(args.cache_dir, "train.npz"))
    cached_s = time.perf_counter() - t
    print(f"features {F_train.shape} computed in {first_s:.2f} s (or read from the cache); "
          f"a second call read the cache in {cached_s:.3f} s")

    # 3. Only the new head trains.
    head, acc_transfer = train_head(F_train, yB_train, F_test, yB_test, args.head_epochs,
                                    args.seed)
    npdeep.manual_seed(args.seed + 1)
    random_body = small_cnn(n_classes=5)[:-1]
    R_train = precompute_features(random_body, XB_train)
    R_test = precompute_features(random_body, XB_test)
    _, acc_random = train_head(R_train, yB_train, R_test, yB_test, args.head_epochs, args.seed)
    print(f"digits 5-9, head only: {acc_transfer:.4f} on the transferred body's features, "
          f"{acc_random:.4f} on a random body's features")

    # 4. One model for the new task, taking images.
    model = replace_head(model, head)
    acc_model = accuracy(model, XB_test, yB_test)
    assert np.isclose(acc_model, acc_transfer), "the assembled model disagrees with its head"
    print(f"assembled model on digits 5-9: {acc_model:.4f} "
          f"({model.num_parameters(trainable_only=True):,} of {model.num_parameters():,} "
          f"parameters trained for the new task; {time.perf_counter() - start:.1f} s)")
    return {"source_acc": acc_source, "transfer_acc": acc_transfer, "random_acc": acc_random}


if __name__ == "__main__":
    main()
