"""Tests for npdeep/nn/blocks.py: residual blocks, the Inception module, padded max pooling."""
import numpy as np
import pytest
from harness import assert_gradcheck, randn, torch_or_skip

import npdeep
from npdeep import nn
from npdeep.gradcheck import gradcheck_model
from npdeep.tensor import Tensor


def projected_cost(out_shape, seed=0):
    R = np.random.default_rng(seed).standard_normal(out_shape)
    return lambda A, Y: (A * R).sum()


def float64(module):
    return module.to(np.float64)


# ---------------------------------------------------------------------- shapes
@pytest.mark.parametrize("stride, n_C_prev, expected_kind", [(1, 8, "identity"),
                                                             (1, 4, "projection"),
                                                             (2, 8, "projection")])
def test_residual_block_shapes_and_shortcut_kind(stride, n_C_prev, expected_kind):
    block = nn.ResidualBlock(n_C_prev, filters=(2, 3, 8), f=3, stride=stride)
    out = block(npdeep.tensor(np.random.default_rng(0).random((2, 5, 5, n_C_prev))))
    n = (5 - 1) // stride + 1
    assert out.shape == (2, n, n, 8)
    assert (block.shortcut is None) == (expected_kind == "identity")
    assert expected_kind in repr(block)
    assert np.all(out.data >= 0)  # ReLU after the addition


def test_residual_block_has_no_conv_bias():
    block = nn.ResidualBlock(4, filters=(2, 2, 8), stride=2)
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 4 and all(c.b is None for c in convs)
    names = [n for n, _ in block.named_parameters()]
    assert "main.0.W" in names and "shortcut.0.W" in names and "main.7.gamma" in names


def test_basic_block_shapes():
    block = nn.BasicBlock(3, 6, stride=2)
    assert block(npdeep.tensor(np.ones((2, 7, 7, 3)))).shape == (2, 4, 4, 6)
    block = nn.BasicBlock(6, 6)
    assert block.shortcut is None
    assert block(npdeep.tensor(np.ones((1, 5, 5, 6)))).shape == (1, 5, 5, 6)


def test_inception_channels_are_sum_of_branches():
    module = nn.InceptionModule(5, n1x1=2, n3x3_reduce=3, n3x3=4, n5x5_reduce=1, n5x5=3,
                                pool_proj=2)
    out = module(npdeep.tensor(np.random.default_rng(0).random((2, 6, 7, 5))))
    assert out.shape == (2, 6, 7, 2 + 4 + 3 + 2) and module.n_C == 11
    # Each branch's slice of the output is that branch's own output, in order.
    X = npdeep.tensor(np.random.default_rng(1).random((1, 4, 4, 5)))
    out = module(X).data
    np.testing.assert_allclose(out[..., :2], module.branch1(X).data)
    np.testing.assert_allclose(out[..., 9:], module.branch4(X).data)


# ---------------------------------------------------------------------- identity shortcut
def test_identity_shortcut_is_identity():
    npdeep.manual_seed(1)
    block = nn.ResidualBlock(4, filters=(3, 3, 4))
    last_bn = block.main[-1]
    last_bn.gamma.data[:] = 0
    last_bn.beta.data[:] = 0
    X = np.random.default_rng(0).standard_normal((3, 5, 5, 4)).astype(np.float32)
    out = block(npdeep.tensor(X))
    np.testing.assert_array_equal(out.data, np.maximum(X, 0))
    # The gradient flows through the shortcut unchanged where x > 0.
    X_t = npdeep.tensor(X, requires_grad=True)
    block(X_t).sum().backward()
    np.testing.assert_allclose(X_t.grad, (X > 0).astype(np.float32), atol=1e-6)


def test_basic_block_identity_shortcut():
    block = nn.BasicBlock(3, 3)
    block.main[-1].gamma.data[:] = 0
    X = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_array_equal(block(npdeep.tensor(X)).data, np.maximum(X, 0))


# ---------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("stride, n_C_prev, m", [(1, 3, 2), (2, 2, 3), (1, 3, 1)])
def test_residual_block_gradcheck(stride, n_C_prev, m):
    block = nn.ResidualBlock(n_C_prev, filters=(2, 2, 3), f=3, stride=stride)
    X = randn(m, 4, 4, n_C_prev, seed=stride)
    out_shape = block(X.detach()).shape
    if m == 1:
        # NOTE: with m = 1 a 1x1-strided map can have one value per channel, where batch norm
        # is 0/0; 4x4 maps keep several values per channel, so the check is well defined.
        assert out_shape[1] * out_shape[2] > 1
    result = gradcheck_model(block, projected_cost(out_shape), X.data, None)
    assert result.difference < 1e-6, result.per_input
    float64(block)
    assert_gradcheck(lambda X: block(X), [X])


@pytest.mark.parametrize("stride, n_C_prev", [(1, 2), (2, 2), (1, 3)])
def test_basic_block_gradcheck(stride, n_C_prev):
    block = nn.BasicBlock(n_C_prev, 2, stride=stride)
    X = randn(2, 4, 4, n_C_prev, seed=3)
    out_shape = block(X.detach()).shape
    assert gradcheck_model(block, projected_cost(out_shape), X.data, None) < 1e-6
    float64(block)
    assert_gradcheck(lambda X: block(X), [X])


def test_inception_gradcheck():
    module = nn.InceptionModule(2, 1, 1, 2, 1, 1, 1)
    X = randn(2, 3, 3, 2, seed=4)
    out_shape = module(X.detach()).shape
    assert gradcheck_model(module, projected_cost(out_shape), X.data, None) < 1e-6
    float64(module)
    assert_gradcheck(lambda X: module(X), [X])


# ---------------------------------------------------------------------- padded max pool
def test_padded_max_pool_against_loop_reference():
    X = np.random.default_rng(0).standard_normal((2, 5, 4, 3)) - 2.0  # mostly negative
    pool = nn.PaddedMaxPool2d(3, stride=2, padding=1)
    out = pool(Tensor(X)).data
    X_pad = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    n_H, n_W = (5 + 2 - 3) // 2 + 1, (4 + 2 - 3) // 2 + 1
    ref = np.zeros((2, n_H, n_W, 3))
    for h in range(n_H):
        for w in range(n_W):
            ref[:, h, w] = X_pad[:, 2 * h:2 * h + 3, 2 * w:2 * w + 3].max(axis=(1, 2))
    np.testing.assert_array_equal(out, ref)
    assert_gradcheck(lambda X: pool(X), [randn(2, 5, 4, 3, seed=5)])
    same = nn.PaddedMaxPool2d(3, stride=1, padding=1)
    assert same(Tensor(X)).shape == X.shape
    # The shared check_int takes NumPy integers (a hand isinstance(padding, int) did not).
    assert nn.PaddedMaxPool2d(np.int64(3), stride=np.int64(1), padding=np.int64(1)).padding == 1


def test_padded_max_pool_errors():
    with pytest.raises(ValueError, match="The 'padding' parameter of PaddedMaxPool2d must be an "
                                         "int >= 0. Got -1 instead."):
        nn.PaddedMaxPool2d(3, padding=-1)
    with pytest.raises(ValueError, match="The 'padding' parameter of PaddedMaxPool2d must be an "
                                         "int >= 0. Got True instead."):
        nn.PaddedMaxPool2d(3, padding=True)
    with pytest.raises(ValueError, match="more than half"):
        nn.PaddedMaxPool2d(3, padding=2)


# ---------------------------------------------------------------------- errors
def test_block_errors():
    with pytest.raises(ValueError, match="identity shortcut needs stride 1"):
        nn.ResidualBlock(4, filters=(2, 2, 8), projection=False)
    with pytest.raises(ValueError, match="The 'filters' parameter of ResidualBlock"):
        nn.ResidualBlock(4, filters=(2, 8))
    with pytest.raises(ValueError, match="The 'stride' parameter of BasicBlock"):
        nn.BasicBlock(4, 4, stride=0)
    with pytest.raises(ValueError, match="The 'pool_proj' parameter of InceptionModule"):
        nn.InceptionModule(4, 1, 1, 1, 1, 1, 0)
    block = nn.ResidualBlock(3, filters=(2, 2, 3))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, n_H, n_W, 3\) but got "
                                         r"\(2, 3, 8, 8\); images are NHWC"):
        block(npdeep.tensor(np.ones((2, 3, 8, 8))))
    # Another channel count is not NCHW: no hint about it (it was always added), and the
    # block is named on one line (its repr with every submodule was the message before).
    with pytest.raises(ValueError, match=r"^ResidualBlock\(.*\) expected input of shape "
                                         r"\(m, n_H, n_W, 3\) but got \(2, 8, 8, 4\)$"):
        block(npdeep.tensor(np.ones((2, 8, 8, 4))))


# ---------------------------------------------------------------------- PyTorch
def _torch_conv(torch, conv):
    layer = torch.nn.Conv2d(conv.n_C_prev, conv.n_C, conv.f, stride=conv.stride,
                            padding=conv.f // 2 if conv.padding in ("same", 1) else 0,
                            bias=conv.b is not None).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(conv.W.data.transpose(3, 2, 0, 1)))
        if conv.b is not None:
            layer.bias.copy_(torch.tensor(conv.b.data))
    return layer


def _torch_seq(torch, seq):
    layers = []
    for layer in seq:
        if isinstance(layer, nn.Conv2d):
            layers.append(_torch_conv(torch, layer))
        elif isinstance(layer, nn.BatchNorm2d):
            bn = torch.nn.BatchNorm2d(layer.n, eps=layer.epsilon).double()
            with torch.no_grad():
                bn.weight.copy_(torch.tensor(layer.gamma.data))
                bn.bias.copy_(torch.tensor(layer.beta.data))
            layers.append(bn)
        elif isinstance(layer, nn.ReLU):
            layers.append(torch.nn.ReLU())
        elif isinstance(layer, nn.PaddedMaxPool2d):
            layers.append(torch.nn.MaxPool2d(layer.f, layer.stride, layer.padding))
        else:
            raise AssertionError(type(layer))
    return torch.nn.Sequential(*layers)


def _compare(torch, module, torch_forward, X):
    X_t = torch.tensor(X.data.transpose(0, 3, 1, 2), requires_grad=True)
    out = module(X)
    out_t = torch_forward(X_t)
    np.testing.assert_allclose(out.data, out_t.detach().numpy().transpose(0, 2, 3, 1),
                               atol=1e-10)
    R = np.random.default_rng(2).standard_normal(out.shape)
    (out * R).sum().backward()
    (out_t * torch.tensor(R.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(X.grad, X_t.grad.numpy().transpose(0, 2, 3, 1), atol=1e-10)


@pytest.mark.parametrize("stride", [1, 2])
def test_residual_block_matches_torch(stride):
    torch = torch_or_skip()
    block = float64(nn.ResidualBlock(4, filters=(3, 5, 6), f=3, stride=stride))
    main, shortcut = _torch_seq(torch, block.main), _torch_seq(torch, block.shortcut)
    _compare(torch, block, lambda X: torch.relu(main(X) + shortcut(X)), randn(3, 6, 6, 4))


def test_inception_matches_torch():
    torch = torch_or_skip()
    module = float64(nn.InceptionModule(3, 2, 2, 3, 1, 2, 2))
    branches = [_torch_seq(torch, getattr(module, f"branch{i}")) for i in range(1, 5)]
    _compare(torch, module, lambda X: torch.cat([b(X) for b in branches], dim=1),
             Tensor(randn(2, 5, 6, 3).data - 1.0, requires_grad=True))
