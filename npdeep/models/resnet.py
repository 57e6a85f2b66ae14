"""Residual networks (He et al. 2015), Course 4, week 2: ResNet-50 and a small ResNet.

ResNet-50: CONV 7x7 s2 -> BN -> ReLU -> MAX POOL 3 s2 -> four stages of bottleneck
:class:`~npdeep.nn.ResidualBlock` s (a convolutional block, then identity blocks: 3, 4, 6, 3
blocks) -> global average pool -> FC. With no convolution biases before BatchNorm it has
exactly 25,557,032 parameters at 1000 classes.
"""
from __future__ import annotations

from npdeep import nn
from npdeep.models._util import check_input_shape
from npdeep.validation import check_int

# (F1, F2, F3, number of blocks, stride of the first block) of ResNet-50's stages 2-5.
RESNET50_STAGES = ((64, 64, 256, 3, 1), (128, 128, 512, 4, 2), (256, 256, 1024, 6, 2),
                   (512, 512, 2048, 3, 2))


def resnet50(input_shape=(224, 224, 3), n_classes: int = 1000) -> nn.Sequential:
    """Build ResNet-50 as a Sequential of layers and ResidualBlocks.

    Args:
        input_shape: (n_H, n_W, n_C); the course trains it on 64x64x3 hand signs. Any size
            from 32x32 works: the global average pool makes the head independent of n_H, n_W.
        n_classes: the number of logits.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes); it refuses inputs with another n_C than ``input_shape``.
    """
    shape = check_input_shape(input_shape, "resnet50", 32, "its five halvings need")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "resnet50")
    layers = [nn.Conv2d(n_C, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
              nn.ReLU(), nn.PaddedMaxPool2d(3, stride=2, padding=1)]  # (m, n_H/4, n_W/4, 64)
    n_C_prev = 64
    for F1, F2, F3, n_blocks, stride in RESNET50_STAGES:
        for i in range(n_blocks):
            layers.append(nn.ResidualBlock(n_C_prev, (F1, F2, F3), f=3,
                                           stride=stride if i == 0 else 1))
            n_C_prev = F3
    layers += [nn.GlobalAvgPool2d(), nn.Linear(n_C_prev, n_classes, init="xavier")]
    # The global average pool makes the head independent of n_H, n_W: only n_C is fixed.
    return nn.Sequential(*layers, name="ResNet-50",
                         input_shape=(None, None, n_C))


def resnet_small(input_shape=(28, 28, 1), n_classes: int = 10, widths=(16, 32, 64),
                 blocks=(1, 1, 1)) -> nn.Sequential:
    """A small ResNet of :class:`~npdeep.nn.BasicBlock` s, for 28x28 or 32x32 images.

    CONV 3x3 (widths[0]) -> BN -> ReLU, then one stage per width of ``blocks[i]`` BasicBlocks
    (every stage after the first halves n_H and n_W with stride 2), global average pool, FC.

    Args:
        input_shape: (n_H, n_W, n_C), e.g. (28, 28, 1) for Fashion-MNIST.
        n_classes: the number of logits.
        widths: n_C of each stage.
        blocks: the number of BasicBlocks of each stage.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes); it refuses inputs with another n_C than ``input_shape``.
    """
    shape = check_input_shape(input_shape, "resnet_small")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "resnet_small")
    widths, blocks = tuple(widths), tuple(blocks)
    if not widths or len(widths) != len(blocks):
        raise ValueError("resnet_small: 'widths' and 'blocks' must be non-empty and of the "
                         f"same length (one entry per stage). Got {widths} and {blocks}.")
    for w in widths:
        check_int(w, "widths", "resnet_small")
    for b in blocks:
        check_int(b, "blocks", "resnet_small")
    layers = [nn.Conv2d(n_C, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]),
              nn.ReLU()]
    n_C_prev = widths[0]
    for stage, (width, n_blocks) in enumerate(zip(widths, blocks)):
        for i in range(n_blocks):
            stride = 2 if stage > 0 and i == 0 else 1
            layers.append(nn.BasicBlock(n_C_prev, width, stride=stride))
            n_C_prev = width
    layers += [nn.GlobalAvgPool2d(), nn.Linear(n_C_prev, n_classes, init="xavier")]
    # The global average pool makes the head independent of n_H, n_W: only n_C is fixed.
    return nn.Sequential(*layers, name="resnet_small",
                         input_shape=(None, None, n_C))
