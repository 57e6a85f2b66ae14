"""Dinosaur Island's training step (npdeep.reference.char_rnn): the course's published values
for optimize, and the loop's backward against central differences of its loss (float64)."""
import copy

import numpy as np
import pytest
from harness import numerical_gradient

from npdeep.gradcheck import relative_difference
from npdeep.reference import optimize
from npdeep.reference.char_rnn import rnn_backward, rnn_forward


def course_problem():
    """The assignment's optimize test: seed 1, a_prev first, then Wax, Waa, Wya, b, by."""
    np.random.seed(1)
    vocab_size, n_a = 27, 100
    a_prev = np.random.randn(n_a, 1)
    Wax, Waa = np.random.randn(n_a, vocab_size), np.random.randn(n_a, n_a)
    Wya = np.random.randn(vocab_size, n_a)
    b, by = np.random.randn(n_a, 1), np.random.randn(vocab_size, 1)
    parameters = {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}
    return [12, 3, 5, 11, 22, 3], [4, 14, 11, 22, 25, 26], a_prev, parameters


def test_optimize_course_values():
    X, Y, a_prev, parameters = course_problem()
    old = copy.deepcopy(parameters)
    loss, gradients, a_last = optimize(X, Y, a_prev, parameters, learning_rate=0.01)
    assert loss == pytest.approx(126.50397572165389, rel=1e-12)
    assert gradients["dWaa"][1][2] == pytest.approx(0.19470931534713587, rel=1e-10)
    assert np.argmax(gradients["dWax"]) == 93
    assert gradients["dWya"][1][2] == pytest.approx(-0.007773876032002162, rel=1e-10)
    assert gradients["db"][4][0] == pytest.approx(-0.06809825, abs=1e-8)
    assert gradients["dby"][1][0] == pytest.approx(0.01538192, abs=1e-8)
    assert a_last[4][0] == pytest.approx(-1.0, abs=1e-8)
    assert set(gradients) == {"dWax", "dWaa", "dWya", "db", "dby"}
    assert all(np.abs(g).max() <= 5 for g in gradients.values())
    for name in parameters:            # θ := θ − α dθ with the clipped gradient, in place
        np.testing.assert_allclose(parameters[name], old[name] - 0.01 * gradients["d" + name],
                                   rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("vocab_size, n_a, X", [(5, 4, [None, 1, 3, 2]), (3, 2, [None]),
                                                (4, 1, [None, 0])])
def test_backward_matches_numerical_gradients(vocab_size, n_a, X):
    rng = np.random.default_rng(vocab_size)
    parameters = {"Wax": rng.standard_normal((n_a, vocab_size)),
                  "Waa": rng.standard_normal((n_a, n_a)),
                  "Wya": rng.standard_normal((vocab_size, n_a)),
                  "b": rng.standard_normal((n_a, 1)), "by": rng.standard_normal((vocab_size, 1))}
    Y = [i for i in X[1:] if i is not None] + [0]
    a0 = rng.standard_normal((n_a, 1))
    loss, cache = rnn_forward(X, Y, a0, parameters, vocab_size)
    gradients, _ = rnn_backward(X, Y, parameters, cache)
    checks = dict(parameters, a_next=a0)
    for name, array in checks.items():
        numerical = numerical_gradient(lambda: rnn_forward(X, Y, a0, parameters, vocab_size)[0],
                                       array)
        key = "da_next" if name == "a_next" else "d" + name
        difference = relative_difference(gradients[key], numerical)
        assert difference < 1e-7, f"{key}: {difference:.3g}"
