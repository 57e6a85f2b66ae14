"""The triplet loss: the course's formula by a plain loop, float64 gradients, PyTorch."""
import numpy as np
import pytest

from npdeep.functional.triplet import triplet_loss
from npdeep.tensor import Tensor

from harness import assert_gradcheck, assert_matches_torch, randn, torch_or_skip


def triplet_loss_loop(f_A, f_P, f_N, alpha):
    """Σᵢ max(‖f_A⁽ⁱ⁾ − f_P⁽ⁱ⁾‖² − ‖f_A⁽ⁱ⁾ − f_N⁽ⁱ⁾‖² + α, 0), one triplet and entry at a time."""
    J = 0.0
    for i in range(len(f_A)):
        pos_dist = sum((f_A[i, k] - f_P[i, k]) ** 2 for k in range(f_A.shape[1]))
        neg_dist = sum((f_A[i, k] - f_N[i, k]) ** 2 for k in range(f_A.shape[1]))
        J += max(pos_dist - neg_dist + alpha, 0.0)
    return J


def triplets(m, n, seed, alpha=0.2):
    """Random encodings whose per-triplet losses stay clear of the kink of max(·, 0), where a
    central difference would straddle it; both active and inactive triplets occur."""
    for offset in range(100):
        f_A, f_P, f_N = (randn(m, n, seed=seed * 1000 + offset * 3 + k) for k in range(3))
        margins = (((f_A.data - f_P.data) ** 2).sum(1) - ((f_A.data - f_N.data) ** 2).sum(1)
                   + alpha)
        if np.abs(margins).min() > 1e-3:
            return f_A, f_P, f_N
    raise AssertionError("no triplets away from the kink")


@pytest.mark.parametrize("m, n", [(1, 1), (1, 4), (5, 3), (8, 16)])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_triplet_loss_matches_loop_and_gradcheck(m, n, reduction):
    f_A, f_P, f_N = triplets(m, n, seed=m * 10 + n)
    J = triplet_loss(f_A, f_P, f_N, alpha=0.2, reduction=reduction)
    expected = triplet_loss_loop(f_A.data, f_P.data, f_N.data, 0.2)
    if reduction == "mean":
        expected /= m
    assert J.shape == ()
    np.testing.assert_allclose(J.data, expected, rtol=1e-12)
    assert_gradcheck(lambda a, p, n_: triplet_loss(a, p, n_, 0.2, reduction), [f_A, f_P, f_N])


def test_triplet_loss_by_hand():
    # Triplet 1: d(A,P)² = 1, d(A,N)² = 4: 1 − 4 + 0.2 < 0, loss 0.
    # Triplet 2: d(A,P)² = 4, d(A,N)² = 1: 4 − 1 + 0.2 = 3.2.
    f_A = Tensor([[0.0, 0.0], [0.0, 0.0]])
    f_P = Tensor([[1.0, 0.0], [2.0, 0.0]])
    f_N = Tensor([[0.0, 2.0], [0.0, 1.0]])
    assert float(triplet_loss(f_A, f_P, f_N).data) == pytest.approx(3.2)
    assert float(triplet_loss(f_A, f_P, f_N, reduction="mean").data) == pytest.approx(1.6)
    assert float(triplet_loss(f_A, f_P, f_N, alpha=0.0).data) == pytest.approx(3.0)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_triplet_loss_matches_torch_expression(reduction):
    torch = torch_or_skip()
    f_A, f_P, f_N = triplets(6, 5, seed=7)

    def torch_loss(a, p, n):
        # torch.nn.functional.triplet_margin_loss uses non-squared distances: the course's
        # squared form is written out instead.
        losses = torch.clamp(((a - p) ** 2).sum(1) - ((a - n) ** 2).sum(1) + 0.2, min=0)
        return losses.sum() if reduction == "sum" else losses.mean()

    assert_matches_torch(lambda a, p, n: triplet_loss(a, p, n, 0.2, reduction), torch_loss,
                         [f_A, f_P, f_N])


def test_triplet_loss_bad_input():
    a = randn(3, 4)
    with pytest.raises(ValueError, match=r"triplet_loss: f_A, f_P and f_N must be encodings "
                                         r"of one shape \(m, n\), but got \(3, 4\), \(3, 4\) "
                                         r"and \(2, 4\)"):
        triplet_loss(a, a, randn(2, 4))
    with pytest.raises(ValueError, match="The 'alpha' parameter of triplet_loss must be a "
                                         "finite number >= 0"):
        triplet_loss(a, a, a, alpha=-0.1)
    with pytest.raises(ValueError, match="The 'reduction' parameter of triplet_loss must be "
                                         "one of 'sum', 'mean'. Got 'none' instead"):
        triplet_loss(a, a, a, reduction="none")
    empty = randn(0, 4)
    assert float(triplet_loss(empty, empty, empty).data) == 0.0
    with pytest.raises(ValueError, match="mean over m = 0 triplets is undefined"):
        triplet_loss(empty, empty, empty, reduction="mean")
