"""Seeing a study: the table of its best trials and three PNG plots.

- ``scores.png``: the dev score against each hyperparameter, one panel each, on the axis it
  was sampled on (log for LogUniform; 1 − β on a log axis for OneMinusLogUniform), colored by
  coarse-to-fine round — where the good region is, and whether the range was wide enough;
- ``rounds.png`` (coarse to fine): each round's range of each hyperparameter as a bar, the
  later rounds nested inside the earlier ones, the best trial marked;
- ``curves.png``: the dev score per epoch of the top trials (and of the stopped ones, dashed).

matplotlib's Agg canvas is used directly (no pyplot, no window), as ``History.plot`` does.
"""
from __future__ import annotations

import os

from npdeep.tune.space import dimension_from_dict
from npdeep.tune.study import Study, _finite


def _figure(n_panels: int, height: float = 3.4, width: float | None = None):
    """A Figure on an Agg canvas, 4.2 inches wide per panel unless ``width`` is given."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("the study's plots need matplotlib (pip install matplotlib)"
                          ) from error
    width = 4.2 * max(n_panels, 1) if width is None else width
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _space(study: Study) -> dict:
    spec = study.settings.get("space") or {}
    if spec:
        return {k: dimension_from_dict(v) for k, v in spec.items()}
    grid = study.settings.get("grid", {})  # a grid search: its values as choices
    return {k: dimension_from_dict({"kind": "choice", "values": v}) for k, v in grid.items()}


def _axis_value(dim, value):
    """Where a value goes on its panel's x axis: 1 − β for a OneMinusLogUniform."""
    return 1.0 - value if dim.scale == "one_minus_log" else value


def _set_scale(ax, dim, name: str) -> None:
    if dim.scale in ("log", "one_minus_log"):
        ax.set_xscale("log")
    ax.set_xlabel(f"1 − {name}" if dim.scale == "one_minus_log" else name)


def plot_scores(study: Study, path=None):
    """The dev score of every scored trial against each hyperparameter; returns the Figure."""
    space = _space(study)
    scored = [r for r in study.trials() if _finite(r.get("score"))]
    fig = _figure(len(space))
    n_rounds = max([r.get("round", 0) for r in scored] + [0]) + 1
    for i, (name, dim) in enumerate(sorted(space.items())):
        ax = fig.add_subplot(1, len(space), i + 1)
        for round_ in range(n_rounds):
            rows = [r for r in scored if r.get("round", 0) == round_]
            if dim.scale == "choice":
                xs = [dim.values.index(r["params"][name]) if r["params"][name] in dim.values
                      else -1 for r in rows]
            else:
                xs = [_axis_value(dim, r["params"][name]) for r in rows]
            label = f"round {round_}" if n_rounds > 1 else None
            ax.scatter(xs, [r["score"] for r in rows], s=18, alpha=0.8, label=label)
        if dim.scale == "choice":
            ax.set_xticks(range(len(dim.values)), [str(v) for v in dim.values])
            ax.set_xlabel(name)
        else:
            _set_scale(ax, dim, name)
            # The whole search range, so that a best trial at its edge shows as one.
            ax.set_xlim(*sorted((_axis_value(dim, dim.low), _axis_value(dim, dim.high))))
        ax.set_ylabel(f"dev score ({study.settings.get('monitor', 'dev')})")
        ax.grid(alpha=0.3)
        if n_rounds > 1 and i == 0:
            ax.legend(fontsize=8)
    fig.suptitle(f"{study.settings.get('method', 'search')}: dev score per hyperparameter "
                 f"({len(scored)} scored trials)")
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_rounds(study: Study, path=None):
    """Each coarse-to-fine round's range per numeric hyperparameter, as nested bars."""
    rounds = study.settings.get("round_spaces") or [study.settings.get("space", {})]
    numeric = [n for n, d in sorted(_space(study).items()) if d.scale != "choice"]
    fig = _figure(len(numeric), height=0.6 * len(rounds) + 2.2)
    best = study.best()
    for i, name in enumerate(numeric):
        ax = fig.add_subplot(1, len(numeric), i + 1)
        dim = dimension_from_dict(rounds[0][name])
        for r, spec in enumerate(rounds):
            d = dimension_from_dict(spec[name])
            lo, hi = sorted((_axis_value(dim, d.low), _axis_value(dim, d.high)))
            ax.barh(r, hi - lo, left=lo, height=0.5, alpha=0.35 + 0.5 * r / max(len(rounds), 1))
        if best is not None:
            ax.axvline(_axis_value(dim, best["params"][name]), color="k", linestyle="--",
                       linewidth=1, label="best trial")
            ax.legend(fontsize=8)
        _set_scale(ax, dim, name)
        ax.set_yticks(range(len(rounds)), [f"round {r}" for r in range(len(rounds))])
        ax.invert_yaxis()
        ax.grid(alpha=0.3, axis="x")
    fig.suptitle("coarse to fine: each round samples inside the last round's best region")
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_curves(study: Study, path=None, top: int = 5):
    """The dev score per epoch of the ``top`` best trials (learning curves)."""
    fig = _figure(1, height=3.8, width=6.4)
    ax = fig.add_subplot(1, 1, 1)
    for r in [r for r in study.ranked() if _finite(r.get("score"))][:top]:
        scores = r.get("scores") or []
        if not scores:
            continue
        values = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in sorted(r["params"].items()))
        style = "--" if r["status"] == "stopped" else "-"
        ax.plot(range(1, len(scores) + 1), [float("nan") if s is None else s for s in scores],
                style, marker="o", markersize=3, label=f"trial {r['index']}: {values}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(study.settings.get("monitor", "dev score"))
    ax.set_title(f"learning curves of the top {top} trials")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def write_report(study, top: int = 10) -> dict:
    """report.txt (the table of the ``top`` trials) and the PNGs, in the study folder.

    Args:
        study: a Study or its folder.

    Returns:
        {"table": text, "report": path, "scores": path, "curves": path, "rounds": path
        (coarse to fine only)}.
    """
    from npdeep.train.checkpoint import write_text_atomic

    if not isinstance(study, Study):
        study = Study.open(study)
    table = study.table(top=top)
    paths = {"table": table, "report": os.path.join(study.folder, "report.txt")}
    write_text_atomic(paths["report"], table + "\n")
    paths["scores"] = os.path.join(study.folder, "scores.png")
    plot_scores(study, paths["scores"])
    paths["curves"] = os.path.join(study.folder, "curves.png")
    plot_curves(study, paths["curves"])
    if study.settings.get("method") == "coarse-to-fine":
        paths["rounds"] = os.path.join(study.folder, "rounds.png")
        plot_rounds(study, paths["rounds"])
    return paths
