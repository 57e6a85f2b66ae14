"""The course's LSTM (npdeep.reference.lstm): its published values, a hand computation,
lstm_backward against central differences (float64, T_x = 1 and m = 1 included), and the
loop against torch.nn.LSTM with the gates mapped (skipped without torch)."""
import numpy as np
import pytest
from harness import assert_numerical_gradients, torch_or_skip

from npdeep.reference import lstm_backward, lstm_cell_forward, lstm_forward
from npdeep.reference.rnn import sigmoid

SHAPES = [(3, 5, 4, 6), (2, 3, 1, 1), (1, 1, 1, 3), (4, 2, 3, 1)]   # (n_x, n_a, m, T_x)
GATES = ["f", "i", "c", "o"]


def course_parameters(n_x=3, n_a=5, n_y=2):
    """The assignment's draw order: Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by."""
    parameters = {}
    for gate in ["f", "i", "o", "c"]:
        parameters["W" + gate] = np.random.randn(n_a, n_a + n_x)
        parameters["b" + gate] = np.random.randn(n_a, 1)
    parameters["Wy"] = np.random.randn(n_y, n_a)
    parameters["by"] = np.random.randn(n_y, 1)
    return parameters


def lstm_problem(n_x, n_a, m, T_x, n_y=2, seed=0):
    rng = np.random.default_rng(seed)
    parameters = {}
    for gate in GATES:
        parameters["W" + gate] = rng.standard_normal((n_a, n_a + n_x)) * 0.8
        parameters["b" + gate] = rng.standard_normal((n_a, 1)) * 0.5
    parameters["Wy"] = rng.standard_normal((n_y, n_a))
    parameters["by"] = rng.standard_normal((n_y, 1))
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    R = rng.standard_normal((n_a, m, T_x))    # J = Σ R ⊙ a, so that da = R
    return x, a0, parameters, R


def test_lstm_cell_forward_course_values():
    np.random.seed(1)
    xt = np.random.randn(3, 10)
    a_prev = np.random.randn(5, 10)
    c_prev = np.random.randn(5, 10)
    a_next, c_next, yt, cache = lstm_cell_forward(xt, a_prev, c_prev, course_parameters())
    np.testing.assert_allclose(a_next[4], [-0.66408471, 0.0036921, 0.02088357, 0.22834167,
                                           -0.85575339, 0.00138482, 0.76566531, 0.34631421,
                                           -0.00215674, 0.43827275], atol=1e-8)
    np.testing.assert_allclose(c_next[2], [0.63267805, 1.00570849, 0.35504474, 0.20690913,
                                           -1.64566718, 0.11832942, 0.76449811, -0.0981561,
                                           -0.74348425, -0.26810932], atol=1e-8)
    np.testing.assert_allclose(yt[1], [0.79913913, 0.15986619, 0.22412122, 0.15606108,
                                       0.97057211, 0.31146381, 0.00943007, 0.12666353,
                                       0.39380172, 0.07828381], atol=1e-8)
    np.testing.assert_allclose(cache[1][3], [-0.16263996, 1.03729328, 0.72938082, -0.54101719,
                                             0.02752074, -0.30821874, 0.07651101, -1.03752894,
                                             1.41219977, -0.37647422], atol=1e-8)
    assert len(cache) == 10


def test_lstm_forward_course_values():
    np.random.seed(1)
    x = np.random.randn(3, 10, 7)
    a0 = np.random.randn(5, 10)
    a, y, c, caches = lstm_forward(x, a0, course_parameters())
    assert a[4][3][6] == pytest.approx(0.172117767533, abs=1e-11)
    assert y[1][4][3] == pytest.approx(0.95087346185, abs=1e-10)
    assert c[1][2][1] == pytest.approx(-0.855544916718, abs=1e-11)
    np.testing.assert_allclose(caches[1][1][1], [0.82797464, 0.23009474, 0.76201118,
                                                 -0.22232814, -0.20075807, 0.18656139,
                                                 0.41005165], atol=1e-8)
    assert a.shape == c.shape == (5, 10, 7) and y.shape == (2, 10, 7) and len(caches) == 2


def test_lstm_cell_by_hand():
    # One unit, one example, all weights 0 except the biases: every gate is a constant.
    parameters = {"Wf": np.zeros((1, 2)), "bf": np.array([[1.0]]), "Wi": np.zeros((1, 2)),
                  "bi": np.array([[-1.0]]), "Wc": np.zeros((1, 2)), "bc": np.array([[0.5]]),
                  "Wo": np.zeros((1, 2)), "bo": np.array([[2.0]]), "Wy": np.zeros((2, 1)),
                  "by": np.zeros((2, 1))}
    a_next, c_next, yt, _ = lstm_cell_forward(np.ones((1, 1)), np.ones((1, 1)),
                                              np.array([[3.0]]), parameters)
    c = sigmoid(1.0) * 3.0 + sigmoid(-1.0) * np.tanh(0.5)
    assert c_next[0, 0] == pytest.approx(c, rel=1e-15)
    assert a_next[0, 0] == pytest.approx(sigmoid(2.0) * np.tanh(c), rel=1e-15)
    np.testing.assert_allclose(yt, 0.5, rtol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_backward_matches_numerical_gradients(shape):
    x, a0, parameters, R = lstm_problem(*shape, seed=sum(shape))
    _, _, _, caches = lstm_forward(x, a0, parameters)
    gradients = lstm_backward(R, caches)

    def J():
        return np.sum(R * lstm_forward(x, a0, parameters)[0])

    checks = {"dx": x, "da0": a0}
    for gate in GATES:
        checks["dW" + gate] = parameters["W" + gate]
        checks["db" + gate] = parameters["b" + gate]
    assert_numerical_gradients(gradients, checks, J)


def test_lstm_matches_torch():
    """Wi = [W_hi | W_ii], bi = b_ii + b_hi, and so on for f, c (PyTorch's g) and o."""
    torch = torch_or_skip()
    n_x, n_a, m, T_x = 3, 4, 2, 5
    x, a0, parameters, R = lstm_problem(n_x, n_a, m, T_x, seed=11)
    a, _, c, caches = lstm_forward(x, a0, parameters)
    gradients = lstm_backward(R, caches)

    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    order = ["i", "f", "c", "o"]                       # PyTorch's (i, f, g, o)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(np.concatenate(
            [parameters["W" + g][:, n_a:] for g in order])))
        lstm.weight_hh_l0.copy_(torch.tensor(np.concatenate(
            [parameters["W" + g][:, :n_a] for g in order])))
        lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate(
            [parameters["b" + g][:, 0] for g in order])))
        lstm.bias_hh_l0.zero_()
    x_t = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)      # (T_x, m, n_x)
    h0 = torch.tensor(a0.T[None].copy(), requires_grad=True)         # (1, m, n_a)
    c0 = torch.zeros((1, m, n_a), dtype=torch.float64)
    out, (h_T, c_T) = lstm(x_t, (h0, c0))
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), a, rtol=1e-12,
                               atol=1e-13)
    np.testing.assert_allclose(c_T.detach().numpy()[0].T, c[:, :, -1], rtol=1e-12, atol=1e-13)
    (out * torch.tensor(R.transpose(2, 1, 0))).sum().backward()
    np.testing.assert_allclose(gradients["dx"], x_t.grad.numpy().transpose(2, 1, 0),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradients["da0"], h0.grad.numpy()[0].T, rtol=1e-10, atol=1e-12)
    W_ih, W_hh = lstm.weight_ih_l0.grad.numpy(), lstm.weight_hh_l0.grad.numpy()
    b_ih = lstm.bias_ih_l0.grad.numpy()
    for k, g in enumerate(order):
        rows = slice(k * n_a, (k + 1) * n_a)
        np.testing.assert_allclose(gradients["dW" + g],
                                   np.concatenate([W_hh[rows], W_ih[rows]], axis=1),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gradients["db" + g][:, 0], b_ih[rows], rtol=1e-10,
                                   atol=1e-12)
