r"""The op table: every op of the package, declared once as a SymPy expression.

Everything else -- the derivation, its LaTeX, the NumPy kernels, the layers, the
gradient checker's truth and the parametrised tests -- is computed from these
entries. Adding an elementwise activation is one ``Elementwise`` line in
``OPS``.

Conventions, set here and nowhere else:

* An elementwise op is a formula in ``x``; its output is called ``y``.
* ``Heaviside(0)`` is SymPy's 1/2; every op here fixes it with ``h0`` (ReLU'(0) = 0,
  as in the seed and in PyTorch).
* Row-wise ops and losses are written per sample, in index form over a symbolic
  class count ``N``: ``z[i]`` the logits, ``p[i]`` the predictions, ``t[i]`` the
  targets (one-hot or probabilities).
* The batch loss is the mean over the ``B`` samples of a batch.

>>> OPS["sigmoid"].expr
1/(1 + exp(-x))
>>> sorted(OPS)[:3]
['binary_cross_entropy', 'cross_entropy', 'dense']
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

x = sp.Symbol("x", real=True)  # the input of an elementwise op
y = sp.Symbol("y", real=True)  # its output, for derivatives written through it

i, j, c = sp.symbols("i j c", integer=True, nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)  # classes
B = sp.Symbol("B", integer=True, positive=True)  # samples in a batch
z, s, p, t, g = (sp.IndexedBase(name, real=True) for name in "zsptg")

# Predictions are clipped to [EPS, 1 - EPS] before a logarithm, as in the nnfs book.
EPS = sp.Float("1e-7")


@dataclass(frozen=True)
class Elementwise:
    """An activation applied to every element: ``y = expr(x)``."""

    name: str
    expr: sp.Expr
    doc: str
    h0: sp.Rational = sp.S.Zero  # the value of Heaviside(0) in the derivative
    params: tuple[tuple[sp.Symbol, float], ...] = ()  # (symbol, default value) pairs


@dataclass(frozen=True)
class Rowwise:
    """An activation over the classes of one sample: ``s[i] = expr(z)``."""

    name: str
    expr: sp.Expr
    doc: str


@dataclass(frozen=True)
class Loss:
    """A per-sample loss of predictions ``p[i]`` against targets ``t[i]``.

    ``per`` is how the sum over classes is averaged: 1 for a sum (categorical
    cross-entropy), ``N`` for a mean over outputs (binary cross-entropy, MSE).
    """

    name: str
    expr: sp.Expr
    doc: str
    per: sp.Expr = sp.S.One
    clip: bool = False  # predictions are clipped to [EPS, 1 - EPS] (logarithms)
    targets: str = "onehot"  # "onehot": rows sum to 1; "binary": 0/1; "real"


@dataclass(frozen=True)
class Composed:
    """A loss applied to an activation's output, differentiated as one function."""

    name: str
    activation: str
    loss: str
    doc: str


@dataclass(frozen=True)
class Affine:
    """The dense layer ``Y = X W + b`` on matrix symbols."""

    name: str
    doc: str


Op = Elementwise | Rowwise | Loss | Composed | Affine

# Write each entry on its own lines so the formatter never reflows the table.
OPS: dict[str, Op] = {
    op.name: op
    for op in (
        # ----- elementwise activations -----
        Elementwise(
            "relu",
            sp.Max(0, x),
            "Rectified linear unit; ReLU'(0) = 0.",
        ),
        Elementwise(
            "sigmoid",
            1 / (1 + sp.exp(-x)),
            "Logistic sigmoid.",
        ),
        # ----- row-wise activations -----
        Rowwise(
            "softmax",
            sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 0, N - 1)),
            "Softmax over the N classes of a sample.",
        ),
        # ----- losses -----
        Loss(
            "cross_entropy",
            -sp.Sum(t[j] * sp.log(p[j]), (j, 0, N - 1)),
            "Categorical cross-entropy of probabilities p against one-hot t.",
            clip=True,
        ),
        Loss(
            "binary_cross_entropy",
            -sp.Sum(t[j] * sp.log(p[j]) + (1 - t[j]) * sp.log(1 - p[j]), (j, 0, N - 1)),
            "Binary cross-entropy, averaged over the N outputs.",
            per=N,
            clip=True,
            targets="binary",
        ),
        Loss(
            "mean_squared_error",
            sp.Sum((p[j] - t[j]) ** 2, (j, 0, N - 1)),
            "Mean squared error, averaged over the N outputs.",
            per=N,
            targets="real",
        ),
        # ----- composed -----
        Composed(
            "softmax_cross_entropy",
            "softmax",
            "cross_entropy",
            "Cross-entropy of the softmax of logits z.",
        ),
        # ----- layers with parameters -----
        Affine(
            "dense",
            "Dense layer Y = X W + b.",
        ),
    )
}


def op(name: str) -> Op:
    """The table entry called ``name``, or a ``KeyError`` listing the known ops.

    >>> op("relu").h0
    0
    """
    try:
        return OPS[name]
    except KeyError:
        known = ", ".join(sorted(OPS))
        raise KeyError(f"unknown op {name!r}; the table has: {known}") from None
