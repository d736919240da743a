r"""Softmax and the losses, derived per sample in index form for any class count N.

Deriving on N explicit symbols takes seconds and proves only that N; with an
``IndexedBase`` and a symbolic ``N`` SymPy derives the general Jacobian
:math:`\partial s_i/\partial z_c = s_i(\delta_{ic} - s_c)` in a fraction of a
second, and each result is also confirmed on explicit sizes ``N = 1..4``.

Assumptions used, stated where they are used:

* indices lie in ``0..N-1`` (SymPy guards each derivative with a ``Piecewise``;
  ``in_range`` takes its first branch);
* targets of categorical cross-entropy sum to one, :math:`\sum_j t_j = 1`.

>>> from symbolic.ops import OPS
>>> derive_rowwise(OPS["softmax"]).backward.expr
s*(g - RowSum(g*s))
>>> derive_composed(OPS["softmax_cross_entropy"]).backward.expr
(s - t)/B
"""

from __future__ import annotations

from functools import partial

import sympy as sp
from sympy.simplify.simplify import sum_simplify

from symbolic.arrays import RowMax, array_symbol, to_arrays
from symbolic.derived import ArrayForm, Chain, Derived, Obligation, Step
from symbolic.ops import EPS, OPS, B, Composed, Loss, N, Rowwise, c, g, i, j, p, s, t, z
from symbolic.proof import prove_equal

SUM_T_IS_ONE = "the targets of a sample sum to one: sum_j t_j = 1"
IN_RANGE = "every index lies in 0..N-1"
m = sp.Symbol("m", real=True)  # the shift of the max trick: any value, the row max in kernels


def _is_range_guard(piecewise: sp.Basic) -> bool:
    """A ``Piecewise`` whose first condition speaks of indices and ``N`` only."""
    if not isinstance(piecewise, sp.Piecewise):
        return False
    condition = piecewise.args[0][1]
    return not condition.atoms(sp.Indexed) and all(v.is_integer for v in condition.free_symbols)


def in_range(expr: sp.Basic) -> sp.Basic:
    """Drop the ``Piecewise`` guards that say an index lies in ``0..N-1`` (and no other)."""
    return expr.replace(_is_range_guard, lambda e: e.args[0][0])


def on_sizes(index_expr: sp.Basic, sizes: range = range(1, 5)) -> list[sp.Basic]:
    """``index_expr`` with ``N`` set to each size and its sums written out."""
    return [in_range(index_expr.subs(N, n).doit()) for n in sizes]


def confirm_on_sizes(left: sp.Basic, right: sp.Basic) -> None:
    """Prove ``left == right`` for N = 1..4, for each value of the free index."""
    for n, (a, b) in enumerate(zip(on_sizes(left), on_sizes(right), strict=True), start=1):
        for k in range(n):
            prove_equal(a.subs({i: k, c: k}), b.subs({i: k, c: k}))


def on_sizes_obligation(claim: str, left: sp.Basic, right: sp.Basic) -> Obligation:
    """The claim ``left == right``, to be proven for N = 1..4 on demand."""
    return Obligation(f"{claim} (on N = 1..4)", partial(confirm_on_sizes, left, right))


def sum_over(body: sp.Expr, index: sp.Symbol) -> sp.Sum:
    return sp.Sum(body, (index, 0, N - 1))


def _outputs_as_s(expr: sp.Basic, definition: sp.Expr) -> sp.Basic:
    """Write ``exp(z[k])`` as ``s[k] * Z``, with ``Z`` the softmax denominator."""
    denominator = sp.Symbol("Z", positive=True)
    expr = sp.expand(expr, power_exp=True).subs(sp.denom(definition), denominator)
    expr = expr.replace(
        lambda e: isinstance(e, sp.exp) and isinstance(e.args[0], sp.Indexed),
        lambda e: s[e.args[0].indices[0]] * denominator,
    )
    return sp.simplify(expr)


def _confirm_jacobian(entry: Rowwise, raw: sp.Basic, jacobian: sp.Basic) -> None:
    """The closed form against the raw derivative, on explicit sizes and every (i, c)."""
    for n in range(1, 4):
        for a in range(n):
            for b in range(n):
                at = {N: n, i: a, c: b}
                closed = jacobian.subs(at).subs(
                    {s[k]: entry.expr.subs({N: n, i: k}).doit() for k in range(n)}
                )
                prove_equal(closed, in_range(raw.subs(at).doit()))


def softmax_jacobian(entry: Rowwise) -> tuple[Chain, Obligation]:
    """:math:`\\partial s_i/\\partial z_c` from the definition, in terms of ``s``."""
    raw = sp.diff(entry.expr, z[c])
    evaluated = in_range(raw.doit())
    jacobian = _outputs_as_s(evaluated, entry.expr)
    proof = Obligation(
        "the Jacobian in s equals SymPy's derivative (on N = 1..3, every i, c)",
        partial(_confirm_jacobian, entry, raw, jacobian),
    )
    chain = Chain(
        sp.Derivative(s[i], z[c]),
        (
            Step(raw, "quotient rule (SymPy diff)"),
            Step(evaluated, "Kronecker delta collapses the sum", given={"assume": IN_RANGE}),
            Step(jacobian, "substitute s_k = exp(z_k) / sum_j exp(z_j)"),
        ),
    )
    return chain, proof


def derive_rowwise(entry: Rowwise) -> Derived:
    """Softmax: the Jacobian, the vector-Jacobian product, the max-shifted forward."""
    jacobian, jacobian_proof = softmax_jacobian(entry)
    vjp = sum_over(g[i] * jacobian.result, i)
    evaluated = sum_simplify(sp.expand(in_range(vjp.doit())))
    collected = sp.collect(evaluated, s[c])
    backward_chain = Chain(
        sp.Symbol(r"\frac{\partial L}{\partial z_c}"),
        (
            Step(vjp, "chain rule: sum over the outputs s_i"),
            Step(evaluated, "Kronecker delta collapses the sum"),
            Step(collected, "factor s_c"),
        ),
    )
    shifted = entry.expr.xreplace({z[i]: z[i] - m, z[j]: z[j] - m})
    forward_chain = Chain(
        s[i],
        (
            Step(entry.expr, "definition"),
            Step(shifted, "multiply above and below by exp(-m); m = max_j z_j keeps exp <= 1"),
        ),
    )
    zs, ss = array_symbol(z), array_symbol(s)
    forward = to_arrays(shifted.subs(m, sp.Symbol("M"))).subs(sp.Symbol("M"), RowMax(zs))
    return Derived(
        name=entry.name,
        chains=(forward_chain, jacobian, backward_chain),
        forward=ArrayForm((zs,), forward),
        backward=ArrayForm((zs, ss, array_symbol(g)), to_arrays(collected)),
        assumptions=(IN_RANGE,),
        obligations=(
            jacobian_proof,
            on_sizes_obligation("the vector-Jacobian product in closed form", vjp, collected),
            on_sizes_obligation("the max shift leaves the softmax unchanged", shifted, entry.expr),
        ),
    )


def clip(expr: sp.Expr) -> sp.Expr:
    """Predictions clipped to [EPS, 1 - EPS], so that log never sees 0."""
    return sp.Min(sp.Max(expr, EPS), 1 - EPS)


def loss_gradient(entry: Loss) -> Chain:
    """:math:`\\partial \\ell/\\partial p_c` of one sample's loss, then of the batch mean."""
    per_sample = entry.expr / entry.per
    raw = sp.diff(per_sample, p[c])
    # One fraction, factored: simplify() would take seconds on kinks (Huber) and write
    # sign(u) as Piecewise((0, Eq(u, 0)), (u/|u|, True)), both branches of which NumPy
    # evaluates, 0/0 included.
    evaluated = sp.factor(sp.together(in_range(raw.doit())))
    batch = evaluated / B
    return Chain(
        sp.Derivative(sp.Symbol("L"), p[c]),
        (
            Step(raw, "differentiate the per-sample loss (SymPy diff)"),
            Step(evaluated, "Kronecker delta collapses the sum", given={"assume": IN_RANGE}),
            Step(batch, "the batch loss is the mean over B samples"),
        ),
    )


def derive_loss(entry: Loss) -> Derived:
    """A loss's per-sample value and its gradient for the batch mean, as kernels."""
    gradient = loss_gradient(entry)
    proof = on_sizes_obligation(
        "the gradient with the Kronecker delta collapsed",
        sum_over(sp.diff(entry.expr / entry.per, p[i]) * sp.KroneckerDelta(i, c), i),
        gradient.steps[1].expr,
    )
    ps = array_symbol(p)
    loss, grad = to_arrays(entry.expr / entry.per), to_arrays(gradient.result)
    if entry.clip:
        loss, grad = loss.subs(ps, clip(ps)), grad.subs(ps, clip(ps))
    args = (ps, array_symbol(t), B, N)
    return Derived(
        name=entry.name,
        chains=(Chain(sp.Symbol(r"\ell"), (Step(entry.expr / entry.per, "definition"),)), gradient),
        forward=ArrayForm(args, loss),
        backward=ArrayForm(args, grad),
        assumptions=(IN_RANGE,),
        obligations=(proof,),
    )


def derive_composed(entry: Composed) -> Derived:
    """A loss of an activation's output, differentiated through both, then simplified."""
    activation, loss = OPS[entry.activation], OPS[entry.loss]
    jacobian, jacobian_proof = softmax_jacobian(activation)
    dloss = in_range(sp.diff(loss.expr, p[i]).doit())  # d(loss)/d(p_i), p = s
    chained = sum_over(dloss.subs(p[i], s[i]) * jacobian.result, i)
    evaluated = sum_simplify(sp.expand(in_range(chained.doit())))
    sum_t = sum_over(t[i], i)
    closed = sp.simplify(evaluated.subs(sum_t, 1))
    gradient = Chain(
        sp.Derivative(sp.Symbol("L"), z[c]),
        (
            Step(chained, "chain rule through the softmax Jacobian"),
            Step(evaluated, "Kronecker delta collapses the sum"),
            Step(closed, "the targets sum to one", given={sum_t: 1}),
            Step(closed / B, "the batch loss is the mean over B samples"),
        ),
    )
    # The loss from logits: log s_j = z_j - m - log sum_k exp(z_k - m), never log(0).
    k = sp.Symbol("k", integer=True, nonnegative=True)
    # Written as sum_j t_j (m - z_j) + log sum_k exp(z_k - m): both terms are >= 0, so
    # nothing cancels when the logits are large (m = sum_j t_j m since the targets sum to 1).
    from_logits = sum_over(t[j] * (m - z[j]), j) + sp.log(sum_over(sp.exp(z[k] - m), k))
    softmax_j = activation.expr.xreplace({j: k}).xreplace({i: j})  # rename the inner index
    plain = loss.expr.xreplace({p[j]: softmax_j})
    zs, ss, ts = array_symbol(z), array_symbol(s), array_symbol(t)
    forward = to_arrays(from_logits.subs(m, sp.Symbol("M"))).subs(sp.Symbol("M"), RowMax(zs))
    return Derived(
        name=entry.name,
        chains=(
            Chain(
                sp.Symbol(r"\ell"),
                (
                    Step(plain, "definition: cross-entropy of the softmax"),
                    Step(
                        from_logits,
                        "log of the softmax, shifted by m; the targets of a sample sum to one "
                        "(sum_j t_j = 1), so m = sum_j t_j m",
                        given={sum_t: 1},
                    ),
                ),
            ),
            jacobian,
            gradient,
        ),
        forward=ArrayForm((zs, ts, B, N), forward),
        backward=ArrayForm((zs, ss, ts, B, N), to_arrays(closed / B)),
        assumptions=(IN_RANGE, SUM_T_IS_ONE),
        obligations=(
            jacobian_proof,
            on_sizes_obligation(
                "the chain rule with the Kronecker delta collapsed", chained, evaluated
            ),
            Obligation(
                "the loss from logits equals the cross-entropy of the softmax when the targets "
                "sum to one (on N = 1..4)",
                partial(_prove_from_logits, plain, from_logits),
            ),
        ),
    )


def _prove_from_logits(plain: sp.Expr, from_logits: sp.Expr) -> None:
    """The logit form equals the plain loss for N = 1..4 when the targets sum to one."""
    for n in range(1, 5):
        ts = [t[k] for k in range(n)]
        last = {ts[-1]: 1 - sum(ts[:-1])}
        a = sp.expand_log(plain.subs(N, n).doit().subs(last), force=True)
        b = from_logits.subs(N, n).doit().subs(last)
        prove_equal(a, b)
