"""nn.Embedding: the layer over F.embedding, its parameter E, PyTorch's weight, errors."""
import numpy as np
import pytest

import npdeep
from npdeep.nn.embedding import Embedding

from harness import torch_or_skip


def test_shape_parameter_and_repr():
    layer = Embedding(10, 4)
    A = layer(np.array([[1, 2, 3], [0, 9, 9]]))
    assert A.shape == (2, 3, 4) and A.dtype == np.float32
    assert layer.E.shape == (10, 4) and [n for n, _ in layer.named_parameters()] == ["E"]
    assert repr(layer) == "Embedding(10, 4)"
    np.testing.assert_array_equal(A.data[1, 1], layer.E.data[9])


def test_trains_through_fit_style_step():
    npdeep.manual_seed(0)
    layer = Embedding(3, 2)
    before = layer.E.data.copy()
    optimizer = npdeep.optim.GD(layer.parameters(), learning_rate=0.1)
    layer(np.array([0, 0])).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(layer.E.data[0], before[0] - 0.2, rtol=1e-6)
    np.testing.assert_array_equal(layer.E.data[1:], before[1:])


def test_equals_torch_with_the_same_weight():
    torch = torch_or_skip()
    layer = Embedding(6, 3)
    ids = np.array([[5, 0, 5]])
    peer = torch.nn.Embedding(6, 3)
    with torch.no_grad():
        peer.weight.copy_(torch.tensor(layer.E.data))
    np.testing.assert_allclose(layer(ids).data, peer(torch.tensor(ids)).detach().numpy())


def test_bad_sizes():
    with pytest.raises(ValueError, match="The 'n_e' parameter of Embedding must be an int >= 1. "
                                         "Got 0 instead."):
        Embedding(5, 0)
