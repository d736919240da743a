"""The model file's specs of the regularisation and normalisation layers.

``numeric.model_file`` holds Dense and activation layers; this module adds, for
``Dropout``, ``BatchNorm`` and ``LayerNorm``: the spec written for each (kind, sizes and
its floats, kept exactly by JSON), the check of a spec read from a file (finite
numbers in range, before anything is allocated), the arrays it declares, and the layer
built from them. BatchNorm's running statistics are arrays of the file, so a loaded
model predicts bit for bit as the saved one did.

    {"kind": "dropout", "rate": 0.2}
    {"kind": "batch_norm", "features": 64, "eps": 1e-05, "momentum": 0.1}
    {"kind": "layer_norm", "features": 64, "eps": 1e-05}
"""

from __future__ import annotations

import math

import numpy as np

KINDS = ("dropout", "batch_norm", "layer_norm")
FIELDS = {
    "dropout": {"kind", "rate"},
    "batch_norm": {"kind", "features", "eps", "momentum"},
    "layer_norm": {"kind", "features", "eps"},
}
ARRAYS = {"dropout": (), "batch_norm": ("weights", "biases", "running_mean", "running_var")}
ARRAYS["layer_norm"] = ("weights", "biases")


class BadSpec(ValueError):
    """A spec that is not one this module writes."""


def spec_of(layer: object) -> dict | None:
    """The spec of a layer of this module's kinds; None for any other layer."""
    from numeric.normalization import BatchNorm, LayerNorm
    from numeric.regularization_layers import Dropout

    if isinstance(layer, Dropout):
        return {"kind": "dropout", "rate": layer.rate}
    if isinstance(layer, BatchNorm):
        spec = {"kind": "batch_norm", "features": layer.n_features, "eps": layer.eps}
        return {**spec, "momentum": layer.momentum}
    if isinstance(layer, LayerNorm):
        return {"kind": "layer_norm", "features": layer.n_features, "eps": layer.eps}
    return None


INTERVALS = {"rate": "[0, 1)", "eps": "(0, 1)", "momentum": "(0, 1]"}


def _number(spec: dict, key: str, k: int) -> float:
    value = spec[key]
    number = type(value) in (int, float) and math.isfinite(value)
    inside = number and {
        "rate": lambda v: 0 <= v < 1,
        "eps": lambda v: 0 < v < 1,
        "momentum": lambda v: 0 < v <= 1,
    }[key](value)
    if not inside:
        raise BadSpec(
            f"layer {k} ({spec['kind']}) {key} must be a number in {INTERVALS[key]}, got {value!r}"[
                :300
            ]
        )
    return float(value)


def check(spec: dict, k: int, max_width: int) -> dict:
    """A spec read from a file, checked: exactly its fields, each in range."""
    kind = spec["kind"]
    if set(spec) != FIELDS[kind]:
        raise BadSpec(f"layer {k} ({kind}) must have exactly {sorted(FIELDS[kind])}: {spec}"[:300])
    if kind == "dropout":
        return {"kind": kind, "rate": _number(spec, "rate", k)}
    features = spec["features"]
    if type(features) is not int or not 1 <= features <= max_width:
        raise BadSpec(f"layer {k} features must be an integer in [1, {max_width:,}]")
    checked = {"kind": kind, "features": features, "eps": _number(spec, "eps", k)}
    if kind == "batch_norm":
        checked["momentum"] = _number(spec, "momentum", k)
    return checked


def members(spec: dict, k: int) -> dict[str, tuple[int, int]]:
    """The arrays a spec declares: member name -> shape."""
    return {f"layer{k}.{name}.npy": (1, spec["features"]) for name in ARRAYS[spec["kind"]]}


def build(spec: dict, arrays: dict[str, np.ndarray], k: int) -> object:
    """The layer of a checked spec, holding the file's arrays."""
    from numeric.normalization import BatchNorm, LayerNorm
    from numeric.regularization_layers import Dropout

    if spec["kind"] == "dropout":
        return Dropout(spec["rate"])
    dtype = arrays[f"layer{k}.weights"].dtype
    if spec["kind"] == "batch_norm":
        layer = BatchNorm(spec["features"], spec["momentum"], spec["eps"], dtype=dtype)
    else:
        layer = LayerNorm(spec["features"], spec["eps"], dtype=dtype)
    restore(layer, arrays, k)
    return layer


def restore(layer: object, arrays: dict[str, np.ndarray], k: int) -> None:
    """Copy the file's arrays of layer ``k`` into ``layer`` (a spec of this module's kinds)."""
    spec = spec_of(layer)
    for name in ARRAYS[spec["kind"]]:
        setattr(layer, name, arrays[f"layer{k}.{name}"].copy())


def describe(spec: dict) -> str:
    """``Dropout(0.2)``, ``BatchNorm(64, eps=1e-05, momentum=0.1)``, ``LayerNorm(64, ...)``."""
    if spec["kind"] == "dropout":
        return f"Dropout({spec['rate']!r})"
    name = "BatchNorm" if spec["kind"] == "batch_norm" else "LayerNorm"
    extra = "".join(f", {key}={spec[key]!r}" for key in ("eps", "momentum") if key in spec)
    return f"{name}({spec['features']}{extra})"
