"""An optimizer's state inside a model file, so that a saved run resumes bit for bit.

``model.save(path, optimizer=opt)`` adds an ``optimizer`` field to the architecture
JSON: the optimizer's kind (``sgd``, ``adam``, ``rmsprop``, ``adagrad``), its
hyperparameters as exact floats, the steps taken (``iterations``, which set the decay
and Adam's bias correction) and the layers that hold state (Dense, and BatchNorm's and
LayerNorm's γ and β); and one member per state array,
``optimizer.layer{k}.{weights|biases}.{slot}`` (SGD's velocity; Adam's ``m`` and ``v``;
RMSprop's and Adagrad's cache). As for the model's own arrays, the
field is checked before anything is read, each member is declared with its shape, and
the optimizer is rebuilt through its constructor, whose checks refuse a bad value.
"""

from __future__ import annotations

import numpy as np

from numeric.optimizers import OPTIMIZERS, PARAMETERS

HYPERPARAMETERS = {
    "sgd": ("learning_rate", "decay", "momentum"),
    "adam": ("learning_rate", "decay", "beta_1", "beta_2", "epsilon"),
    "rmsprop": ("learning_rate", "decay", "epsilon", "rho"),
    "adagrad": ("learning_rate", "decay", "epsilon"),
}
SLOTS = {"sgd": ("velocity",), "adam": ("m", "v"), "rmsprop": ("cache",), "adagrad": ("cache",)}
MAX_ITERATIONS = 2**53  # a step count a float64 holds exactly


class BadOptimizer(ValueError):
    """The optimizer field of a model file is not one this package writes."""


def kind_of(optimizer: object) -> str:
    """The file's name of ``optimizer``'s kind; ``TypeError`` for one it cannot save."""
    for kind, cls in OPTIMIZERS.items():
        if type(optimizer) is cls:  # a subclass may hold more state than the file keeps
            return kind
    raise TypeError(
        f"cannot save the state of a {type(optimizer).__name__}: the model file keeps "
        f"{', '.join(cls.__name__ for cls in OPTIMIZERS.values())}"
    )


def _slots(kind: str, held: object) -> tuple:
    """The state arrays of one parameter as the optimizer holds them (SGD: one array)."""
    return (held,) if kind == "sgd" else tuple(held)


def describe(optimizer: object, model: object) -> tuple[dict, dict[str, np.ndarray]]:
    """(the JSON field, the arrays by member name) of ``optimizer`` training ``model``."""
    kind = kind_of(optimizer)
    spec = {
        "kind": kind,
        "hyperparameters": {name: getattr(optimizer, name) for name in HYPERPARAMETERS[kind]},
        "iterations": optimizer.iterations,
        "layers": [],
    }
    arrays = {}
    for k, layer in enumerate(model.layers):
        held = optimizer.state.get(id(layer))
        if held is None or held[0] is not layer:
            continue
        state = held[1]
        if not all(name in state for name, _ in PARAMETERS):  # SGD without momentum
            continue
        spec["layers"].append(k)
        for name, _ in PARAMETERS:
            for slot, array in zip(SLOTS[kind], _slots(kind, state[name]), strict=True):
                arrays[f"optimizer.layer{k}.{name}.{slot}"] = array
    return spec, arrays


def check(spec: object, dense: dict[int, tuple[int, int]]) -> dict:
    """The optimizer field, checked against the layers with parameters ``{index: weights'
    shape}`` (a Dense layer's ``(inputs, outputs)``, a normalisation's ``(1, features)``)."""
    if not isinstance(spec, dict) or set(spec) != {
        "kind",
        "hyperparameters",
        "iterations",
        "layers",
    }:
        raise BadOptimizer("optimizer must have exactly kind, hyperparameters, iterations, layers")
    kind = spec["kind"]
    if kind not in HYPERPARAMETERS:
        raise BadOptimizer(
            f"optimizer kind {kind!r} is not one of {', '.join(HYPERPARAMETERS)}"[:300]
        )
    given = spec["hyperparameters"]
    if not isinstance(given, dict) or set(given) != set(HYPERPARAMETERS[kind]):
        raise BadOptimizer(f"{kind} needs exactly the hyperparameters {HYPERPARAMETERS[kind]}")
    try:
        OPTIMIZERS[kind](**given)  # the constructor's own checks: ranges, finite numbers
    except (TypeError, ValueError) as error:
        raise BadOptimizer(str(error)[:300]) from None
    iterations = spec["iterations"]
    if type(iterations) is not int or not 0 <= iterations <= MAX_ITERATIONS:
        raise BadOptimizer(
            f"optimizer iterations must be an integer >= 0, got {iterations!r}"[:300]
        )
    layers = spec["layers"]
    if (
        not isinstance(layers, list)
        or any(type(k) is not int or k not in dense for k in layers)
        or len(set(layers)) != len(layers)
    ):
        raise BadOptimizer(
            f"optimizer layers must be distinct indices of layers with parameters: {layers!r}"[:300]
        )
    return {
        "kind": kind,
        "hyperparameters": dict(given),
        "iterations": iterations,
        "layers": layers,
    }


def members(spec: dict, dense: dict[int, tuple[int, int]]) -> dict[str, tuple[int, ...]]:
    """Every state member the checked field declares, with its shape (``.npy`` names)."""
    declared = {}
    for k in spec["layers"]:
        shapes = {"weights": dense[k], "biases": (1, dense[k][1])}
        for name, _ in PARAMETERS:
            for slot in SLOTS[spec["kind"]]:
                declared[f"optimizer.layer{k}.{name}.{slot}.npy"] = shapes[name]
    return declared


def build(spec: dict, arrays: dict[str, np.ndarray], layers: list) -> object:
    """The optimizer of the checked field, its state attached to the loaded ``layers``."""
    kind = spec["kind"]
    optimizer = OPTIMIZERS[kind](**spec["hyperparameters"])
    optimizer.iterations = spec["iterations"]
    optimizer.pre_update_params()  # the rate the next step will take
    for k in spec["layers"]:
        state = optimizer._state(layers[k])
        for name, _ in PARAMETERS:
            slots = tuple(arrays[f"optimizer.layer{k}.{name}.{slot}"] for slot in SLOTS[kind])
            state[name] = slots[0] if kind == "sgd" else slots
    return optimizer
