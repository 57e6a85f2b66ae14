"""A training configuration as an objective: ``npdeep train``'s data, model and optimizer,
with the searched hyperparameters set over them.

Each trial is a run folder as ``npdeep train`` writes it (config.json, preprocess,
checkpoint, model, history), so ``npdeep evaluate --run STUDY/trials/trial-0007`` works on
any trial. The pieces are the CLI's own (npdeep.cli.recipes: load_data, build_model,
make_optimizer, make_schedule, prepare_data), imported when a trial runs.
"""
from __future__ import annotations

import json
import os

# What a search may set: the CLI's training settings, the β of the optimizers' averages
# included (Momentum and RMSprop: beta; Adam: beta1, beta2).
TUNABLE = ("hidden", "epochs", "optimizer", "learning_rate", "decay_rate", "mini_batch_size",
           "lambd", "keep_prob", "batch_norm", "beta", "beta1", "beta2")
_DATA_CACHE = {}  # (name, seed, data_root) -> the split data, per process (each worker once)


class TrainingObjective:
    """objective(params, trial) -> the dev accuracy after training with ``params``.

    Args:
        data: a data set of ``npdeep train`` ("digits", "mnist", "fashion-mnist", "planar").
        model: "mlp" or "lenet5".
        epochs: epochs per trial (default: the data set's).
        seed: the data split's and the initial weights' seed, the same for every trial, so
            trials differ only in their hyperparameters.
        data_root: folder with the data set's files (MNIST).
        **settings: fixed settings of the CLI (optimizer="adam", keep_prob=1.0, ...).

    Example:
        >>> objective = TrainingObjective("digits", epochs=10)
        >>> random_search(objective, {"learning_rate": LogUniform(1e-4, 1e-1)}, 20)
    """

    known_hyperparameters = TUNABLE

    def __init__(self, data: str = "digits", model: str = "mlp", epochs: int | None = None,
                 seed: int = 0, data_root=None, **settings):
        from npdeep.cli.recipes import BUILT_IN, DATASET_DEFAULTS, MODELS

        where = "TrainingObjective"
        if data not in DATASET_DEFAULTS:
            raise ValueError(f"{where}: unknown data set {data!r}; choose from "
                             f"{sorted(DATASET_DEFAULTS)}")
        if model not in MODELS:
            raise ValueError(f"{where}: unknown model {model!r}; choose from {sorted(MODELS)}")
        unknown = sorted(set(settings) - set(TUNABLE))
        if unknown:
            raise ValueError(f"{where}: unknown settings {unknown}; the ones a trial can set "
                             f"are {', '.join(TUNABLE)}")
        self.config = {**BUILT_IN, **DATASET_DEFAULTS[data], "data": data, "model": model,
                       "seed": seed, "data_root": data_root}
        if epochs is not None:
            self.config["epochs"] = epochs
        self.config.update(settings)

    @classmethod
    def from_dict(cls, config: dict) -> "TrainingObjective":
        objective = cls(config["data"], config["model"], seed=config["seed"],
                        data_root=config.get("data_root"))
        objective.config = dict(config)
        return objective

    def to_dict(self) -> dict:
        return dict(self.config)

    def __repr__(self) -> str:
        return (f"TrainingObjective({self.config['data']!r}, {self.config['model']!r}, "
                f"epochs={self.config['epochs']})")

    def trial_config(self, params: dict) -> dict:
        """The run's settings: the fixed ones with the trial's values over them."""
        config = {**self.config, **params}
        if isinstance(config["hidden"], (int, float)):  # hidden=choice(64,128): one layer
            config["hidden"] = [int(config["hidden"])]
        return config

    def __call__(self, params: dict, trial) -> float:
        import npdeep
        from npdeep import functional as F
        from npdeep.cli.recipes import (build_model, make_optimizer, make_schedule,
                                        optimizer_betas, prepare_data)
        from npdeep.train.checkpoint import write_text_atomic

        config = self.trial_config(params)
        data = _load(config)
        out = trial.run_dir
        train, dev, _ = prepare_data(config, data, out)
        optimizer_betas(config)  # a β the optimizer lacks: refused before the folder is written
        # (the searched β included: `npdeep train --resume` on the folder goes on with it)
        write_text_atomic(os.path.join(out, "config.json"), json.dumps(config, indent=1))
        npdeep.manual_seed(config["seed"])
        model = build_model(config, data)
        optimizer = make_optimizer(config, model)
        history = trial.fit(model, F.cross_entropy, optimizer, train, dev,
                            epochs=config["epochs"], mini_batch_size=config["mini_batch_size"],
                            schedule=make_schedule(config), seed=config["seed"])
        npdeep.save(model, os.path.join(out, "model.safetensors"))
        history.to_json(os.path.join(out, "history.json"))
        return history.dev["accuracy"][-1]


def _load(config: dict):
    from npdeep.cli.recipes import load_data

    key = (config["data"], config["seed"], config.get("data_root"))
    if key not in _DATA_CACHE:
        _DATA_CACHE[key] = load_data(*key)
    return _DATA_CACHE[key]
