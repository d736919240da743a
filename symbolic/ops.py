r"""The op table: every op of the package, declared once as a SymPy expression.

Everything else -- the derivation, its LaTeX, the NumPy kernels, the layers, the
gradient checker's truth and the parametrised tests -- is computed from these
entries. Adding an elementwise activation is one ``Elementwise`` line in
``OPS``.

Conventions, set here and nowhere else:

* An elementwise op is a formula in ``x``; its output is called ``y``.
* ``Heaviside(0)`` is SymPy's 1/2; every op here fixes it with ``h0``: the value
  of ``Heaviside(x)`` at 0, and ``1 - h0`` for ``Heaviside(-x)``, so that at a kink
  the derivative is the one-sided derivative from the left (``h0 = 0``: ReLU'(0) = 0
  as in the seed and in PyTorch, LeakyReLU'(0) = alpha) or from the right (``h0 = 1``).
  A ``Piecewise`` op sets its own convention by its conditions (ELU: ``x > 0``).
* Parameters (``alpha``) are symbols with a default in ``params``; another value
  is a derived entry, ``op("leaky_relu(alpha=0.1)")``.
* A weight penalty is a formula in ``w``, one element of a parameter array; the
  penalty is its sum over the array's elements, added to the loss. Its strength
  is ``lambda_`` (``lambda`` is a Python keyword): ``op("l2_penalty(lambda_=5e-4)")``.
* Row-wise ops and losses are written per sample, in index form over a symbolic
  class count ``N``: ``z[i]`` the logits, ``p[i]`` the predictions, ``t[i]`` the
  targets (one-hot or probabilities).
* The batch loss is the mean over the ``B`` samples of a batch.

>>> OPS["sigmoid"].expr
1/(1 + exp(-x))
>>> sorted(OPS)[:3]
['batch_norm', 'binary_cross_entropy', 'cross_entropy']
>>> OPS["l1_penalty"].expr
lambda_*Abs(w)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy as sp

x = sp.Symbol("x", real=True)  # the input of an elementwise op
y = sp.Symbol("y", real=True)  # its output, for derivatives written through it
w = sp.Symbol("w", real=True)  # one element of a parameter array, the input of a penalty

i, j, c = sp.symbols("i j c", integer=True, nonnegative=True)
N = sp.Symbol("N", integer=True, positive=True)  # classes
B = sp.Symbol("B", integer=True, positive=True)  # samples in a batch
z, s, p, t, g = (sp.IndexedBase(name, real=True) for name in "zsptg")

# Predictions are clipped to [EPS, 1 - EPS] before a logarithm, as in the nnfs book.
EPS = sp.Float("1e-7")


class WithParams:
    """``with_params`` for the entries that have ``params`` (activations, penalties)."""

    def with_params(self, **values: float) -> WithParams:
        """The same op with other parameter values, named after them.

        >>> OPS["leaky_relu"].with_params(alpha=0.1).name
        'leaky_relu(alpha=0.1)'
        """
        known = {symbol.name: symbol for symbol, _ in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise TypeError(f"{self.name} has no parameter {unknown[0]!r}; it has {sorted(known)}")
        params = tuple((symbol, float(values.get(symbol.name, v))) for symbol, v in self.params)
        label = ", ".join(f"{k}={float(v):g}" for k, v in values.items())
        return replace(self, name=f"{self.name}({label})", params=params)


@dataclass(frozen=True)
class Elementwise(WithParams):
    """An activation applied to every element: ``y = expr(x)``."""

    name: str
    expr: sp.Expr
    doc: str
    h0: sp.Rational = sp.S.Zero  # Heaviside(x) at 0 (Heaviside(-x) gets 1 - h0)
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


@dataclass(frozen=True)
class Penalty(WithParams):
    r"""A weight penalty :math:`R = \sum_k \phi(w_k)` over a parameter array, added to the loss.

    ``expr`` is the term :math:`\phi(w)` of one element. Its kernels are ``forward(w)``,
    the sum :math:`R` (a scalar, the nnfs book's ``regularization_loss``), and
    ``backward(w)``, the gradient :math:`\partial R / \partial w = \phi'(w)`, shaped like
    ``w``: a penalty is added to the loss itself, so no gradient comes in. A penalty is
    not an activation: no layer applies it to the data.
    """

    name: str
    expr: sp.Expr
    doc: str
    params: tuple[tuple[sp.Symbol, float], ...] = ()  # (symbol, default value) pairs


@dataclass(frozen=True)
class Masked:
    r"""An op multiplied by a random mask: inverted dropout :math:`y = m x / (1 - r)`.

    ``expr`` is a formula in ``x``, the mask ``m`` (each element 0 or 1, drawn 1 with
    probability :math:`1 - r`) and the rate ``r``. The mask is a symbol of the
    derivation, so its derivative is the mask itself, scaled. Kernels:
    ``forward(x, m, rate)`` and ``backward(m, g, rate)``; at evaluation the layer is
    the identity.
    """

    name: str
    expr: sp.Expr
    doc: str


@dataclass(frozen=True)
class Normalization:
    r"""Normalisation over a group of ``N`` values, then a learnable scale and shift.

    :math:`\hat x_i = (x_i - \mu)/\sqrt{v + \epsilon}`, :math:`y_i = \gamma \hat x_i + \beta`,
    with :math:`\mu` and :math:`v` the mean and (biased) variance of the group.
    ``axis`` says what the group is: ``"batch"`` (BatchNorm: one feature over the
    samples of a batch, ``N`` the batch size) or ``"features"`` (LayerNorm: the
    features of one sample). Kernels: ``forward(x, gamma, beta, eps, N)`` and
    ``backward(x, gamma, g, eps, N)`` -> ``(dx, dgamma, dbeta)``.
    """

    name: str
    axis: str
    doc: str


Op = Elementwise | Rowwise | Loss | Composed | Affine | Penalty | Masked | Normalization
alpha = sp.Symbol("alpha", positive=True)  # the slope / scale of leaky ReLU and ELU
lam = sp.Symbol("lambda_", positive=True)  # a penalty's strength; lambda is a Python keyword
mask = sp.Symbol("m", nonnegative=True)  # dropout's mask: 0 or 1 for each element
rate = sp.Symbol("r", nonnegative=True)  # dropout's rate, 0 <= r < 1


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
        Elementwise(
            "tanh",
            sp.tanh(x),
            "Hyperbolic tangent; tanh' = 1 - y^2, through the output.",
        ),
        Elementwise(
            "leaky_relu",
            sp.Max(0, x) + alpha * sp.Min(0, x),
            "Leaky ReLU with slope alpha below 0; LeakyReLU'(0) = alpha, as in PyTorch.",
            params=((alpha, 0.01),),
        ),
        Elementwise(
            "elu",
            sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True)),
            "Exponential linear unit; ELU'(0) = alpha (the x <= 0 branch), as in PyTorch.",
            params=((alpha, 1),),
        ),
        Elementwise(
            "softplus",
            sp.log(1 + sp.exp(x)),
            "Softplus, a smooth ReLU; evaluated as logaddexp(0, x).",
        ),
        Elementwise(
            "silu",
            x / (1 + sp.exp(-x)),
            "Sigmoid-weighted linear unit x * sigmoid(x), also called swish.",
        ),
        Elementwise(
            "gelu",
            x / 2 * (1 + sp.erf(x / sp.sqrt(2))),
            "Gaussian error linear unit x * Phi(x), erf form; evaluated through erfc.",
        ),
        Elementwise(
            "mish",
            x * sp.tanh(sp.log(1 + sp.exp(x))),
            "Mish, x * tanh(softplus(x)).",
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
        Loss(
            "mean_absolute_error",
            sp.Sum(sp.Abs(p[j] - t[j]), (j, 0, N - 1)),
            "Mean absolute error, averaged over the N outputs; its derivative sign(0) = 0.",
            per=N,
            targets="real",
        ),
        Loss(
            "huber",
            # min(|r|, 1) (|r| - min(|r|, 1)/2): r^2/2 for |r| <= 1, |r| - 1/2 beyond (delta = 1,
            # PyTorch's default); one formula, so no Piecewise for NumPy to evaluate twice.
            sp.Sum(
                sp.Min(sp.Abs(p[j] - t[j]), 1)
                * (sp.Abs(p[j] - t[j]) - sp.Min(sp.Abs(p[j] - t[j]), 1) / 2),
                (j, 0, N - 1),
            ),
            "Huber loss with delta = 1, averaged over the N outputs.",
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
        # ----- weight penalties (nnfs ch. 14), added to the loss -----
        # lambda_ = 1 by default: the kernels then give the penalty's direction, which a
        # caller scales (or a gradient checker fits) by the layer's own lambda.
        Penalty(
            "l2_penalty",
            lam * w**2,
            "L2 weight penalty lambda * sum w^2; its gradient 2 lambda w.",
            params=((lam, 1),),
        ),
        Penalty(
            "l1_penalty",
            lam * sp.Abs(w),
            "L1 weight penalty lambda * sum abs(w); its gradient lambda sign(w) with "
            "sign(0) = 0, as PyTorch and autograd give (the nnfs book's dL1[w < 0] = -1 "
            "gives +1 at 0).",
            params=((lam, 1),),
        ),
        # ----- regularisation and normalisation layers -----
        Masked(
            "dropout",
            mask * x / (1 - rate),
            "Inverted dropout (nnfs ch. 15): y = m x / (1 - r), m in {0, 1} drawn 1 with "
            "probability 1 - r; the identity at evaluation.",
        ),
        Normalization(
            "layer_norm",
            "features",
            "Layer normalisation: each sample's features to mean 0 and variance 1, then "
            "gamma_i x_hat_i + beta_i (Ba et al. 2016).",
        ),
        Normalization(
            "batch_norm",
            "batch",
            "Batch normalisation: each feature over the batch to mean 0 and variance 1, "
            "then gamma x_hat + beta; running statistics at evaluation (Ioffe & Szegedy 2015).",
        ),
    )
}


BUILT_IN = frozenset(OPS)  # symbolic.define refuses to redefine these

_WITH_PARAMS = re.compile(r"^(\w+)\((.*)\)$")


def op(name: str) -> Op:
    """The table entry called ``name``, or a ``KeyError`` listing the known ops.

    ``"leaky_relu(alpha=0.1)"`` is the entry ``leaky_relu`` with that parameter
    value (``WithParams.with_params``): a derived entry, not added to the table.

    >>> op("relu").h0
    0
    >>> op("leaky_relu(alpha=0.1)").params
    ((alpha, 0.1),)
    >>> op("l2_penalty(lambda_=5e-4)").params
    ((lambda_, 0.0005),)
    """
    if name in OPS:
        return OPS[name]
    match = _WITH_PARAMS.match(name)
    if match and isinstance(OPS.get(match[1]), WithParams):
        values = {}
        for item in filter(None, (part.strip() for part in match[2].split(","))):
            key, _, value = item.partition("=")
            if key.strip() in values:  # not the last one silently
                raise KeyError(f"{name!r}: {key.strip()} is given twice")
            try:
                values[key.strip()] = float(value)
            except ValueError:
                raise KeyError(f"{name!r}: parameters are written key=number") from None
        return OPS[match[1]].with_params(**values)
    known = ", ".join(sorted(OPS))
    raise KeyError(f"unknown op {name!r}; the table has: {known}") from None
