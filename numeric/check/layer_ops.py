"""Recognising dropout, batch norm and layer norm, whose kernels take more than the input.

The table's other ops are recognised from the input alone (and a dense layer's W, b).
These need what only the object knows, read off its arrays and its forward output:

* **normalisation**: ``gamma`` and ``beta`` among the arrays (by those names, or the
  object's weights/biases when 1-D), and the author's ``eps``, found by trying the
  common values (1e-5 as PyTorch, 1e-7, 1e-8, 1e-3, ...) until the generated forward
  reproduces the output;
* **dropout**: the mask the forward drew (where the output is 0 and the input not) and
  the rate (the kept elements are scaled by ``1 / (1 - rate)``), read off the output.

Either way the forward kernel must then reproduce the object's output (that is the
recognition) before its backward kernel is taken as the truth. Neither kind is tried
unless the object's names suggest it (an identity "is" dropout at rate 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numeric.check.subject import Layout

EPSILONS = (1e-5, 1e-7, 1e-8, 1e-3, 1e-6, 1e-4, 1e-9, 1e-10, 1e-12, 0.0)
SCALES = (("gamma", "weights", "weight", "W", "w", "scale"), ("beta", "biases", "bias", "b"))


@dataclass(frozen=True)
class FittedLayout(Layout):
    """A layout with the values read off the object: eps, or dropout's mask and rate."""

    fitted: Any = field(default=None, compare=False)


def kind(entry: object) -> str | None:
    """ "masked" or "normalization" for these entries, None for any other."""
    from symbolic.ops import Masked, Normalization

    if isinstance(entry, Masked):
        return "masked"
    return "normalization" if isinstance(entry, Normalization) else None


def _named(arrays: dict[str, np.ndarray], names: tuple[str, ...], width: int) -> str | None:
    """The first array called one of ``names`` (also as a suffix: ``bn_gamma``) of ``width``
    elements."""
    for name in names:
        for key, array in arrays.items():
            if (key == name or key.endswith(f"_{name}")) and array.size == width:
                return key
    return None


def layouts(entry: object, arrays: dict, layout: Layout, out: np.ndarray) -> list[FittedLayout]:
    """Where the op's inputs are among the arrays, with what is read off the output."""
    x = arrays.get(layout.inputs)
    if x is None or x.ndim != 2 or np.shape(out) != x.shape:
        return []
    if kind(entry) == "masked":
        return [FittedLayout(layout.inputs, fitted=_mask_and_rate(x, np.asarray(out)))]
    gamma, beta = (_named(arrays, names, x.shape[1]) for names in SCALES)
    return [FittedLayout(layout.inputs, gamma, beta, fitted={"epsilon": eps}) for eps in EPSILONS]


def _mask_and_rate(x: np.ndarray, out: np.ndarray) -> dict:
    """Dropout's mask (out != 0 where x != 0) and rate, from ``out = mask * x / (1 - rate)``."""
    kept = (out != 0) & (x != 0)
    ratios = out[kept] / x[kept]
    scale = float(np.median(ratios)) if ratios.size else 1.0
    rate = 1 - 1 / scale if scale >= 1 else 0.0
    return {"m": kept.astype(np.float64), "r": rate}


def inputs(entry: object, x: np.ndarray, params: dict, layout: Layout) -> dict:
    """The kernel arguments beyond the input: gamma, beta, eps, N; or the mask and rate."""
    fitted = dict(getattr(layout, "fitted", None) or {})
    if kind(entry) == "masked":
        return fitted
    width = x.shape[1]
    ones = np.ones((1, width))
    gamma = params.get("weights", ones).reshape(1, -1) if layout.weights else ones
    beta = params.get("biases", 0 * ones).reshape(1, -1) if layout.biases else 0 * ones
    group = x.shape[0] if entry.axis == "batch" else width
    return {"gamma": gamma, "beta": beta, "N": group, **fitted}


def describe(layout: Layout) -> str:
    """What was read off the object, for the report's note."""
    fitted = getattr(layout, "fitted", None) or {}
    if "epsilon" in fitted:
        return f" (eps = {fitted['epsilon']:g})"
    if "r" in fitted and fitted["r"] == 0:  # the kept elements come out unscaled
        return " (its mask read off the output; not inverted: rate 0 in y = m x / (1 - r))"
    if "r" in fitted:
        return f" (its mask, rate = {fitted['r']:.3g}, read off the output)"
    return ""
