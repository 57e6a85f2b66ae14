"""Layers: Linear, activations, Dropout, BatchNorm1d/2d — gradient checks, PyTorch, errors."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep import nn

from harness import assert_gradcheck, randn, torch_or_skip


def float64_input(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------------------- Linear
@pytest.mark.parametrize("m, n_in, n_out", [(5, 3, 2), (1, 4, 1), (3, 1, 6)])
def test_linear_gradcheck_model(m, n_in, n_out):
    model = nn.Linear(n_in, n_out)
    X = float64_input(m, n_in)
    Y = float64_input(m, n_out, seed=1)
    result = npdeep.gradcheck_model(model, F.mse_loss, X, Y)
    assert result.difference < 1e-6
    assert result.names == ["W", "b"]


def test_linear_matches_torch():
    torch = torch_or_skip()
    layer = nn.Linear(4, 3).to(np.float64)
    torch_layer = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        torch_layer.weight.copy_(torch.tensor(layer.W.data))  # same (n[l], n[l-1]) layout
        torch_layer.bias.copy_(torch.tensor(layer.b.data))
    X = float64_input(5, 4)
    out = layer(npdeep.tensor(X))
    out_t = torch_layer(torch.tensor(X))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=1e-12)
    R = float64_input(5, 3, seed=2)
    (out * R).sum().backward()
    (out_t * torch.tensor(R)).sum().backward()
    np.testing.assert_allclose(layer.W.grad, torch_layer.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.b.grad, torch_layer.bias.grad.numpy(), atol=1e-12)


def test_linear_shapes_init_and_errors():
    layer = nn.Linear(3, 2)
    assert layer.W.shape == (2, 3) and layer.b.shape == (2,)
    assert layer.W.dtype == np.float32
    np.testing.assert_array_equal(layer.b.data, 0)
    assert nn.Linear(3, 2, bias=False).b is None
    assert np.all(nn.Linear(3, 2, init="zeros").W.data == 0)
    with pytest.raises(ValueError, match=r"Linear\(3, 2, init='he'\) expected input of shape "
                                         r"\(m, 3\) but got \(4, 5\)"):
        layer(npdeep.tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match="The 'n_in' parameter of Linear must be an int >= 1. "
                                         "Got 0 instead."):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="The 'n_out' parameter of Linear must be an int >= 1. "
                                         "Got 2.5 instead."):
        nn.Linear(2, 2.5)
    with pytest.raises(ValueError, match="The 'init' parameter of Linear must be one of"):
        nn.Linear(2, 2, init="glorot")


# ----------------------------------------------------------------------------- activations
@pytest.mark.parametrize("layer, fn", [(nn.ReLU(), F.relu), (nn.Tanh(), F.tanh),
                                       (nn.Sigmoid(), F.sigmoid),
                                       (nn.LeakyReLU(0.2), lambda z: F.leaky_relu(z, 0.2)),
                                       (nn.Softmax(), F.softmax),
                                       (nn.Softmax(axis=0), lambda z: F.softmax(z, 0))])
def test_activation_layers_call_functional(layer, fn):
    Z = randn(4, 3, seed=3)
    Z.data[np.abs(Z.data) < 0.2] = 0.5  # keep relu's kink out of the numeric check
    np.testing.assert_array_equal(layer(Z).data, fn(Z).data)
    assert_gradcheck(layer, [Z])
    assert layer.parameters() == []


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(alpha=0.2)"
    assert repr(nn.Softmax()) == "Softmax(axis=-1)"


def test_activation_hyperparameter_checks():
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of LeakyReLU must be a finite "
                                         r"number >= 0. Got -0.1 instead."):
        nn.LeakyReLU(-0.1)
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of LeakyReLU .* Got '0.1'"):
        nn.LeakyReLU("0.1")
    with pytest.raises(ValueError, match=r"The 'axis' parameter of Softmax must be an int. "
                                         r"Got 1.0 instead."):
        nn.Softmax(1.0)
    with pytest.raises(TypeError, match=r"^LeakyReLU has no 'negative_slope': .* "
                                        r"negative_slope=0.01 is alpha=0.01$"):
        nn.LeakyReLU(negative_slope=0.01)
    with pytest.raises(TypeError, match=r"^Softmax has no 'dim': .* dim=-1 is axis=-1$"):
        nn.Softmax(dim=-1)


def test_mlp_gradcheck_model():
    npdeep.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    X = float64_input(6, 4)
    labels = np.random.default_rng(1).integers(0, 3, size=6)
    assert npdeep.gradcheck_model(model, F.cross_entropy, X, labels, lambd=0.5) < 1e-6


# ----------------------------------------------------------------------------- Dropout
def test_dropout_layer_train_and_eval():
    layer = nn.Dropout(keep_prob=0.5)
    A = npdeep.tensor(np.ones((20, 20)))
    out = layer(A)
    assert set(np.unique(out.data)) <= {0.0, 2.0} and 0 < (out.data == 0).mean() < 1
    layer.eval()
    assert layer(A) is A
    assert repr(layer) == "Dropout(keep_prob=0.5)" and layer.parameters() == []


def test_dropout_layer_gradient_uses_its_mask():
    layer = nn.Dropout(keep_prob=0.6)
    A = randn(10, 8, seed=4)
    out = layer(A)
    out.sum().backward()
    np.testing.assert_allclose(A.grad, (out.data != 0) / 0.6)


def test_dropout_layer_matches_seeded_functional():
    A = npdeep.tensor(np.ones((5, 5)))
    npdeep.manual_seed(9)
    out = nn.Dropout(keep_prob=0.7)(A).data
    npdeep.manual_seed(9)
    np.testing.assert_array_equal(out, F.dropout(A, 0.7).data)


@pytest.mark.parametrize("keep_prob", [0, 1.01, -1])
def test_dropout_layer_validates_keep_prob(keep_prob):
    with pytest.raises(ValueError, match=r"The 'keep_prob' parameter of Dropout must be a "
                                         r"finite number in \(0, 1\]. Got .* instead."):
        nn.Dropout(keep_prob=keep_prob)


# ----------------------------------------------------------------------------- BatchNorm
def test_batchnorm_parameters_and_buffers():
    bn = nn.BatchNorm1d(4)
    assert [n for n, _ in bn.named_parameters()] == ["gamma", "beta"]
    np.testing.assert_array_equal(bn.gamma.data, 1)
    np.testing.assert_array_equal(bn.beta.data, 0)
    np.testing.assert_array_equal(bn.running_mean, 0)
    np.testing.assert_array_equal(bn.running_var, 1)
    assert bn.gamma.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert list(bn.state_dict()) == ["gamma", "beta", "running_mean", "running_var"]
    assert repr(nn.BatchNorm2d(8, running_avg_beta=0.99)) == \
        "BatchNorm2d(8, running_avg_beta=0.99, epsilon=1e-05)"


@pytest.mark.parametrize("m", [2, 5])
def test_batchnorm1d_gradcheck_model(m):
    npdeep.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 1))
    X, Y = float64_input(m, 3), float64_input(m, 1, seed=2)
    result = npdeep.gradcheck_model(model, F.mse_loss, X, Y)
    assert result.difference < 1e-6
    assert "1.gamma" in result.names and "1.beta" in result.names


def test_batchnorm2d_gradcheck_model():
    npdeep.manual_seed(2)
    model = nn.Sequential(nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(18, 2))
    X = float64_input(2, 3, 3, 2)
    labels = np.array([0, 1])
    assert npdeep.gradcheck_model(model, F.cross_entropy, X, labels) < 1e-6


def test_batchnorm_eval_gradcheck():
    bn = nn.BatchNorm2d(3).to(np.float64)
    bn.running_mean[...] = [0.5, -0.2, 0.1]
    bn.running_var[...] = [2.0, 0.5, 1.5]
    bn.eval()
    assert_gradcheck(bn, [randn(1, 2, 2, 3, seed=5)])


@pytest.mark.parametrize("layer_type, shape", [("1d", (6, 3)), ("2d", (2, 4, 3, 5))])
def test_batchnorm_layers_match_torch(layer_type, shape):
    torch = torch_or_skip()
    n = shape[-1]
    bn = (nn.BatchNorm1d(n) if layer_type == "1d" else nn.BatchNorm2d(n)).to(np.float64)
    bn.gamma.data[...] = np.linspace(0.5, 1.5, n)
    bn.beta.data[...] = np.linspace(-1, 1, n)
    torch_bn = (torch.nn.BatchNorm1d(n) if layer_type == "1d" else
                torch.nn.BatchNorm2d(n)).double()
    torch_bn.momentum = 1 - bn.running_avg_beta  # PyTorch's momentum is 1 − the course's β
    with torch.no_grad():
        torch_bn.weight.copy_(torch.tensor(bn.gamma.data))
        torch_bn.bias.copy_(torch.tensor(bn.beta.data))

    def torch_forward(X):
        X_t = torch.tensor(X, requires_grad=True)
        if layer_type == "2d":
            return X_t, torch_bn(X_t.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return X_t, torch_bn(X_t)

    for step in range(3):
        X = float64_input(*shape, seed=10 + step) * 2 + 1
        Z = npdeep.tensor(X, requires_grad=True)
        out = bn(Z)
        X_t, out_t = torch_forward(X)
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=1e-10)
        np.testing.assert_allclose(bn.running_mean, torch_bn.running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(bn.running_var, torch_bn.running_var.numpy(), atol=1e-12)
    R = float64_input(*shape, seed=20)
    bn.zero_grad()
    (out * R).sum().backward()
    (out_t * torch.tensor(R)).sum().backward()
    np.testing.assert_allclose(Z.grad, X_t.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(bn.gamma.grad, torch_bn.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(bn.beta.grad, torch_bn.bias.grad.numpy(), atol=1e-10)
    bn.eval(), torch_bn.eval()
    X = float64_input(*shape, seed=30)
    np.testing.assert_allclose(bn(npdeep.tensor(X)).data, torch_forward(X)[1].detach().numpy(),
                               atol=1e-10)


def test_batchnorm_after_to_updates_the_cast_buffers():
    bn = nn.BatchNorm1d(2).to(np.float64)
    bn(npdeep.tensor(np.array([[0.0, 2.0], [2.0, 4.0]])))
    np.testing.assert_allclose(bn.state_dict()["running_mean"], [0.1, 0.3])


def test_batchnorm1d_input_errors():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4, running_avg_beta=0.9, "
                                         r"epsilon=1e-05\) "
                                         r"expected input of shape \(m, 4\) but got \(8, 3\)"):
        bn(npdeep.tensor(np.zeros((8, 3))))
    with pytest.raises(ValueError, match=r"but got \(8, 2, 2, 4\); for images use BatchNorm2d"):
        bn(npdeep.tensor(np.zeros((8, 2, 2, 4))))


def test_batchnorm2d_input_errors():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3, .*\) expected input of shape "
                                         r"\(m, n_H, n_W, 3\) but got \(16, 3, 64, 64\); "
                                         r"images are NHWC — did you pass NCHW\?"):
        bn(npdeep.tensor(np.zeros((16, 3, 64, 64))))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, n_H, n_W, 3\) but got "
                                         r"\(16, 3\)$"):
        bn(npdeep.tensor(np.zeros((16, 3))))


def test_batchnorm_hyperparameter_checks():
    with pytest.raises(ValueError, match="The 'n' parameter of BatchNorm1d must be an int >= 1. "
                                         "Got 0 instead."):
        nn.BatchNorm1d(0)
    with pytest.raises(ValueError, match="The 'n_C' parameter of BatchNorm2d must be an int "
                                         ">= 1. Got 3.0 instead."):
        nn.BatchNorm2d(3.0)
    with pytest.raises(ValueError, match=r"The 'running_avg_beta' parameter of BatchNorm1d "
                                         r"must be a finite number in \[0, 1\]. Got 1.5 "
                                         r"instead."):
        nn.BatchNorm1d(3, running_avg_beta=1.5)
    with pytest.raises(ValueError, match="The 'epsilon' parameter of BatchNorm2d must be a "
                                         "finite number > 0. Got 0 instead."):
        nn.BatchNorm2d(3, epsilon=0)
