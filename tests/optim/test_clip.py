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


def test_clip_grad_value_agrees_with_the_course_clip():
    """optim.clip_grad_value on Parameters = the course's clip on its dictionary."""
    from npdeep.reference import clip
    rng = np.random.default_rng(3)
    gradients = {"dWax": rng.standard_normal((5, 3)) * 10, "dWaa": rng.standard_normal((5, 5)),
                 "db": rng.standard_normal((5, 1)) * 10}
    params = []
    for g in gradients.values():
        p = Parameter(np.zeros_like(g))
        p.grad = g.copy()
        params.append(p)
    clip(gradients, 5)
    optim.clip_grad_value(params, 5)
    for p, g in zip(params, gradients.values()):
        np.testing.assert_array_equal(p.grad, g)


def test_clip_grad_norm_float32_does_not_overflow():
    # Σ g² of float32 entries 1e20 is 4e40 > float32's max: the squares are summed in float64.
    p = Parameter(np.zeros(4, dtype=np.float32))
    p.grad = np.full(4, 1e20, dtype=np.float32)
    norm = optim.clip_grad_norm(p, max_norm=1.0)      # one Parameter is accepted, as in torch
    assert norm == pytest.approx(2e20, rel=1e-6)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, 0.5, rtol=1e-6)


def test_clip_grad_norm_nonfinite():
    p = Parameter(np.zeros(3))
    p.grad = np.array([1.0, np.nan, 2.0])
    before = p.grad
    assert np.isnan(optim.clip_grad_norm([p], 1.0))
    assert p.grad is before                            # a NaN gradient cannot be rescaled
    with pytest.raises(FloatingPointError, match="clip_grad_norm: the total norm of the "
                                                 "gradients is nan"):
        optim.clip_grad_norm([p], 1.0, error_if_nonfinite=True)


def test_clip_wants_parameters_not_the_model():
    from npdeep import nn
    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"clip_grad_norm takes the parameters, not the model: "
                                        r"pass model.parameters\(\)"):
        optim.clip_grad_norm(model, 1.0)
    with pytest.raises(TypeError, match="clip_grad_value expected an iterable of Parameters, "
                                        "but it holds a ndarray"):
        optim.clip_grad_value([np.zeros(3)], 1.0)


def exploding_rnn_gradients(T_x):
    """The course's RNN (npdeep.reference) over T_x steps with a large Waa (gain 5: its
    dynamics are chaotic, so ∂a⟨T_x⟩/∂a⟨1⟩ grows exponentially with T_x); the loss is
    Σ a⟨T_x⟩ (da = 1 at the last step only). Returns dWax, dWaa, dba as Parameters' grads."""
    from npdeep.reference import rnn_backward, rnn_forward
    rng = np.random.default_rng(0)
    n_x, n_a, m = 3, 32, 4
    parameters = {"Wax": rng.standard_normal((n_a, n_x)) * 0.1,
                  "Waa": 5.0 * rng.standard_normal((n_a, n_a)) / np.sqrt(n_a),
                  "ba": np.zeros((n_a, 1)), "Wya": np.zeros((2, n_a)), "by": np.zeros((2, 1))}
    x = rng.standard_normal((n_x, m, T_x))
    a, _, caches = rnn_forward(x, np.zeros((n_a, m)), parameters)
    da = np.zeros_like(a)
    da[:, :, -1] = 1.0
    gradients = rnn_backward(da, caches)
    params = []
    for name in ["Wax", "Waa", "ba"]:
        p = Parameter(parameters[name])
        p.grad = gradients["d" + name]
        params.append(p)
    return params


def global_norm(params):
    return float(np.sqrt(sum(np.sum(p.grad ** 2) for p in params)))


def test_exploding_gradient_through_a_long_tanh_rnn_is_tamed():
    short = global_norm(exploding_rnn_gradients(T_x=5))
    params = exploding_rnn_gradients(T_x=50)
    before = global_norm(params)
    print(f"\n‖g‖ through a tanh RNN: T_x=5 {short:.3g}, T_x=50 {before:.3g}")
    assert before > 1e4 * short                 # it explodes with the length
    norm = optim.clip_grad_norm(params, max_norm=5.0)
    after = global_norm(params)
    print(f"clip_grad_norm(max_norm=5): returned {norm:.3g}, ‖g‖ after {after:.6g}")
    assert norm == pytest.approx(before, rel=1e-12)     # the norm before clipping
    assert after == pytest.approx(5.0, rel=1e-9)
    # By value (the course's clip to [−5, 5]): every entry bounded, the norm by 5·√(#entries).
    params = exploding_rnn_gradients(T_x=50)
    optim.clip_grad_value(params, 5.0)
    n_entries = sum(p.grad.size for p in params)
    after_value = global_norm(params)
    bound = 5 * np.sqrt(n_entries)
    print(f"clip_grad_value(5): ‖g‖ after {after_value:.4g} (at most 5·√{n_entries} = {bound:.4g})")
    assert max(np.abs(p.grad).max() for p in params) == 5.0
    assert after_value <= bound * (1 + 1e-12)
