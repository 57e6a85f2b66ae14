"""Loading the public VGG-19 weights from a local file into npdeep.models.vgg19().

npdeep downloads nothing: the file is one the user already has. Three layouts are read, told
apart by their keys (or named with ``format=``):

torchvision (``torchvision.models.vgg19(weights=...).state_dict()``, saved as .safetensors or
.npz): ``features.N.weight`` (n_C, n_C_prev, f, f), OIHW, and ``features.N.bias`` (n_C,). The
convolutions are the features entries with 4-D weights, in the order of N:

    N     0       2       5       7       10 12 14 16         19 21 23 25         28 30 32 34
    npdeep conv1_1 conv1_2 conv2_1 conv2_2 conv3_1 ... conv3_4 conv4_1 ... conv4_4 conv5_1 ...

  W = weight.transpose(2, 3, 1, 0) gives npdeep's (f, f, n_C_prev, n_C). The weights expect
  RGB in [0, 1] normalized with ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224,
  0.225). ``classifier.*`` (the fully connected layers) is ignored; vgg19_bn's batch-norm
  weights are refused.

Keras (``keras.applications.VGG19`` weights, one array per name, saved as .npz; the names
contain ``block{s}_conv{i}``, e.g. ``block1_conv1/kernel``, ``block1_conv1_W_1:0``): kernels
(f, f, n_C_prev, n_C), HWIO, which is npdeep's layout, and biases (n_C,) (told apart by rank).
These weights come from the original Caffe model: BGR pixels in 0..255 minus the mean pixel
(103.939, 116.779, 123.68). The loader reverses conv1_1's input channels (so the network
takes RGB) and sets input_mean = (123.68, 116.779, 103.939)/255, input_std = 1/255.

npdeep (``npdeep.save(vgg19(), path)``): its own names ``conv1_1.W``, ``conv1_1.b``, ... and
the buffers ``input_mean``, ``input_std`` when present.

HDF5 files (.h5) and pickles (.pth, .pt, .pkl) are not read: npdeep never unpickles, and
HDF5 needs h5py; convert them once, e.g. in PyTorch
``safetensors.torch.save_file(torchvision.models.vgg19(weights="DEFAULT").state_dict(),
"vgg19.safetensors")``, or in Keras
``np.savez("vgg19_keras.npz", **{w.path: w.numpy() for w in model.weights})``.
"""
from __future__ import annotations

import os
import re

import numpy as np

from npdeep import nn
from npdeep.autograd import no_grad
from npdeep.models.vgg import IMAGENET_MEAN, IMAGENET_STD, FeatureNetwork
from npdeep.validation import check_choice

FORMATS = ("torchvision", "keras", "npdeep")
# The Caffe VGG's mean pixel in RGB order, on the 0..255 scale (Simonyan & Zisserman's).
CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)
_KERAS_NAME = re.compile(r"block(\d+)_conv(\d+)")
_TORCH_NAME = re.compile(r"^(?:module\.)?features\.(\d+)\.(weight|bias)$")


def read_arrays(path: str) -> dict:
    """{name: array} of a .safetensors or .npz file, without executing anything from it.

    Raises:
        FileNotFoundError: saying where to put the weights when there is no such file.
        ValueError: for a pickle or HDF5 file, or another extension.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"load_vgg19_weights: no weights file at {path!r}. npdeep downloads nothing: "
            "put a local copy of the public VGG-19 weights there (torchvision's vgg19 "
            "state_dict saved as .safetensors or .npz, or Keras' VGG19 weights saved as "
            ".npz), or pass the path of the copy you have")
    extension = os.path.splitext(path)[1].lower()
    if extension == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError as error:  # pragma: no cover - safetensors is in the train extra
            raise ImportError("load_vgg19_weights: reading .safetensors needs the safetensors "
                              "package: pip install 'npdeep[train]'") from error
        return dict(load_file(path))
    if extension == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    if extension in (".pth", ".pt", ".pkl", ".bin", ".h5", ".hdf5", ".keras"):
        raise ValueError(f"load_vgg19_weights: {path!r} is a {extension} file, which npdeep "
                         "does not read (pickles can run code; HDF5 needs h5py). Convert it "
                         "once to .safetensors or .npz (see npdeep.models.vgg_weights)")
    raise ValueError(f"load_vgg19_weights: {path!r}: expected a .safetensors or .npz file")


def detect_format(state: dict) -> str:
    """"torchvision", "keras" or "npdeep", from the names in ``state``."""
    names = list(state)
    if any(_TORCH_NAME.match(name) for name in names):
        return "torchvision"
    if any(_KERAS_NAME.search(name) for name in names):
        return "keras"
    if any(name.endswith(".W") for name in names):
        return "npdeep"
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    raise ValueError(f"load_vgg19_weights: cannot tell the layout of the weights from their "
                     f"names ({shown}); expected torchvision's features.N.weight, Keras' "
                     f"block1_conv1 or npdeep's conv1_1.W")


def _torchvision(state: dict) -> list:
    """[(W (f, f, n_C_prev, n_C), b)] of torchvision's convolutions, in order."""
    if any(name.endswith("running_mean") for name in state):
        raise ValueError("load_vgg19_weights: these are vgg19_bn weights (with batch norm); "
                         "npdeep's vgg19() is the plain VGG-19")
    layers = {}
    for name, value in state.items():
        match = _TORCH_NAME.match(name)
        if match:
            layers.setdefault(int(match.group(1)), {})[match.group(2)] = np.asarray(value)
    convs = [layers[n] for n in sorted(layers) if layers[n].get("weight") is not None
             and layers[n]["weight"].ndim == 4]
    return [(conv["weight"].transpose(2, 3, 1, 0), conv.get("bias")) for conv in convs]


def _keras(state: dict) -> list:
    """[(W, b)] of Keras' block{s}_conv{i} arrays, in (s, i) order."""
    layers = {}
    for name, value in state.items():
        match = _KERAS_NAME.search(name)
        if match:
            value = np.asarray(value)
            kind = "W" if value.ndim == 4 else "b" if value.ndim == 1 else None
            if kind is not None:
                layers.setdefault((int(match.group(1)), int(match.group(2))), {})[kind] = value
    return [(layers[key].get("W"), layers[key].get("b")) for key in sorted(layers)]


def load_vgg19_weights(model: FeatureNetwork, path, format: str | None = None
                       ) -> FeatureNetwork:
    """Load the public VGG-19 weights from a local file into ``model`` (in place).

    Args:
        model: npdeep.models.vgg19() (any pooling; stage_channels matching the file).
        path: a .safetensors or .npz file (see the module's notes for the three layouts), or
            a {name: array} dict already read.
        format: "torchvision", "keras" or "npdeep"; None tells it from the names.

    Returns:
        ``model``, with its convolutions' W and b and its input normalization (input_mean,
        input_std) set for the format read.

    Raises:
        FileNotFoundError: when there is no file at ``path`` (nothing is downloaded).
        ValueError: for an unreadable layout, a missing layer, or a shape that differs from
            the model's (naming the layer and both shapes).

    Example:
        >>> net = load_vgg19_weights(vgg19(), "vgg19.safetensors")
    """
    state = read_arrays(path) if isinstance(path, (str, os.PathLike)) else dict(path)
    kind = detect_format(state) if format is None else check_choice(
        format, "format", "load_vgg19_weights", FORMATS)
    convs = [(name, layer) for name, layer in model.named_modules()
             if isinstance(layer, nn.Conv2d)]
    mean, std = np.asarray(IMAGENET_MEAN), np.asarray(IMAGENET_STD)
    if kind == "npdeep":
        found = [(state.get(f"{name}.W"), state.get(f"{name}.b")) for name, _ in convs]
        mean = np.asarray(state.get("input_mean", mean))
        std = np.asarray(state.get("input_std", std))
    elif kind == "torchvision":
        found = _torchvision(state)
    else:
        found = _keras(state)
        mean, std = np.asarray(CAFFE_MEAN_RGB) / 255.0, np.full(3, 1.0 / 255.0)
    if len(found) != len(convs) or any(W is None or b is None for W, b in found):
        raise ValueError(f"load_vgg19_weights: the {kind} weights hold {len(found)} "
                         f"convolutions (each with a weight and a bias) but {model.name} has "
                         f"{len(convs)}")
    wrong = [f"{name}: file W {W.shape}, b {b.shape}; model W {layer.W.shape}, b "
             f"{layer.b.shape}" for (name, layer), (W, b) in zip(convs, found)
             if W.shape != layer.W.shape or b.shape != layer.b.shape]
    if wrong:
        raise ValueError("load_vgg19_weights: shape mismatch for " + "; ".join(wrong))
    with no_grad():
        for k, ((name, layer), (W, b)) in enumerate(zip(convs, found)):
            if kind == "keras" and k == 0:
                W = W[:, :, ::-1, :]  # BGR input channels -> RGB
            layer.W.data = np.ascontiguousarray(W, dtype=layer.W.dtype)
            layer.b.data = np.array(b, dtype=layer.b.dtype)
            layer.W.grad = layer.b.grad = None
    model.input_mean = mean.astype(model.input_mean.dtype)
    model.input_std = std.astype(model.input_std.dtype)
    return model
