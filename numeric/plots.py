"""PNG plots of a training history, headless (matplotlib's Agg canvas, no pyplot).

The history is what ``Model.fit`` returns (and ``python -m numeric train --out`` saves
as ``history.json``): a dict of per-epoch lists, ``loss`` and optionally ``accuracy``,
``val_loss``, ``val_accuracy``, ``data_loss``, ``regularization_loss`` and
``grad_norm`` (one list of per-layer norms per epoch).

* ``plot_curves(history, path)``: loss (log scale) and accuracy, train and validation;
* ``plot_gradient_flow(history, path, labels=None)``: each Dense layer's mean
  ``||dweights||`` per epoch, to see gradients vanish or explode;
* ``check_history(history)``: ``ValueError`` naming what is wrong with a history (read
  from a file, say) before anything is drawn.

``python -m numeric plot history.json --out curves.png`` redraws a saved run's curves.
matplotlib is the ``train`` extra; it is imported when a plot is drawn.
"""

from __future__ import annotations

import math
import numbers
import os

__all__ = ["check_history", "plot_curves", "plot_gradient_flow"]
MAX_EPOCHS = 1_000_000


def check_history(history: object) -> None:
    """Raise ``ValueError`` (one line) unless ``history`` is a dict of per-epoch lists of
    finite numbers, all of one length, with ``loss``; ``grad_norm`` a list of lists."""
    if not isinstance(history, dict) or not isinstance(history.get("loss"), list):
        raise ValueError("a history is a JSON object with a 'loss' list (what fit returns)")
    epochs = len(history["loss"])
    if not 0 < epochs <= MAX_EPOCHS:
        raise ValueError(f"the history has {epochs:,} epochs; it needs 1 to {MAX_EPOCHS:,}")
    for key, values in history.items():
        if not isinstance(values, list) or len(values) != epochs:
            raise ValueError(f"{key!r} must be a list of {epochs} values, one per epoch")
        rows = values if key == "grad_norm" else [values]
        for row in rows:
            if not isinstance(row, list) or not all(_number(v) for v in row):
                raise ValueError(f"{key!r} holds something other than finite numbers")


def _number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _figure(width: float, height: float) -> object:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plots need matplotlib, which is not installed; "
            "pip install matplotlib (or the package's 'train' extra)"
        ) from None
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plot_curves(history: dict[str, list], path: str | os.PathLike) -> None:
    """Loss and accuracy per epoch, train and validation, side by side, as a PNG at ``path``.

    The loss is drawn on a log scale; with regularisers, the data loss (dashed) beside
    the total. A history without ``accuracy`` (a regression) gets the loss alone.
    """
    metrics = [name for name in ("loss", "accuracy") if history.get(name)]
    figure = _figure(5 * len(metrics), 4)
    for k, name in enumerate(metrics, start=1):
        axes = figure.add_subplot(1, len(metrics), k)
        epochs = range(1, len(history[name]) + 1)
        axes.plot(epochs, history[name], label="train")
        if name == "loss" and history.get("data_loss"):
            axes.plot(epochs, history["data_loss"], "--", label="train, data loss")
        if history.get(f"val_{name}"):
            axes.plot(epochs, history[f"val_{name}"], label="validation")
        axes.set(xlabel="epoch", ylabel=name, title=name)
        if name == "loss":
            axes.set_yscale("log")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.savefig(path)


def plot_gradient_flow(
    history: dict[str, list], path: str | os.PathLike, labels: list[str] | None = None
) -> None:
    """Mean ||dweights|| per epoch of each Dense layer (log scale), as a PNG at ``path``.

    ``labels`` names the layers (default ``Dense 1``, ``Dense 2``, ... from the input side).
    """
    norms = history["grad_norm"]
    layers = len(norms[0]) if norms else 0
    labels = labels or [f"Dense {k + 1}" for k in range(layers)]
    figure = _figure(6, 4)
    axes = figure.add_subplot(1, 1, 1)
    epochs = range(1, len(norms) + 1)
    for k in range(layers):
        axes.plot(epochs, [row[k] for row in norms], label=labels[k])
    axes.set(
        xlabel="epoch",
        ylabel="mean ||dweights|| per step",
        title="gradient flow (first layer = input side)",
    )
    axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path)
