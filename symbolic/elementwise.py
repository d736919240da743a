r"""Derivatives of elementwise activations, and the forms their kernels evaluate.

For ``y = f(x)`` the backward pass is :math:`\partial L/\partial x = g \, f'(x)`
with ``g`` the incoming gradient. SymPy's ``diff`` gives :math:`f'`; then

* every ``Heaviside(u)`` gets the op's value at 0 (``Heaviside(u, h0)``);
* where :math:`f'` can be written through the output alone (sigmoid:
  :math:`y(1 - y)`), that form is used: it reuses the forward result and is
  stable. It is found by solving ``y = f(x)`` for ``x`` and proven equal;
* otherwise the stable rewrites of ``symbolic.stable`` are applied.

>>> from symbolic.ops import OPS
>>> derived = derive_elementwise(OPS["sigmoid"])
>>> derived.backward.expr
g*y*(1 - y)
>>> derive_elementwise(OPS["relu"]).backward.expr
g*Heaviside(x, 0)
"""

from __future__ import annotations

import sympy as sp

from symbolic.derived import ArrayForm, Chain, Derived, Step
from symbolic.ops import Elementwise, x, y
from symbolic.proof import prove_equal

g = sp.Symbol("g", real=True)  # the incoming gradient dL/dy, same shape as x

# solve() is only asked to invert formulas built from these (it is slow or
# fruitless on Max, Heaviside and Piecewise).
_INVERTIBLE = (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.Symbol, sp.Number, sp.tanh)


def fix_heaviside(expr: sp.Expr, h0: sp.Expr) -> sp.Expr:
    """Give every ``Heaviside`` in ``expr`` the value ``h0`` at 0."""
    return expr.replace(sp.Heaviside, lambda arg, *_: sp.Heaviside(arg, h0))


def through_output(f: sp.Expr, derivative: sp.Expr) -> sp.Expr | None:
    """``derivative`` written in the output ``y = f(x)`` alone, or None."""
    candidates = [derivative.xreplace({f: y})]
    if all(isinstance(node, _INVERTIBLE) for node in sp.preorder_traversal(f)):
        candidates += [derivative.subs(x, inverse) for inverse in sp.solve(sp.Eq(y, f), x)]
    for candidate in candidates:
        candidate = sp.simplify(candidate)
        if x not in candidate.free_symbols and sp.count_ops(candidate) <= sp.count_ops(derivative):
            return candidate
    return None


def derive_elementwise(entry: Elementwise) -> Derived:
    """Derive ``entry``'s gradient and the forward and backward kernel forms."""
    from symbolic.stable import stabilise

    f = entry.expr.subs(dict(entry.params))
    raw = sp.diff(f, x)
    steps = [Step(raw, "SymPy diff")]
    derivative = fix_heaviside(raw, entry.h0)
    if derivative != raw:
        steps.append(Step(derivative, f"convention: Heaviside(0) = {entry.h0}"))
    in_output = through_output(f, derivative)
    if in_output is not None:
        prove_equal(in_output.subs(y, f), derivative)
        steps.append(Step(in_output.subs(y, f), "written through the output y = f(x)"))
        backward = g * in_output
    else:
        # The kernel evaluates the derivative as diff() wrote it, made stable; the
        # simplified form is for the reader (it may overflow where diff's does not).
        simplified = sp.simplify(derivative)
        if sp.count_ops(simplified) < sp.count_ops(derivative):
            steps.append(Step(simplified, "simplify"))
        stable, _ = stabilise(derivative)
        backward = g * stable

    forward, _ = stabilise(f)
    chain = Chain(sp.Derivative(sp.Function("f")(x), x), tuple(steps))
    return Derived(
        name=entry.name,
        chains=(chain,),
        forward=ArrayForm((x,), forward),
        backward=ArrayForm((x, y, g), backward),
    )
