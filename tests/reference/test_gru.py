"""The full GRU loop (npdeep.reference.gru), both variants: a hand computation, gru_backward
against central differences (float64, T_x = 1 and m = 1 included), and reset_after=True
against torch.nn.GRU with the gates mapped (skipped without torch)."""
import numpy as np
import pytest
from harness import assert_numerical_gradients, torch_or_skip

from npdeep.reference import gru_backward, gru_cell_forward, gru_forward
from npdeep.reference.rnn import sigmoid

SHAPES = [(3, 5, 4, 6), (2, 3, 1, 1), (1, 1, 1, 3), (4, 2, 3, 1)]   # (n_x, n_a, m, T_x)


def gru_problem(n_x, n_a, m, T_x, reset_after, seed=0):
    rng = np.random.default_rng(seed)
    parameters = {}
    for gate in ["u", "r", "c"]:
        parameters["W" + gate] = rng.standard_normal((n_a, n_a + n_x)) * 0.8
        parameters["b" + gate] = rng.standard_normal((n_a, 1)) * 0.5
    if reset_after:
        parameters["bc_rec"] = rng.standard_normal((n_a, 1)) * 0.5
    x = rng.standard_normal((n_x, m, T_x))
    c0 = rng.standard_normal((n_a, m))
    R = rng.standard_normal((n_a, m, T_x))    # J = Σ R ⊙ c, so that dc = R
    return x, c0, parameters, R


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_cell_by_hand(reset_after):
    # One unit, one example: Wu = Wr = 0 make the gates constants; Wc = [2, 1].
    parameters = {"Wu": np.zeros((1, 2)), "bu": np.array([[0.3]]), "Wr": np.zeros((1, 2)),
                  "br": np.array([[-0.4]]), "Wc": np.array([[2.0, 1.0]]),
                  "bc": np.array([[0.1]]), "bc_rec": np.array([[0.2]]),
                  "Wy": np.zeros((3, 1)), "by": np.zeros((3, 1))}
    c_prev, xt = 0.5, -1.5
    c_next, yt, _ = gru_cell_forward(np.array([[xt]]), np.array([[c_prev]]), parameters,
                                     reset_after=reset_after)
    u, r = sigmoid(0.3), sigmoid(-0.4)
    if reset_after:
        cc = np.tanh(1.0 * xt + 0.1 + r * (2.0 * c_prev + 0.2))
    else:
        cc = np.tanh(2.0 * r * c_prev + 1.0 * xt + 0.1)
    assert c_next[0, 0] == pytest.approx(u * cc + (1 - u) * c_prev, rel=1e-15)
    np.testing.assert_allclose(yt, 1 / 3, rtol=1e-15)


def test_gru_without_output_weights():
    x, c0, parameters, _ = gru_problem(2, 3, 2, 4, reset_after=False)
    c, y, caches = gru_forward(x, c0, parameters)
    assert y is None and c.shape == (3, 2, 4) and len(caches[0]) == 4


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_backward_matches_numerical_gradients(shape, reset_after):
    x, c0, parameters, R = gru_problem(*shape, reset_after, seed=sum(shape))
    _, _, caches = gru_forward(x, c0, parameters, reset_after)
    gradients = gru_backward(R, caches)

    def J():
        return np.sum(R * gru_forward(x, c0, parameters, reset_after)[0])

    checks = {"dx": x, "dc0": c0}
    checks.update({"d" + name: array for name, array in parameters.items()})
    assert_numerical_gradients(gradients, checks, J)


def test_gru_reset_after_matches_torch():
    """Wr = [W_hr | W_ir], br = b_ir + b_hr; Wu = −[W_hz | W_iz], bu = −(b_iz + b_hz);
    Wc = [W_hn | W_in], bc = b_in, bc_rec = b_hn (PyTorch's z keeps the old state)."""
    torch = torch_or_skip()
    n_x, n_a, m, T_x = 3, 4, 2, 5
    x, c0, parameters, R = gru_problem(n_x, n_a, m, T_x, reset_after=True, seed=5)
    c, _, caches = gru_forward(x, c0, parameters, reset_after=True)
    gradients = gru_backward(R, caches)

    gru = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    Wr, Wu, Wc = parameters["Wr"], -parameters["Wu"], parameters["Wc"]
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.tensor(np.concatenate([Wr[:, n_a:], Wu[:, n_a:],
                                                            Wc[:, n_a:]])))
        gru.weight_hh_l0.copy_(torch.tensor(np.concatenate([Wr[:, :n_a], Wu[:, :n_a],
                                                            Wc[:, :n_a]])))
        gru.bias_ih_l0.copy_(torch.tensor(np.concatenate(
            [parameters["br"][:, 0], -parameters["bu"][:, 0], parameters["bc"][:, 0]])))
        gru.bias_hh_l0.copy_(torch.tensor(np.concatenate(
            [np.zeros(n_a), np.zeros(n_a), parameters["bc_rec"][:, 0]])))
    x_t = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)      # (T_x, m, n_x)
    h0 = torch.tensor(c0.T[None].copy(), requires_grad=True)         # (1, m, n_a)
    out, _ = gru(x_t, h0)
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), c, rtol=1e-12,
                               atol=1e-13)
    (out * torch.tensor(R.transpose(2, 1, 0))).sum().backward()
    np.testing.assert_allclose(gradients["dx"], x_t.grad.numpy().transpose(2, 1, 0),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradients["dc0"], h0.grad.numpy()[0].T, rtol=1e-10, atol=1e-12)
    W_ih, W_hh = gru.weight_ih_l0.grad.numpy(), gru.weight_hh_l0.grad.numpy()
    b_ih, b_hh = gru.bias_ih_l0.grad.numpy(), gru.bias_hh_l0.grad.numpy()
    for k, (name, sign) in enumerate([("r", 1), ("u", -1), ("c", 1)]):
        rows = slice(k * n_a, (k + 1) * n_a)
        np.testing.assert_allclose(gradients["dW" + name],
                                   sign * np.concatenate([W_hh[rows], W_ih[rows]], axis=1),
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gradients["db" + name][:, 0], sign * b_ih[rows],
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradients["dbc_rec"][:, 0], b_hh[2 * n_a:], rtol=1e-10,
                               atol=1e-12)
