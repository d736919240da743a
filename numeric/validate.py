"""Checks on what users pass in, each failing with what was expected and what came.

They run before any arithmetic, so that a mistake is reported in the user's
terms and never as a broadcasting accident deep inside a kernel.
"""

from __future__ import annotations

import numpy as np

FLOATS = (np.float32, np.float64)


def as_batch(inputs: object, what: str = "inputs", width: int | None = None) -> np.ndarray:
    """A 2-D floating array ``(batch, features)``; integers and booleans are refused.

    Integer data is not silently computed in integers: convert it yourself, e.g.
    ``images.astype(np.float32) / 255`` for uint8 pixels.
    """
    array = np.asarray(inputs)
    if array.dtype.kind in "biu":
        raise TypeError(
            f"{what} must be floating point (float32 or float64), got {array.dtype}; "
            f"convert explicitly, e.g. X.astype(np.float32) (and / 255 for uint8 images)"
        )
    if array.dtype.type not in FLOATS:
        raise TypeError(f"{what} must be float32 or float64, got {array.dtype}")
    if array.ndim != 2:
        hint = " (a single sample? use x.reshape(1, -1))" if array.ndim == 1 else ""
        raise ValueError(
            f"{what} must be a 2-D batch (samples, features), got shape {array.shape}{hint}"
        )
    if width is not None and array.shape[1] != width:
        raise ValueError(f"{what} must have {width} features per sample, got shape {array.shape}")
    return array


def check_finite(inputs: np.ndarray, what: str = "inputs") -> None:
    """Raise naming the first row that holds a NaN or an infinity."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(inputs)
    if np.isfinite(total):  # no NaN or inf in it: one pass and no mask (8 ms, not 16, for
        return  # MNIST); a sum that overflows is checked element by element below
    bad = ~np.isfinite(inputs)
    if bad.any():
        row = int(np.argmax(bad.reshape(len(inputs), -1).any(axis=1)))
        raise ValueError(f"{what} row {row} is not finite: {inputs[row].tolist()[:8]}")


def as_targets(
    y_true: object,
    batch: int,
    classes: int,
    dtype: np.dtype,
    one_hot: bool = True,
    binary: bool = False,
) -> np.ndarray:
    """Targets as a ``(batch, classes)`` array of ``dtype``.

    Class indices (a 1-D integer or boolean array) become one-hot rows; 2-D targets
    must have the predictions' shape, and with ``one_hot`` their rows must sum to 1;
    with ``binary`` every target must be 0 or 1.
    """
    targets = np.asarray(y_true)
    if targets.dtype == bool:
        targets = targets.astype(np.int64)
    if targets.ndim == 1 and targets.dtype.kind in "iu":
        if len(targets) != batch:
            raise ValueError(f"expected {batch} labels, one per sample, got {len(targets)}")
        if classes == 1:  # binary labels for a single output
            targets = targets.reshape(-1, 1)
        else:
            outside = (targets < 0) | (targets >= classes)
            if outside.any():
                first = int(np.argmax(outside))
                raise ValueError(
                    f"labels must lie in [0, {classes}), got {targets[first]} at index {first}"
                )
            return np.eye(classes, dtype=dtype)[targets]
    if targets.ndim == 1 and classes == 1:
        targets = targets.reshape(-1, 1)
    if targets.shape != (batch, classes):
        raise ValueError(
            f"targets must be class indices of shape ({batch},) or an array of shape "
            f"({batch}, {classes}), got shape {targets.shape}"
        )
    if binary:
        neither = (targets != 0) & (targets != 1)
        if neither.any():
            row = int(np.argmax(neither.any(axis=1)))
            raise ValueError(
                f"binary cross-entropy labels must be 0 or 1, got {targets[row].tolist()[:8]} "
                f"at row {row}"
            )
    targets = targets.astype(dtype, copy=False)
    if one_hot:
        sums = targets.sum(axis=1)
        off = np.abs(sums - 1) > 1e-3
        if off.any():
            first = int(np.argmax(off))
            raise ValueError(
                f"one-hot target rows must sum to 1; row {first} sums to {sums[first]:.6g}"
            )
    return targets


def check_probabilities(y_pred: np.ndarray, what: str, hint: str) -> None:
    """Raise unless every prediction lies in [0, 1] (a min and a max: cheap at any batch)."""
    low, high = y_pred.min(initial=0.0), y_pred.max(initial=1.0)
    if low < 0 or high > 1:
        raise ValueError(
            f"{what} needs probabilities in [0, 1], got values from {low:.4g} to {high:.4g}: {hint}"
        )
