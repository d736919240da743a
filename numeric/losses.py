"""Losses on the seed's protocol, their values and gradients from generated kernels.

``forward(y_pred, y_true)`` returns the per-sample losses ``(batch,)``;
``calculate(output, y)`` their mean; ``backward(dvalues, y_true)`` sets and
returns ``.dinputs``, the gradient of the batch mean. Targets are class indices
``(batch,)`` or arrays shaped like the predictions (one-hot for cross-entropy).
"""

from __future__ import annotations

import numpy as np

from numeric.kernels import kernels
from numeric.validate import as_batch, as_targets, check_probabilities

# What to do when a loss of probabilities is fed something else (numeric.validate).
HINTS = {
    "cross_entropy": "add Softmax() as the last layer, or use SoftmaxCrossEntropy() on the logits",
    "binary_cross_entropy": "add Sigmoid() as the last layer",
}


class Loss:
    """A loss from the op table by name; ``y_pred`` are what its kernels expect."""

    def __init__(self, name: str) -> None:
        from symbolic import op

        self.name = name
        self._forward, self._backward = kernels(name)
        entry = op(name)
        composed = hasattr(entry, "loss")  # softmax + cross-entropy: takes logits
        entry = op(entry.loss) if composed else entry  # a composed op's loss
        # Targets are one-hot rows (checked to sum to 1), or 0 / 1, as the table entry says.
        self.one_hot = getattr(entry, "targets", "onehot") == "onehot"
        self.binary = getattr(entry, "targets", "onehot") == "binary"
        # A loss that clips its predictions to (0, 1) takes probabilities, checked to be.
        self.probabilities = bool(getattr(entry, "clip", False)) and not composed

    def targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        batch, classes = y_pred.shape
        return as_targets(
            y_true, batch, classes, y_pred.dtype, one_hot=self.one_hot, binary=self.binary
        )

    def _check(self, y_pred: np.ndarray) -> np.ndarray:
        y_pred = as_batch(y_pred, f"predictions given to {self!r}")
        if self.probabilities:
            hint = HINTS.get(self.name, "the last layer must give probabilities")
            check_probabilities(y_pred, repr(self), hint)
        return y_pred

    def forward(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        y_pred = self._check(y_pred)
        batch, classes = y_pred.shape
        return self._forward(y_pred, self.targets(y_pred, y_true), batch, classes)[:, 0]

    def calculate(self, output: np.ndarray, y: object) -> float:
        """The mean loss of a batch, as in the seed's ``Loss.calculate``."""
        return float(np.mean(self.forward(output, y)))

    def backward(self, dvalues: np.ndarray, y_true: object) -> np.ndarray:
        dvalues = self._check(dvalues)
        batch, classes = dvalues.shape
        targets = self.targets(dvalues, y_true)
        self.dinputs = self._backward(dvalues, targets, batch, classes)
        return self.dinputs

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CategoricalCrossEntropy(Loss):
    """Cross-entropy of probabilities (after a softmax); clipped to [1e-7, 1 - 1e-7]."""

    def __init__(self) -> None:
        super().__init__("cross_entropy")


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy of probabilities (after a sigmoid), mean over outputs."""

    def __init__(self) -> None:
        super().__init__("binary_cross_entropy")


class MeanSquaredError(Loss):
    """Mean squared error of real-valued predictions, mean over outputs."""

    def __init__(self) -> None:
        super().__init__("mean_squared_error")


class Huber(Loss):
    """Huber loss (delta = 1) of real-valued predictions, mean over outputs."""

    def __init__(self) -> None:
        super().__init__("huber")


class MeanAbsoluteError(Loss):
    """Mean absolute error of real-valued predictions, mean over outputs; sign(0) = 0."""

    def __init__(self) -> None:
        super().__init__("mean_absolute_error")


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy of the softmax of logits, computed from the logits (never log 0).

    ``backward(logits, y_true)`` gives ``(softmax(logits) - y) / batch``, the
    gradient SymPy derives for the composition.
    """

    def __init__(self) -> None:
        super().__init__("softmax_cross_entropy")
        self._softmax = kernels("softmax")[0]

    def backward(self, dvalues: np.ndarray, y_true: object) -> np.ndarray:
        logits = as_batch(dvalues, f"logits given to {self!r}")
        return self.backward_from(logits, self._softmax(logits), y_true)

    def backward_from(
        self, logits: np.ndarray | None, probabilities: np.ndarray, y_true: object
    ) -> np.ndarray:
        """The gradient w.r.t. the logits when their softmax is already known."""
        batch, classes = probabilities.shape
        targets = self.targets(probabilities, y_true)
        self.dinputs = self._backward(logits, probabilities, targets, batch, classes)
        return self.dinputs
