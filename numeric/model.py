"""``Model``: a stack of layers and a loss, on the seed's protocol.

``add`` / ``forward`` / ``backward`` are the seed's; ``fit`` / ``evaluate`` /
``predict`` are the training loop users expect from Keras or the nnfs book;
``save`` / ``load`` keep architecture and weights in one ``.npz`` without pickle
(the format, and every check made on reading it, in ``numeric.model_file``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from numeric import model_file
from numeric.layers import INIT_FOR_ACTIVATION, Activation, Dense
from numeric.losses import CategoricalCrossEntropy, Loss, SoftmaxCrossEntropy
from numeric.model_file import FORMAT, ArchitectureMismatch, ModelFileError, _activation
from numeric.optimizers import SGD
from numeric.training import History, OnStep
from numeric.validate import as_batch

CLASSIFICATION_LOSSES = ("cross_entropy", "binary_cross_entropy", "softmax_cross_entropy")
__all__ = ["FORMAT", "ArchitectureMismatch", "Model", "ModelFileError", "_activation", "accuracy"]


class Model:
    """Layers applied in order; ``loss`` measures the last one's output."""

    def __init__(self, layers: list | None = None, loss: Loss | None = None) -> None:
        self.layers: list = []
        self.loss = loss
        self.history: History = {}
        self.optimizer: object | None = None  # what Model.load restores, if it was saved
        for layer in layers or []:
            self.add(layer)

    def add(self, layer: object) -> Model:
        """Append ``layer``; widths must chain, and a Dense before a ReLU gets He init."""
        if isinstance(layer, Dense):
            # The nearest Dense looking back: a model alternates, so this is O(1), not O(layers).
            previous = next((k for k in reversed(self.layers) if isinstance(k, Dense)), None)
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

    def summary(self, print_fn: object = print) -> None:
        """Print the layers, their output shapes and parameter counts, the totals and the
        loss, as Keras does (``numeric.summary``); ``print(model)`` prints the same."""
        print_fn(str(self))

    def __str__(self) -> str:
        from numeric.summary import summary

        return summary(self)

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def dtype(self) -> np.dtype:
        dense = self.dense_layers
        return dense[0].weights.dtype if dense else np.dtype(np.float64)

    def regularization_loss(self) -> float:
        """The sum of every Dense layer's L1/L2 penalties at its current parameters.

        ``fit`` reports ``loss = data_loss + regularization_loss``, as the nnfs book does.
        """
        return float(sum(layer.regularization_loss() for layer in self.dense_layers))

    @property
    def trainable_layers(self) -> list:
        """The layers an optimizer updates: Dense, and those marked ``trainable`` (norms)."""
        return [k for k in self.layers if isinstance(k, Dense) or getattr(k, "trainable", False)]

    def astype(self, dtype: type) -> Model:
        for layer in self.trainable_layers:
            layer.astype(dtype)
        return self

    @contextmanager
    def _mode(self, training: bool) -> Iterator[None]:
        """Every layer with a ``training`` flag (Dropout, BatchNorm) set to ``training``
        for the block, as PyTorch's ``model.train()`` / ``model.eval()``; restored after."""
        layers = [layer for layer in self.layers if hasattr(layer, "training")]
        before = [layer.training for layer in layers]
        try:
            for layer in layers:
                layer.training = training
            yield
        finally:
            for layer, flag in zip(layers, before, strict=True):
                layer.training = flag

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

    def backward(
        self, output: np.ndarray, y: object, inputs_gradient: bool = False
    ) -> np.ndarray | None:
        """Backpropagate the loss of ``output`` against ``y`` through every layer.

        Softmax followed by cross-entropy is differentiated as one function, whose
        gradient SymPy derives as ``(p - y) / batch`` (``softmax_cross_entropy``).
        The gradient w.r.t. X is computed only when asked (``inputs_gradient=True``),
        as PyTorch does for inputs that need none: a first Dense layer otherwise sets
        ``dinputs = None`` and returns it, and skips a matmul as large as its forward.
        """
        if self.loss is None:
            raise ValueError("set model.loss before calling backward")
        layers = self.layers
        if self._softmax_then_cross_entropy():
            softmax = layers[-1]
            dvalues = self._composed.backward_from(softmax.inputs, output, y)
            softmax.dinputs = dvalues
            layers = layers[:-1]
        else:
            dvalues = self.loss.backward(output, y)
        for k in range(len(layers) - 1, -1, -1):
            if k == 0 and not inputs_gradient and isinstance(layers[0], Dense):
                return layers[0].backward(dvalues, inputs_gradient=False)
            dvalues = layers[k].backward(dvalues)
        return dvalues

    @cached_property
    def _composed(self) -> SoftmaxCrossEntropy:
        """The loss whose derived gradient replaces softmax + cross-entropy's two."""
        return SoftmaxCrossEntropy()

    @property
    def is_classifier(self) -> bool:
        """True for the cross-entropy losses: accuracy is then recorded."""
        return getattr(self.loss, "name", None) in CLASSIFICATION_LOSSES

    def _inputs(self, X: object, what: str = "X") -> np.ndarray:
        first = next((layer for layer in self.layers if isinstance(layer, Dense)), None)
        X = as_batch(X, what, first.n_inputs if first else None)
        if X.dtype != self.dtype:
            raise TypeError(
                f"the model holds {self.dtype} weights but {what} is {X.dtype}; "
                f"use {what.split()[-1]}.astype(np.{self.dtype}) or model.astype(np.{X.dtype})"
            )
        return X

    def _outputs(self, X: np.ndarray, batch_size: int, blas_threads: int | None) -> np.ndarray:
        from numeric.blas import Threads

        outputs = []
        with self._mode(training=False), Threads(blas_threads, block=1, blocks=1) as threads:
            for k in range(0, len(X), batch_size):
                threads.tick()
                outputs.append(self.forward(X[k : k + batch_size]))
        if not outputs:
            with self._mode(training=False):
                return self.forward(X)
        return np.concatenate(outputs)

    def _probabilities(self, output: np.ndarray) -> np.ndarray:
        return self.loss._softmax(output) if isinstance(self.loss, SoftmaxCrossEntropy) else output

    def _accuracy(self, output: np.ndarray, y: object) -> float:
        return accuracy(self._probabilities(output), y)

    def predict(
        self, X: np.ndarray, batch_size: int = 4096, blas_threads: int | None = None
    ) -> np.ndarray:
        """Outputs (samples, outputs); with a ``SoftmaxCrossEntropy`` loss, probabilities.

        ``blas_threads``: as in ``fit`` (None: the faster count, measured on the batches).
        """
        return self._probabilities(self._outputs(self._inputs(X), batch_size, blas_threads))

    def evaluate(
        self, X: np.ndarray, y: object, batch_size: int = 4096, blas_threads: int | None = None
    ) -> dict[str, float]:
        """Mean loss, and accuracy for a classifier, on X: (samples, features)."""
        if self.loss is None:
            raise ValueError("set model.loss before calling evaluate")
        X = self._inputs(X)
        if len(X) == 0:
            raise ValueError("X has no samples: there is nothing to evaluate")
        output = self._outputs(X, batch_size, blas_threads)
        result = {"loss": self.loss.calculate(output, y)}
        if self.is_classifier:
            result["accuracy"] = self._accuracy(output, y)
        return result

    def fit(
        self,
        X: np.ndarray,
        y: object,
        epochs: int = 10,
        batch_size: int | None = 32,
        optimizer: object | None = None,
        validation_data: tuple | None = None,
        seed: int | np.random.Generator | None = None,
        check_finite_inputs: bool = True,
        verbose: bool = False,
        on_step: OnStep | None = None,
        fused: bool | None = None,
        blas_threads: int | None = None,
    ) -> History:
        """Train on X: (samples, features) with mini-batches shuffled each epoch; see ``train``.

        Returns (and keeps as ``model.history``) per-epoch ``loss``, ``accuracy``,
        ``val_loss``, ``val_accuracy`` and ``grad_norm``; ``on_step(epoch, step, loss)``
        is called after each completed step; ``verbose`` draws a tqdm bar. ``fused``:
        None trains through ``numeric.fused``'s step where it applies, False layer by
        layer, True insists. ``blas_threads``: None measures which count runs faster
        (``numeric.blas``), an int fixes it, 0 leaves the BLAS default.
        """
        from numeric.training import train

        with self._mode(training=True):  # validation inside goes through evaluate: eval mode
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
                verbose=verbose,
                on_step=on_step,
                fused=fused,
                blas_threads=blas_threads,
            )

    # ----- save / load: the file format is numeric/model_file.py -----

    def architecture(self) -> dict:
        """Layer kinds, sizes, activation names and parameters, loss, dtype, user formulas."""
        return model_file.architecture(self)

    def save(self, path: str | os.PathLike, optimizer: object | None = None) -> None:
        """Write architecture (JSON) and weights to the ``.npz`` at ``path``, atomically.

        With ``optimizer``, its hyperparameters, step count and state (moments, caches,
        velocities) too: ``Model.load`` then sets ``model.optimizer``, and
        ``fit(..., optimizer=model.optimizer)`` resumes bit for bit.

        The archive is written to a temporary file in the same directory, then
        renamed over ``path`` (``os.replace``): a crash mid-save leaves any
        previous file intact.
        """
        model_file.save(self, path, optimizer)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """A new model with the architecture and weights saved at ``path``.

        Every size is checked before anything is allocated. Raises ``ModelFileError``
        (naming the file and the problem) if the file is damaged, foreign or hostile.
        """
        return model_file.load(path)

    def load_weights(self, path: str | os.PathLike) -> Model:
        """Load the weights saved at ``path`` into this model.

        Raises ``ArchitectureMismatch`` if the file holds another architecture, and
        ``ModelFileError`` if it is damaged; both name the file. Returns the model.
        """
        return model_file.load_weights(self, path)


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
