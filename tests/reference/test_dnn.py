"""The engine (batch-first nn.Sequential) agrees with the course's step-by-step network.

Every Z and A of the forward caches, the cost, and every gradient (dW, db and dA) of an
L-layer network, within 1e-10 in float64, with and without L2 regularization.
"""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep import nn, optim
from npdeep.reference import dnn, initialize_parameters_deep
from harness import numerical_gradient

LAYER_DIMS = [6, 5, 4, 3, 1]


def problem(m, seed=0, init="he"):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((LAYER_DIMS[0], m))               # (n_x, m), the course's layout
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)         # (1, m)
    parameters = initialize_parameters_deep(LAYER_DIMS, seed=seed, init=init)
    for l in range(1, len(LAYER_DIMS)):  # non-zero biases, so that b's role is tested too
        parameters["b" + str(l)] = rng.standard_normal((LAYER_DIMS[l], 1)) * 0.1
    return X, Y, parameters


def engine_model(parameters):
    """nn.Sequential of Linear + ReLU ... Linear + Sigmoid holding the course's W and b."""
    layers = []
    L = len(parameters) // 2
    for l in range(1, L + 1):
        W = parameters["W" + str(l)]
        linear = nn.Linear(W.shape[1], W.shape[0])
        linear.W = nn.Parameter(W.copy())                   # same shape: (n[l], n[l-1])
        linear.b = nn.Parameter(parameters["b" + str(l)][:, 0].copy())   # (n[l],)
        layers += [linear, nn.ReLU() if l < L else nn.Sigmoid()]
    return nn.Sequential(*layers)


def engine_cost(model, AL, Y, lambd):
    m = Y.shape[1]
    J = F.binary_cross_entropy(AL, Y.T)
    if lambd:
        J = J + F.l2_penalty([layer.W for layer in model if isinstance(layer, nn.Linear)],
                             lambd, m)
    return J


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize("m", [1, 7])
def test_engine_matches_reference(m, lambd):
    X, Y, parameters = problem(m, seed=m)
    AL_ref, caches = dnn.L_model_forward(X, parameters)
    cost_ref = dnn.compute_cost(AL_ref, Y, parameters, lambd)
    grads = dnn.L_model_backward(AL_ref, Y, caches, lambd)
    L = len(caches)

    model = engine_model(parameters)
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    activations = [layer for layer in model if not isinstance(layer, nn.Linear)]

    # 1. The whole graph at once: cost, dW and db.
    AL = model(npdeep.tensor(X.T))
    J = engine_cost(model, AL, Y, lambd)
    J.backward()
    assert J.item() == pytest.approx(cost_ref, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(AL.data.T, AL_ref, rtol=1e-10, atol=1e-12)
    for l, linear in enumerate(linears, start=1):
        np.testing.assert_allclose(linear.W.grad, grads["dW" + str(l)], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(linear.b.grad, grads["db" + str(l)][:, 0], rtol=1e-10,
                                   atol=1e-12)

    # 2. Layer by layer, cutting the graph at each A[l-1], to read every Z, A and dA.
    A_prev = X.T
    inputs, outputs = [], []
    for l in range(L):
        A_in = npdeep.tensor(A_prev, requires_grad=True)
        Z = linears[l](A_in)
        A = activations[l](Z)
        (linear_cache, Z_ref) = caches[l]
        np.testing.assert_allclose(A_in.data.T, linear_cache[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(Z.data.T, Z_ref, rtol=1e-10, atol=1e-12)
        inputs.append(A_in)
        outputs.append(A)
        A_prev = A.data
    engine_cost(model, outputs[-1], Y, 0.0).backward()
    for l in reversed(range(L)):
        if l < L - 1:
            outputs[l].backward(inputs[l + 1].grad)
        # inputs[l].grad is dJ/dA[l] (dA0 = dJ/dX). NOTE: the course's dA is m·dJ/dA: it
        # leaves the 1/m of the cost's average to dW and db.
        np.testing.assert_allclose(m * inputs[l].grad.T, grads["dA" + str(l)], rtol=1e-10,
                                   atol=1e-12)


def test_update_parameters_matches_gd_step():
    X, Y, parameters = problem(5, seed=3)
    AL_ref, caches = dnn.L_model_forward(X, parameters)
    grads = dnn.L_model_backward(AL_ref, Y, caches)
    new_parameters = dnn.update_parameters(parameters, grads, learning_rate=0.3)
    model = engine_model(parameters)
    engine_cost(model, model(npdeep.tensor(X.T)), Y, 0.0).backward()
    optim.GD(model.parameters(), learning_rate=0.3).step()
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    for l, linear in enumerate(linears, start=1):
        np.testing.assert_allclose(linear.W.data, new_parameters["W" + str(l)], rtol=1e-12)
        np.testing.assert_allclose(linear.b.data, new_parameters["b" + str(l)][:, 0],
                                   rtol=1e-12)
    assert not np.allclose(new_parameters["W1"], parameters["W1"])  # a real step


def test_reference_gradients_are_right():
    """The reference itself against central differences of its own cost (independent check)."""
    X, Y, parameters = problem(4, seed=5)
    lambd = 0.3
    AL, caches = dnn.L_model_forward(X, parameters)
    grads = dnn.L_model_backward(AL, Y, caches, lambd)

    def J():
        return dnn.compute_cost(dnn.L_model_forward(X, parameters)[0], Y, parameters, lambd)

    for key in ("W1", "b2", "W4"):
        numeric = numerical_gradient(J, parameters[key])
        np.testing.assert_allclose(grads["d" + key], numeric, rtol=1e-5, atol=1e-8)


def test_linear_activation_forward_tanh_and_error():
    rng = np.random.default_rng(0)
    A_prev, W, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), np.ones((4, 1))
    A, ((A_c, W_c, b_c), Z) = dnn.linear_activation_forward(A_prev, W, b, "tanh")
    np.testing.assert_allclose(A, np.tanh(W @ A_prev + 1))
    dA = rng.standard_normal((4, 2))
    dA_prev, dW, db = dnn.linear_activation_backward(dA, ((A_c, W_c, b_c), Z), "tanh")
    dZ = dA * (1 - A ** 2)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 2)
    np.testing.assert_allclose(dA_prev, W.T @ dZ)
    with pytest.raises(ValueError, match="'activation' parameter must be one of"):
        dnn.linear_activation_forward(A_prev, W, b, "softplus")
