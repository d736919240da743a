r"""Check a hand-derived gradient against the derived one: ``check_formula(name, formula)``.

The formula is a string, parsed safely: ``symbolic.formula.parse`` walks its ``ast``
(numbers, the names below, ``+ - * / **``, calls of ``exp``, ``log``, ``tanh``,
``Abs``, ``Heaviside``... -- no attribute access, no dunder names, no ``lambda``) and
builds the SymPy expression node by node, within the limits of ``symbolic.limits``.
The whole check runs within ``symbolic.limits.CHECK_SECONDS`` and each proof within
``PROOF_SECONDS``: an identity SymPy cannot simplify in time is reported equal on the
numbers alone, "not proven symbolically within the budget".

Names a formula may use:

* elementwise ops (``sigmoid``, ``relu``, ...): ``x`` the input; ``y`` or ``s`` the
  op's output :math:`f(x)`; the op's parameters by name (``alpha``), at their defaults.
  The formula is :math:`dy/dx`.
* ``softmax_cross_entropy``: the gradient of one sample's loss with respect to the
  logit :math:`z_c`, in ``p`` (or ``s``, ``p_c``, ``s_c``: the softmax output at class
  ``c``) and ``t`` (or ``y``, ``t_c``, ``y_c``: the target at class ``c``, targets
  summing to one). With ``B`` in it, the formula is taken as the gradient of the batch
  mean, :math:`(p_c - t_c)/B`.
* losses (``cross_entropy``, ``mean_squared_error``, ...): the same with respect to the
  prediction :math:`p_c`, in ``p``, ``t``, ``N`` (outputs) and optionally ``B``.
* weight penalties (``l2_penalty``, ``l1_penalty``): the gradient with respect to one
  weight ``w``, in ``w`` and ``lambda_`` (or ``lam``), compared for every ``lambda_``:
  a formula that leaves the strength out is wrong even where the default is 1.

Equality is proven with ``symbolic.proof.prove_equal``; where the derived gradient has a
kink (``Heaviside``, ``sign``), the value at the kink is compared too, since it is a
convention the kernels follow.

>>> check_formula("sigmoid", "exp(-x)/(1+exp(-x))**2").equal
True
>>> check_formula("sigmoid", "s*(1-s)").equal
True
>>> result = check_formula("sigmoid", "s*(1+s)")
>>> result.equal, result.where is not None
(False, True)
>>> check_formula("softmax_cross_entropy", "p - t").equal
True
>>> check_formula("l1_penalty", "lambda_*sign(w)").equal
True
>>> check_formula("sigmoid", "q*(1-q)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symbolic.check.FormulaError: 'q' is not allowed in a formula: use x, y, s and the functions ...
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from symbolic import limits
from symbolic.ops import B, Composed, Elementwise, Loss, N, Penalty, c, lam, op, p, s, t, w, x, y
from symbolic.proof import NotProven

TOLERANCE = 1e-12  # relative, at 30 significant digits


class FormulaError(ValueError):
    """A formula that does not parse, names an unknown symbol, or an op check cannot take."""


@dataclass(frozen=True)
class CheckResult:
    """The answer: ``equal``, how it was decided, and a point where the two differ."""

    name: str
    formula: sp.Expr  # as parsed, in the names the user wrote
    derived: sp.Expr  # the derived gradient, in the same names
    equal: bool
    method: str  # the proof's method, or where they differ
    where: dict | None = None  # {name: value} of a point where they differ
    values: tuple[sp.Expr, sp.Expr] | None = None  # (formula, derived) there

    def message(self) -> str:
        """One or two lines for a person."""
        if self.equal:
            return f"equal: {self.formula} = {self.derived} ({self.method})"
        point = ", ".join(f"{k} = {sp.N(v, 6)}" for k, v in (self.where or {}).items())
        mine, truth = (sp.N(v, 8) for v in self.values or (sp.nan, sp.nan))
        return (
            f"not equal: {self.formula} is not the derived {self.derived}\n"
            f"at {point} the formula gives {mine} and the derived gradient {truth}"
            + (f" ({self.method})" if "kink" in self.method else "")
        )


def check_formula(name: str, formula: str) -> CheckResult:
    """Whether ``formula`` equals op ``name``'s derived gradient; see the module doc for names.

    Raises ``FormulaError`` for a formula that does not parse or names an unknown symbol.
    """
    try:
        entry = op(name)
    except KeyError as error:
        raise FormulaError(error.args[0]) from None
    what = f"checking {_short(formula)} against the gradient of {entry.name}"
    try:
        with limits.time_budget(limits.CHECK_SECONDS, what, "symbolic.limits.CHECK_SECONDS"):
            names, meaning, derived = _frame(entry, formula)
            parsed = _parse(formula, names)
            # Compared in the input alone: the output y and the parameters by their values.
            claimed, truth = (
                e.xreplace(meaning).xreplace({y: meaning.get(y, y)}) for e in (parsed, derived)
            )
            return _compare(entry.name, parsed, claimed, derived, truth)
    except (limits.OverBudget, NotProven) as error:
        raise FormulaError(str(error)) from None


def _short(formula: object, most: int = 60) -> str:
    text = repr(formula)
    return text if len(text) <= most else text[: most - 4] + "...'"


def _frame(entry: object, formula: str) -> tuple[dict, dict, sp.Expr]:
    """The names a formula may use, what each stands for, and the derived gradient."""
    from symbolic.derivation import ELL, L, derive

    if isinstance(entry, Elementwise):
        f = entry.expr.subs(dict(entry.params))
        names = {"x": x, "y": y, "s": sp.Symbol("s", real=True)}
        names |= {str(symbol): symbol for symbol, _ in entry.params}
        meaning = {y: f, names["s"]: f, **dict(entry.params)}
        return names, meaning, derive(entry.name).result
    if isinstance(entry, Penalty):  # compared in lambda_ itself, not at the entry's value
        from symbolic.forms import derive_entry

        return {"w": w, "lambda_": lam, "lam": lam}, {}, derive_entry(entry).chains[0].result
    if isinstance(entry, Loss | Composed):
        derivation = derive(entry.name)
        batch = "B" in _identifiers(formula)
        wanted = L if batch else ELL
        gradient = next(
            section.steps[-1].expr
            for section in derivation.sections
            if isinstance(section.quantity, sp.Derivative) and section.quantity.expr == wanted
        )
        output = s[c] if isinstance(entry, Composed) else p[c]
        pc = sp.Symbol("p", real=True)
        tc = sp.Symbol("t", real=True)
        names = {"p": pc, "s": pc, "p_c": pc, "s_c": pc, "t": tc, "y": tc, "t_c": tc, "y_c": tc}
        names |= {"B": B, "N": N}
        return names, {}, gradient.xreplace({output: pc, t[c]: tc})
    kind = type(entry).__name__
    raise FormulaError(
        f"check takes elementwise ops, losses, softmax_cross_entropy and penalties; "
        f"{entry.name!r} is a {kind} op: read its derivation with `derive {entry.name}`"
    )


def _identifiers(formula: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula))


def _parse(formula: str, names: dict) -> sp.Expr:
    """``formula`` parsed with only ``names`` and the formula functions in scope, bounded
    (``symbolic.formula.parse``)."""
    from symbolic.formula import parse

    if not isinstance(formula, str):
        raise FormulaError(f"a formula is a string, got {type(formula).__name__}")
    try:
        return parse(formula, names)
    except ValueError as error:
        raise FormulaError(str(error)) from None


def _compare(
    name: str, parsed: sp.Expr, claimed: sp.Expr, shown: sp.Expr, truth: sp.Expr
) -> CheckResult:
    from symbolic.proof import NotEqual, prove_equal
    from symbolic.verify import spot_check

    free = sorted(claimed.free_symbols | truth.free_symbols, key=str)
    kink = _differ_at_kink(claimed, truth)
    point = kink or _differ_at_random(claimed, truth, free)
    if point is None:
        try:
            method = prove_equal(claimed, truth).method
            if method.startswith("numeric"):  # redone strictly: every point must evaluate
                budget = method.partition(";")[2]  # "not proven symbolically within ..."
                method = spot_check(claimed, truth) + (f";{budget}" if budget else "")
        except NotEqual as error:  # found by prove_equal's own search: report its sentence
            return CheckResult(name, parsed, shown, False, str(error))
        return CheckResult(name, parsed, shown, True, method)
    at, mine, theirs = point
    where = {str(k): v for k, v in at.items()}
    method = "differ at a kink, where the op sets a convention" if kink else "differ"
    return CheckResult(name, parsed, shown, False, method, where, (mine, theirs))


def _value(expr: sp.Expr, at: dict) -> sp.Expr:
    return sp.N(expr.xreplace(at), 30)


def _differs(a: sp.Expr, b: sp.Expr) -> bool:
    if not (a.is_number and b.is_number):
        return False
    if a.has(sp.nan, sp.zoo) or b.has(sp.nan, sp.zoo):
        return a != b
    return abs(complex(a - b)) > TOLERANCE * (1 + abs(complex(a)) + abs(complex(b)))


def _differ_at_random(left: sp.Expr, right: sp.Expr, free: list, points: int = 12):
    rng = random.Random(0)
    for _ in range(points):
        at = {}
        for v in free:
            low = 0.05 if v.is_positive or str(v) in ("p", "t") else -3
            high = 0.95 if str(v) in ("p", "t") else 3
            at[v] = sp.Float(rng.uniform(low, high), 30)
        if N in free:
            at[N] = sp.Integer(rng.randint(1, 9))
        if B in free:
            at[B] = sp.Integer(rng.randint(1, 64))
        a, b = _value(left, at), _value(right, at)
        if _differs(a, b):
            return at, a, b
    return None


def _differ_at_kink(left: sp.Expr, right: sp.Expr):
    """The derived gradient's value at a kink is a convention: compare it there too."""
    edges = [node.args[0] for node in right.atoms(sp.Heaviside, sp.sign)]
    for piecewise in right.atoms(sp.Piecewise):
        for _, condition in piecewise.args:
            edges += [rel.lhs - rel.rhs for rel in condition.atoms(sp.core.relational.Relational)]
    kinks = set()
    for edge in edges:
        if len(edge.free_symbols) == 1 and edge.free_symbols <= {x, w}:
            (variable,) = edge.free_symbols
            kinks |= {(variable, r) for r in sp.solve(edge, variable) if r.is_real}
    for variable, kink in sorted(kinks, key=lambda pair: float(pair[1])):
        # a parameter (lambda_ > 0) needs a value too
        others = (left.free_symbols | right.free_symbols) - {variable}
        at = {variable: kink, **{other: sp.Float("0.7", 30) for other in others}}
        a, b = _value(left, at), _value(right, at)
        if _differs(a, b):
            return at, a, b
    return None
