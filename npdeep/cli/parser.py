"""The ``npdeep`` argument parser and ``main``: --help with defaults, flag-naming errors."""
from __future__ import annotations

import argparse
import math
import os
import sys

from npdeep.cli.charlm import TASKS, add_charlm_arguments, add_generate_parser
from npdeep.cli.commands import cmd_diagnose, cmd_evaluate, cmd_train
from npdeep.cli.recipes import BUILT_IN, DATASET_DEFAULTS, MODELS, OPTIMIZERS

# Each of these modules adds its own subcommands: ``add_parsers(sub, formatter_class)``.
_COMMAND_MODULES = ("npdeep.cli.bleu", "npdeep.cli.embeddings", "npdeep.cli.dates",
                    "npdeep.cli.tune")


def _hidden(text: str) -> list:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden expects comma-separated layer sizes such "
                                         f"as 128,64; got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be >= 1; got {text!r}")
    return sizes


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" where there is one; options without one say what happens."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        return super()._get_help_string(action)


def _shown(value) -> str:
    """A default as it is typed: [512, 256] -> 512,256."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _per_data_set(key: str) -> str:
    values = ", ".join(f"{name} {_shown(defaults[key])}"
                       for name, defaults in DATASET_DEFAULTS.items())
    return f"(default: the data set's: {values})"


def _number_type(kind, check, expects: str):
    """An argparse type: ``kind(text)`` that passes ``check``, or an error naming the flag."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not check(value):
            # argparse prefixes "argument --flag: ", so the message names the option.
            raise argparse.ArgumentTypeError(f"expects {expects}; got {text!r}")
        return value
    parse.__name__ = expects  # argparse shows it if it ever reports the type
    return parse


_seed = _number_type(int, lambda v: 0 <= v < 2**32, "an int in [0, 2**32)")
_count = _number_type(int, lambda v: v >= 1, "an int >= 1")
_positive = _number_type(float, lambda v: math.isfinite(v) and v > 0, "a number > 0")
_nonnegative = _number_type(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
_keep_prob = _number_type(float, lambda v: 0 < v <= 1, "a probability in (0, 1]")
_beta = _number_type(float, lambda v: 0 <= v < 1, "a β in [0, 1)")
_error_rate = _number_type(float, lambda v: 0 <= v <= 100,
                           "an error rate in [0, 1] (fraction) or [0, 100] (percent)")


def _version() -> str:
    import npdeep

    version = getattr(npdeep, "__version__", None)
    if version is None:
        from importlib import metadata
        try:
            version = metadata.version("npdeep")
        except metadata.PackageNotFoundError:  # run from a source tree never installed
            version = "unknown"
    return version


def _add_train_parser(sub) -> None:
    train = sub.add_parser(
        "train", help="train a model; writes a run folder", formatter_class=_HelpFormatter,
        description="Train a model on a data set and write a run folder (config.json, "
        "model.safetensors, checkpoint.safetensors, history.json, curves.png, results.json). "
        "Unset options take the data set's defaults. With --resume every setting comes from "
        "the run's config.json.")
    train.add_argument("--task", choices=TASKS, default="classify",
                       help="classify: a classifier on a data set; charlm: a character-level "
                       "language model on a text file (--data FILE); dates: the course's "
                       "date translation (human-readable dates to ISO) with attention")
    # No argparse choices: with --task charlm, --data is a file (checked by the command).
    train.add_argument("--data", metavar="DATA",
                       help=f"the data set (default: {BUILT_IN['data']}), one of "
                       f"{', '.join(sorted(DATASET_DEFAULTS))}; with --task charlm a text "
                       "FILE: one example per line, or running text")
    train.add_argument("--model", choices=sorted(MODELS),
                       help=f"the architecture (default: {BUILT_IN['model']})")
    train.add_argument("--hidden", type=_hidden, metavar="SIZES",
                       help=f"hidden layer sizes of the mlp, e.g. 128,64 {_per_data_set('hidden')}")
    train.add_argument("--epochs", type=_count,
                       help="passes over the training set, in total (on --resume: train on to "
                       f"this many) {_per_data_set('epochs')}")
    train.add_argument("--optimizer", choices=OPTIMIZERS,
                       help=f"the update rule {_per_data_set('optimizer')}")
    train.add_argument("--learning-rate", type=_positive, dest="learning_rate",
                       help=f"α (α0 with --decay-rate) {_per_data_set('learning_rate')}")
    train.add_argument("--beta", type=_beta,
                       help="β of momentum's or RMSprop's average (default: 0.9 for momentum, "
                       "0.999 for rmsprop)")
    train.add_argument("--beta1", type=_beta,
                       help="β1 of Adam's average of the gradients (default: 0.9)")
    train.add_argument("--beta2", type=_beta,
                       help="β2 of Adam's average of the squared gradients (default: 0.999)")
    train.add_argument("--decay-rate", type=_nonnegative, dest="decay_rate",
                       help="α = α0 / (1 + decay_rate · epoch); 0 for a constant α "
                       f"{_per_data_set('decay_rate')}")
    train.add_argument("--mini-batch-size", type=_count, dest="mini_batch_size",
                       help=f"examples per gradient step {_per_data_set('mini_batch_size')}")
    train.add_argument("--lambd", type=_nonnegative,
                       help=f"L2 regularization strength λ {_per_data_set('lambd')}")
    train.add_argument("--keep-prob", type=_keep_prob, dest="keep_prob",
                       help="dropout keep probability of hidden units, 1 = no dropout "
                       f"{_per_data_set('keep_prob')}")
    train.add_argument("--batch-norm", action=argparse.BooleanOptionalAction,
                       dest="batch_norm", default=None,
                       help="batch norm before each hidden activation (default: off)")
    train.add_argument("--seed", type=_seed,
                       help="seeds the data split, the initial weights, shuffling and "
                       f"dropout (default: {BUILT_IN['seed']})")
    train.add_argument("--out", help="the run folder (default: runs/DATA-MODEL)")
    mode = train.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true",
                      help="continue the run in --out from its checkpoint, with the settings "
                      "in its config.json (a new run if the folder holds none)")
    mode.add_argument("--overwrite", action="store_true",
                      help="replace the run already in --out (without it, or --resume, an "
                      "existing run is refused)")
    train.add_argument("--allow-change", action="store_true", dest="allow_change",
                       help="with --resume: accept options that differ from the run's saved "
                       "settings (recorded in config.json); without it they are refused. "
                       "--epochs and --data-root may always differ")
    train.add_argument("--data-root", dest="data_root",
                       help="folder with the data set's files (MNIST: the four .gz files); "
                       "remembered in config.json for --resume and evaluate")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2),
                       help="0 silent, 1 a progress bar per epoch, 2 one line per epoch "
                       "(default: 1 on a terminal, 2 when the output is a file or pipe)")
    train.add_argument("--no-progress", action="store_true", dest="no_progress",
                       help="same as --verbose 0")
    add_charlm_arguments(train)
    train.set_defaults(handler=cmd_train)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npdeep", description="Deep learning from first principles on NumPy.",
        formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"npdeep {_version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train_parser(sub)

    evaluate = sub.add_parser("evaluate", help="evaluate a trained run",
                              formatter_class=_HelpFormatter,
                              description="Accuracy, cost and a classification report of a "
                              "run folder's model on one split of its data.")
    evaluate.add_argument("--run", required=True, help="a run folder written by npdeep train")
    evaluate.add_argument("--data", choices=sorted(DATASET_DEFAULTS),
                          help="data set (default: the one trained on)")
    evaluate.add_argument("--split", choices=("train", "dev", "test"), default="test",
                          help="which split to evaluate")
    evaluate.add_argument("--data-root", dest="data_root",
                          help="folder with the data set's files (default: the --data-root "
                          "the run was trained with)")
    evaluate.set_defaults(handler=cmd_evaluate)

    diag = sub.add_parser("diagnose", help="bias / variance / data mismatch from error rates",
                          formatter_class=_HelpFormatter,
                          description="Which gap to work on first: avoidable bias, variance, "
                          "data mismatch or overfitting to dev. Errors as percentages (8) or "
                          "fractions (0.08), all in the same unit.")
    diag.add_argument("--human", type=_error_rate, required=True,
                      help="human-level error (the proxy for Bayes error)")
    diag.add_argument("--train", type=_error_rate, required=True, help="training error")
    diag.add_argument("--dev", type=_error_rate, required=True, help="dev error")
    diag.add_argument("--train-dev", type=_error_rate, dest="train_dev",
                      help="train-dev error (training distribution, not trained on); gives "
                      "data mismatch (default: none)")
    diag.add_argument("--test", type=_error_rate,
                      help="test error; gives overfitting to dev (default: none)")
    diag.set_defaults(handler=cmd_diagnose)
    add_generate_parser(sub, _HelpFormatter)
    import importlib

    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_parsers(sub, _HelpFormatter)
    return parser


def _main(argv) -> int:
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


def main(argv=None) -> int:
    """The ``npdeep`` command; returns the exit status."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
        return code
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone. Point stdout at devnull so that the interpreter's
        # final flush does not raise again (the recipe of Python's signal module docs).
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
