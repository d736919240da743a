"""Layers on one protocol, every gradient from a generated kernel.

Contract (the seed's names): ``forward(inputs)`` sets and returns ``.output``;
``backward(dvalues)`` sets and returns ``.dinputs``, and ``.dweights`` /
``.dbiases`` on layers that have ``weights`` / ``biases``. Shapes are
``(batch, features)``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from numeric.kernels import kernels
from numeric.validate import as_batch

# Initialisation scale by the activation that follows (Glorot & Bengio 2010; He et al. 2015).
INIT_FOR_ACTIVATION = {"relu": "he", "leaky_relu": "he", "elu": "he"}


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


# The regularisers of a Dense layer, as the nnfs book names them: keyword -> (parameter,
# penalty op of the table). Each adds lambda * the penalty to the loss, and its derived
# gradient to dweights or dbiases.
REGULARIZERS = {
    "weight_regularizer_l1": ("weights", "l1_penalty"),
    "weight_regularizer_l2": ("weights", "l2_penalty"),
    "bias_regularizer_l1": ("biases", "l1_penalty"),
    "bias_regularizer_l2": ("biases", "l2_penalty"),
}


def _strength(name: str, value: object) -> float:
    """A regulariser's lambda: a finite float >= 0, or a ``ValueError`` naming it."""
    lam = float(value) if isinstance(value, numbers.Real) else math.nan
    if isinstance(value, bool) or not 0 <= lam < math.inf:
        raise ValueError(f"Dense: {name} must be a number >= 0 and finite, got {value!r}")
    return lam


class Dense:
    """``output = inputs @ weights + biases``; inputs: (batch, n_inputs).

    ``weight_regularizer_l1`` / ``_l2`` and ``bias_regularizer_l1`` / ``_l2`` (the nnfs
    book's chapter 14) add ``lambda * sum |w|`` or ``lambda * sum w**2`` to the loss
    (``regularization_loss()``) and the penalty's gradient to ``dweights`` / ``dbiases``,
    both from the kernels of the table's ``l1_penalty`` / ``l2_penalty``
    (L1: ``lambda * sign(w)``, 0 at w = 0).
    """

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        init: str = "glorot",
        rng: np.random.Generator | int | None = None,
        dtype: type = np.float64,
        weight_regularizer_l1: float = 0.0,
        weight_regularizer_l2: float = 0.0,
        bias_regularizer_l1: float = 0.0,
        bias_regularizer_l2: float = 0.0,
    ) -> None:
        self.n_inputs, self.n_neurons, self.init = int(n_inputs), int(n_neurons), init
        given = {
            "weight_regularizer_l1": weight_regularizer_l1,
            "weight_regularizer_l2": weight_regularizer_l2,
            "bias_regularizer_l1": bias_regularizer_l1,
            "bias_regularizer_l2": bias_regularizer_l2,
        }
        for name, value in given.items():
            setattr(self, name, _strength(name, value))
        self.rng = _generator(rng)
        self.initialize(init, dtype)
        self._forward, self._backward = kernels("dense")

    @property
    def regularizers(self) -> dict[str, float]:
        """The regularisers in use (lambda > 0), by keyword."""
        return {name: getattr(self, name) for name in REGULARIZERS if getattr(self, name) > 0}

    def _penalties(self) -> list[tuple[str, object, object]]:
        """(parameter, forward, backward) of each regulariser in use: the penalty op's kernels
        at this lambda (``l2_penalty(lambda_=0.0005)``), generated on first use."""
        used = self.regularizers
        cached = getattr(self, "_penalty_kernels", None)
        if cached is None or cached[0] != used:  # looked up once, not per step
            penalties = []
            for name, lam in used.items():
                parameter, op = REGULARIZERS[name]
                penalties.append((parameter, *kernels(f"{op}(lambda_={lam!r})")))
            cached = self._penalty_kernels = (used, penalties)
        return cached[1]

    def regularization_loss(self) -> float:
        """The sum of this layer's penalties at its current weights and biases (0 without)."""
        return float(sum(forward(getattr(self, p)) for p, forward, _ in self._penalties()))

    def initialize(self, init: str, dtype: type | None = None) -> None:
        """Draw the weights: "glorot" (normal, variance 2/(in+out)) or "he" (2/in)."""
        variance = {"glorot": 2 / (self.n_inputs + self.n_neurons), "he": 2 / self.n_inputs}
        if init not in variance:
            raise ValueError(f"init must be 'glorot' or 'he', got {init!r}")
        dtype = dtype or self.weights.dtype
        shape = (self.n_inputs, self.n_neurons)
        self.weights = (self.rng.standard_normal(shape) * np.sqrt(variance[init])).astype(dtype)
        self.biases = np.zeros((1, self.n_neurons), dtype=dtype)
        self.init = init

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        inputs = as_batch(inputs, f"inputs of {self!r}", self.n_inputs)
        if inputs.dtype != self.weights.dtype:
            raise TypeError(
                f"{self!r} holds {self.weights.dtype} weights but got {inputs.dtype} inputs; "
                f"convert the data (X.astype(np.{self.weights.dtype})) or the model (.astype)"
            )
        self.inputs = inputs
        self.output = self._forward(inputs, self.weights, self.biases)
        return self.output

    def backward(self, dvalues: np.ndarray, inputs_gradient: bool = True) -> np.ndarray | None:
        """dvalues: (batch, n_neurons); ``inputs_gradient=False`` skips ``dinputs``
        (a first layer needs none, and it costs as much as the forward matmul)."""
        to_inputs, to_weights, to_biases = self._backward.parts
        self.dweights = to_weights(self.inputs, self.weights, dvalues)
        self.dbiases = to_biases(self.inputs, self.weights, dvalues)
        # The sum rule, d(L + R)/dw = dL/dw + dR/dw: each penalty's derived gradient is added.
        for parameter, _, gradient in self._penalties():
            if parameter == "weights":
                self.dweights = np.add(self.dweights, gradient(self.weights))
            else:
                self.dbiases = np.add(self.dbiases, gradient(self.biases))
        self.dinputs = to_inputs(self.inputs, self.weights, dvalues) if inputs_gradient else None
        return self.dinputs

    def astype(self, dtype: type) -> Dense:
        self.weights, self.biases = self.weights.astype(dtype), self.biases.astype(dtype)
        return self

    def __repr__(self) -> str:
        extra = "".join(f", {name}={lam!r}" for name, lam in self.regularizers.items())
        return f"Dense({self.n_inputs}, {self.n_neurons}{extra})"


class Activation:
    """An activation from the op table by name; elementwise or row-wise (softmax).

    Parameters of the op are keywords: ``Activation("leaky_relu", alpha=0.1)`` is the
    op ``"leaky_relu(alpha=0.1)"`` (the table entry with that value, derived anew).
    Other entries of the table (losses, penalties, the dense layer) are refused.
    """

    def __init__(self, name: str, **params: float) -> None:
        from numeric.kernels import kernels_for
        from symbolic import op
        from symbolic.ops import Elementwise, Rowwise

        entry = op(name)
        if not isinstance(entry, Elementwise | Rowwise):
            raise ValueError(f"{name!r} is a {type(entry).__name__} op, not an activation")
        self.entry = entry.with_params(**params) if params else entry
        self.name = self.entry.name
        self._forward, self._backward = kernels_for(self.entry)

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        self.inputs = as_batch(inputs, f"inputs of {self!r}")
        self.output = self._forward(self.inputs)
        return self.output

    def backward(self, dvalues: np.ndarray) -> np.ndarray:
        self.dinputs = self._backward(self.inputs, self.output, dvalues)
        return self.dinputs

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def ReLU() -> Activation:  # noqa: N802 - a layer constructor, named like a class
    return Activation("relu")


def Sigmoid() -> Activation:  # noqa: N802
    return Activation("sigmoid")


def Softmax() -> Activation:  # noqa: N802
    return Activation("softmax")
