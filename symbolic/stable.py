r"""Rewrites that keep a formula finite and accurate in floating point, each proven equal.

NumPy evaluates ``1/(1 + exp(-x))`` as ``1/inf`` with an overflow warning at
``x = -1000``; ``exp(-logaddexp(0, -x))`` is the same function (SymPy proves it,
``logaddexp(a, b) = log(exp(a) + exp(b))``) and NumPy's ``logaddexp`` never
overflows. Each rule below rewrites one kind of node; ``stabilise`` applies them
in order, bottom-up, and returns the proof that each application changed nothing.

* **clamp a branch**: :math:`B(x) = B(\min(x, a))` where a branch holds only for
  :math:`x \le a` (``max`` for :math:`x > a`), proven on each side of the kink.
  NumPy's ``select`` evaluates every branch: ``exp(1e4)`` overflows even where the
  mask drops it.
* **sigmoid**: :math:`e^{ku}/(1 + e^u)^n = \sigma(u)^k \sigma(-u)^{n-k}` with
  :math:`\sigma(u) = e^{-\operatorname{logaddexp}(0, -u)}` (no ``exp`` overflow,
  no ``inf/inf``).
* **softplus**: :math:`\log(e^a + e^b) = \operatorname{logaddexp}(a, b)`.
* **expm1**: :math:`c\,e^u - c = c\operatorname{expm1}(u)` (no cancellation near 0).
* **ndtr**: :math:`c\,(1 \pm \operatorname{erf} u) = 2c\,\Phi(\pm\sqrt{2}u)`, the normal
  CDF ``scipy.special.ndtr`` (no cancellation for :math:`\pm u \ll 0`).
* **log1p**: :math:`\log(1 + u) = \operatorname{log1p}(u)`.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> form, proofs = stabilise(1 / (1 + sp.exp(-x)))
>>> form
exp(-logaddexp(0, -x))
>>> proofs[0].method
'simplify after rewrite(log)'
>>> stabilise(sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)))[0]
Piecewise((x, x > 0), (expm1(Min(0, x)), True))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp

from symbolic.proof import Proof, prove_equal

# Functions whose value overflows for arguments of moderate size.
_OVERFLOWING = (sp.exp, sp.sinh, sp.cosh)


def sigmoid(u: sp.Expr) -> sp.Expr:
    r""":math:`\sigma(u) = 1/(1 + e^{-u}) = e^{-\log(1 + e^{-u})}`, finite for every ``u``."""
    return sp.exp(-logaddexp(0, -u))


def _exp_of_one_plus_exp(base: sp.Expr) -> sp.Expr | None:
    """``u`` when ``base`` is ``1 + exp(u)``, else None."""
    if isinstance(base, sp.Add) and len(base.args) == 2 and sp.S.One in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _sigmoid_products(node: sp.Expr) -> sp.Expr | None:
    """``e^{ku} / (1 + e^u)^n`` (0 <= k <= n, integers) as ``sigma(u)^k sigma(-u)^(n-k)``."""
    if not isinstance(node, sp.Mul | sp.Pow):
        return None
    factors = list(node.args) if isinstance(node, sp.Mul) else [node]
    for index, factor in enumerate(factors):
        if not (isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp < 0):
            continue
        u = _exp_of_one_plus_exp(factor.base)
        if u is None:
            continue
        n, k = -int(factor.exp), 0
        rest = factors[:index] + factors[index + 1 :]
        for position, other in enumerate(rest):
            ratio = sp.cancel(other.args[0] / u) if isinstance(other, sp.exp) else None
            if ratio is not None and ratio.is_Integer and 0 < ratio <= n:
                k = int(ratio)
                rest = rest[:position] + rest[position + 1 :]
                break
        return sp.Mul(*rest) * sigmoid(u) ** k * sigmoid(-u) ** (n - k)
    return None


def _softplus(node: sp.Expr) -> sp.Expr | None:
    """``log(exp(a) + exp(b))`` (``a`` may be 0: ``log(1 + exp(b))``) as ``logaddexp(a, b)``."""
    if not (isinstance(node, sp.log) and isinstance(node.args[0], sp.Add)):
        return None
    terms = node.args[0].args
    if len(terms) != 2:
        return None
    exponents = [
        0 if term == 1 else term.args[0] if isinstance(term, sp.exp) else None for term in terms
    ]
    if None in exponents or exponents.count(0) == 2:
        return None
    return logaddexp(*exponents)


def _pair_in_sum(function: type, shift: int, build: Callable) -> Callable:
    """A rule for sums holding ``c*function(u)`` and the number ``shift*c``: ``build(c, u)``."""

    def rule(node: sp.Expr) -> sp.Expr | None:
        if not isinstance(node, sp.Add):
            return None
        numbers = [term for term in node.args if term.is_Number]
        for term in node.args:
            coefficient, rest = term.as_coeff_Mul()
            if not isinstance(rest, function):
                continue
            for number in numbers:
                if number == shift * coefficient:
                    others = [a for a in node.args if a is not term and a is not number]
                    return sp.Add(*others) + build(coefficient, rest.args[0])
        return None

    return rule


class ndtr(sp.Function):  # noqa: N801 - named like scipy.special.ndtr, which prints it
    r"""The standard normal CDF :math:`\Phi(u) = (1 + \operatorname{erf}(u/\sqrt{2}))/2`.

    A numeric node, not an op: kernels print it as ``scipy.special.ndtr``, which
    stays accurate for :math:`u \ll 0`, where ``1 + erf`` cancels to 0.

    >>> u = sp.Symbol("u", real=True)
    >>> ndtr(u).rewrite(sp.erf)
    erf(sqrt(2)*u/2)/2 + 1/2
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = self.args[0]
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)

    def _eval_rewrite_as_erf(self, u: sp.Expr, **kwargs: object) -> sp.Expr:
        return (1 + sp.erf(u / sp.sqrt(2))) / 2


def _prove_through_erf(left: sp.Expr, right: sp.Expr) -> Proof:
    """``ndtr`` by its definition in ``erf`` (``rewrite(erf)``); then prove."""
    proof = prove_equal(left.rewrite(sp.erf), right)
    return Proof(left, right, f"rewrite(erf), then {proof.method}")


def _log1p(node: sp.Expr) -> sp.Expr | None:
    """``log(1 + u)`` as ``log1p(u)`` (after softplus, so ``u`` is not an ``exp``)."""
    if isinstance(node, sp.log) and isinstance(node.args[0], sp.Add) and 1 in node.args[0].args:
        return log1p(node.args[0] - 1)
    return None


def _breakpoints(piecewise: sp.Piecewise) -> list[tuple[sp.Symbol, sp.Expr]] | None:
    """``(variable, a)`` for every condition ``variable <op> a``, or None if some is not one."""
    points = []
    for _, condition in piecewise.args:
        if condition is sp.true:
            continue
        if not isinstance(condition, sp.core.relational.Relational):
            return None
        lhs, rhs = condition.lhs, condition.rhs
        if isinstance(lhs, sp.Symbol) and rhs.is_number:
            points.append((lhs, rhs))
        elif isinstance(rhs, sp.Symbol) and lhs.is_number:
            points.append((rhs, lhs))
        else:
            return None
    return points


def _clamp_branches(node: sp.Expr) -> sp.Expr | None:
    """In each branch that can overflow and holds on a half-line of ``x``, clamp ``x`` to it."""
    if not isinstance(node, sp.Piecewise):
        return None
    points = _breakpoints(node)
    if not points or len({v for v, _ in points}) != 1:
        return None
    variable = points[0][0]
    taken: sp.Set = sp.EmptySet
    branches, changed = [], False
    for expr, condition in node.args:
        holds = condition.as_set() if condition is not sp.true else sp.Reals
        domain = sp.Complement(holds, taken)
        taken = sp.Union(taken, holds)
        if isinstance(domain, sp.Interval) and expr.has(*_OVERFLOWING):
            if domain.inf == -sp.oo and domain.sup.is_finite:
                expr, changed = expr.xreplace({variable: sp.Min(variable, domain.sup)}), True
            elif domain.sup == sp.oo and domain.inf.is_finite:
                expr, changed = expr.xreplace({variable: sp.Max(variable, domain.inf)}), True
        branches.append((expr, condition))
    return sp.Piecewise(*branches) if changed else None


def prove_on_each_side(left: sp.Expr, right: sp.Expr) -> Proof:
    """Prove ``left == right`` on each side of, and at, every kink of their ``Piecewise``.

    At ``x = a + xi`` and ``x = a - xi`` (``xi > 0``) every condition is decided,
    so SymPy compares one branch with one branch; at ``x = a`` likewise.
    """
    points = sorted(
        {
            a
            for pw in (left.atoms(sp.Piecewise) | right.atoms(sp.Piecewise))
            for _, a in _breakpoints(pw) or ()
        }
    )
    variables = {v for pw in left.atoms(sp.Piecewise) for v, _ in _breakpoints(pw) or ()}
    if len(variables) != 1 or not points:
        return prove_equal(left, right)
    (variable,) = variables
    xi = sp.Symbol("xi", positive=True)
    at = [points[0] - xi, points[-1] + xi, *points]
    at += [a + (b - a) / (1 + xi) for a, b in zip(points, points[1:], strict=False)]
    for value in at:
        prove_equal(left.subs(variable, value), right.subs(variable, value))
    kinks = ", ".join(map(str, points))
    return Proof(left, right, f"on each side of, and at, {variable} = {kinks}")


@dataclass(frozen=True)
class Rule:
    """A rewrite of one kind of node: ``rewrite(node)`` is the new node, or None."""

    name: str
    rewrite: Callable[[sp.Expr], sp.Expr | None]
    prove: Callable[[sp.Expr, sp.Expr], Proof] = prove_equal
    why: str = ""  # what it avoids in floating point, for a derivation's reader


RULES: tuple[Rule, ...] = (
    Rule(
        "clamp each branch to where it holds",
        _clamp_branches,
        prove_on_each_side,
        "NumPy evaluates every branch, and exp(1e4) would overflow where the mask drops it",
    ),
    Rule(
        "sigmoid through logaddexp",
        _sigmoid_products,
        why="finite for every x, where 1/(1 + exp(-x)) overflows at x = -1000",
    ),
    Rule(
        "softplus as logaddexp",
        _softplus,
        why="logaddexp(a, b) = log(exp(a) + exp(b)) never overflows",
    ),
    Rule(
        "exp(u) - 1 as expm1(u)",
        _pair_in_sum(sp.exp, -1, lambda c, u: c * expm1(u)),
        why="no cancellation for u near 0",
    ),
    Rule(
        "1 + erf(u) as 2 ndtr(sqrt(2) u)",
        _pair_in_sum(sp.erf, 1, lambda c, u: 2 * c * ndtr(sp.sqrt(2) * u)),
        _prove_through_erf,
        "ndtr is the normal CDF; 1 + erf(u) cancels to 0 for u << 0",
    ),
    Rule(
        "1 - erf(u) as 2 ndtr(-sqrt(2) u)",
        # c erf(u) - c = -c (1 - erf(u)) = -2c ndtr(-sqrt(2) u)
        _pair_in_sum(sp.erf, -1, lambda c, u: -2 * c * ndtr(-sp.sqrt(2) * u)),
        _prove_through_erf,
        "ndtr is the normal CDF; 1 - erf(u) cancels to 0 for u >> 0",
    ),
    Rule(
        "log(1 + u) as log1p(u)",
        _log1p,
        why="no loss of accuracy for u near 0",
    ),
)


def apply_rule(expr: sp.Expr, rule: Rule) -> sp.Expr:
    """``expr`` with ``rule`` applied to every node it matches, outermost first.

    Outermost first, so that ``exp(u)/(1 + exp(u))`` is seen whole before its
    denominator; a node whose arguments did not change is kept, not rebuilt.
    """
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    rewritten = rule.rewrite(expr)
    if rewritten is not None:
        expr = rewritten
    args = tuple(apply_rule(arg, rule) for arg in expr.args)
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def stable_steps(expr: sp.Expr) -> list[tuple[str, sp.Expr, Proof]]:
    """Each rule that changed ``expr``, in order: its name, the new form, the proof."""
    steps = []
    for rule in RULES:
        rewritten = apply_rule(expr, rule)
        if rewritten != expr:
            steps.append((rule.name, rewritten, rule.prove(rewritten, expr)))
            expr = rewritten
    return steps


def stabilise(expr: sp.Expr) -> tuple[sp.Expr, list[Proof]]:
    """``expr`` rewritten by ``RULES`` wherever they match, with the proofs."""
    steps = stable_steps(expr)
    return (steps[-1][1] if steps else expr), [proof for _, _, proof in steps]
