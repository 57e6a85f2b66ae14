"""LeNet-5 training step (batch 128, 32x32x1, Adam), npdeep NHWC against PyTorch NCHW and
channels_last.

Both sides start from the same float32 weights and data: the conv weights W (f, f, n_C_prev,
n_C) become PyTorch's (n_C, n_C_prev, f, f); the images (m, n_H, n_W, n_C) become
(m, n_C, n_H, n_W); and the first dense layer's input order is permuted so that PyTorch's
NCHW flatten meets the same weights as npdeep's NHWC flatten.
"""
from __future__ import annotations

import numpy as np

import npdeep
import npdeep.functional as F
from benchmarks.common import Workload, torch_images, torch_layouts, torch_or_none, train_step
from benchmarks.floor import model_gemms
from npdeep import models, nn, optim


def torch_lenet5(torch, model):
    """The same LeNet-5 in torch.nn, NCHW, with npdeep's weights."""
    layers = []
    last_conv_shape = None
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            conv = torch.nn.Conv2d(layer.n_C_prev, layer.n_C, layer.f, stride=layer.stride)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(layer.W.data.transpose(3, 2, 0, 1).copy()))
                conv.bias.copy_(torch.from_numpy(layer.b.data))
            layers.append(conv)
            last_conv_shape = layer.n_C
        elif isinstance(layer, nn.AvgPool2d):
            layers.append(torch.nn.AvgPool2d(layer.f, layer.stride))
        elif isinstance(layer, nn.MaxPool2d):
            layers.append(torch.nn.MaxPool2d(layer.f, layer.stride))
        elif isinstance(layer, nn.ReLU):
            layers.append(torch.nn.ReLU())
        elif isinstance(layer, nn.Tanh):
            layers.append(torch.nn.Tanh())
        elif isinstance(layer, nn.Flatten):
            layers.append(torch.nn.Flatten())
        elif isinstance(layer, nn.Linear):
            W = layer.W.data
            if isinstance(layers[-1], torch.nn.Flatten):
                # npdeep flattens (n_H, n_W, n_C), PyTorch (n_C, n_H, n_W): permute W's columns.
                n_C = last_conv_shape
                side = int(round((W.shape[1] / n_C) ** 0.5))
                W = W.reshape(-1, side, side, n_C).transpose(0, 3, 1, 2).reshape(W.shape[0], -1)
            linear = torch.nn.Linear(layer.n_in, layer.n_out)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
                linear.bias.copy_(torch.from_numpy(layer.b.data))
            layers.append(linear)
        else:
            raise TypeError(f"torch_lenet5: no PyTorch counterpart for {layer!r}")
    return torch.nn.Sequential(*layers)


def build_lenet():
    """LeNet-5 training step: PyTorch NCHW ("torch") and channels_last ("torch_cl")."""
    rng = np.random.default_rng(0)
    X = rng.random((128, 32, 32, 1), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    npdeep.manual_seed(0)
    model = models.lenet5()
    optimizer = optim.Adam(model.parameters(), learning_rate=1e-3)
    Xt = npdeep.tensor(X)
    gemms = model_gemms(model, Xt)  # before any step: the weights are still the same
    flops = sum(g.flops for g in model_gemms(model, Xt, nominal=True))
    sides = {"npdeep": train_step(model, optimizer, F.cross_entropy, Xt, y)}
    torch = torch_or_none()
    if torch is not None:
        ty = torch.from_numpy(y)
        for side, layout in torch_layouts(torch):
            tmodel = torch_lenet5(torch, model).to(memory_format=layout)
            tX = torch_images(torch, X, layout)
            with torch.no_grad():  # the two models compute the same logits
                np.testing.assert_allclose(tmodel(tX).numpy(), model(Xt).data,
                                           rtol=1e-3, atol=1e-4)
            toptimizer = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
            sides[side] = train_step(tmodel, toptimizer, torch.nn.functional.cross_entropy,
                                     tX, ty)
    return Workload("lenet", "LeNet-5 train step, Adam, m=128, 32x32x1", sides, gemms=gemms,
                    flops=flops)


WORKLOADS = {"lenet": build_lenet}
