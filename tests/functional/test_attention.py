"""additive_attention: the course's loop as the reference, gradient checks, masking, PyTorch."""
import numpy as np
import pytest

import npdeep.functional as F
from npdeep.functional.attention import (additive_attention, attention_keys, attention_step,
                                         attention_weights)
from npdeep.tensor import Tensor

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip

# (m, T_x, n_s, n_A, n_d): edge cases m = 1, T_x = 1, n_d = 1 among them.
SHAPES = [(3, 5, 4, 6, 3), (1, 1, 2, 2, 1), (2, 7, 3, 4, 10), (4, 2, 1, 3, 2)]


def _inputs(m, T_x, n_s, n_A, n_d, seed=0):
    return [randn(m, n_s, seed=seed), randn(m, T_x, n_A, seed=seed + 1),
            randn(n_d, n_s + n_A, seed=seed + 2), randn(n_d, seed=seed + 3),
            randn(1, n_d, seed=seed + 4), randn(1, seed=seed + 5)]


def _mask(m, T_x, seed=0):
    """Random real lengths in [1, T_x]: True on the first length positions of each row."""
    lengths = np.random.default_rng(seed).integers(1, T_x + 1, size=m)
    return np.arange(T_x)[None, :] < lengths[:, None]


def course_loop(s_prev, A, W1, b1, W2, b2, mask=None, activation="relu"):
    """The course's one_step_attention with explicit loops over examples and t': repeat
    s⟨t−1⟩, concatenate with a⟨t'⟩, Dense(n_d, tanh), Dense(1, g), softmax over t', Σ α a."""
    m, T_x, n_A = A.shape
    c = np.zeros((m, n_A))
    alpha = np.zeros((m, T_x))
    for i in range(m):
        e = np.full(T_x, -np.inf)
        for t in range(T_x):
            if mask is not None and not mask[i, t]:
                continue
            concat = np.concatenate([s_prev[i], A[i, t]])
            hidden = np.tanh(W1 @ concat + b1)
            e[t] = (W2 @ hidden + b2)[0]
            if activation == "relu":
                e[t] = max(e[t], 0.0)
        weights = np.exp(e - e.max())
        alpha[i] = weights / weights.sum()
        for t in range(T_x):
            c[i] += alpha[i, t] * A[i, t]
    return c, alpha


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("masked", [False, True])
def test_matches_the_course_loop(shape, activation, masked):
    inputs = _inputs(*shape)
    mask = _mask(shape[0], shape[1]) if masked else None
    c, alpha = additive_attention(*inputs, mask=mask, activation=activation)
    c_ref, alpha_ref = course_loop(*[t.data for t in inputs], mask=mask, activation=activation)
    np.testing.assert_allclose(alpha.data, alpha_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.data, c_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("masked", [False, True])
def test_gradcheck(shape, activation, masked):
    mask = _mask(shape[0], shape[1], seed=3) if masked else None

    def fn(*inputs):
        c, alpha = additive_attention(*inputs, mask=mask, activation=activation)
        # Both outputs, so that the gradient through α alone is checked too.
        return F.concatenate([c, alpha], axis=1)

    assert_gradcheck(fn, _inputs(*shape, seed=7))


def test_weights_sum_to_one_and_are_zero_on_padding():
    m, T_x = 6, 9
    inputs = _inputs(m, T_x, 4, 5, 3, seed=11)
    mask = _mask(m, T_x, seed=2)
    assert not mask.all()  # the case has padding
    _, alpha = additive_attention(*inputs, mask=mask)
    np.testing.assert_allclose(alpha.data.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(alpha.data[~mask] == 0.0)
    assert np.all(alpha.data[mask] > 0.0)


def test_padding_gets_exactly_zero_gradient():
    s_prev, A, W1, b1, W2, b2 = _inputs(3, 6, 2, 4, 3, seed=5)
    mask = _mask(3, 6, seed=4)
    c, alpha = additive_attention(s_prev, A, W1, b1, W2, b2, mask=mask)
    (c.sum() + (alpha * alpha).sum()).backward()
    assert np.all(A.grad[~mask] == 0.0)
    assert np.abs(A.grad[mask]).sum() > 0


def test_padded_values_do_not_change_the_result():
    s_prev, A, W1, b1, W2, b2 = _inputs(2, 5, 3, 4, 2, seed=9)
    mask = np.array([[True, True, True, False, False], [True] * 5])
    c1, _ = additive_attention(s_prev, A, W1, b1, W2, b2, mask=mask)
    A2 = A.data.copy()
    A2[0, 3:] = 1e6
    c2, _ = additive_attention(s_prev, Tensor(A2), W1, b1, W2, b2, mask=mask)
    np.testing.assert_allclose(c1.data, c2.data, rtol=1e-12)


def test_keys_and_step_are_the_one_call_form():
    s_prev, A, W1, b1, W2, b2 = _inputs(3, 4, 2, 5, 3, seed=1)
    c, alpha = additive_attention(s_prev, A, W1, b1, W2, b2, activation="linear")
    P = attention_keys(A, W1, b1, n_s=2)
    c2, alpha2 = attention_step(s_prev, A, P, W1[:, :2], W2, b2, activation="linear")
    np.testing.assert_array_equal(c.data, c2.data)
    np.testing.assert_array_equal(alpha.data, alpha2.data)


def test_attention_weights_gradcheck_with_mask():
    mask = _mask(4, 6, seed=8)
    assert_gradcheck(lambda e: attention_weights(e, mask), [randn(4, 6)])


def test_matches_torch():
    torch = torch_or_skip()
    mask = _mask(3, 5, seed=1)
    inputs = _inputs(3, 5, 4, 6, 3, seed=2)
    torch_mask = torch.tensor(mask)

    def ours(*inputs):
        c, alpha = additive_attention(*inputs, mask=mask)
        return F.concatenate([c, alpha], axis=1)

    def theirs(s_prev, A, W1, b1, W2, b2):
        m, T_x, _ = A.shape
        concat = torch.cat([s_prev[:, None, :].expand(m, T_x, -1), A], dim=2)
        e = torch.relu(torch.tanh(concat @ W1.T + b1) @ W2.T + b2)[..., 0]
        alpha = torch.softmax(e.masked_fill(~torch_mask, float("-inf")), dim=1)
        c = torch.einsum("mt,mtn->mn", alpha, A)
        return torch.cat([c, alpha], dim=1)

    assert_matches_torch(ours, theirs, inputs, atol=1e-10, rtol=1e-10)


def test_bad_inputs_are_named():
    s_prev, A, W1, b1, W2, b2 = _inputs(2, 3, 2, 4, 3)
    with pytest.raises(ValueError, match=r"additive_attention: W1 must have shape "
                       r"\(n_d, n_s \+ n_A\) = \(n_d, 6\) but got \(3, 5\)"):
        additive_attention(s_prev, A, randn(3, 5), b1, W2, b2)
    with pytest.raises(ValueError, match=r"s_prev must have shape \(m, n_s\) = \(2, n_s\)"):
        additive_attention(randn(3, 2), A, W1, b1, W2, b2)
    with pytest.raises(ValueError, match=r"A must have shape \(m, T_x, n_A\) but got \(2, 3\)"):
        additive_attention(s_prev, randn(2, 3), W1, b1, W2, b2)
    with pytest.raises(ValueError, match=r"W2 must have shape \(1, n_d\) = \(1, 3\)"):
        additive_attention(s_prev, A, W1, b1, randn(3, 1), b2)
    with pytest.raises(ValueError, match="'activation' parameter of additive_attention must "
                       "be one of"):
        additive_attention(s_prev, A, W1, b1, W2, b2, activation="softmax")
    with pytest.raises(ValueError, match=r"mask must have shape \(m, T_x\) = \(2, 3\)"):
        additive_attention(s_prev, A, W1, b1, W2, b2, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="mask row 1 has no True entry"):
        additive_attention(s_prev, A, W1, b1, W2, b2,
                           mask=np.array([[True, False, False], [False] * 3]))
