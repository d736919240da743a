"""``Model.summary()`` and ``print(model)``: a table as Keras (2.x) prints it.

One row per layer: its name (the kind, numbered from the second of a kind on: ``dense``,
``dense_1``; an activation by its op), its type, the output shape (``None`` the batch)
and its parameter count; then the totals, with their size in the model's dtype, and the
loss. Trainable parameters are what an optimizer updates (``weights`` and ``biases``:
a Dense layer's, a normalisation's γ and β); a BatchNorm's running mean and variance
are counted as non-trainable, as Keras counts its moving averages.

>>> from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax
>>> model = Model([Dense(64, 32), ReLU(), Dense(32, 10), Softmax()], CategoricalCrossEntropy())
>>> print(model)  # doctest: +NORMALIZE_WHITESPACE
Model: "model"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 dense (Dense)               (None, 32)                2,080
 relu (Activation)           (None, 32)                0
 dense_1 (Dense)             (None, 10)                330
 softmax (Activation)        (None, 10)                0
=================================================================
Total params: 2,410 (18.83 KB)
Trainable params: 2,410 (18.83 KB)
Non-trainable params: 0 (0.00 B)
Loss: CategoricalCrossEntropy (cross_entropy)
_________________________________________________________________
"""

from __future__ import annotations

import numpy as np

WIDTH = 65  # Keras's line length
COLUMNS = (29, 26, 10)  # where "Output Shape" and "Param #" start: Keras's positions
TRAINABLE = ("weights", "biases")
NON_TRAINABLE = ("running_mean", "running_var")


def _size(layer: object, names: tuple[str, ...]) -> int:
    arrays = (getattr(layer, name, None) for name in names)
    return sum(int(a.size) for a in arrays if isinstance(a, np.ndarray))


def _kind(layer: object) -> str:
    """The name a row gives a layer: an activation's op (``relu``), else its class."""
    name = getattr(layer, "name", None)
    if type(layer).__name__ == "Activation" and isinstance(name, str):
        return name.partition("(")[0]
    return type(layer).__name__.lower()


def _bytes(count: int) -> str:
    size, unit = float(count), "B"
    for larger in ("KB", "MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, larger
    return f"{size:.2f} {unit}"


def _row(cells: tuple[str, str, str]) -> str:
    name, shape, params = cells
    return f" {name:<{COLUMNS[0] - 2}} {shape:<{COLUMNS[1] - 1}} {params}".rstrip()


def summary(model: object, name: str = "model") -> str:
    """The Keras-style table of ``model``'s layers, parameter counts and loss."""
    rows, seen, width = [], {}, None
    trainable = non_trainable = 0
    for layer in model.layers:
        kind = _kind(layer)
        count = seen.get(kind, 0)
        seen[kind] = count + 1
        label = kind if count == 0 else f"{kind}_{count}"
        width = getattr(layer, "n_neurons", None) or getattr(layer, "n_features", None) or width
        own, fixed = _size(layer, TRAINABLE), _size(layer, NON_TRAINABLE)
        trainable, non_trainable = trainable + own, non_trainable + fixed
        shape = f"(None, {width if width is not None else '?'})"
        kind_name = type(layer).__name__
        rows.append(_row((f"{label} ({kind_name})", shape, f"{own + fixed:,}")))
    itemsize = np.dtype(model.dtype).itemsize
    loss = model.loss
    loss_text = f"{type(loss).__name__} ({loss.name})" if loss is not None else "none set"
    lines = [
        f'Model: "{name}"',
        "_" * WIDTH,
        _row(("Layer (type)", "Output Shape", "Param #")),
        "=" * WIDTH,
        *rows,
        "=" * WIDTH,
        f"Total params: {trainable + non_trainable:,} "
        f"({_bytes((trainable + non_trainable) * itemsize)})",
        f"Trainable params: {trainable:,} ({_bytes(trainable * itemsize)})",
        f"Non-trainable params: {non_trainable:,} ({_bytes(non_trainable * itemsize)})",
        f"Loss: {loss_text}",
    ]
    for k, layer in enumerate(model.layers):
        regularizers = getattr(layer, "regularizers", None)
        if regularizers:
            used = ", ".join(f"{key}={value!r}" for key, value in regularizers.items())
            lines.append(f"Regularizers of layer {k}: {used}")
    lines.append("_" * WIDTH)
    return "\n".join(lines)
