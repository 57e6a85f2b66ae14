"""The ``npdeep`` command: train, evaluate and diagnose from the shell.

    npdeep train --data digits                      # about 98% test accuracy in seconds
    npdeep train --data mnist --data-root DIR --out runs/mnist
    npdeep evaluate --run runs/mnist
    npdeep diagnose --human 1 --train 8 --dev 10

``train`` writes a run folder: config.json (every setting, to rebuild the model),
model.safetensors (the final weights), preprocess.safetensors (the standardization fitted on
the training set, when used), checkpoint.safetensors (to continue with --resume),
history.json, curves.png and results.json.

Models are built by the functions in ``MODELS``: name -> builder(input_shape, n_classes, args),
where input_shape is one example's shape (e.g. (8, 8, 1)) and args the parsed options.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
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


def _standardizer_for(run_dir: str):
    from npdeep.data import Standardizer
    from npdeep.train.checkpoint import read_safetensors

    path = os.path.join(run_dir, "preprocess.safetensors")
    if not os.path.exists(path):
        return None
    arrays, _ = read_safetensors(path)
    return Standardizer().load_state_dict(arrays)


def _apply(scaler, pair):
    if scaler is None:
        return pair
    return scaler.transform(pair[0]).astype(np.float32), pair[1]


# ---------------------------------------------------------------------------- commands


def _hidden(text: str) -> list:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects comma-separated layer sizes such "
                                         f"as 128,64; got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be >= 1; got {text!r}")
    return sizes


def _resolve(args) -> dict:
    """The command-line options over the data set's defaults."""
    config = dict(DATASET_DEFAULTS[args.data])
    for key in config:
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    config.update(data=args.data, model=args.model, seed=args.seed,
                  batch_norm=args.batch_norm)
    return config


def _build(config: dict, data):
    args = SimpleNamespace(**config)
    builder = MODELS[config["model"]]
    return builder(tuple(config["input_shape"]), data.n_classes, args)


def _make_optimizer(config: dict, model):
    from npdeep import optim

    classes = {"gd": optim.GD, "momentum": optim.Momentum, "rmsprop": optim.RMSprop,
               "adam": optim.Adam}
    trainable = [p for p in model.parameters() if p.requires_grad]
    return classes[config["optimizer"]](trainable, learning_rate=config["learning_rate"],
                                        lambd=config["lambd"])


def cmd_train(args) -> int:
    import npdeep
    from npdeep import functional as F
    from npdeep.data import Standardizer
    from npdeep.optim import InverseTimeDecay
    from npdeep.train.checkpoint import write_safetensors, write_text_atomic

    config = _resolve(args)
    out = args.out or os.path.join("runs", f"{config['data']}-{config['model']}")
    os.makedirs(out, exist_ok=True)
    started = time.perf_counter()
    data = load_data(config["data"], config["seed"], args.data_root)
    config["input_shape"] = list(data.input_shape)
    config["n_classes"] = data.n_classes
    config["class_names"] = data.class_names
    scaler = None
    if data.standardize:
        scaler = Standardizer().fit(data.train[0])
        write_safetensors(os.path.join(out, "preprocess.safetensors"),
                          {k: np.asarray(v) for k, v in scaler.state_dict().items()})
    train, dev, test = (_apply(scaler, pair) for pair in (data.train, data.dev, data.test))
    write_text_atomic(os.path.join(out, "config.json"), json.dumps(config, indent=1))

    npdeep.manual_seed(config["seed"])
    model = _build(config, data)
    optimizer = _make_optimizer(config, model)
    schedule = None
    if config["decay_rate"]:
        schedule = InverseTimeDecay(config["learning_rate"], config["decay_rate"])
    print(f"Training {config['model']} on {config['data']}: {len(train[0])} train, "
          f"{len(dev[0])} dev, {len(test[0])} test examples; "
          f"{model.num_parameters():,} parameters", flush=True)
    history = npdeep.fit(model, F.cross_entropy, optimizer, train, dev=dev,
                         epochs=config["epochs"], mini_batch_size=config["mini_batch_size"],
                         schedule=schedule, checkpoint_dir=out, resume=args.resume,
                         progress=not args.no_progress, seed=config["seed"])
    npdeep.save(model, os.path.join(out, "model.safetensors"))
    history.to_json(os.path.join(out, "history.json"))
    try:
        history.plot(os.path.join(out, "curves.png"), title=f"{config['model']} on "
                     f"{config['data']}")
    except ImportError:
        print("matplotlib is not installed: curves.png not drawn", file=sys.stderr)
    results = {}
    for split_name, pair in (("train", train), ("dev", dev), ("test", test)):
        results[split_name] = npdeep.evaluate(model, pair, loss_fn=F.cross_entropy)
    results["seconds"] = time.perf_counter() - started
    write_text_atomic(os.path.join(out, "results.json"), json.dumps(results, indent=1))
    print(f"train accuracy: {results['train']['accuracy']:.4f}")
    print(f"dev accuracy:   {results['dev']['accuracy']:.4f}")
    print(f"test accuracy:  {results['test']['accuracy']:.4f}")
    print(f"({results['seconds']:.1f} s; run folder: {out})")
    return 0


def cmd_evaluate(args) -> int:
    import npdeep
    from npdeep import functional as F
    from npdeep.metrics import accuracy, classification_report

    config_path = os.path.join(args.run, "config.json")
    if not os.path.exists(config_path):
        print(f"npdeep evaluate: no config.json in '{args.run}'; pass the folder written by "
              "npdeep train --out", file=sys.stderr)
        return 2
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    name = args.data or config["data"]
    data = load_data(name, config["seed"], args.data_root)
    if list(data.input_shape) != list(config["input_shape"]):
        print(f"npdeep evaluate: the run was trained on inputs of shape "
              f"{tuple(config['input_shape'])} but {name} has {data.input_shape}",
              file=sys.stderr)
        return 2
    model = _build(config, data)
    npdeep.load(model, os.path.join(args.run, "model.safetensors"))
    scaler = _standardizer_for(args.run)
    X, y = _apply(scaler, getattr(data, args.split))
    Z = npdeep.predict(model, X)
    results = npdeep.evaluate(model, (X, y), loss_fn=F.cross_entropy)
    print(f"{name} {args.split} set: {len(y)} examples")
    print(f"accuracy: {accuracy(y, Z):.4f}   cost: {results['cost']:.4f}")
    print()
    print(classification_report(y, Z, class_names=config.get("class_names")))
    return 0


def cmd_diagnose(args) -> int:
    from npdeep.metrics import diagnose

    result = diagnose(human_error=args.human, train_error=args.train, dev_error=args.dev,
                      train_dev_error=args.train_dev, test_error=args.test)
    print(result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npdeep", description="Deep learning from first principles on NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model; writes a run folder",
                           description="Train a model on a data set and write a run folder. "
                           "Unset options take the data set's defaults.")
    train.add_argument("--data", choices=sorted(DATASET_DEFAULTS), default="digits")
    train.add_argument("--model", choices=sorted(MODELS), default="mlp")
    train.add_argument("--hidden", type=_hidden, help="hidden layer sizes, e.g. 128,64")
    train.add_argument("--epochs", type=int)
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--learning-rate", type=float, dest="learning_rate")
    train.add_argument("--decay-rate", type=float, dest="decay_rate",
                       help="α = α0 / (1 + decay_rate · epoch); 0 for a constant α")
    train.add_argument("--mini-batch-size", type=int, dest="mini_batch_size")
    train.add_argument("--lambd", type=float, help="L2 regularization strength λ")
    train.add_argument("--keep-prob", type=float, dest="keep_prob",
                       help="dropout keep probability of hidden units (1 = no dropout)")
    train.add_argument("--batch-norm", action="store_true", dest="batch_norm",
                       help="batch norm before each hidden activation")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", help="run folder (default runs/DATA-MODEL)")
    train.add_argument("--resume", action="store_true",
                       help="continue from the run folder's checkpoint")
    train.add_argument("--data-root", dest="data_root",
                       help="folder with the data set's files (MNIST: the four .gz files)")
    train.add_argument("--no-progress", action="store_true", dest="no_progress")
    train.set_defaults(handler=cmd_train)

    evaluate = sub.add_parser("evaluate", help="evaluate a trained run")
    evaluate.add_argument("--run", required=True, help="a run folder written by npdeep train")
    evaluate.add_argument("--data", choices=sorted(DATASET_DEFAULTS),
                          help="data set (default: the one trained on)")
    evaluate.add_argument("--split", choices=("train", "dev", "test"), default="test")
    evaluate.add_argument("--data-root", dest="data_root")
    evaluate.set_defaults(handler=cmd_evaluate)

    diag = sub.add_parser("diagnose", help="bias / variance / data mismatch from error rates",
                          description="Errors as percentages (8) or fractions (0.08), "
                          "all in the same unit.")
    diag.add_argument("--human", type=float, required=True, help="human-level error")
    diag.add_argument("--train", type=float, required=True, help="training error")
    diag.add_argument("--dev", type=float, required=True, help="dev error")
    diag.add_argument("--train-dev", type=float, dest="train_dev", help="train-dev error")
    diag.add_argument("--test", type=float, help="test error")
    diag.set_defaults(handler=cmd_diagnose)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileNotFoundError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"npdeep {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
