"""VGG-16 (Simonyan & Zisserman 2014), as in Course 4, week 2.

Only 3x3 "same" convolutions (stride 1) and 2x2 max pools (stride 2): n_C doubles 64 -> 128 ->
256 -> 512 while each pool halves n_H and n_W, then FC 4096 -> FC 4096 -> softmax. 16 layers
with weights, 138 million parameters.
"""
from __future__ import annotations

from npdeep import nn
from npdeep.models._util import check_input_shape, rebuild_hint
from npdeep.validation import check_int

# (n_C, number of 3x3 convolutions) of each of the five stages; a 2x2 max pool ends each.
VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16(input_shape=(224, 224, 3), n_classes: int = 1000, keep_prob: float = 1.0
          ) -> nn.Sequential:
    """Build VGG-16 as a Sequential: exactly 138,357,544 parameters at the defaults.

    Args:
        input_shape: (n_H, n_W, n_C); n_H and n_W must be >= 32 (five halvings). The dense
            head is sized for the input, e.g. vgg16((32, 32, 3), 10) ends in 1x1x512 -> 4096.
        n_classes: the number of logits (softmax is applied by the loss).
        keep_prob: keep probability of a dropout layer after each 4096-unit layer (the paper
            used 0.5); 1.0, the default, adds no dropout layers.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes); it refuses inputs of another shape than ``input_shape``.

    Memory: the parameters alone are 553 MB in float32 at the defaults; a forward pass at
    224x224 keeps about 15M activations per example for backprop.
    """
    shape = check_input_shape(input_shape, "vgg16", 32, "its five 2x2 max pools need")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "vgg16")
    layers = []
    n_C_prev = n_C
    for n_C_stage, n_convs in VGG16_STAGES:
        for _ in range(n_convs):
            layers += [nn.Conv2d(n_C_prev, n_C_stage, 3, padding="same"), nn.ReLU()]
            n_C_prev = n_C_stage
        layers.append(nn.MaxPool2d(2))
        n_H, n_W = n_H // 2, n_W // 2
    layers += [nn.Flatten(), nn.Linear(n_H * n_W * n_C_prev, 4096), nn.ReLU()]
    if keep_prob < 1.0:
        layers.append(nn.Dropout(keep_prob=keep_prob))
    layers += [nn.Linear(4096, 4096), nn.ReLU()]
    if keep_prob < 1.0:
        layers.append(nn.Dropout(keep_prob=keep_prob))
    layers.append(nn.Linear(4096, n_classes, init="xavier"))
    return nn.Sequential(*layers, name="VGG-16", input_shape=shape,
                         input_hint=rebuild_hint("vgg16"))
