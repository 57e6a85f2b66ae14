"""Batch norm: the fused Function against primitives, a slow loop, and PyTorch."""
import numpy as np
import pytest

import npdeep
import npdeep.functional as F
from npdeep import threads
from npdeep.functional import norm

from harness import assert_gradcheck, randn, torch_or_skip, split_over_two_threads

SHAPES = [(4, 3), (2, 1), (7, 5), (2, 3, 3, 2), (1, 2, 2, 3), (3, 1, 1, 4)]


def params(n, seed=0):
    gamma, beta = randn(n, seed=seed + 1), randn(n, seed=seed + 2)
    gamma.data[...] = 1 + 0.5 * gamma.data  # away from 0, as after training
    return gamma, beta


def composed_batch_norm(Z, gamma, beta, epsilon=1e-5):
    """The same normalization from primitive ops (mean, sub, mul, sqrt, div)."""
    axes = tuple(range(Z.ndim - 1))
    mu = Z.mean(axis=axes, keepdims=True)
    centered = Z - mu
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return gamma * (centered / (var + epsilon).sqrt()) + beta


@pytest.mark.parametrize("shape", SHAPES)
def test_training_gradcheck(shape):
    Z = randn(*shape, seed=3, scale=2)
    gamma, beta = params(shape[-1])
    assert_gradcheck(lambda z, g, b: F.batch_norm(z, g, b), [Z, gamma, beta])


@pytest.mark.parametrize("shape", SHAPES)
def test_inference_gradcheck(shape):
    n = shape[-1]
    Z = randn(*shape, seed=4)
    gamma, beta = params(n)
    running_mean = np.random.default_rng(5).standard_normal(n)
    running_var = 0.5 + np.random.default_rng(6).random(n)
    assert_gradcheck(lambda z, g, b: F.batch_norm(z, g, b, running_mean, running_var,
                                                  training=False), [Z, gamma, beta])


@pytest.mark.parametrize("shape", SHAPES)
def test_fused_matches_composed_primitives(shape):
    Z = randn(*shape, seed=7)
    gamma, beta = params(shape[-1])
    R = np.random.default_rng(8).standard_normal(shape)
    fused = F.batch_norm(Z, gamma, beta)
    (fused * R).sum().backward()
    fused_grads = [t.grad.copy() for t in (Z, gamma, beta)]
    for t in (Z, gamma, beta):
        t.grad = None
    composed = composed_batch_norm(Z, gamma, beta)
    (composed * R).sum().backward()
    np.testing.assert_allclose(fused.data, composed.data, atol=1e-12)
    for fused_grad, t in zip(fused_grads, (Z, gamma, beta)):
        np.testing.assert_allclose(fused_grad, t.grad, atol=1e-10)


def test_forward_matches_slow_loop_per_channel():
    Z = randn(2, 3, 2, 4, seed=9)
    gamma, beta = params(4)
    out = F.batch_norm(Z, gamma, beta, epsilon=1e-3).data
    for c in range(4):
        values = [Z.data[i, h, w, c] for i in range(2) for h in range(3) for w in range(2)]
        mu = sum(values) / len(values)
        var = sum((v - mu) ** 2 for v in values) / len(values)  # biased, as the course
        for i in range(2):
            for h in range(3):
                for w in range(2):
                    expected = (gamma.data[c] * (Z.data[i, h, w, c] - mu) / np.sqrt(var + 1e-3)
                                + beta.data[c])
                    assert abs(out[i, h, w, c] - expected) < 1e-12


def test_output_is_normalized():
    Z = randn(64, 5, seed=10, scale=3)
    Z.data += 7
    ones, zeros = np.ones(5), np.zeros(5)
    out = F.batch_norm(Z, ones, zeros, epsilon=1e-8).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-6)


def test_running_statistics_update_in_place():
    rng = np.random.default_rng(11)
    Z = rng.standard_normal((10, 3)) * 2 + 1
    running_mean, running_var = np.zeros(3), np.ones(3)
    rm_id, rv_id = id(running_mean), id(running_var)
    F.batch_norm(npdeep.tensor(Z), np.ones(3), np.zeros(3), running_mean, running_var,
                 momentum=0.9)
    assert id(running_mean) == rm_id and id(running_var) == rv_id
    # The course's weighted average v = β v + (1 − β) θ, with the unbiased batch variance.
    np.testing.assert_allclose(running_mean, 0.1 * Z.mean(axis=0))
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * Z.var(axis=0, ddof=1))


def test_inference_uses_running_statistics_and_leaves_them():
    Z = randn(4, 2, seed=12)
    running_mean, running_var = np.array([1.0, -1.0]), np.array([4.0, 0.25])
    out = F.batch_norm(Z, np.ones(2), np.zeros(2), running_mean, running_var, training=False,
                       epsilon=0.0 + 1e-12)
    np.testing.assert_allclose(out.data, (Z.data - running_mean) / np.sqrt(running_var))
    np.testing.assert_array_equal(running_mean, [1.0, -1.0])
    np.testing.assert_array_equal(running_var, [4.0, 0.25])


def _torch_batch_norm(torch, Z, gamma, beta, running_mean, running_var, training, momentum):
    nhwc = Z.ndim == 4
    Z_t = Z.permute(0, 3, 1, 2) if nhwc else Z  # torch wants NCHW
    out = torch.nn.functional.batch_norm(Z_t, running_mean, running_var, gamma, beta,
                                         training=training, momentum=1 - momentum, eps=1e-5)
    return out.permute(0, 2, 3, 1) if nhwc else out


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (2, 1), (2, 4, 3, 5), (1, 2, 2, 3)])
def test_matches_torch(shape, training):
    torch = torch_or_skip()
    n = shape[-1]
    rng = np.random.default_rng(13)
    Z = randn(*shape, seed=14, scale=2)
    gamma, beta = params(n)
    running_mean = rng.standard_normal(n)
    running_var = 0.5 + rng.random(n)
    torch_running_mean = torch.tensor(running_mean.copy())
    torch_running_var = torch.tensor(running_var.copy())
    Z_t, gamma_t, beta_t = (torch.tensor(t.data, requires_grad=True) for t in (Z, gamma, beta))
    for step in range(3):  # a few steps: running statistics stay in step
        out = F.batch_norm(Z, gamma, beta, running_mean, running_var, training=training,
                           momentum=0.9)
        out_t = _torch_batch_norm(torch, Z_t, gamma_t, beta_t, torch_running_mean,
                                  torch_running_var, training, momentum=0.9)
        np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=1e-10)
        np.testing.assert_allclose(running_mean, torch_running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(running_var, torch_running_var.numpy(), atol=1e-12)
    R = rng.standard_normal(shape)
    (out * R).sum().backward()
    (out_t * torch.tensor(R)).sum().backward()
    for t, t_t in ((Z, Z_t), (gamma, gamma_t), (beta, beta_t)):
        np.testing.assert_allclose(t.grad, t_t.grad.numpy(), atol=1e-10)


def test_keeps_float32():
    Z = npdeep.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32),
                      requires_grad=True)
    gamma = npdeep.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    beta = npdeep.tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    running_mean, running_var = np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    out = F.batch_norm(Z, gamma, beta, running_mean, running_var)
    assert out.dtype == np.float32 and running_var.dtype == np.float32
    out.sum().backward()
    assert Z.grad.dtype == np.float32 and gamma.grad.dtype == np.float32


def test_shape_errors():
    Z = randn(4, 3)
    with pytest.raises(ValueError, match=r"batch_norm: gamma must have shape \(n,\) = \(3,\) "
                                         r"for Z of shape \(4, 3\).*but got \(4,\)"):
        F.batch_norm(Z, np.ones(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"batch_norm: running_var must have shape"):
        F.batch_norm(Z, np.ones(3), np.zeros(3), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match=r"batch_norm: Z must have shape \(m, n\) or "
                                         r"\(m, n_H, n_W, n_C\), but got \(3,\)"):
        F.batch_norm(randn(3), np.ones(3), np.zeros(3))


def test_one_value_per_feature_in_training_is_refused():
    with pytest.raises(ValueError, match=r"batch_norm: training needs more than one value per "
                                         r"feature .* shape \(1, 3\)"):
        F.batch_norm(randn(1, 3), np.ones(3), np.zeros(3))
    # Inference with m = 1 is fine.
    F.batch_norm(randn(1, 3), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), training=False)


def test_inference_needs_running_statistics():
    with pytest.raises(ValueError, match="batch_norm: inference .* needs running_mean and "
                                         "running_var"):
        F.batch_norm(randn(2, 3), np.ones(3), np.zeros(3), training=False)


@pytest.mark.parametrize("momentum", [-0.1, 1.1, "0.9"])
def test_momentum_is_validated(momentum):
    with pytest.raises(ValueError, match=r"The 'momentum' parameter of batch_norm must be a "
                                         r"float in \[0, 1\]. Got .* instead."):
        F.batch_norm(randn(2, 3), np.ones(3), np.zeros(3), momentum=momentum)


@pytest.mark.parametrize("epsilon", [0, -1e-5])
def test_epsilon_is_validated(epsilon):
    with pytest.raises(ValueError, match=r"The 'epsilon' parameter of batch_norm must be a float "
                                         r"> 0. Got .* instead."):
        F.batch_norm(randn(2, 3), np.ones(3), np.zeros(3), epsilon=epsilon)


# ---------------------------------------------------------------------------- threads
@pytest.fixture
def two_threads(monkeypatch):
    with split_over_two_threads(monkeypatch, norm, "MIN_ELEMENTS_PER_THREAD"):
        yield


def run_batch_norm(Z_data, gamma, beta, dZ, **kwargs):
    Z = npdeep.Tensor(Z_data, requires_grad=True)
    gamma, beta = (npdeep.Tensor(t.data, requires_grad=True) for t in (gamma, beta))
    out = F.batch_norm(Z, gamma, beta, **kwargs)
    out.backward(dZ)
    return out.data, Z.grad, gamma.grad, beta.grad


@pytest.mark.parametrize("shape", [(5, 3), (3, 4, 4, 2), (4, 2, 3, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_split_batch_matches_one_thread_and_composed_primitives(shape, training, two_threads):
    """Partial sums per block, added in block order: one thread's result up to rounding, the
    primitives' result, and the same running statistics."""
    assert len(norm._blocks(shape)) == 2
    Z = np.random.default_rng(11).standard_normal(shape) * 2
    channel_major = np.ascontiguousarray(np.moveaxis(Z, -1, 0))
    gamma, beta = params(shape[-1])
    dZ = np.random.default_rng(12).standard_normal(shape)
    stats = {}
    for n_threads in (2, 1):
        threads.set_num_threads(n_threads)
        running = (np.zeros(shape[-1]), np.ones(shape[-1]) + 0.5)
        stats[n_threads] = [run_batch_norm(Z, gamma, beta, dZ, running_mean=running[0],
                                           running_var=running[1], training=training),
                            running]
    threads.set_num_threads(2)
    for x, y in zip(stats[2][0] + stats[2][1], stats[1][0] + stats[1][1]):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    if training:
        Zt = npdeep.Tensor(Z, requires_grad=True)
        composed = composed_batch_norm(Zt, gamma, beta)
        composed.backward(dZ)
        np.testing.assert_allclose(stats[2][0][0], composed.data, atol=1e-12)
        np.testing.assert_allclose(stats[2][0][1], Zt.grad, atol=1e-10)
    # A channel-major view (a conv's output) gives the same numbers, in its own memory order.
    view = run_batch_norm(np.moveaxis(channel_major, 0, -1), gamma, beta, dZ,
                          training=True)
    again = run_batch_norm(Z, gamma, beta, dZ, training=True)
    for x, y in zip(view, again):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_split_batch_norm_gradcheck(two_threads):
    Z = randn(4, 2, 2, 3, seed=3, scale=2)
    gamma, beta = params(3)
    assert_gradcheck(lambda z, g, b: F.batch_norm(z, g, b), [Z, gamma, beta])


def test_split_batch_norm_is_bitwise_repeatable(two_threads):
    Z = np.random.default_rng(1).standard_normal((6, 5, 5, 4)).astype(np.float32)
    gamma, beta = params(4)
    gamma, beta = (npdeep.Tensor(t.data, dtype=np.float32) for t in (gamma, beta))
    dZ = np.random.default_rng(2).standard_normal(Z.shape).astype(np.float32)
    first, second = (run_batch_norm(Z, gamma, beta, dZ) for _ in range(2))
    for x, y in zip(first, second):
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, y)


def test_small_batches_run_unsplit():
    assert norm._blocks((128, 256)) == [slice(0, 128)]
