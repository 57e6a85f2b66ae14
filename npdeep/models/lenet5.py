"""LeNet-5 (LeCun et al. 1998), in the course's modern form (Course 4, week 2).

32x32x1 -> CONV 5x5, 6 -> POOL 2 -> CONV 5x5, 16 -> POOL 2 -> FC 120 -> FC 84 -> 10 logits.
About 60k parameters; n_H and n_W shrink while n_C grows, the pattern of most CNNs since.
"""
from __future__ import annotations

from npdeep import nn
from npdeep.functional.conv import output_size
from npdeep.models._util import check_input_shape, rebuild_hint
from npdeep.validation import check_int


def _lenet5_hint(built_for: tuple):
    """What to say when images of another size reach a LeNet-5 built for ``built_for``."""
    def hint(shape: tuple) -> str:
        if len(shape) != 4:
            return ""
        got = tuple(shape[1:])
        sizes = "×".join(str(n) for n in built_for)
        if built_for[:2] == (32, 32) and got[:2] == (28, 28):
            return (f"LeNet-5 expects {sizes} inputs; pad MNIST by 2 (data.transforms.Pad(2)) "
                    f"or pass input_shape={got}")
        return f"{rebuild_hint('lenet5')(shape)}, or resize the images to {sizes}"
    return hint


def lenet5(input_shape=(32, 32, 1), n_classes: int = 10, activation: str = "relu",
           pool: str = "avg") -> nn.Sequential:
    """Build LeNet-5 as a Sequential.

    The output is n_classes logits; the softmax is applied by the loss (cross-entropy on
    logits). Exactly 61,706 parameters at the defaults:
    156 + 2,416 (convs) + 48,120 + 10,164 + 850 (dense).

    Args:
        input_shape: (n_H, n_W, n_C) of one image; 32x32x1 as in the paper (pad MNIST's
            28x28 by 2 with ``npdeep.data.transforms.Pad(2)``, or build it with
            ``input_shape=(28, 28, 1)``: the first dense layer is then Linear(256, 120)).
            The model checks its input against it and says how to fix another size.
        n_classes: the number of logits.
        activation: "relu" (with He initialization) or "tanh" (the paper's, Xavier).
        pool: "avg" (the paper's subsampling) or "max".

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes).

    Raises:
        ValueError: for an unknown activation or pool, or an image too small for the two
            5x5 convolutions and two pools (n_H and n_W must be at least 16); when called, for
            inputs of another shape than ``input_shape``.
    """
    shape = check_input_shape(input_shape, "lenet5")
    n_H, n_W, n_C = shape
    check_int(n_classes, "n_classes", "lenet5")
    acts = {"relu": (nn.ReLU, "he"), "tanh": (nn.Tanh, "xavier")}
    pools = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}
    if activation not in acts:
        raise ValueError(f"The 'activation' parameter of lenet5 must be one of {tuple(acts)}. "
                         f"Got {activation!r} instead.")
    if pool not in pools:
        raise ValueError(f"The 'pool' parameter of lenet5 must be one of {tuple(pools)}. "
                         f"Got {pool!r} instead.")
    Act, init = acts[activation]
    Pool = pools[pool]
    for _ in range(2):  # CONV 5x5 valid, then POOL 2 stride 2
        n_H, n_W = output_size(n_H, 5, 1, (0, 0)), output_size(n_W, 5, 1, (0, 0))
        n_H, n_W = output_size(n_H, 2, 2, (0, 0)), output_size(n_W, 2, 2, (0, 0))
        if n_H < 1 or n_W < 1:
            raise ValueError(f"lenet5: input_shape {tuple(input_shape)} is too small; LeNet-5 "
                             "needs images of at least 16x16 (the paper uses 32x32)")
    return nn.Sequential(
        nn.Conv2d(n_C, 6, 5, init=init), Act(), Pool(2),       # (m, 28, 28, 6) -> (m, 14, 14, 6)
        nn.Conv2d(6, 16, 5, init=init), Act(), Pool(2),        # (m, 10, 10, 16) -> (m, 5, 5, 16)
        nn.Flatten(),                                          # (m, 400)
        nn.Linear(n_H * n_W * 16, 120, init=init), Act(),
        nn.Linear(120, 84, init=init), Act(),
        nn.Linear(84, n_classes, init="xavier"),
        name="LeNet-5", input_shape=shape, input_hint=_lenet5_hint(shape),
    )


def lenet5_resized(input_shape, n_classes: int = 10, activation: str = "relu",
                   pool: str = "avg") -> nn.Sequential:
    """LeNet-5 after a layer that brings smaller images to its 32x32 input.

    Square images whose side divides 32 are enlarged with :class:`~npdeep.nn.Upsample2d`
    (the 8x8 digits: factor 4, so the digit fills the frame); others are zero-padded to 32x32
    with :class:`~npdeep.nn.ZeroPad2d` (MNIST's 28x28: 2 on each side, as in the paper).
    Images of 32x32 or more go to LeNet-5 unchanged.

    Returns:
        nn.Sequential mapping (m, n_H, n_W, n_C) to
        (m, n_classes), which checks its input against ``input_shape``.
    """
    n_H, n_W, n_C = check_input_shape(input_shape, "lenet5_resized")
    if n_H >= 32 and n_W >= 32:
        return lenet5((n_H, n_W, n_C), n_classes, activation, pool)
    if n_H == n_W and 32 % n_H == 0 and n_H <= 16:
        adapter = nn.Upsample2d(32 // n_H)
    else:
        pad_H, pad_W = max(32 - n_H, 0), max(32 - n_W, 0)
        adapter = nn.ZeroPad2d(((pad_H // 2, pad_H - pad_H // 2),
                                (pad_W // 2, pad_W - pad_W // 2)))
    body = lenet5((max(n_H, 32), max(n_W, 32), n_C), n_classes, activation, pool)
    return nn.Sequential(adapter, *body, name="LeNet-5 (resized)",
                         input_shape=(n_H, n_W, n_C), input_hint=rebuild_hint("lenet5_resized"))
