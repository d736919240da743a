r"""Whole-array forms of index expressions, for lambdify.

A row-wise op is derived per sample in index form (``z[i]``, ``Sum`` over ``j``);
its kernel works on a whole batch, a ``(B, N)`` array a row per sample. The
translation is mechanical: every ``Indexed`` ``z[k]`` becomes the array ``z``, and
a ``Sum`` over the class index becomes ``RowSum`` (summed over the last axis,
keeping it, so the result broadcasts against the rows).

>>> from symbolic.ops import z, j, i, N
>>> import sympy as sp
>>> to_arrays(sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 0, N - 1)))
exp(z)/RowSum(exp(z))
"""

from __future__ import annotations

import sympy as sp


class RowSum(sp.Function):
    r"""``RowSum(a)``: :math:`\sum_j a_{bj}` for each row ``b``, kept as a column."""

    nargs = 1


class ColSum(sp.Function):
    r"""``ColSum(a)``: :math:`\sum_b a_{bj}` over the batch for each column ``j``, kept as a row."""

    nargs = 1


class RowMax(sp.Function):
    r"""``RowMax(a)``: :math:`\max_j a_{bj}` for each row ``b``, kept as a column."""

    nargs = 1


class Total(sp.Function):
    r"""``Total(a)``: :math:`\sum_k a_k` over every element of an array, a scalar."""

    nargs = 1


def array_symbol(base: sp.IndexedBase) -> sp.Symbol:
    """The array that holds every ``base[k]`` of a batch: a symbol of the same name."""
    return sp.Symbol(str(base.label), real=True)


def to_arrays(expr: sp.Basic) -> sp.Basic:
    """Translate an index expression into one over whole arrays."""
    if isinstance(expr, sp.Indexed):
        return array_symbol(expr.base)
    if isinstance(expr, sp.Sum):
        return _sum_to_arrays(expr)
    if not expr.args:
        return expr
    return expr.func(*(to_arrays(arg) for arg in expr.args))


def _sum_to_arrays(total: sp.Sum) -> sp.Basic:
    """``Sum(a*f(k), k)`` as ``a*RowSum(f)``: a factor free of ``k`` is pulled out first,
    because inside ``RowSum`` every array is summed along its row. The summand is
    expanded only when it must be (expanding ``t*(m - z)`` would make two sums that
    cancel in floating point)."""
    if len(total.limits) != 1:
        raise ValueError(f"only single sums translate to arrays, got {total}")
    index = total.limits[0][0]
    body = total.function
    if isinstance(body, sp.Add):
        return sp.Add(*(_sum_to_arrays(total.func(term, *total.limits)) for term in body.args))
    outside, inside = [], []
    for factor in sp.Mul.make_args(body):
        (inside if index in factor.free_symbols else outside).append(factor)
    summand = sp.Mul(*inside)
    if any(atom.indices != (index,) for atom in summand.atoms(sp.Indexed)):
        expanded = sp.expand(body, power_exp=False, log=False, multinomial=False)
        if expanded == body:
            raise ValueError(f"{body} inside a sum over {index} does not translate to arrays")
        return _sum_to_arrays(total.func(expanded, *total.limits))
    return to_arrays(sp.Mul(*outside)) * RowSum(to_arrays(summand))
