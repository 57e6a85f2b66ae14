"""Sliding-window detection, and its convolutional implementation (course 4, week 3).

``sliding_windows`` does what the course first describes: crop every window of the image,
classify each crop, and collect the scores into a map — simple, and slow, because
overlapping windows recompute the same features.

``to_convolutional`` turns the classifier itself into a fully convolutional network
(Sermanet et al. 2014, "OverFeat"): its Flatten + Linear tail becomes convolutions, so that
one forward pass over a larger image computes the scores of all windows at once, sharing
the work of overlapping windows. A Linear layer over the f×f×n_C volume that Flatten unrolls
becomes an f×f convolution with as many filters as the layer has units; each following
Linear layer becomes a 1×1 convolution. On an image of n_H × n_W, output (i, j) is the
score of the window whose top-left corner is at (i·s, j·s), s being the product of the
strides of the layers before Flatten (``window_stride``).
"""
from __future__ import annotations

import copy

import numpy as np

from npdeep import nn
from npdeep.autograd import no_grad
from npdeep.tensor import Tensor
from npdeep.train.evaluate import predict
from npdeep.validation import check_int

__all__ = ["sliding_windows", "to_convolutional", "window_stride"]

# Layers of a classifier's tail that act on each unit alone, so they act the same on
# (m, n_H, n_W, n_units) volumes as on (m, n_units) rows.
_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Dropout)


def _pair(value, name: str, where: str) -> tuple:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return (check_int(value[0], name, where), check_int(value[1], name, where))
    value = check_int(value, name, where)
    return value, value


def _as_image(image, where: str) -> np.ndarray:
    array = np.asarray(image.data if isinstance(image, Tensor) else image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise ValueError(f"{where}: image must have shape (n_H, n_W, n_C) (or (1, n_H, n_W, "
                         f"n_C)), NHWC; got {array.shape}")
    return array


def sliding_windows(model, image, window, stride, batch_size: int = 256) -> np.ndarray:
    """Classify every window of an image, one crop at a time (the course's first version).

    Windows of window_H × window_W start at rows 0, s, 2s, … and columns likewise, as long
    as they fit: n_rows = ⌊(n_H − window_H)/s⌋ + 1, n_cols = ⌊(n_W − window_W)/s⌋ + 1. The
    crops go through the model in eval mode without a graph, ``batch_size`` at a time.

    Args:
        model: a classifier mapping (m, window_H, window_W, n_C) to (m, n_y) scores.
        image: (n_H, n_W, n_C), or (1, n_H, n_W, n_C).
        window: the window's side (int) or (window_H, window_W).
        stride: s, the step between windows (int >= 1).
        batch_size: crops per forward pass.

    Returns:
        (n_rows, n_cols, n_y): the model's output for the window at (row·s, col·s).

    Raises:
        ValueError: an image not (n_H, n_W, n_C), a window larger than the image, or a
            window, stride or batch_size that is not an int >= 1.
    """
    where = "sliding_windows"
    image = _as_image(image, where)
    window_H, window_W = _pair(window, "window", where)
    stride = check_int(stride, "stride", where)
    batch_size = check_int(batch_size, "batch_size", where)
    n_H, n_W = image.shape[:2]
    if window_H > n_H or window_W > n_W:
        raise ValueError(f"{where}: window ({window_H}, {window_W}) is larger than the image "
                         f"{image.shape}")
    n_rows = (n_H - window_H) // stride + 1
    n_cols = (n_W - window_W) // stride + 1
    # Strided views of the windows (no copy) in row-major window order; the reshape makes
    # the one copy predict needs: (n_rows, n_cols, wH, wW, n_C) -> (P, wH, wW, n_C).
    views = np.lib.stride_tricks.sliding_window_view(image, (window_H, window_W), axis=(0, 1))
    views = views[::stride, ::stride].transpose(0, 1, 3, 4, 2)
    crops = views.reshape(n_rows * n_cols, window_H, window_W, image.shape[2])
    scores = predict(model, crops, batch_size)  # (n_rows·n_cols, n_y)
    return scores.reshape(n_rows, n_cols, *scores.shape[1:])


def _split_at_flatten(model, where: str) -> tuple:
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{where}: model must be an nn.Sequential (a convolutional body, "
                        f"Flatten, then Linear layers); got {type(model).__name__}")
    layers = list(model)
    flattens = [i for i, layer in enumerate(layers) if isinstance(layer, nn.Flatten)]
    if len(flattens) != 1:
        raise ValueError(f"{where}: model must have exactly one Flatten between its "
                         f"convolutional body and its Linear tail; it has {len(flattens)}")
    i = flattens[0]
    return layers[:i], layers[i + 1:]


def window_stride(model) -> int:
    """s: the product of the strides of the layers before Flatten.

    Moving the window by s pixels moves the convolutional version's output by one position.
    Layers without a ``stride`` attribute count as 1 (only the top-level layers are read).
    """
    body, _ = _split_at_flatten(model, "window_stride")
    stride = 1
    for layer in body:
        stride *= int(getattr(layer, "stride", 1))
    return stride


def to_convolutional(model, input_shape=None) -> nn.Sequential:
    """The same classifier as a fully convolutional network, weights copied.

    The layers before Flatten are copied unchanged. Flatten's input is an f×f×n_C volume for
    inputs of ``input_shape``; the first Linear(f·f·n_C, n_units) after it becomes
    Conv2d(n_C, n_units, f) and each later Linear(n_in, n_out) becomes Conv2d(n_in, n_out, 1).
    Activations and Dropout are kept; a Softmax over the units moves to the last axis.

    NOTE: npdeep's Flatten unrolls NHWC volumes in C order, so input feature (h·f + w)·n_C + c
    of the Linear layer is pixel (h, w), channel c, and its W (n_units, f·f·n_C) becomes the
    filters Wᵀ reshaped to (f, f, n_C, n_units) — no transposition of the volume is needed.

    On an input of the window's size the result is (m, 1, 1, n_y): the original scores. On a
    larger image it gives every window's scores at stride ``window_stride(model)``, equal to
    ``sliding_windows`` when the body pads nothing (valid convolutions and pools); with
    padding, a window in the big image sees its neighbours' pixels where the crop saw zeros.

    Args:
        model: nn.Sequential of a convolutional body, one Flatten, then Linear layers (with
            activations, Dropout or a Softmax between them).
        input_shape: (n_H, n_W, n_C) of the classifier's input (the window); defaults to the
            model's ``input_shape``.

    Returns:
        nn.Sequential mapping (m, n_H', n_W', n_C) to (m, n_rows, n_cols, n_y), with no
        fixed input size.

    Raises:
        TypeError: a model that is not a Sequential, or a tail layer other than Linear,
            an activation, Dropout or Softmax.
        ValueError: no input_shape, no single Flatten, no Linear right after it, or a
            non-square volume at Flatten (Conv2d filters are square).
    """
    where = "to_convolutional"
    body, tail = _split_at_flatten(model, where)
    if input_shape is None:
        input_shape = getattr(model, "input_shape", None)
    if input_shape is None or any(n is None for n in input_shape) or len(input_shape) != 3:
        raise ValueError(f"{where}: pass input_shape=(n_H, n_W, n_C), the classifier's window; "
                         f"the model has input_shape={getattr(model, 'input_shape', None)}")
    if not tail or not isinstance(tail[0], nn.Linear):
        raise ValueError(f"{where}: the layer after Flatten must be a Linear; got "
                         f"{type(tail[0]).__name__ if tail else 'nothing'}")
    body = [copy.deepcopy(layer) for layer in body]
    dtype = tail[0].W.dtype
    probe = nn.Sequential(*body).eval()  # eval: batch norm must not update its statistics
    with no_grad():
        volume = probe(Tensor(np.zeros((1,) + tuple(input_shape), dtype=dtype)))
    _, f_H, f_W, n_C = volume.shape  # the f×f×n_C volume that Flatten unrolls
    if f_H != f_W:
        raise ValueError(f"{where}: the volume at Flatten is {f_H}×{f_W}×{n_C}; Conv2d filters "
                         f"are square, so the window must give a square volume")
    converted, f = [], f_H
    for layer in tail:
        if isinstance(layer, nn.Linear):
            converted.append(_linear_to_conv(layer, f, n_C, where))
            n_C, f = layer.n_out, 1  # every later Linear sees 1×1×n_units
        elif isinstance(layer, nn.Softmax):
            converted.append(nn.Softmax(axis=-1))  # the units are the last axis of both
        elif isinstance(layer, _ELEMENTWISE):
            converted.append(copy.deepcopy(layer))
        else:
            raise TypeError(f"{where}: cannot convert a {type(layer).__name__} in the tail; "
                            f"only Linear, activations, Dropout and Softmax act the same on "
                            f"each position of a volume")
    conv = nn.Sequential(*body, *converted, name=f"{model.name or 'Sequential'} (convolutional)")
    conv.train(model.training)
    return conv


def _linear_to_conv(layer: nn.Linear, f: int, n_C: int, where: str) -> nn.Conv2d:
    """Linear(f·f·n_C, n_units) as Conv2d(n_C, n_units, f) with the same weights."""
    if layer.n_in != f * f * n_C:
        raise ValueError(f"{where}: {layer!r} takes {layer.n_in} features but the volume "
                         f"before it has {f}×{f}×{n_C} = {f * f * n_C}")
    # init="zeros": the weights are overwritten, so draw nothing from npdeep's RNG.
    conv = nn.Conv2d(n_C, layer.n_out, f, bias=layer.b is not None, init="zeros")
    # (n_units, f·f·n_C) -> (f·f·n_C, n_units) -> (f, f, n_C, n_units), C order = Flatten's.
    conv.W.data = layer.W.data.T.reshape(f, f, n_C, layer.n_out).copy()
    if layer.b is not None:
        conv.b.data = layer.b.data.copy()
    return conv
