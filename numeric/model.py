"""``Model``: a stack of layers and a loss, on the seed's protocol.

``add`` / ``forward`` / ``backward`` are the seed's; ``fit`` / ``evaluate`` /
``predict`` are the training loop users expect from Keras or the nnfs book.
"""

from __future__ import annotations

import numpy as np

from numeric.layers import INIT_FOR_ACTIVATION, Activation, Dense
from numeric.losses import CategoricalCrossEntropy, Loss, SoftmaxCrossEntropy
from numeric.optimizers import SGD
from numeric.validate import as_batch


class Model:
    """Layers applied in order; ``loss`` measures the last one's output."""

    def __init__(self, layers: list | None = None, loss: Loss | None = None) -> None:
        self.layers: list = []
        self.loss = loss
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: object) -> Model:
        """Append ``layer``; widths must chain, and a Dense before a ReLU gets He init."""
        if isinstance(layer, Dense):
            previous = self.dense_layers[-1] if self.dense_layers else None
            if previous is not None and previous.n_neurons != layer.n_inputs:
                raise ValueError(
                    f"layer widths do not chain: {previous!r} gives {previous.n_neurons} "
                    f"outputs but {layer!r} expects {layer.n_inputs} inputs"
                )
        if isinstance(layer, Activation) and self.layers and isinstance(self.layers[-1], Dense):
            before = self.layers[-1]
            wanted = INIT_FOR_ACTIVATION.get(layer.name, "glorot")
            if before.init != wanted and before.init in ("glorot", "he"):
                before.initialize(wanted)
        self.layers.append(layer)
        return self

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def dtype(self) -> np.dtype:
        dense = self.dense_layers
        return dense[0].weights.dtype if dense else np.dtype(np.float64)

    def astype(self, dtype: type) -> Model:
        for layer in self.dense_layers:
            layer.astype(dtype)
        return self

    def forward(self, X: np.ndarray) -> np.ndarray:
        output = X
        for layer in self.layers:
            output = layer.forward(output)
        return output

    def _softmax_then_cross_entropy(self) -> bool:
        last = self.layers[-1] if self.layers else None
        return (
            isinstance(self.loss, CategoricalCrossEntropy)
            and isinstance(last, Activation)
            and last.name == "softmax"
        )

    def backward(self, output: np.ndarray, y: object) -> np.ndarray:
        """Backpropagate the loss of ``output`` against ``y`` through every layer.

        Softmax followed by cross-entropy is differentiated as one function, whose
        gradient SymPy derives as ``(p - y) / batch`` (``softmax_cross_entropy``).
        """
        if self.loss is None:
            raise ValueError("set model.loss before calling backward")
        layers = self.layers
        if self._softmax_then_cross_entropy():
            softmax = layers[-1]
            dvalues = SoftmaxCrossEntropy().backward_from(softmax.inputs, output, y)
            softmax.dinputs = dvalues
            layers = layers[:-1]
        else:
            dvalues = self.loss.backward(output, y)
        for layer in reversed(layers):
            dvalues = layer.backward(dvalues)
        return dvalues

    def predict(self, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """The network's outputs; with a ``SoftmaxCrossEntropy`` loss, probabilities."""
        X = self._inputs(X)
        outputs = [self.forward(X[k : k + batch_size]) for k in range(0, len(X), batch_size)]
        output = np.concatenate(outputs) if outputs else np.empty((0, 0), X.dtype)
        if isinstance(self.loss, SoftmaxCrossEntropy):
            output = self.loss._softmax(output)
        return output

    def _inputs(self, X: object) -> np.ndarray:
        dense = self.dense_layers
        width = dense[0].n_inputs if dense else None
        X = as_batch(X, "X", width)
        if X.dtype != self.dtype:
            raise TypeError(
                f"the model holds {self.dtype} weights but X is {X.dtype}; "
                f"use X.astype(np.{self.dtype}) or model.astype(np.{X.dtype})"
            )
        return X

    def evaluate(self, X: np.ndarray, y: object) -> dict[str, float]:
        """Mean loss and accuracy on ``(X, y)``."""
        X = self._inputs(X)
        output = self.forward(X)
        result = {"loss": self.loss.calculate(output, y) if self.loss else float("nan")}
        result["accuracy"] = accuracy(self.predict(X), y)
        return result

    def fit(
        self,
        X: np.ndarray,
        y: object,
        epochs: int = 10,
        batch_size: int | None = 32,
        optimizer: object | None = None,
        validation_data: tuple | None = None,
        seed: int | None = None,
        check_finite_inputs: bool = True,
    ) -> dict[str, list[float]]:
        """Train with mini-batches shuffled each epoch; return the per-epoch history."""
        from numeric.training import train

        return train(
            self,
            X,
            y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer or SGD(learning_rate=0.1),
            validation_data=validation_data,
            seed=seed,
            check_finite_inputs=check_finite_inputs,
        )


def accuracy(predictions: np.ndarray, y: object) -> float:
    """Share of samples whose predicted class is the true one (threshold 0.5 for one output)."""
    y = np.asarray(y)
    if predictions.shape[1] == 1:
        predicted = (predictions[:, 0] > 0.5).astype(int)
        truth = y.reshape(-1).astype(int)
    else:
        predicted = np.argmax(predictions, axis=1)
        truth = np.argmax(y, axis=1) if y.ndim == 2 else y
    return float(np.mean(predicted == truth))
