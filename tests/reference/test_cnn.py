"""The course's loop implementations: hand-computed values and PyTorch as independent checks."""
import numpy as np
import pytest

from npdeep.reference import cnn


def test_zero_pad():
    X = np.arange(8.0).reshape(1, 2, 2, 2)
    X_pad = cnn.zero_pad(X, 1)
    assert X_pad.shape == (1, 4, 4, 2)
    np.testing.assert_array_equal(X_pad[0, 1:3, 1:3], X[0])
    assert X_pad.sum() == X.sum() and X_pad[0, 0].sum() == 0


def test_conv_single_step():
    a_slice_prev = np.arange(12.0).reshape(2, 2, 3)
    W = np.ones((2, 2, 3))
    assert cnn.conv_single_step(a_slice_prev, W, np.full((1, 1, 1), 0.5)) == 66.5


def test_conv_forward_by_hand():
    A_prev = np.arange(9.0).reshape(1, 3, 3, 1)
    W = np.ones((2, 2, 1, 1))
    Z, _ = cnn.conv_forward(A_prev, W, np.full((1, 1, 1, 1), 1.0), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(Z[0, :, :, 0], [[9.0, 13.0], [21.0, 25.0]])
    Z, _ = cnn.conv_forward(A_prev, W, np.zeros(1), {"stride": 2, "pad": 1})
    np.testing.assert_array_equal(Z[0, :, :, 0], [[0.0, 3.0], [9.0, 24.0]])


def test_conv_backward_by_hand():
    A_prev = np.arange(9.0).reshape(1, 3, 3, 1)
    W = np.arange(4.0).reshape(2, 2, 1, 1)
    Z, cache = cnn.conv_forward(A_prev, W, np.zeros((1, 1, 1, 1)), {"stride": 1, "pad": 0})
    dA_prev, dW, db = cnn.conv_backward(np.ones_like(Z), cache)
    # Each input entry receives the sum of the weights that touched it.
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    np.testing.assert_array_equal(dW[:, :, 0, 0], [[8, 12], [20, 24]])
    assert db.shape == (1, 1, 1, 1) and db.item() == 4


def test_pool_by_hand():
    A_prev = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0], [0.0, 1.0, 2.0, 2.0],
                       [3.0, 1.0, 0.0, 1.0]]).reshape(1, 4, 4, 1)
    A, cache = cnn.pool_forward(A_prev, {"f": 2, "stride": 2}, "max")
    np.testing.assert_array_equal(A[0, :, :, 0], [[4, 5], [3, 2]])
    A, _ = cnn.pool_forward(A_prev, {"f": 2, "stride": 2}, "average")
    np.testing.assert_array_equal(A[0, :, :, 0], [[2.5, 2], [1.25, 1.25]])
    dA_prev = cnn.pool_backward(np.ones((1, 2, 2, 1)), cache, "max")
    # The bottom-right window has a tie (2, 2): the course's mask marks both.
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], [[0, 0, 0, 0], [1, 0, 0, 1],
                                                        [0, 0, 1, 1], [1, 0, 0, 0]])
    dA_prev = cnn.pool_backward(np.full((1, 2, 2, 1), 4.0), cache, "average")
    np.testing.assert_array_equal(dA_prev, np.ones((1, 4, 4, 1)))


def test_mask_and_distribute_value():
    np.testing.assert_array_equal(cnn.create_mask_from_window(np.array([[1, 3], [4, 2]])),
                                  [[False, False], [True, False]])
    np.testing.assert_array_equal(cnn.distribute_value(2.0, (2, 2)), np.full((2, 2), 0.5))


def test_loops_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    A_prev = rng.standard_normal((2, 6, 5, 3))
    W = rng.standard_normal((3, 3, 3, 4))
    b = rng.standard_normal((1, 1, 1, 4))
    Z, cache = cnn.conv_forward(A_prev, W, b, {"stride": 2, "pad": 1})
    X = torch.tensor(A_prev, requires_grad=True)
    Wt = torch.tensor(W, requires_grad=True)
    Z_torch = torch.nn.functional.conv2d(X.permute(0, 3, 1, 2), Wt.permute(3, 2, 0, 1),
                                         torch.tensor(b.ravel()), stride=2, padding=1)
    Z_torch = Z_torch.permute(0, 2, 3, 1)
    np.testing.assert_allclose(Z, Z_torch.detach().numpy(), rtol=1e-10)
    dZ = rng.standard_normal(Z.shape)
    Z_torch.backward(torch.tensor(dZ))
    dA_prev, dW, _ = cnn.conv_backward(dZ, cache)
    np.testing.assert_allclose(dA_prev, X.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    A, _ = cnn.pool_forward(A_prev, {"f": 2, "stride": 1}, "max")
    A_torch = torch.nn.functional.max_pool2d(torch.tensor(A_prev).permute(0, 3, 1, 2), 2, 1)
    np.testing.assert_allclose(A, A_torch.permute(0, 2, 3, 1).numpy())
