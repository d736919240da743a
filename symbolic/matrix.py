r"""The dense layer ``Y = X W + b`` by matrix calculus on ``MatrixSymbol``\s.

With ``G`` the incoming gradient :math:`\partial L/\partial Y`, the chain rule
says :math:`dL = \operatorname{tr}(G^\top dY)`, so each gradient is the derivative
of :math:`\operatorname{tr}(G^\top Y)` with ``G`` held fixed. Matrix expressions
do not broadcast, so the bias enters as :math:`\mathbf{1}_{m\times 1} b`; its
gradient comes out as :math:`\mathbf{1}_{1\times m} G`, the column sums of ``G``.

>>> grads = derive_dense().backward.expr
>>> grads[1]
X.T*G
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from symbolic.derived import ArrayForm, Chain, Derived, Obligation, Step
from symbolic.proof import prove_equal

m, n, k = sp.symbols("m n k", integer=True, positive=True)  # batch, inputs, neurons
X = sp.MatrixSymbol("X", m, n)
W = sp.MatrixSymbol("W", n, k)
b = sp.MatrixSymbol("b", 1, k)
G = sp.MatrixSymbol("G", m, k)
Y = X * W + sp.OneMatrix(m, 1) * b
L = sp.Trace(G.T * Y)


def _confirm(gradient: sp.MatrixExpr, wrt: sp.MatrixSymbol, sizes=((1, 1, 1), (2, 3, 2))) -> None:
    """Check a matrix gradient entry by entry on explicit sizes."""
    for size in sizes:
        at = dict(zip((m, n, k), size, strict=True))
        loss = (G.T * Y).subs(at).as_explicit().trace()
        target = wrt.subs(at).as_explicit()
        explicit = gradient.subs(at).as_explicit()
        for r in range(target.rows):
            for col in range(target.cols):
                prove_equal(explicit[r, col], sp.diff(loss, target[r, col]))


def derive_dense() -> Derived:
    """The three gradients of ``tr(G^T Y)``: by ``X``, ``W`` and ``b``."""
    chains, gradients, obligations = [], [], []
    for wrt in (X, W, b):
        gradient = L.diff(wrt)
        gradients.append(gradient)
        obligations.append(
            Obligation(
                f"dL/d{wrt.name} = {gradient} entry by entry (on (m, n, k) = (1, 1, 1), (2, 3, 2))",
                partial(_confirm, gradient, wrt),
            )
        )
        chains.append(
            Chain(
                sp.Symbol(rf"\frac{{\partial L}}{{\partial {wrt.name}}}"),
                (
                    Step(sp.Derivative(L, wrt), "chain rule: dL = trace(transpose(G) dY)"),
                    Step(gradient, "matrix calculus (SymPy diff)"),
                ),
            )
        )
    return Derived(
        name="dense",
        chains=(Chain(sp.Symbol("Y"), (Step(Y, "definition"),)), *chains),
        forward=ArrayForm((X, W, b), Y),
        backward=ArrayForm((X, W, G), tuple(gradients)),
        obligations=tuple(obligations),
    )
