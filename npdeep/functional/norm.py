"""Batch normalization over the mini-batch, for dense (m, n) and NHWC (m, n_H, n_W, n_C) inputs."""
from __future__ import annotations

import numbers

import numpy as np

from npdeep.autograd import Function
from npdeep.tensor import Tensor
from npdeep.threads import batch_blocks, map_blocks


# Threads (npdeep.threads): the batch is cut into blocks of whole examples. Each block sums
# its share of every per-feature statistic (Σ Z, Σ (Z − μ)², Σ dZ̃, Σ dZ̃·Z_norm), the partial
# sums are added in block order, and each block then normalizes its own slice. The order of
# those sums depends on the thread count (rounding only) and on nothing else. A block needs
# MIN_ELEMENTS_PER_THREAD values to be worth a thread.
MIN_ELEMENTS_PER_THREAD = 100_000


def _blocks(shape: tuple) -> list:
    """Blocks of the batch axis, as slices, one per thread."""
    per_example = max(1, int(np.prod(shape[1:])))
    blocks = batch_blocks(shape[0], min_per_thread=-(-MIN_ELEMENTS_PER_THREAD // per_example))
    return [slice(*block) for block in blocks]


def _summed(blocks: list, fn):
    """fn(block) for every block, added in block order (the same sum on every run)."""
    parts = map_blocks(fn, blocks)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


class BatchNorm(Function):
    """Normalize over every axis but the last, then scale by gamma and shift by beta, fused.

    Training uses the batch's mean and (biased) variance and updates the running averages in
    place; inference uses the running averages, which are then constants.
    """

    @staticmethod
    def forward(ctx, Z, gamma, beta, running_mean=None, running_var=None, training=True,
                momentum=0.9, epsilon=1e-5):
        axes = tuple(range(Z.ndim - 1))  # every axis but the features/channels
        m = Z.size // Z.shape[-1]  # values per feature: m, or m·n_H·n_W for images
        blocks = _blocks(Z.shape)
        Z_norm = np.empty_like(Z)  # Z's memory order (a conv's output is channel-major)
        if training:
            mu = _summed(blocks, lambda i: Z[i].sum(axis=axes)) / m  # (n,)

            def center(i):
                np.subtract(Z[i], mu, out=Z_norm[i])  # Z − μ, normalized in place below
                return np.square(Z_norm[i]).sum(axis=axes)

            var = _summed(blocks, center) / m  # biased, 1/m, as the course
            if running_mean is not None:
                # The course's exponentially weighted average, in place so the layer's buffers
                # see it: running = beta·running + (1 − beta)·batch statistic.
                running_mean *= momentum
                running_mean += (1 - momentum) * mu
            if running_var is not None:
                # NOTE: the running variance uses the unbiased estimate m/(m − 1)·var, as
                # PyTorch does, so that both libraries keep the same running statistics.
                running_var *= momentum
                running_var += (1 - momentum) * (m / (m - 1)) * var
        else:
            map_blocks(lambda i: np.subtract(Z[i], running_mean, out=Z_norm[i],
                                             casting="unsafe"), blocks)
            var = running_var
        inv_std = (1 / np.sqrt(var + epsilon)).astype(Z_norm.dtype, copy=False)  # (n,)
        out = np.empty_like(Z, dtype=np.result_type(Z_norm, gamma, beta))

        def scale(i):
            Z_norm[i] *= inv_std
            np.multiply(Z_norm[i], gamma, out=out[i])
            out[i] += beta

        map_blocks(scale, blocks)
        ctx.Z_norm, ctx.inv_std, ctx.gamma = Z_norm, inv_std, gamma
        ctx.axes, ctx.m, ctx.training, ctx.blocks = axes, m, training, blocks
        return out

    @staticmethod
    def backward(ctx, dZ_out):
        Z_norm, inv_std, axes, m, gamma = ctx.Z_norm, ctx.inv_std, ctx.axes, ctx.m, ctx.gamma
        blocks = ctx.blocks  # the forward's: Z_norm is cut the same way
        needs = ctx.needs_input_grad
        dgamma = dbeta = dZ = None
        if needs[1] or needs[2] or (needs[0] and ctx.training):
            # Σ dZ̃ and Σ dZ̃·Z_norm per feature: dbeta and dgamma, and the two sums the
            # training backward needs (Σ dZ_norm = γ·dbeta, Σ dZ_norm·Z_norm = γ·dgamma).
            dbeta, dgamma = _summed(blocks, lambda i: np.stack(
                [dZ_out[i].sum(axis=axes), (dZ_out[i] * Z_norm[i]).sum(axis=axes)]))
        if needs[0]:
            dZ = np.empty_like(dZ_out, dtype=np.result_type(dZ_out, gamma, inv_std))
            if ctx.training:
                # NOTE: mu and var depend on every Z in the batch, which adds two terms to the
                # plain dZ_norm/σ (the closed form of the course's batch norm backward):
                # dZ = (1/m)·(1/σ)·(m·dZ_norm − Σ dZ_norm − Z_norm·Σ dZ_norm·Z_norm)
                sum_dZ_norm, sum_dZ_norm_Z_norm = gamma * dbeta, gamma * dgamma
                scale = inv_std / m

                def dZ_block(i):
                    np.multiply(dZ_out[i], m * gamma, out=dZ[i])
                    dZ[i] -= sum_dZ_norm
                    dZ[i] -= Z_norm[i] * sum_dZ_norm_Z_norm
                    dZ[i] *= scale
            else:
                def dZ_block(i):  # running statistics are constants
                    np.multiply(dZ_out[i], gamma * inv_std, out=dZ[i])

            map_blocks(dZ_block, blocks)
        return dZ, dgamma if needs[1] else None, dbeta if needs[2] else None


def _check_feature_array(value, name: str, n: int, Z_shape: tuple) -> None:
    if value is not None and np.shape(value) != (n,):
        raise ValueError(f"batch_norm: {name} must have shape (n,) = ({n},) for Z of shape "
                         f"{Z_shape} (features on the last axis), but got {np.shape(value)}")


def batch_norm(Z: Tensor, gamma, beta, running_mean=None, running_var=None,
               training: bool = True, momentum: float = 0.9,
               epsilon: float = 1e-5) -> Tensor:
    """Batch normalization: Z̃ = γ · (Z − μ)/√(σ² + ε) + β, per feature.

    μ and σ² are taken over every axis but the last: over the m examples for dense
    activations (m, n), and over m, n_H and n_W for images (m, n_H, n_W, n_C), one pair per
    channel. Training uses the batch's μ and biased σ² (1/m, as the course) and updates the
    running averages in place with the course's exponentially weighted average:

        running_mean = momentum · running_mean + (1 − momentum) · μ
        running_var  = momentum · running_var  + (1 − momentum) · σ²_unbiased

    where σ²_unbiased = m/(m − 1) · σ² (PyTorch's choice, so both keep the same running
    statistics). ``momentum`` is the course's β of the weighted average; PyTorch's momentum is
    1 − ours (our 0.9 is its 0.1). Inference (training=False) normalizes with the running
    averages instead.

    Args:
        Z: (m, n) or (m, n_H, n_W, n_C) pre-activations (any shape with features last).
        gamma: (n,) scale γ; beta: (n,) shift β (Tensors to learn them, or arrays).
        running_mean, running_var: (n,) float arrays, updated in place when training; may be
            None when training (no running statistics kept); required for inference.
        training: batch statistics (True) or running statistics (False).
        momentum: β of the running averages, in [0, 1].
        epsilon: ε added to σ² for numerical stability, > 0.

    Returns:
        A tensor of Z's shape.

    Raises:
        ValueError: for mismatched shapes, running statistics missing at inference, a batch with
            one value per feature in training (no variance), or bad momentum/epsilon.

    Example:
        >>> Z_tilde = F.batch_norm(Z, gamma, beta, running_mean, running_var, training=True)
    """
    if (isinstance(momentum, bool) or not isinstance(momentum, numbers.Real)
            or not 0 <= momentum <= 1):
        raise ValueError("The 'momentum' parameter of batch_norm must be a float in [0, 1]. "
                         f"Got {momentum!r} instead.")
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon > 0:
        raise ValueError("The 'epsilon' parameter of batch_norm must be a float > 0. "
                         f"Got {epsilon!r} instead.")
    if Z.ndim < 2:
        raise ValueError(f"batch_norm: Z must have shape (m, n) or (m, n_H, n_W, n_C), "
                         f"but got {Z.shape}")
    n = Z.shape[-1]
    for name, value in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                        ("running_var", running_var)):
        _check_feature_array(value, name, n, Z.shape)
    if training and Z.size // n < 2:
        raise ValueError(f"batch_norm: training needs more than one value per feature to "
                         f"compute a variance, but Z has shape {Z.shape}; use a larger "
                         "mini-batch, or inference mode (training=False)")
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: inference (training=False) needs running_mean and "
                         "running_var")
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and not isinstance(value, np.ndarray):
            raise TypeError(f"batch_norm: {name} must be an ndarray (updated in place); got "
                            f"{type(value).__name__}")
    return BatchNorm.apply(Z, gamma, beta, running_mean=running_mean, running_var=running_var,
                           training=training, momentum=momentum, epsilon=epsilon)
