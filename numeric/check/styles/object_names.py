"""Where an object keeps its gradients, and what its author called them.

A parameter's gradient is an attribute named after it in one of the usual patterns
(``dweights``, ``dW``, ``dw``, ``grad_W``, ``d_weights``, ``weights_grad``), with the
usual aliases of a name (``weights``/``W``/``w``); the input gradient is an attribute
(``dinputs``, ``d_inputs``, ``dx``, ...), or what backward returns: an array (named
after the ``return`` statement), a tuple (one per input) or a dict (keyed by what each
gradient belongs to). An SGD step applied inside backward gives a gradient too.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

import numpy as np

GROUPS = (("weights", "weight", "W", "w"), ("biases", "bias", "b"), ("gamma",), ("beta",))
PATTERNS = ("d{}", "d_{}", "grad_{}", "grad{}", "{}_grad", "{}_gradient", "dL_d{}")
INPUT_GRADIENTS = (
    "dinputs", "d_inputs", "dinput", "dx", "dX", "d_x", "dA_prev", "grad_input",
    "grad_inputs", "input_grad", "inputs_grad", "grad_x", "dL_dx",
)  # fmt: skip
RESHAPES = {"reshape", "copy", "astype", "T", "ravel", "view", "squeeze"}
RETURNED = "<returned>"  # the key of what backward returns, among the attributes it set
UPDATE = "<update>"  # the key of a gradient read off an in-place SGD step


def gradient_names(parameter: str) -> list[str]:
    group = next((g for g in GROUPS if parameter in g), (parameter,))
    names = [parameter, *(n for n in group if n != parameter)]
    return [pattern.format(n) for n in names for pattern in PATTERNS]


def _base_name(node: ast.expr) -> str | None:
    """``dx`` for ``dx``, ``dx.reshape(...)``, ``dx.copy()`` or ``dx.T``; else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func if node.func.attr in RESHAPES else node
    if isinstance(node, ast.Attribute) and node.attr in RESHAPES:
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def returned_names(method: Any, count: int) -> list[str] | None:
    """The names in ``return dx`` (or ``return dx, dy``), when backward ends that way."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    except (OSError, TypeError, SyntaxError):
        return None
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            items = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            names = [_base_name(i) for i in items]
            if len(items) == count and all(names):
                found.add(tuple(names))
    return list(found.pop()) if len(found) == 1 else None


def find(found: dict, names: tuple | list) -> tuple[str | None, Any]:
    for name in names:
        value = found.get(name)
        if isinstance(value, np.ndarray | list | float | np.generic):
            return name, value
    return None, None


def keys(inputs_: list[str], params: dict, found: dict) -> dict[str, str]:
    """{array: the attribute holding its gradient, or the RETURNED key of it}.

    A float array of the object with no gradient is state, not a parameter: it is
    dropped from ``params``.
    """
    names = {}
    inputs = inputs_[0]
    attribute, _ = find(found, INPUT_GRADIENTS)
    in_dict = returned_in_dict(found, [inputs, "inputs", "input", "x", "X", *INPUT_GRADIENTS])
    if len(inputs_) > 1:
        names.update({n: f"{RETURNED}{i}" for i, n in enumerate(inputs_)})
    elif attribute is not None:
        names[inputs] = attribute
    elif in_dict is not None:
        names[inputs] = in_dict
    elif isinstance(found.get(RETURNED), np.ndarray):
        names[inputs] = RETURNED
    else:  # reported missing, under the name nnfs (dinputs) or the book (dx) would give it
        names[inputs] = "dinputs" if inputs == "inputs" else f"d{inputs}"
    for param in list(params):
        attribute, _ = find(found, gradient_names(param))
        group = next((g for g in GROUPS if param in g), (param,))
        in_dict = returned_in_dict(found, [*group, *gradient_names(param)])
        well_known = any(param in group for group in GROUPS)
        if attribute is not None:
            names[param] = attribute
        elif in_dict is not None:
            names[param] = in_dict
        elif f"{UPDATE}{param}" in found:
            names[param] = f"{UPDATE}{param}"
        elif well_known:
            names[param] = gradient_names(param)[0]  # reported missing under nnfs's name
        else:
            del params[param]  # an array with no gradient: state, not a parameter
    return names


def returned_in_dict(found: dict, names: list[str]) -> str | None:
    """The key of a gradient backward returned in a dict under one of ``names``."""
    return next((f"{RETURNED}[{n!r}]" for n in names if f"{RETURNED}[{n!r}]" in found), None)
