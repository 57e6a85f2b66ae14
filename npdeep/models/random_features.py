"""A convolutional network with random filters, for style transfer without trained weights.

Ustyuzhaninov, Brendel, Gatys & Bethge (2016, "Texture synthesis using shallow convolutional
networks with random filters") show that the Gram matrices of untrained networks already
describe textures usably, best with many filters: the statistics of many random projections
of image patches constrain a texture much as learned filters do. This network is a short
VGG-like chain (3x3 "same" convolutions, ReLU, 2x2 average pools) with He-initialized random
filters, named like VGG-19 (conv1_1, pool1, conv2_1, ...): with the default five stages of
VGG-19's widths, the course's STYLE_LAYERS (conv1_1 ... conv5_1) serve it as they are. Its
receptive field grows with depth, so deeper layers see larger patterns (brush strokes rather
than colours).
"""
from __future__ import annotations

from npdeep.models.vgg import IMAGENET_MEAN, IMAGENET_STD, FeatureNetwork, stage_layers
from npdeep.validation import check_int


def random_features_network(stage_channels=(64, 128, 256, 512, 512), convs_per_stage: int = 1,
                            n_C_prev: int = 3, pooling: str = "avg") -> FeatureNetwork:
    """A FeatureNetwork of random 3x3 filters: stage s has conv{s}_1 ... and pool{s}.

    The filters are drawn with npdeep's RNG (He: N(0, 2/(9·n_C_prev))), so
    ``npdeep.manual_seed(s)`` before the call makes the network repeatable. Its parameters
    are frozen: nothing here is ever trained, and transfer() needs gradients with respect
    to the image only.

    Args:
        stage_channels: n_C of each stage (more filters: richer texture statistics); the
            default is VGG-19's (64, 128, 256, 512, 512).
        convs_per_stage: convolutions per stage, each followed by ReLU.
        n_C_prev: channels of the input images.
        pooling: "avg" (smooth gradients, as in style transfer) or "max".

    Returns:
        FeatureNetwork taking (m, n_H, n_W, n_C_prev) images in [0, 1], normalized with
        ImageNet's mean and std as the VGG-19 builder does.

    Example:
        >>> net = random_features_network()
        >>> sorted(net.features(X, ["conv1_1", "conv3_1"]))
        ['conv1_1', 'conv3_1']
    """
    stage_channels = tuple(stage_channels)
    if not stage_channels:
        raise ValueError("The 'stage_channels' parameter of random_features_network must be "
                         "a non-empty tuple of ints >= 1. Got () instead.")
    convs = check_int(convs_per_stage, "convs_per_stage", "random_features_network")
    n_C_prev = check_int(n_C_prev, "n_C_prev", "random_features_network")
    stages = [(n_C, convs) for n_C in stage_channels]
    mean = IMAGENET_MEAN if n_C_prev == 3 else (0.5,) * n_C_prev
    std = IMAGENET_STD if n_C_prev == 3 else (0.25,) * n_C_prev
    network = FeatureNetwork(stage_layers(stages, n_C_prev, pooling), input_mean=mean,
                             input_std=std, name="RandomFeatures")
    return network.freeze()
