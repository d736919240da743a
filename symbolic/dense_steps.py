r"""The dense layer's derivation, by matrix calculus and again entry by entry.

**Matrix calculus.** With ``G`` the gradient arriving at :math:`Y = XW + \mathbf{1}b`,

* the differential of ``Y`` is :math:`dY = dX\,W + X\,dW + \mathbf{1}\,db` (expand the
  change of ``Y`` and drop the second-order term :math:`dX\,dW`);
* the chain rule is :math:`dL = \operatorname{tr}(G^\top dY)`;
* linearity, the cyclic rule :math:`\operatorname{tr}(ABC) = \operatorname{tr}(CAB)` and
  the transpose rule :math:`(AB)^\top = B^\top A^\top` bring every term to the form
  :math:`\operatorname{tr}(A^\top dX)`;
* the gradient is read off: :math:`dL = \operatorname{tr}(A^\top dX) + \dots` means
  :math:`\partial L/\partial X = A`.

``TraceForm`` proves these steps for all shapes: it expands both sides, splits each
trace over its terms, and compares the terms up to the trace's two symmetries
(rotation of a product, transposition); it confirms each step entry by entry on
explicit shapes too.

**Entry by entry.** :math:`Y_{rj} = \sum_l X_{rl} W_{lj} + b_j`; the chain rule sums
:math:`G_{rj}\,\partial Y_{rj}/\partial W_{pq}` over the batch ``r`` and the outputs
``j``; Kronecker deltas keep one term. ``EntryForm`` writes these steps out on explicit
shapes and proves them for every entry.

>>> from symbolic.matrix import G, W, X
>>> trace_terms(sp.Trace(G.T * X * W)) == trace_terms(sp.Trace(W * G.T * X))
True
>>> trace_terms(sp.Trace(G.T * X * W)) == trace_terms(sp.Trace(X * G.T * W))
False
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from symbolic.derived import Section, Step
from symbolic.matrix import G, W, X, Y, b, k, m, n
from symbolic.proof import NotEqual
from symbolic.reasons import Math, because

dX, dW, db = (sp.MatrixSymbol(f"d{M.name}", *M.shape) for M in (X, W, b))
dY = sp.MatrixSymbol("dY", m, k)
dL = sp.Symbol("dL")
ONES, ONES_T = sp.OneMatrix(m, 1), sp.OneMatrix(1, m)
SHAPES = ((1, 1, 1), (2, 3, 4))  # (m, n, k): X is m x n, W is n x k
r, j, ell, p, q = sp.symbols("r j l p q", integer=True, nonnegative=True)


def _shapes() -> str:
    return ", ".join(f"{a}x{b_}·{b_}x{c}" for a, b_, c in SHAPES)


# ----- proving matrix identities for all shapes -----


def _factor_key(factor: sp.MatrixExpr) -> tuple[str, bool]:
    """A factor of a product: a matrix symbol, its transpose, or a vector of ones."""
    if isinstance(factor, sp.Transpose) and isinstance(factor.arg, sp.MatrixSymbol):
        return (factor.arg.name, True)
    if isinstance(factor, sp.MatrixSymbol):
        return (factor.name, False)
    if isinstance(factor, sp.OneMatrix):
        rows, cols = factor.shape
        return (f"ones({rows})" if cols == 1 else f"ones({cols})", rows == 1)
    raise ValueError(f"not a factor trace_terms knows: {factor}")


def _products(expr: sp.MatrixExpr) -> list[tuple[sp.Expr, tuple]]:
    """``expr`` expanded: ``(coefficient, factors)`` for each term."""
    expanded = sp.expand(expr.doit())
    terms = []
    for term in sp.MatAdd.make_args(expanded):
        if isinstance(term, sp.ZeroMatrix) or term == 0:
            continue
        if isinstance(term, sp.MatMul):
            coefficient, matrices = term.as_coeff_matrices()
        else:
            coefficient, matrices = sp.S.One, [term]
        terms.append((coefficient, tuple(_factor_key(f) for f in matrices)))
    return terms


def _transposed(factors: tuple) -> tuple:
    return tuple((name, not flag) for name, flag in reversed(factors))


def trace_terms(expr: sp.Expr) -> Counter:
    """A scalar sum of traces as ``{canonical product: coefficient}``.

    A product under a trace is keyed by the least of its rotations and of theirs
    transposed: :math:`\\operatorname{tr}(AB) = \\operatorname{tr}(BA)` and
    :math:`\\operatorname{tr}(A^\\top) = \\operatorname{tr}(A)`.
    """
    terms: Counter = Counter()
    for term in sp.Add.make_args(sp.expand(expr)):
        coefficient, rest = term.as_coeff_Mul()
        if not isinstance(rest, sp.Trace):
            raise ValueError(f"not a sum of traces: {expr}")
        for inner, factors in _products(rest.arg):
            rotations = [factors[s:] + factors[:s] for s in range(len(factors))]
            key = min(rotations + [_transposed(f) for f in rotations])
            terms[key] += coefficient * inner
    return +Counter({key: value for key, value in terms.items() if value != 0})


def matrix_terms(expr: sp.MatrixExpr) -> Counter:
    """A matrix expression expanded as ``{product: coefficient}`` (order matters)."""
    terms: Counter = Counter()
    for coefficient, factors in _products(expr):
        terms[factors] += coefficient
    return Counter({key: value for key, value in terms.items() if value != 0})


def _read_off(expr: sp.Derivative) -> sp.MatrixExpr:
    """The gradient a differential reads off: ``d(sum of traces)/d(dV)``, by SymPy.

    Term by term: SymPy 1.14 gives 0 for the derivative of a sum of traces of which
    one holds ``dV`` and another does not.
    """
    variable = expr.variables[0]
    terms = [term.diff(variable) for term in sp.Add.make_args(expr.expr)]
    terms = [t for t in terms if not (t == 0 or isinstance(t, sp.ZeroMatrix))]
    return sp.MatAdd(*terms) if terms else sp.ZeroMatrix(*variable.shape)


def _symbolic(a: sp.Basic, b_: sp.Basic) -> bool:
    if isinstance(a, sp.Derivative):
        a = _read_off(a)
    if isinstance(a, sp.MatrixExpr) != isinstance(b_, sp.MatrixExpr):
        return False
    if isinstance(a, sp.MatrixExpr):
        return a.shape == b_.shape and matrix_terms(a) == matrix_terms(b_)
    return trace_terms(a) == trace_terms(b_)


def _entries_of(expr: sp.Basic, at: dict) -> sp.Basic:
    """``expr`` on the shapes ``at``, each matrix symbol an explicit matrix of its entries."""
    sized = expr.xreplace(at)
    explicit = {
        M: sp.ImmutableMatrix(*M.shape, lambda a, c, M=M: M[a, c])
        for M in sized.atoms(sp.MatrixSymbol)
    }
    explicit |= {o: sp.ImmutableMatrix(sp.ones(*o.shape)) for o in sized.atoms(sp.OneMatrix)}
    return sized.xreplace(explicit).doit()


def explicit(expr: sp.Basic, at: dict) -> sp.Matrix:
    """``expr`` on explicit shapes: a matrix of its entries (a 1 x 1 one for a scalar)."""
    if isinstance(expr, sp.Derivative):
        scalar = explicit(expr.expr, at)[0, 0]
        wrt = _entries_of(expr.variables[0], at)
        return sp.Matrix(wrt.rows, wrt.cols, lambda a, c: sp.diff(scalar, wrt[a, c]))
    value = _entries_of(expr, at)
    if isinstance(value, sp.MatrixExpr):
        value = value.as_explicit()
    return sp.Matrix(value) if isinstance(value, sp.MatrixBase) else sp.Matrix([[value]])


def _entries(a: sp.Basic, b_: sp.Basic) -> None:
    """Check ``a == b`` entry by entry on each of ``SHAPES``; raise ``NotEqual`` if not."""
    for shape in SHAPES:
        at = {v: sp.Integer(size) for v, size in zip((m, n, k), shape, strict=True)}
        left, right = explicit(a, at), explicit(b_, at)
        if left.shape != right.shape:
            raise NotEqual(f"{a} and {b_} have shapes {left.shape} and {right.shape}")
        for u, v in zip(left, right, strict=True):
            if sp.expand(u - v) != 0:
                raise NotEqual(f"{a} and {b_} differ on shape {shape}: {u} and {v}")


@dataclass(frozen=True)
class TraceForm:
    """Matrix expressions and sums of traces: proven for all shapes, confirmed on some."""

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        from symbolic.verify import substitute

        a, b_ = substitute(previous, given), substitute(current, given)
        _entries(a, b_)  # a step false on explicit shapes is false
        if _symbolic(a, b_):
            return (
                "expand, tr(AB) = tr(BA), tr(A^T) = tr(A), for all shapes; "
                f"entry by entry on shapes {_shapes()}"
            )
        return f"entry by entry on shapes {_shapes()}"


# ----- entry by entry: sums with Kronecker deltas, on explicit shapes -----


def _index_ranges(exprs: tuple[sp.Basic, ...]) -> dict:
    """Each free index and how many values it takes, from the matrices it indexes."""
    bound = {limit[0] for e in exprs for total in e.atoms(sp.Sum) for limit in total.limits}
    ranges = {}
    for expr in exprs:
        for element in expr.atoms(MatrixElement):
            for index, size in zip(element.indices, element.parent.shape, strict=True):
                if isinstance(index, sp.Symbol) and index not in bound:
                    ranges[index] = size
    return ranges


def _deltas_first(expr: sp.Basic) -> sp.Basic:
    """Each multiple sum with the index of a Kronecker delta summed first (innermost),
    so that ``doit`` collapses it."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    expr = expr.func(*(_deltas_first(arg) for arg in expr.args))
    if isinstance(expr, sp.Sum) and len(expr.limits) > 1:
        deltas = {v for d in expr.function.atoms(sp.KroneckerDelta) for v in d.args[:2]}
        limits = sorted(expr.limits, key=lambda limit: limit[0] not in deltas)
        expr = sp.Sum(expr.function, *limits)
    return expr


def _dummies_renamed(expr: sp.Basic) -> sp.Basic:
    """Each summation index renamed by its depth and place among the sum's limits, so
    that two expressions that differ only in the names of their summation indices
    compare equal (and equal sums stay equal wherever they stand)."""

    def rename(node: sp.Basic, depth: int) -> sp.Basic:
        if isinstance(node, sp.Sum):
            body, limits = node.function, []
            for place, (variable, *bounds) in enumerate(node.limits):
                new = sp.Symbol(f"_s{depth}_{place}", integer=True)
                body = body.xreplace({variable: new})
                limits.append((new, *bounds))
            return sp.Sum(rename(body, depth + 1), *limits)
        if not node.args:
            return node
        return node.func(*(rename(arg, depth) for arg in node.args))

    return rename(expr, 0)


def settled(expr: sp.Basic) -> sp.Basic:
    """Sums and derivatives done, Kronecker deltas collapsed, indices taken in range."""
    from symbolic.vector import in_range

    for _ in range(4):
        done = in_range(_deltas_first(expr).doit())
        if done == expr:
            break
        expr = done
    return _dummies_renamed(expr)


@dataclass(frozen=True)
class EntryForm:
    """Index formulas over matrix entries: sums done by SymPy for all shapes where it can
    (indices taken in range), and every entry written out on explicit shapes."""

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        from symbolic.verify import substitute

        a, b_ = substitute(previous, given), substitute(current, given)
        self._written_out(previous, current, a, b_)
        if sp.expand(settled(a) - settled(b_)) == 0:
            return (
                "doit, Kronecker deltas collapsed, for all shapes (indices in range); "
                f"entry by entry on shapes {_shapes()}"
            )
        return f"entry by entry on shapes {_shapes()}, every index"

    @staticmethod
    def _written_out(previous: sp.Basic, current: sp.Basic, a: sp.Basic, b_: sp.Basic) -> None:
        for shape in SHAPES:
            at = {v: sp.Integer(size) for v, size in zip((m, n, k), shape, strict=True)}
            sized = (a.xreplace(at), b_.xreplace(at))
            ranges = _index_ranges(sized)
            names = sorted(ranges, key=str)
            for values in itertools.product(*(range(int(ranges[v])) for v in names)):
                point = dict(zip(names, values, strict=True))
                left, right = (e.xreplace(point).doit() for e in sized)
                if sp.expand(left - right) != 0:
                    raise NotEqual(f"{previous} and {current} differ at {point} on {shape}")


# ----- the sections -----

TRACE_CHAIN = Math(
    "dL = sum_rj G_rj dY_rj = tr(G^T dY)",
    r"dL = \sum_{r,j} G_{rj}\, dY_{rj} = \operatorname{tr}\left(G^{\top} dY\right)",
)
LINEAR = Math(
    "tr(A + B) = tr(A) + tr(B)",
    r"\operatorname{tr}(A + B) = \operatorname{tr}(A) + \operatorname{tr}(B)",
)
CYCLIC = Math("tr(ABC) = tr(CAB)", r"\operatorname{tr}(ABC) = \operatorname{tr}(CAB)")
TRANSPOSE = Math("(AB)^T = B^T A^T", r"(AB)^{\top} = B^{\top} A^{\top}")
READ_OFF = Math(
    "dL = tr((dL/dX)^T dX) + tr((dL/dW)^T dW) + tr((dL/db)^T db)",
    r"dL = \operatorname{tr}\left(\frac{\partial L}{\partial X}^{\top} dX\right)"
    r" + \operatorname{tr}\left(\frac{\partial L}{\partial W}^{\top} dW\right)"
    r" + \operatorname{tr}\left(\frac{\partial L}{\partial b}^{\top} db\right)",
)


def _mul(*factors: sp.MatrixExpr) -> sp.MatrixExpr:
    return sp.MatMul(*factors, evaluate=False)


def matrix_sections() -> tuple[Section, ...]:
    """``Y``, ``dY``, ``dL`` and the three gradients read off ``dL``."""
    checker = TraceForm()
    definition = Section(
        sp.Symbol("Y"),
        (
            because(
                Y,
                "definition; ",
                Math("1", r"\mathbf{1}_{m}"),
                " is the column of m ones, so b is added to every row",
            ),
        ),
        checker,
    )
    change = (X + dX) * (W + dW) + ONES * (b + db) - (X * W + ONES * b) - dX * dW
    differential = dX * W + X * dW + ONES * db
    d_y = Section(
        dY,
        (
            Step(
                change,
                "the change of Y when X, W, b change by dX, dW, db, less the second-order "
                "term dX dW",
            ),
            Step(differential, "expand the products; X W and 1 b cancel"),
        ),
        checker,
    )
    linear = sp.Add(
        sp.Trace(_mul(G.T, dX, W)), sp.Trace(_mul(G.T, X, dW)), sp.Trace(_mul(G.T, ONES, db))
    )
    cyclic = sp.Add(
        sp.Trace(_mul(W, G.T, dX)), sp.Trace(_mul(G.T, X, dW)), sp.Trace(_mul(G.T, ONES, db))
    )
    read_off = {
        dX: G * W.T,
        dW: X.T * G,
        db: ONES_T * G,
    }
    transposed = sp.Add(*(sp.Trace(_mul(sp.Transpose(A), d)) for d, A in read_off.items()))
    d_l = Section(
        dL,
        (
            because(
                sp.Trace(G.T * dY),
                "chain rule, with G = dL/dY held fixed: ",
                TRACE_CHAIN,
            ),
            Step(sp.Trace(G.T * differential), "substitute dY", {dY: differential}),
            because(linear, "linearity of the trace: ", LINEAR),
            because(
                cyclic,
                "cyclic rule: ",
                CYCLIC,
                ", so that dX stands last, as dW and db do",
            ),
            because(
                transposed,
                "transpose rule: ",
                TRANSPOSE,
                " and ",
                Math("(A^T)^T = A", r"(A^{\top})^{\top} = A"),
            ),
        ),
        checker,
    )
    gradients = []
    for (d, gradient), V in zip(read_off.items(), (X, W, b), strict=True):
        start = because(
            sp.Derivative(transposed, d),
            "read off: ",
            READ_OFF,
            f" defines the gradients: dL/d{V.name} is the coefficient of d{V.name}",
        )
        d_v = f"d{V.name}"
        rule = Math(
            f"d tr(A^T {d_v})/d({d_v}) = A",
            rf"\frac{{\partial}}{{\partial\, {d_v}}} \operatorname{{tr}}(A^{{\top}} {d_v}) = A",
        )
        end = because(gradient, rule, f"; the other terms hold no d{V.name}")
        gradients.append(Section(sp.Derivative(sp.Symbol("L"), V), (start, end), checker))
    return (definition, d_y, d_l, *gradients)


def _entry_view(
    V: sp.MatrixSymbol, deltas: sp.Expr, collapsed: sp.Expr, product: sp.MatrixExpr, why: str
) -> Section:
    """``dL/dV_pq`` by the chain rule over the entries of ``Y``."""
    entry = V[0, q] if V.shape[0] == 1 else V[p, q]
    Y_rj = sp.MatrixSymbol("Y", m, k)[r, j]
    definition = sp.Sum(X[r, ell] * W[ell, j], (ell, 0, n - 1)) + b[0, j]
    over_batch = ((j, 0, k - 1), (r, 0, m - 1))
    steps = (
        because(
            sp.Sum(G[r, j] * sp.Derivative(Y_rj, entry), *over_batch),
            "chain rule: L depends on ",
            entry,
            " through every ",
            Y_rj,
            ", and ",
            Math("G_rj = dL/dY_rj", r"G_{rj} = \partial L / \partial Y_{rj}"),
        ),
        because(
            sp.Sum(G[r, j] * deltas, *over_batch),
            "differentiate ",
            sp.Eq(Y_rj, definition, evaluate=False),
            f": {why}",
            given={Y_rj: definition},
        ),
        Step(collapsed, "each Kronecker delta keeps the one term where its indices agree"),
        Step(
            MatrixElement(product, *((0, q) if V.shape[0] == 1 else (p, q))),
            "a sum over the inner index is an entry of a matrix product",
        ),
    )
    return Section(sp.Derivative(sp.Symbol("L"), entry), steps, EntryForm())


def entry_sections() -> tuple[Section, ...]:
    """The second view: ``Y_rj = sum_l X_rl W_lj + b_j``, and each gradient entry by entry."""
    delta = sp.KroneckerDelta
    Y_rj = sp.MatrixSymbol("Y", m, k)[r, j]
    definition = Section(
        Y_rj,
        (
            Step(MatrixElement(X * W + ONES * b, r, j), "entry (r, j) of Y = X W + 1 b"),
            Step(
                sp.Sum(X[r, ell] * W[ell, j], (ell, 0, n - 1)) + b[0, j],
                "an entry of a matrix product is a sum over the inner index l",
            ),
        ),
        EntryForm(),
    )
    return (
        definition,
        _entry_view(
            X,
            sp.Sum(delta(r, p) * delta(ell, q) * W[ell, j], (ell, 0, n - 1)),
            sp.Sum(G[p, j] * W[q, j], (j, 0, k - 1)),
            G * W.T,
            "dX_rl/dX_pq = 1 when (r, l) = (p, q), else 0; W and b hold no X",
        ),
        _entry_view(
            W,
            sp.Sum(X[r, ell] * delta(ell, p) * delta(j, q), (ell, 0, n - 1)),
            sp.Sum(G[r, q] * X[r, p], (r, 0, m - 1)),
            X.T * G,
            "dW_lj/dW_pq = 1 when (l, j) = (p, q), else 0",
        ),
        _entry_view(
            b,
            delta(j, q),
            sp.Sum(G[r, q], (r, 0, m - 1)),
            ONES_T * G,
            "db_j/db_q = 1 when j = q, else 0: every sample's row gets the same b",
        ),
    )
