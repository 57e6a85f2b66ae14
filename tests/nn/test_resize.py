"""Tests for npdeep/nn/resize.py: ZeroPad2d and Upsample2d."""
import numpy as np
import pytest
from harness import assert_gradcheck, randn, torch_or_skip

import npdeep
from npdeep import nn


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 2)])
def test_zero_pad_gradcheck_and_values(shape):
    layer = nn.ZeroPad2d(((1, 2), (0, 3)))
    X = randn(*shape)
    out = layer(X)
    assert out.shape == (shape[0], shape[1] + 3, shape[2] + 3, shape[3])
    np.testing.assert_array_equal(out.data[:, 1:1 + shape[1], :shape[2]], X.data)
    assert out.data.sum() == pytest.approx(X.data.sum())
    assert_gradcheck(layer, [X])
    assert nn.ZeroPad2d(2)(npdeep.tensor(np.ones((1, 28, 28, 1)))).shape == (1, 32, 32, 1)


@pytest.mark.parametrize("shape, factor", [((1, 1, 1, 1), 3), ((2, 3, 4, 2), 2)])
def test_upsample_gradcheck_and_loop_reference(shape, factor):
    layer = nn.Upsample2d(factor)
    X = randn(*shape)
    out = layer(X).data
    m, n_H, n_W, n_C = shape
    ref = np.zeros((m, n_H * factor, n_W * factor, n_C))
    for h in range(n_H * factor):
        for w in range(n_W * factor):
            ref[:, h, w] = X.data[:, h // factor, w // factor]
    np.testing.assert_array_equal(out, ref)
    assert_gradcheck(layer, [X])


def test_upsample_matches_torch():
    torch = torch_or_skip()
    X = randn(2, 3, 4, 2)
    X_t = torch.tensor(X.data.transpose(0, 3, 1, 2), requires_grad=True)
    out = nn.Upsample2d(2)(X)
    out_t = torch.nn.functional.interpolate(X_t, scale_factor=2, mode="nearest")
    np.testing.assert_allclose(out.data, out_t.detach().numpy().transpose(0, 2, 3, 1))
    R = np.random.default_rng(0).standard_normal(out.shape)
    (out * R).sum().backward()
    (out_t * torch.tensor(R.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(X.grad, X_t.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)


def test_resize_errors():
    with pytest.raises(ValueError, match="The 'padding' parameter of ZeroPad2d"):
        nn.ZeroPad2d(-1)
    with pytest.raises(ValueError, match="The 'padding' parameter of ZeroPad2d"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="The 'factor' parameter of Upsample2d"):
        nn.Upsample2d(0)
    with pytest.raises(ValueError, match=r"Upsample2d\(factor=2\) expected input of shape "
                                         r"\(m, n_H, n_W, n_C\) but got \(2, 8\)"):
        nn.Upsample2d(2)(npdeep.tensor(np.ones((2, 8))))
