"""Gradient clipping by value and by global norm."""
import numpy as np
import pytest
from harness import torch_or_skip

from npdeep import optim
from npdeep.nn import Parameter


def params_with_grads():
    rng = np.random.default_rng(0)
    params = [Parameter(rng.standard_normal((3, 4))), Parameter(rng.standard_normal(4)),
              Parameter(rng.standard_normal(2))]
    params[0].grad = rng.standard_normal((3, 4)) * 10
    params[1].grad = rng.standard_normal(4) * 10
    params[2].grad = None
    return params


def test_clip_grad_value_replaces_arrays():
    params = params_with_grads()
    originals = [p.grad for p in params[:2]]
    copies = [g.copy() for g in originals]
    optim.clip_grad_value(params, 5.0)
    for p, original, copy in zip(params, originals, copies):
        np.testing.assert_array_equal(p.grad, np.clip(copy, -5, 5))
        assert p.grad is not original
        np.testing.assert_array_equal(original, copy)  # never modified in place
    assert params[2].grad is None


def test_clip_grad_norm_matches_loop_and_torch():
    params = params_with_grads()
    originals = [p.grad.copy() for p in params[:2]]
    total = np.sqrt(sum((g ** 2).sum() for g in originals))
    norm = optim.clip_grad_norm(params, max_norm=1.0)
    assert norm == pytest.approx(total, rel=1e-12)
    new_total = np.sqrt(sum((p.grad ** 2).sum() for p in params[:2]))
    assert new_total == pytest.approx(1.0, rel=1e-5)
    for p, g in zip(params, originals):  # the direction is kept
        np.testing.assert_allclose(p.grad, g * (1.0 / (total + 1e-6)), rtol=1e-12)
    torch = torch_or_skip()
    tps = []
    for g in originals:
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g)
        tps.append(t)
    torch_norm = torch.nn.utils.clip_grad_norm_(tps, max_norm=1.0)
    assert norm == pytest.approx(float(torch_norm), rel=1e-12)
    for p, t in zip(params, tps):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-10)


def test_clip_grad_norm_below_max_changes_nothing():
    params = params_with_grads()
    before = [p.grad for p in params[:2]]
    norm = optim.clip_grad_norm(params, max_norm=1e6)
    assert norm > 1
    assert all(p.grad is g for p, g in zip(params, before))


def test_clip_errors():
    with pytest.raises(ValueError, match="The 'max_norm' parameter of clip_grad_norm must be "
                                         "a finite number > 0. Got -1 instead."):
        optim.clip_grad_norm([], -1)
    with pytest.raises(ValueError, match="'clip_value' parameter of clip_grad_value"):
        optim.clip_grad_value([], 0)
