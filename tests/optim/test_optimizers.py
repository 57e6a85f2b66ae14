"""Optimizers: hand-computed steps, golden trajectories, PyTorch peers, state and skipping."""
import math

import numpy as np
import pytest
from harness import torch_or_skip

import npdeep
import npdeep.functional as F
from npdeep import optim
from npdeep.nn import Parameter

OPTIMIZERS = {
    "GD": lambda ps, **kw: optim.GD(ps, learning_rate=0.1, **kw),
    "Momentum": lambda ps, **kw: optim.Momentum(ps, learning_rate=0.1, beta=0.9, **kw),
    "RMSprop": lambda ps, **kw: optim.RMSprop(ps, learning_rate=0.01, beta=0.9, **kw),
    "Adam": lambda ps, **kw: optim.Adam(ps, learning_rate=0.01, **kw),
}


def param(values):
    return Parameter(np.array(values, dtype=np.float64))


# ---------------------------------------------------------------- one step by hand
def test_gd_one_step_by_hand():
    W = param([[1.0, -2.0], [0.5, 3.0]])
    W.grad = np.array([[0.5, 1.0], [-1.0, 0.0]])
    optim.GD([W], learning_rate=0.1).step()
    np.testing.assert_allclose(W.data, [[0.95, -2.1], [0.6, 3.0]], rtol=0, atol=1e-15)


def test_momentum_one_step_by_hand():
    W = param([[1.0, -2.0]])
    opt = optim.Momentum([W], learning_rate=0.1, beta=0.9)
    W.grad = np.array([[0.5, 1.0]])
    opt.step()
    # v = 0.9·0 + 0.1·[0.5, 1] = [0.05, 0.1]; W = [1, −2] − 0.1·v
    np.testing.assert_allclose(W.data, [[0.995, -2.01]], atol=1e-15)
    W.grad = np.array([[1.0, -1.0]])
    opt.step()
    # v = 0.9·[0.05, 0.1] + 0.1·[1, −1] = [0.145, −0.01]
    np.testing.assert_allclose(W.data, [[0.995 - 0.0145, -2.01 + 0.001]], atol=1e-15)
    np.testing.assert_allclose(opt.state_dict()["v"], [0.145, -0.01], atol=1e-15)


def test_rmsprop_one_step_by_hand():
    W = param([[1.0, -2.0]])
    W.grad = np.array([[0.5, -2.0]])
    optim.RMSprop([W], learning_rate=0.01, beta=0.9, epsilon=1e-8).step()
    # s = 0.1·dW² = [0.025, 0.4]; step = 0.01·dW/(√s + ε)
    expected = [1.0 - 0.01 * 0.5 / (math.sqrt(0.025) + 1e-8),
                -2.0 + 0.01 * 2.0 / (math.sqrt(0.4) + 1e-8)]
    np.testing.assert_allclose(W.data[0], expected, atol=1e-15)


def test_adam_one_step_by_hand():
    # At t = 1 the bias correction makes v_corrected = dW and s_corrected = dW², so the step
    # is α·dW/(|dW| + ε) ≈ α·sign(dW): Adam's first step has size α in every coordinate.
    W = param([[1.0, -2.0, 0.0]])
    W.grad = np.array([[0.5, -3.0, 0.0]])
    opt = optim.Adam([W], learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8)
    opt.step()
    expected = [1.0 - 0.01 * 0.5 / (0.5 + 1e-8), -2.0 + 0.01 * 3.0 / (3.0 + 1e-8), 0.0]
    np.testing.assert_allclose(W.data[0], expected, atol=1e-15)
    state = opt.state_dict()
    np.testing.assert_allclose(state["v"], [0.05, -0.3, 0.0], atol=1e-15)
    np.testing.assert_allclose(state["s"], [0.00025, 0.009, 0.0], atol=1e-15)
    assert state["t"] == 1


# ---------------------------------------------------------------- golden trajectories
def scalar_reference(name, w, steps):
    """The update rules on one Python float, minimizing J = w²/2 (dJ/dw = w)."""
    v = s = 0.0
    out = []
    for t in range(1, steps + 1):
        g = w
        if name == "GD":
            w -= 0.1 * g
        elif name == "Momentum":
            v = 0.9 * v + 0.1 * g
            w -= 0.1 * v
        elif name == "RMSprop":
            s = 0.9 * s + 0.1 * g * g
            w -= 0.01 * g / (math.sqrt(s) + 1e-8)
        else:
            v = 0.9 * v + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            w -= 0.01 * (v / (1 - 0.9 ** t)) / (math.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
        out.append(w)
    return out


GOLDEN = {  # w after steps 1..4 from w = 2 on J = w²/2
    "GD": [1.8, 1.62, 1.458, 1.3122],
    "Momentum": [1.98, 1.9422, 1.888758, 1.82177262],
    "RMSprop": [1.968377224, 1.945609637, 1.926633683, 1.909847393],
    "Adam": [1.99, 1.980001338, 1.970004912, 1.96001162],
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_golden_trajectory(name):
    w = param([2.0])
    opt = OPTIMIZERS[name]([w])
    trajectory = []
    for _ in range(4):
        w.grad = w.data.copy()
        opt.step()
        trajectory.append(float(w.data[0]))
    np.testing.assert_allclose(trajectory, scalar_reference(name, 2.0, 4), rtol=1e-13)
    np.testing.assert_allclose(trajectory, GOLDEN[name], rtol=1e-6)


# ---------------------------------------------------------------- PyTorch peer
def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((5, 4)), rng.standard_normal(5),
              rng.standard_normal((3, 5)), rng.standard_normal(3)]
    X = rng.standard_normal((8, 4))
    Y = rng.integers(0, 3, 8)
    return arrays, X, Y


def npdeep_grads(params, X, Y):
    W1, b1, W2, b2 = params
    A1 = F.tanh(F.linear(npdeep.tensor(X, dtype=np.float64), W1, b1))
    J = F.cross_entropy(F.linear(A1, W2, b2), Y)
    for p in params:
        p.grad = None
    J.backward()


def torch_grads(torch, params, X, Y):
    W1, b1, W2, b2 = params
    A1 = torch.tanh(torch.tensor(X) @ W1.T + b1)
    J = torch.nn.functional.cross_entropy(A1 @ W2.T + b2, torch.tensor(Y))
    for p in params:
        p.grad = None
    J.backward()

def step_alongside_torch(torch, params, opt, torch_params, torch_opt, X, Y, steps):
    """``steps`` steps of both optimizers on the same problem, each from its own gradients."""
    for _ in range(steps):
        npdeep_grads(params, X, Y)
        opt.step()
        torch_grads(torch, torch_params, X, Y)
        torch_opt.step()


TORCH_OPTIMIZERS = {
    "GD": lambda t, groups: t.optim.SGD(groups, lr=0.1),
    # The course's momentum is SGD with dampening β, i.e. v := β·v + (1 − β)·dW (see
    # Momentum's docstring).
    "Momentum": lambda t, groups: t.optim.SGD(groups, lr=0.1, momentum=0.9, dampening=0.9),
    "RMSprop": lambda t, groups: t.optim.RMSprop(groups, lr=0.01, alpha=0.9, eps=1e-8),
    "Adam": lambda t, groups: t.optim.Adam(groups, lr=0.01, betas=(0.9, 0.999), eps=1e-8),
}


@pytest.mark.parametrize("lambd", [0.0, 0.05])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_ten_steps_match_torch(name, lambd):
    torch = torch_or_skip()
    arrays, X, Y = make_problem()
    params = [Parameter(a.copy()) for a in arrays]
    torch_params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = OPTIMIZERS[name](params, lambd=lambd)
    # npdeep decays only the weights (ndim >= 2); give torch the same split.
    groups = [{"params": [torch_params[0], torch_params[2]], "weight_decay": lambd},
              {"params": [torch_params[1], torch_params[3]], "weight_decay": 0.0}]
    torch_opt = TORCH_OPTIMIZERS[name](torch, groups)
    if name == "Momentum":  # start torch's buffer at v = 0, as the course does
        for p in torch_params:
            torch_opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
    step_alongside_torch(torch, params, opt, torch_params, torch_opt, X, Y, steps=10)
    for p, tp in zip(params, torch_params):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert any(not np.allclose(p.data, a) for p, a in zip(params, arrays))  # it moved


def test_lambd_is_course_l2_term_over_m():
    """GD with lambd = λ/m takes the same step as GD on J + λ/(2m)·‖W‖² with lambd = 0."""
    arrays, X, Y = make_problem(1)
    lam, m = 0.7, X.shape[0]
    a = [Parameter(x.copy()) for x in arrays]
    b = [Parameter(x.copy()) for x in arrays]
    npdeep_grads(a, X, Y)
    optim.GD(a, learning_rate=0.1, lambd=lam / m).step()
    W1, b1, W2, b2 = b
    A1 = F.tanh(F.linear(npdeep.tensor(X, dtype=np.float64), W1, b1))
    J = F.cross_entropy(F.linear(A1, W2, b2), Y) + F.l2_penalty([W1, W2], lam, m)
    J.backward()
    optim.GD(b, learning_rate=0.1).step()
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- state, skipping, in place
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_round_trip_continues_identically(name):
    arrays, X, Y = make_problem(2)
    a = [Parameter(x.copy()) for x in arrays]
    opt_a = OPTIMIZERS[name](a, lambd=0.01)
    for _ in range(3):
        npdeep_grads(a, X, Y)
        opt_a.step()
    state = opt_a.state_dict()
    b = [Parameter(p.data.copy()) for p in a]
    opt_b = OPTIMIZERS[name](b, lambd=0.01)
    opt_b.load_state_dict(state)
    for name_, value in state.items():  # the saved copy is not a live view
        assert not isinstance(value, np.ndarray) or not np.shares_memory(
            value, opt_a._state.get(name_, np.empty(0)))
    for _ in range(3):
        npdeep_grads(a, X, Y)
        opt_a.step()
        npdeep_grads(b, X, Y)
        opt_b.step()
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p.data, q.data)
    assert opt_b.t == opt_a.t == 6


def test_state_dict_contents_and_errors():
    arrays, _, _ = make_problem()
    opt = optim.Adam([Parameter(a) for a in arrays], learning_rate=0.002)
    state = opt.state_dict()
    assert set(state) == {"learning_rate", "t", "v", "s"}
    assert state["v"].shape == (sum(a.size for a in arrays),)
    assert state["learning_rate"] == 0.002 and state["t"] == 0
    with pytest.raises(KeyError, match="missing entries"):
        opt.load_state_dict({"learning_rate": 0.1, "t": 0, "v": state["v"]})
    bad = dict(state, s=np.zeros(3))
    with pytest.raises(ValueError, match=r"'s' has shape \(3,\)"):
        opt.load_state_dict(bad)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_skips_grad_none_and_frozen(name):
    arrays, X, Y = make_problem(3)
    params = [Parameter(a.copy()) for a in arrays]
    opt = OPTIMIZERS[name](params)
    npdeep_grads(params, X, Y)
    params[1].grad = None             # no gradient
    params[2].requires_grad = False   # frozen, even though it holds a stale gradient
    before = [p.data.copy() for p in params]
    opt.step()
    np.testing.assert_array_equal(params[1].data, before[1])
    np.testing.assert_array_equal(params[2].data, before[2])
    assert not np.array_equal(params[0].data, before[0])
    assert not np.array_equal(params[3].data, before[3])
    for key, buffer in opt.state_dict().items():
        if isinstance(buffer, np.ndarray):  # the skipped parameters' moments stay 0
            assert not buffer[opt._slices[1]].any() and not buffer[opt._slices[2]].any()
            assert buffer[opt._slices[0]].any()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_partial_step_equals_full_step_on_the_active_ones(name):
    """The per-parameter path (some skipped) computes what the flat path computes."""
    arrays, X, Y = make_problem(4)
    a = [Parameter(x.copy()) for x in arrays]
    b = [Parameter(x.copy()) for x in arrays[:2]]
    opt_a, opt_b = OPTIMIZERS[name](a, lambd=0.1), OPTIMIZERS[name](b, lambd=0.1)
    for _ in range(3):
        npdeep_grads(a, X, Y)
        a[2].grad = a[3].grad = None
        b[0].grad, b[1].grad = a[0].grad.copy(), a[1].grad.copy()
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(a[0].data, b[0].data, rtol=1e-14)
    np.testing.assert_allclose(a[1].data, b[1].data, rtol=1e-14)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_updates_in_place_and_never_writes_grad(name):
    arrays, X, Y = make_problem(5)
    params = [Parameter(a.copy()) for a in arrays]
    opt = OPTIMIZERS[name](params, lambd=0.1)
    npdeep_grads(params, X, Y)
    datas = [p.data for p in params]
    grads = [p.grad.copy() for p in params]
    opt.step()
    for p, d, g in zip(params, datas, grads):
        assert p.data is d
        np.testing.assert_array_equal(p.grad, g)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_stays_float32(name):
    W = Parameter(np.ones((3, 2), dtype=np.float32))
    W.grad = np.full((3, 2), 0.5, dtype=np.float32)
    opt = OPTIMIZERS[name]([W], lambd=0.1)
    opt.step()
    assert W.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state_dict().values()
               if isinstance(v, np.ndarray))


def test_learning_rate_is_mutable():
    W = param([1.0])
    opt = optim.GD([W], learning_rate=0.1)
    opt.learning_rate = 0.5
    W.grad = np.array([1.0])
    opt.step()
    np.testing.assert_allclose(W.data, [0.5])


def test_zero_grad():
    arrays, X, Y = make_problem()
    params = [Parameter(a) for a in arrays]
    npdeep_grads(params, X, Y)
    opt = optim.GD(params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_without_any_gradient_does_nothing():
    W = param([1.0, 2.0])
    opt = optim.Adam([W])
    opt.step()
    assert opt.t == 0
    np.testing.assert_array_equal(W.data, [1.0, 2.0])


def test_hyperparameter_errors():
    W = param([1.0])
    with pytest.raises(ValueError, match=r"The 'learning_rate' parameter of Adam must be a "
                                         r"finite number > 0. Got -0.1 instead."):
        optim.Adam([W], learning_rate=-0.1)
    with pytest.raises(ValueError, match=r"The 'beta' parameter of Momentum must be a finite "
                                         r"number in \[0, 1\). Got 1.0 instead."):
        optim.Momentum([W], beta=1.0)
    with pytest.raises(ValueError, match="'beta2' parameter of Adam"):
        optim.Adam([W], beta2=1.5)
    with pytest.raises(ValueError, match="'epsilon' parameter of RMSprop"):
        optim.RMSprop([W], epsilon=0)
    with pytest.raises(ValueError, match="'lambd' parameter of GD"):
        optim.GD([W], lambd=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.GD([])
    with pytest.raises(TypeError, match="not a single Tensor"):
        optim.GD(W)
    with pytest.raises(TypeError, match=r"params\[0\] is a ndarray"):
        optim.GD([np.zeros(3)])
    with pytest.raises(ValueError, match="more than once"):
        optim.GD([W, W])


def test_grad_shape_mismatch_is_reported():
    W = param([[1.0, 2.0]])
    W.grad = np.ones(2)
    with pytest.raises(ValueError, match=r"params\[0\] has shape \(1, 2\) but its grad has "
                                         r"shape \(2,\)"):
        optim.GD([W]).step()


# ---------------------------------------------------------------- the learning rate set by hand
@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("bad", [-1, 0, -0.5, float("nan"), float("inf"), "0.1", None, True])
def test_learning_rate_set_by_hand_is_checked(name, bad):
    # opt.learning_rate = -1 trained uphill without a word.
    opt = OPTIMIZERS[name]([param([1.0])])
    with pytest.raises(ValueError, match=rf"^The 'learning_rate' parameter of {name} must be a "
                                         r"finite number > 0. Got .* instead."):
        opt.learning_rate = bad
    assert opt.learning_rate > 0  # unchanged


def test_learning_rate_setter_stores_a_float():
    opt = optim.Adam([param([1.0])])
    opt.learning_rate = np.float32(0.25)
    assert type(opt.learning_rate) is float and opt.learning_rate == 0.25
    with pytest.raises(ValueError, match=r"Got -1.0 instead"):
        opt.load_state_dict({**opt.state_dict(), "learning_rate": np.float64(-1.0)})


def test_a_schedule_returning_a_negative_rate_is_refused_through_the_setter():
    opt = optim.GD([param([1.0])], learning_rate=0.1)
    schedule = lambda epoch: -1.0  # noqa: E731
    with pytest.raises(ValueError, match=r"The 'learning_rate' parameter of GD must be a finite "
                                         r"number > 0. Got -1.0 instead."):
        opt.learning_rate = schedule(1)


# ---------------------------------------------------------------- PyTorch's names
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_lr_names_learning_rate(name):
    Optimizer = getattr(optim, name)
    with pytest.raises(TypeError, match=rf"^{name} has no 'lr': npdeep uses the course's name: "
                                        r"lr=α is learning_rate=α$"):
        Optimizer([param([1.0])], lr=0.1)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_weight_decay_names_lambd_and_the_conversion(name):
    Optimizer = getattr(optim, name)
    with pytest.raises(TypeError, match=rf"^{name} has no 'weight_decay': npdeep uses the "
                                        r"course's lambd: lambd·W is added to the gradient of "
                                        r"every weight, as PyTorch's weight_decay is, so "
                                        r"weight_decay=wd is lambd=wd \(the course's cost term "
                                        r"λ/\(2m\)·Σ‖W‖² is lambd=λ/m\)$"):
        Optimizer([param([1.0])], weight_decay=1e-4)


@pytest.mark.parametrize("build, message", [
    (lambda ps: optim.Adam(ps, betas=(0.9, 0.99)),
     r"^Adam has no 'betas': .* betas=\(β1, β2\) is beta1=β1, beta2=β2$"),
    (lambda ps: optim.Adam(ps, eps=1e-7), r"^Adam has no 'eps': .* eps=ε is epsilon=ε$"),
    (lambda ps: optim.RMSprop(ps, alpha=0.99), r"^RMSprop has no 'alpha': .* PyTorch's "
                                               r"alpha=0.99 is beta=0.99$"),
    (lambda ps: optim.GD(ps, momentum=0.9), r"^GD has no 'momentum': npdeep's momentum is its "
                                            r"own optimizer, optim.Momentum\(params, beta=β\)"),
    (lambda ps: optim.Momentum(ps, momentum=0.9),
     r"^Momentum has no 'momentum': .* PyTorch's SGD\(lr=α, momentum=β\) omits the \(1 − β\), "
     r"so it equals Momentum\(learning_rate=α/\(1 − β\), beta=β\)$"),
])
def test_other_pytorch_names_give_the_conversion(build, message):
    with pytest.raises(TypeError, match=message):
        build([param([1.0])])


def test_weight_decay_conversion_matches_torch():
    """The message's weight_decay=wd <=> lambd=wd, checked on one step against PyTorch."""
    torch = torch_or_skip()
    W0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    dW = np.array([[0.5, 1.0], [-1.0, 0.0]])
    W = Parameter(W0.copy())
    W.grad = dW
    optim.GD([W], learning_rate=0.1, lambd=0.3).step()
    W_t = torch.tensor(W0.copy(), requires_grad=True)
    W_t.grad = torch.tensor(dW)
    torch.optim.SGD([W_t], lr=0.1, weight_decay=0.3).step()
    np.testing.assert_allclose(W.data, W_t.detach().numpy(), rtol=0, atol=1e-15)


def test_sgd_momentum_conversion_matches_torch():
    """The message's SGD(lr=α, momentum=β) == Momentum(learning_rate=α/(1 − β), beta=β)."""
    torch = torch_or_skip()
    arrays, X, Y = make_problem(3)
    alpha, beta = 0.05, 0.9
    params = [Parameter(a.copy()) for a in arrays]
    torch_params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = optim.Momentum(params, learning_rate=alpha / (1 - beta), beta=beta)
    torch_opt = torch.optim.SGD(torch_params, lr=alpha, momentum=beta)
    step_alongside_torch(torch, params, opt, torch_params, torch_opt, X, Y, steps=5)
    for p, tp in zip(params, torch_params):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
