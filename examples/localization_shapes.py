"""Classification with localization and landmarks on generated shape images (course 4, week 3).

Each 32×32 image holds one circle, square or triangle at a random place and size, or (a fifth
of them) nothing. One small CNN predicts, for every image, the course's
y = [p_c, b_x, b_y, b_h, b_w, c_1, c_2, c_3] and the four landmarks (l_x, l_y) of the shape:

    CONV 3x3 (16, same) -> RELU -> MAX POOL 2 -> CONV 3x3 (32, same) -> RELU -> MAX POOL 2 ->
    CONV 3x3 (32, same) -> RELU -> MAX POOL 2 -> FLATTEN (4·4·32) -> FC 64 -> RELU ->
    [LocalizationHead (8 outputs) | LandmarkHead (4 × 2 outputs)]

trained with ``npdeep.fit`` and Adam on the sum of the localization loss (the course's squared
error, or ``--loss logistic``) and the landmark loss (counted only where there is a shape).
Reported on held-out images: p_c accuracy, class accuracy and mean IoU of the boxes on the
images that hold a shape, and the mean landmark error in pixels; a PNG shows predicted (solid)
and true (dashed) boxes and the predicted landmarks.

    python examples/localization_shapes.py [--epochs 20] [--out runs/localization_shapes]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import npdeep
from npdeep import functional as F
from npdeep import nn, optim
from npdeep.vision import (CLASS_NAMES, LandmarkHead, LocalizationHead, decode_localization,
                           iou, landmark_loss, localization_loss, localization_targets,
                           single_shape_images)
from npdeep.vision.draw import plot_boxes, plot_image

N_CLASSES, N_LANDMARKS = len(CLASS_NAMES), 4
N_Y = 5 + N_CLASSES  # [p_c, b_x, b_y, b_h, b_w, c_1 … c_C]


class ShapeLocalizer(nn.Module):
    """A CNN body and two heads; the output is [ŷ (m, 5 + C) | landmarks (m, 2K)] side by side,
    so that ``fit`` sees one output and one label array."""

    def __init__(self, size: int = 32, width: int = 16):
        super().__init__()
        side = size // 8  # three 2×2 pools
        self.body = nn.Sequential(
            nn.Conv2d(3, width, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),                                       # (m, side·side·2·width)
            nn.Linear(side * side * 2 * width, 64), nn.ReLU(),
            input_shape=(size, size, 3), name="ShapeLocalizer body")
        self.localization = LocalizationHead(64, N_CLASSES)
        self.landmarks = LandmarkHead(64, N_LANDMARKS)

    def forward(self, X):
        features = self.body(X)  # (m, 64)
        return F.concatenate([self.localization(features), self.landmarks(features)], axis=1)


def make_data(n: int, size: int, seed: int):
    """Images, and labels Y = [y (m, 8) | landmarks (m, 8)] side by side."""
    images, boxes, classes, landmarks = single_shape_images(n, size=size, seed=seed,
                                                            empty_fraction=0.2)
    y = localization_targets(boxes, classes, N_CLASSES)
    Y = np.concatenate([y, landmarks.reshape(n, -1)], axis=1)
    return images, Y, boxes, classes, landmarks


def make_loss(loss: str, landmark_weight: float):
    def J(Z, Y):
        y_hat, y = Z[:, :N_Y], Y[:, :N_Y]
        present = (Y[:, 0].data if hasattr(Y, "data") else np.asarray(Y)[:, 0])
        return (localization_loss(y_hat, y, loss=loss)
                + landmark_weight * landmark_loss(Z[:, N_Y:], Y[:, N_Y:], present=present))
    return J


def evaluate(model, images, boxes, classes, landmarks) -> dict:
    Z = npdeep.predict(model, images)  # (m, 16)
    p_c, predicted, predicted_classes = decode_localization(Z[:, :N_Y])
    present = classes >= 0
    overlap = np.diag(iou(predicted[present], boxes[present]))
    points = Z[present, N_Y:].reshape(-1, N_LANDMARKS, 2)
    size = images.shape[1]
    error = np.linalg.norm(points - landmarks[present], axis=2).mean() * size
    return {
        "p_c_accuracy": float(np.mean((p_c >= 0.5) == present)),
        "class_accuracy": float(np.mean(Z[present, 5:N_Y].argmax(axis=1) == classes[present])),
        "mean_iou": float(overlap.mean()),
        "iou_above_0.5": float(np.mean(overlap >= 0.5)),
        "landmark_error_px": float(error),
        "Z": Z,
    }


def draw(path, images, boxes, classes, Z, n: int = 8):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    p_c, predicted, predicted_classes = decode_localization(Z[:, :N_Y])
    fig = Figure(figsize=(2.2 * n / 2, 2.2 * 2), layout="constrained")
    FigureCanvasAgg(fig)
    for i in range(n):
        ax = fig.add_subplot(2, n // 2, i + 1)
        plot_image(ax, images[i])
        if classes[i] >= 0:
            plot_boxes(ax, boxes[i:i + 1], color="white", linestyle="--")
        if predicted_classes[i] >= 0:
            plot_boxes(ax, predicted[i:i + 1], labels=predicted_classes[i:i + 1],
                       scores=p_c[i:i + 1], class_names=CLASS_NAMES)
            points = Z[i, N_Y:].reshape(N_LANDMARKS, 2)
            ax.plot(points[:, 0], points[:, 1], "o", color="yellow", markersize=3)
        else:
            ax.set_title(f"no object (p_c {p_c[i]:.2f})", fontsize=8)
    fig.savefig(path, dpi=100)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--train", type=int, default=6000, help="training images")
    parser.add_argument("--test", type=int, default=500, help="held-out images")
    parser.add_argument("--size", type=int, default=32, help="image side in pixels")
    parser.add_argument("--loss", choices=("squared", "logistic"), default="squared")
    parser.add_argument("--landmark-weight", type=float, default=1.0)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--mini-batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "localization_shapes"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    npdeep.manual_seed(args.seed)
    X_train, Y_train, *_ = make_data(args.train, args.size, seed=args.seed)
    X_test, _, boxes, classes, landmarks = make_data(args.test, args.size, seed=args.seed + 1)
    model = ShapeLocalizer(args.size)
    optimizer = optim.Adam(model.parameters(), learning_rate=args.learning_rate)
    history = npdeep.fit(model, make_loss(args.loss, args.landmark_weight), optimizer,
                         (X_train, Y_train), epochs=args.epochs,
                         mini_batch_size=args.mini_batch_size, metrics=(),
                         schedule=optim.ExponentialDecay(args.learning_rate, base=0.9),
                         verbose=0 if args.quiet else 2, seed=args.seed)
    result = evaluate(model, X_test, boxes, classes, landmarks)
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "localization_shapes.png")
    draw(png, X_test, boxes, classes, result.pop("Z"))
    wall = time.perf_counter() - start
    print(f"localization on {args.test} held-out {args.size}x{args.size} shape images "
          f"({args.loss} loss, {args.epochs} epochs): p_c accuracy {result['p_c_accuracy']:.3f}, "
          f"class accuracy {result['class_accuracy']:.3f}, mean IoU {result['mean_iou']:.3f} "
          f"(IoU >= 0.5: {result['iou_above_0.5']:.3f}), landmark error "
          f"{result['landmark_error_px']:.2f} px; {png} ({wall:.1f} s)")
    return {**result, "png": png, "wall_s": wall, "history": history, "model": model}


if __name__ == "__main__":
    main()
