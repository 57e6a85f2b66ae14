"""npdeep.gradcheck and npdeep.gradcheck_model: they pass right gradients and catch wrong ones."""
import importlib
import sys

import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep import nn
from npdeep.autograd import Function
from npdeep.primitives import Mul

from harness import randn


class WrongTanh(Function):
    """tanh with a deliberately wrong derivative (1 − a instead of 1 − a²)."""

    @staticmethod
    def forward(ctx, Z):
        ctx.A = np.tanh(Z)
        return ctx.A

    @staticmethod
    def backward(ctx, dA):
        return dA * (1 - ctx.A)


def test_top_level_names_are_the_functions():
    assert callable(npdeep.gradcheck) and npdeep.gradcheck.__name__ == "gradcheck"
    assert npdeep.gradcheck_model.__name__ == "gradcheck_model"


def test_module_stays_importable():
    from npdeep.gradcheck import GradcheckResult, gradcheck, relative_difference
    module = sys.modules["npdeep.gradcheck"]
    assert module.gradcheck is gradcheck is npdeep.gradcheck
    assert importlib.import_module("npdeep.gradcheck") is module
    assert relative_difference(np.ones(2), np.ones(2)) == 0.0
    assert GradcheckResult(0.5) < 1


def test_right_gradient_passes():
    result = npdeep.gradcheck(F.tanh, [randn(3, 4)])
    assert result.difference < 1e-7
    assert result.per_input[0] < 1e-7 and result.names == ["input 0"]
    assert float(result) == result.difference


def test_wrong_gradient_is_detected():
    result = npdeep.gradcheck(WrongTanh.apply, [randn(3, 4)])
    assert result.difference > 1e-2
    assert not result < 1e-6


def test_per_input_results_point_at_the_wrong_input():
    class WrongMul(Mul):  # Mul's forward, a wrong backward
        @staticmethod
        def backward(ctx, dZ):
            return dZ * ctx.b, dZ * ctx.a * 2  # b's gradient is twice too large

    a, b = randn(3, seed=1), randn(3, seed=2)
    constant = randn(3, seed=3, requires_grad=False)
    result = npdeep.gradcheck(lambda x, y, c: WrongMul.apply(x, y) + c, [a, b, constant])
    assert result.per_input[0] < 1e-7
    assert result.per_input[1] > 0.1
    assert result.per_input[2] is None  # needs no gradient


def test_arrays_become_float64_inputs():
    result = npdeep.gradcheck(lambda x: (x * x).sum(), [np.arange(3.0)])
    assert result < 1e-7


def test_float32_inputs_are_refused():
    x = npdeep.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="gradcheck: input 0 has dtype float32; use float64"):
        npdeep.gradcheck(F.tanh, [x])


def test_no_input_requiring_a_gradient_is_refused():
    with pytest.raises(ValueError, match="gradcheck: no input requires a gradient"):
        npdeep.gradcheck(F.tanh, [randn(2, requires_grad=False)])


def test_non_contiguous_input():
    x = npdeep.tensor(np.random.default_rng(0).standard_normal((4, 3)).T, requires_grad=True)
    assert not x.data.flags.c_contiguous
    assert npdeep.gradcheck(F.tanh, [x]) < 1e-7


def test_inputs_are_restored():
    x = randn(3, 2)
    before = x.data.copy()
    npdeep.gradcheck(F.sigmoid, [x])
    np.testing.assert_array_equal(x.data, before)


def make_mlp():
    npdeep.manual_seed(0)
    # NOTE: no bias before batch norm (beta replaces it): its true gradient is exactly 0, and
    # the relative difference of two ~0 vectors (rounding noise) is meaningless.
    return nn.Sequential(nn.Linear(4, 5, bias=False), nn.BatchNorm1d(5), nn.ReLU(),
                         nn.Linear(5, 3))


def data(m=6):
    rng = np.random.default_rng(1)
    return rng.standard_normal((m, 4)).astype(np.float32), rng.integers(0, 3, size=m)


def test_gradcheck_model_mlp_with_l2_and_batch_norm():
    model = make_mlp()
    X, labels = data()
    result = npdeep.gradcheck_model(model, F.cross_entropy, X, labels, lambd=0.7)
    assert result.difference < 1e-6
    assert result.names == ["0.W", "1.gamma", "1.beta", "3.W", "3.b"]
    assert all(d < 1e-6 for d in result.per_input)


def test_gradcheck_model_detects_a_missing_l2_gradient():
    # A cost whose L2 term is invisible to backprop: the check must notice.
    model = make_mlp()
    X, labels = data()

    def cost_with_detached_l2(A, Y):
        W = model[0].W
        return F.cross_entropy(A, Y) + (W.detach() * W.detach()).sum() * 0.5

    assert npdeep.gradcheck_model(model, cost_with_detached_l2, X, labels) > 1e-3


def test_gradcheck_model_detects_a_wrong_layer():
    class WrongTanhLayer(nn.Module):
        def forward(self, Z):
            return WrongTanh.apply(Z)

    npdeep.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), WrongTanhLayer(), nn.Linear(5, 3))
    X, labels = data()
    result = npdeep.gradcheck_model(model, F.cross_entropy, X, labels)
    assert result.difference > 1e-3
    assert result.per_input[0] > 1e-3  # the layer below the wrong one is affected


def test_gradcheck_model_refuses_active_dropout():
    model = nn.Sequential(nn.Linear(4, 5), nn.Dropout(keep_prob=0.8), nn.Linear(5, 3))
    X, labels = data()
    with pytest.raises(ValueError, match=r"gradcheck_model: dropout layer 1 \(keep_prob=0.8\) "
                                         r"is active.*Call model.eval\(\) or use "
                                         r"keep_prob=1.0"):
        npdeep.gradcheck_model(model, F.cross_entropy, X, labels)
    # keep_prob = 1 or eval mode is fine.
    model[1] = nn.Dropout(keep_prob=1.0)
    assert npdeep.gradcheck_model(model, F.cross_entropy, X, labels) < 1e-6
    model[1] = nn.Dropout(keep_prob=0.5)
    model.eval()
    assert npdeep.gradcheck_model(model, F.cross_entropy, X, labels) < 1e-6


def test_gradcheck_model_restores_dtype_values_and_buffers():
    model = make_mlp()
    X, labels = data()
    before = model.state_dict()
    npdeep.gradcheck_model(model, F.cross_entropy, X, labels, lambd=0.1)
    after = model.state_dict()
    assert list(after) == list(before)
    for name in before:
        assert after[name].dtype == np.float32, name
        np.testing.assert_array_equal(after[name], before[name], err_msg=name)
    assert all(p.grad is None for p in model.parameters())
    assert model.training


def test_gradcheck_model_skips_frozen_parameters():
    model = make_mlp()
    model[0].freeze()
    X, labels = data()
    result = npdeep.gradcheck_model(model, F.cross_entropy, X, labels)
    assert result.names == ["1.gamma", "1.beta", "3.W", "3.b"]
    assert result < 1e-6
