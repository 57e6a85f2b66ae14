"""History: the per-epoch record of a training run (costs, metrics, learning rate).

Its curves are the course's learning curves: train and dev cost falling together means the
model still underfits (high bias: bigger network, train longer); a dev cost that rises while the
train cost falls is overfitting (high variance: more data, regularization, early stopping).
"""
from __future__ import annotations

import json
import math
import textwrap

from npdeep.train.checkpoint import write_text_atomic


class History:
    """What ``fit`` measured after each epoch.

    Attributes:
        epochs: the epoch numbers (from 0), one per entry of every list below.
        train: {"cost": [...], "accuracy": [...], ...} measured during each epoch.
        dev: the same names measured on the dev set after each epoch ({} without a dev set).
        learning_rate: the optimizer's learning rate used in each epoch.

    Example:
        >>> history = npdeep.fit(model, F.cross_entropy, optimizer, (X, Y), dev=(X_dev, Y_dev))
        >>> history.dev["accuracy"][-1]
        >>> history.plot("curves.png")
    """

    def __init__(self):
        self.epochs: list[int] = []
        self.train: dict[str, list[float]] = {}
        self.dev: dict[str, list[float]] = {}
        self.learning_rate: list[float] = []

    def append(self, epoch: int, train: dict, dev: dict | None = None,
               learning_rate: float | None = None) -> None:
        """Record one epoch's train (and dev) figures."""
        self.epochs.append(int(epoch))
        for name, value in train.items():
            self.train.setdefault(name, []).append(float(value))
        for name, value in (dev or {}).items():
            self.dev.setdefault(name, []).append(float(value))
        if learning_rate is not None:
            self.learning_rate.append(float(learning_rate))

    def __len__(self) -> int:
        return len(self.epochs)

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(no epochs)"
        last = [f"train_{k}={v[-1]:.4g}" for k, v in self.train.items()]
        last += [f"dev_{k}={v[-1]:.4g}" for k, v in self.dev.items()]
        return f"History({len(self.epochs)} epochs; last: {', '.join(last)})"

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        # NaN/inf are not JSON: they are written as null (a diverged run's last cost).
        def clean(values):
            return [v if math.isfinite(v) else None for v in values]

        return {"epochs": list(self.epochs),
                "train": {k: clean(v) for k, v in self.train.items()},
                "dev": {k: clean(v) for k, v in self.dev.items()},
                "learning_rate": clean(self.learning_rate)}

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        def restore(values):
            return [float("nan") if v is None else float(v) for v in values]

        history = cls()
        try:
            history.epochs = [int(e) for e in data["epochs"]]
            history.train = {k: restore(v) for k, v in data.get("train", {}).items()}
            history.dev = {k: restore(v) for k, v in data.get("dev", {}).items()}
            history.learning_rate = restore(data.get("learning_rate", []))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"History.from_dict: not a History record ({error!r}); expected "
                             "keys 'epochs', 'train', 'dev', 'learning_rate'") from None
        return history

    def to_json(self, path=None) -> str:
        """The history as JSON text; also written (atomically) to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            write_text_atomic(path, text)
        return text

    @classmethod
    def from_json(cls, source) -> "History":
        """Read a History from a JSON file path, or from JSON text (starting with '{')."""
        if isinstance(source, (str, bytes)) and str(source).lstrip().startswith("{"):
            text = source
        else:
            with open(source, encoding="utf-8") as f:
                text = f.read()
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f"History.from_json: invalid JSON in {source!r:.80}: {error}"
                             ) from None
        return cls.from_dict(data)

    # ------------------------------------------------------------------ plots
    def plot(self, path=None, title: str | None = None):
        """Draw the learning curves: cost, then each metric, train and dev against epochs.

        Uses matplotlib's Agg canvas directly (no pyplot, no window), so it works headless
        and leaves the caller's matplotlib backend alone.

        Args:
            path: where to save the figure (PNG, PDF, SVG by extension); None to only return it.
            title: an optional title over the panels.

        Returns:
            The matplotlib Figure.
        """
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as error:
            raise ImportError("History.plot needs matplotlib (pip install matplotlib)"
                              ) from error
        names = list(self.train) + [k for k in self.dev if k not in self.train]
        names = sorted(names, key=lambda k: (k != "cost", names.index(k)))
        n_panels = max(len(names), 1)
        fig = Figure(figsize=(4.5 * n_panels, 3.6), layout="constrained")
        FigureCanvasAgg(fig)
        epochs = [e + 1 for e in self.epochs]  # people count epochs from 1 on a plot
        for i, name in enumerate(names or ["cost"]):
            ax = fig.add_subplot(1, n_panels, i + 1)
            for split, series, style in (("train", self.train, "-"), ("dev", self.dev, "--")):
                if name in series:
                    ax.plot(epochs, series[name], style, marker="o", markersize=3, label=split)
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.set_title(name)
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend()
        if title:
            # Wrapped to the figure's width (about 10 characters an inch at the title's size):
            # constrained layout does not shrink a title, so a long one was cut at both edges.
            fig.suptitle(textwrap.fill(title, width=int(10 * 4.5 * n_panels)))
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig
