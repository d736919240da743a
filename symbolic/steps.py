r"""Step-by-step derivatives of elementwise ops, by a small rule-based rewriter.

``walk(f)`` starts from the unevaluated :math:`\frac{d}{dx} f(x)` and rewrites one
``Derivative`` node at a time by a textbook rule -- sum rule, constant factor,
product rule, quotient rule, power rule, chain rule through a function whose
outer derivative SymPy supplies (``fdiff``) -- until no ``Derivative`` is left.
Each rewrite is one step, and its reason states the rule and what it was applied
to. The walk proves nothing by itself: ``symbolic.verify`` proves every step equal
to the one before.

A node no rule knows is evaluated by SymPy's ``diff`` in one step, and the reason
says so ("SymPy diff"), so any op in the table gets a derivation.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> for step in walk(1 / (1 + sp.exp(-x)), x)[1:]:
...     print(step.reason)
quotient rule: (f/g)' = (f'g - fg')/g^2 with f = 1, g = 1 + exp(-x)
sum rule: (u + v)' = u' + v'; a constant has derivative 0
chain rule through exp: (f(u))' = f'(u) u' with d/du(exp(u)) = exp(u), u = -x
constant factor: (c u)' = c u' with c = -1
>>> walk(1 / (1 + sp.exp(-x)), x)[-1].expr
exp(-x)/(1 + exp(-x))**2
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy as sp
from sympy.core.function import ArgumentIndexError  # not exported as sympy.ArgumentIndexError

from symbolic.derived import Section, Step
from symbolic.reasons import (
    CHAIN,
    CONSTANT_FACTOR,
    EXPONENTIAL,
    POWER,
    POWER_CHAIN,
    PRODUCT,
    QUOTIENT,
    SUM,
    because,
)

MAX_STEPS = 60  # beyond this the rest is left to one "SymPy diff" step
u_ = sp.Symbol("u", real=True)  # the inner function of a chain rule, as its rule is stated


def d(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """``Derivative(expr, x)`` left unevaluated, except the trivial cases 0 and 1."""
    if x not in expr.free_symbols:
        return sp.S.Zero
    if expr == x:
        return sp.S.One
    return sp.Derivative(expr, x)


def _name(func: type) -> str:
    return getattr(func, "__name__", str(func))


def _power(base: sp.Expr, exponent: sp.Expr, x: sp.Symbol) -> Step:
    if x not in exponent.free_symbols:
        if exponent == -1:  # 1/g: the quotient rule with f = 1
            return because(
                -d(base, x) / base**2, "quotient rule: ", QUOTIENT, " with f = 1, ", ("g", base)
            )
        if base == x:
            new = exponent * base ** (exponent - 1)
            return because(new, "power rule: ", POWER, " with ", ("n", exponent))
        new = exponent * base ** (exponent - 1) * d(base, x)
        return because(
            new,
            "power rule and chain rule: ",
            POWER_CHAIN,
            " with ",
            ("u", base),
            ", ",
            ("n", exponent),
        )
    if x not in base.free_symbols:
        new = base**exponent * sp.log(base) * d(exponent, x)
        return because(
            new, "exponential rule: ", EXPONENTIAL, " with a = ", base, ", u = ", exponent
        )
    # u**v with both depending on x: write it as exp(v log u) first.
    return because(d(sp.exp(exponent * sp.log(base)), x), "write u^v as exp(v log u)")


def _product(factors: list[sp.Expr], x: sp.Symbol) -> Step:
    constant = [f for f in factors if x not in f.free_symbols]
    varying = [f for f in factors if x in f.free_symbols]
    if constant:
        c = sp.Mul(*constant)
        return because(
            c * d(sp.Mul(*varying), x), "constant factor: ", CONSTANT_FACTOR, " with ", ("c", c)
        )
    # A factor u**(-k) makes it a quotient u/v, the textbook's other rule.
    below = [f for f in varying if f.is_Pow and f.exp.is_number and f.exp.is_negative]
    above = [f for f in varying if f not in below]
    if below and above:
        f, g = sp.Mul(*above), sp.Mul(*(1 / b for b in below))
        new = (d(f, x) * g - f * d(g, x)) / g**2
        return because(new, "quotient rule: ", QUOTIENT, " with ", ("f", f), ", ", ("g", g))
    first, rest = varying[0], sp.Mul(*varying[1:])
    new = d(first, x) * rest + first * d(rest, x)
    return because(new, "product rule: ", PRODUCT, " with ", ("u", first), ", ", ("v", rest))


def _function(node: sp.Expr, x: sp.Symbol) -> Step | None:
    """Chain rule through a function whose partial derivatives SymPy knows."""
    moving = [arg for arg in node.args if x in arg.free_symbols]
    terms = []
    for position, arg in enumerate(node.args, start=1):
        if x not in arg.free_symbols:
            continue
        try:
            outer = node.fdiff(position)
        except (ArgumentIndexError, TypeError, ValueError):
            return None
        if outer.has(sp.Derivative, sp.Subs):  # SymPy does not know it either
            return None
        terms.append(outer * d(arg, x))
    name = _name(node.func)
    if len(moving) != 1:
        return because(sp.Add(*terms), f"chain rule through {name}")
    (arg,) = moving
    # The rule for the outer function, stated in u: d/du f(u) = f'(u).
    outer = node.xreplace({arg: u_})
    rule = sp.Eq(sp.Derivative(outer, u_), sp.diff(outer, u_), evaluate=False)
    if arg == x:
        rule = rule.xreplace({u_: x})
        return because(sp.Add(*terms), f"derivative of {name}: ", rule)
    return because(
        sp.Add(*terms), f"chain rule through {name}: ", CHAIN, " with ", rule, ", ", ("u", arg)
    )


def rewrite(node: sp.Derivative) -> Step:
    """One rule applied to ``Derivative(expr, x)``: the result, with the rule as its reason."""
    expr, x = node.expr, node.variables[0]
    if len(node.variables) != 1:
        return Step(node.doit(), "SymPy diff")
    if isinstance(expr, sp.Add):
        terms = [d(term, x) for term in expr.args]
        constant = any(x not in term.free_symbols for term in expr.args)
        return because(
            sp.Add(*terms), "sum rule: ", SUM, "; a constant has derivative 0" if constant else ""
        )
    if isinstance(expr, sp.Mul):
        return _product(list(expr.args), x)
    if isinstance(expr, sp.Pow):
        return _power(expr.base, expr.exp, x)
    if isinstance(expr, sp.Piecewise):
        pieces = [(d(piece, x), cond) for piece, cond in expr.args]
        return Step(sp.Piecewise(*pieces), "differentiate each piece (away from the joins)")
    if isinstance(expr, sp.Function | sp.Max | sp.Min):
        applied = _function(expr, x)
        if applied is not None:
            return applied
    return Step(node.doit(), "SymPy diff")


def _first_derivative(expr: sp.Basic) -> sp.Derivative | None:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            return node
    return None


class NoDerivative(ValueError):
    """A derivative SymPy leaves unevaluated (``floor``, a Bessel function's order)."""


def walk(f: sp.Expr, x: sp.Symbol) -> list[Step]:
    """The steps from ``Derivative(f, x)`` to an expression free of derivatives.

    Each step rewrites the first unevaluated derivative (in reading order). Raises
    ``NoDerivative`` when a step changes nothing: no rule and no ``diff`` knows it, and
    walking on would repeat that step for ever.
    """
    current = d(f, x)
    steps = [Step(current, "definition")]
    node = _first_derivative(current)
    while node is not None:
        if len(steps) > MAX_STEPS:
            step = Step(current.doit(), "SymPy diff")
        else:
            step = rewrite(node)
            step = dataclasses.replace(step, expr=current.xreplace({node: step.expr}))
        if step.expr == current:
            raise NoDerivative(f"SymPy cannot differentiate {node.expr} with respect to {x}")
        current = step.expr
        steps.append(step)
        node = _first_derivative(current)
    return steps


# ----- an elementwise op's derivation: definition, walk, closed form, computed as -----


def _is_own_name(expr: sp.Expr, x: sp.Symbol) -> bool:
    """True when ``expr`` is a named function of ``x`` alone (the op is sigma itself)."""
    from symbolic.named import Named

    return isinstance(expr, Named) and expr.args == (x,)


def _shorter(expr: sp.Expr) -> list[Step]:
    """One step to one fraction with common factors cancelled, if that is shorter."""
    candidate = sp.factor(sp.together(expr))
    if sp.count_ops(candidate) < sp.count_ops(expr):
        return [Step(candidate, "one fraction, common factors cancelled")]
    return []


def elementwise_sections(entry: Any, derived: Any) -> tuple[tuple[Section, ...], sp.Expr]:
    """The sections of an elementwise op's derivation, and its result.

    * ``y``: the definition, then written with named closed forms (sigma, Phi...);
    * ``dy/dx``: the walk of ``symbolic.steps`` from the named definition (from the raw
      one when the op is itself a named function, so sigma' is derived, not quoted),
      the convention at a kink, the closed form named;
    * computed as: the kernels' forward and backward forms, each rewrite proven.
    """
    from symbolic.computed import ByRule, stable_steps
    from symbolic.elementwise import convention, fix_heaviside
    from symbolic.named import naming_steps
    from symbolic.ops import x, y
    from symbolic.verify import ScalarForm

    f = entry.expr.subs(dict(entry.params))
    definition = [Step(f, "definition"), *naming_steps(f)]
    named = definition[-1].expr
    steps = walk(f if _is_own_name(named, x) else named, x)
    fixed = fix_heaviside(steps[-1].expr, entry.h0)
    if fixed != steps[-1].expr:
        at_kink = {"convention": "the value at the kink x = 0"}
        steps.append(Step(fixed, convention(steps[-1].expr, entry.h0), at_kink))
    steps += naming_steps(steps[-1].expr)
    steps += _shorter(steps[-1].expr)
    result = steps[-1].expr

    chain = derived.chains[0]  # ends at the form the backward kernel starts from
    base = chain.result
    backward = [Step(result, "the result above")]
    if base != result:
        if y in base.free_symbols:
            reason = f"written through the output y = {entry.name}(x): reuses the forward's result"
            backward.append(Step(base, reason, {y: f}))
        else:
            backward.append(Step(base, "as SymPy's diff writes it, which the kernel evaluates"))
    backward += stable_steps(base)
    forward = [Step(f, "the definition above"), *stable_steps(f)]

    scalar = ScalarForm()
    derivative = sp.Derivative(sp.Function(entry.name)(x), x)
    sections = [
        Section(y, tuple(definition), scalar),
        Section(derivative, tuple(steps), scalar),
    ]
    for quantity, computed in ((y, forward), (derivative, backward)):
        if len(computed) > 1:
            sections.append(Section(quantity, tuple(computed), ByRule(scalar), computed=True))
    return tuple(sections), result
