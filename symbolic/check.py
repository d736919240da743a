r"""Grade a hand-derived gradient against the derived one: ``check_formula(name, formula)``.

The formula is a string, parsed safely: ``symbolic.formula.parse`` walks its ``ast``
(numbers, the names below, ``+ - * / **``, calls of ``exp``, ``log``, ``tanh``,
``Abs``, ``Heaviside``... -- no general attribute access, no dunder names, no
``lambda``) and builds the SymPy expression node by node, within the limits of
``symbolic.limits``. The whole check runs within ``symbolic.limits.CHECK_SECONDS``.

Students' notation is read as they mean it (``symbolic.formula.Grammar``): an op's own
name as a function (``sigmoid(x)``, ``tanh(x)``, ``softplus(x)``, ``relu(x)``, a user
op's name), ``sigma``, ``Phi``, ``phi``, ``sech``, ``ln``, ``abs``, ``max``, ``min``;
``e`` for Euler's number; ``^`` as a power (Python reads it as xor: the result says how
it was read); a comparison ``(x > 0)`` as 1 where it holds and 0 elsewhere.

Names a formula may use:

* elementwise ops (``sigmoid``, ``relu``, a user op...): ``x`` the input; ``y`` or ``s``
  the op's output :math:`f(x)`; the op's parameters by name (``alpha``), at their
  defaults. The formula is :math:`dy/dx`.
* ``softmax_cross_entropy``: the gradient of one sample's loss with respect to the
  logit :math:`z_c`, in ``p`` (or ``s``, ``p_c``, ``s_c``: the softmax output at class
  ``c``) and ``t`` (or ``y``, ``t_c``, ``y_c``: the target at class ``c``).
* losses (``cross_entropy``, ``mean_squared_error``, ...): the same with respect to the
  prediction :math:`p_c`, in ``p``, ``t`` and ``N`` (outputs). With ``B`` in the formula,
  or ``batch_mean=True``, the gradient is that of the batch mean (with its ``1/B``).
* weight penalties (``l2_penalty``, ``l1_penalty``): the gradient with respect to one
  weight ``w``, in ``w`` and ``lambda_`` (or ``lam``), compared for several ``lambda_``.
* ``softmax`` and ``dense``: see ``symbolic.grade_matrix`` -- ``s_i*((i == j) - s_j)``,
  ``s_i*(g_i - sum(g*s))``; ``X.T @ G`` with ``wrt="W"``, ``G*W.T`` with ``wrt="X"``,
  ``sum(G, axis=0)`` with ``wrt="b"``.

The two are compared at exact points across the op's whole domain, far out and at every
kink and each side of it (``symbolic.grader_samples``), to 12 digits; then proven equal
(``symbolic.proof.prove_equal``). A refusal says how the formula is wrong -- a sign, a
missing ``/B``, ``/N``, ``lambda_`` or chain factor, the intervals where it is wrong,
the convention at a kink -- and gives a finite counterexample.

>>> check_formula("sigmoid", "sigmoid(x)*(1 - sigmoid(x))").equal
True
>>> print(check_formula("relu", "1").message())
not equal: 1 is not the derived Heaviside(x, 0)
wrong for x < 0 (at every point sampled there), right for x > 0; and at the kink x = 0
at x = -2: your formula gives 1, the derivative is 0
>>> print(check_formula("softmax_cross_entropy", "p - t", batch_mean=True).explanation)
the /B of the batch mean is missing: your formula is B times the gradient of the mean over the batch
>>> check_formula("dense", "X.T @ G", wrt="W").equal
True
>>> check_formula("tanh", "1 - y^2").notes
('^ is read as a power (in Python code ^ is xor: write **)',)
>>> check_formula("l1_penalty", "lambda_*sign(w)").equal
True
>>> check_formula("sigmoid", "q*(1-q)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symbolic.check.FormulaError: 'q' is not allowed in a formula: use x, y, s and the functions ...
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symbolic import limits
from symbolic.notation import grammar, identifiers, notes
from symbolic.ops import (
    Affine,
    B,
    Composed,
    Elementwise,
    Loss,
    N,
    Penalty,
    Rowwise,
    c,
    lam,
    op,
    p,
    s,
    t,
    w,
    x,
    y,
)
from symbolic.proof import NotProven


class FormulaError(ValueError):
    """A formula that does not parse, names an unknown symbol, or an op check cannot take."""


@dataclass(frozen=True)
class CheckResult:
    """The verdict: ``equal``, how it was decided, and why not (a point where the two differ)."""

    name: str
    formula: sp.Basic | str  # as parsed, in the names the user wrote (a matrix formula: as typed)
    derived: sp.Basic | str  # the derived gradient, in the same names
    equal: bool
    method: str  # the proof's method, or "differ"
    where: dict | None = None  # {name: value} of a point where they differ
    values: tuple | None = None  # (formula, derived) there; the formula's is None: no value
    explanation: str = ""  # how the formula is wrong: a factor, the intervals, the kink
    example: str = ""  # "at x = -2: your formula gives 1, the derivative is 0"
    notes: tuple[str, ...] = field(default=())  # how the formula was read (^ as a power)

    def message(self) -> str:
        """A few lines for a person: the verdict, why, where, and how the formula was read."""
        if self.equal:
            lines = [f"equal: {self.formula} = {self.derived} ({self.method})"]
        else:
            lines = [f"not equal: {self.formula} is not the derived {self.derived}"]
            lines += [line for line in (self.explanation, self.example) if line]
        return "\n".join(lines + [f"note: {note}" for note in self.notes])


def check_formula(
    name: str, formula: str, *, wrt: str | None = None, batch_mean: bool = False
) -> CheckResult:
    """Whether ``formula`` is op ``name``'s derived gradient; see the module doc for names.

    ``wrt`` picks the dense layer's gradient (``"X"``, ``"W"`` or ``"b"``);
    ``batch_mean=True`` asks a loss's gradient of the batch mean, which has ``1/B``.
    Raises ``FormulaError`` for a formula that does not parse or names an unknown symbol.
    """
    try:
        entry = op(name)
    except KeyError as error:
        raise FormulaError(error.args[0]) from None
    if not isinstance(formula, str):
        raise FormulaError(f"a formula is a string, got {type(formula).__name__}")
    what = f"checking {_short(formula)} against the gradient of {entry.name}"
    try:
        with limits.time_budget(limits.CHECK_SECONDS, what, "symbolic.limits.CHECK_SECONDS"):
            # softmax's own Jacobian: another row-wise op would need its own truth
            if isinstance(entry, Affine) or (
                isinstance(entry, Rowwise) and entry.name == "softmax"
            ):
                from symbolic.grade_matrix import grade

                _refuse_options(entry, wrt if isinstance(entry, Rowwise) else None, batch_mean)
                return grade(entry, formula, wrt)
            _refuse_options(entry, wrt, batch_mean)
            frame = _frame(entry, formula, batch_mean)
            parsed = _parse(formula, frame.names, grammar(frame.names))
            # Compared in the input alone: the output y and the parameters by their values.
            claimed, truth = (e.xreplace(frame.meaning) for e in (parsed, frame.derived))
            return _compare(entry.name, parsed, claimed, frame, truth, notes(formula, frame))
    except (limits.OverBudget, NotProven) as error:
        raise FormulaError(str(error)) from None


def _short(formula: object, most: int = 60) -> str:
    text = repr(formula)
    return text if len(text) <= most else text[: most - 4] + "...'"


def _refuse_options(entry: object, wrt: str | None, batch_mean: bool) -> None:
    if wrt is not None and not isinstance(entry, Affine):
        variable = "w" if isinstance(entry, Penalty) else "x"
        if isinstance(entry, Loss | Composed):
            variable = "p"
        if wrt != variable:
            raise FormulaError(
                f"wrt picks one of the dense layer's gradients; {entry.name}'s is with "
                f"respect to {variable}"
            )
    if batch_mean and not isinstance(entry, Loss | Composed):
        raise FormulaError(f"batch_mean is for losses; {entry.name} is not one")


@dataclass(frozen=True)
class _Frame:
    names: dict  # what a formula may call its variables
    meaning: dict  # what each stands for in the main variable (y: f(x), alpha: 0.01)
    derived: sp.Expr  # the derived gradient
    main: sp.Symbol  # the variable it is with respect to
    noun: str  # "derivative" or "gradient"


def _frame(entry: object, formula: str, batch_mean: bool) -> _Frame:
    """The names a formula may use, what each stands for, and the derived gradient."""
    from symbolic.derivation import ELL, L, derive

    if isinstance(entry, Elementwise):
        f = entry.expr.subs(dict(entry.params))
        names = {"x": x, "y": y, "s": sp.Symbol("s", real=True)}
        names |= {str(symbol): symbol for symbol, _ in entry.params}
        meaning = {y: f, names["s"]: f, **dict(entry.params)}
        return _Frame(names, meaning, derive(entry.name).result, x, "derivative")
    if isinstance(entry, Penalty):  # compared in lambda_ itself, not at the entry's value
        from symbolic.forms import derive_entry

        names = {"w": w, "lambda_": lam, "lam": lam}
        return _Frame(names, {}, derive_entry(entry).chains[0].result, w, "gradient")
    if isinstance(entry, Loss | Composed):
        derivation = derive(entry.name)
        wanted = L if batch_mean or "B" in identifiers(formula) else ELL
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
        derived = gradient.xreplace({output: pc, t[c]: tc})
        return _Frame(names, {}, derived, pc, "gradient")
    kind = type(entry).__name__
    raise FormulaError(
        f"check takes elementwise ops, softmax, dense, losses, softmax_cross_entropy and "
        f"penalties; {entry.name!r} is a {kind} op: read its derivation with "
        f"`derive {entry.name}`"
    )


def _parse(formula: str, names: dict, grammar: object = None) -> sp.Expr:
    """``formula`` parsed with only ``names`` and the formula functions in scope, bounded
    (``symbolic.formula.parse``)."""
    from symbolic.formula import CORE, parse

    try:
        parsed = parse(formula, names, grammar or CORE)
    except ValueError as error:
        raise FormulaError(str(error)) from None
    if not isinstance(parsed, sp.Expr):
        raise FormulaError(f"{formula!r} has no value: a gradient is an expression")
    return parsed


def _beyond(sampled: object, fallback: str, noun: str) -> str:
    """Where a formula equal to 12 digits differs beyond them, with the digits that show it."""

    def gap(point: object) -> sp.Expr:
        return abs(point.mine - point.truth) / (abs(point.truth) + abs(point.mine) + 1e-300)

    points = [point for point in sampled.points if point.mine is not None]
    point = max(points, key=gap, default=None)
    if point is None or gap(point) == 0:
        return fallback
    digits = 13
    while digits < 45 and str(sp.N(point.mine, digits)) == str(sp.N(point.truth, digits)):
        digits += 1
    from symbolic.grader_samples import show

    where = ", ".join(f"{k} = {show(v)}" for k, v in point.at.items())
    return (
        f"a near miss: equal to 12 digits at the {len(sampled.points)} points sampled, "
        f"not exactly: at {where} your formula gives {sp.N(point.mine, digits)}, the "
        f"{noun} is {sp.N(point.truth, digits)} (a rounded constant? write it exactly, "
        f"as in 1/sqrt(2*pi))"
    )


def _compare(
    name: str, parsed: sp.Expr, claimed: sp.Expr, frame: _Frame, truth: sp.Expr, notes: tuple
) -> CheckResult:
    from symbolic.grader_samples import counterexample, describe, explain, is_everywhere, sample
    from symbolic.proof import NotEqual, prove_equal
    from symbolic.verify import spot_check

    shown = frame.derived
    try:
        sampled = sample(claimed, truth, frame.main)
    except ValueError as error:
        raise FormulaError(f"{parsed}: {error}") from None
    point = counterexample(sampled)
    if point is not None:
        at_kinks = all(p.kink for p in sampled.differ)
        method = "differ at a kink, where the op sets a convention" if at_kinks else "differ"
        where = {str(k): v for k, v in point.at.items()}
        explanation = explain(sampled, frame.main, frame.noun)
        forward = frame.meaning.get(y)  # an activation's output: f(x) given for f'(x)?
        if forward is not None and is_everywhere(forward, sampled):
            explanation = f"your formula is the op itself, y = {forward}, not its derivative"
        return CheckResult(
            name, parsed, shown, False, method, where, (point.mine, point.truth),
            explanation, describe(point, frame.noun), notes,
        )  # fmt: skip
    kinks = f", kinks {', '.join(sampled.kinks)} included" if sampled.kinks else ""
    sampled_text = f"; equal at {len(sampled.points)} points sampled{kinks}"
    try:
        method = prove_equal(claimed, truth).method
        if method.startswith("numeric"):  # redone strictly: every point must evaluate
            budget = method.partition(";")[2]  # "not proven symbolically within ..."
            method = spot_check(claimed, truth) + (f";{budget}" if budget else "")
    except NotEqual as error:  # equal to 12 digits, told apart beyond: a near miss
        explanation = _beyond(sampled, str(error), frame.noun)
        return CheckResult(
            name, parsed, shown, False, "differ", explanation=explanation, notes=notes
        )
    return CheckResult(name, parsed, shown, True, method + sampled_text, notes=notes)
