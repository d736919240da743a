"""Running one object's forward and backward, in float64 or its own dtype, and restoring it.

Every attribute is put back when the check ends, arrays changed in place included
(an optimizer step inside backward); the random state is reset before each forward;
a stale gradient never passes for a fresh one.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from numeric.check.errors import CheckError, call
from numeric.check.randomness import Frozen
from numeric.check.styles.object_names import INPUT_GRADIENTS, RETURNED, UPDATE, gradient_names

LABEL_NAMES = {"y_true", "t", "target", "targets", "labels", "label", "y_pred_true"}
TRAINING = {"training", "train", "train_flg", "is_training", "train_mode"}
# Arrays an object keeps that are no parameters: caches of the last forward, optimizer state.
STATE = {"inputs", "input", "output", "outputs", "x", "X", "out", "y", "t", "mask", "cache"}
STATE_PARTS = ("momentum", "cache", "running_", "moving_", "mask")
# Extra backward parameters real code has, and the value a check passes them.
LEARNING_RATES = {"learning_rate", "lr", "eta", "step_size", "alpha", "optimizer"}
RATE = 0.01  # the learning rate a check passes to such a backward


def parameters_of(method: Any) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):  # a builtin or C-extension method
        return []


class Runner:
    """Runs one object's forward and backward, in float64 or its own dtype, and restores it."""

    def __init__(self, obj: Any, loss: bool) -> None:
        self.obj, self.loss = obj, loss
        self.label = type(obj).__name__
        self.saved = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
        self.contents = {k: v.copy() for k, v in self.saved.items() if isinstance(v, np.ndarray)}
        floats = {k for k, v in self.contents.items() if v.dtype.kind == "f" and v.ndim >= 1}
        gradients = {d for k in floats for d in gradient_names(k)}
        self.params = {
            k: self.contents[k]
            for k in sorted(floats, key=list(self.contents).index)
            if k not in STATE | gradients | set(INPUT_GRADIENTS)
            and not k.startswith("_")
            and not any(part in k for part in STATE_PARTS)
        }
        self.stale = set(INPUT_GRADIENTS) | {d for k in self.params for d in gradient_names(k)}
        params = parameters_of(obj.forward)
        self.training = {p.name: True for p in params[1:] if p.name in TRAINING}
        # more inputs than one: the book's MulLayer.forward(x, y), AddLayer
        empty = inspect.Parameter.empty
        others = [p.name for p in params[1:] if p.default is empty and p.name not in TRAINING]
        self.inputs = [params[0].name if params else "inputs", *([] if loss else others)]
        # a loss written forward(y_true, y_pred): the targets come first
        self.labels_first = loss and len(params) > 1 and params[0].name in LABEL_NAMES
        if self.labels_first:
            self.inputs = [params[1].name]
        self.frozen = Frozen(obj)
        self.changed: list[str] = []

    def restore(self) -> None:
        if not hasattr(self.obj, "__dict__"):
            return
        vars(self.obj).clear()
        vars(self.obj).update(self.saved)
        for name, content in self.contents.items():
            array = self.saved[name]
            if array.flags.writeable and not np.array_equal(array, content, equal_nan=True):
                array[...] = content  # changed in place (an optimizer step inside backward)
        self.frozen.reset()

    def forward(self, x: tuple, labels: object, params: dict) -> np.ndarray:
        """The object's output on inputs ``x`` with ``params`` in place, as a float64 array."""
        self.frozen.reset()
        for name, value in params.items():
            setattr(self.obj, name, value)
        args = x if labels is None else (labels, *x) if self.labels_first else (*x, labels)
        result = call(f"{self.label}.forward", self.obj.forward, *args, **self.training)
        if not isinstance(result, np.ndarray | float | int | np.generic):
            result = getattr(self.obj, "output", None)
        if result is None:
            arrays = [f".{k}" for k, v in vars(self.obj).items() if isinstance(v, np.ndarray)]
            said = f" (it set {', '.join(arrays)})" if arrays else ""
            raise CheckError(f"{self.label}.forward returned nothing and set no .output{said}")
        return np.array(result, dtype=np.float64)

    def backward(self, x: tuple, labels: object, g: np.ndarray) -> dict[str, Any]:
        """Every array backward set or returned, after a forward in the object's own dtype."""
        native = {name: value.copy() for name, value in self.params.items()}
        for name in list(vars(self.obj)):
            if name not in self.saved:
                delattr(self.obj, name)  # a stale gradient must not pass for a fresh one
        # A gradient kept from before is zeroed (code may accumulate into it with +=);
        # one still zero and in place afterwards was not set.
        placeholders = {}
        for name in self.stale & set(vars(self.obj)):
            value = getattr(self.obj, name)
            placeholders[name] = np.zeros_like(value) if isinstance(value, np.ndarray) else None
            setattr(self.obj, name, placeholders[name])
        self.forward(tuple(a.copy() for a in x), labels, native)
        if not self.loss:
            rates = {
                p.name: RATE
                for p in parameters_of(self.obj.backward)[1:]
                if p.name in LEARNING_RATES
            }
            returned = call(f"{self.label}.backward", self.obj.backward, g.copy(), **rates)
        else:
            rates = {}
            required = [
                p for p in parameters_of(self.obj.backward) if p.default is inspect.Parameter.empty
            ]
            output = getattr(self.obj, "output", None)
            given = np.array(output if np.shape(output) == x[0].shape else x[0]).copy()
            # by name: backward(dvalues, y_true) as nnfs, or the targets first
            args = [labels if p.name in LABEL_NAMES else given for p in required[:2]]
            returned = call(f"{self.label}.backward", self.obj.backward, *args)
        updates = {}
        for name, value in native.items():
            if not np.array_equal(value, self.params[name]):
                self.changed += [] if name in self.changed else [name]
                if rates:  # an SGD step inside backward: its gradient is (before - after) / lr
                    before = self.params[name].astype(np.float64)
                    updates[f"{UPDATE}{name}"] = (before - value.astype(np.float64)) / RATE
        found = {
            k: v
            for k, v in vars(self.obj).items()
            if not (k in placeholders and v is placeholders[k] and not np.any(v))
        }
        if isinstance(returned, tuple | list):  # one gradient per input
            found.update({f"{RETURNED}{i}": value for i, value in enumerate(returned)})
        if isinstance(returned, dict):  # {"inputs": dx, "weights": dW}
            found.update({f"{RETURNED}[{k!r}]": value for k, value in returned.items()})
        return {RETURNED: returned, **found, **updates}
