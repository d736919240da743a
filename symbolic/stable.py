r"""Rewrites that keep a formula finite in floating point, each proven equal.

NumPy evaluates ``1/(1 + exp(-x))`` as ``1/inf`` with an overflow warning at
``x = -1000``; ``exp(-logaddexp(0, -x))`` is the same function (SymPy proves it,
``logaddexp(a, b) = log(exp(a) + exp(b))``) and NumPy's ``logaddexp`` never
overflows. The rules below are patterns over SymPy expressions; ``stabilise``
applies them and returns the proofs that each application changed nothing.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> form, proofs = stabilise(1 / (1 + sp.exp(-x)))
>>> form
exp(-logaddexp(0, -x))
>>> proofs[0].method
'simplify after rewrite(log)'
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.numpy_nodes import logaddexp

from symbolic.proof import Proof, prove_equal

_u = sp.Wild("u")


def _stable_sigmoid(u: sp.Expr) -> sp.Expr:
    # 1/(1 + e^{-u}) = e^{-log(1 + e^{-u})}
    return sp.exp(-logaddexp(0, -u))


# (name, pattern, replacement as a function of the match)
RULES: tuple[tuple[str, sp.Expr, object], ...] = (
    ("sigmoid through logaddexp", 1 / (1 + sp.exp(-_u)), lambda m: _stable_sigmoid(m[_u])),
    ("sigmoid through logaddexp", sp.exp(_u) / (1 + sp.exp(_u)), lambda m: _stable_sigmoid(m[_u])),
    ("softplus as logaddexp", sp.log(1 + sp.exp(_u)), lambda m: logaddexp(0, m[_u])),
)


def stabilise(expr: sp.Expr) -> tuple[sp.Expr, list[Proof]]:
    """``expr`` rewritten by ``RULES`` wherever they match, with the proofs."""
    proofs = []
    for _name, pattern, build in RULES:
        rewritten = expr.replace(
            lambda e, pattern=pattern: e.match(pattern) is not None,
            lambda e, pattern=pattern, build=build: build(e.match(pattern)),
        )
        if rewritten != expr:
            proofs.append(prove_equal(rewritten, expr))
            expr = rewritten
    return expr, proofs
