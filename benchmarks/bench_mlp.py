"""Dense workloads: (a) an MLP training step with Adam, (b) the course-1 deep network with
gradient descent, (c) forward + backward of a 10-op graph on 4x4 tensors (per-op overhead).

Both sides start from the same float32 weights and data and run the same algorithm.
"""
from __future__ import annotations

import numpy as np

import npdeep
import npdeep.functional as F
from benchmarks.common import Workload, torch_or_none, train_step
from benchmarks.floor import Gemm, model_gemms
from npdeep import nn, optim


def _mlp(layer_dims, output=None):
    layers = []
    for l in range(1, len(layer_dims)):
        layers.append(nn.Linear(layer_dims[l - 1], layer_dims[l], init="he"))
        if l < len(layer_dims) - 1:
            layers.append(nn.ReLU())
    if output == "sigmoid":
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def _torch_copy(torch, model):
    """The same network in torch.nn, with npdeep's weights (W has the same (out, in) shape)."""
    layers = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            linear = torch.nn.Linear(layer.n_in, layer.n_out)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.W.data))
                linear.bias.copy_(torch.from_numpy(layer.b.data))
            layers.append(linear)
        elif isinstance(layer, nn.ReLU):
            layers.append(torch.nn.ReLU())
        elif isinstance(layer, nn.Sigmoid):
            layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def build_mlp():
    """(a) MLP 784-256-128-10, batch 128, ReLU, softmax cross-entropy, Adam."""
    rng = np.random.default_rng(0)
    X = rng.random((128, 784), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    model = _mlp([784, 256, 128, 10])
    optimizer = optim.Adam(model.parameters(), learning_rate=1e-3)
    Xt = npdeep.tensor(X)
    sides = {"npdeep": train_step(model, optimizer, F.cross_entropy, Xt, y)}
    torch = torch_or_none()
    if torch is not None:
        tmodel = _torch_copy(torch, model)
        toptimizer = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        sides["torch"] = train_step(tmodel, toptimizer, torch.nn.functional.cross_entropy,
                                    torch.from_numpy(X), torch.from_numpy(y))
    return Workload("mlp", "MLP 784-256-128-10, Adam, m=128", sides,
                    gemms=model_gemms(model, Xt))


def build_deepnet():
    """(b) The course-1 deep net [12288, 20, 7, 5, 1], sigmoid output, 209 examples, GD."""
    rng = np.random.default_rng(1)
    X = rng.random((209, 12288), dtype=np.float32)   # the cat images, flattened, in [0, 1]
    Y = (rng.random((209, 1)) > 0.65).astype(np.float32)
    model = _mlp([12288, 20, 7, 5, 1], output="sigmoid")
    optimizer = optim.GD(model.parameters(), learning_rate=0.0075)
    Xt = npdeep.tensor(X)
    sides = {"npdeep": train_step(model, optimizer, F.binary_cross_entropy, Xt, Y)}
    torch = torch_or_none()
    if torch is not None:
        tmodel = _torch_copy(torch, model)
        toptimizer = torch.optim.SGD(tmodel.parameters(), lr=0.0075)
        sides["torch"] = train_step(tmodel, toptimizer,
                                    torch.nn.functional.binary_cross_entropy,
                                    torch.from_numpy(X), torch.from_numpy(Y))
    return Workload("deepnet", "deep net [12288,20,7,5,1], GD, m=209", sides,
                    gemms=model_gemms(model, Xt))


def build_graph():
    """(c) Forward + backward of a 10-op graph on 4x4 tensors: pure per-op overhead."""
    rng = np.random.default_rng(2)
    a0 = rng.standard_normal((4, 4), dtype=np.float32)
    b0 = rng.standard_normal((4, 4), dtype=np.float32)
    a = npdeep.tensor(a0, requires_grad=True)
    b = npdeep.tensor(b0, requires_grad=True)

    def npdeep_graph():
        a.grad = b.grad = None
        z = a @ b                 # 1
        z = z + a                 # 2
        z = z * b                 # 3
        z = F.tanh(z)             # 4
        z = z - a                 # 5
        z = F.relu(z)             # 6
        z = F.sigmoid(z)          # 7
        z = z * z                 # 8
        z = z / b                 # 9 (no zero in b: standard normal draws)
        z.sum().backward()        # 10

    sides = {"npdeep": npdeep_graph}
    torch = torch_or_none()
    if torch is not None:
        ta = torch.from_numpy(a0.copy()).requires_grad_()
        tb = torch.from_numpy(b0.copy()).requires_grad_()

        def torch_graph():
            ta.grad = tb.grad = None
            z = ta @ tb
            z = z + ta
            z = z * tb
            z = torch.tanh(z)
            z = z - ta
            z = torch.relu(z)
            z = torch.sigmoid(z)
            z = z * z
            z = z / tb
            z.sum().backward()

        sides["torch"] = torch_graph
    # MatMul's forward a @ b, and its backward dZ @ bᵀ and aᵀ @ dZ.
    gemms = [Gemm(4, 4, 4, "C", "C", "a b"), Gemm(4, 4, 4, "C", "F", "dZ b^T"),
             Gemm(4, 4, 4, "F", "C", "a^T dZ")]
    return Workload("graph", "10-op graph on 4x4, fwd+bwd", sides, gemms=gemms)


WORKLOADS = {"mlp": build_mlp, "deepnet": build_deepnet, "graph": build_graph}
