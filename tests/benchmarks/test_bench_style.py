"""bench_style: the style-transfer step builds and runs, its conv share is a fraction, and its
floor lists only the image's products (forward and dA_prev, no weight gradient)."""
from benchmarks import bench_style


def test_style_step_runs_and_lists_the_image_products():
    workload = bench_style.build_style(size=16, stage_channels=(4, 4, 8, 8, 8))
    G = workload.sides["npdeep"]
    G()
    assert 0.0 < workload.info["conv_share"] <= 1.0
    assert workload.sides.keys() == {"npdeep"}  # npdeep alone
    # 13 convolutions up to conv5_1, each a forward and a backward-to-input product (a
    # Winograd layer: 2 batched products, an im2col layer: 2 plain ones).
    assert len(workload.gemms) == 2 * 13
    assert not any(g.what.startswith(("dW", "dU")) for g in workload.gemms)
