"""The attention map of a date translation: α⟨t,t'⟩ for each output character t (rows) over
the input characters t' (columns), as the course's ``plot_attention_map`` draws it."""
from __future__ import annotations

import numpy as np


def plot_attention(model, text: str, path: str | None = "attention.png"):
    """Translate ``text`` greedily and draw its attention weights α (T_y, n) as a heat map.

    Args:
        model: a npdeep.text.dates.Translator (``npdeep.text.dates.load(run_dir)``).
        text: a human date, e.g. "Saturday 9 May 2018" (the course's example).
        path: where to write the figure (PNG, or PDF/SVG by extension); None: only return it.

    Returns:
        (translation, alpha, figure): the ISO string, α (T_y, n) over the n characters read
        (each row sums to 1), and the matplotlib Figure.

    Raises:
        ImportError: without matplotlib.

    Example:
        >>> plot_attention(npdeep.text.dates.load("runs/dates"), "Saturday 9 May 2018",
        ...                path="attention.png")
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("plot_attention needs matplotlib (pip install matplotlib)") from error
    if not hasattr(model, "attention_map"):
        raise TypeError(f"plot_attention: model must be a Translator (npdeep.text.dates.load"
                        f"(run_dir)); got {type(model).__name__}")
    translation, alpha = model.attention_map(text)
    shown = text[:alpha.shape[1]]
    fig = Figure(figsize=(0.32 * len(shown) + 2.2, 0.32 * alpha.shape[0] + 1.6),
                 layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(alpha, cmap="Blues", vmin=0.0, vmax=max(float(alpha.max()), 1e-12),
                      aspect="equal", interpolation="nearest")
    ax.set_xticks(np.arange(len(shown)), [c if c != " " else "␣" for c in shown])
    rows = list(translation) if len(translation) == alpha.shape[0] else [
        str(t + 1) for t in range(alpha.shape[0])]  # an output with special tokens
    ax.set_yticks(np.arange(alpha.shape[0]), rows)
    ax.set_xlabel("input t'")
    ax.set_ylabel("output t")
    ax.set_title(f"α⟨t,t'⟩: {text!r} → {translation}", fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.8)
    if path is not None:
        fig.savefig(path, dpi=120)
    return translation, alpha, fig
