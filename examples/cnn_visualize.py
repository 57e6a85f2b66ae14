"""What a CNN's first layer learns: its filters, and the feature maps of one digit.

Trains the small digits CNN (examples/small_cnn_digits.py) for a few epochs, then writes

    <out>/filters.png        the 16 learned 3x3 filters of the first convolution
    <out>/feature_maps.png   one test digit and its 16 feature maps after CONV -> BN -> RELU

    python examples/cnn_visualize.py [--out runs/cnn_visualize] [--epochs 5]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import npdeep  # noqa: E402
from _cnn_common import accuracy, train  # noqa: E402
from npdeep import optim  # noqa: E402
from npdeep.data import load_digits, split  # noqa: E402
from small_cnn_digits import small_cnn  # noqa: E402


def _grid(images, titles, path, suptitle, columns=8, cmap="gray"):
    import matplotlib
    matplotlib.use("Agg")  # files only; no screen needed
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.5 * rows + 0.4))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, image, title in zip(np.ravel(axes), images, titles):
        ax.imshow(image, cmap=cmap, interpolation="nearest")
        ax.set_title(title, fontsize=8)
    fig.suptitle(suptitle)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("runs", "cnn_visualize"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    npdeep.manual_seed(args.seed)
    X, y = load_digits(flatten=False)
    splits = split(X, y, dev=0, test=0.2, seed=args.seed)
    (X_train, y_train), (X_test, y_test) = splits.train, splits.test
    model = small_cnn()
    train(model, optim.Adam(model.parameters(), learning_rate=3e-3), X_train, y_train,
          args.epochs, mini_batch_size=32, log=None)
    print(f"small CNN test accuracy after {args.epochs} epochs: "
          f"{accuracy(model, X_test, y_test):.4f}")

    os.makedirs(args.out, exist_ok=True)
    W = model[0].W.data  # (f, f, n_C_prev, n_C) = (3, 3, 1, 16)
    filters = [W[:, :, 0, c] for c in range(W.shape[-1])]
    filters_path = os.path.join(args.out, "filters.png")
    _grid(filters, [f"filter {c}" for c in range(len(filters))], filters_path,
          "first-layer 3x3 filters (dark = negative weight)")

    digit = X_test[:1]  # (1, 8, 8, 1)
    model.eval()
    with npdeep.no_grad():
        A = model[:3](npdeep.tensor(digit)).data[0]  # (8, 8, 16): CONV -> BN -> RELU
    maps_path = os.path.join(args.out, "feature_maps.png")
    _grid([digit[0, :, :, 0]] + [A[:, :, c] for c in range(A.shape[-1])],
          [f"input: {y_test[0]}"] + [f"map {c}" for c in range(A.shape[-1])], maps_path,
          "one digit and its first-layer feature maps", columns=9, cmap="viridis")
    print(f"wrote {filters_path} and {maps_path}")
    return {"filters": filters_path, "feature_maps": maps_path}


if __name__ == "__main__":
    main()
