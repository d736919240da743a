"""Checking a hand-written ``backward``: a verdict per gradient, and where it is wrong.

``check_gradients(obj, inputs)`` runs the object's own forward and backward once,
in its own dtype, and compares every gradient backward set (``dinputs``, and
``dweights`` / ``dbiases`` when it has ``weights`` / ``biases``) with

* central finite differences of its own forward, in float64 (any layer); and
* the generated backward kernel of its op, ``numeric.kernels(op)``, when the op
  is given or recognised (class name, else the forward output compared with
  every table forward of its kind; only a forward that matches is trusted).

A layer is checked through a random cotangent ``g``: ``backward(g)`` against
``d<g, forward(x)>/dx``. A loss (``forward(y_pred, y_true)``) is checked as the
*mean* of what forward returns -- nnfs's per-sample losses; a scalar is its own
mean; ``calculate`` is not used, as nnfs later adds regularisation to it -- and
``backward(dvalues, y_true)`` gets the predictions, or the forward's ``.output``
when it has their shape (nnfs's combined softmax + cross-entropy expects its
softmax output). Every attribute of the object is restored afterwards.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numeric import differences
from numeric.diagnose import Comparison, GradientCheck, Report, compare
from numeric.kernels import kernels
from numeric.recognise import entries, kernel_values, kind, name_hints, recognise

# Normwise tolerances: a gradient matches when
# max|actual - expected| <= ATOL + RTOL * max|expected|, by the dtype the object computes in.
# float64 is limited by the differences (step 1e-6: truncation ~1e-12, round-off ~1e-10);
# float32 rounds at 6e-8 per operation, and sums of hundreds of terms need the room.
RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-4}
ATOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-6}
KINK = 1e-3  # inputs nearer 0 (ReLU's kink) than this are moved to +-KINK
SHAPE = (5, 3)  # (batch, features) sampled when only a shape is known; 5 is no usual width

GRADIENTS = {"dinputs": None, "dweights": "weights", "dbiases": "biases"}

LABEL_NAMES = {"y_true", "y", "t", "target", "targets", "labels", "y_pred_true"}


class CheckError(Exception):
    """The object cannot be checked (its forward raised, or the arguments are wrong)."""


# ----- running the object -----


def _is_loss(obj: Any, y_true: object, op: str | None) -> bool:
    if y_true is not None or "loss" in type(obj).__name__.lower():
        return True
    if op is not None:
        return kind(op) == "loss"
    return _second_parameter(obj) in LABEL_NAMES


def _second_parameter(obj: Any) -> str | None:
    try:
        params = list(inspect.signature(obj.forward).parameters)
    except (TypeError, ValueError):  # a builtin or C-extension forward
        return None
    return params[1] if len(params) > 1 else None


def _forward(obj: Any, x: np.ndarray, labels: object) -> np.ndarray:
    """The object's output on ``x`` as a 2-D float64 array (a loss's as (batch, 1))."""
    # nnfs's later chapters add forward(inputs, training): check in inference mode
    extra = {"training": False} if _second_parameter(obj) == "training" else {}
    try:
        result = obj.forward(x, **extra) if labels is None else obj.forward(x, labels)
    except Exception as error:
        raise CheckError(f"forward raised {type(error).__name__}: {error}") from error
    if labels is None and not isinstance(result, np.ndarray):
        result = getattr(obj, "output", None)
    if result is None:
        raise CheckError("forward returned nothing and set no .output")
    out = np.array(result, dtype=np.float64)
    if labels is not None:  # per-sample losses, or a scalar
        out = out.reshape(len(x), -1) if out.size % len(x) == 0 and out.ndim else out.reshape(1, 1)
    return out.reshape(len(x), -1) if out.ndim == 1 else out


@contextmanager
def _float64_params(obj: Any):
    """Swap the object's weights and biases for float64 copies, put the originals back."""
    saved = {a: getattr(obj, a) for a in GRADIENTS.values() if a and _has_array(obj, a)}
    copies = {a: np.array(v, dtype=np.float64) for a, v in saved.items()}
    try:
        for attribute, copy in copies.items():
            setattr(obj, attribute, copy)
        yield copies
    finally:
        for attribute, value in saved.items():
            setattr(obj, attribute, value)


def _has_array(obj: Any, attribute: str) -> bool:
    return isinstance(getattr(obj, attribute, None), np.ndarray)


def _run_backward(obj: Any, x: np.ndarray, labels: object, g: np.ndarray) -> dict | str:
    """The gradients backward sets, in the object's dtype, or why backward failed."""
    for name in (*GRADIENTS, "output"):
        vars(obj).pop(name, None)  # a stale gradient must not pass for a fresh one
    _forward(obj, x, labels)
    try:
        if labels is None:
            obj.backward(g)
        else:
            output = getattr(obj, "output", None)
            shaped = isinstance(output, np.ndarray) and output.shape == x.shape
            obj.backward(output.copy() if shaped else x.copy(), labels)
    except Exception as error:
        return f"backward raised {type(error).__name__}: {error}"
    return {name: _copy(getattr(obj, name, None)) for name in GRADIENTS}


def _copy(value: object) -> object:
    return None if value is None else np.array(value)


# ----- sampling -----


def _sample_layer(shape: tuple, rng: np.random.Generator) -> np.ndarray:
    # magnitudes in [0.1, 2]: no input anywhere near a kink at 0
    return rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _sample_loss(op: str | None, shape: tuple, rng: np.random.Generator) -> tuple:
    """(predictions, labels) for a loss, by the kind of targets its table entry declares.

    Probabilities stay inside [0.05, 0.95] or come from a softmax of small logits, away
    from the clip at 1e-7; cross-entropies get class indices, as the nnfs book feeds them;
    an unrecognised loss gets probabilities and one-hot rows, which every loss accepts.
    """
    batch, classes = shape
    indices = rng.integers(0, classes, batch)
    entry = entries().get(op) if op else None
    targets = getattr(entry, "targets", None)
    if entry is not None and kind(op) == "loss" and targets is None:  # softmax + a loss
        return rng.standard_normal(shape), indices
    if targets == "binary":
        return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(np.float64)
    if targets == "real":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    logits = rng.standard_normal(shape) * 0.5
    probabilities = kernels("softmax")[0](logits)  # the table's own softmax, not a copy
    return probabilities, indices if targets == "onehot" else np.eye(classes)[indices]


def _away_from_kinks(x: np.ndarray) -> tuple[np.ndarray, int]:
    near = np.abs(x) < KINK
    x = x.copy()
    x[near] = np.copysign(KINK, x[near])
    return x, int(near.sum())


# ----- the check -----


def _working_dtype(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*(a.dtype for a in arrays))
    return dtype if dtype in RTOL else np.dtype(np.float64)


def _directional(evaluate, array, g, actual, rng, rtol, atol) -> Comparison:
    """``<v, actual>`` against the difference along v, for random directions v."""
    against = "finite differences along random directions"
    if actual is None or np.shape(actual) != array.shape:
        return compare(actual, np.full(array.shape, np.nan), against, 1, rtol, atol)
    actual = np.asarray(actual, dtype=np.float64)
    pairs = [
        (differences.directional(evaluate, array, g, v), float(np.vdot(v, actual)), v)
        for v in differences.directions(array.shape, rng)
    ]
    error = max(abs(d - a) for d, a, _ in pairs)
    scale = max(abs(d) for d, _, _ in pairs)
    bound = max(atol + rtol * np.linalg.norm(v) * np.linalg.norm(actual) for _, _, v in pairs)
    return Comparison(against, error <= bound, error, error / scale if scale else float("inf"))


@dataclass
class _Case:
    """One check's data: the inputs (native and float64), labels, cotangent, tolerances."""

    x: np.ndarray
    labels: object  # None for a layer
    rtol: float
    atol: float
    rng: np.random.Generator
    x64: np.ndarray = field(init=False)
    labels64: object = field(init=False)

    def __post_init__(self) -> None:
        self.x64 = self.x.astype(np.float64)
        floats = isinstance(self.labels, np.ndarray) and self.labels.dtype.kind == "f"
        self.labels64 = self.labels.astype(np.float64) if floats else self.labels
        if floats:  # float labels follow the predictions' dtype in the object's own run
            self.labels = self.labels.astype(self.x.dtype)


def _inputs(obj: Any, inputs: Any, y_true: object, hint: str | None, loss: bool, rng) -> tuple:
    """(inputs, labels, notes): sampled for a shape, else the user's, moved off kinks."""
    if isinstance(inputs, tuple):
        dtype = obj.weights.dtype if _has_array(obj, "weights") else np.float64
        x, labels = _sample_loss(hint, inputs, rng) if loss else (_sample_layer(inputs, rng), None)
        return x.astype(dtype), (y_true if y_true is not None else labels), []
    x = np.array(inputs)
    if x.ndim != 2 or x.dtype.kind != "f":
        raise CheckError(
            f"inputs must be a 2-D float array (batch, features), got {x.dtype} {x.shape}"
        )
    if loss:
        return x, (y_true if y_true is not None else _sample_loss(hint, x.shape, rng)[1]), []
    x, moved = _away_from_kinks(x)
    notes = [f"{moved} inputs within {KINK} of 0 (ReLU's kink) moved to +-{KINK}"] if moved else []
    return x, None, notes


def check_gradients(
    obj: Any,
    inputs: np.ndarray | tuple[int, int],
    y_true: object = None,
    op: str | None = None,
    *,
    seed: int = 0,
    subject: str | None = None,
) -> Report:
    """Check ``obj``'s backward on inputs (batch, features), or a batch sampled for that shape."""
    if op is not None and op not in entries():
        raise ValueError(f"unknown op {op!r}; the table has: {', '.join(sorted(entries()))}")
    rng = np.random.default_rng(seed)
    hints = [op] if op else name_hints(obj)
    hint = hints[0] if hints else None  # what to sample for; confirmed by recognise
    loss = _is_loss(obj, y_true, hint)
    x, labels, notes = _inputs(obj, inputs, y_true, hint, loss, rng)
    native = {a: getattr(obj, a) for a in ("weights", "biases") if _has_array(obj, a)}
    dtype = _working_dtype(x, *native.values())
    case = _Case(x, labels, RTOL[dtype], ATOL[dtype], rng)
    snapshot = dict(vars(obj))
    try:
        with _float64_params(obj) as params:
            out = _forward(obj, case.x64.copy(), case.labels64)
            found, how = recognise(op, hints, loss, (case.x64, params, case.labels64, out))
        if loss:
            g = np.full(out.shape, 1.0 / out.size)  # the mean of what forward returns
        else:  # drawn in the object's dtype, so that both runs see the same numbers
            g = rng.standard_normal(out.shape).astype(dtype).astype(np.float64)
        actual = _run_backward(obj, x, case.labels, g.astype(dtype))
        with _float64_params(obj) as params:
            truth = kernel_values(found, case.x64, params, case.labels64, g)[1] if found else {}
            checks = tuple(
                _check_one(obj, case, name, params.get(attribute), g, actual, truth, found)
                for name, attribute in GRADIENTS.items()
                if attribute is None or attribute in params
            )
    finally:
        vars(obj).clear()
        vars(obj).update(snapshot)
    shapes = ", ".join(f"{a} {v.shape}" for a, v in {"inputs": x, **native}.items())
    if loss:
        kind = "class indices" if np.asarray(labels).ndim == 1 else "targets"
        setup = f"{dtype}, {shapes}, {kind} {np.shape(labels)}; the mean loss"
    else:
        setup = f"{dtype}, {shapes}; cotangent g ~ N(0, 1)"
    return Report(subject or type(obj).__name__, found, setup, checks, (how, *notes))


def _check_one(obj, case, name, param, g, actual, truth, op) -> GradientCheck:
    """One gradient against the op's kernel (when known) and the differences."""
    if isinstance(actual, str):  # backward raised
        return GradientCheck(name, (Comparison("backward", False, diagnosis=actual),))
    array, axis = (case.x64, 0) if param is None else (param, 1)

    def evaluate() -> np.ndarray:
        return _forward(obj, case.x64.copy(), case.labels64)

    batch, tolerances = len(case.x), (case.rtol, case.atol)
    comparisons = []
    if name in truth:
        expected = np.broadcast_to(truth[name], array.shape)
        comparisons.append(
            compare(actual[name], expected, f"the `{op}` kernel", batch, *tolerances)
        )
    if name in truth and array.size > differences.ELEMENTWISE_MAX:
        # the kernel gives every element; differences along random directions confirm it cheaply
        expected = None
    else:
        fd_rtol = max(case.rtol, RTOL[np.dtype(np.float64)])
        expected, how = differences.gradient(evaluate, array, g, axis, case.rng, fd_rtol)
    if expected is None:
        comparisons.append(_directional(evaluate, array, g, actual[name], case.rng, *tolerances))
    else:
        comparisons.append(compare(actual[name], expected, how, batch, *tolerances))
    return GradientCheck(name, tuple(comparisons))


def main(argv: list[str]) -> int:
    """``python -m numeric check FILE.py:CALL [--shape B,N] [--op NAME]``; exit 0, 1 or 2."""
    from numeric.gradcheck_cli import main as run

    return run(argv)
