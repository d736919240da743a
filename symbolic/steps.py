r"""Step-by-step derivatives of elementwise ops, by a small rule-based rewriter.

``walk(f)`` starts from the unevaluated :math:`\frac{d}{dx} f(x)` and rewrites one
``Derivative`` node at a time by a textbook rule -- sum rule, constant factor,
product rule, quotient rule, power rule, chain rule through a function whose
outer derivative SymPy supplies (``fdiff``) -- until no ``Derivative`` is left.
Each rewrite is one step with its reason. The walk proves nothing by itself:
``symbolic.verify`` proves every step equal to the one before.

A node no rule knows is evaluated by SymPy's ``diff`` in one step, and the reason
says so ("SymPy diff"), so any op in the table gets a derivation.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> [step.reason for step in walk(1 / (1 + sp.exp(-x)), x)]  # doctest: +NORMALIZE_WHITESPACE
['definition', 'power rule and chain rule', 'sum rule; a constant has derivative 0',
 'chain rule through exp', 'constant factor']
>>> walk(1 / (1 + sp.exp(-x)), x)[-1].expr
exp(-x)/(1 + exp(-x))**2
"""

from __future__ import annotations

import sympy as sp

from symbolic.derived import Step

MAX_STEPS = 60  # beyond this the rest is left to one "SymPy diff" step


def d(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """``Derivative(expr, x)`` left unevaluated, except the trivial cases 0 and 1."""
    if x not in expr.free_symbols:
        return sp.S.Zero
    if expr == x:
        return sp.S.One
    return sp.Derivative(expr, x)


def _name(func: type) -> str:
    return getattr(func, "__name__", str(func))


def _power(base: sp.Expr, exponent: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, str]:
    if x not in exponent.free_symbols:
        rule = "power rule" if base == x else "power rule and chain rule"
        return exponent * base ** (exponent - 1) * d(base, x), rule
    if x not in base.free_symbols:
        return base**exponent * sp.log(base) * d(exponent, x), "exponential rule"
    # u**v with both depending on x: write it as exp(v log u) first.
    return d(sp.exp(exponent * sp.log(base)), x), "write u^v as exp(v log u)"


def _product(factors: list[sp.Expr], x: sp.Symbol) -> tuple[sp.Expr, str]:
    constant = [f for f in factors if x not in f.free_symbols]
    varying = [f for f in factors if x in f.free_symbols]
    if constant:
        return sp.Mul(*constant) * d(sp.Mul(*varying), x), "constant factor"
    # A factor u**(-k) makes it a quotient u/v, the textbook's other rule.
    below = [f for f in varying if f.is_Pow and f.exp.is_number and f.exp.is_negative]
    above = [f for f in varying if f not in below]
    if below and above:
        u, v = sp.Mul(*above), sp.Mul(*(1 / f for f in below))
        return (d(u, x) * v - u * d(v, x)) / v**2, "quotient rule"
    first, rest = varying[0], sp.Mul(*varying[1:])
    return d(first, x) * rest + first * d(rest, x), "product rule"


def _function(node: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, str] | None:
    """Chain rule through a function whose partial derivatives SymPy knows."""
    terms = []
    for position, arg in enumerate(node.args, start=1):
        if x not in arg.free_symbols:
            continue
        try:
            outer = node.fdiff(position)
        except (sp.ArgumentIndexError, TypeError, ValueError):
            return None
        if outer.has(sp.Derivative, sp.Subs):  # SymPy does not know it either
            return None
        terms.append(outer * d(arg, x))
    name = _name(node.func)
    moving = [arg for arg in node.args if x in arg.free_symbols]
    reason = f"derivative of {name}" if moving == [x] else f"chain rule through {name}"
    return sp.Add(*terms), reason


def rewrite(node: sp.Derivative) -> tuple[sp.Expr, str]:
    """One rule applied to ``Derivative(expr, x)``: the result and the rule's name."""
    expr, x = node.expr, node.variables[0]
    if len(node.variables) != 1:
        return node.doit(), "SymPy diff"
    if isinstance(expr, sp.Add):
        terms = [d(term, x) for term in expr.args]
        constant = any(x not in term.free_symbols for term in expr.args)
        return sp.Add(*terms), "sum rule; a constant has derivative 0" if constant else "sum rule"
    if isinstance(expr, sp.Mul):
        return _product(list(expr.args), x)
    if isinstance(expr, sp.Pow):
        return _power(expr.base, expr.exp, x)
    if isinstance(expr, sp.Piecewise):
        pieces = [(d(piece, x), cond) for piece, cond in expr.args]
        return sp.Piecewise(*pieces), "differentiate each piece (away from the joins)"
    if isinstance(expr, sp.Function | sp.Max | sp.Min):
        applied = _function(expr, x)
        if applied is not None:
            return applied
    return node.doit(), "SymPy diff"


def _first_derivative(expr: sp.Basic) -> sp.Derivative | None:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            return node
    return None


def walk(f: sp.Expr, x: sp.Symbol) -> list[Step]:
    """The steps from ``Derivative(f, x)`` to an expression free of derivatives.

    Each step rewrites the first unevaluated derivative (in reading order).
    """
    current = d(f, x)
    steps = [Step(current, "definition")]
    node = _first_derivative(current)
    while node is not None:
        if len(steps) > MAX_STEPS:
            replacement, reason = current.doit(), "SymPy diff"
            current = replacement
        else:
            replacement, reason = rewrite(node)
            current = current.xreplace({node: replacement})
        steps.append(Step(current, reason))
        node = _first_derivative(current)
    return steps
