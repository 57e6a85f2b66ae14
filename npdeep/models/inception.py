"""A small GoogLeNet (Szegedy et al. 2014) built from Inception modules (Course 4, week 2)."""
from __future__ import annotations

from npdeep import nn
from npdeep.models._util import check_input_shape
from npdeep.validation import check_int


def googlenet_small(input_shape=(32, 32, 3), n_classes: int = 10) -> nn.Sequential:
    """A three-module GoogLeNet for small images.

    CONV 3x3 same (32) -> ReLU -> Inception (-> 56 channels) -> Inception (-> 80) ->
    MAX POOL 2 -> Inception (-> 112) -> global average pool -> FC (n_classes). As in
    GoogLeNet, a global average pool replaces the big dense layers at the end.

    Args:
        input_shape: (n_H, n_W, n_C), n_H and n_W >= 2.
        n_classes: the number of logits.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes); it refuses inputs with another n_C than ``input_shape``.
    """
    shape = check_input_shape(input_shape, "googlenet_small", 2, "its 2x2 max pool needs")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "googlenet_small")
    # The global average pool makes the head independent of n_H, n_W: only n_C is fixed.
    return nn.Sequential(
        nn.Conv2d(n_C, 32, 3, padding="same"), nn.ReLU(),
        nn.InceptionModule(32, 16, 16, 24, 4, 8, 8),      # (m, n_H, n_W, 56)
        nn.InceptionModule(56, 24, 24, 32, 4, 12, 12),    # (m, n_H, n_W, 80)
        nn.MaxPool2d(2),                                  # (m, n_H/2, n_W/2, 80)
        nn.InceptionModule(80, 32, 32, 48, 8, 16, 16),    # (m, n_H/2, n_W/2, 112)
        nn.GlobalAvgPool2d(),                             # (m, 112)
        nn.Linear(112, n_classes, init="xavier"),
        name="googlenet_small", input_shape=(None, None, n_C),
    )
