"""A small YOLO: a Darknet-style convolutional body down to an S×S grid and a 1×1 head.

    image (m, n_H, n_W, n_C)
    -> [CONV 3x3 same -> BN -> LeakyReLU(0.1) -> MAXPOOL 2] × log2(n_H / S)    (halving n_H, n_W)
    -> CONV 3x3 same -> BN -> LeakyReLU(0.1)                                    (on the S×S grid)
    -> CONV 1x1, A·(5 + C) filters                                              (the head)
    -> reshape to (m, S, S, A, 5 + C)

as YOLOv2's Darknet-19 (Redmon & Farhadi 2017): 3×3 convolutions with batch normalization
and leaky ReLU (slope 0.1), max pooling to halve the resolution, and a 1×1 convolution that
predicts every cell's A anchors at once, which is the convolutional implementation of the
sliding window the course describes: one forward pass scores every cell.
"""
from __future__ import annotations

from npdeep import nn
from npdeep.models._util import check_input_shape
from npdeep.validation import check_int


class GridReshape(nn.Module):
    """(m, S, S, A·(5 + C)) -> (m, S, S, A, 5 + C): the head's channels as anchor slots."""

    def __init__(self, A: int, n_values: int):
        super().__init__()
        self.A = check_int(A, "A", "GridReshape")
        self.n_values = check_int(n_values, "n_values", "GridReshape")

    def forward(self, Z):
        m, S_H, S_W, n_C = Z.shape
        return Z.reshape(m, S_H, S_W, self.A, self.n_values)  # (m, S, S, A, 5 + C)

    def extra_repr(self) -> str:
        return f"A={self.A}, n_values={self.n_values}"


def _block(n_C_prev: int, n_C: int) -> list:
    # NOTE: no bias in a convolution followed by batch norm: BN's beta takes its place.
    return [nn.Conv2d(n_C_prev, n_C, 3, padding="same", bias=False), nn.BatchNorm2d(n_C),
            nn.LeakyReLU(0.1)]


def yolo_small(input_shape=(64, 64, 3), S: int = 4, n_anchors: int = 3, n_classes: int = 3,
               width: int = 16, max_width: int = 128) -> nn.Sequential:
    """Build a small YOLO network as a Sequential whose output is the raw YOLO volume.

    The k-th 3×3 convolution has min(width·2^k, max_width) filters; there are
    log2(n_H / S) pooled blocks, then one more block and the 1×1 head with
    n_anchors·(5 + n_classes) filters. Use :func:`npdeep.vision.yolo.yolo_predictions` (or
    ``yolo_head``) to read the output and :func:`npdeep.vision.yolo_loss.yolo_loss` to train it.

    Args:
        input_shape: (n_H, n_W, n_C) with n_H = n_W = S·2^k for some k >= 0.
        S: the grid's side.
        n_anchors: A, anchor boxes per cell.
        n_classes: C.
        width: filters of the first convolution.
        max_width: the most filters of any convolution.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to (m, S, S, A, 5 + C).

    Raises:
        ValueError: non-square images or n_H not S times a power of two; counts < 1.

    Example:
        >>> model = yolo_small((64, 64, 3), S=4, n_anchors=3, n_classes=3)
        >>> model(X).shape  # X (8, 64, 64, 3) -> (8, 4, 4, 3, 8)
    """
    where = "yolo_small"
    n_H, n_W, n_C = check_input_shape(input_shape, where)
    S = check_int(S, "S", where)
    A = check_int(n_anchors, "n_anchors", where)
    C = check_int(n_classes, "n_classes", where)
    width = check_int(width, "width", where)
    max_width = check_int(max_width, "max_width", where)
    ratio = n_H // S
    if n_H != n_W or n_H % S or ratio & (ratio - 1):
        raise ValueError(f"{where}: input_shape {(n_H, n_W, n_C)} must be square with n_H = S·2^k "
                         f"for the grid S = {S} (each max pool halves n_H); e.g. "
                         f"input_shape=({S * 16}, {S * 16}, {n_C})")
    n_pools = ratio.bit_length() - 1
    layers, channels = [], n_C
    for k in range(n_pools + 1):
        filters = min(width * 2 ** k, max_width)
        layers += _block(channels, filters)  # (m, n_H/2^k, n_W/2^k, filters)
        if k < n_pools:
            layers.append(nn.MaxPool2d(2))
        channels = filters
    layers += [nn.Conv2d(channels, A * (5 + C), 1, init="xavier"),  # (m, S, S, A·(5 + C))
               GridReshape(A, 5 + C)]
    return nn.Sequential(*layers, name="YOLO", input_shape=(n_H, n_W, n_C))
