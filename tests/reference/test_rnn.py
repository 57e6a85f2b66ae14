"""The course's basic RNN, clip and sample (npdeep.reference.rnn).

- the course's published test values (Step by Step and Dinosaur Island, seeded draws);
- a one-unit hand computation of the forward loop;
- rnn_backward against central differences of the loop forward (float64), on several shapes
  including T_x = 1 and m = 1;
- the loop against torch.nn.RNN with the weights copied across (skipped without torch).
"""
import numpy as np
import pytest
from harness import assert_numerical_gradients, torch_or_skip

from npdeep.reference import clip, rnn_backward, rnn_cell_forward, rnn_forward, sample

SHAPES = [(3, 5, 4, 6), (2, 3, 1, 1), (1, 1, 1, 3), (4, 2, 3, 1)]   # (n_x, n_a, m, T_x)
CHARS = ["\n"] + [chr(ord("a") + i) for i in range(26)]           # dinos.txt's 27 characters


def rnn_problem(n_x, n_a, m, T_x, n_y=2, seed=0, scale=0.7):
    rng = np.random.default_rng(seed)
    parameters = {"Wax": rng.standard_normal((n_a, n_x)) * scale,
                  "Waa": rng.standard_normal((n_a, n_a)) * scale,
                  "Wya": rng.standard_normal((n_y, n_a)), "ba": rng.standard_normal((n_a, 1)),
                  "by": rng.standard_normal((n_y, 1))}
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    R = rng.standard_normal((n_a, m, T_x))    # J = Σ R ⊙ a, so that da = R
    return x, a0, parameters, R


def test_rnn_cell_forward_course_values():
    np.random.seed(1)
    xt = np.random.randn(3, 10)
    a_prev = np.random.randn(5, 10)
    parameters = {"Waa": np.random.randn(5, 5), "Wax": np.random.randn(5, 3),
                  "Wya": np.random.randn(2, 5), "ba": np.random.randn(5, 1),
                  "by": np.random.randn(2, 1)}
    a_next, yt_pred, cache = rnn_cell_forward(xt, a_prev, parameters)
    np.testing.assert_allclose(a_next[4], [0.59584544, 0.18141802, 0.61311866, 0.99808218,
                                           0.85016201, 0.99980978, -0.18887155, 0.99815551,
                                           0.6531151, 0.82872037], atol=1e-8)
    np.testing.assert_allclose(yt_pred[1], [0.9888161, 0.01682021, 0.21140899, 0.36817467,
                                            0.98988387, 0.88945212, 0.36920224, 0.9966312,
                                            0.9982559, 0.17746526], atol=1e-8)
    assert a_next.shape == (5, 10) and yt_pred.shape == (2, 10)
    assert cache[0] is a_next and cache[1] is a_prev and cache[2] is xt


def test_rnn_forward_course_values():
    np.random.seed(1)
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    parameters = {"Waa": np.random.randn(5, 5), "Wax": np.random.randn(5, 3),
                  "Wya": np.random.randn(2, 5), "ba": np.random.randn(5, 1),
                  "by": np.random.randn(2, 1)}
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    np.testing.assert_allclose(a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267],
                               atol=1e-8)
    np.testing.assert_allclose(y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947],
                               atol=1e-8)
    np.testing.assert_allclose(caches[1][1][3], [-1.1425182, -0.34934272, -0.20889423,
                                                 0.58662319], atol=1e-8)
    assert a.shape == (5, 10, 4) and y_pred.shape == (2, 10, 4) and len(caches) == 2


def test_rnn_forward_by_hand():
    # One unit, one example, two steps: a1 = tanh(0.5·0 + 2·1 + 0.1), a2 = tanh(0.5 a1 + 2·(−1)
    # + 0.1); with Wya = 0 the two-class softmax is 1/2, 1/2.
    parameters = {"Wax": np.array([[2.0]]), "Waa": np.array([[0.5]]), "ba": np.array([[0.1]]),
                  "Wya": np.zeros((2, 1)), "by": np.zeros((2, 1))}
    x = np.array([1.0, -1.0]).reshape(1, 1, 2)
    a, y_pred, _ = rnn_forward(x, np.zeros((1, 1)), parameters)
    a1 = np.tanh(2.1)
    a2 = np.tanh(0.5 * a1 - 1.9)
    np.testing.assert_allclose(a[0, 0], [a1, a2], rtol=1e-15)
    np.testing.assert_allclose(y_pred[:, 0, :], 0.5, rtol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_backward_matches_numerical_gradients(shape):
    x, a0, parameters, R = rnn_problem(*shape, seed=sum(shape))
    a, _, caches = rnn_forward(x, a0, parameters)
    gradients = rnn_backward(R, caches)

    def J():
        return np.sum(R * rnn_forward(x, a0, parameters)[0])

    checks = {"dx": x, "da0": a0, "dWax": parameters["Wax"], "dWaa": parameters["Waa"],
              "dba": parameters["ba"]}
    assert_numerical_gradients(gradients, checks, J)


def test_rnn_matches_torch():
    torch = torch_or_skip()
    n_x, n_a, m, T_x = 3, 4, 2, 5
    x, a0, parameters, R = rnn_problem(n_x, n_a, m, T_x, seed=7)
    a, _, caches = rnn_forward(x, a0, parameters)
    gradients = rnn_backward(R, caches)

    rnn = torch.nn.RNN(n_x, n_a, nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(parameters["Wax"]))
        rnn.weight_hh_l0.copy_(torch.tensor(parameters["Waa"]))
        rnn.bias_ih_l0.copy_(torch.tensor(parameters["ba"][:, 0]))
        rnn.bias_hh_l0.zero_()          # ba = b_ih + b_hh
    x_t = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)      # (T_x, m, n_x)
    h0 = torch.tensor(a0.T[None].copy(), requires_grad=True)         # (1, m, n_a)
    out, _ = rnn(x_t, h0)                                            # (T_x, m, n_a)
    np.testing.assert_allclose(out.detach().numpy().transpose(2, 1, 0), a, rtol=1e-12,
                               atol=1e-13)
    (out * torch.tensor(R.transpose(2, 1, 0))).sum().backward()
    np.testing.assert_allclose(gradients["dx"], x_t.grad.numpy().transpose(2, 1, 0),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradients["da0"], h0.grad.numpy()[0].T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradients["dWax"], rnn.weight_ih_l0.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gradients["dWaa"], rnn.weight_hh_l0.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gradients["dba"][:, 0], rnn.bias_ih_l0.grad.numpy(), rtol=1e-10)


def course_clip_gradients():
    np.random.seed(3)
    return {"dWax": np.random.randn(5, 3) * 10, "dWaa": np.random.randn(5, 5) * 10,
            "dWya": np.random.randn(2, 5) * 10, "db": np.random.randn(5, 1) * 10,
            "dby": np.random.randn(2, 1) * 10}


@pytest.mark.parametrize("maxValue, expected", [
    (10, {"dWaa": 10.0, "dWax": -10.0, "dWya": 0.2971381536101662, "db": 10.0,
          "dby": 8.45833407}),
    (5, {"dWaa": 5.0, "dWax": -5.0, "dWya": 0.2971381536101662, "db": 5.0, "dby": 5.0}),
])
def test_clip_course_values(maxValue, expected):
    gradients = course_clip_gradients()
    before = {name: g.copy() for name, g in gradients.items()}
    arrays = dict(gradients)
    clipped = clip(gradients, maxValue)
    assert clipped is gradients
    for name in gradients:
        assert clipped[name] is arrays[name]          # in place, as the course's np.clip(out=)
        # The course's definition: every entry min(max(g, −maxValue), maxValue).
        np.testing.assert_array_equal(clipped[name],
                                      np.minimum(np.maximum(before[name], -maxValue), maxValue))
    assert clipped["dWaa"][1][2] == expected["dWaa"]
    assert clipped["dWax"][3][1] == expected["dWax"]
    assert clipped["dWya"][1][2] == pytest.approx(expected["dWya"], rel=1e-12)
    assert clipped["db"][4][0] == expected["db"]
    assert clipped["dby"][1][0] == pytest.approx(expected["dby"], rel=1e-8)


def dino_parameters(bias_name="b"):
    np.random.seed(24)
    n_a, vocab_size = 100, len(CHARS)
    Wax, Waa = np.random.randn(n_a, vocab_size), np.random.randn(n_a, n_a)
    Wya = np.random.randn(vocab_size, n_a)
    b, by = np.random.randn(n_a, 1), np.random.randn(vocab_size, 1)
    return {"Wax": Wax, "Waa": Waa, "Wya": Wya, bias_name: b, "by": by}


@pytest.mark.parametrize("bias_name", ["b", "ba"])
def test_sample_course_values(bias_name):
    char_to_ix = {ch: i for i, ch in enumerate(CHARS)}
    indices = sample(dino_parameters(bias_name), char_to_ix, 0)
    assert indices == [23, 16, 26, 26, 24, 3, 21, 1, 7, 24, 15, 3, 25, 20, 6, 13, 10, 8, 20,
                       12, 2, 0]
    assert "".join(CHARS[i] for i in indices) == "wpzzxcuagxocytfmjhtlb\n"


def test_sample_stops_after_50_characters():
    # A network that never predicts "\n": 50 draws, then "\n" appended.
    parameters = dino_parameters()
    parameters["by"][0] = -1e3
    indices = sample(parameters, {ch: i for i, ch in enumerate(CHARS)}, 0)
    assert len(indices) == 51 and indices[-1] == 0 and 0 not in indices[:-1]
