"""Language-model run folders: the weights, the vocabulary and how to rebuild the model.

A run folder written by :func:`save_language_model` (``npdeep train --task charlm`` uses it)
holds:

    config.json         {"task": "charlm", "model": {char_rnn's arguments}, ...run settings}
    vocab.json          the Vocabulary (Vocabulary.to_json)
    model.safetensors   the weights (npdeep.save)

Nothing is executed when loading (no pickle): the model is rebuilt from its arguments and
the weights are read from safetensors.
"""
from __future__ import annotations

import json
import os

from npdeep.train.checkpoint import load, save, write_text_atomic
from npdeep.text.vocabulary import Vocabulary

TASK = "charlm"
CONFIG, VOCAB, WEIGHTS = "config.json", "vocab.json", "model.safetensors"


def model_arguments(model) -> dict:
    """char_rnn's arguments that rebuild ``model`` (stateful is a training choice: left out)."""
    return {"vocab_size": model.vocab_size, "n_a": model.n_a, "cell": model.cell,
            "num_layers": model.num_layers, "pad_id": model.pad_id,
            "keep_prob": model.keep_prob, "embedding_dim": model.embedding_dim}


def save_language_model(run_dir: str, model, vocab, settings: dict | None = None) -> None:
    """Write ``model``, ``vocab`` and ``settings`` (run settings for the record) to run_dir.

    Raises:
        ValueError: when the vocabulary and the model's vocab_size differ.
    """
    if len(vocab) != model.vocab_size:
        raise ValueError(f"save_language_model: the vocabulary has {len(vocab)} tokens but the "
                         f"model predicts {model.vocab_size}; save the vocabulary it was "
                         "trained with")
    os.makedirs(run_dir, exist_ok=True)
    config = dict(settings or {})
    config.update({"task": TASK, "model": model_arguments(model)})
    vocab.save(os.path.join(run_dir, VOCAB))
    save(model, os.path.join(run_dir, WEIGHTS))
    write_text_atomic(os.path.join(run_dir, CONFIG), json.dumps(config, indent=1))


def read_task_config(run_dir: str, task: str, kind: str, needed: str) -> dict:
    """The config.json of a ``npdeep train --task <task>`` run folder, checked to be one.

    ``kind`` names what the run holds ("a language model") and ``needed`` what the caller
    asks for, both for the error messages.

    Raises:
        ValueError: for a folder without config.json, invalid JSON, or another task's run.
    """
    path = os.path.join(run_dir, CONFIG)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except FileNotFoundError:
        raise ValueError(f"no {CONFIG} in '{run_dir}'; pass a run folder written by npdeep "
                         f"train --task {task}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"'{path}' is not valid JSON ({error.msg} at line {error.lineno}); "
                         "train the run again") from None
    if not isinstance(config, dict) or config.get("task") != task or not isinstance(
            config.get("model"), dict):
        found = config.get("task", "classify") if isinstance(config, dict) else None
        raise ValueError(f"'{run_dir}' holds a {found!r} run, not {kind}; {needed} a run of "
                         f"npdeep train --task {task}")
    return config


def read_language_model_config(run_dir: str) -> dict:
    """The run's config.json, checked to be a language model's (see read_task_config)."""
    return read_task_config(run_dir, TASK, "a language model", "generate needs")


def load_language_model(run_dir: str) -> tuple:
    """(model, vocab) from a run folder, the model in eval mode.

    Raises:
        ValueError: for a folder that is not a language-model run (or lacks its files).
        FileNotFoundError: when the weights are missing.

    Example:
        >>> model, vocab = npdeep.text.load_language_model("runs/names")
        >>> npdeep.text.sample(model, vocab, n=5, seed=0)
    """
    from npdeep.models.char_rnn import char_rnn

    config = read_language_model_config(run_dir)
    vocab_path = os.path.join(run_dir, VOCAB)
    if not os.path.exists(vocab_path):
        raise ValueError(f"no {VOCAB} in '{run_dir}': the run did not finish, or the file was "
                         "removed; train it again")
    vocab = Vocabulary.load(vocab_path)
    model = char_rnn(**config["model"])
    if len(vocab) != model.vocab_size:
        raise ValueError(f"'{run_dir}': {VOCAB} has {len(vocab)} tokens but the model "
                         f"predicts {model.vocab_size}; the files come from different runs")
    weights = os.path.join(run_dir, WEIGHTS)
    if not os.path.exists(weights):
        raise FileNotFoundError(f"no {WEIGHTS} in '{run_dir}': the run did not finish; "
                                "resume or train it again")
    load(model, weights)
    return model.eval(), vocab
