"""Comparing a hand-written gradient with its expected value, and naming the error.

``compare`` measures one gradient against one reference (finite differences or a
generated kernel): max absolute and relative error, the worst element. When they
differ, ``diagnose`` names the pattern if it is one of the usual hand-written
mistakes. ``Report`` gathers the comparisons of one object; it is truthy only
when every gradient matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    # Normwise, relative to the largest expected element: robust where elements are ~0.
    scale = float(np.max(np.abs(expected), initial=0.0))
    return float(np.max(np.abs(actual - expected), initial=0.0)) <= atol + rtol * scale


def diagnose(
    actual: np.ndarray, expected: np.ndarray, batch: int, rtol: float, atol: float
) -> str | None:
    """The usual mistake that turns ``expected`` into ``actual`` (same shape), if any."""

    def close(candidate: np.ndarray) -> bool:
        return _close(actual, candidate, rtol, atol)

    if not np.any(actual):
        return "all zeros"
    if close(-expected):
        return "wrong sign: actual = -expected"
    if batch > 1 and close(expected * batch):
        return f"{batch}x too large, the batch size: the division by the batch size is missing"
    if batch > 1 and close(expected / batch):
        return f"{batch}x too small, the batch size: divided by the batch size once too often"
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and close(expected.T):
        return "transposed: actual = expected.T"
    zero = expected == 0
    if zero.any() and (~zero).any() and np.array_equal(actual != 0, zero):
        return "inverted mask: nonzero exactly where the expected gradient is zero"
    factor = float(np.vdot(actual, expected) / max(np.vdot(expected, expected), 1e-300))
    if close(expected * factor):
        return f"off by a constant factor: actual = {factor:.4g} x expected"
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


def compare(
    actual: object, expected: np.ndarray, against: str, batch: int, rtol: float, atol: float
) -> Comparison:
    """``actual`` (a gradient as backward set it, or None) against ``expected`` (float64)."""
    if actual is None:
        return Comparison(against, False, diagnosis="missing: backward did not set it")
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
        None if ok else diagnose(actual, expected, batch, rtol, atol),
    )


@dataclass(frozen=True)
class GradientCheck:
    """One gradient (``dinputs``, ``dweights`` or ``dbiases``) against every reference."""

    name: str
    comparisons: tuple[Comparison, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons)

    @property
    def diagnosis(self) -> str | None:
        """The first reference's diagnosis (the kernel's when the op is known)."""
        return next((c.diagnosis for c in self.comparisons if c.diagnosis), None)

    def lines(self) -> list[str]:
        head = f"  {self.name:<9} {'ok' if self.ok else 'WRONG':<6} "
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
            # + 0.0 prints a kernel's -0.0 as 0
            out.append(
                f"{pad}worst element [{index}]: expected {worst.expected + 0.0:.6g}, "
                f"actual {worst.actual + 0.0:.6g}"
            )
        if self.diagnosis:
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

    def __bool__(self) -> bool:
        return all(g.ok for g in self.gradients)

    def __getitem__(self, name: str) -> GradientCheck:
        return next(g for g in self.gradients if g.name == name)

    @property
    def wrong(self) -> list[str]:
        return [g.name for g in self.gradients if not g.ok]

    def __str__(self) -> str:
        known = f"checked as `{self.op}`" if self.op else "op not recognised"
        lines = [f"{self.subject}: {known}; {self.setup}"]
        lines += [f"  note: {note}" for note in self.notes]
        for gradient in self.gradients:
            lines += gradient.lines()
        total = len(self.gradients)
        if self:
            lines.append("the gradient matches" if total == 1 else f"all {total} gradients match")
        else:
            lines.append(f"{len(self.wrong)} of {total} gradients wrong: {', '.join(self.wrong)}")
        return "\n".join(lines)
