"""The ``npdeep`` command: train, evaluate and diagnose from the shell.

    npdeep train --data digits                      # about 98% test accuracy in seconds
    npdeep train --data mnist --data-root DIR --out runs/mnist
    npdeep train --out runs/mnist --resume          # continue it, with its saved settings
    npdeep evaluate --run runs/mnist                # finds the data where it was trained
    npdeep diagnose --human 1 --train 8 --dev 10

``train`` writes a run folder: config.json (every setting, to rebuild the model),
model.safetensors (the final weights), preprocess.safetensors (the standardization fitted on
the training set, when used), checkpoint.safetensors (to continue with --resume),
history.json, curves.png and results.json. An existing run folder is only continued
(--resume) or replaced (--overwrite), never overwritten by accident.

Modules: ``parser`` (options, --help, ``main``), ``commands`` (the subcommands), ``runs``
(run folders, config.json and resume), ``recipes`` (models, data sets, default settings).
"""
from npdeep.cli.commands import cmd_diagnose, cmd_evaluate, cmd_train
from npdeep.cli.parser import build_parser, main
from npdeep.cli.recipes import DATASET_DEFAULTS, MODELS, load_data
from npdeep.cli.runs import RUN_FILES, read_config

__all__ = ["main", "build_parser", "cmd_train", "cmd_evaluate", "cmd_diagnose", "MODELS",
           "DATASET_DEFAULTS", "load_data", "RUN_FILES", "read_config"]
