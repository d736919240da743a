r"""BatchNorm and LayerNorm in index form: definitions, a checker, the kernel forms.

Both normalise a *group* of ``N`` values :math:`x_0 \dots x_{N-1}` -- one feature over
the samples of a batch (BatchNorm) or the features of one sample (LayerNorm) -- and
differ only in which axis the group lies along and in the shape of
:math:`\gamma, \beta`:

.. math::

    \mu = \frac{1}{N}\sum_k x_k, \quad v = \frac{1}{N}\sum_j (x_j - \mu)^2, \quad
    \sigma = \sqrt{v + \epsilon}, \quad \hat x_i = \frac{x_i - \mu}{\sigma}, \quad
    y_i = \gamma \hat x_i + \beta .

``symbolic.norm_steps`` writes the derivation a step at a time; each step is proven
by ``GroupSteps`` below, twice: for every ``N`` (derivatives taken, sums split, factors
pulled out, Kronecker deltas collapsed, :math:`\sum_k x_k = N\mu`, then
:math:`\epsilon = \sigma^2 - v` with :math:`\sigma > 0`, so every square root is rational
and ``cancel`` decides), and written out for ``N = 1..4`` and every index the same way
(:math:`\epsilon = S^2 - v` for the explicit variance). A step the first cannot reach
is reported as checked on those sizes only.

>>> from symbolic.ops import OPS
>>> form = derive_normalization(OPS["layer_norm"]).backward.expr[2]
>>> form
ColSum(g)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symbolic.arrays import ColSum, RowSum, array_symbol
from symbolic.derived import ArrayForm, Chain, Derived, Step
from symbolic.ops import N, Normalization, c, g, i, j
from symbolic.proof import NotEqual, find_difference

k = sp.Symbol("k", integer=True, nonnegative=True)
X = sp.IndexedBase("x", real=True)  # the group's inputs x_k
XH = sp.IndexedBase("xhat", real=True)  # the normalised inputs
DXH = sp.IndexedBase("ghat", real=True)  # dL/dx_hat, "g hat"
GAMMA_I, BETA_I = sp.IndexedBase("gamma", real=True), sp.IndexedBase("beta", real=True)
GAMMA, BETA = sp.Symbol("gamma", real=True), sp.Symbol("beta", real=True)
MU, V = sp.Symbol("mu", real=True), sp.Symbol("v", nonnegative=True)
SIGMA = sp.Symbol("sigma", positive=True)  # sqrt(v + epsilon)
EPSILON = sp.Symbol("epsilon", positive=True)
S = sp.Symbol("S", positive=True)  # sigma on explicit sizes: epsilon = S^2 - v
SIZES = (1, 2, 3, 4)

MEAN = sp.Sum(X[k], (k, 0, N - 1)) / N
VARIANCE = sp.Sum((X[j] - MU) ** 2, (j, 0, N - 1)) / N  # mu a symbol: see full()


def per_element(entry: Normalization) -> bool:
    """LayerNorm has a gamma_i, beta_i per element of its group; BatchNorm one of each."""
    return entry.axis == "features"


def scale(entry: Normalization, index: sp.Basic) -> sp.Basic:
    return GAMMA_I[index] if per_element(entry) else GAMMA


def shift(entry: Normalization, index: sp.Basic) -> sp.Basic:
    return BETA_I[index] if per_element(entry) else BETA


def full(expr: sp.Basic, per: bool) -> sp.Basic:
    """Every named quantity written in the inputs: g-hat as g gamma, x-hat, sigma, v, mu."""
    gamma = (lambda idx: GAMMA_I[idx]) if per else (lambda idx: GAMMA)
    # A derivative by x-hat, gamma or beta is taken with x-hat still a variable.
    expr = expr.replace(
        lambda e: isinstance(e, sp.Derivative) and not any(v.has(X) for v in e.variables),
        lambda e: e.doit(),
    )
    expr = expr.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == DXH,
        lambda e: g[e.indices[0]] * gamma(e.indices[0]),
    )
    expr = expr.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == XH,
        lambda e: (X[e.indices[0]] - MU) / SIGMA,
    )
    expr = expr.xreplace({SIGMA: sp.sqrt(V + EPSILON)}).xreplace({V: VARIANCE})
    return expr.xreplace({MU: MEAN})


def closed_sums(expr: sp.Basic) -> sp.Basic:
    r"""Sums over the group in closed form where they have one: a sum split over its
    terms, factors free of the index pulled out, a Kronecker delta keeping one term
    (every index lies in 0..N-1), :math:`\sum_k c = N c` and :math:`\sum_k x_k = N \mu`;
    what is left is a sum of a product over the index, its index renamed ``k``. An
    unevaluated derivative is left alone: it is differentiated first."""
    if not expr.args or isinstance(expr, sp.Derivative):
        return expr
    if not isinstance(expr, sp.Sum):
        return expr.func(*(closed_sums(arg) for arg in expr.args))
    (index, low, high), body = expr.limits[0], closed_sums(expr.function)
    if len(expr.limits) != 1 or low != 0 or high != N - 1:
        return expr.func(body, *expr.limits)
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(body)):
        inside, outside = [], []
        for factor in sp.Mul.make_args(term):
            (inside if index in factor.free_symbols else outside).append(factor)
        summand, constant = sp.Mul(*inside), sp.Mul(*outside)
        delta = next((f for f in inside if isinstance(f, sp.KroneckerDelta)), None)
        if delta is not None:  # the one term where the index is the delta's other index
            other = delta.args[1] if delta.args[0] == index else delta.args[0]
            total += constant * (summand / delta).xreplace({index: other})
        elif summand == 1:
            total += N * constant
        elif summand == X[index]:
            total += N * MU * constant
        else:
            total += constant * sp.Sum(summand.xreplace({index: k}), (k, 0, N - 1))
    return total


def _symbolic(a: sp.Basic, b: sp.Basic, per: bool) -> bool:
    r"""Equal for every N: both sides written in the inputs, each derivative taken by
    SymPy (of a sum: the sum of the derivatives, :math:`\partial x_k/\partial x_c =
    \delta_{kc}`), sums in closed form (so :math:`v = \sum_k x_k^2/N - \mu^2`), then
    :math:`\epsilon = \sigma^2 - v` with :math:`\sigma > 0`, which makes every square root
    rational, and ``cancel`` decides."""
    variance = sp.expand(closed_sums(VARIANCE))

    def canonical(expr: sp.Basic) -> sp.Basic:
        expr = full(expr, per).replace(
            lambda e: isinstance(e, sp.Derivative), lambda e: e.doit(deep=False)
        )
        for _ in range(4):  # sums nested in sums close from the inside out
            closed = closed_sums(expr)
            if closed == expr:
                break
            expr = closed
        expr = sp.expand(expr).xreplace({EPSILON: SIGMA**2 - variance})
        return expr.replace(
            lambda e: e.is_Pow and e.base.has(SIGMA), lambda e: sp.expand(e.base) ** e.exp
        )

    try:
        return sp.cancel(sp.together(canonical(a) - canonical(b))) == 0
    except Exception:  # a form these rules do not reach: written out below, and said so
        return False


def written_out(expr: sp.Basic, n: int, at: Mapping, per: bool) -> sp.Basic:
    """``expr`` for a group of ``n``, every sum and derivative done, sigma as ``S``."""
    from symbolic.vector import in_range

    sized = full(expr, per).xreplace({N: sp.Integer(n), **at})
    done = in_range(sized.doit())
    variance = VARIANCE.xreplace({MU: MEAN}).xreplace({N: sp.Integer(n)}).doit()
    rational = done.xreplace({EPSILON: S**2 - variance})
    return rational.replace(
        lambda e: e.is_Pow and e.base.has(S), lambda e: sp.expand(e.base) ** e.exp
    )


@dataclass(frozen=True)
class GroupSteps:
    """Index formulas over a group of N values (see the module's docstring)."""

    per: bool  # gamma and beta per element (LayerNorm), else one each (BatchNorm)

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        free = sorted(_free(previous) | _free(current), key=str)
        for n in SIZES:
            for values in itertools.product(range(n), repeat=len(free)):  # every index
                at = {index: sp.Integer(v) for index, v in zip(free, values, strict=True)}
                left, right = (written_out(e, n, at, self.per) for e in (previous, current))
                if sp.cancel(left - right) != 0:
                    where = find_difference(left, right) or f"{left} and {right}"
                    raise NotEqual(f"{previous} and {current} differ for N = {n}: {where}")
        written = "written out for N = 1, 2, 3, 4 and every index: cancel, epsilon = S^2 - v"
        if _symbolic(previous, current, self.per):
            return f"sums in closed form, for all N; {written}"
        return written


def _free(expr: sp.Basic) -> set:
    """The free index ``c`` or ``i``, where something is indexed by it outside a sum."""
    return expr.free_symbols & {c, i}


# ----- the kernels: the closed form on whole arrays -----


def group_sum(entry: Normalization) -> type[sp.Function]:
    """The sum over the group: along the features (a row) or the batch (a column)."""
    return RowSum if per_element(entry) else ColSum


def to_group_arrays(expr: sp.Basic, entry: Normalization) -> sp.Basic:
    """An index formula on whole (batch, features) arrays: ``x[k]`` is the array ``x``
    and a sum over the group is ``RowSum`` (LayerNorm) or ``ColSum`` (BatchNorm); then
    x-hat and sigma in the inputs, the mean and variance as sums over the group."""
    total = group_sum(entry)

    def arrays(e: sp.Basic) -> sp.Basic:
        if isinstance(e, sp.Indexed):
            return array_symbol(e.base) if e.base not in (XH, DXH) else sp.Symbol(e.base.name)
        if isinstance(e, sp.Sum):
            return total(arrays(e.function))
        return e.func(*(arrays(arg) for arg in e.args)) if e.args else e

    xs, gs = array_symbol(X), array_symbol(g)
    gamma = array_symbol(GAMMA_I)
    mean = total(xs) / N
    sigma = sp.sqrt(total((xs - mean) ** 2) / N + EPSILON)
    form = arrays(expr).xreplace({sp.Symbol(DXH.name): gs * gamma})
    return form.xreplace({sp.Symbol(XH.name): (xs - mean) / sigma}).xreplace({SIGMA: sigma})


def derive_normalization(entry: Normalization) -> Derived:
    """The forward and the three gradients as array forms, from ``norm_steps``' results."""
    from symbolic.norm_steps import results

    dx, dgamma, dbeta = results(entry)
    xs, gs = array_symbol(X), array_symbol(g)
    gamma, beta = array_symbol(GAMMA_I), array_symbol(BETA_I)
    forward = to_group_arrays(scale(entry, i) * XH[i] + shift(entry, i), entry)
    # LayerNorm's dgamma_c = g_c x_hat_c is one sample's: summed over the batch.
    over_batch = ColSum if per_element(entry) else (lambda form: form)
    backward = (
        to_group_arrays(dx, entry),
        over_batch(to_group_arrays(dgamma, entry)),
        over_batch(to_group_arrays(dbeta, entry)),
    )
    return Derived(
        name=entry.name,
        chains=(Chain(sp.Derivative(sp.Symbol("L"), X[c]), (Step(dx, "the closed form"),)),),
        forward=ArrayForm((xs, gamma, beta, EPSILON, N), forward),
        backward=ArrayForm((xs, gamma, gs, EPSILON, N), backward),
        assumptions=("every index lies in 0..N-1",),
    )
