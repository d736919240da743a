"""The model file's specs of the regularisation and normalisation layers.

``numeric.model_file`` holds Dense and activation layers; this module adds, for
``Dropout``, ``BatchNorm`` and ``LayerNorm``: the spec written for each (kind, sizes and
its floats, kept exactly by JSON), the check of a spec read from a file (finite
numbers in range, before anything is allocated), the arrays it declares, and the layer
built from them. BatchNorm's running statistics are arrays of the file, so a loaded
model predicts bit for bit as the saved one did; Dropout's generator state (PCG64, what
``np.random.default_rng`` makes) is in its spec, so a resumed run draws the same masks.

    {"kind": "dropout", "rate": 0.2, "generator": {"state": ..., "inc": ..., ...}}
    {"kind": "batch_norm", "features": 64, "eps": 1e-05, "momentum": 0.1}
    {"kind": "layer_norm", "features": 64, "eps": 1e-05}
"""

from __future__ import annotations

import math

import numpy as np

KINDS = ("dropout", "batch_norm", "layer_norm")
FIELDS = {
    "dropout": {"kind", "rate", "generator"},
    "batch_norm": {"kind", "features", "eps", "momentum"},
    "layer_norm": {"kind", "features", "eps"},
}
ARRAYS = {"dropout": (), "batch_norm": ("weights", "biases", "running_mean", "running_var")}
ARRAYS["layer_norm"] = ("weights", "biases")


class BadSpec(ValueError):
    """A spec that is not one this module writes."""


# PCG64's state: two 128-bit integers and a buffered 32-bit draw (numpy.random.PCG64.state).
GENERATOR_FIELDS = {"state": 2**128, "inc": 2**128, "has_uint32": 2, "uinteger": 2**32}


def generator_state(rng: np.random.Generator) -> dict[str, int]:
    """A Dropout generator's state as JSON integers; PCG64 only (``default_rng``'s)."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise ValueError(
            f"a Dropout layer's generator is {state['bit_generator']}; a model file keeps "
            "PCG64 state only: make it with np.random.default_rng(seed)"
        )
    return {**state["state"], "has_uint32": state["has_uint32"], "uinteger": state["uinteger"]}


def _generator(spec: dict, k: int) -> dict[str, int]:
    state = spec["generator"]
    fine = isinstance(state, dict) and set(state) == set(GENERATOR_FIELDS)
    fine = fine and all(
        type(state[key]) is int and 0 <= state[key] < bound
        for key, bound in GENERATOR_FIELDS.items()
    )
    if not fine:
        raise BadSpec(
            f"layer {k} (dropout) generator must be PCG64's state: integers "
            f"{sorted(GENERATOR_FIELDS)} in range"
        )
    return {
        "state": {"state": state["state"], "inc": state["inc"]},
        **{key: state[key] for key in ("has_uint32", "uinteger")},
    }


def spec_of(layer: object) -> dict | None:
    """The spec of a layer of this module's kinds; None for any other layer."""
    from numeric.normalization import BatchNorm, LayerNorm
    from numeric.regularization_layers import Dropout

    if isinstance(layer, Dropout):
        return {"kind": "dropout", "rate": layer.rate, "generator": generator_state(layer.rng)}
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
        return {"kind": kind, "rate": _number(spec, "rate", k), "generator": _generator(spec, k)}
    features = spec["features"]
    if type(features) is not int or not 1 <= features <= max_width:
        raise BadSpec(f"layer {k} features must be an integer in [1, {max_width:,}]")
    checked = {"kind": kind, "features": features, "eps": _number(spec, "eps", k)}
    if kind == "batch_norm":
        checked["momentum"] = _number(spec, "momentum", k)
    return checked


def architecture_only(specs: list[dict]) -> list[dict]:
    """The layer specs without what a layer's run changes (a Dropout's generator state)."""
    return [{key: v for key, v in spec.items() if key != "generator"} for spec in specs]


def members(spec: dict, k: int) -> dict[str, tuple[int, int]]:
    """The arrays a spec declares: member name -> shape."""
    return {f"layer{k}.{name}.npy": (1, spec["features"]) for name in ARRAYS[spec["kind"]]}


def build(spec: dict, arrays: dict[str, np.ndarray], k: int) -> object:
    """The layer of a checked spec, holding the file's arrays."""
    from numeric.normalization import BatchNorm, LayerNorm
    from numeric.regularization_layers import Dropout

    if spec["kind"] == "dropout":
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = {"bit_generator": "PCG64", **spec["generator"]}
        return Dropout(spec["rate"], rng=rng)
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
