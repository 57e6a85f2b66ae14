"""The subcommands ``train``, ``evaluate`` and ``diagnose``: ``cmd_x(args) -> exit status``
(``train --task charlm`` and ``generate`` are in :mod:`npdeep.cli.charlm`)."""
from __future__ import annotations

import json
import os
import shlex
import sys
import time

from npdeep.cli.charlm import check_task_options, cmd_train_charlm
from npdeep.cli.recipes import (BUILT_IN, apply_scaler, build_model, load_data, make_optimizer,
                                make_schedule, prepare_data, standardizer_for)
from npdeep.cli.runs import draw_curves, read_config, train_config


def _verbose(args) -> int:
    """--verbose, else 0 for --no-progress, else a bar on a terminal and lines elsewhere."""
    if args.verbose is not None:
        return args.verbose
    if args.no_progress:
        return 0
    return 1 if sys.stdout.isatty() else 2


def cmd_train(args) -> int:
    import npdeep
    from npdeep import functional as F
    from npdeep.train.checkpoint import write_text_atomic

    if getattr(args, "task", "classify") == "charlm":
        return cmd_train_charlm(args)
    if getattr(args, "task", "classify") == "dates":
        from npdeep.cli.dates import cmd_train_dates

        return cmd_train_dates(args)
    check_task_options(args)  # also: --data names a known data set
    data_name = args.data or BUILT_IN["data"]
    model_name = args.model or BUILT_IN["model"]
    out = args.out or os.path.join("runs", f"{data_name}-{model_name}")
    config_path = os.path.join(out, "config.json")
    saved_config = None
    if args.resume and os.path.exists(config_path):
        with open(config_path, encoding="utf-8") as f:
            saved_config = f.read()
    config = train_config(args, out)
    os.makedirs(out, exist_ok=True)
    started = time.perf_counter()
    # config.get: a run folder written before data_root was remembered has none.
    data = load_data(config["data"], config["seed"], config.get("data_root"))
    train, dev, test = prepare_data(config, data, out)
    write_text_atomic(config_path, json.dumps(config, indent=1))

    npdeep.manual_seed(config["seed"])
    model = build_model(config, data)
    optimizer = make_optimizer(config, model)
    schedule = make_schedule(config)
    print(f"Training {config['model']} on {config['data']}: {len(train[0])} train, "
          f"{len(dev[0])} dev, {len(test[0])} test examples; "
          f"{model.num_parameters():,} parameters", flush=True)
    try:
        # fit says "resuming from epoch k of n" or "run already complete" itself (verbose >= 1).
        history = npdeep.fit(model, F.cross_entropy, optimizer, train, dev=dev,
                             epochs=config["epochs"], mini_batch_size=config["mini_batch_size"],
                             schedule=schedule, checkpoint_dir=out, resume=args.resume,
                             overwrite=args.overwrite, verbose=_verbose(args),
                             seed=config["seed"])
    except KeyboardInterrupt:
        print(f"Interrupted. Continue the run with: npdeep train --out {shlex.quote(out)} "
              "--resume", file=sys.stderr)
        return 130
    except ValueError:
        # fit refused before training (e.g. --allow-change to another architecture): the run
        # folder must still describe its checkpoint, so a plain --resume keeps working.
        if saved_config is not None:
            write_text_atomic(config_path, saved_config)
        raise
    npdeep.save(model, os.path.join(out, "model.safetensors"))
    history.to_json(os.path.join(out, "history.json"))
    draw_curves(history, out, f"{config['model']} on {config['data']}")
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

    config = read_config(os.path.join(args.run, "config.json"))
    name = args.data or config["data"]
    # The data are where the run was trained unless told otherwise (and only for its data set).
    data_root = args.data_root
    if data_root is None and name == config["data"]:
        data_root = config.get("data_root")
    try:
        data = load_data(name, config["seed"], data_root)
    except FileNotFoundError as error:
        hint = ("; pass --data-root where the files are now" if data_root is not None
                and args.data_root is None else "")
        raise FileNotFoundError(f"{error}{hint}") from None
    if list(data.input_shape) != list(config["input_shape"]):
        raise ValueError(f"the run was trained on inputs of shape "
                         f"{tuple(config['input_shape'])} but {name} has {data.input_shape}")
    model = build_model(config, data)
    npdeep.load(model, os.path.join(args.run, "model.safetensors"))
    scaler = standardizer_for(args.run)
    X, y = apply_scaler(scaler, getattr(data, args.split))
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
