"""``check_gradients``: pick the style, compare every gradient, build the report.

Every gradient the author's backward gives is compared with

* central finite differences of the author's own forward, in float64 (any code); and
* the generated backward kernel of its op, ``numeric.kernels(op)``, when the op is
  given or recognised (only a forward that matches the op's kernel is trusted).

A layer is checked through a random cotangent ``g``: ``backward(g)`` against
``d<g, forward(x)>/dx``. A loss is checked as the *mean* of what its forward
returns (nnfs's per-sample losses; a scalar is its own mean). Everything the check
touches is restored by the style that touched it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numeric.check import differences
from numeric.check.diagnose import Comparison, GradientCheck, Report, compare, diagnose_more
from numeric.check.errors import CheckError
from numeric.check.randomness import differs
from numeric.check.recognise import entries, penalty, recognise, truth
from numeric.check.styles import pick
from numeric.check.subject import Options, Subject

# Normwise tolerances: a gradient matches when
# max|actual - expected| <= ATOL + RTOL * max|expected|, by the dtype the code computes in.
# float64 is limited by the differences (step 1e-6: truncation ~1e-12, round-off ~1e-10);
# float32 rounds at 6e-8 per operation, and sums of hundreds of terms need the room.
RTOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 1e-4}
ATOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-6}
# Against the op's generated kernel the reference is exact: float64 code that computes the
# same formula agrees to rounding (1e-13 measured), so an L2 term of 1e-5 cannot hide.
KERNEL_RTOL = {np.dtype(np.float64): 1e-8, np.dtype(np.float32): 1e-4}


PENALTY_MIN_SIZE = 4  # elements a parameter needs before a penalty is fitted to its error


def check_gradients(
    target: Any,
    *args: Any,
    y_true: object = None,
    op: str | None = None,
    backward: Any = None,
    labels: str | None = None,
    seed: int = 0,
    subject: str | None = None,
) -> Report:
    """Check the backward of ``target``, in whichever style it is written.

    * an object with ``forward``/``backward``: ``check_gradients(layer, X_or_shape[, y])``;
    * a cs231n forward function: ``check_gradients(affine_forward, x, w, b)``, its
      backward found by name in the same module or given as ``backward=``;
    * a micrograd ``Value`` class: ``check_gradients(Value)``;
    * a ``torch.autograd.Function`` subclass: ``check_gradients(MyFunction, x, w)``.
    """
    if op is not None and op not in entries():
        raise ValueError(f"unknown op {op!r}; the table has: {', '.join(sorted(entries()))}")
    if labels not in (None, "indices", "onehot"):
        raise ValueError(f"labels must be 'indices' or 'onehot', got {labels!r}")
    style = pick(target)
    if style.NAME == "objects" and y_true is None and len(args) == 2:
        args, y_true = args[:1], args[1]  # check_gradients(loss, predictions, labels)
    # a stream of its own: a user's default_rng(seed) inputs must not reappear as the cotangent
    rng = np.random.default_rng([seed, 0xC07A])
    options = Options(rng, y_true, op, backward, labels)
    with style.subjects(target, args, options) as found:
        results = [_check(s, options) for s in found]
    name = subject or getattr(target, "__name__", None) or type(target).__name__
    if len(results) == 1:
        ((s, op_found, notes, checks),) = results
        return Report(name, op_found, s.setup, checks, tuple(notes), style.NAME)
    checks, notes = [], []
    for s, _, more, part in results:
        checks += [GradientCheck(f"{s.name}: {c.name}", c.comparisons, c.convention) for c in part]
        notes += [f"{s.name}: {note}" for note in more]
    setup = found[0].setup if found else ""
    return Report(name, None, setup, tuple(checks), tuple(notes), style.NAME)


def _kernel_label(op: str | None) -> str:
    """What a comparison with ``op``'s kernel is called (``Comparison.against``)."""
    return f"the `{op}` kernel"


def _kernel_rtol(s: Subject) -> float:
    return KERNEL_RTOL[np.dtype(s.dtype) if s.dtype in RTOL else np.dtype(np.float64)]


def _tolerances(dtype: np.dtype) -> tuple[float, float]:
    dtype = dtype if dtype in RTOL else np.dtype(np.float64)
    return RTOL[dtype], ATOL[dtype]


def _cotangent(s: Subject, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if s.unit_cotangent:
        return np.ones(out.shape)
    if s.loss:
        return np.full(out.shape, 1.0 / max(out.size, 1))  # the mean of what forward returns
    # drawn in the code's dtype, so that both runs see the same numbers
    return rng.standard_normal(out.shape).astype(s.dtype).astype(np.float64)


def _check(s: Subject, options: Options) -> tuple[Subject, str | None, list[str], tuple]:
    rtol, atol = _tolerances(s.dtype)
    out = s.forward()
    again = s.forward()
    if differs(out, again):
        raise CheckError(
            f"{s.name}: random forward: not checkable (two forwards of the same input differ "
            "even with NumPy's, Python's and the object's generators reset before each)"
        )
    notes = list(s.notes)
    if s.random:
        notes.append("random forward (dropout?): checked with the same random draws each run")
    found, layout, how = recognise(options.op, s, out)
    if how:
        notes.append(how)
    g = _cotangent(s, out, options.rng)
    actual = s.backward(g.astype(s.dtype))
    notes += s.changed()
    expected_by_kernel = truth(found, layout, s, g) if found else {}
    checks = []
    for name, array in s.arrays.items():
        comparisons = _compare_one(s, name, array, g, actual.get(name), expected_by_kernel, found)
        check = GradientCheck(s.gradient_names.get(name, name), tuple(comparisons))
        if not check.ok:
            check = _explain(s, name, array, g, actual, check, found, rtol, atol)
        checks.append(check)
    return s, found, notes, tuple(checks)


def _compare_one(s: Subject, name, array, g, actual, kernel_truth, op) -> list[Comparison]:
    """One gradient against the op's kernel (when known) and the differences."""
    rtol, atol = _tolerances(s.dtype)
    batch = _batch(s)
    comparisons = []
    if name in kernel_truth:
        expected = np.broadcast_to(kernel_truth[name], array.shape)
        against = _kernel_label(op)
        comparisons.append(compare(actual, expected, against, batch, _kernel_rtol(s), atol))
    if name in kernel_truth and array.size > differences.ELEMENTWISE_MAX:
        # the kernel gives every element; differences along random directions confirm it cheaply
        expected, how = None, ""
    else:
        fd_rtol = max(rtol, RTOL[np.dtype(np.float64)])
        axis = s.blocking.get(name)
        rng = _directions(s)
        expected, how = differences.gradient(s.forward, array, g, axis, rng, fd_rtol)
    if expected is None:
        comparisons.append(_directional(s, array, g, actual, rtol, atol))
    else:
        comparisons.append(compare(actual, expected, how, batch, rtol, atol))
    return comparisons


def _directions(s: Subject) -> np.random.Generator:
    """Random directions for the differences, the same for every run of one subject."""
    return np.random.default_rng(len(s.arrays))


def _batch(s: Subject) -> int:
    first = next(iter(s.arrays.values()), None)
    if first is None or first.ndim == 0:
        return 1
    layout = s.layouts[0] if s.layouts else None
    return first.shape[1] if layout is not None and layout.inputs_transposed else first.shape[0]


def _directional(s: Subject, array, g, actual, rtol, atol) -> Comparison:
    """``<v, actual>`` against the difference along v, for random directions v."""
    against = "finite differences along random directions"
    if actual is None or np.shape(actual) != array.shape:
        return compare(actual, np.full(array.shape, np.nan), against, 1, rtol, atol)
    actual = np.asarray(actual, dtype=np.float64)
    pairs = [
        (differences.directional(s.forward, array, g, v), float(np.vdot(v, actual)), v)
        for v in differences.directions(array.shape, _directions(s))
    ]
    error = max(abs(d - a) for d, a, _ in pairs)
    scale = max(abs(d) for d, _, _ in pairs)
    bound = max(atol + rtol * np.linalg.norm(v) * np.linalg.norm(actual) for _, _, v in pairs)
    # no change along any direction: exact agreement is no error, as compare has it
    relative = error / scale if scale else (0.0 if error == 0 else float("inf"))
    return Comparison(against, error <= bound, error, relative)


def _rule(op: str | None) -> str | None:
    """The op's derived backward, as SymPy prints it: what a diagnosis can point to."""
    if op is None:
        return None
    from numeric.kernels import kernels

    return kernels(op)[1].expr


def _explain(s: Subject, name, array, g, actual, check, op, rtol, atol) -> GradientCheck:
    """A wrong gradient: a penalty convention, or what the mistake looks like."""
    reference = next((c for c in check.comparisons if c.expected_array is not None), None)
    value = actual.get(name)
    if reference is None or value is None or np.shape(value) != array.shape:
        return check
    expected = reference.expected_array
    value = np.asarray(value, dtype=np.float64)
    # A parameter of a layer: an L1/L2 penalty inside its gradient? Only where a fitted
    # lambda has elements to explain (one number is always some multiple of another).
    if name in s.parameters and array.size >= PENALTY_MIN_SIZE:
        # held to the tolerance of the comparison it must turn: the kernel's, when known
        if reference.against == _kernel_label(op):
            rtol = _kernel_rtol(s)
        convention = penalty(array, expected, value - expected, rtol, atol)
        if convention:
            return GradientCheck(check.name, check.comparisons, convention)
    said = diagnose_more(s, name, value, expected, g, _batch(s), op, _rule(op), rtol, atol)
    if said is None:
        return check
    first, *rest = check.comparisons
    return GradientCheck(check.name, (first.with_diagnosis(said), *rest))
