"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), the course's one-tower version (Course 4, wk 2).

227x227x3 -> CONV 11x11 s4, 96 -> MAX POOL 3 s2 -> CONV 5x5 same, 256 -> MAX POOL 3 s2 ->
CONV 3x3 same 384 -> 384 -> 256 -> MAX POOL 3 s2 -> 6x6x256 = 9216 -> FC 4096 -> FC 4096 ->
softmax. About 62 million parameters (62,378,344 exactly, with 1000 classes).
"""
from __future__ import annotations

from npdeep import nn
from npdeep.functional.conv import output_size
from npdeep.models._util import check_input_shape, rebuild_hint
from npdeep.validation import check_int


def alexnet(input_shape=(227, 227, 3), n_classes: int = 1000, keep_prob: float = 0.5
            ) -> nn.Sequential:
    """Build AlexNet as a Sequential.

    Args:
        input_shape: (n_H, n_W, n_C); n_H and n_W must be >= 67 (the three 3x3 stride-2 pools
            after the stride-4 convolution need that much).
        n_classes: the number of logits.
        keep_prob: dropout keep probability before each of the last two dense layers (0.5 in
            the paper); 1.0 adds no dropout layers.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes); it refuses inputs of another shape than ``input_shape``.
    """
    shape = check_input_shape(input_shape, "alexnet")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "alexnet")

    def spatial(n):
        n = output_size(n, 11, 4, (0, 0))
        for _ in range(3):  # the 5x5 / 3x3 "same" convolutions keep n; each pool shrinks it
            n = output_size(n, 3, 2, (0, 0)) if n >= 3 else 0
        return n

    n_H_out, n_W_out = spatial(n_H), spatial(n_W)
    if n_H_out < 1 or n_W_out < 1:
        raise ValueError(f"alexnet: input_shape {tuple(input_shape)} is too small; AlexNet "
                         "needs n_H, n_W >= 67 (the paper uses 227x227)")
    layers = [
        nn.Conv2d(n_C, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, stride=2),   # 55 -> 27
        nn.Conv2d(96, 256, 5, padding="same"), nn.ReLU(), nn.MaxPool2d(3, stride=2),  # -> 13
        nn.Conv2d(256, 384, 3, padding="same"), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding="same"), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(3, stride=2),  # -> 6
        nn.Flatten(),                                                              # 9216
    ]
    n_flat = n_H_out * n_W_out * 256
    for n_in in (n_flat, 4096):
        if keep_prob < 1.0:
            layers.append(nn.Dropout(keep_prob=keep_prob))
        layers += [nn.Linear(n_in, 4096), nn.ReLU()]
    layers.append(nn.Linear(4096, n_classes, init="xavier"))
    return nn.Sequential(*layers, name="AlexNet", input_shape=shape,
                         input_hint=rebuild_hint("alexnet"))
