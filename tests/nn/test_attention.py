"""nn.Attention: its parameters pass a float64 gradient check; keys/step is the one call."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep.functional.attention import additive_attention
from npdeep.gradcheck import gradcheck
from npdeep.nn.attention import Attention
from npdeep.tensor import Tensor

from harness import GRADCHECK_TOL, randn


def _layer(n_s=3, n_A=4, n_d=5, activation="relu"):
    npdeep.manual_seed(0)
    layer = Attention(n_s, n_A, n_d, activation=activation)
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    return layer


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_parameters_gradcheck(activation):
    layer = _layer(activation=activation)
    s_prev, A = randn(2, 3, seed=1), randn(2, 6, 4, seed=2)
    mask = np.array([[True] * 6, [True, True, True, False, False, False]])
    params = layer.parameters()
    # b2 shifts every energy of a row equally: with a linear g the softmax ignores it
    # (zero gradient, nothing to compare); with relu it moves the zero crossings.
    def fn(*weights):
        c, alpha = additive_attention(s_prev, A, *weights, mask=mask, activation=activation)
        return F.concatenate([c, alpha], axis=1)

    result = gradcheck(fn, params)
    assert result.difference < GRADCHECK_TOL
    c, alpha = layer(s_prev, A, mask)
    c_ref, alpha_ref = fn(*params).data[:, :4], fn(*params).data[:, 4:]
    np.testing.assert_array_equal(c.data, c_ref)
    np.testing.assert_array_equal(alpha.data, alpha_ref)


def test_backward_reaches_every_parameter():
    layer = _layer(n_s=2, n_A=3, n_d=4, activation="linear")
    s_prev, A = randn(3, 2, seed=3), randn(3, 5, 3, seed=4)
    keys = layer.keys(A)
    c1, _ = layer.step(keys, s_prev)
    c2, _ = layer.step(keys, s_prev * 2.0)   # two steps share the keys, as the decoder does
    (c1 * c1 + c2).sum().backward()
    for name, p in layer.named_parameters():
        if name != "b2":   # see test_parameters_gradcheck
            assert p.grad is not None and np.abs(p.grad).sum() > 0, name
    assert np.abs(A.grad).sum() > 0 and np.abs(s_prev.grad).sum() > 0


def test_weights_sum_to_one():
    layer = _layer()
    _, alpha = layer(randn(4, 3), randn(4, 7, 4), mask=np.arange(7) < np.array([[7], [1],
                                                                                  [3], [5]]))
    np.testing.assert_allclose(alpha.data.sum(axis=1), 1.0, rtol=1e-12)
    assert alpha.data[1, 0] == 1.0 and np.all(alpha.data[1, 1:] == 0)


def test_parameters_and_repr():
    layer = Attention(64, 64)
    assert {n: p.shape for n, p in layer.named_parameters()} == {
        "W1": (10, 128), "b1": (10,), "W2": (1, 10), "b2": (1,)}
    assert repr(layer) == "Attention(n_s=64, n_A=64, n_d=10, activation='relu')"


def test_bad_input_is_named():
    layer = Attention(3, 4)
    with pytest.raises(ValueError, match=r"expected encoder activations of shape \(m, T_x, "
                       r"n_A\) = \(m, T_x, 4\) but got \(2, 5, 3\)"):
        layer(Tensor(np.zeros((2, 3), np.float32)), Tensor(np.zeros((2, 5, 3), np.float32)))
    with pytest.raises(ValueError, match=r"expected s_prev of shape \(m, n_s\) = \(2, 3\) but "
                       r"got \(2, 4\)"):
        layer(Tensor(np.zeros((2, 4), np.float32)), Tensor(np.zeros((2, 5, 4), np.float32)))
    with pytest.raises(ValueError, match="The 'activation' parameter of Attention must be"):
        Attention(3, 4, activation="sigmoid")
