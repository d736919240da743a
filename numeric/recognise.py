"""Which op of the table an object computes, and that op's gradients from its kernels.

An op is given, or suggested by the class name, or found by running every table
forward of the object's kind on the same input; it is only trusted when the
object's forward output matches the op's generated forward kernel. The truth is
the generated backward kernel, ``numeric.kernels(op)``: nothing here knows a
derivative. Kernel arguments are matched by name (``x``/``z``/``p``/``X`` the
inputs, ``y``/``s`` the forward output, ``g``/``G`` the cotangent, ``t`` one-hot
targets, ``B``/``N`` the batch size and the width).
"""

from __future__ import annotations

from typing import Any

import numpy as np

GRADIENTS = ("dinputs", "dweights", "dbiases")  # the order of the dense kernel's outputs
FORWARD_RTOL = 1e-6  # how closely a forward must match a kernel to be recognised (float64)

# The nnfs book's and common names -> op, tried before the table's own names (lowercase,
# no underscores): "Activation_Softmax_Loss_CategoricalCrossentropy" also contains "softmax".
ALIASES = (
    (("softmaxloss", "softmaxcategorical", "softmaxcrossentropy"), "softmax_cross_entropy"),
    (("binarycrossentropy", "bce"), "binary_cross_entropy"),
    (("categoricalcrossentropy", "crossentropy"), "cross_entropy"),
    (("meansquared", "mse"), "mean_squared_error"),
    (("meanabsolute", "mae"), "mean_absolute_error"),
    (("logistic",), "sigmoid"),
    (("linear", "fullyconnected", "affine"), "dense"),
)


def entries() -> dict:
    """The op table, ``symbolic.OPS``; sympy is imported only when a check runs."""
    from symbolic import OPS

    return OPS


def kind(op: str) -> str:
    """ "loss", "dense" or "activation": the protocol an object of this op follows."""
    from symbolic.ops import Affine, Composed, Loss

    entry = entries()[op]
    if isinstance(entry, Loss | Composed):
        return "loss"
    return "dense" if isinstance(entry, Affine) else "activation"


def name_hints(obj: Any) -> list[str]:
    """The ops an object's ``name`` attribute or class name suggests, likeliest first.

    Aliases first, then every table op whose name the class name contains, longest
    first ("leakyrelu" before "relu", "relu" before "elu"); each is confirmed by its forward.
    """
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name in entries():  # the package's own Activation("relu")
        return [name]
    plain = type(obj).__name__.lower().replace("_", "")
    hints = [op for parts, op in ALIASES if any(part in plain for part in parts)]
    table = sorted(entries(), key=lambda op: -len(op.replace("_", "")))
    hints += [op for op in table if op.replace("_", "") in plain and op not in hints]
    return hints


def _one_hot(labels: np.ndarray, shape: tuple) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 1 and labels.dtype.kind in "iub" and shape[1] > 1:
        return np.eye(shape[1])[labels]
    return labels.astype(np.float64).reshape(shape)


def kernel_values(
    op: str, x: np.ndarray, params: dict, labels: object, g: np.ndarray | None
) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(forward output, {gradient name: array}) of the op's generated kernels, or None."""
    from numeric.kernels import kernels
    from symbolic.ops import Composed

    entry, (forward, backward) = entries()[op], kernels(op)
    values = {"x": x, "z": x, "p": x, "X": x, "B": x.shape[0], "N": x.shape[1]}
    values.update(W=params.get("weights"), b=params.get("biases"))
    if labels is not None:
        values["t"] = _one_hot(labels, x.shape)
    if any(values.get(a) is None for a in forward.args):
        return None
    with np.errstate(all="ignore"):
        out = forward(*(values[a] for a in forward.args))
        if g is None:
            return out, {}
        # the backward kernels take the forward output as y (elementwise) or s (softmax)
        s = kernels(entry.activation)[0](x) if isinstance(entry, Composed) else out
        values.update(y=s, s=s, g=g, G=g)
        grads = backward(*(values[a] for a in backward.args))
    grads = grads if isinstance(grads, tuple) else (grads,)
    return out, {
        name: np.asarray(grad, dtype=np.float64)
        for name, grad in zip(GRADIENTS, grads, strict=False)
    }


def _forward_error(
    op: str, x: np.ndarray, params: dict, labels: object, out: np.ndarray
) -> float | None:
    """max|object's forward - the op's forward kernel| (mean loss for losses), or None."""
    try:
        result = kernel_values(op, x, params, labels, None)
        if result is None:
            return None
        expected = np.asarray(result[0], dtype=np.float64)
        if labels is not None:
            return abs(float(np.mean(expected)) - float(np.mean(out)))
        return float(np.max(np.abs(np.broadcast_to(expected, out.shape) - out)))
    except (ValueError, TypeError):
        return None


def recognise(given: str | None, hints: list[str], loss: bool, run: tuple) -> tuple:
    """(op or None, note): the op whose forward kernel reproduces the object's forward.

    ``run`` is (x, params, labels, out): float64 inputs, weights and biases, labels,
    and the object's forward output on them. A given op is kept even when its
    forward differs (the note says by how much): the user named it.
    """
    x, params, labels, out = run
    bound = FORWARD_RTOL * max(1.0, float(np.max(np.abs(out))))
    if given:
        error = _forward_error(given, x, params, labels, out)
        if error is not None and error <= bound:
            return given, f"op `{given}` given; forward matches its kernel (max abs {error:.2g})"
        by = "cannot be compared with" if error is None else f"differs by {error:.3g} from"
        return given, f"op `{given}` given, but forward {by} its kernel"
    if hints:
        candidates = hints
    else:
        kinds = {"loss"} if loss else {"dense"} if "weights" in params else {"activation"}
        candidates = [op for op in entries() if kind(op) in kinds]
    for op in candidates:
        error = _forward_error(op, x, params, labels, out)
        if error is not None and error <= bound:
            source = "the class name" if hints else "its forward"
            return op, f"recognised as `{op}` from {source}; forward matches its kernel"
    if hints:
        named = " or ".join(f"`{op}`" for op in hints)
        return None, f"the class name suggests {named}, but forward differs from its kernel"
    return None, "op not recognised: checked against finite differences only"
