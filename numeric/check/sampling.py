"""Inputs a check draws when it is given shapes: away from kinks, and what each loss expects."""

from __future__ import annotations

import numpy as np

from numeric.check.recognise import entries, kind

KINK = 1e-3  # inputs nearer 0 (ReLU's kink) than this are moved to +-KINK


def layer_inputs(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Magnitudes in [0.1, 2] with random signs: no input anywhere near a kink at 0."""
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def loss_inputs(op: str | None, shape: tuple, rng: np.random.Generator, labels: str | None):
    """(predictions, targets) for a loss, by the kind of targets its table entry declares.

    Probabilities stay inside [0.05, 0.95] or come from a softmax of small logits, away
    from the clip at 1e-7; cross-entropies get class indices, as the nnfs book feeds them
    (one-hot rows when ``labels == "onehot"``); an unrecognised loss gets probabilities
    and one-hot rows (class indices when ``labels == "indices"``).
    """
    batch, classes = shape
    indices = rng.integers(0, classes, batch)
    onehot = np.eye(classes)[indices]
    entry = entries().get(op) if op else None
    targets = getattr(entry, "targets", None)
    if entry is not None and kind(op) == "loss" and targets is None:  # softmax + a loss
        return rng.standard_normal(shape), onehot if labels == "onehot" else indices
    if targets == "binary":
        return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(np.float64)
    if targets == "real":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    from numeric.kernels import kernels

    probabilities = kernels("softmax")[0](rng.standard_normal(shape) * 0.5)  # the table's own
    if labels is None:
        labels = "indices" if targets == "onehot" else "onehot"
    return probabilities, indices if labels == "indices" else onehot


def away_from_kinks(x: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``x`` with elements nearer 0 than KINK moved to +-KINK, and a note saying how many."""
    near = np.abs(x) < KINK
    x = x.copy()
    x[near] = np.copysign(KINK, x[near])
    moved = int(near.sum())
    if not moved:
        return x, []
    return x, [f"{moved} inputs within {KINK} of 0 (ReLU's kink) moved to +-{KINK}"]
