r"""Proving each step of a derivation equal to the step before, by the form it is in.

Three checkers, one per kind of formula:

* ``ScalarForm``: a formula in ``x`` with unevaluated derivatives. Both sides are
  evaluated by SymPy (``doit``) and proven equal; a step that fixes the value of
  ``Heaviside`` at 0 is proven equal away from 0 and reported as a convention.
* ``IndexForm``: a formula in ``z[i]``, ``Sum``\s over a symbolic ``N``. Proven for
  any ``N`` when ``expand`` gets there; otherwise written out for ``N = 1, 2, 3``
  and proven for every value of its free indices.
* ``MatrixForm``: ``MatrixSymbol`` expressions, written out entry by entry on
  explicit shapes.

A step's ``given`` holds the substitutions it assumes (``y = f(x)``,
:math:`\sum_j t_j = 1`, the value of a quantity derived earlier); string keys are
remarks for the reader. ``prove`` returns how the step was proven; a step that does
not hold raises ``symbolic.proof.NotEqual``.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> ScalarForm().prove(sp.Derivative(x**2, x), 2 * x, {})
'expand'
>>> ScalarForm().prove(sp.Heaviside(x), sp.Heaviside(x, 0), {"convention": "H(0) = 0"})
'expand where no Heaviside argument is 0; H(0) = 0 is a convention'
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symbolic.ops import OPS, N, c, i, s, t
from symbolic.proof import NotEqual, Proof, prove_equal, within_budget


class Checker(Protocol):
    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str: ...


def substitute(expr: sp.Basic, given: Mapping) -> sp.Basic:
    """``expr`` with the substitutions of ``given`` (its ``Basic`` keys) applied."""
    pairs = {k: v for k, v in given.items() if isinstance(k, sp.Basic)}
    return expr.xreplace(pairs).subs(pairs) if pairs else expr


def _without_h0(expr: sp.Basic) -> sp.Basic:
    return expr.replace(sp.Heaviside, lambda arg, *_: sp.Heaviside(arg))


def _prove(left: sp.Basic, right: sp.Basic) -> Proof:
    """``prove_equal``, retrying with logarithms expanded before a numeric fallback.

    ``expand_log(force=True)`` is sound here: every logarithm in the table is of a
    positive quantity (exponentials, probabilities). A numeric fallback is redone by
    ``spot_check``, which fails where a point cannot be evaluated.
    """
    proof = prove_equal(left, right)
    if proof.symbolic:
        return proof
    if "within the budget" in proof.method:  # expand_log would not make simplify faster
        return Proof(left, right, f"{spot_check(left, right)};{proof.method.partition(';')[2]}")
    expanded = prove_equal(sp.expand_log(left, force=True), sp.expand_log(right, force=True))
    if expanded.symbolic:
        return Proof(left, right, f"{expanded.method} after expand_log")
    return Proof(left, right, spot_check(left, right))


def spot_check(left: sp.Basic, right: sp.Basic, points: int = 12) -> str:
    """Compare at random points to 30 digits; raise ``NotEqual`` where they differ.

    Every unknown -- symbol, ``z[k]``, matrix entry ``X[r, c]`` -- gets a value, and a
    point where either side is not a number counts against the equality (a spot check
    that evaluates nothing proves nothing). Values are drawn in (-3, 3), then in
    (0.05, 0.95) where a side is not real there (logarithms of probabilities).
    Within ``symbolic.limits.PROOF_SECONDS``, else ``NotProven``.
    """
    return within_budget(_spot_check, left, right, points)


def _spot_check(left: sp.Basic, right: sp.Basic, points: int) -> str:
    unknowns = sorted(
        (left - right).atoms(sp.Symbol, sp.Indexed, MatrixElement) - _index_symbols(left, right),
        key=str,
    )
    rng = random.Random(0)
    for _ in range(points):
        for low, high in ((-3.0, 3.0), (0.05, 0.95)):
            at = {u: sp.Float(rng.uniform(low, high), 30) for u in unknowns}
            a, b = (sp.N(e.xreplace(at), 30) for e in (left, right))
            if a.is_real and b.is_real:
                break
        if not (a.is_number and b.is_number) or a.has(sp.nan, sp.zoo) or b.has(sp.nan, sp.zoo):
            raise NotEqual(f"{left} and {right}: no value at {at} ({a} and {b})")
        if abs(complex(a - b)) > 1e-20 * (1 + abs(complex(a)) + abs(complex(b))):
            raise NotEqual(f"{left} and {right} differ: at {at} the left is {a} and the right {b}")
    return f"numeric: equal to 30 digits at {points} random points"


def _index_symbols(*exprs: sp.Basic) -> set:
    """Symbols used only as indices (``i`` in ``z[i]``): not unknowns of their own."""
    inside = {v for e in exprs for atom in e.atoms(sp.Indexed) for v in atom.indices}
    return {v for v in inside if isinstance(v, sp.Symbol)} | {
        atom.base.label for e in exprs for atom in e.atoms(sp.Indexed)
    }


@dataclass(frozen=True)
class ScalarForm:
    """Elementwise ops: formulas in one real variable."""

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        a, b = (substitute(e, given).doit() for e in (previous, current))
        if "convention" in given:
            method = _prove(_without_h0(a), _without_h0(b)).method
            convention = given["convention"]
            return f"{method} where no Heaviside argument is 0; {convention} is a convention"
        return _prove(a, b).method


def softmax_outputs(n: int) -> dict:
    """``s[k]`` as the softmax of ``z`` over ``n`` classes, for every class ``k``."""
    definition = OPS["softmax"].expr
    return {s[k]: definition.subs({N: n, i: k}).doit() for k in range(n)}


def in_range(expr: sp.Basic) -> sp.Basic:
    """Drop the ``Piecewise`` guards that say an index lies in ``0..N-1``."""
    from symbolic.vector import in_range as drop_guards

    return drop_guards(expr)


@dataclass(frozen=True)
class IndexForm:
    """Row-wise ops and losses: index formulas over a symbolic class count ``N``."""

    sizes: tuple[int, ...] = (1, 2, 3)

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        a, b = (substitute(e, given) for e in (previous, current))
        left, right = in_range(a.doit()), in_range(b.doit())
        if sp.expand(left - right) == 0:
            return "doit and expand, for any N"
        if not (left.has(sp.Sum) or right.has(sp.Sum)):  # no sum left: N is a mere symbol
            proof = _prove(left, right)
            if proof.symbolic:
                return f"doit and {proof.method}, for any N"
        targets_sum_to_one = any(_is_sum_of_targets(k) for k in given)
        methods = set()
        for n in self.sizes:
            for at in _index_values(a, b, n):
                left, right = (_explicit(e, n, at, targets_sum_to_one) for e in (a, b))
                methods.add(_prove(left, right).method)
        sizes = ", ".join(map(str, self.sizes))
        return f"written out for N = {sizes} and every index: {'; '.join(sorted(methods))}"


def _is_sum_of_targets(key: Any) -> bool:
    return isinstance(key, sp.Sum) and key.function.has(t)


def _index_values(a: sp.Basic, b: sp.Basic, n: int) -> list[dict]:
    free = sorted((a.free_symbols | b.free_symbols) & {i, c}, key=str)
    grid = itertools.product(range(n), repeat=len(free))
    return [dict(zip(free, values, strict=True)) for values in grid]


def _explicit(expr: sp.Basic, n: int, at: dict, targets_sum_to_one: bool) -> sp.Basic:
    """``expr`` for ``n`` classes, its sums and derivatives written out."""
    written = in_range(expr.subs({N: n, **at}).doit())
    written = written.subs(softmax_outputs(n))
    if targets_sum_to_one:
        written = written.subs(t[n - 1], 1 - sum(t[k] for k in range(n - 1)))
    return written


@dataclass(frozen=True)
class MatrixForm:
    """The dense layer: matrix expressions, checked entry by entry on explicit shapes."""

    shapes: tuple[tuple[int, int, int], ...] = ((1, 1, 1), (2, 3, 2))

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        from symbolic.matrix import k, m, n

        methods = set()
        for shape in self.shapes:
            at = dict(zip((m, n, k), shape, strict=True))
            a, b = (_explicit_matrix(substitute(e, given), at) for e in (previous, current))
            if a.shape != b.shape:
                raise AssertionError(f"shapes differ: {a.shape} and {b.shape}")
            methods |= {_prove(u, v).method for u, v in zip(a, b, strict=True)}
        shapes = ", ".join("x".join(map(str, shape)) for shape in self.shapes)
        return f"entry by entry for (m, n, k) = {shapes}: {'; '.join(sorted(methods))}"


def _explicit_matrix(expr: sp.Basic, at: dict) -> sp.Matrix:
    if isinstance(expr, sp.Derivative):
        scalar = _explicit_matrix(expr.expr, at)[0, 0]
        wrt = expr.variables[0].subs(at).as_explicit()
        return sp.Matrix(wrt.rows, wrt.cols, lambda r, col: sp.diff(scalar, wrt[r, col]))
    if isinstance(expr, sp.Trace):
        return sp.Matrix([[_explicit_matrix(expr.arg, at).trace()]])
    return sp.Matrix(expr.subs(at).as_explicit())
