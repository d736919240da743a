r"""Proving that two expressions are equal, and saying how it was proven.

``simplify(a - b) == 0`` misses true identities (the sigmoid derivative written
with ``exp`` against one written with ``cosh`` leaves a residue), so the prover
tries rewrites before it gives up, and says honestly when an equality rests only
on a high-precision numeric spot check.

The symbolic attempts have a budget (``symbolic.limits.PROOF_SECONDS``; ``expand`` is
skipped when it would write more than ``MAX_EXPANDED_TERMS`` terms): past it the method
says "not proven symbolically within the budget" and the numbers decide. The numbers
have the same budget; past it ``NotProven`` says so -- never a hang.

>>> from sympy import exp, cosh, symbols
>>> x = symbols("x", real=True)
>>> prove_equal(exp(-x) / (1 + exp(-x)) ** 2, 1 / (4 * cosh(x / 2) ** 2)).method
'simplify after rewrite(exp)'
>>> prove_equal(x, x + 1)
Traceback (most recent call last):
...
symbolic.proof.NotEqual: x and x + 1 differ: at x = ... the left is ... and the right is ...
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symbolic import limits


class NotEqual(AssertionError):
    """Two expressions claimed equal are not."""


class NotProven(Exception):
    """Neither proven nor refuted within the budget: no verdict."""


@dataclass(frozen=True)
class Proof:
    """How ``left == right`` was established: ``method`` names the argument."""

    left: sp.Basic
    right: sp.Basic
    method: str

    @property
    def symbolic(self) -> bool:
        return not self.method.startswith("numeric")


def _is_zero(expr: sp.Basic) -> bool:
    return sp.simplify(expr) == 0


def prove_equal(left: sp.Basic, right: sp.Basic, points: int = 12) -> Proof:
    """Prove ``left == right`` symbolically, else by numbers at random points.

    Raises ``NotEqual`` with a point where they differ when they are not equal, and
    ``NotProven`` when the numbers too ran out of budget.
    """
    difference = left - right
    note = ""
    try:
        with limits.time_budget(limits.PROOF_SECONDS, "a proof", "symbolic.limits.PROOF_SECONDS"):
            method = _symbolic_method(difference)
        if method:
            return Proof(left, right, method)
    except limits.OverBudget:
        note = f"; not proven symbolically within the budget of {limits.PROOF_SECONDS:g} s"
    counterexample = within_budget(find_difference, left, right, points)
    if counterexample:
        raise NotEqual(counterexample)
    return Proof(left, right, f"numeric: equal to 30 digits at {points} random points{note}")


def _symbolic_method(difference: sp.Basic) -> str | None:
    """How ``difference`` was shown to be 0, or None."""
    if difference == 0:
        return "expand"
    if limits.expanded_terms(difference) <= limits.MAX_EXPANDED_TERMS:
        if sp.expand(difference) == 0:
            return "expand"
    if _is_zero(difference):
        return "simplify"
    for target in (sp.exp, sp.log):
        if _is_zero(difference.rewrite(target)):
            return f"simplify after rewrite({target.__name__})"
    return None


def within_budget(compare: object, left: sp.Basic, right: sp.Basic, points: int) -> object:
    """``compare(left, right, points)`` (a numeric check) within the proof budget, or
    ``NotProven``."""
    try:
        with limits.time_budget(limits.PROOF_SECONDS, "a check by numbers"):
            return compare(left, right, points)
    except limits.OverBudget:
        raise NotProven(
            f"{_short(left)} = {_short(right)}: not proven within the budget of "
            f"{limits.PROOF_SECONDS:g} s (symbolic.limits.PROOF_SECONDS), symbolically or "
            f"at {points} points"
        ) from None


def _short(expr: sp.Basic, most: int = 60) -> str:
    text = str(expr)
    return text if len(text) <= most else text[: most - 3] + "..."


def find_difference(left: sp.Basic, right: sp.Basic, points: int = 12) -> str | None:
    """A sentence naming a point where ``left`` and ``right`` differ, or None."""
    both = left.free_symbols | right.free_symbols
    indexed = {atom for e in (left, right) for atom in e.atoms(sp.Indexed, MatrixElement)}
    indices = {v for atom in indexed for v in atom.free_symbols if v not in indexed}
    free = sorted((v for v in both if isinstance(v, sp.Symbol) and v not in indices), key=str)
    free += sorted(indexed, key=str)
    rng = random.Random(0)
    for _ in range(points):
        at = {
            v: sp.Float(rng.uniform(0.1, 3) if v.is_positive else rng.uniform(-3, 3), 30)
            for v in free
        }
        a, b = (sp.N(e.xreplace(at), 30) for e in (left, right))
        if not (a.is_number and b.is_number):
            # An unknown the sampler cannot fill: no point proves anything, so say so.
            return f"{left} and {right} could not be evaluated at a point (left: {a}, right: {b})"
        if abs(complex(a - b)) > 1e-20 * (1 + abs(complex(a)) + abs(complex(b))):
            where = ", ".join(f"{v} = {sp.N(val, 6)}" for v, val in at.items())
            return (
                f"{left} and {right} differ: at {where} the left is {sp.N(a, 8)} "
                f"and the right is {sp.N(b, 8)}"
            )
    return None
