"""``npdeep train --task dates`` and ``npdeep translate-dates "3 May 1979" [--run DIR]``.

The course's date translation with attention (npdeep.text.dates): a Bi-LSTM encoder, the
course's attention and a post-attention LSTM, trained with ``npdeep.fit`` on ``--n-train``
generated (human, ISO) pairs, checked on ``--n-dev`` held-out ones (human strings the
training set does not hold). The run folder holds config.json, input_vocab.json,
output_vocab.json, model.safetensors, checkpoint.safetensors, history.json, curves.png and
results.json (the dev exact-match accuracy, greedy and with beam search B = 3).
"""
from __future__ import annotations

import json
import os
import shlex
import sys
import time

# The settings of a dates run when the command line does not give them.
DATES_DEFAULTS = dict(n_train=30000, n_dev=1000, epochs=6, optimizer="adam",
                      learning_rate=5e-3, decay_rate=0.0, lambd=0.0, mini_batch_size=64,
                      clip_norm=5.0, seed=0, n_a=32, n_s=64, n_d=10, n_e=16,
                      activation="relu")
MODEL_KEYS = ("n_a", "n_s", "n_d", "n_e", "activation")
# The train options a dates run reads from the command line (the others are refused by
# npdeep.cli.charlm.check_task_options).
DATES_OPTIONS = ("n_train", "n_dev", "epochs", "optimizer", "learning_rate", "decay_rate", "lambd",
                 "mini_batch_size", "seed")
RUN_FILES = ("config.json", "input_vocab.json", "output_vocab.json", "model.safetensors",
             "checkpoint.safetensors", "history.json", "curves.png", "results.json")
DEFAULT_RUN = os.path.join("runs", "dates")
EXAMPLES = ("3 May 1979", "5 Apr 09", "Tuesday, March 7 1983", "07.03.83", "Saturday 9 May 2018")


def add_parsers(sub, formatter_class) -> None:
    """``translate-dates``, and the ``--n-train`` option of ``train --task dates``."""
    from npdeep.cli.parser import _count

    train = sub.choices.get("train")
    if train is not None:
        group = train.add_argument_group(
            "date translation (--task dates)",
            "a sequence-to-sequence model with attention from human-readable dates to ISO "
            "YYYY-MM-DD; --epochs, --optimizer, --learning-rate, --decay-rate, --lambd, "
            "--mini-batch-size, --seed, --out, --resume and --overwrite apply too")
        group.add_argument("--n-train", type=_count, dest="n_train",
                           help="generated training pairs (default: "
                           f"{DATES_DEFAULTS['n_train']})")
        group.add_argument("--n-dev", type=_count, dest="n_dev",
                           help="held-out pairs the run is checked on after every epoch and "
                           f"at the end (default: {DATES_DEFAULTS['n_dev']})")
    translate = sub.add_parser(
        "translate-dates", help="translate human-readable dates to YYYY-MM-DD",
        formatter_class=formatter_class,
        description="Translate dates with a run of npdeep train --task dates: one ISO date "
        "per input, one per line. Inputs longer than 30 characters are cut (with a warning).")
    translate.add_argument("dates", nargs="+", metavar="DATE",
                           help='a human-readable date, e.g. "3 May 1979" or 07.03.83 '
                           "(numeric dates are day first)")
    translate.add_argument("--run", default=DEFAULT_RUN,
                           help="a run folder written by npdeep train --task dates")
    translate.add_argument("--beam", type=int, default=1, metavar="B",
                           help="beam width: 1 is greedy decoding")
    translate.add_argument("--attention", metavar="PNG",
                           help="also draw the attention map of the first date to this file")
    translate.set_defaults(handler=cmd_translate_dates)


# ---------------------------------------------------------------------------- train


def _dates_config(args, out: str) -> dict:
    """The run's settings: config.json's on --resume, else the command line's over the
    defaults (an existing run is refused without --resume or --overwrite)."""
    from npdeep.cli.runs import task_config
    from npdeep.text.dates import read_config

    return task_config(args, out, DATES_OPTIONS, DATES_DEFAULTS, read_config, RUN_FILES)


def cmd_train_dates(args) -> int:
    import npdeep
    from npdeep import functional as F
    from npdeep.cli.charlm import check_task_options
    from npdeep.cli.commands import _verbose
    from npdeep.cli.recipes import make_optimizer, make_schedule
    from npdeep.cli.runs import draw_curves
    from npdeep.text import dates
    from npdeep.train.checkpoint import write_text_atomic

    check_task_options(args)
    out = args.out or DEFAULT_RUN
    config = _dates_config(args, out)
    os.makedirs(out, exist_ok=True)
    started = time.perf_counter()
    seed = config["seed"]
    train_pairs = dates.generate(config["n_train"], seed=2 * seed)
    dev_pairs = dates.held_out(config["n_dev"], 2 * seed + 1, exclude=train_pairs)
    npdeep.manual_seed(seed)
    translator = dates.new_translator(**{k: config[k] for k in MODEL_KEYS})
    model = translator.model
    # config.json first, so that the folder describes its checkpoint from the first epoch.
    dates.save_config(out, translator, config)
    train = dates.training_arrays(train_pairs, translator.input_vocab, translator.output_vocab)
    dev = dates.training_arrays(dev_pairs, translator.input_vocab, translator.output_vocab)
    print(f"Training a date translator with attention: {len(train_pairs):,} train and "
          f"{len(dev_pairs):,} held-out dev pairs; {model.num_parameters():,} parameters",
          flush=True)
    try:
        history = npdeep.fit(model, F.cross_entropy, make_optimizer(config, model), train,
                             dev=dev, epochs=config["epochs"],
                             mini_batch_size=config["mini_batch_size"],
                             schedule=make_schedule(config),
                             metrics=(dates.sequence_accuracy,), checkpoint_dir=out,
                             resume=args.resume, overwrite=args.overwrite,
                             verbose=_verbose(args), seed=seed, clip_norm=config["clip_norm"])
    except KeyboardInterrupt:
        print(f"Interrupted. Continue the run with: npdeep train --task dates --out "
              f"{shlex.quote(out)} --resume", file=sys.stderr)
        return 130
    trained = time.perf_counter() - started
    dates.save(out, translator, settings=config)
    history.to_json(os.path.join(out, "history.json"))
    draw_curves(history, out, "date translation with attention (cost: nats per character)")
    humans, targets = [h for h, _ in dev_pairs], [y for _, y in dev_pairs]
    greedy = dates.exact_match(translator.translate(humans), targets)
    beam = dates.exact_match(translator.translate(humans, beam_width=3), targets)
    results = {"dev_exact_match_greedy": greedy, "dev_exact_match_beam3": beam,
               "n_dev": len(dev_pairs), "epochs": len(history.epochs),
               "train_seconds": trained, "seconds": time.perf_counter() - started}
    write_text_atomic(os.path.join(out, "results.json"), json.dumps(results, indent=1))
    print(f"held-out dev exact match: {greedy:.4f} greedy, {beam:.4f} beam search (B = 3)")
    for text, iso in zip(EXAMPLES, translator.translate(list(EXAMPLES))):
        print(f"  {text!r:26} -> {iso}")
    print(f"({results['seconds']:.1f} s; run folder: {out}; translate with: npdeep "
          f"translate-dates --run {shlex.quote(out)} \"3 May 1979\")")
    return 0


# ---------------------------------------------------------------------------- translate


def cmd_translate_dates(args) -> int:
    from npdeep.text import dates

    translator = dates.load(args.run)
    for iso in translator.translate(args.dates, beam_width=args.beam):
        print(iso)
    if args.attention:
        from npdeep.text.attention_plot import plot_attention

        plot_attention(translator, args.dates[0], path=args.attention)
        print(f"attention map of {args.dates[0]!r}: {args.attention}", file=sys.stderr)
    return 0
