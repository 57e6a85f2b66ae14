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


# ------------------------------------------------------------------ padding_idx
def test_padding_row_starts_at_zero_and_stays_zero():
    npdeep.manual_seed(0)
    layer = Embedding(5, 3, padding_idx=0)
    np.testing.assert_array_equal(layer.E.data[0], 0)
    assert np.all(layer.E.data[1:] != 0)
    assert repr(layer) == "Embedding(5, 3, padding_idx=0)"
    optimizer = npdeep.optim.Adam(layer.parameters(), learning_rate=0.1)
    ids = np.array([[2, 4, 0, 0], [1, 0, 0, 0]])
    for _ in range(3):
        optimizer.zero_grad()
        A = layer(ids)
        np.testing.assert_array_equal(A.data[ids == 0], 0)  # padding looks up zeros
        (A * A).sum().backward()
        np.testing.assert_array_equal(layer.E.grad[0], 0)
        optimizer.step()
    np.testing.assert_array_equal(layer.E.data[0], 0)


def test_padding_idx_equals_torch():
    torch = torch_or_skip()
    layer = Embedding(6, 3, padding_idx=2)
    layer.E.data = layer.E.data.astype(np.float64)
    ids = np.array([[5, 2, 5, 2], [1, 2, 0, 3]])
    R = np.random.default_rng(0).standard_normal((2, 4, 3))
    (layer(ids) * npdeep.Tensor(R, dtype=np.float64)).sum().backward()
    peer = torch.nn.Embedding(6, 3, padding_idx=2, dtype=torch.float64)
    with torch.no_grad():
        peer.weight.copy_(torch.tensor(layer.E.data))
    (peer(torch.tensor(ids)) * torch.tensor(R)).sum().backward()
    np.testing.assert_allclose(layer.E.grad, peer.weight.grad.numpy(), atol=1e-12)


# ------------------------------------------------------------------ from_pretrained
class _Bag(npdeep.nn.Module):
    """Embedding -> sum over time -> Linear: the smallest model fit can train on ids."""

    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding
        self.linear = npdeep.nn.Linear(embedding.n_e, 2)

    def forward(self, ids):
        return self.linear(self.embedding(ids).sum(axis=1))


def _fit(layer):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(32, 3))
    Y = (X[:, 0] > 1).astype(np.int64)
    model = _Bag(layer)
    optimizer = npdeep.optim.Adam(model.parameters(), learning_rate=0.05)
    linear_before = model.linear.W.data.copy()
    npdeep.fit(model, npdeep.functional.cross_entropy, optimizer, (X, Y), epochs=2,
               mini_batch_size=8, verbose=0, seed=0)
    assert not np.array_equal(model.linear.W.data, linear_before)  # the model did train


def test_from_pretrained_frozen_is_not_trained_by_fit():
    vectors = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    layer = Embedding.from_pretrained(vectors)
    assert layer.E.requires_grad is False and layer.E.dtype == np.float32
    assert repr(layer) == "Embedding(4, 3, frozen)"
    np.testing.assert_array_equal(layer.E.data, vectors)
    assert layer.E.data is not vectors  # a copy: training never writes into the caller's
    _fit(layer)
    np.testing.assert_array_equal(layer.E.data, vectors)
    assert layer.E.grad is None


def test_from_pretrained_trainable_and_with_padding():
    vectors = np.random.default_rng(2).standard_normal((4, 3))
    vectors[0] = 0
    layer = Embedding.from_pretrained(vectors, freeze=False, padding_idx=0)
    assert layer.E.requires_grad and layer.E.dtype == np.float64
    _fit(layer)
    assert not np.array_equal(layer.E.data[1:], vectors[1:])
    np.testing.assert_array_equal(layer.E.data[0], 0)


def test_bad_pretrained_matrix_and_padding_idx():
    with pytest.raises(ValueError, match=r"Embedding.from_pretrained: E must have shape "
                                         r"\(V, n_e\) with V, n_e >= 1; got \(4,\)"):
        Embedding.from_pretrained(np.zeros(4))
    with pytest.raises(ValueError, match="The 'padding_idx' parameter of Embedding must be an "
                                         r"int in \[0, 4\]. Got 5 instead."):
        Embedding(5, 2, padding_idx=5)
