"""Region proposals, then a classifier on each: the R-CNN pipeline on generated shapes.

R-CNN (Girshick et al. 2014) detects in three steps, composed here from npdeep's parts:

1. propose regions that may hold an object — here multi-scale sliding windows (square
   windows of five sizes at a quarter of their side apart), where R-CNN used about 2,000
   regions from a segmentation algorithm (selective search);
2. warp each region, with a little context around it, to a fixed size (16×16) and run a
   small CNN ending in the localization head of ``npdeep.vision``: is there an object
   (p_c), its box within the region (R-CNN's bounding-box regression, which moves a loose
   window onto the object) and its class. It is trained with ``localization_loss`` on the
   proposals of training images: IoU >= 0.5 with a true box makes the region that object's,
   anything less makes it background (R-CNN's rule for fine-tuning its CNN; half of the
   background regions are chosen among those that touch an object); the true boxes are
   added as positives;
3. score each region by p_c · c_class and keep the best refined boxes with per-class
   non-max suppression (``npdeep.vision.batched_nms``).

Evaluated on held-out ``ShapesDetection`` images with mean average precision at IoU 0.5, next
to the proposals' recall (the share of true boxes that some proposal overlaps by IoU >= 0.5,
which bounds what the classifier can find). A PNG shows one test image's detections.

How the successors change it (course 4, week 3):
- Fast R-CNN (Girshick 2015) runs the convolutional network once on the whole image and
  takes each proposal's features from the shared feature map (RoI pooling) — the
  convolutional implementation of sliding windows (``npdeep.vision.to_convolutional``)
  applied to proposals — and regresses a refined box along with the class in the same net.
- Faster R-CNN (Ren et al. 2015) also replaces the proposal algorithm, the remaining
  bottleneck, with a region proposal network: a small convolution over the same feature map
  that predicts, for k anchor boxes at every position, an objectness score and a box.
- YOLO drops the proposal step altogether: one pass predicts every grid cell's boxes.

    python examples/region_proposals.py [--train 400] [--test 100] [--epochs 10]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import npdeep
from npdeep import nn, optim
from npdeep.vision import (CLASS_NAMES, LocalizationHead, ShapesDetection, batched_nms,
                           decode_localization, draw_boxes, iou, localization_loss,
                           localization_targets)
from npdeep.vision.detection_eval import mean_average_precision

C = len(CLASS_NAMES)
CROP = 16  # proposals are warped to CROP × CROP pixels
CONTEXT = 0.125  # with this share of their size around them
SIDES = (0.16, 0.22, 0.3, 0.4, 0.52)  # window sides, as fractions of the image's
POSITIVE_IOU, BACKGROUND_IOU = 0.5, 0.5  # an object at IoU >= 0.5, background below


def propose(sides=SIDES, overlap: int = 4) -> np.ndarray:
    """Square windows of each side, ``side/overlap`` apart, covering the image: (P, 4) corners.

    The same for every image (sliding windows do not look at the pixels; selective search
    would)."""
    boxes = []
    for side in sides:
        step = side / overlap
        starts = np.arange(0, 1 - side + 1e-9, step)
        starts = np.append(starts, 1 - side) if starts[-1] < 1 - side - 1e-9 else starts
        x1, y1 = np.meshgrid(starts, starts)
        boxes.append(np.stack([x1.ravel(), y1.ravel(), x1.ravel() + side, y1.ravel() + side],
                              axis=1))
    return np.concatenate(boxes)


def crop(image: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Warp each window of ``image``, widened by CONTEXT (``widen``), to CROP × CROP (nearest
    pixel; the image's edge pixels repeat beyond it): (P, CROP, CROP, 3).

    The context is R-CNN's "context padding" (16 pixels around a 227-pixel warp): without
    it a window inside a large square and a square that fills its window give the same
    crop, one flat colour."""
    n_H, n_W = image.shape[:2]
    region = widen(windows)
    t = (np.arange(CROP) + 0.5) / CROP  # where each output pixel samples, within the region
    cols = region[:, 0:1] + t * (region[:, 2:3] - region[:, 0:1])  # (P, CROP) image fractions
    rows = region[:, 1:2] + t * (region[:, 3:4] - region[:, 1:2])
    cols = np.clip(np.floor(cols * n_W).astype(int), 0, n_W - 1)
    rows = np.clip(np.floor(rows * n_H).astype(int), 0, n_H - 1)
    return image[rows[:, :, None], cols[:, None, :]]  # (P, CROP, CROP, 3)


def training_crops(data: ShapesDetection, proposals: np.ndarray, rng, negatives: int = 2):
    """Crops and their targets y = [p_c, b_x, b_y, b_h, b_w, c_1 … c_C] (the object's box in
    the crop's own coordinates), by R-CNN's IoU rule, background subsampled."""
    X, Y = [], []
    for image, boxes, classes in data:
        candidates = np.concatenate([proposals, boxes])  # the true boxes are positives too
        overlap = iou(candidates, boxes)  # (P + k, k)
        best, which = overlap.max(axis=1), overlap.argmax(axis=1)
        positive = np.flatnonzero(best >= POSITIVE_IOU)
        # Half of the background crops are hard ones, overlapping an object a little (a
        # window on part of a shape, or a large window around a small one): without them
        # the classifier calls every window near a shape an object.
        n_each = (negatives * len(positive) + 4) // 2
        hard = np.flatnonzero((best > 0.05) & (best < BACKGROUND_IOU))
        easy = np.flatnonzero(best <= 0.05)
        background = np.concatenate([rng.choice(hard, min(len(hard), n_each), replace=False),
                                     rng.choice(easy, min(len(easy), n_each), replace=False)])
        chosen = np.concatenate([positive, background])
        inside = to_crop(candidates[positive], boxes[which[positive]])
        crop_boxes = np.concatenate([inside, np.zeros((len(background), 4))])
        crop_classes = np.concatenate([classes[which[positive]], np.full(len(background), -1)])
        X.append(crop(image, candidates[chosen]))
        Y.append(localization_targets(crop_boxes, crop_classes, C))
    return np.concatenate(X), np.concatenate(Y)


def widen(windows: np.ndarray, context: float = CONTEXT) -> np.ndarray:
    """Each window grown by ``context`` of its size on every side: the region its crop shows."""
    margin = np.tile(windows[:, 2:] - windows[:, :2], 2) * context
    return windows + margin * np.array([-1, -1, 1, 1])


def to_crop(windows: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Image boxes in the coordinates of their windows' crops ((0, 0) and (1, 1) the corners
    of the widened window), cut to the crop: the part of the object the crop shows."""
    region = widen(windows)
    size = np.tile(region[:, 2:] - region[:, :2], 2)  # (P, 4): w, h, w, h
    return np.clip((boxes - np.tile(region[:, :2], 2)) / size, 0, 1)


def from_crop(windows: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Boxes in crop coordinates back to image coordinates, cut to the image."""
    region = widen(windows)
    size = np.tile(region[:, 2:] - region[:, :2], 2)
    return np.clip(np.tile(region[:, :2], 2) + boxes * size, 0, 1)


def classifier() -> nn.Sequential:
    """A CNN on the 16×16 crops ending in a LocalizationHead: is there an object, its box
    within the crop (R-CNN's bounding-box regression) and its class."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),   # (m, 8, 8, 16)
        nn.Conv2d(16, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),  # (m, 4, 4, 32)
        nn.Flatten(), nn.Linear(4 * 4 * 32, 64), nn.ReLU(),
        LocalizationHead(64, C),                                           # (m, 5 + C)
        input_shape=(CROP, CROP, 3), name="region classifier")


def detect(model, image, proposals, score_threshold=0.5, iou_threshold=0.5):
    """Classify every proposal of one image, refine its box, then per-class NMS.

    Returns boxes (K, 4), scores (K,) = p_c · c_class, classes (K,)."""
    y_hat = npdeep.predict(model, crop(image, proposals))  # (P, 5 + C)
    p_c, inside, _ = decode_localization(y_hat)
    classes = y_hat[:, 5:].argmax(axis=1)
    scores = p_c * y_hat[np.arange(len(proposals)), 5 + classes]
    boxes = from_crop(proposals, inside)
    keep = batched_nms(boxes, scores, classes, iou_threshold=iou_threshold,
                       score_threshold=score_threshold, max_boxes=20)
    return boxes[keep], scores[keep], classes[keep]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=400, help="training images")
    parser.add_argument("--test", type=int, default=100, help="held-out images")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("runs", "region_proposals"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    npdeep.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train = ShapesDetection(args.train, size=args.size, max_objects=3, seed=args.seed)
    test = ShapesDetection(args.test, size=args.size, max_objects=3, seed=args.seed + 1)
    proposals = propose()
    X, Y = training_crops(train, proposals, rng)
    model = classifier()
    npdeep.fit(model, lambda y_hat, y: localization_loss(y_hat, y, loss="logistic"),
               optim.Adam(model.parameters(), learning_rate=3e-3), (X, Y), epochs=args.epochs,
               mini_batch_size=64, metrics=(), verbose=0 if args.quiet else 2, seed=args.seed)
    trained = time.perf_counter()
    detections = [detect(model, image, proposals) for image, _, _ in test]
    per_image = (time.perf_counter() - trained) / len(test)
    mAP, ap = mean_average_precision([d[0] for d in detections], [d[1] for d in detections],
                                     [d[2] for d in detections], test.boxes, test.classes, C=C)
    recall = np.mean(np.concatenate([iou(b, proposals).max(axis=1) >= 0.5
                                     for b in test.boxes if len(b)]))
    os.makedirs(args.out, exist_ok=True)
    png = os.path.join(args.out, "region_proposals.png")
    boxes, scores, classes = detections[0]
    draw_boxes(test.images[0], boxes, classes, scores, path=png, class_names=CLASS_NAMES)
    wall = time.perf_counter() - start
    print(f"R-CNN-style detection on {args.test} held-out {args.size}x{args.size} images: "
          f"{len(proposals)} proposals per image (recall at IoU 0.5: {recall:.3f}), classifier "
          f"trained on {len(Y)} crops; mAP@0.5 {mAP:.3f} (AP "
          + ", ".join(f"{n} {a:.3f}" for n, a in zip(CLASS_NAMES, ap))
          + f"); {per_image * 1000:.0f} ms per image; {png} ({wall:.1f} s)")
    return {"mAP": float(mAP), "ap": ap, "proposal_recall": float(recall), "png": png,
            "n_proposals": len(proposals), "wall_s": wall}


if __name__ == "__main__":
    main()
