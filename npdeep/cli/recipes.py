"""What ``npdeep train`` can train: the models, the data sets and their default settings.

Models are built by the functions in ``MODELS``: name -> builder(input_shape, n_classes, args),
where input_shape is one example's shape (e.g. (8, 8, 1)) and args the run's settings.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np

# ---------------------------------------------------------------------------- models


def build_mlp(input_shape: tuple, n_classes: int, args):
    """mlp() on the flattened input: [Flatten ->] (LINEAR -> RELU) x len(hidden) -> LINEAR."""
    from npdeep import nn
    from npdeep.models import mlp

    n_x = int(np.prod(input_shape))
    body = mlp(n_x, hidden=tuple(args.hidden), n_classes=n_classes, keep_prob=args.keep_prob,
               batch_norm=args.batch_norm)
    if len(input_shape) == 1:
        return body
    return nn.Sequential(nn.Flatten(), *body)


def build_lenet5(input_shape: tuple, n_classes: int, args):
    """LeNet-5, with the input brought to 32x32 (digits 8x8: upsampled x4; MNIST: padded by 2)."""
    from npdeep.models import lenet5_resized

    return lenet5_resized(input_shape, n_classes)


MODELS = {"mlp": build_mlp, "lenet5": build_lenet5}

# Per data set: where it comes from and the settings that train it well in little time.
# Every setting can be overridden on the command line.
DATASET_DEFAULTS = {
    "digits": dict(hidden=[256], epochs=40, optimizer="adam", learning_rate=1e-3,
                   mini_batch_size=32, lambd=0.0, keep_prob=0.9, decay_rate=0.0),
    "mnist": dict(hidden=[512, 256], epochs=20, optimizer="adam", learning_rate=1e-3,
                  mini_batch_size=128, lambd=0.0, keep_prob=0.8, decay_rate=0.1),
    "fashion-mnist": dict(hidden=[512, 256], epochs=20, optimizer="adam", learning_rate=1e-3,
                          mini_batch_size=128, lambd=0.0, keep_prob=0.8, decay_rate=0.1),
    "planar": dict(hidden=[8], epochs=200, optimizer="adam", learning_rate=1e-2,
                   mini_batch_size=64, lambd=0.0, keep_prob=1.0, decay_rate=0.0),
}
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
# The β of each optimizer's exponentially weighted averages, which a run may set (--beta,
# --beta1, --beta2; recorded in config.json only when given): without them the optimizer's
# own defaults, the course's (momentum 0.9, RMSprop 0.999, Adam 0.9 and 0.999).
OPTIMIZER_BETAS = {"gd": (), "momentum": ("beta",), "rmsprop": ("beta",),
                   "adam": ("beta1", "beta2")}
BETAS = ("beta", "beta1", "beta2")
# The settings a run gets when neither the command line nor the data set gives them.
BUILT_IN = dict(data="digits", model="mlp", seed=0, batch_norm=False)


# ---------------------------------------------------------------------------- data


def load_data(name: str, seed: int, data_root=None) -> SimpleNamespace:
    """The data set ``name`` split into train, dev and test, before any standardization.

    digits: 80/10/10 random split of the 1,797 images. mnist, fashion-mnist: the official 10k
    test set; 5,000 dev images carved from the 60k training images. planar: 80/10/10 of 400
    points.

    Returns:
        train, dev, test (each an (X, y) pair, y integer labels), input_shape, n_classes,
        class_names, and standardize (whether to standardize features with train statistics).
    """
    from npdeep import data

    if name == "digits":
        X, y = data.load_digits(flatten=False)
        splits = data.split(X, y, dev=0.1, test=0.1, seed=seed)
        train, dev, test = splits.train, splits.dev, splits.test
        class_names, standardize = [str(d) for d in range(10)], True
    elif name in ("mnist", "fashion-mnist"):
        loader = data.load_mnist if name == "mnist" else data.load_fashion_mnist
        X, y = loader(data_root, kind="train")
        test = loader(data_root, kind="test")
        splits = data.split(X, y, dev=5000, test=0, seed=seed)
        train, dev = splits.train, splits.dev
        names = data.MNIST_CLASSES if name == "mnist" else data.FASHION_MNIST_CLASSES
        # Pixels are already scaled to [0, 1]; per-pixel standardization would blow up the
        # nearly constant border pixels.
        class_names, standardize = list(names), False
    elif name == "planar":
        X, Y = data.load_planar(m=400, seed=1)
        splits = data.split(X, Y[:, 0].astype(np.int64), dev=0.1, test=0.1, seed=seed)
        train, dev, test = splits.train, splits.dev, splits.test
        class_names, standardize = ["red", "blue"], True
    else:
        raise ValueError(f"Unknown data set {name!r}; choose from {sorted(DATASET_DEFAULTS)}")
    return SimpleNamespace(train=train, dev=dev, test=test, input_shape=tuple(X.shape[1:]),
                           n_classes=len(class_names), class_names=class_names,
                           standardize=standardize)


def standardizer_for(run_dir: str):
    from npdeep.data import Standardizer
    from npdeep.train.checkpoint import read_safetensors

    path = os.path.join(run_dir, "preprocess.safetensors")
    if not os.path.exists(path):
        return None
    arrays, _ = read_safetensors(path)
    return Standardizer().load_state_dict(arrays)


def apply_scaler(scaler, pair):
    if scaler is None:
        return pair
    return scaler.transform(pair[0]).astype(np.float32), pair[1]


def prepare_data(config: dict, data, out: str) -> tuple:
    """The train, dev and test pairs a run trains and evaluates on, standardized when the data
    set asks for it, with the scaler (fit on the train features) saved as
    ``out/preprocess.safetensors`` for :func:`standardizer_for`. Also records the data's
    input_shape, n_classes and class_names in ``config`` (build_model reads input_shape)."""
    from npdeep.data import Standardizer
    from npdeep.train.checkpoint import write_safetensors

    config.update(input_shape=list(data.input_shape), n_classes=data.n_classes,
                  class_names=data.class_names)
    scaler = None
    if data.standardize:
        scaler = Standardizer().fit(data.train[0])
        write_safetensors(os.path.join(out, "preprocess.safetensors"),
                          {k: np.asarray(v) for k, v in scaler.state_dict().items()})
    return tuple(apply_scaler(scaler, pair) for pair in (data.train, data.dev, data.test))


def build_model(config: dict, data):
    args = SimpleNamespace(**config)
    builder = MODELS[config["model"]]
    return builder(tuple(config["input_shape"]), data.n_classes, args)


def optimizer_betas(config: dict) -> dict:
    """The β settings of ``config`` that its optimizer takes ({"beta1": 0.95}, ...), or a
    ValueError for a β that optimizer has none of (gd and a β, adam and beta)."""
    name = config["optimizer"]
    given = {k: config[k] for k in BETAS if config.get(k) is not None}
    wrong = [k for k in given if k not in OPTIMIZER_BETAS[name]]
    if wrong:
        own = ", ".join(OPTIMIZER_BETAS[name]) or "none"
        raise ValueError(f"the {name} optimizer has no {wrong[0]!r} (its β settings: {own}); "
                         "momentum and rmsprop take beta, adam takes beta1 and beta2")
    return given


def make_optimizer(config: dict, model):
    from npdeep import optim

    classes = {"gd": optim.GD, "momentum": optim.Momentum, "rmsprop": optim.RMSprop,
               "adam": optim.Adam}
    trainable = [p for p in model.parameters() if p.requires_grad]
    return classes[config["optimizer"]](trainable, learning_rate=config["learning_rate"],
                                        lambd=config["lambd"], **optimizer_betas(config))


def make_schedule(config: dict):
    """α = α0 / (1 + decay_rate · epoch) for a decay_rate, else None (a constant α)."""
    from npdeep.optim import InverseTimeDecay

    if not config["decay_rate"]:
        return None
    return InverseTimeDecay(config["learning_rate"], config["decay_rate"])
