"""The mlp builder: architecture, switches, checks, and that it learns."""
import numpy as np
import pytest

import npdeep
from npdeep import functional as F
from npdeep import nn
from npdeep.models import mlp
from npdeep.tensor import Tensor


def test_default_architecture():
    model = mlp(784)
    assert [type(layer) for layer in model] == [nn.Linear, nn.ReLU, nn.Linear]
    assert model[0].W.shape == (128, 784) and model[2].W.shape == (10, 128)
    assert model.num_parameters() == 784 * 128 + 128 + 128 * 10 + 10


def test_hidden_sizes_and_switches():
    model = mlp(20, hidden=(16, 8), n_classes=3, activation="tanh", keep_prob=0.8,
                batch_norm=True, init="xavier")
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Dropout"] * 2 + ["Linear"]
    assert model[0].b is None and model[4].b is None  # batch norm's beta replaces b
    assert model[-1].b is not None
    assert model[3].keep_prob == 0.8
    assert model[0].init == "xavier"
    Z = model(Tensor(np.zeros((5, 20), dtype=np.float32)))
    assert Z.shape == (5, 3)


def test_int_hidden_and_no_hidden_layer():
    assert [type(layer) for layer in mlp(4, hidden=6)] == [nn.Linear, nn.ReLU, nn.Linear]
    logistic = mlp(4, hidden=(), n_classes=1)
    assert len(logistic) == 1 and logistic[0].W.shape == (1, 4)


def test_he_initialization_scale():
    npdeep.manual_seed(0)
    W = mlp(1000, hidden=(500,))[0].W.data
    assert W.std() == pytest.approx(np.sqrt(2 / 1000), rel=0.02)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_x=0), r"'n_x' parameter of mlp must be an int >= 1. Got 0"),
    (dict(n_x=4, n_classes=0), r"'n_classes' parameter of mlp must be an int >= 1"),
    (dict(n_x=4, hidden=(8, 0)), r"'hidden' parameter of mlp must be a tuple of ints >= 1"),
    (dict(n_x=4, hidden="wide"), r"'hidden' parameter of mlp must be a tuple of ints >= 1"),
    (dict(n_x=4, activation="gelu"), r"'activation' parameter of mlp must be one of"),
    (dict(n_x=4, keep_prob=0), r"'keep_prob' parameter of mlp must be a finite number in "
                               r"\(0, 1\]"),
    (dict(n_x=4, keep_prob=1.5), r"'keep_prob' parameter of mlp must be a finite number in "
                                 r"\(0, 1\]"),
    (dict(n_x=4, init="ones"), r"'init' parameter of Linear must be one of"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)


def test_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 8, dtype=np.float32)
    y = np.array([0, 1, 1, 0] * 8)
    npdeep.manual_seed(0)
    model = mlp(2, hidden=(8,), n_classes=2, activation="tanh", init="xavier")
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.05)
    npdeep.fit(model, F.cross_entropy, optimizer, (X, y), epochs=100, mini_batch_size=32,
               verbose=0, metrics=())
    assert (npdeep.predict(model, X[:4]).argmax(axis=1) == y[:4]).all()
