"""The training loop behind ``Model.fit``: mini-batches, history, and no lost work.

Shuffling uses a seeded ``numpy.random.Generator``, so the same seed gives the
same weights bit for bit. A step whose loss is not finite is not applied:
training stops, naming the epoch, and the weights stay those of the last good
step. An exception (KeyboardInterrupt included) leaves the model as it was after
its last completed step, with ``model.history`` holding the epochs so far.
"""

from __future__ import annotations

import numpy as np

from numeric.validate import check_finite


class Diverged(FloatingPointError):
    """The loss became NaN or infinite; the weights are those of the last good step."""


def _snapshot(model: object) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.weights.copy(), layer.biases.copy()) for layer in model.dense_layers]


def _restore(model: object, snapshot: list) -> None:
    for layer, (weights, biases) in zip(model.dense_layers, snapshot, strict=True):
        layer.weights[...], layer.biases[...] = weights, biases


def train(
    model: object,
    X: np.ndarray,
    y: object,
    epochs: int,
    batch_size: int | None,
    optimizer: object,
    validation_data: tuple | None,
    seed: int | None,
    check_finite_inputs: bool,
) -> dict[str, list[float]]:
    from numeric.model import accuracy

    if model.loss is None:
        raise ValueError("set model.loss before calling fit")
    X = model._inputs(X)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if check_finite_inputs:
        check_finite(X, "X")
    rng = np.random.default_rng(seed)
    size = len(X) if not batch_size else int(batch_size)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    if validation_data is not None:
        history.update(val_loss=[], val_accuracy=[])
    model.history = history
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(X))
        losses, correct = [], 0.0
        for start in range(0, len(X), size):
            rows = order[start : start + size]
            output = model.forward(X[rows])
            loss = model.loss.calculate(output, y[rows])
            if not np.isfinite(loss):
                raise Diverged(
                    f"the loss became {loss} in epoch {epoch}; the weights are those of the "
                    f"last finite step. Try a lower learning rate "
                    f"(it was {optimizer.learning_rate})."
                )
            model.backward(output, y[rows])
            optimizer.pre_update_params()
            for layer in model.dense_layers:
                optimizer.update_params(layer)
            optimizer.post_update_params()
            losses.append(loss * len(rows))
            correct += accuracy(_probabilities(model, output), y[rows]) * len(rows)
        history["loss"].append(float(np.sum(losses) / len(X)))
        history["accuracy"].append(correct / len(X))
        if validation_data is not None:
            scores = model.evaluate(*validation_data)
            history["val_loss"].append(scores["loss"])
            history["val_accuracy"].append(scores["accuracy"])
    return history


def _probabilities(model: object, output: np.ndarray) -> np.ndarray:
    from numeric.losses import SoftmaxCrossEntropy

    return model.loss._softmax(output) if isinstance(model.loss, SoftmaxCrossEntropy) else output
