r"""Grading softmax's gradient: the Jacobian entry or the VJP, in index notation.

**Softmax**, :math:`s = \mathrm{softmax}(z)` over ``N`` classes, in one of two forms:

* the Jacobian entry :math:`\partial s_i / \partial z_j`, in ``s_i``, ``s_j`` (``c`` may
  stand for ``j``: ``s_c``), ``z_i``, ``z_j``, ``i``, ``j`` and a Kronecker delta
  ``KroneckerDelta(i, j)``, ``delta(i, j)`` or ``(i == j)``: ``s_i*((i == j) - s_j)``;
* the VJP, the gradient with respect to :math:`z_i` given :math:`g = \partial L/\partial s`,
  in ``s_i``, ``g_i`` and sums over the classes of the vectors ``s``, ``g``, ``z``:
  ``s_i*(g_i - sum(g*s))`` (``dot(g, s)`` is the same sum). A formula naming ``g`` is
  read as a VJP.

Both are compared with the derived gradient for N = 2, 3, 4 and every i (and j), at
random logits.

>>> grade_softmax("softmax", "s_i*((i == j) - s_j)").equal
True
>>> print(grade_softmax("softmax", "s_i*(1 - s_i)").explanation)  # doctest: +ELLIPSIS
wrong for i != j (at every point sampled there), right for i = j (the diagonal alone: ...)
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import sympy as sp

if TYPE_CHECKING:
    from symbolic.check import CheckResult

SOFTMAX_CLASSES = (2, 3, 4)
MOST_SUMS = 4  # sums in a softmax formula: nested, each multiplies the terms by N


def grade_softmax(name: str, formula: str) -> CheckResult:
    """The ``CheckResult`` of ``formula`` against softmax's Jacobian entry or its VJP."""
    from symbolic.check import CheckResult, FormulaError
    from symbolic.formula import Grammar
    from symbolic.grade_matrix import count_in, parse_formula
    from symbolic.grader_samples import Point, explain, show
    from symbolic.notation import grammar, identifiers, notes
    from symbolic.ops import g, i, j, s, z

    k = sp.Dummy("k", integer=True, nonnegative=True)
    classes = sp.Symbol("N", integer=True, positive=True)
    vectors = {letter: sp.Dummy(letter) for letter in "sgz"}
    base = {"s": s, "g": g, "z": z}
    names: dict = {"i": i, "j": j, "c": j, "N": classes} | vectors
    for letter, indexed in base.items():
        names |= {f"{letter}_i": indexed[i], f"{letter}_j": indexed[j], f"{letter}_c": indexed[j]}

    def summed(expr: sp.Expr) -> sp.Expr:
        entry = {vectors[letter]: indexed[k] for letter, indexed in base.items()}
        return sp.Sum(expr.xreplace(entry), (k, 0, classes - 1))

    if isinstance(formula, str) and count_in(formula, set(), {"sum", "dot"})[1] > MOST_SUMS:
        raise FormulaError(f"a softmax gradient holds at most {MOST_SUMS} sums")
    delta = (sp.KroneckerDelta, 2, 2)
    calls = {"sum": (summed, 1, 1), "dot": (lambda a, b: summed(a * b), 2, 2)}
    calls |= {"KroneckerDelta": delta, "delta": delta}
    student = grammar(names)
    extras = Grammar(
        calls=student.calls | calls, constants=student.constants, caret=True, conditions=True
    )
    parsed = parse_formula(formula, names, extras)
    loose = sorted(v.name for v in parsed.free_symbols if v in vectors.values())
    if loose:
        raise FormulaError(
            f"{loose[0]} alone is the whole vector: use it inside sum(...), as in sum(g*s), "
            f"or name an entry, {loose[0]}_i or {loose[0]}_j"
        )
    vjp = (
        "g" in identifiers(formula)
        or "g_i" in identifiers(formula)
        or "g_j" in identifiers(formula)
    )
    display = {
        indexed[index]: sp.Symbol(f"{letter}_{index}")
        for letter, indexed in base.items()
        for index in (i, j)
    } | {k: sp.Symbol("k", integer=True)}
    if vjp:
        truth = s[i] * (g[i] - sp.Sum(g[k] * s[k], (k, 0, classes - 1)))
        noun = "gradient"
    else:
        truth = s[i] * (sp.KroneckerDelta(i, j) - s[j])
        noun = "derivative"
    shown = truth.xreplace(display)
    rng = random.Random(0)
    points = []
    for count in SOFTMAX_CLASSES:
        logits = [sp.Rational(rng.randint(-3000, 3000), 1000) for _ in range(count)]
        total = sum(sp.exp(v) for v in logits)
        values = {}
        for index, logit in enumerate(logits):
            values[s[index]] = sp.N(sp.exp(logit) / total, 40)
            values[z[index]] = logit
            values[g[index]] = sp.Rational(rng.randint(-2000, 2000), 1000)
        for row in range(count):
            for col in range(count) if not vjp else (row,):
                at = {classes: count, i: row, j: col}
                mine, theirs = (_evaluate(e, at, values) for e in (parsed, truth))
                where = "i = j" if row == col else "i != j"
                shown_at = {"N": count, "i": row} | ({} if vjp else {"j": col})
                points.append(Point(shown_at, mine, theirs, False, "everywhere" if vjp else where))
    differ = [point for point in points if point.differs]
    read = notes(formula)
    parsed = parsed.xreplace(display)
    if not differ:
        method = "equal to 30 digits for N = 2, 3, 4, every i" + ("" if vjp else " and j")
        return CheckResult(name, parsed, shown, True, method, notes=read)
    point = sorted(differ, key=lambda p: p.mine is None)[0]
    from symbolic.grader_samples import Sampled

    explanation = explain(Sampled(points, []), i)
    if not vjp and all(p.interval == "i != j" for p in differ):
        explanation += " (the diagonal alone: the i != j entries are -s_i*s_j)"
    if vjp and not parsed.has(sp.Sum):
        explanation += "; a VJP sums over every class (sum(g*s)): each z_i moves every s_j"
    where = ", ".join(f"{key} = {value}" for key, value in point.at.items())
    mine = "no finite value" if point.mine is None else show(point.mine)
    example = f"at {where}: your formula gives {mine}, the {noun} is {show(point.truth)}"
    return CheckResult(
        name, parsed, shown, False, "differ", point.at, (point.mine, point.truth),
        explanation, example, read,
    )  # fmt: skip


def _evaluate(expr: sp.Expr, at: dict, values: dict) -> sp.Expr | None:
    from symbolic.grader_samples import value

    try:
        concrete = expr.xreplace(at).doit()
    except (ArithmeticError, ValueError, TypeError):
        return None
    return value(concrete, values)
