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

from numeric.check import layer_ops
from numeric.check.subject import Layout

GRADIENTS = ("dinputs", "dweights", "dbiases")  # the order of the dense kernel's outputs
FORWARD_RTOL = 1e-6  # how closely a forward must match a kernel to be recognised (float64)

# The nnfs book's and common names -> op, tried before the table's own names (lowercase,
# no underscores): "Activation_Softmax_Loss_CategoricalCrossentropy" also contains "softmax".
ALIASES = (
    (
        ("softmaxloss", "softmaxwithloss", "softmaxcategorical", "softmaxcrossentropy"),
        "softmax_cross_entropy",
    ),
    (("binarycrossentropy", "bce"), "binary_cross_entropy"),
    (("categoricalcrossentropy", "crossentropy"), "cross_entropy"),
    (("meansquared", "mse"), "mean_squared_error"),
    (("meanabsolute", "mae"), "mean_absolute_error"),
    (("logistic",), "sigmoid"),
    (("linear", "fullyconnected", "affine", "dense"), "dense"),
)


def entries() -> dict:
    """The op table, ``symbolic.OPS``; sympy is imported only when a check runs."""
    from symbolic import OPS

    return OPS


def kind(op: str) -> str:
    """ "loss", "dense", "penalty" or "activation": the protocol an object of this op follows."""
    from symbolic.ops import Affine, Composed, Loss, Penalty

    entry = entries()[op]
    special = layer_ops.kind(entry)  # "masked" (dropout), "normalization": tried when named
    if special:
        return special
    if isinstance(entry, Loss | Composed):
        return "loss"
    if isinstance(entry, Penalty):
        return "penalty"  # a term of the objective, never a layer to recognise
    return "dense" if isinstance(entry, Affine) else "activation"


def name_hints(name: str) -> list[str]:
    """The ops a class or function name suggests, likeliest first.

    Aliases first, then every table op whose name the given name contains, longest
    first ("leakyrelu" before "relu", "relu" before "elu"); each is confirmed by its forward.
    """
    plain = name.lower().replace("_", "")
    hints = [op for parts, op in ALIASES if any(part in plain for part in parts)]
    table = sorted(entries(), key=lambda op: -len(op.replace("_", "")))
    hints += [op for op in table if op.replace("_", "") in plain and op not in hints]
    return hints


def _one_hot(labels: np.ndarray, shape: tuple) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 1 and labels.dtype.kind in "iub" and shape[1] > 1:
        return np.eye(shape[1])[labels.astype(np.intp)]  # bool labels: classes 0/1, not a mask
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
    if layer_ops.kind(entry):  # gamma, beta, eps, N; or dropout's mask and rate
        values.update(layer_ops.inputs(entry, x, params, params.get("layout")))
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
    except (ValueError, TypeError, IndexError):  # shapes no kernel of the op takes
        return None


def _kernel_args(arrays: dict, layout: Layout) -> tuple[np.ndarray, dict]:
    """The arrays as the kernels take them: X (batch, in), W (in, out), b (1, out)."""
    x = arrays[layout.inputs]
    params = {"layout": layout}
    if layout.weights:
        w = arrays[layout.weights]
        params["weights"] = w.T if layout.weights_transposed else w
    if layout.biases:
        params["biases"] = arrays[layout.biases].reshape(1, -1)
    return (x.T if layout.inputs_transposed else x), params


def _candidates(given: str | None, hints: tuple, loss: bool, dense: bool) -> tuple[list, str]:
    if given:
        return [given], "given"
    if hints:
        return list(hints), "the names"
    kinds = {"loss"} if loss else {"dense"} if dense else {"activation"}
    return [op for op in entries() if kind(op) in kinds], "its forward"


def recognise(given: str | None, s: Any, out: np.ndarray) -> tuple:
    """(op or None, its layout, note): the op whose forward kernel reproduces ``out``.

    Every layout the style proposes is tried (weights stored (out, in), inputs stored
    (features, batch)). A given op is kept even when its forward differs (the note
    says by how much): the user named it.
    """
    layouts = s.layouts or (Layout(next(iter(s.arrays))),)
    if not layouts[0].inputs:
        return None, None, ""
    bound = FORWARD_RTOL * max(1.0, float(np.max(np.abs(out), initial=0.0)))
    dense = layouts[0].weights is not None
    candidates, source = _candidates(given, s.hints, s.loss, dense)
    errors = []
    for op in candidates:
        for layout in _fitted(op, layouts, s, out):
            x, params = _kernel_args(s.arrays, layout)
            flat = out.T if layout.inputs_transposed and out.ndim == 2 else out
            error = _forward_error(op, x, params, s.labels, flat)
            errors.append(error)
            if error is not None and error <= bound:
                how = "given" if given else f"recognised as `{op}` from {source}"
                read = layer_ops.describe(layout)
                return op, layout, f"{how}{read}; forward matches its kernel (max abs {error:.2g})"
    if given:
        known = [e for e in errors if e is not None]
        by = f"differs by {min(known):.3g} from" if known else "cannot be compared with"
        # the user named it: its kernel stays a reference, and says the gradient is not its
        return given, layouts[0], f"op `{given}` given, but forward {by} its kernel"
    if s.hints:
        named = " or ".join(f"`{op}`" for op in s.hints)
        return None, None, f"the names suggest {named}, but forward differs from its kernel"
    return None, None, "op not recognised: checked against finite differences only"


def _fitted(op: str, layouts: tuple, s: Any, out: np.ndarray) -> list:
    """The style's layouts; for dropout and the norms, with what is read off the object."""
    entry = entries()[op]
    if not layer_ops.kind(entry):
        return list(layouts)
    return [fit for layout in layouts for fit in layer_ops.layouts(entry, s.arrays, layout, out)]


def truth(op: str, layout: Layout | None, s: Any, g: np.ndarray) -> dict[str, np.ndarray]:
    """The op's generated backward kernel on the subject's arrays: {array name: gradient}."""
    if layout is None:
        return {}
    x, params = _kernel_args(s.arrays, layout)
    if layout.inputs_transposed and g.ndim == 2:
        g = g.T
    if s.loss:  # the kernels take the per-sample cotangent of a batch mean
        g = np.full((len(x), 1), 1.0 / len(x))
    result = kernel_values(op, x, params, s.labels, g)
    if result is None:
        return {}
    grads = result[1]
    back = {}
    if "dinputs" in grads:
        back[layout.inputs] = grads["dinputs"].T if layout.inputs_transposed else grads["dinputs"]
    if layout.weights and "dweights" in grads:
        w = grads["dweights"]
        w = w.T if layout.weights_transposed else w
        shape = s.arrays[layout.weights].shape  # a 1-D gamma: the kernel's is (1, features)
        back[layout.weights] = w.reshape(shape) if w.size == int(np.prod(shape)) else w
    if layout.biases and "dbiases" in grads:
        back[layout.biases] = grads["dbiases"].reshape(s.arrays[layout.biases].shape)
    return back


# ----- penalties added into a parameter's gradient -----

PENALTIES = (("l2_penalty", "L2"), ("l1_penalty", "L1"))


def penalty(
    w: np.ndarray, expected: np.ndarray, difference: np.ndarray, rtol: float, atol: float
) -> str | None:
    """ "an L2 penalty, lambda = 5e-4" when ``difference`` (a gradient's error against
    ``expected``, the gradient of forward alone) is lambda times a penalty's gradient.

    The penalties' gradients come from their generated kernels with lambda = 1; lambda
    is fitted by least squares and must explain the difference to the check's tolerance:
    the gradient is then compared with ``expected + lambda * penalty gradient`` as every
    gradient is compared with its reference, normwise (not relative to ``w``, whose
    size says nothing of the gradient's: with weights of a few hundred a random 0.7 %
    error passed as an L2 penalty of 4e-7).
    L1 and L2 are also fitted together (the nnfs Dense takes both strengths). Where
    elements of ``w`` are exactly 0 (zero-initialised biases), L1 is also tried with the
    nnfs book's convention there (its ``dL1[w < 0] = -1`` gives +1 at 0, the table's
    sign(0) = 0): the same penalty, another choice of subgradient at its kink.
    """
    from numeric.kernels import kernels

    def within(fitted: np.ndarray) -> bool:  # fitted along a nonzero direction: not empty
        residual = float(np.max(np.abs(difference - fitted)))
        return residual <= atol + rtol * float(np.max(np.abs(expected + fitted)))

    candidates = []  # (label, direction, how L1 is taken at 0)
    for name, label in PENALTIES:
        if name not in entries():
            continue
        direction = np.asarray(_penalty_gradient(kernels(name)[1], w), dtype=np.float64)
        candidates.append((label, direction, ""))
        if label == "L1" and np.any(w == 0):
            book = direction + (w == 0)  # the kernel's sign(w), with +1 where w == 0
            candidates.append((label, book, BOOK_AT_ZERO))
    for label, direction, convention in candidates:
        norm = float(np.vdot(direction, direction))
        if norm == 0:
            continue
        lam = float(np.vdot(difference, direction)) / norm
        if lam > 0 and within(lam * direction):
            return (
                f"the objective with an {label} penalty, lambda = {lam:.3g} (forward's loss + "
                f"lambda * sum {'w^2' if label == 'L2' else '|w|'}){convention}, not for "
                f"forward alone"
            )
    l2 = next((d for label, d, _ in candidates if label == "L2"), None)
    for label, l1, convention in candidates:
        if label != "L1" or l2 is None:
            continue
        basis = np.stack([l1.ravel(), l2.ravel()], axis=1)
        (lam1, lam2), *_ = np.linalg.lstsq(basis, difference.ravel(), rcond=None)
        if lam1 > 0 and lam2 > 0 and within((basis @ (lam1, lam2)).reshape(difference.shape)):
            return (
                f"the objective with an L1+L2 penalty, lambda_L1 = {lam1:.3g}, lambda_L2 = "
                f"{lam2:.3g} (forward's loss + lambda_L1 * sum |w| + lambda_L2 * sum w^2)"
                f"{convention}, not for forward alone"
            )
    return None


BOOK_AT_ZERO = (
    "; where w = 0, L1's gradient taken as +lambda (the nnfs book's dL1[w < 0] = -1; the "
    "table's sign(0) = 0 gives 0: both are subgradients at the kink)"
)


def _penalty_gradient(kernel: Any, w: np.ndarray) -> np.ndarray:
    """A penalty kernel's gradient at ``w`` with lambda = 1 and a unit cotangent."""
    values = {"w": w, "x": w, "g": 1.0, "y": None, "lambda_": 1.0, "lam": 1.0}
    return np.broadcast_to(kernel(*(values.get(a) for a in kernel.args)), w.shape)
