"""Comparing a hand-written gradient with its expected value, and naming the error.

``compare`` measures one gradient against one reference (finite differences or a
generated kernel): max absolute and relative error, the worst element. When they
differ, ``diagnose`` names the pattern if it is one of the usual hand-written
mistakes. ``Report`` gathers the comparisons of one object; it is truthy only
when every gradient matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


def _factor_text(factor: float) -> str:
    """``factor`` to 4 significant digits, or as many more as it takes not to read as 1
    (1.0001, not "1", for a gradient 1e-4 too large)."""
    digits = 4
    while float(f"{factor:.{digits}g}") == 1.0 and factor != 1.0:  # ends by 17 digits,
        digits += 1  # which tell every double from every other
    return f"{factor:.{digits}g}"


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    # Normwise, relative to the largest expected element: robust where elements are ~0.
    scale = float(np.max(np.abs(expected), initial=0.0))
    return float(np.max(np.abs(actual - expected), initial=0.0)) <= atol + rtol * scale


def _factor_cause(factor: float, sizes: dict[str, int]) -> str | None:
    """The likely cause of a constant factor: a size divided once too often or not at all."""
    for what, size in sizes.items():
        if size > 1 and np.isclose(factor, size, rtol=1e-3):
            return f"{size}x too large, {what}: the division by {what} is missing"
        if size > 1 and np.isclose(factor, 1 / size, rtol=1e-3):
            return f"{size}x too small, {what}: divided by {what} once too often"
    named = [(what, size) for what, size in sizes.items() if size > 1]
    for k, (first, a) in enumerate(named):  # a mean over both axes, or a sum over both
        for second, b in named[k + 1 :]:
            if np.isclose(factor, a * b, rtol=1e-3):
                return f"{a * b}x too large, {first} times {second}: a division by both is missing"
            if np.isclose(factor, 1 / (a * b), rtol=1e-3):
                return f"{a * b}x too small, {first} times {second}: divided by both once too often"
    if np.isclose(factor, 2, rtol=1e-3):
        return (
            "2x too large: a factor 2 too many (the 2 of a square, d(x^2)/dx = 2x, counted twice?)"
        )
    if np.isclose(factor, 0.5, rtol=1e-3):
        return "2x too small: the 2 of a square is missing (d(x^2)/dx = 2x)"
    return None


def diagnose(
    actual: np.ndarray,
    expected: np.ndarray,
    batch: int,
    rtol: float,
    atol: float,
    sizes: dict[str, int] | None = None,
) -> str | None:
    """The usual mistake that turns ``expected`` into ``actual`` (same shape), if any.

    ``sizes`` names the sizes a factor may come from (the batch size, the number of
    outputs); the batch size is always among them.
    """

    def close(candidate: np.ndarray) -> bool:
        return _close(actual, candidate, rtol, atol)

    sizes = {"the batch size": batch, **(sizes or {})}
    if not np.any(actual):
        return "all zeros"
    if close(-expected):
        return "wrong sign: actual = -expected"
    if actual.size == 1:  # one number: any ratio is "a constant factor", which says nothing
        return None
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and close(expected.T):
        return "transposed: actual = expected.T"
    zero = expected == 0
    if zero.any() and (~zero).any() and np.array_equal(actual != 0, zero):
        return "inverted mask: nonzero exactly where the expected gradient is zero"
    factor = float(np.vdot(actual, expected) / max(np.vdot(expected, expected), 1e-300))
    if close(expected * factor):
        cause = _factor_cause(factor, sizes)
        return cause or f"off by a constant factor: actual = {_factor_text(factor)} x expected"
    if expected.ndim == 2 and expected.shape[0] > 1:
        rows = np.einsum("ij,ij->i", actual, expected) / np.maximum(
            np.einsum("ij,ij->i", expected, expected), 1e-300
        )
        if close(expected * rows[:, None]):
            shown = ", ".join(f"{r:.3g}" for r in rows[:4]) + (", ..." if len(rows) > 4 else "")
            return f"off by a factor that differs per row (per sample): {shown}"
    return None


def _shape_diagnosis(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    said = f"wrong shape: expected {expected.shape}, got {actual.shape}"
    if (
        actual.ndim == 2
        and actual.T.shape == expected.shape
        and _close(actual.T, expected, rtol, atol)
    ):
        return said + "; transposed: actual = expected.T"
    if actual.size == expected.size and _close(
        actual.reshape(expected.shape), expected, rtol, atol
    ):
        return said + "; the values are right once reshaped (keepdims?)"
    selected = expected[expected != 0]
    if actual.ndim == 1 and actual.size == selected.size and _close(actual, selected, rtol, atol):
        return said + (
            "; the values where the mask is true, as a flat array: boolean indexing "
            "(dout[mask]) drops the other elements; write dout * mask"
        )
    summed = actual.sum(axis=0)
    if summed.size == expected.size and _close(
        summed.reshape(expected.shape), expected, rtol, atol
    ):
        return said + "; the sum over the batch (axis 0) is missing"
    return said


@dataclass(frozen=True)
class Comparison:
    """One gradient against one reference; figures are None when shapes differ."""

    against: str  # "finite differences" or "the dense kernel"
    ok: bool
    max_abs: float | None = None
    max_rel: float | None = None  # max_abs / max|expected|
    worst: tuple[int, ...] | None = None
    expected: float | None = None  # at the worst element
    actual: float | None = None
    wrong: tuple[int, int] | None = None  # (elements outside tolerance, elements)
    diagnosis: str | None = None
    expected_array: np.ndarray | None = field(default=None, repr=False, compare=False)

    def with_diagnosis(self, diagnosis: str) -> Comparison:
        return replace(self, diagnosis=diagnosis)


def compare(
    actual: object,
    expected: np.ndarray,
    against: str,
    batch: int,
    rtol: float,
    atol: float,
    sizes: dict[str, int] | None = None,
) -> Comparison:
    """``actual`` (a gradient as backward set it, or None) against ``expected`` (float64)."""
    if actual is None:
        return Comparison(against, False, diagnosis="missing: backward neither set nor returned it")
    actual = np.asarray(actual)
    if actual.dtype.kind not in "fiu":
        return Comparison(against, False, diagnosis=f"not a numeric array: {actual.dtype}")
    actual = actual.astype(np.float64)
    if actual.shape != expected.shape:
        return Comparison(against, False, diagnosis=_shape_diagnosis(actual, expected, rtol, atol))
    error = np.abs(actual - expected)
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.size else ()
    scale = float(np.max(np.abs(expected), initial=0.0))
    max_abs = float(np.max(error, initial=0.0))
    ok = max_abs <= atol + rtol * scale
    return Comparison(
        against,
        ok,
        max_abs,
        max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf")),
        tuple(int(i) for i in worst),
        float(expected[worst]) if error.size else None,
        float(actual[worst]) if error.size else None,
        (int(np.sum(error > atol + rtol * scale)), int(error.size)),
        None if ok else diagnose(actual, expected, batch, rtol, atol, sizes),
        expected,
    )


@dataclass(frozen=True)
class GradientCheck:
    """One gradient (named as its author names it) against every reference.

    ``convention`` names an objective the gradient is right for when it is not right
    for the forward alone (an L2 penalty added into ``dweights``, as the nnfs book does).
    """

    name: str
    comparisons: tuple[Comparison, ...]
    convention: str | None = None

    @property
    def ok(self) -> bool:
        return self.convention is not None or all(c.ok for c in self.comparisons)

    @property
    def status(self) -> str:
        if all(c.ok for c in self.comparisons):
            return "ok"
        return (
            "ok+" + self.convention.removeprefix("the objective with an ").split()[0]
            if self.convention
            else "WRONG"
        )

    @property
    def diagnosis(self) -> str | None:
        """The first reference's diagnosis (the kernel's when the op is known)."""
        return next((c.diagnosis for c in self.comparisons if c.diagnosis), None)

    def lines(self, width: int = 9) -> list[str]:
        head = f"  {self.name:<{width}} {self.status:<6} "
        pad = " " * len(head)
        out = []
        for i, c in enumerate(self.comparisons):
            figures = (
                "" if c.max_abs is None else f"max abs error {c.max_abs:.3g}, rel {c.max_rel:.3g}"
            )
            if c.wrong and c.wrong[0]:
                figures += f"; {c.wrong[0]} of {c.wrong[1]} elements off"
            out.append(f"{head if i == 0 else pad}against {c.against}: {figures or '-'}")
        worst = next((c for c in self.comparisons if not c.ok and c.worst is not None), None)
        if worst is not None:
            index = ", ".join(map(str, worst.worst))
            where = f"worst element [{index}]" if index else "value"
            # + 0.0 prints a kernel's -0.0 as 0
            out.append(
                f"{pad}{where}: expected {worst.expected + 0.0:.6g}, "
                f"actual {worst.actual + 0.0:.6g}"
            )
        if self.convention:
            out.append(f"{pad}right for {self.convention}")
        elif self.diagnosis:
            out.append(f"{pad}diagnosis: {self.diagnosis}")
        return out


@dataclass(frozen=True)
class Report:
    """The verdict on one object: truthy only when every gradient matches."""

    subject: str
    op: str | None
    setup: str  # dtype and shapes
    gradients: tuple[GradientCheck, ...]
    notes: tuple[str, ...] = field(default=())
    style: str = "objects"  # which way of writing a backward it was read as

    def __bool__(self) -> bool:
        return all(g.ok for g in self.gradients)

    def __getitem__(self, name: str) -> GradientCheck:
        found = next((g for g in self.gradients if g.name == name), None)
        if found is None:
            names = ", ".join(g.name for g in self.gradients)
            raise KeyError(f"no gradient {name!r}; the report has: {names}")
        return found

    @property
    def conventions(self) -> dict[str, str]:
        """Gradients right only for another objective: {name: which objective}."""
        return {g.name: g.convention for g in self.gradients if g.convention}

    @property
    def wrong(self) -> list[str]:
        return [g.name for g in self.gradients if not g.ok]

    def __str__(self) -> str:
        known = f"checked as `{self.op}`" if self.op else "op not recognised"
        lines = [f"{self.subject}: {known}; {self.setup}"]
        lines += [f"  note: {note}" for note in self.notes]
        width = max([9, *(len(g.name) for g in self.gradients)])
        for gradient in self.gradients:
            lines += gradient.lines(width)
        total = len(self.gradients)
        if self:
            lines.append("the gradient matches" if total == 1 else f"all {total} gradients match")
        else:
            lines.append(f"{len(self.wrong)} of {total} gradients wrong: {', '.join(self.wrong)}")
        return "\n".join(lines)


def _used_twice(s: Any, name: str) -> bool:
    """Whether the operand ``name`` appears more than once in the expression a subject names."""
    # micrograd's subjects at negative operands are named "a * b (a, b < 0)": no use of a
    negative = f" ({', '.join(s.arrays)} < 0)"
    expression = s.name.removesuffix(negative).split(":")[0]
    return len(re.findall(rf"\b{re.escape(name)}\b", expression)) > 1


def diagnose_more(
    s: Any,
    name: str,
    actual: np.ndarray,
    expected: np.ndarray,
    g: np.ndarray,
    batch: int,
    op: str | None,
    rule: str | None,
    rtol: float,
    atol: float,
) -> str | None:
    """``diagnose``, after the mistakes only a second look at the subject shows.

    A layer's input gradient that *is* the incoming gradient; a gradient that stays
    the same when the incoming gradient changes (re-running backward once); a loss
    off by its number of outputs. ``rule`` is the op's derived backward, when known.
    """
    first = next(iter(s.arrays.values()))
    outputs = {"the number of outputs": first.shape[-1]} if s.loss and first.ndim == 2 else {}
    said = diagnose(actual, expected, batch, rtol, atol, outputs)
    if s.random and said and (said.startswith("off by a constant") or said.startswith("2x")):
        factor = float(np.vdot(actual, expected) / np.vdot(expected, expected))
        return (
            f"off by a constant factor: actual = {_factor_text(factor)} x expected; in a random "
            "layer, the dropout scale 1/p (or 1/(1 - p)) is likely missing or applied twice"
        )
    if s.unit_cotangent and said is None and _used_twice(s, name):
        return (
            f"`{name}` is used twice, and its gradient is not the sum of both uses: a "
            "`_backward` that sets .grad with = instead of accumulating with +=?"
        )
    layer = not (s.loss or s.unit_cotangent)
    if not layer or said == "all zeros":
        return said
    inputs = name == next(iter(s.arrays))
    if inputs and actual.shape == g.shape and _close(actual, g, rtol, atol):
        own = f"; its own backward, derived: {rule}" if rule else ""
        fuses = op in (None, "softmax", "sigmoid")  # the activations a loss absorbs
        why = (
            "right only when fused with the loss that follows (softmax or sigmoid with "
            "cross-entropy give p - t), not for this layer alone"
            if fuses
            else "the layer's own derivative is missing (the chain rule multiplies by it)"
        )
        return f"passes the incoming gradient through unchanged (= dvalues): {why}{own}"
    if said is None or said.startswith("off by"):
        other = np.asarray(s.backward((2.0 * g + 1.0).astype(s.dtype)).get(name), dtype=float)
        if other.shape == actual.shape and np.array_equal(other, actual):
            return (
                "ignores the incoming gradient: the same result for any dvalues; the chain "
                "rule multiplies the local derivative by dvalues"
            )
    return said
