r"""Derivatives of elementwise activations, and the forms their kernels evaluate.

For ``y = f(x)`` the backward pass is :math:`\partial L/\partial x = g \, f'(x)`
with ``g`` the incoming gradient. SymPy's ``diff`` gives :math:`f'`; then

* every ``Heaviside(u)`` gets the op's value at 0: ``Heaviside(x, h0)`` and
  ``Heaviside(-x, 1 - h0)``, so that at a kink :math:`f'` is one-sided;
* where :math:`f'` can be written through the output alone (sigmoid:
  :math:`y(1 - y)`), that form is used: it reuses the forward result and is
  stable. It is found by solving ``y = f(x)`` for ``x`` and proven equal;
* the stable rewrites of ``symbolic.stable`` are applied to both kernel forms
  (their proofs are obligations, run by ``Derived.prove()``);
* irrational constants become 17-digit floats: NumPy treats Python floats as weak
  scalars, so float32 arrays stay float32 (``numpy.sqrt(2)*x`` would be float64).

>>> from symbolic.ops import OPS
>>> derived = derive_elementwise(OPS["sigmoid"])
>>> derived.backward.expr
g*y*(1 - y)
>>> derive_elementwise(OPS["relu"]).backward.expr
g*Heaviside(x, 0)
>>> derive_elementwise(OPS["softplus"]).forward.expr
logaddexp(0, x)

A weight penalty :math:`R = \sum_k \phi(w_k)` is derived the same way, in ``w``: its
gradient is :math:`\phi'(w)` element by element, with no incoming gradient, and its
forward kernel sums :math:`\phi` over the whole array (``Total``).

>>> derive_penalty(OPS["l1_penalty"]).backward.expr
sign(w)
>>> derive_penalty(OPS["l2_penalty"].with_params(lambda_=5e-4)).forward.expr
Total(0.0005*w**2)
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from symbolic.arrays import Total
from symbolic.derived import ArrayForm, Chain, Derived, Obligation, Step
from symbolic.ops import Elementwise, Penalty, w, x, y
from symbolic.proof import prove_equal

g = sp.Symbol("g", real=True)  # the incoming gradient dL/dy, same shape as x

# solve() is only asked to invert formulas built from these (it is slow or
# fruitless on Max, Heaviside and Piecewise).
_INVERTIBLE = (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.Symbol, sp.Number, sp.tanh)


def fix_heaviside(expr: sp.Expr, h0: sp.Expr) -> sp.Expr:
    r"""Give ``Heaviside(u)`` the value ``h0`` at 0, and ``Heaviside(-u)`` the value ``1 - h0``.

    :math:`H(-x) = 1 - H(x)` away from 0; keeping it at 0 too makes the derivative
    at a kink the one-sided derivative from the left (``h0 = 0``) or the right.

    >>> fix_heaviside(sp.Heaviside(x) + sp.Heaviside(-x) / 100, 0)
    Heaviside(-x, 1)/100 + Heaviside(x, 0)
    """

    def fixed(arg: sp.Expr, *_: sp.Expr) -> sp.Expr:
        return sp.Heaviside(arg, 1 - h0 if arg.could_extract_minus_sign() else h0)

    return expr.replace(sp.Heaviside, fixed)


def through_output(f: sp.Expr, derivative: sp.Expr) -> sp.Expr | None:
    """``derivative`` written in the output ``y = f(x)`` alone, or None.

    ``solve`` is asked only when ``x`` occurs once in ``f`` (a chain of invertible
    functions): otherwise it is slow and the inverse is no simpler (SiLU, mish).
    """
    direct = derivative.xreplace({f: y})  # tanh' = 1 - tanh(x)**2 becomes 1 - y**2 here
    if x not in direct.free_symbols:
        return sp.simplify(direct)
    invertible = all(isinstance(node, _INVERTIBLE) for node in sp.preorder_traversal(f))
    if not (invertible and f.count(x) == 1):
        return None
    try:
        inverses = sp.solve(sp.Eq(y, f), x)
    except NotImplementedError:
        return None
    for inverse in inverses:
        candidate = sp.simplify(derivative.subs(x, inverse))
        if x not in candidate.free_symbols and sp.count_ops(candidate) <= sp.count_ops(derivative):
            return candidate
    return None


def as_floats(expr: sp.Expr) -> sp.Expr:
    """Irrational constants (``sqrt(2)``, ``pi``) as 17-digit floats, for NumPy.

    >>> as_floats(sp.sqrt(2) * x / sp.sqrt(sp.pi))
    0.79788456080286536*x
    """
    return expr.replace(
        lambda e: e.is_number and not e.is_Rational and not e.is_Float and e.is_real,
        lambda e: e.evalf(17),
    )


def times_gradient(derivative: sp.Expr) -> sp.Expr:
    """``g * derivative``, with ``g`` taken into each term of a sum holding masks.

    ``0.01*greater(x, 0)`` is float64 (a float times a boolean array), which would
    upcast a float32 ``g``; ``0.01*g*greater(x, 0)`` stays float32.
    """
    if isinstance(derivative, sp.Add) and derivative.has(sp.Heaviside):
        return sp.Add(*(g * term for term in derivative.args))
    return g * derivative


def stable_form(expr: sp.Expr, what: str) -> tuple[sp.Expr, list[Obligation]]:
    """``expr`` after ``symbolic.stable``'s rules, with one obligation per rule applied."""
    from symbolic.stable import RULES, apply_rule

    obligations = []
    for rule in RULES:
        rewritten = apply_rule(expr, rule)
        if rewritten != expr:
            claim = f"{what}: {rule.name} ({rewritten} = {expr})"
            obligations.append(Obligation(claim, partial(rule.prove, rewritten, expr)))
            expr = rewritten
    return expr, obligations


def convention(expr: sp.Expr, h0: sp.Expr) -> str:
    """The reason of the step that fixes ``Heaviside`` at the kinks, in words.

    >>> leaky = sp.Heaviside(x) + sp.Heaviside(-x) / 100
    >>> print(convention(leaky, 0))  # doctest: +NORMALIZE_WHITESPACE
    convention at the kink x = 0: H(x) = 0 and H(-x) = 1 there, so the derivative there is
    1/100, the slope from the left
    >>> clip = sp.Heaviside(1 - x) * sp.Heaviside(x + 1)
    >>> print(convention(clip, 0))  # doctest: +NORMALIZE_WHITESPACE
    convention at the kinks x = -1, 1: H(x + 1) = 0 at x = -1 and H(1 - x) = 1 at x = 1, so the
    derivative there is 0 and 1, the slope from the left
    """
    fixed = fix_heaviside(expr, h0)
    steps = sorted(fixed.atoms(sp.Heaviside), key=lambda h: h.args[0].could_extract_minus_sign())
    kinks, values = [], []
    for node in steps:
        arg, at_zero = node.args
        where = sorted(sp.solveset(arg, x, sp.Reals)) if arg.has(x) else []
        kinks += [a for a in where if a not in kinks]
        values.append(f"H({arg}) = {at_zero}" + ("" if len(where) != 1 else f" at x = {where[0]}"))
    kinks = sorted(kinks)
    side = {0: "the left", 1: "the right"}.get(h0, "neither side")
    if len(kinks) == 1:
        values = [v.split(" at x = ")[0] for v in values]
        return (
            f"convention at the kink x = {kinks[0]}: {' and '.join(values)} there, so the "
            f"derivative there is {_at(fixed, kinks[0])}, the slope from {side}"
        )
    at = " and ".join(_at(fixed, a) for a in kinks)
    return (
        f"convention at the kinks x = {', '.join(map(str, kinks))}: {' and '.join(values)}, "
        f"so the derivative there is {at}, the slope from {side}"
    )


def _at(expr: sp.Expr, kink: sp.Expr) -> str:
    """``expr`` at ``x = kink``, with each ``Heaviside`` at its own value at 0."""
    value = expr.subs(x, kink).replace(
        sp.Heaviside, lambda arg, h: h if arg == 0 else sp.Heaviside(arg, h)
    )
    return sp.sstr(value, full_prec=False)


def derive_elementwise(entry: Elementwise) -> Derived:
    """Derive ``entry``'s gradient and the forward and backward kernel forms.

    The chain's last step is the form the backward kernel starts from, before the
    stable rewrites: in the output ``y`` where that exists, else ``diff``'s answer.
    """
    f = entry.expr.subs(dict(entry.params))
    raw = sp.diff(f, x)
    steps = [Step(raw, "SymPy diff")]
    derivative = fix_heaviside(raw, entry.h0)
    if derivative != raw:
        steps.append(Step(derivative, convention(raw, entry.h0)))
    in_output = through_output(f, derivative)
    obligations: list[Obligation] = []
    if in_output is not None:
        obligations.append(
            Obligation(
                f"the derivative written through the output: {in_output} = {derivative}",
                partial(prove_equal, in_output.subs(y, f), derivative),
            )
        )
        if in_output.subs(y, f) != derivative:
            steps.append(Step(in_output.subs(y, f), "written through the output y = f(x)"))
        steps.append(Step(in_output, "substitute y = f(x)", {y: f}))
        backward, stable_obligations = stable_form(in_output, "backward")
    else:
        backward, stable_obligations = stable_form(derivative, "backward")
    forward, forward_obligations = stable_form(f, "forward")
    chain = Chain(sp.Derivative(sp.Function("f")(x), x), tuple(steps))
    return Derived(
        name=entry.name,
        chains=(chain,),
        forward=ArrayForm((x,), as_floats(forward)),
        backward=ArrayForm((x, y, g), times_gradient(as_floats(backward))),
        obligations=tuple(obligations + forward_obligations + stable_obligations),
    )


def derive_penalty(entry: Penalty) -> Derived:
    """Derive a weight penalty's gradient; the kernels take the entry's parameter values.

    The chain stays in the symbol ``lambda_``, as the nnfs book writes it; the kernel
    forms have its value. ``forward(w)`` is the sum over the array, ``backward(w)`` the
    gradient of that sum, element by element: each element occurs in one term only (an
    obligation, proven on arrays of 1 to 4 elements).
    """
    values = dict(entry.params)
    derivative = sp.diff(entry.expr, w)
    chain = Chain(sp.Derivative(sp.Function("phi")(w), w), (Step(derivative, "SymPy diff"),))
    forward, forward_obligations = stable_form(entry.expr.subs(values), "forward")
    backward, backward_obligations = stable_form(derivative.subs(values), "backward")
    sums = Obligation(
        f"the gradient of the sum over 1..4 elements is {derivative} element by element",
        partial(_sum_gradient_is_elementwise, entry.expr, derivative),
    )
    return Derived(
        name=entry.name,
        chains=(chain,),
        forward=ArrayForm((w,), Total(as_floats(forward))),
        backward=ArrayForm((w,), as_floats(backward)),
        obligations=(sums, *forward_obligations, *backward_obligations),
    )


def _sum_gradient_is_elementwise(term: sp.Expr, derivative: sp.Expr) -> None:
    """d/dw_c of sum_k term(w_k) equals derivative(w_c), for 1 to 4 elements."""
    for size in range(1, 5):
        elements = sp.symbols(f"w_0:{size}", real=True)
        total = sum(term.subs(w, element) for element in elements)
        for element in elements:
            prove_equal(sp.diff(total, element), derivative.subs(w, element))
