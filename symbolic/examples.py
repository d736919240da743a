r"""Worked numeric examples: a derived gradient at one point, against finite differences.

For each op the handout evaluates the derivation's result at a concrete point (N = 3
classes or a group of 3 for batch and layer normalisation, small explicit matrices for
the dense layer, both masks for dropout) and, beside it, the central
difference :math:`(f(a + h) - f(a - h)) / 2h` of the op's *forward* formula, with
:math:`h = 10^{-10}` and every value to 30 significant digits (SymPy's ``evalf``, that
is mpmath). The two agree to about :math:`h^2`; a wrong gradient differs in the first
digits. Nothing here imports ``numeric``: this is the symbolic side checking itself.

>>> from symbolic.ops import op
>>> example = worked_example(op("sigmoid"))
>>> [row.label_text for row in example.rows]
["sigmoid'(-0.7)", "sigmoid'(1.3)"]
>>> float(example.rows[0].derived[0, 0])  # sigma(-0.7) (1 - sigma(-0.7))
0.2217128732931...
>>> example.worst < 1e-15
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from symbolic import ops

DIGITS = 30  # significant digits of every value
H = sp.Rational(1, 10**10)  # the finite-difference step
CLASSES = 3  # N for the index-form ops
POINTS = (sp.Rational(-7, 10), sp.Rational(13, 10))  # x for an activation: each side of 0
MORE_POINTS = (sp.Rational(3, 10), sp.Rational(21, 10), sp.Rational(1, 2), sp.Rational(7, 4))


@dataclass(frozen=True)
class Row:
    """One gradient at the example's point: derived and by finite differences (matrices)."""

    label_tex: str
    label_text: str
    derived: sp.Matrix
    finite_difference: sp.Matrix

    @property
    def difference(self) -> float:
        """The largest absolute difference between the two, entry by entry."""
        gaps = (self.derived - self.finite_difference).applyfunc(abs)
        return float(max(gaps))


@dataclass(frozen=True)
class Example:
    """Where the op was evaluated (``inputs``: name, value pairs) and the gradients there."""

    inputs: tuple[tuple[str, sp.Basic], ...]
    rows: tuple[Row, ...]
    note: str = ""

    @property
    def worst(self) -> float:
        return max(row.difference for row in self.rows)


def worked_example(entry: ops.Op) -> Example | None:
    """The worked example of a table entry; ``None`` for a kind of op without one."""
    from symbolic.derivation import derivation_for

    build = _BUILDERS.get(type(entry).__name__)
    if build is None:
        return None
    return build(entry, derivation_for(entry).result)


def _value(expr: sp.Basic) -> sp.Float:
    value = sp.N(expr, DIGITS)
    if not (value.is_real and value.is_finite):
        raise ArithmeticError(f"{expr} is not a finite real number")
    return value


def _central(f: Callable[[Sequence[sp.Basic]], sp.Basic], at: Sequence[sp.Basic], k: int):
    """The central difference of ``f`` in its ``k``-th argument, each value to DIGITS."""
    up, down = list(at), list(at)
    up[k] += H
    down[k] -= H
    return sp.N((_value(f(up)) - _value(f(down))) / (2 * H), DIGITS)


def _params(entry: ops.Op) -> dict:
    """The entry's parameter values, exact: 0.01 is 1/100, not a 53-bit float."""
    return {symbol: _exact(sp.Float(v)) for symbol, v in getattr(entry, "params", ())}


def _exact(expr: sp.Basic) -> sp.Basic:
    """Floats as the decimals they print as (a derivation holds alpha = 0.01 as a Float)."""
    floats = expr.atoms(sp.Float)
    return expr.xreplace({f: sp.Rational(str(f)) for f in floats})


# ----- an activation, a penalty: one variable -----


def _elementwise(entry: ops.Elementwise, result: sp.Expr) -> Example:
    values = _params(entry)
    forward, gradient = entry.expr.subs(values), _exact(sp.sympify(result).subs(values))
    rows = []
    for a in POINTS + MORE_POINTS:  # the first two points where both are finite
        try:
            derived = _value(gradient.subs(ops.x, a).doit())
            fd = _central(lambda v: forward.subs(ops.x, v[0]), [a], 0)
        except (ArithmeticError, TypeError):
            continue
        label = _number(a)
        rows.append(
            Row(
                rf"\operatorname{{{_tex_name(entry.name)}}}'\left({label}\right)",
                f"{entry.name}'({label})",
                sp.Matrix([[derived]]),
                sp.Matrix([[fd]]),
            )
        )
        if len(rows) == 2:
            break
    if not rows:
        raise ArithmeticError(f"{entry.name}: no point where the op and its gradient are finite")
    return Example((), tuple(rows))


def _penalty(entry: ops.Penalty, result: sp.Expr) -> Example:
    values = _params(entry)
    term, gradient = entry.expr.subs(values), _exact(sp.sympify(result).subs(values))
    point = list(POINTS)
    total = lambda v: sum(term.subs(ops.w, vk) for vk in v)  # noqa: E731 - R(w), the sum
    derived = sp.Matrix([[_value(gradient.subs(ops.w, a)) for a in point]])
    fd = sp.Matrix([[_central(total, point, k) for k in range(len(point))]])
    row = Row(r"\frac{\partial R}{\partial w}", "dR/dw", derived, fd)
    return Example((("w", sp.Matrix([point])),), (row,))


def _masked(entry: ops.Op, result: sp.Expr) -> Example:
    """Dropout: dL/dx = g dy/dx at x = 1.3 with rate r = 1/4, the mask m = 1 and m = 0,
    and the gradient arriving g = 1 (so the finite difference is that of y itself)."""
    rate, arriving, a = sp.Rational(1, 4), sp.Integer(1), POINTS[1]
    rows = []
    for m in (1, 0):
        named = {"m": m, "r": rate, "g": arriving}

        def at(expr: sp.Basic, named: dict = named) -> sp.Basic:
            symbols = sp.sympify(expr).free_symbols
            return expr.xreplace({s: named[s.name] for s in symbols if s.name in named})

        forward = at(entry.expr)
        derived = _value(at(result).subs(ops.x, a))
        fd = _central(lambda v, forward=forward: forward.subs(ops.x, v[0]), [a], 0)
        rows.append(
            Row(
                rf"\frac{{\partial L}}{{\partial x}},\ m = {m}",
                f"dL/dx at x = {_number(a)}, m = {m}",
                sp.Matrix([[derived]]),
                sp.Matrix([[fd]]),
            )
        )
    inputs = tuple((name, sp.Matrix([[v]])) for name, v in (("x", a), ("r", rate), ("g", arriving)))
    return Example(inputs, tuple(rows))


# ----- index form: softmax, the losses, softmax + cross-entropy, at N = 3 -----

Z_POINT = (sp.Rational(1, 2), sp.Integer(-1), sp.Integer(2))
# predictions and targets per kind of loss: away from every kink (|p - t| != 0, 1)
P_POINT = {
    "onehot": ((sp.Rational(1, 5), sp.Rational(1, 2), sp.Rational(3, 10)), (0, 1, 0)),
    "binary": ((sp.Rational(1, 5), sp.Rational(7, 10), sp.Rational(2, 5)), (0, 1, 1)),
    "real": (
        (sp.Rational(3, 10), sp.Rational(-9, 10), sp.Rational(5, 2)),
        (0, sp.Rational(1, 2), 1),
    ),
}


def _explicit(expr: sp.Expr, base: sp.IndexedBase, values: Sequence[sp.Basic]) -> sp.Expr:
    """``expr`` at N = 3 with ``base[k]`` set to ``values[k]``."""
    written = expr.subs(ops.N, CLASSES).doit()
    return written.subs({base[k]: v for k, v in enumerate(values)})


def _softmax_values(entry: ops.Rowwise, z: Sequence[sp.Basic]) -> list[sp.Basic]:
    return [_explicit(entry.expr.subs(ops.i, r), ops.z, z) for r in range(CLASSES)]


def _at(result: sp.Expr, **indices: int) -> sp.Expr:
    at = {getattr(ops, name): value for name, value in indices.items()}
    return result.subs(at).subs(ops.N, CLASSES).doit()


def _rowwise(entry: ops.Rowwise, result: sp.Expr) -> Example:
    z = list(Z_POINT)
    s = [_value(v) for v in _softmax_values(entry, z)]
    derived, fd = sp.zeros(CLASSES), sp.zeros(CLASSES)
    for r in range(CLASSES):
        row_of = lambda v, r=r: _softmax_values(entry, v)[r]  # noqa: E731
        for c in range(CLASSES):
            entry_ic = _at(result, i=r, c=c).subs({ops.s[k]: s[k] for k in range(CLASSES)})
            derived[r, c] = _value(entry_ic)
            fd[r, c] = _central(row_of, z, c)
    label = Row(r"\frac{\partial s_i}{\partial z_c}", "ds_i/dz_c", derived, fd)
    return Example((("z", sp.Matrix([z])),), (label,))


def _loss(entry: ops.Loss, result: sp.Expr) -> Example:
    p, t = P_POINT[entry.targets]
    p, t = list(p), [sp.sympify(v) for v in t]
    ell = (entry.expr / entry.per).subs(ops.N, CLASSES).doit()
    ell = ell.subs({ops.t[k]: t[k] for k in range(CLASSES)})
    loss = lambda v: ell.subs({ops.p[k]: v[k] for k in range(CLASSES)})  # noqa: E731
    given = {ops.p[k]: p[k] for k in range(CLASSES)} | {ops.t[k]: t[k] for k in range(CLASSES)}
    derived = sp.Matrix([[_value(_at(result, c=c).subs(given)) for c in range(CLASSES)]])
    fd = sp.Matrix([[_central(loss, p, c) for c in range(CLASSES)]])
    row = Row(r"\frac{\partial \ell}{\partial p_c}", "d ell/dp_c", derived, fd)
    return Example((("p", sp.Matrix([p])), ("t", sp.Matrix([t]))), (row,))


def _composed(entry: ops.Composed, result: sp.Expr) -> Example:
    activation, loss_entry = ops.OPS[entry.activation], ops.OPS[entry.loss]
    z, t = list(Z_POINT), [sp.Integer(v) for v in P_POINT["onehot"][1]]
    ell = (loss_entry.expr / loss_entry.per).subs(ops.N, CLASSES).doit()
    ell = ell.subs({ops.t[k]: t[k] for k in range(CLASSES)})

    def loss(v: Sequence[sp.Basic]) -> sp.Basic:
        probabilities = _softmax_values(activation, v)
        return ell.subs({ops.p[k]: probabilities[k] for k in range(CLASSES)})

    s = [_value(v) for v in _softmax_values(activation, z)]
    given = {ops.s[k]: s[k] for k in range(CLASSES)} | {ops.t[k]: t[k] for k in range(CLASSES)}
    derived = sp.Matrix([[_value(_at(result, c=c).subs(given)) for c in range(CLASSES)]])
    fd = sp.Matrix([[_central(loss, z, c) for c in range(CLASSES)]])
    row = Row(r"\frac{\partial \ell}{\partial z_c}", "d ell/dz_c", derived, fd)
    return Example((("z", sp.Matrix([z])), ("t", sp.Matrix([t]))), (row,))


# ----- batch and layer normalisation: a group of N = 3 -----

NORM_POINT = {  # x-hat has no zero entry: each dL/dgamma_c is seen
    "x": (sp.Rational(1, 2), sp.Integer(-1), sp.Rational(5, 2)),
    "g": (sp.Rational(3, 10), sp.Rational(-1, 5), sp.Rational(7, 10)),
    "gamma": (sp.Rational(3, 2), sp.Rational(1, 2), sp.Integer(-1)),
    "beta": (sp.Rational(1, 10), sp.Rational(-1, 5), sp.Rational(3, 10)),
}
EPSILON_VALUE = sp.Rational(1, 10**5)  # PyTorch's default


def _normalization(entry: ops.Op, result: tuple) -> Example:
    """L = sum_i g_i y_i with y the normalised group (symbolic.normalization.full writes
    x-hat, sigma and the mean in the inputs); its gradients in x, gamma and beta."""
    from symbolic import normalization as norm

    per = norm.per_element(entry)
    size = CLASSES
    point = {name: list(v) if per or name in "xg" else [v[0]] for name, v in NORM_POINT.items()}
    variables = {
        "x": [norm.X[k] for k in range(size)],
        "gamma": [norm.GAMMA_I[k] for k in range(size)] if per else [norm.GAMMA],
        "beta": [norm.BETA_I[k] for k in range(size)] if per else [norm.BETA],
    }
    fixed = {ops.g[k]: point["g"][k] for k in range(size)} | {norm.EPSILON: EPSILON_VALUE}

    def written(expr: sp.Basic) -> sp.Basic:  # at N = 3, every sum written out
        return norm.full(expr, per).subs(ops.N, size).doit().subs(fixed)

    i = ops.i
    loss = written(
        sp.Sum(
            (norm.shift(entry, i) + norm.scale(entry, i) * norm.XH[i]) * ops.g[i], (i, 0, ops.N - 1)
        )
    )
    everything = {
        s: v for name in variables for s, v in zip(variables[name], point[name], strict=True)
    }
    rows = []
    for (name, symbols), gradient in zip(variables.items(), result, strict=True):

        def at(values, name=name, symbols=symbols):
            return loss.subs(everything | dict(zip(symbols, values, strict=True)))

        indexed = gradient.has(ops.c)
        derived = [
            _value(written(gradient.subs(ops.c, k) if indexed else gradient).subs(everything))
            for k in range(len(symbols))
        ]
        fd = [_central(at, point[name], k) for k in range(len(symbols))]
        label = {
            "x": r"x_c",
            "gamma": r"\gamma_c" if per else r"\gamma",
            "beta": r"\beta_c" if per else r"\beta",
        }[name]
        rows.append(
            Row(
                rf"\frac{{\partial L}}{{\partial {label}}}",
                f"dL/d{name}",
                sp.Matrix([derived]),
                sp.Matrix([fd]),
            )
        )
    inputs = tuple((name, sp.Matrix([values])) for name, values in point.items())
    inputs += (("epsilon", sp.Matrix([[EPSILON_VALUE]])),)
    return Example(inputs, tuple(rows), note="L = sum_i g_i y_i, g the gradient arriving at y")


# ----- the dense layer: explicit matrices -----

DENSE_SHAPES = (2, 3, 2)  # (m, n, k): X is m x n, W is n x k, b is 1 x k, G is m x k


def _matrix(rows: int, cols: int, start: int) -> sp.Matrix:
    """Small distinct fractions, some negative: (-1)^e (e + start) / 10."""
    return sp.Matrix(
        rows, cols, lambda r, c: (-1) ** (r + c) * sp.Rational(r * cols + c + start, 10)
    )


def _affine(entry: ops.Affine, result: tuple) -> Example:
    from symbolic.matrix import G, W, X, b, k, m, n

    shapes = dict(zip((m, n, k), DENSE_SHAPES, strict=True))
    sizes = {M: M.subs(shapes).shape for M in (X, W, b, G)}
    starts = {X: 1, W: 3, b: 5, G: 2}  # distinct entries in each matrix
    values = {M: _matrix(*sizes[M], start=start) for M, start in starts.items()}
    shaped = {M.subs(shapes): value for M, value in values.items()}  # X is then 2 x 3
    loss_of = {  # L = tr(G^T (X W + 1 b)) as a function of one matrix's entries
        M: lambda v, M=M: _dense_loss({**values, M: sp.Matrix(*sizes[M], list(v))})
        for M in (X, W, b)
    }
    rows = []
    for M, gradient in zip((X, W, b), result, strict=True):
        explicit = gradient.subs(shapes).subs(shaped).doit().as_explicit()
        flat = list(values[M])
        fd = [_central(loss_of[M], flat, e) for e in range(len(flat))]
        rows.append(
            Row(
                rf"\frac{{\partial L}}{{\partial {M.name}}}",
                f"dL/d{M.name}",
                explicit.applyfunc(_value),
                sp.Matrix(*sizes[M], fd),
            )
        )
    inputs = tuple((M.name, values[M]) for M in (X, W, b, G))
    return Example(inputs, tuple(rows), note="L = tr(G^T Y), G the gradient arriving at Y")


def _dense_loss(values: dict) -> sp.Basic:
    from symbolic.matrix import G, W, X, b

    ones = sp.ones(values[X].rows, 1)
    y = values[X] * values[W] + ones * values[b]
    return (values[G].T * y).trace()


_BUILDERS = {
    "Elementwise": _elementwise,
    "Penalty": _penalty,
    "Rowwise": _rowwise,
    "Loss": _loss,
    "Composed": _composed,
    "Affine": _affine,
    "Masked": _masked,
    "Normalization": _normalization,
}


def _number(value: sp.Basic) -> str:
    return f"{float(value):g}"


def _tex_name(name: str) -> str:
    return name.replace("_", r"\_")
