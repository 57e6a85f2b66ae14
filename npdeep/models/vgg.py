"""VGG-16 and VGG-19 (Simonyan & Zisserman 2014), as in Course 4, weeks 2 and 4.

Only 3x3 "same" convolutions (stride 1) and 2x2 max pools (stride 2): n_C doubles 64 -> 128 ->
256 -> 512 while each pool halves n_H and n_W, then FC 4096 -> FC 4096 -> softmax. 16 layers
with weights, 138 million parameters.

VGG-19 (four convolutions in each of the last three stages) is here as the feature extractor
of neural style transfer: its convolutions and pools only, each layer read by its name.
"""
from __future__ import annotations

import numpy as np

from npdeep import backend, nn
from npdeep.functional.activation import relu
from npdeep.models._util import check_input_shape, rebuild_hint
from npdeep.nn.module import Module
from npdeep.tensor import Tensor
from npdeep.validation import check_choice, check_images, check_int

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


# ---------------------------------------------------------------- VGG-19 as a feature extractor
# (n_C, number of 3x3 convolutions) of VGG-19's five stages (configuration E of the paper).
VGG19_STAGES = ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4))
# The ImageNet statistics of RGB pixels in [0, 1] that torchvision's VGG weights expect.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class FeatureNetwork(Module):
    """A chain of named convolutions (each followed by ReLU) and pools, read by layer name.

    The network of neural style transfer: ``features(X, layers)`` runs the images through
    the chain only as far as the deepest layer asked for and returns each named layer's
    activation. As in the course's VGG-19, the activation called "conv4_2" is the output of
    the ReLU that follows that convolution.

    The input is RGB images in [0, 1]; the network first normalizes them,
    X_net = (X − input_mean) / input_std per channel, so that one image range serves
    networks trained on different preprocessing (the weight loader sets the two buffers for
    the format it read; see :mod:`npdeep.models.vgg_weights`).

    Args:
        layers: (name, layer) pairs in order: Conv2d layers (ReLU is applied after each)
            and pooling layers.
        input_mean: (n_C_prev,) per-channel mean subtracted from the images.
        input_std: (n_C_prev,) per-channel scale the images are divided by.
        name: how messages and ``print`` name the network.

    Shape:
        input (m, n_H, n_W, n_C_prev) -> {name: (m, n_H[l], n_W[l], n_C[l])}.
    """

    example_ndim = 3

    def __init__(self, layers, input_mean=IMAGENET_MEAN, input_std=IMAGENET_STD,
                 name: str = "FeatureNetwork"):
        super().__init__()
        layers = list(layers)
        if not layers or not isinstance(layers[0][1], nn.Conv2d):
            raise ValueError(f"{name}: the first of the (name, layer) pairs must be a Conv2d")
        for layer_name, layer in layers:
            if not isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                raise TypeError(f"{name}: layer {layer_name!r} is a {type(layer).__name__}; "
                                "a FeatureNetwork holds Conv2d, MaxPool2d and AvgPool2d layers")
            setattr(self, layer_name, layer)
        dtype = backend.get_default_dtype()
        self.register_buffer("input_mean", np.asarray(input_mean, dtype=dtype))
        self.register_buffer("input_std", np.asarray(input_std, dtype=dtype))
        self.name = name

    @property
    def layer_names(self) -> tuple:
        """The names ``features`` accepts, input to output."""
        return tuple(self._modules)

    @property
    def n_C_prev(self) -> int:
        """The channels of the images it takes (3 for RGB)."""
        return next(iter(self._modules.values())).n_C_prev

    def check_layers(self, layers, where: str) -> tuple:
        """``layers`` (names) as a tuple, each one of ``layer_names``."""
        if isinstance(layers, str):
            layers = (layers,)
        layers = tuple(layers)
        unknown = [name for name in layers if name not in self._modules]
        if unknown or not layers:
            raise ValueError(f"{where}: {self.name} has no layer {unknown or layers!r}; its "
                             f"layers are {', '.join(self._modules)}")
        return layers

    def features(self, X, layers) -> dict:
        """{name: activation} at the named layers, running the chain no further than needed.

        Args:
            X: (m, n_H, n_W, n_C_prev) RGB images in [0, 1] (a Tensor, to differentiate with
                respect to the image, or an array).
            layers: layer names (or one name), e.g. ("conv1_1", "conv4_2").

        Returns:
            {name: (m, n_H[l], n_W[l], n_C[l]) Tensor}, in the order asked for.

        Raises:
            ValueError: for an unknown layer name, or images that are not NHWC with
                n_C_prev channels.
        """
        layers = self.check_layers(layers, f"{self.name}.features")
        X = X if isinstance(X, Tensor) else Tensor(X, dtype=self.input_mean.dtype)
        check_images(tuple(X.shape), self.n_C_prev, f"{self.name}.features")
        A = (X - self.input_mean) / self.input_std
        remaining, found = set(layers), {}
        for name, layer in self._modules.items():
            A = layer(A)
            if isinstance(layer, nn.Conv2d):
                A = relu(A)
            if name in remaining:
                found[name] = A
                remaining.discard(name)
                if not remaining:
                    break
        return {name: found[name] for name in layers}

    def forward(self, X) -> Tensor:
        """The last layer's activation."""
        return self.features(X, self.layer_names[-1])[self.layer_names[-1]]

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def stage_layers(stages, n_C_prev: int = 3, pooling: str = "avg", init: str = "he") -> list:
    """(name, layer) pairs of a VGG-style body: stage s has convolutions conv{s}_1, conv{s}_2,
    ... (3x3, "same") and ends in pool{s} (2x2, stride 2).

    Args:
        stages: (n_C, number of convolutions) per stage.
        n_C_prev: channels of the input images.
        pooling: "avg" or "max".
        init: the convolutions' initializer.
    """
    check_choice(pooling, "pooling", "stage_layers", ("avg", "max"))
    pool = nn.AvgPool2d if pooling == "avg" else nn.MaxPool2d
    layers = []
    for s, (n_C, n_convs) in enumerate(stages, start=1):
        check_int(n_C, f"stages[{s - 1}] n_C", "stage_layers")
        for i in range(1, check_int(n_convs, f"stages[{s - 1}] convolutions",
                                    "stage_layers") + 1):
            layers.append((f"conv{s}_{i}", nn.Conv2d(n_C_prev, n_C, 3, padding="same",
                                                     init=init)))
            n_C_prev = n_C
        layers.append((f"pool{s}", pool(2)))
    return layers


def vgg19(pooling: str = "avg", stage_channels=tuple(n_C for n_C, _ in VGG19_STAGES)
          ) -> FeatureNetwork:
    """VGG-19's sixteen convolutions and five pools (configuration E of Simonyan & Zisserman
    2014) as a FeatureNetwork, the network of the course's neural style transfer.

    Layers, named as in the course: conv1_1 conv1_2 pool1 | conv2_1 conv2_2 pool2 |
    conv3_1 ... conv3_4 pool3 | conv4_1 ... conv4_4 pool4 | conv5_1 ... conv5_4 pool5. Every
    convolution is 3x3, stride 1, "same"; every pool 2x2, stride 2. The three fully
    connected layers are left out: style transfer reads only convolutional features, and
    without them the network takes images of any size (n_H, n_W >= 16 to reach conv5).

    The weights are random (He) until loaded, e.g. with
    :func:`npdeep.models.load_vgg19_weights` from a local file of the public weights.

    Args:
        pooling: "avg" (default) or "max". Gatys et al. (2015, §2) and the course's VGG-19
            replace the max pools by average pools, which "improves the gradient flow"; the
            pretrained weights serve either.
        stage_channels: n_C of the five stages; the default (64, 128, 256, 512, 512) is
            VGG-19 (20,024,384 parameters). Smaller values build the same layout thinner
            (for tests).

    Returns:
        FeatureNetwork mapping RGB images (m, n_H, n_W, 3) in [0, 1] to named activations,
        normalized with ImageNet's mean and std (torchvision's convention) until a loader
        sets them otherwise.

    Example:
        >>> net = load_vgg19_weights(vgg19(), "vgg19.safetensors")
        >>> a = net.features(X, ["conv4_2"])["conv4_2"]   # (m, n_H/8, n_W/8, 512)
    """
    stage_channels = tuple(stage_channels)
    if len(stage_channels) != len(VGG19_STAGES):
        raise ValueError(f"The 'stage_channels' parameter of vgg19 must be five ints >= 1 "
                         f"(n_C of each stage). Got {stage_channels!r} instead.")
    stages = [(n_C, n) for n_C, (_, n) in zip(stage_channels, VGG19_STAGES)]
    return FeatureNetwork(stage_layers(stages, 3, pooling), name="VGG-19")
