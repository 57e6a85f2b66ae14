"""``npdeep train --task charlm --data FILE`` and ``npdeep generate --run DIR``.

A character-level language model on a text file. The file is read one of two ways
(``--text-mode``, "auto" by default):

- lines: one example per line (a list of names): padded, masked batches
  (npdeep.text.LineBatches); a random 10% of the lines (``--dev-fraction``) is the dev set;
- text: running text (a play): truncated BPTT windows with the state carried from one batch
  to the next (npdeep.text.StreamBatches, a stateful model); the last 10% is the dev set.

"auto" picks lines when the file has no empty line and no line longer than 64 characters
(a list of names or words), and text otherwise.

Training stops early when the dev cost (nats per character; the dev perplexity is its
exponential) has not improved for ``--patience`` epochs, and the best epoch's weights are
kept; ``--minutes`` stops before an epoch that would end past the time budget.
"""
from __future__ import annotations

import json
import math
import os
import shlex
import sys
import time

import numpy as np

from npdeep.cli.runs import _flag, draw_curves
from npdeep.train.callbacks import Callback

TASKS = ("classify", "charlm", "dates")
TEXT_MODES = ("auto", "lines", "text")
# The settings of a charlm run when neither the command line gives them.
CHARLM_DEFAULTS = dict(cell="lstm", n_a=128, num_layers=1, embedding_dim=None,
                       keep_prob=1.0, epochs=30,
                       optimizer="adam", learning_rate=3e-3, decay_rate=0.0, lambd=0.0,
                       mini_batch_size=64, bptt=100, text_mode="auto", dev_fraction=0.1,
                       patience=3, clip_norm=5.0, minutes=None, seed=0)
# Options of the classification task that mean nothing for a language model.
CLASSIFY_ONLY = ("model", "hidden", "batch_norm", "data_root")
CHARLM_ONLY = ("cell", "n_a", "num_layers", "embedding_dim", "bptt", "text_mode",
               "dev_fraction", "patience", "clip_norm", "minutes")
RUN_FILES = ("config.json", "vocab.json", "model.safetensors", "checkpoint.safetensors",
             "history.json", "curves.png", "results.json")
LONGEST_LINE = 64  # "auto": longer lines mean running text


# ---------------------------------------------------------------------------- parsers


def add_charlm_arguments(train) -> None:
    """The options of ``npdeep train --task charlm`` (on the train parser)."""
    from npdeep.cli.parser import _count, _number_type, _positive

    fraction = _number_type(float, lambda v: 0 < v < 1, "a fraction in (0, 1)")
    patience = _number_type(int, lambda v: v >= 0, "an int >= 0")
    group = train.add_argument_group(
        "language model (--task charlm)",
        "a character-level RNN on --data FILE; --epochs, --optimizer, --learning-rate, "
        "--decay-rate, --lambd, --mini-batch-size, --keep-prob (between layers), --seed, "
        "--out, --resume and --overwrite apply too")
    group.add_argument("--cell", choices=("lstm", "gru", "rnn"),
                       help=f"the recurrent cell (default: {CHARLM_DEFAULTS['cell']})")
    group.add_argument("--n-a", type=_count, dest="n_a",
                       help=f"hidden state size n_a (default: {CHARLM_DEFAULTS['n_a']})")
    group.add_argument("--num-layers", type=_count, dest="num_layers",
                       help=f"stacked layers (default: {CHARLM_DEFAULTS['num_layers']})")
    group.add_argument("--embedding-dim", type=_count, dest="embedding_dim",
                       help="learn an embedding of this size for the input tokens (default: "
                       "none: the course's one-hot vectors)")
    group.add_argument("--bptt", type=_count,
                       help="steps per window of running text, how far back the gradient "
                       f"flows (default: {CHARLM_DEFAULTS['bptt']})")
    group.add_argument("--text-mode", choices=TEXT_MODES, dest="text_mode",
                       help="lines: one example per line; text: running text; auto: lines "
                       f"when no line is empty or longer than {LONGEST_LINE} characters "
                       "(default: auto)")
    group.add_argument("--dev-fraction", type=fraction, dest="dev_fraction",
                       help="held out for the dev set: random lines, or the end of the text "
                       f"(default: {CHARLM_DEFAULTS['dev_fraction']})")
    group.add_argument("--patience", type=patience,
                       help="stop after this many epochs without a better dev perplexity; 0 "
                       f"never stops early (default: {CHARLM_DEFAULTS['patience']})")
    group.add_argument("--clip-norm", type=_positive, dest="clip_norm",
                       help="clip the gradients' global norm to this "
                       f"(default: {CHARLM_DEFAULTS['clip_norm']})")
    group.add_argument("--minutes", type=_positive,
                       help="time budget: no epoch starts that would end past it "
                       "(default: none)")


def add_generate_parser(sub, formatter_class) -> None:
    """``npdeep generate``."""
    generate = sub.add_parser(
        "generate", help="sample text from a trained language model",
        formatter_class=formatter_class,
        description="Draw texts from a run of npdeep train --task charlm, one per line: each "
        "character is drawn from the softmax of the model's logits divided by the "
        "temperature.")
    generate.add_argument("--run", required=True,
                          help="a run folder written by npdeep train --task charlm")
    generate.add_argument("-n", type=int, default=10, help="how many samples")
    generate.add_argument("--temperature", type=float, default=1.0,
                          help="> 0: 1 samples the model as trained, lower is more "
                          "conservative (→ 0: the most likely text), higher more varied")
    generate.add_argument("--prefix", default="", help="the text each sample starts with")
    generate.add_argument("--max-length", type=int, dest="max_length", default=None,
                          help="the most characters drawn per sample (default: 50 for a "
                          "model of lines, 500 for running text)")
    generate.add_argument("--seed", type=int, default=None,
                          help="the same seed gives the same samples (default: a fresh draw)")
    generate.set_defaults(handler=cmd_generate)


def check_task_options(args) -> None:
    """Refuse the options of the other task (``npdeep train --cell gru`` without --task
    charlm, or --model with it), naming them."""
    from npdeep.cli.recipes import DATASET_DEFAULTS

    task = getattr(args, "task", "classify")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    if task == "classify" and args.data is not None and args.data not in DATASET_DEFAULTS:
        raise ValueError(f"unknown data set {args.data!r}; choose from "
                         f"{', '.join(sorted(DATASET_DEFAULTS))} (or pass --task charlm to "
                         "train a language model on a text file)")
    if task == "dates":  # generates its data and builds its own model (npdeep.cli.dates)
        refused = {k: "--task dates generates its data and builds its own model"
                   for k in (*CLASSIFY_ONLY, *CHARLM_ONLY, "data", "keep_prob")}
    else:
        other = CLASSIFY_ONLY if task == "charlm" else CHARLM_ONLY
        refused = {k: ("they belong to the classification task" if task == "charlm"
                       else "they belong to --task charlm") for k in other}
        refused.update(n_train="it belongs to --task dates", n_dev="it belongs to --task dates")
    given = [k for k in refused if getattr(args, k, None) not in (None, False)]
    if given:
        raise ValueError(f"{', '.join(map(_flag, given))} cannot be used with --task {task}: "
                         f"{refused[given[0]]}")


# ---------------------------------------------------------------------------- data


class TimeLimit(Callback):
    """Stop before an epoch that would end past ``minutes`` (the mean epoch so far predicts
    the next one)."""

    def __init__(self, minutes: float):
        self.seconds = 60.0 * minutes
        self.started = None

    def on_train_begin(self, model) -> None:
        self.started, self.epochs = time.perf_counter(), 0

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        self.epochs += 1
        elapsed = time.perf_counter() - self.started
        return elapsed + elapsed / self.epochs > self.seconds


def read_text(path: str) -> str:
    """The file's text (UTF-8), or a clear error for a missing or empty file."""
    if path is None:
        raise ValueError("--task charlm needs --data FILE: a UTF-8 text file, one example per "
                         "line (names) or running text")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--data: no such file '{path}'")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.strip():
        raise ValueError(f"--data: '{path}' is empty; a language model needs text to learn "
                         "from")
    return text


def text_mode_of(text: str, mode: str) -> str:
    """"lines" or "text": ``mode`` itself, or for "auto" what the text looks like."""
    if mode != "auto":
        return mode
    lines = text.strip("\n").split("\n")
    if all(line.strip() for line in lines) and max(map(len, lines)) <= LONGEST_LINE:
        return "lines"
    return "text"


def split_text(text: str, mode: str, dev_fraction: float, seed: int) -> tuple:
    """(train, dev): lists of lines (a seeded random dev_fraction held out) or strings (the
    last dev_fraction held out)."""
    if mode == "lines":
        lines = [line for line in text.split("\n") if line.strip()]
        n_dev = max(1, int(round(dev_fraction * len(lines))))
        if len(lines) - n_dev < 1:
            raise ValueError(f"--data has {len(lines)} lines: too few for a train and a dev "
                             "set")
        order = np.random.default_rng(seed).permutation(len(lines))
        dev = {int(i) for i in order[:n_dev]}
        return ([line for i, line in enumerate(lines) if i not in dev],
                [lines[i] for i in sorted(dev)])
    n_dev = int(round(dev_fraction * len(text)))
    return text[:len(text) - n_dev], text[len(text) - n_dev:]


def sources(train_text, dev_text, vocab, mode: str, config: dict) -> tuple:
    from npdeep.text import LineBatches, StreamBatches

    m = config["mini_batch_size"]
    if mode == "lines":
        return (LineBatches(train_text, vocab, mini_batch_size=m),
                LineBatches(dev_text, vocab, mini_batch_size=1024, shuffle=False,
                            pad_to="longest"))
    bptt = config["bptt"]
    # The dev text is shorter: as many rows as give each one window (at most m).
    m_dev = max(1, min(m, (len(dev_text) - 1) // bptt))
    return (StreamBatches(train_text, vocab, mini_batch_size=m, bptt=bptt),
            StreamBatches(dev_text, vocab, mini_batch_size=m_dev, bptt=bptt))


# ---------------------------------------------------------------------------- train


def _charlm_config(args, out: str) -> dict:
    """The run's settings: config.json's on --resume, else the command line's over the
    defaults. Existing runs are refused without --resume or --overwrite."""
    from npdeep.cli.runs import task_config
    from npdeep.text.runs import read_language_model_config

    config = task_config(args, out, (*CHARLM_DEFAULTS, "data"), CHARLM_DEFAULTS,
                         read_language_model_config, RUN_FILES)
    config["task"] = "charlm"
    return config


def cmd_train_charlm(args) -> int:
    import npdeep
    from npdeep import functional as F
    from npdeep.cli.commands import _verbose
    from npdeep.cli.recipes import make_optimizer, make_schedule
    from npdeep.models import char_rnn
    from npdeep.text import BigramModel, Vocabulary, nats_per_token, sample
    from npdeep.text.runs import model_arguments, save_language_model
    from npdeep.train.checkpoint import write_text_atomic

    check_task_options(args)
    text = read_text(args.data)
    stem = os.path.splitext(os.path.basename(args.data))[0]
    out = args.out or os.path.join("runs", f"charlm-{stem}")
    config = _charlm_config(args, out)
    config["data"] = args.data
    os.makedirs(out, exist_ok=True)
    started = time.perf_counter()
    mode = text_mode_of(text, config["text_mode"])
    config["text_mode_used"] = mode
    train_text, dev_text = split_text(text, mode, config["dev_fraction"], config["seed"])
    vocab_path = os.path.join(out, "vocab.json")
    if args.resume and os.path.exists(vocab_path):
        vocab = Vocabulary.load(vocab_path)
    else:
        vocab = Vocabulary.build(train_text)
        vocab.save(vocab_path)
    train, dev = sources(train_text, dev_text, vocab, mode, config)

    npdeep.manual_seed(config["seed"])
    model = char_rnn(len(vocab), config["n_a"], cell=config["cell"],
                     num_layers=config["num_layers"], keep_prob=config["keep_prob"],
                     embedding_dim=config.get("embedding_dim"), stateful=mode == "text")
    config["model"] = model_arguments(model)
    write_text_atomic(os.path.join(out, "config.json"), json.dumps(config, indent=1))
    optimizer = make_optimizer(config, model)
    schedule = make_schedule(config)
    callbacks = []
    if config["patience"] > 0:
        callbacks.append(npdeep.EarlyStopping("dev_cost", patience=config["patience"]))
    if config["minutes"]:
        callbacks.append(TimeLimit(config["minutes"]))
    print(f"Training a character {config['cell']} on {args.data} ({mode}): "
          f"{train.num_tokens:,} train and {dev.num_tokens:,} dev characters, "
          f"{len(vocab)} tokens; {model.num_parameters():,} parameters", flush=True)
    try:
        history = npdeep.fit(model, F.cross_entropy, optimizer, train, dev=dev,
                             epochs=config["epochs"], schedule=schedule, callbacks=callbacks,
                             metrics=(), checkpoint_dir=out, resume=args.resume,
                             overwrite=args.overwrite, verbose=_verbose(args),
                             seed=config["seed"], clip_norm=config["clip_norm"])
    except KeyboardInterrupt:
        print(f"Interrupted. Continue the run with: npdeep train --task charlm --data "
              f"{shlex.quote(args.data)} --out {shlex.quote(out)} --resume", file=sys.stderr)
        return 130
    save_language_model(out, model, vocab, settings=config)
    history.to_json(os.path.join(out, "history.json"))
    draw_curves(history, out, f"character {config['cell']} on {stem} (cost: nats per "
                "character)")
    dev_nats = nats_per_token(model, vocab, dev_text)
    bigram = {s: BigramModel(vocab, smoothing=s).fit(train_text).nats_per_token(dev_text)
              for s in ("add-one", "kneser-ney")}
    results = {"dev_nats_per_char": dev_nats, "dev_perplexity": math.exp(dev_nats),
               "bigram_dev_perplexity": {s: math.exp(h) for s, h in bigram.items()},
               "epochs": len(history.epochs), "seconds": time.perf_counter() - started}
    write_text_atomic(os.path.join(out, "results.json"), json.dumps(results, indent=1))
    print(f"dev: {dev_nats:.4f} nats per character, perplexity {math.exp(dev_nats):.3f} "
          f"(bigram: {math.exp(bigram['add-one']):.3f} add-one, "
          f"{math.exp(bigram['kneser-ney']):.3f} Kneser-Ney)")
    length = 50 if mode == "lines" else 200
    start = "" if mode == "lines" else "\n"  # running text: start after a line break
    for line in sample(model, vocab, n=5 if mode == "lines" else 1, max_length=length,
                       prefix=start, seed=config["seed"]):
        print(f"  {line[len(start):]}")
    print(f"({results['seconds']:.1f} s; run folder: {out}; more samples: npdeep generate "
          f"--run {shlex.quote(out)})")
    return 0


# ---------------------------------------------------------------------------- generate


def cmd_generate(args) -> int:
    from npdeep.text import load_language_model, sample
    from npdeep.text.runs import read_language_model_config

    model, vocab = load_language_model(args.run)
    mode = read_language_model_config(args.run).get("text_mode_used", "lines")
    max_length = args.max_length
    if max_length is None:
        max_length = 50 if mode == "lines" else 500
    # A model of running text never read <eos> (sample's start token): without a prefix it
    # starts after a line break, as a speech does, and the break is not printed.
    start = "\n" if mode == "text" and not args.prefix else ""
    for text in sample(model, vocab, n=args.n, temperature=args.temperature,
                       max_length=max_length, prefix=start + args.prefix, seed=args.seed):
        print(text[len(start):])
    return 0
