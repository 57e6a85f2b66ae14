"""PyTorch's argument names that mean something else in npdeep are refused with the conversion
(npdeep/nn/_pytorch_names.py, used by the layers in npdeep/nn/)."""
import inspect

import numpy as np
import pytest

import npdeep
from npdeep import nn
from harness import torch_or_skip


# ----------------------------------------------------------------------------- Dropout
def test_dropout_p_names_keep_prob_and_the_conversion():
    # nn.Dropout(p=0.2) would keep 20% of the units where PyTorch drops 20%.
    with pytest.raises(TypeError, match=r"^Dropout has no 'p': npdeep uses the course's "
                                        r"keep_prob, the probability of KEEPING a unit; "
                                        r"PyTorch's p is the probability of dropping it, so "
                                        r"p=0.2 is keep_prob=0.8 \(keep_prob = 1 − p\)$"):
        nn.Dropout(p=0.2)


@pytest.mark.parametrize("value", [0.2, 0.8, 1])
def test_dropout_positional_number_is_refused_as_ambiguous(value):
    # nn.Dropout(0.2) kept 20%: PyTorch's positional argument is the drop probability.
    with pytest.raises(TypeError, match=rf"^Dropout\({value}\): keep_prob is keyword-only, "
                                        r"because a bare number is ambiguous: PyTorch's "
                                        r"Dropout\(p\) DROPS a fraction p of the units, "
                                        r"npdeep's keep_prob KEEPS that fraction. Write "
                                        r"Dropout\(keep_prob=...\), with keep_prob = 1 − p"):
        nn.Dropout(value)


def test_dropout_keep_prob_keyword_keeps_that_fraction():
    npdeep.manual_seed(0)
    out = nn.Dropout(keep_prob=0.8)(npdeep.tensor(np.ones((200, 200))))
    assert (out.data != 0).mean() == pytest.approx(0.8, abs=0.01)
    assert str(inspect.signature(nn.Dropout)) == "(*, keep_prob: 'float' = 0.5)"


# ----------------------------------------------------------------------------- BatchNorm
@pytest.mark.parametrize("Layer", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_batchnorm_momentum_names_running_avg_beta_and_the_conversion(Layer):
    # BatchNorm1d(10, momentum=0.1) was the course's β = 0.1: the opposite of PyTorch's 0.1.
    with pytest.raises(TypeError, match=rf"^{Layer.__name__} has no 'momentum': npdeep uses "
                                        r"the course's β of the running averages, "
                                        r"running_avg_beta, which weighs the OLD average: "
                                        r"running = β·running \+ \(1 − β\)·batch; PyTorch's "
                                        r"momentum weighs the NEW batch, so momentum=0.1 is "
                                        r"running_avg_beta=0.9 \(running_avg_beta = 1 − "
                                        r"momentum\)$"):
        Layer(10, momentum=0.1)
    with pytest.raises(TypeError, match=rf"^{Layer.__name__} has no 'eps': npdeep uses the "
                                        r"course's name: eps=ε is epsilon=ε$"):
        Layer(10, eps=1e-3)


@pytest.mark.parametrize("Layer", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_batchnorm_positional_coefficients_are_refused(Layer):
    # PyTorch's positional order is (num_features, eps, momentum).
    with pytest.raises(TypeError, match=rf"^{Layer.__name__}\(10, 0.1\): running_avg_beta and "
                                        r"epsilon are keyword-only, because PyTorch's "
                                        r"positional arguments after the size are eps and "
                                        r"momentum"):
        Layer(10, 0.1)


def test_running_avg_beta_is_the_course_beta_of_the_running_average():
    bn = nn.BatchNorm1d(1, running_avg_beta=0.75).to(np.float64)
    bn(npdeep.tensor(np.array([[2.0], [6.0]])))  # μ = 4, unbiased σ² = 8
    np.testing.assert_allclose(bn.running_mean, [0.75 * 0 + 0.25 * 4])
    np.testing.assert_allclose(bn.running_var, [0.75 * 1 + 0.25 * 8])


def test_running_avg_beta_matches_torch_momentum_one_minus_it():
    torch = torch_or_skip()
    bn = nn.BatchNorm1d(3, running_avg_beta=0.7).to(np.float64)
    torch_bn = torch.nn.BatchNorm1d(3, momentum=0.3).double()
    X = np.random.default_rng(0).standard_normal((5, 3))
    bn(npdeep.tensor(X))
    torch_bn(torch.tensor(X))
    np.testing.assert_allclose(bn.running_mean, torch_bn.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.running_var, torch_bn.running_var.numpy(), atol=1e-12)


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("build, message", [
    (lambda: nn.Linear(in_features=3, out_features=2),
     r"^Linear has no 'in_features': npdeep uses the course's n\[l-1\]: in_features is n_in"),
    (lambda: nn.Linear(3, out_features=2),
     r"^Linear has no 'out_features': npdeep uses the course's n\[l\]: out_features is n_out"),
    (lambda: nn.Conv2d(3, 8, kernel_size=3),
     r"^Conv2d has no 'kernel_size': npdeep uses the course's f for the window size: "
     r"kernel_size=3 is f=3$"),
    (lambda: nn.Conv2d(in_channels=3, n_C=8, f=3),
     r"^Conv2d has no 'in_channels': npdeep uses the course's name: in_channels is n_C_prev"),
    (lambda: nn.Conv2d(3, out_channels=8, f=3),
     r"^Conv2d has no 'out_channels': .* out_channels is n_C"),
    (lambda: nn.MaxPool2d(kernel_size=2), r"^MaxPool2d has no 'kernel_size': .* is f=3$"),
    (lambda: nn.AvgPool2d(kernel_size=2), r"^AvgPool2d has no 'kernel_size'"),
    (lambda: nn.PaddedMaxPool2d(kernel_size=3, stride=1, padding=1),
     r"^PaddedMaxPool2d has no 'kernel_size'"),
])
def test_pytorch_size_names_name_the_course_argument(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_positional_sizes_stay_valid():
    assert nn.Linear(3, 2).W.shape == (2, 3)
    assert nn.Conv2d(3, 8, 5).W.shape == (5, 5, 3, 8)
    assert nn.MaxPool2d(2, 1).stride == 1
    assert nn.BatchNorm2d(4).n == 4
    # The refusing wrapper keeps the signature that help() shows.
    assert list(inspect.signature(nn.Linear).parameters) == ["n_in", "n_out", "init", "bias"]
