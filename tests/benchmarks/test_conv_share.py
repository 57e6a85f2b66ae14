"""benchmarks/conv_share.py: the share of a step in convolution, and nothing left patched."""
import numpy as np

from benchmarks.conv_share import conv_share


def test_conv_share_restores_the_functions():
    from npdeep.functional.conv import Conv2d
    before = Conv2d.__dict__["forward"]
    share = conv_share(lambda: np.zeros(3), steps=1)
    assert share == 0.0
    assert Conv2d.__dict__["forward"] is before


def test_a_step_that_is_all_convolution_has_a_large_share():
    import npdeep
    from npdeep import functional as F
    A = npdeep.tensor(np.random.default_rng(0).standard_normal((8, 16, 16, 8)))
    W = npdeep.tensor(np.random.default_rng(1).standard_normal((3, 3, 8, 8)), requires_grad=True)
    share = conv_share(lambda: F.conv2d(A, W).sum().backward(), steps=3)
    assert 0.5 < share <= 1.0
