"""The triplet loss of face verification (course 4, week 4; Schroff et al. 2015, FaceNet).

For an anchor A, a positive P (the same person) and a negative N (another person), the
encodings f should satisfy ‖f(A) − f(P)‖² + α ≤ ‖f(A) − f(N)‖²; the loss of one triplet is

    L(A, P, N) = max(‖f(A) − f(P)‖² − ‖f(A) − f(N)‖² + α, 0)

and the cost is J = Σᵢ L(A⁽ⁱ⁾, P⁽ⁱ⁾, N⁽ⁱ⁾) over the m triplets, as the course writes it.
"""
from __future__ import annotations

from npdeep.functional.activation import relu
from npdeep.tensor import Tensor, as_tensor
from npdeep.validation import check_choice, check_float


def triplet_loss(f_A, f_P, f_N, alpha: float = 0.2, reduction: str = "sum") -> Tensor:
    """J = Σᵢ max(‖f_A⁽ⁱ⁾ − f_P⁽ⁱ⁾‖² − ‖f_A⁽ⁱ⁾ − f_N⁽ⁱ⁾‖² + α, 0): squared Euclidean distances.

    NOTE: the distances are squared, as in the course and FaceNet; PyTorch's
    ``triplet_margin_loss`` uses plain (non-squared) distances and the mean by default, so it
    is a different function. max(·, 0) is ReLU, whose gradient at exactly 0 is taken as 0.

    Args:
        f_A: (m, n) anchor encodings f(A).
        f_P: (m, n) positive encodings f(P) (the anchor's person).
        f_N: (m, n) negative encodings f(N) (another person).
        alpha: the margin α >= 0 (0.2 in the course and FaceNet, for unit-length encodings).
        reduction: "sum" (the course's J, the default) or "mean" (J / m, whose scale does not
            depend on how many triplets a batch holds; better for a fixed learning rate).

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: for encodings of different shapes or not (m, n), a negative alpha, an
            unknown reduction, or reduction="mean" over m = 0 triplets.

    Example:
        >>> J = triplet_loss(f_A, f_P, f_N, alpha=0.2)  # each (m, 128)
    """
    where = "triplet_loss"
    f_A, f_P, f_N = as_tensor(f_A), as_tensor(f_P), as_tensor(f_N)
    if f_A.ndim != 2 or f_P.shape != f_A.shape or f_N.shape != f_A.shape:
        raise ValueError(f"{where}: f_A, f_P and f_N must be encodings of one shape (m, n), "
                         f"but got {tuple(f_A.shape)}, {tuple(f_P.shape)} and "
                         f"{tuple(f_N.shape)}")
    alpha = check_float(alpha, "alpha", where, low=0.0)
    check_choice(reduction, "reduction", where, ("sum", "mean"))
    if reduction == "mean" and f_A.shape[0] == 0:
        raise ValueError(f"{where}: the mean over m = 0 triplets is undefined; pass at least "
                         "one triplet, or reduction='sum' (J = 0 for none)")
    pos_dist = ((f_A - f_P) ** 2).sum(axis=1)   # (m,) ‖f(A) − f(P)‖²
    neg_dist = ((f_A - f_N) ** 2).sum(axis=1)   # (m,) ‖f(A) − f(N)‖²
    losses = relu(pos_dist - neg_dist + alpha)  # (m,)
    return losses.sum() if reduction == "sum" else losses.mean()
