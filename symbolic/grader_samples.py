r"""Where a hand-derived gradient and the derived one differ: points, kinks, regions, words.

The numeric side of ``symbolic.check``, the way STACK's and PrairieLearn's graders
compare a student's expression with the teacher's: evaluate both at many points. Here
the points are exact rationals (SymPy's ``evalf`` then works to 50 digits, however far
out), drawn across the op's whole domain:

* fixed readable points first (``x = -2, -1, 1/2, ...``), then seeded random ones, then
  far ones (``x = ±12, ±25, ±60``: a user op ``Min(Max(0, x), 6)`` is flat beyond 6);
* every kink -- a root of an argument of ``Heaviside``, ``sign``, ``Abs``, a pair of
  ``Max``/``Min`` arguments, a ``Piecewise`` condition, in the derived gradient or the
  formula -- and points just beside it on each side;
* for a loss, several targets ``t`` (and class counts ``N``, batch sizes ``B``,
  strengths ``lambda_``), so a kink at ``p = t`` or ``|p - t| = 1`` is met.

A point where the derived gradient has no finite real value is outside the domain
and skipped; a formula without a value where the gradient has one is wrong there.
``explain`` then says *how* the formula is wrong: a constant factor (a sign error, a
missing ``/B``, ``/N`` or ``lambda_``, a near miss), the intervals between kinks where
it is wrong and right, or only the value at a kink (a convention).

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sampled = sample(sp.S.One, sp.Heaviside(x, 0), x)
>>> explain(sampled, x)
'wrong for x < 0 (at every point sampled there), right for x > 0; and at the kink x = 0'
>>> point = counterexample(sampled)
>>> describe(point, "derivative")
'at x = -2: your formula gives 1, the derivative is 0'
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import sympy as sp

from symbolic import limits

TOLERANCE = sp.Float("1e-12", 30)  # relative: a factor 1 + 1e-6 is far from equal
# Absolute: values this small are equal (gelu'(-12) ~ 1e-31 comes from 1/2 + erf/2 - ...,
# a cancellation evalf follows only so far).
TINY = sp.Float("1e-20", 30)
DIGITS = 50
NICE = [-2, -1, sp.Rational(1, 2), 1, 2, 3, -3, sp.Rational(-1, 2), sp.Rational(1, 8), -7]
FAR = [12, -12, 25, -25, 60, -60]
SIDES = [sp.Rational(d, 1000) for d in (-1, 1, -500, 500)]  # beside each kink
UNIT = [sp.Rational(k, 100) for k in (10, 25, 50, 80, 90, 3, 97)]  # probabilities
# The other names of a formula, one assignment per context: targets on both sides of
# p, a class count, a batch size and a strength that differ from context to context.
CONTEXTS = [
    {"t": sp.Rational(3, 10), "N": 3, "B": 8, "lambda_": sp.Rational(7, 10)},
    {"t": 0, "N": 5, "B": 32, "lambda_": sp.Rational(5, 2)},
    {"t": 1, "N": 2, "B": 4, "lambda_": sp.Rational(3, 2)},
    {"t": sp.Rational(7, 10), "N": 4, "B": 16, "lambda_": sp.Rational(1, 2)},
]


@dataclass(frozen=True)
class Point:
    """One point of the domain and both values there (``mine`` None: no value)."""

    at: dict  # {symbol: exact value}
    mine: sp.Expr | None
    truth: sp.Expr
    kink: bool  # exactly at a kink
    interval: str  # "x < 0", "0 < x < 6", "p > t + 1", "everywhere"

    @property
    def differs(self) -> bool:
        if self.mine is None:
            return True
        gap = abs(self.mine - self.truth)
        return bool(gap > TOLERANCE * (abs(self.mine) + abs(self.truth)) + TINY)


@dataclass(frozen=True)
class Sampled:
    points: list[Point]
    kinks: list[str]  # every kink found, as text ("x = 0", "p = t + 1")

    @property
    def differ(self) -> list[Point]:
        return [point for point in self.points if point.differs]


def value(expr: sp.Expr, at: dict) -> sp.Expr | None:
    """``expr`` at ``at`` to ``DIGITS`` digits; None where it has no finite real value."""
    try:
        result = sp.N(expr.xreplace(at), DIGITS)
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        return None
    if not result.is_number or result.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if result.is_extended_real is not True:
        return None
    return result


def sample(claimed: sp.Expr, truth: sp.Expr, main: sp.Symbol) -> Sampled:
    """Both expressions at every point of every context (see the module doc)."""
    claimed, truth = _unnamed(claimed), _unnamed(truth)
    others = sorted((claimed.free_symbols | truth.free_symbols) - {main}, key=str)
    unit = main.name == "p"  # a prediction: probabilities first
    rng = random.Random(0)
    base = (UNIT if unit else []) + NICE + FAR
    base += [sp.Rational(rng.randint(-5000, 5000), 1000) for _ in range(6)]
    if unit:
        base += [sp.Rational(rng.randint(1, 999), 1000) for _ in range(4)]
    roots = _roots(claimed, truth, main)
    points, shown = [], []
    for context in _contexts(others):
        kinks = sorted(
            {k for k in (_at(root, context) for root in roots) if k is not None},
            key=lambda pair: pair[0],
        )
        shown += [f"{main} = {label}" for _, label in kinks if f"{main} = {label}" not in shown]
        here = dict.fromkeys(base)  # value: the kink's label, None off the kinks
        for kink, _ in kinks:
            here |= {kink + d: None for d in SIDES if kink + d not in here}
        here |= {kink: label for kink, label in kinks}
        for v, label in here.items():
            at = {main: v, **context}
            truth_there = value(truth, at)
            if truth_there is None:  # outside the op's domain
                continue
            interval = _interval(v, kinks, main) if label is None else f"{main} = {label}"
            points.append(Point(at, value(claimed, at), truth_there, label is not None, interval))
    return Sampled(points, shown)


def _unnamed(expr: sp.Expr) -> sp.Expr:
    """sigma, softplus, phi, Phi by their definitions: SymPy's evalf then follows a
    cancellation (softplus(-25) = log(1 + e^-25)) to the digits asked for."""
    from symbolic.named import Named

    return expr.replace(lambda e: isinstance(e, Named), lambda e: e.definition(e.args[0]))


def _contexts(others: list[sp.Symbol]) -> list[dict]:
    if not others:
        return [{}]
    named = {symbol: symbol.name for symbol in others}
    unknown = [symbol for symbol, name in named.items() if name not in CONTEXTS[0]]
    if unknown:  # not a name the grader knows how to sample: a formula's stray symbol
        raise ValueError(f"cannot sample {', '.join(map(str, unknown))}")
    return [
        {symbol: sp.sympify(context[name]) for symbol, name in named.items()}
        for context in CONTEXTS
    ]


def _at(root: sp.Expr, context: dict) -> tuple[sp.Expr, str] | None:
    point = root.xreplace(context)
    if not (point.is_number and point.is_extended_real) or abs(point) > 1000:
        return None
    return point, sp.sstr(root)


def _interval(v: sp.Expr, kinks: list, main: sp.Symbol) -> str:
    below = [label for kink, label in kinks if kink < v]
    above = [label for kink, label in kinks if kink > v]
    if below and above:
        return f"{below[-1]} < {main} < {above[0]}"
    if below:
        return f"{main} > {below[-1]}"
    if above:
        return f"{main} < {above[0]}"
    return "everywhere"


# ----- kinks -----


def _edges(expr: sp.Expr) -> list[sp.Expr]:
    """Expressions whose roots are kinks: arguments of steps, pairs of Max/Min arguments."""
    edges = [node.args[0] for node in expr.atoms(sp.Heaviside, sp.sign, sp.Abs)]
    for node in expr.atoms(sp.Max, sp.Min):
        edges += [a - b for a, b in itertools.combinations(node.args, 2)]
    for piecewise in expr.atoms(sp.Piecewise):
        for _, condition in piecewise.args:
            edges += [r.lhs - r.rhs for r in condition.atoms(sp.core.relational.Relational)]
    return edges


def _unfold(edge: sp.Expr, depth: int = 0) -> list[sp.Expr]:
    """``-1 - Min(1, p - t)`` as ``-1 - 1`` and ``-1 - (p - t)``: solve cannot take Min."""
    nested = sorted(edge.atoms(sp.Max, sp.Min, sp.Abs), key=sp.count_ops)
    if not nested or depth > 3:
        return [edge]
    node = nested[0]
    choices = (node.args[0], -node.args[0]) if isinstance(node, sp.Abs) else node.args
    return [e for arg in choices for e in _unfold(edge.xreplace({node: arg}), depth + 1)]


def _roots(claimed: sp.Expr, truth: sp.Expr, main: sp.Symbol) -> list[sp.Expr]:
    """The kinks of either expression along ``main``, in the other names (``t + 1``)."""
    roots: set[sp.Expr] = set()
    for edge in _edges(truth) + _edges(claimed):
        for candidate in _unfold(edge):
            if main not in candidate.free_symbols:
                continue
            try:
                with limits.time_budget(1.0, "finding a kink"):
                    found = sp.solve(candidate, main)
            except (NotImplementedError, ValueError, TypeError, AttributeError):
                continue  # a kink solve cannot find is still met by the sampled points
            roots |= {r for r in found if r.is_extended_real is not False}
    return sorted(roots, key=sp.default_sort_key)


# ----- words -----


def explain(sampled: Sampled, main: sp.Symbol, noun: str = "derivative") -> str:
    """How the formula is wrong, in one sentence (empty when nothing is known)."""
    factor = _factor(sampled).replace("the derivative", f"the {noun}")
    if factor:
        return factor
    regions: dict[str, list[int]] = {}
    for point in sampled.points:
        if not point.kink:
            counts = regions.setdefault(point.interval, [0, 0])
            counts[point.differs] += 1
    wrong = [name for name, (_, bad) in regions.items() if bad]
    right = [name for name, (good, bad) in regions.items() if good and not bad]
    mixed = [name for name, (good, bad) in regions.items() if good and bad]
    kinks = sorted({p.interval for p in sampled.differ if p.kink})
    at_kinks = f"at the kink {' and '.join(kinks)}" if kinks else ""
    if not wrong:
        return f"right everywhere but {at_kinks}, where the derived gradient takes a convention"
    if mixed or not right:
        share, total = sum(p.differs for p in sampled.points), len(sampled.points)
        text = f"wrong at {'every one' if share == total else share} of the {total} points sampled"
        return text + (f"; also {at_kinks}" if at_kinks else "")
    text = f"wrong for {', '.join(wrong)} (at every point sampled there), "
    text += f"right for {', '.join(right)}"
    return text + (f"; and {at_kinks}" if at_kinks else "")


def _factor(sampled: Sampled) -> str:
    """A formula that is the gradient times a constant or a name: say which."""
    ratios = []
    for point in sampled.points:
        if point.mine is None:
            return ""
        if abs(point.truth) <= TINY:
            if abs(point.mine) > TINY:
                return ""
            continue
        ratios.append((point.mine / point.truth, point.at))
    if len(ratios) < 2:
        return ""
    names = {str(symbol): symbol for symbol in ratios[0][1]}

    def every(expected) -> bool:
        return all(abs(r - expected(at)) <= 1e-9 * abs(expected(at)) for r, at in ratios)

    if "B" in names and every(lambda at: at[names["B"]]):
        return (
            "the /B of the batch mean is missing: your formula is B times the gradient "
            "of the mean over the batch"
        )
    if "N" in names and every(lambda at: at[names["N"]]):
        return "a factor N too many: the loss is a mean over the N outputs (its gradient has 1/N)"
    if "N" in names and every(lambda at: 1 / at[names["N"]]):
        return "a /N too many: this loss is not divided by N"
    if "lambda_" in names and every(lambda at: 1 / at[names["lambda_"]]):
        return "the strength lambda_ is missing: the gradient is proportional to lambda_"
    ratio = ratios[0][0]
    if not every(lambda at: ratio):
        return ""
    if abs(ratio + 1) <= 1e-9:
        return "a sign error: your formula is minus the derivative"
    if abs(ratio - 1) < 1e-3:
        return (
            f"a near miss: your formula is the derivative times {show(ratio, 12)} "
            f"(a rounded constant?); equal means equal to 1e-12"
        )
    shown = sp.nsimplify(ratio, tolerance=1e-12, rational=True)
    return (
        f"a constant factor is off: your formula is the derivative times {shown} "
        f"(a missing chain-rule factor or a wrong constant?)"
    )


def is_everywhere(expr: sp.Expr, sampled: Sampled) -> bool:
    """Whether the formula's values are ``expr``'s at every point (the op itself, say)."""
    expr = _unnamed(expr)
    for point in sampled.points:
        there = value(expr, point.at)
        if point.mine is None or there is None:
            return False
        if Point(point.at, point.mine, there, point.kink, point.interval).differs:
            return False
    return bool(sampled.points)


def show(number: sp.Expr, digits: int = 6) -> str:
    """A number as a person writes it: ``1``, ``-0.25``, ``0.0997606``."""
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return f"{float(number):.{digits}g}"


def counterexample(sampled: Sampled) -> Point | None:
    """The most readable point where the two differ: finite, off the kinks, first drawn."""
    differ = sampled.differ
    ranked = sorted(differ, key=lambda p: (p.mine is None, p.kink))
    return ranked[0] if ranked else None


def describe(point: Point, noun: str) -> str:
    """``at x = -2: your formula gives 1, the derivative is 0``."""
    where = ", ".join(f"{k} = {show(v)}" for k, v in point.at.items())
    truth = point.truth
    if point.mine is None:
        return (
            f"at {where}: your formula has no finite value (0/0, a division by zero), "
            f"the {noun} is {show(truth)}"
        )
    digits = 6
    while digits < 15 and show(point.mine, digits) == show(truth, digits):
        digits += 1
    return (
        f"at {where}: your formula gives {show(point.mine, digits)}, "
        f"the {noun} is {show(truth, digits)}"
    )
