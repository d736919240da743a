r"""BatchNorm and LayerNorm derived a step at a time, in index form over a group of N.

The sections a teacher would write (cs231n's batchnorm_backward, done by hand):

1. the mean :math:`\mu` and the variance :math:`v` as functions of *every* input, and
   their derivatives :math:`\partial\mu/\partial x_c = 1/N`,
   :math:`\partial v/\partial x_c = \tfrac{2}{N}(x_c - \mu)` (the deviations sum to 0);
2. :math:`\hat x_i`, :math:`y_i` and :math:`\hat g_i = \partial L/\partial \hat x_i = g_i\gamma`;
3. :math:`\partial \hat x_i/\partial x_c` by the quotient rule: the three paths, directly,
   through the mean and through the variance;
4. :math:`\partial L/\partial x_c`: the chain rule over every :math:`\hat x_i`, the delta
   collapsed, then the closed form :math:`\frac{1}{N\sigma}\bigl(N\hat g_c - \sum_i \hat g_i
   - \hat x_c \sum_i \hat g_i \hat x_i\bigr)`;
5. :math:`\partial L/\partial\gamma` and :math:`\partial L/\partial\beta`.

Every step is proven by ``symbolic.normalization.GroupSteps``.

>>> from symbolic.ops import OPS
>>> dx, dgamma, dbeta = results(OPS["batch_norm"])
>>> dbeta
Sum(g[i], (i, 0, N - 1))
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from symbolic.derived import Section, Step
from symbolic.normalization import (
    DXH,
    EPSILON,
    MEAN,
    MU,
    SIGMA,
    VARIANCE,
    XH,
    GroupSteps,
    V,
    X,
    k,
    per_element,
    scale,
    shift,
)
from symbolic.ops import N, Normalization, c, g, i, j

L = sp.Symbol("L")
DELTA_IC = sp.KroneckerDelta(i, c)


def _sum(body: sp.Expr, index: sp.Symbol = i) -> sp.Sum:
    return sp.Sum(body, (index, 0, N - 1))


def _normalised(index: sp.Symbol) -> sp.Expr:
    r""":math:`\hat x` with the mean and the variance written in the inputs."""
    variance = VARIANCE.xreplace({MU: MEAN})
    return (X[index] - MEAN) / sp.sqrt(variance + EPSILON)


def statistics_sections(checker: GroupSteps) -> tuple[Section, ...]:
    """The mean and the variance, and how each moves with one input x_c."""
    variance = VARIANCE.xreplace({MU: MEAN})
    return (
        Section(MU, (Step(MEAN, "definition: the mean of the N values of the group"),), checker),
        Section(
            sp.Derivative(MU, X[c]),
            (
                Step(sp.Derivative(MEAN, X[c]), "the mean is a function of every x_k"),
                Step(
                    _sum(sp.KroneckerDelta(k, c), k) / N,
                    "differentiate term by term: dx_k/dx_c = delta_kc",
                ),
                Step(1 / N, "the Kronecker delta keeps the term k = c"),
            ),
            checker,
        ),
        Section(
            V,
            (
                Step(
                    VARIANCE,
                    "definition: the biased variance (divided by N), as PyTorch and Keras "
                    "normalise with",
                ),
            ),
            checker,
        ),
        Section(
            sp.Derivative(V, X[c]),
            (
                Step(sp.Derivative(variance, X[c]), "the variance is a function of every x_k"),
                Step(
                    2 / N * _sum((X[j] - MU) * (sp.KroneckerDelta(j, c) - 1 / N), j),
                    "chain rule: d(u^2) = 2 u du, with d(x_j - mu)/dx_c = delta_jc - 1/N",
                ),
                Step(
                    2 / N * (X[c] - MU) - 2 / N**2 * _sum(X[j] - MU, j),
                    "the Kronecker delta keeps the term j = c",
                ),
                Step(
                    2 / N * (X[c] - MU),
                    "the deviations from the mean sum to zero: sum_j (x_j - mu) = N mu - N mu",
                ),
            ),
            checker,
        ),
    )


def normalised_sections(entry: Normalization, checker: GroupSteps) -> tuple[Section, ...]:
    """x-hat, the output y and the gradient that reaches x-hat."""
    outputs = _sum(g[j] * (scale(entry, j) * XH[j] + shift(entry, j)), j)
    return (
        Section(
            XH[i],
            (
                Step((X[i] - MU) / sp.sqrt(V + EPSILON), "definition: epsilon keeps it finite"),
                Step((X[i] - MU) / SIGMA, "write sigma = sqrt(v + epsilon)"),
            ),
            checker,
        ),
        Section(
            sp.Symbol("y_i"),
            (
                Step(
                    scale(entry, i) * XH[i] + shift(entry, i),
                    "definition: a learnable scale gamma and shift beta",
                ),
            ),
            checker,
        ),
        Section(
            DXH[i],
            (
                Step(
                    sp.Derivative(outputs, XH[i]),
                    "g_j = dL/dy_j: L depends on x_hat_i through y_j = gamma x_hat_j + beta",
                ),
                Step(g[i] * scale(entry, i), "the Kronecker delta keeps the term j = i"),
            ),
            checker,
        ),
    )


def _paths(index: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""The three terms of :math:`\partial \hat x_{index}/\partial x_c`: directly, through
    the mean, through the variance."""
    delta = sp.KroneckerDelta(index, c)
    return (
        delta / SIGMA,
        -1 / (N * SIGMA),
        -(X[index] - MU) * (X[c] - MU) / (N * SIGMA**3),
    )


def jacobian_section(checker: GroupSteps) -> Section:
    r""":math:`\partial \hat x_i/\partial x_c` by the quotient rule, then the derivatives of
    the mean and the variance."""
    direct, through_mean, through_variance = _paths(i)
    return Section(
        sp.Derivative(XH[i], X[c]),
        (
            Step(sp.Derivative(_normalised(i), X[c]), "x_hat_i with mu and v written in x"),
            Step(
                (DELTA_IC - sp.Derivative(MEAN, X[c])) / SIGMA
                - (X[i] - MU) / (2 * SIGMA**3) * sp.Derivative(VARIANCE.xreplace({MU: MEAN}), X[c]),
                "quotient rule, d sigma = dv / (2 sigma): the input itself, the mean, the variance",
            ),
            Step(
                direct + through_mean + through_variance,
                "dmu/dx_c = 1/N and dv/dx_c = 2 (x_c - mu)/N, derived above",
            ),
        ),
        checker,
    )


def gradient_section(entry: Normalization, checker: GroupSteps) -> tuple[Section, sp.Expr]:
    r""":math:`\partial L/\partial x_c`: the chain rule, the three paths, the closed form."""
    direct, through_mean, through_variance = _paths(i)
    loss = _sum(g[i] * (scale(entry, i) * _normalised(i) + shift(entry, i)))
    sum_g, sum_gx = _sum(DXH[i]), _sum(DXH[i] * XH[i])
    closed = (N * DXH[c] - sum_g - XH[c] * sum_gx) / (N * SIGMA)
    steps = (
        Step(sp.Derivative(loss, X[c]), "g_i = dL/dy_i; y_i with x_hat_i written in x"),
        Step(
            _sum(DXH[i] * direct) + _sum(DXH[i] * through_mean) + _sum(DXH[i] * through_variance),
            "chain rule over every x_hat_i, g_hat_i = g_i gamma, and dx_hat_i/dx_c above: "
            "the three paths (directly, through the mean, through the variance)",
        ),
        Step(
            DXH[c] / SIGMA
            - sum_g / (N * SIGMA)
            - (X[c] - MU) / (N * SIGMA**3) * _sum(DXH[i] * (X[i] - MU)),
            "the Kronecker delta keeps i = c; factors free of i leave the sums",
        ),
        Step(
            DXH[c] / SIGMA - sum_g / (N * SIGMA) - XH[c] / (N * SIGMA) * sum_gx,
            "x_k - mu = sigma x_hat_k",
        ),
        Step(closed, "over the common denominator N sigma: the closed form"),
    )
    with_g = closed.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == DXH,
        lambda e: g[e.indices[0]] * scale(entry, e.indices[0]),
    )
    steps += (Step(with_g, "g_hat_i = g_i gamma"),)
    return Section(sp.Derivative(L, X[c]), steps, checker), closed


def parameter_sections(entry: Normalization, checker: GroupSteps) -> tuple[Section, ...]:
    """dL/dgamma and dL/dbeta: summed over the group for BatchNorm's one gamma; per
    element for LayerNorm's gamma_c (the kernel sums it over the samples of the batch)."""
    outputs = _sum(g[i] * (scale(entry, i) * XH[i] + shift(entry, i)))
    gamma, beta = scale(entry, c), shift(entry, c)
    if per_element(entry):
        d_gamma, d_beta = g[c] * XH[c], g[c]
        how = "the Kronecker delta keeps i = c; summed over the batch's samples by the kernel"
    else:
        d_gamma, d_beta = _sum(g[i] * XH[i]), _sum(g[i])
        how = "gamma and beta are shared by every x_i of the group: each term contributes"
    return (
        Section(
            sp.Derivative(L, gamma),
            (Step(sp.Derivative(outputs, gamma), "g_i = dL/dy_i"), Step(d_gamma, how)),
            checker,
        ),
        Section(
            sp.Derivative(L, beta),
            (Step(sp.Derivative(outputs, beta), "g_i = dL/dy_i"), Step(d_beta, how)),
            checker,
        ),
    )


@cache
def sections(entry: Normalization) -> tuple[tuple[Section, ...], sp.Expr]:
    """Every section of the derivation, and the closed form of dL/dx_c."""
    checker = GroupSteps(per=per_element(entry))
    gradient, closed = gradient_section(entry, checker)
    parts = (
        *statistics_sections(checker),
        *normalised_sections(entry, checker),
        jacobian_section(checker),
        gradient,
        *parameter_sections(entry, checker),
    )
    return parts, closed


def results(entry: Normalization) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """The closed forms the kernels are printed from: dL/dx_c, dL/dgamma, dL/dbeta."""
    parts, closed = sections(entry)
    return closed, parts[-2].steps[-1].expr, parts[-1].steps[-1].expr
