"""PNG plots of a training history, headless (matplotlib's Agg canvas, no pyplot).

matplotlib is the ``train`` extra; it is imported when a plot is drawn.
"""

from __future__ import annotations

import os


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
    """Loss and accuracy per epoch, train and validation, side by side, as a PNG."""
    metrics = [name for name in ("loss", "accuracy") if history.get(name)]
    figure = _figure(5 * len(metrics), 4)
    for k, name in enumerate(metrics, start=1):
        axes = figure.add_subplot(1, len(metrics), k)
        epochs = range(1, len(history[name]) + 1)
        axes.plot(epochs, history[name], label="train")
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
    """Mean ||dweights|| per epoch of each Dense layer (log scale), as a PNG."""
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
