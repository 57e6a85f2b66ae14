"""Numerical gradient checking: compare backprop's gradients with central differences.

The course's check: for every parameter θ_i,

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)
    difference   = ‖dθ − dθ_approx‖₂ / (‖dθ‖₂ + ‖dθ_approx‖₂)

and a difference below about 1e-7 (float64) says backprop is right.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from npdeep.tensor import Tensor


@dataclass
class GradcheckResult:
    """difference: over all checked inputs together; per_input: one difference per input
    (None for inputs that need no gradient); names: what each entry is."""

    difference: float
    per_input: list = field(default_factory=list)
    names: list = field(default_factory=list)

    def __float__(self) -> float:
        return float(self.difference)

    def __lt__(self, other) -> bool:
        return self.difference < other

    def __le__(self, other) -> bool:
        return self.difference <= other

    def __gt__(self, other) -> bool:
        return self.difference > other

    def __ge__(self, other) -> bool:
        return self.difference >= other


def relative_difference(grad: np.ndarray, grad_approx: np.ndarray) -> float:
    """‖g − g_approx‖₂ / (‖g‖₂ + ‖g_approx‖₂), and 0 when both are 0."""
    numerator = np.linalg.norm(grad - grad_approx)
    denominator = np.linalg.norm(grad) + np.linalg.norm(grad_approx)
    return 0.0 if denominator == 0 else float(numerator / denominator)


def _scalar_cost(out: Tensor, projection: list) -> Tensor:
    """A non-scalar output is checked through J = Σ out · R with one fixed random R."""
    if out.size == 1:
        return out.sum()
    if not projection:
        projection.append(np.random.default_rng(0).standard_normal(out.shape))
    return (out * projection[0]).sum()


def _check(cost, tensors: list, epsilon: float, names: list) -> GradcheckResult:
    if not any(t.requires_grad for t in tensors):
        raise ValueError("gradcheck: no input requires a gradient")
    for t in tensors:
        t.grad = None
    cost().backward()
    analytic = [None if t.grad is None and not t.requires_grad else
                (t.grad if t.grad is not None else np.zeros_like(t.data)) for t in tensors]
    numeric = []
    for t in tensors:
        if not t.requires_grad:
            numeric.append(None)
            continue
        approx = np.zeros(t.shape, dtype=np.float64)
        # NOTE: index t.data itself; t.data.reshape(-1) is a copy, not a view, when t.data is
        # not C-contiguous (a transpose), and writing the copy would leave the input unchanged.
        for i in np.ndindex(t.shape):
            original = t.data[i]
            t.data[i] = original + epsilon
            J_plus = float(cost().data)
            t.data[i] = original - epsilon
            J_minus = float(cost().data)
            t.data[i] = original
            approx[i] = (J_plus - J_minus) / (2 * epsilon)
        numeric.append(approx)
    per_input = [None if g is None else relative_difference(g, a)
                 for g, a in zip(analytic, numeric)]
    checked = [(g, a) for g, a in zip(analytic, numeric) if g is not None]
    overall = relative_difference(np.concatenate([g.ravel() for g, _ in checked]),
                                  np.concatenate([a.ravel() for _, a in checked]))
    return GradcheckResult(overall, per_input, names)


def gradcheck(fn, inputs, epsilon: float = 1e-7) -> GradcheckResult:
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires one.

    Args:
        fn: a function of tensors returning a tensor (a non-scalar output is reduced to a
            scalar with a fixed random projection).
        inputs: tensors (or arrays, which become float64 tensors that require a gradient).
            Use float64: central differences in float32 are too coarse.
        epsilon: the step ε.

    Returns:
        GradcheckResult: ``.difference`` overall and ``.per_input``.

    Example:
        >>> x = npdeep.tensor(np.random.randn(3, 4), requires_grad=True, dtype=np.float64)
        >>> npdeep.gradcheck(npdeep.functional.tanh, [x]).difference < 1e-7
        True
    """
    tensors = [t if isinstance(t, Tensor) else
               Tensor(np.asarray(t, dtype=np.float64), requires_grad=True) for t in inputs]
    for i, t in enumerate(tensors):
        if t.requires_grad and t.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {t.dtype}; use float64, in which "
                            "central differences are accurate enough to compare")
    projection = []
    return _check(lambda: _scalar_cost(fn(*tensors), projection), tensors, epsilon,
                  [f"input {i}" for i in range(len(tensors))])


def gradcheck_model(model, loss_fn, X, Y, lambd: float = 0.0,
                    epsilon: float = 1e-7) -> GradcheckResult:
    """Check backprop through ``model`` for every trainable parameter, in float64.

    J = loss_fn(model(X), Y) + λ/(2m) Σ ‖W‖²_F over the parameters named W (when lambd > 0).
    The model is cast to float64 for the check and restored afterwards.

    Raises:
        ValueError: when a dropout layer is active (its random mask changes J between the
            evaluations): call model.eval() or set keep_prob=1 first.
    """
    from npdeep.functional.loss import l2_penalty

    for name, module in model.named_modules():
        keep_prob = getattr(module, "keep_prob", 1.0)
        if module.training and keep_prob < 1.0:
            raise ValueError(
                f"gradcheck_model: dropout layer {name or type(module).__name__} "
                f"(keep_prob={keep_prob}) is active; its random mask changes the cost between "
                "evaluations. Call model.eval() or use keep_prob=1.0 for the check.")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    saved = model.state_dict()
    params = model.parameters()
    dtype = params[0].dtype if params else np.float64
    model.to(np.float64)
    X = X.data if isinstance(X, Tensor) else X
    X = Tensor(np.asarray(X, dtype=np.float64) if np.asarray(X).dtype.kind == "f"
               else np.asarray(X))
    m = X.shape[0]
    weights = [p for n, p in named if n.split(".")[-1] == "W"]

    def cost():
        J = loss_fn(model(X), Y)
        if lambd:
            J = J + l2_penalty(weights, lambd, m)
        return J

    try:
        return _check(cost, [p for _, p in named], epsilon, [n for n, _ in named])
    finally:
        model.load_state_dict(saved)
        model.to(dtype)
