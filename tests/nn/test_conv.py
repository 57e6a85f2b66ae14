"""The Conv2d layer: parameters, initialization, gradient check, PyTorch, and every error."""
import numpy as np
import pytest

import npdeep
from harness import assert_gradcheck, randn, torch_or_skip
from npdeep import nn
from npdeep.gradcheck import gradcheck_model
from npdeep.tensor import Tensor


def test_conv2d_parameters_and_repr():
    layer = nn.Conv2d(3, 8, 3)
    assert layer.W.shape == (3, 3, 3, 8) and layer.b.shape == (8,)
    assert layer.W.dtype == np.float32 and layer.W.requires_grad
    assert repr(layer) == "Conv2d(3, 8, f=3, stride=1, padding=0)"
    assert repr(nn.Conv2d(1, 6, 5, 2, "same", bias=False)) == \
        "Conv2d(1, 6, f=5, stride=2, padding='same', bias=False)"
    assert nn.Conv2d(3, 8, 3, bias=False).b is None
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]
    assert np.all(layer.b.data == 0)


def test_conv2d_he_initialization_scale():
    npdeep.manual_seed(0)
    layer = nn.Conv2d(16, 64, 3)
    # He: std = sqrt(2 / (f·f·n_C_prev)) = sqrt(2 / 144)
    assert abs(layer.W.data.std() - np.sqrt(2 / 144)) < 0.01
    assert abs(nn.Conv2d(16, 64, 3, init="xavier").W.data.std() - np.sqrt(1 / 144)) < 0.01


def test_conv2d_seeded_init_is_repeatable():
    npdeep.manual_seed(3)
    W1 = nn.Conv2d(2, 4, 3).W.data
    npdeep.manual_seed(3)
    np.testing.assert_array_equal(W1, nn.Conv2d(2, 4, 3).W.data)


@pytest.mark.parametrize("stride,padding,n_H", [(1, 0, 5), (2, 1, 4), (1, "same", 7),
                                                (3, "valid", 2)])
def test_conv2d_layer_output_shape_and_gradcheck(stride, padding, n_H):
    layer = nn.Conv2d(2, 3, 3, stride, padding).to(np.float64)
    A_prev = randn(2, 7, 6, 2)
    Z = layer(A_prev)
    assert Z.shape[0] == 2 and Z.shape[1] == n_H and Z.shape[3] == 3
    assert_gradcheck(lambda A: layer(A), [A_prev])
    result = gradcheck_model(layer, lambda Z, Y: ((Z - Y) ** 2).mean(), A_prev.data,
                             np.zeros(Z.shape))
    assert result.difference < 1e-6


def test_conv2d_layer_matches_torch():
    torch = torch_or_skip()
    npdeep.manual_seed(1)
    layer = nn.Conv2d(3, 4, 3, stride=2, padding=1).to(np.float64)
    layer.b.data[:] = np.arange(4.0)
    A_prev = randn(2, 9, 8, 3)
    Z = layer(A_prev)
    t_layer = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1).double()
    with torch.no_grad():
        t_layer.weight.copy_(torch.tensor(layer.W.data).permute(3, 2, 0, 1))
        t_layer.bias.copy_(torch.tensor(layer.b.data))
    X = torch.tensor(A_prev.data, requires_grad=True)
    Z_torch = t_layer(X.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    np.testing.assert_allclose(Z.data, Z_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
    dZ = np.random.default_rng(0).standard_normal(Z.shape)
    Z.backward(dZ)
    Z_torch.backward(torch.tensor(dZ))
    np.testing.assert_allclose(A_prev.grad, X.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, t_layer.weight.grad.permute(2, 3, 1, 0).numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.b.grad, t_layer.bias.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_input_errors():
    layer = nn.Conv2d(3, 8, 3)
    name = r"Conv2d\(3, 8, f=3, stride=1, padding=0\)"
    with pytest.raises(ValueError, match=name + r" expected input of shape \(m, n_H, n_W, 3\) "
                       r"but got \(16, 3, 64, 64\); images are NHWC — did you pass NCHW\?"):
        layer(Tensor(np.zeros((16, 3, 64, 64), dtype=np.float32)))
    with pytest.raises(ValueError, match=name + r" expected input of shape \(m, n_H, n_W, 3\) "
                       r"but got \(16, 64, 64, 1\)$"):
        layer(Tensor(np.zeros((16, 64, 64, 1), dtype=np.float32)))
    with pytest.raises(ValueError, match=name + r" expected input of shape \(m, n_H, n_W, 3\) "
                       r"but got \(64, 64, 3\); images are 4-D"):
        layer(Tensor(np.zeros((64, 64, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=name + r": the \(padded\) image of size 2x2 is smaller "
                       r"than the 3x3 filter \(input \(4, 2, 2, 3\), padding=0\)"):
        layer(Tensor(np.zeros((4, 2, 2, 3), dtype=np.float32)))
    # With padding the same image is large enough.
    assert nn.Conv2d(3, 8, 3, padding=1)(Tensor(np.zeros((4, 2, 2, 3)))).shape == (4, 2, 2, 8)


@pytest.mark.parametrize("kwargs,message", [
    ({"f": 0}, r"The 'f' parameter of Conv2d must be an int >= 1. Got 0 instead."),
    ({"stride": 0}, r"The 'stride' parameter of Conv2d must be an int >= 1. Got 0 instead."),
    ({"stride": 1.5}, r"The 'stride' parameter of Conv2d must be an int >= 1. Got 1.5 instead."),
    ({"padding": -1}, r"The 'padding' parameter of Conv2d must be an int >= 0, 'valid' or "
                      r"'same'. Got -1 instead."),
    ({"padding": "full"}, r"The 'padding' parameter of Conv2d must be an int >= 0, 'valid' or "
                          r"'same'. Got 'full' instead."),
    ({"n_C": 0}, r"The 'n_C' parameter of Conv2d must be an int >= 1. Got 0 instead."),
    ({"n_C_prev": -3}, r"The 'n_C_prev' parameter of Conv2d must be an int >= 1. Got -3 "
                       r"instead."),
    ({"init": "ones"}, r"The 'init' parameter of Conv2d must be one of"),
])
def test_conv2d_hyperparameter_errors(kwargs, message):
    arguments = {"n_C_prev": 3, "n_C": 8, "f": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(**arguments)
