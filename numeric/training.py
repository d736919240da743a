"""The training loop behind ``Model.fit``: mini-batches, history, and no lost work.

Shuffling uses a seeded ``numpy.random.Generator``, so the same seed (and the
same initial weights) gives the same weights bit for bit. Each step is applied
whole or not at all: if the loss or the updated weights are not finite,
training stops with ``Diverged`` naming the epoch; if anything else is raised
mid-step (KeyboardInterrupt included), the weights are as they were after the
last completed step and the exception propagates. In both cases
``model.history`` holds the epochs completed so far.

A model ``numeric.fused`` plans (dense layers and elementwise activations ending
in softmax + cross-entropy, SGD or Adam) trains through its fused step when numba
is installed and the run is large enough to pay for numba's start (``FUSED_FROM``;
``fused=True`` insists, ``fused=False`` refuses): the new parameters are computed
into spare buffers and swapped in only when finite, so nothing is copied for a
rollback, and X and y are checked once, here, not per kernel call. Otherwise the
model goes layer by layer, with the parameters copied before each step for the
rollback (the optimizer's moments may then keep part of an interrupted step).
BLAS threads: ``numeric.blas.Threads`` (measured, or ``blas_threads``).

The history is a dict of per-epoch lists: ``loss`` and ``accuracy`` (means over
the epoch's mini-batches), ``val_loss`` and ``val_accuracy`` with
``validation_data``, and ``grad_norm``: for each epoch, one value per Dense
layer, the mean over the epoch's steps of ``||dweights||`` (Frobenius), to see
gradients vanish or explode. Regression losses record no accuracy. A model with
regularisers (``Dense(..., weight_regularizer_l2=...)``) goes layer by layer, and its
``loss`` is the nnfs book's ``data_loss + regularization_loss``, both also recorded
(the penalties at the weights each step starts from); ``val_loss`` is the data loss.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Callable

import numpy as np

from numeric.blas import Threads
from numeric.validate import as_targets, check_finite

History = dict[str, list]
OnStep = Callable[[int, int, float], None]


class Diverged(FloatingPointError):
    """The loss or the weights stopped being finite; the weights are the last good step's."""

    def __init__(self, message: str, epoch: int, step: int) -> None:
        super().__init__(message)
        self.epoch, self.step = epoch, step


class TrainingStalled(UserWarning):
    """Training ended at chance accuracy, or its loss did not move: the model learnt nothing."""


def _check_counts(epochs: object, batch_size: object) -> None:
    for name, value, low in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if name == "batch_size" and value is None:
            continue
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_head(model: object) -> None:
    """Categorical cross-entropy needs probabilities: a last layer that gives them."""
    if getattr(model.loss, "name", None) != "cross_entropy" or not model.layers:
        return
    last = model.layers[-1]
    if getattr(last, "name", None) != "softmax":
        raise ValueError(
            f"CategoricalCrossEntropy needs probabilities, but the model ends in {last!r}, "
            f"whose outputs are not: add Softmax() as the last layer, or use "
            f"SoftmaxCrossEntropy() on the logits"
        )


def _data(
    model: object, X: object, y: object, name_X: str, name_y: str, finite: bool
) -> tuple[np.ndarray, np.ndarray]:
    """X and y checked against the model and its loss; boolean labels become 0 / 1."""
    X = model._inputs(X, name_X)
    y = np.asarray(y)
    if y.dtype == bool:
        y = y.astype(np.int64)
    if y.dtype.kind not in "iuf":
        raise TypeError(f"{name_y} must be class indices or float targets, got {y.dtype}")
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise ValueError(f"{name_X} has {len(X)} samples but {name_y} has shape {y.shape}")
    if len(X) == 0:
        raise ValueError(f"{name_X} has no samples: nothing to train on or to measure")
    if finite:
        check_finite(X, name_X)
        if y.dtype.kind == "f":
            check_finite(y.reshape(len(y), -1), name_y)
    if model.dense_layers and hasattr(model.loss, "one_hot"):
        # Checked once on the whole set, so an error names the dataset's row, not a batch's.
        width = model.dense_layers[-1].n_neurons
        try:
            as_targets(
                y, len(X), width, X.dtype, one_hot=model.loss.one_hot, binary=model.loss.binary
            )
        except ValueError as error:
            raise ValueError(f"{name_y}: {error}") from None
    return X, y


def _chance(y: np.ndarray) -> float:
    """The accuracy of always predicting the most frequent class of ``y``."""
    if y.ndim == 2 and y.shape[1] > 1:
        y = np.argmax(y, axis=1)
    labels = y.reshape(-1)
    if labels.dtype.kind == "f":
        labels = (labels > 0.5).astype(np.int64)
    return float(np.bincount(labels.astype(np.int64)).max() / len(labels))


def _stalled(history: History, y: np.ndarray, optimizer: object) -> str | None:
    """Why the model learnt nothing, if it did not: chance accuracy, or a loss that stood still."""
    losses, rate = history["loss"], getattr(optimizer, "learning_rate", None)
    if not losses:
        return None
    if history.get("accuracy"):
        chance, accuracy = _chance(y), history["accuracy"][-1]
        margin = max(0.01, 3 * math.sqrt(chance * (1 - chance) / len(y)))
        if accuracy <= chance + margin:
            return (
                f"training ended at chance accuracy: {accuracy:.4f} in the last epoch, no better "
                f"than always answering the most frequent class ({chance:.4f}); the learning "
                f"rate ({rate}) may be too high (dead ReLUs) or too low"
            )
    first, last = losses[0], losses[-1]
    if len(losses) >= 2 and abs(last - first) <= 1e-3 * abs(first):
        return (
            f"the loss has not moved: {last:.6g} after {len(losses)} epochs, {first:.6g} after "
            f"the first; the learning rate ({rate}) may be too low, or the gradients vanish"
        )
    return None


def _parameters(model: object) -> list[np.ndarray]:
    return [array for layer in model.trainable_layers for array in (layer.weights, layer.biases)]


def _rolled_back(model: object) -> list[np.ndarray]:
    """What a diverged step restores: the parameters and BatchNorm's running statistics."""
    statistics = ("running_mean", "running_var")
    kept = [
        getattr(layer, name)
        for layer in model.layers
        for name in statistics
        if hasattr(layer, name)
    ]
    return _parameters(model) + kept


def _finite(arrays: list[np.ndarray]) -> bool:
    return all(np.isfinite(array).all() for array in arrays)


def train(
    model: object,
    X: np.ndarray,
    y: object,
    epochs: int,
    batch_size: int | None,
    optimizer: object,
    validation_data: tuple | None = None,
    seed: int | np.random.Generator | None = None,
    check_finite_inputs: bool = True,
    verbose: bool = False,
    on_step: OnStep | None = None,
    fused: bool | None = None,
    blas_threads: int | None = None,
) -> History:
    """Fit ``model`` to X: (samples, features), y: (samples,) labels or (samples, outputs).

    Everything is checked before the first step: the arguments, X and y, and
    ``validation_data``, each named in its own errors.
    """
    if model.loss is None:
        raise ValueError("set model.loss before calling fit")
    _check_counts(epochs, batch_size)
    threads = Threads(blas_threads)
    _check_head(model)
    X, y = _data(model, X, y, "X", "y", check_finite_inputs)
    if validation_data is not None:
        if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
            got = type(validation_data).__name__
            if isinstance(validation_data, tuple | list):
                got += f" of {len(validation_data)}"
            raise TypeError(f"validation_data must be a pair (X, y), got a {got}")
        validation_data = _data(
            model, *validation_data, "validation_data X", "validation_data y", check_finite_inputs
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    size = int(batch_size) if batch_size else max(len(X), 1)
    classify = model.is_classifier
    history: History = {"loss": []}
    if _regularized(model):
        history["data_loss"], history["regularization_loss"] = [], []
    if classify:
        history["accuracy"] = []
    if validation_data is not None:
        history["val_loss"] = []
        if classify:
            history["val_accuracy"] = []
    history["grad_norm"] = []
    model.history = history
    parameters = sum(array.size for array in _parameters(model))
    planned = _planned(model, optimizer, fused, epochs * len(X) * parameters)
    try:
        with threads:
            _epochs(
                model,
                X,
                y,
                epochs,
                size,
                optimizer,
                validation_data,
                rng,
                on_step,
                verbose=verbose,
                planned=planned,
                threads=threads,
            )
    finally:
        if planned is not None:
            planned.publish()
    stalled = _stalled(history, y, optimizer)
    if stalled:
        warnings.warn(stalled, TrainingStalled, stacklevel=3)
    return history


# numba's start costs ~0.2 s to import and ~0.5 s to load the first compiled loop (2 s
# more to compile them the first time on a machine): a run smaller than this (epochs x
# samples x parameters; one MNIST epoch of 784-128-64-10 is 6.5e9) finishes sooner layer
# by layer, unless numba is already loaded (benchmarks/fit_epoch.py, README "Speed").
FUSED_FROM = 5e9


def _regularized(model: object) -> bool:
    return any(getattr(layer, "regularizers", None) for layer in model.dense_layers)


def _planned(model: object, optimizer: object, fused: bool | None, work: float) -> object | None:
    """The fused step of ``model`` (None: layer by layer); ``fused=True`` insists on one,
    None takes it where it applies and pays for numba's start."""
    if fused is False:
        return None
    if _regularized(model):  # the fused loops hold no penalty
        if fused:
            raise ValueError(
                "fused=True, but the fused step has no L1/L2 penalties; a model with "
                "regularisers trains layer by layer (fused=None or False)"
            )
        return None
    from numeric.fused import available, plan

    if fused is None and not (("numba" in sys.modules or work >= FUSED_FROM) and available()):
        return None
    planned = plan(model, optimizer)
    if fused and planned is None:
        raise ValueError(
            f"fused=True, but the fused step plans only dense layers with elementwise "
            f"activations ending in softmax + cross-entropy, trained by SGD or Adam; "
            f"got {model.layers} with {model.loss!r} and {optimizer!r}"
        )
    return planned


def _epochs(
    model,
    X,
    y,
    epochs,
    size,
    optimizer,
    validation_data,
    rng,
    on_step,
    *,
    verbose,
    planned,
    threads,
) -> None:
    """The epochs of ``train``, appending to ``model.history``."""
    history, classify = model.history, model.is_classifier
    params = _rolled_back(model)
    last_good = [np.empty_like(array) for array in params] if planned is None else None
    epoch_bar = _progress(epochs) if verbose else None
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(X))
            loss_sum, penalty_sum, correct = 0.0, 0.0, 0.0
            norms = np.zeros(len(model.dense_layers))
            steps = 0
            for step, start in enumerate(range(0, len(X), size), start=1):
                threads.tick()
                rows = order[start : start + size]
                y_batch = y[rows]
                if planned is not None:
                    total, applied = planned(planned.gather(X, rows), y_batch)
                    if not applied:
                        _diverged(optimizer, epoch, step, None if np.isfinite(total) else total)
                    loss = total / len(rows)
                    norms += np.sqrt(planned.sumsq[0::2])
                    if classify:  # softmax outputs of more than one class
                        truth = y_batch if y_batch.ndim == 1 else y_batch.argmax(axis=1)
                        correct += np.count_nonzero(planned.output.argmax(axis=1) == truth)
                else:
                    for saved, array in zip(last_good, params, strict=True):
                        np.copyto(saved, array)
                    try:
                        loss, penalty, output = _step(
                            model, optimizer, X[rows], y_batch, norms, epoch, step
                        )
                    except BaseException:
                        for saved, array in zip(last_good, params, strict=True):
                            np.copyto(array, saved)
                        raise
                    if classify:
                        correct += model._accuracy(output, y_batch) * len(rows)
                    penalty_sum += penalty * len(rows)
                steps += 1
                loss_sum += loss * len(rows)
                if on_step is not None:
                    on_step(epoch, step, loss)
            row = {"loss": loss_sum / len(X), "accuracy": correct / len(X)}
            row["regularization_loss"] = penalty_sum / len(X)
            row["data_loss"] = row["loss"] - row["regularization_loss"]
            if validation_data is not None:
                scores = model.evaluate(*validation_data)
                row.update(val_loss=scores["loss"], val_accuracy=scores.get("accuracy"))
            row["grad_norm"] = (norms / max(steps, 1)).tolist()
            for key, values in history.items():  # all at once: the lists never disagree
                values.append(row[key])
            if epoch_bar is not None:
                epoch_bar.set_postfix(_postfix(history))
                epoch_bar.update(1)
    finally:  # closed before anything else is printed, an interrupted run's too
        if epoch_bar is not None:
            epoch_bar.close()


def _step(
    model: object,
    optimizer: object,
    X: np.ndarray,
    y: np.ndarray,
    norms: np.ndarray,
    epoch: int,
    step: int,
) -> tuple[float, float, np.ndarray]:
    """One forward / backward / update: (data loss + penalties, penalties, output);
    ``Diverged`` if the loss or weights stop being finite."""
    # Overflow is detected below from the values, not from NumPy's warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        output = model.forward(X)
        penalty = model.regularization_loss()
        loss = model.loss.calculate(output, y) + penalty
        if not np.isfinite(loss):
            _diverged(optimizer, epoch, step, loss)
        model.backward(output, y, inputs_gradient=False)
        optimizer.pre_update_params()
        for k, layer in enumerate(model.dense_layers):
            norms[k] += np.linalg.norm(layer.dweights)
            optimizer.update_params(layer)
        for layer in model.trainable_layers:  # BatchNorm's and LayerNorm's gamma and beta
            if layer not in model.dense_layers:
                optimizer.update_params(layer)
        optimizer.post_update_params()
        if not _finite(_parameters(model)):
            _diverged(optimizer, epoch, step, None)
    return loss, penalty, output


def _diverged(optimizer: object, epoch: int, step: int, loss: float | None) -> None:
    """Raise ``Diverged``: the loss (when given) or else the weights stopped being finite."""
    what = f"the loss became {loss}" if loss is not None else "the weights became NaN or infinite"
    raise Diverged(
        f"{what} in epoch {epoch} (step {step}); training stopped and the weights are those "
        f"of the last good step. Try a lower learning rate (it was {optimizer.learning_rate}).",
        epoch,
        step,
    )


def _progress(epochs: int) -> object:
    try:
        from tqdm import tqdm
    except ImportError:
        raise ImportError(
            "verbose=True draws a progress bar with tqdm, which is not installed; "
            "pip install tqdm (or the package's 'train' extra), or pass verbose=False"
        ) from None
    return tqdm(total=epochs, unit="epoch", file=sys.stderr, dynamic_ncols=True)


def _postfix(history: History) -> dict[str, str]:
    short = {"accuracy": "acc", "val_accuracy": "val_acc", "regularization_loss": "reg_loss"}
    return {short.get(k, k): f"{v[-1]:.4f}" for k, v in history.items() if k != "grad_norm"}
