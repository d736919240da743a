r"""Grading the dense layer's gradients (matrix formulas); softmax's is ``grade_softmax``.

**Dense**, :math:`Y = XW + \mathbf{1}b` with ``X`` (m x n), ``W`` (n x k), ``b`` (1 x k)
and ``G`` = :math:`\partial L/\partial Y` (m x k); ``wrt`` names the gradient: ``"X"``
(:math:`GW^\top`), ``"W"`` (:math:`X^\top G`) or ``"b"`` (:math:`\mathbf{1}^\top G`). A
formula is a matrix expression: ``*`` and ``@`` are the matrix product, ``M.T`` the
transpose (the one attribute allowed), ``dot(A, B)``, ``sum(G, axis=0)`` (a 1 x k row),
``ones(1, m)`` with ``m``, ``n``, ``k`` the sizes. It is evaluated on matrices of
symbols of the shapes 3x4 and 4x2 (every size different, so a transpose in the wrong
place cannot fit) and compared entry by entry, exactly.

>>> from symbolic.ops import op
>>> grade(op("dense"), "X.T @ G", "W").equal
True
>>> print(grade(op("dense"), "X*G", "W").explanation)  # doctest: +ELLIPSIS
X*G: the shapes do not fit, (m x n)*(m x k): X is m x n, W n x k, b 1 x k and G m x k; ...
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import sympy as sp

if TYPE_CHECKING:
    from symbolic.check import CheckResult

SIZES = {"m": 3, "n": 4, "k": 2}  # all different: a misplaced transpose cannot fit
LETTERS = {3: "m", 4: "n", 2: "k", 1: "1"}
MOST_MATRICES = 8  # matrix names in a dense formula: X.T*G needs 2; products expand fast


def count_in(formula: str, names: set[str], calls: set[str]) -> tuple[int, int]:
    """How many of ``names`` and calls of ``calls`` a formula holds (0, 0 if it is no formula:
    the parser says why)."""
    import ast

    try:
        tree = ast.parse(formula.strip().replace("^", "**"), mode="eval")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return 0, 0
    nodes = list(ast.walk(tree))
    named = sum(isinstance(n, ast.Name) and n.id in names for n in nodes)
    called = sum(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in calls
        for n in nodes
    )
    return named, called


def grade(entry: object, formula: str, wrt: str | None) -> CheckResult:
    """The ``CheckResult`` of ``formula`` against softmax's or dense's gradient."""
    from symbolic.ops import Affine

    if isinstance(entry, Affine):
        return _dense(entry.name, formula, wrt)
    from symbolic.grade_softmax import grade_softmax

    return grade_softmax(entry.name, formula)


def parse_formula(formula: str, names: dict, grammar: object) -> sp.Basic:
    from symbolic.check import FormulaError
    from symbolic.formula import parse

    try:
        return parse(formula, names, grammar)
    except ValueError as error:  # a ShapeError is one: the caller catches it first
        if isinstance(error, sp.ShapeError):
            raise
        raise FormulaError(str(error)) from None


# ----- dense -----


def _matrices() -> dict[str, sp.ImmutableMatrix]:
    m, n, k = SIZES["m"], SIZES["n"], SIZES["k"]

    def named(letter: str, rows: int, cols: int) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix(rows, cols, lambda r, c: sp.Symbol(f"{letter}{r}{c}", real=True))

    return {
        "X": named("X", m, n),
        "W": named("W", n, k),
        "b": named("b", 1, k),
        "G": named("G", m, k),
    }


def _dense(name: str, formula: str, wrt: str | None) -> CheckResult:
    from symbolic.check import CheckResult, FormulaError
    from symbolic.formula import Grammar
    from symbolic.notation import grammar, notes

    if wrt not in ("X", "W", "b"):
        raise FormulaError(
            "dense has three gradients: say which with wrt='X' (G*W.T), wrt='W' (X.T*G) "
            f"or wrt='b' (sum(G, axis=0)); got wrt={wrt!r}"
        )
    names: dict = _matrices() | {letter: sp.Integer(size) for letter, size in SIZES.items()}
    if (
        isinstance(formula, str)
        and count_in(formula, {"X", "W", "b", "G"}, set())[0] > MOST_MATRICES
    ):
        raise FormulaError(
            f"a dense gradient names at most {MOST_MATRICES} matrices (X.T*G names two)"
        )
    ones = (_ones, 2, 2)
    calls = {
        "ones": ones,
        "dot": (lambda a, b: a * b, 2, 2),
        "transpose": (lambda a: a.T, 1, 1),
        "sum": (_sum, 1, 1),
    }
    base = grammar(names)  # the matrix calls alone: exp, sigmoid... take no matrix
    extras = Grammar(
        calls=calls, constants=base.constants, caret=True, matrices=True,
        keywords=frozenset({"sum"}),
    )  # fmt: skip
    X, W, G = names["X"], names["W"], names["G"]
    truth = {"X": G * W.T, "W": X.T * G, "b": sp.ones(1, SIZES["m"]) * G}[wrt]
    shown = {"X": "G*W.T", "W": "X.T*G", "b": "ones(1, m)*G"}[wrt]
    read = notes(formula)

    def refused(explanation: str) -> CheckResult:
        return CheckResult(
            name, formula.strip(), shown, False, "differ", explanation=explanation, notes=read
        )

    try:
        parsed = parse_formula(formula, names, extras)
    except sp.ShapeError as error:
        return refused(f"{formula}: the shapes do not fit, {_shapes(error)}{_LEGEND}")
    except TypeError:
        return refused(f"{formula}: adds or compares a number and a matrix{_LEGEND}")
    if not isinstance(parsed, sp.MatrixBase):
        return refused(
            f"your formula is a number, the gradient dL/d{wrt} is a {_shape(truth)} matrix"
            + ("; sum over the batch only, sum(G, axis=0)" if wrt == "b" else "")
        )
    if parsed.shape != truth.shape:
        hint = (
            "; sum over the batch, sum(G, axis=0)" if wrt == "b" and parsed.shape == G.shape else ""
        )
        hint = hint or ("; transpose it" if parsed.shape == truth.T.shape else "")
        return refused(
            f"your formula is {_shape(parsed)}, the gradient dL/d{wrt} is {_shape(truth)} "
            f"like {wrt}{hint}"
        )
    gaps = [
        (index, sp.expand(a - b)) for index, (a, b) in enumerate(zip(parsed, truth, strict=True))
    ]
    wrong = [(index, gap) for index, gap in gaps if gap != 0]
    if not wrong:
        method = "proven entry by entry on X 3x4, W 4x2, b 1x2, G 3x2 (m, n, k = 3, 4, 2)"
        return CheckResult(name, formula.strip(), shown, True, method, notes=read)
    return refused(_matrix_difference(parsed, truth, wrong[0][0]))


_LEGEND = ": X is m x n, W n x k, b 1 x k and G m x k; a transpose missing or misplaced?"


def _ones(rows: sp.Expr, cols: sp.Expr) -> sp.ImmutableMatrix:
    """``ones(1, m)``: sizes are 1, m, n or k, never a number that would fill the memory."""
    allowed = {1, *SIZES.values()}
    if not all(isinstance(v, sp.Integer) and int(v) in allowed for v in (rows, cols)):
        raise ValueError(
            f"ones takes sizes 1, m, n or k, as in ones(1, m); got ones({rows}, {cols})"
        )
    return sp.ones(int(rows), int(cols)).as_immutable()


def _sum(a: sp.Basic, axis: int | None = None) -> sp.Basic:
    """NumPy's sum: every entry, or over rows (``axis=0``: a 1 x k row) or columns."""
    if not isinstance(a, sp.MatrixBase):
        raise ValueError("sum takes a matrix, as in sum(G, axis=0)")
    if axis is None:
        return sum(a, sp.S.Zero)
    if axis == 0:
        return (sp.ones(1, a.rows) * a).as_immutable()
    if axis == 1:
        return (a * sp.ones(a.cols, 1)).as_immutable()
    raise ValueError(f"sum's axis is 0, 1 or None, got {axis!r}")


def _shape(matrix: sp.MatrixBase) -> str:
    rows, cols = matrix.shape
    return f"{LETTERS.get(rows, rows)} x {LETTERS.get(cols, cols)} ({rows}x{cols})"


def _shapes(error: Exception) -> str:
    import re

    text = re.sub(
        r"\((\d+), (\d+)\)",
        lambda found: f"({LETTERS[int(found[1])]} x {LETTERS[int(found[2])]})",
        str(error).split(": ", 1)[-1].rstrip("."),
    )
    return text.replace(" * ", "*")


def _matrix_difference(parsed: sp.MatrixBase, truth: sp.MatrixBase, index: int) -> str:
    """Where the two differ, at small random integers; or the constant factor they differ by."""
    ratio = sp.simplify(parsed[index] / truth[index]) if truth[index] != 0 else None
    if (
        ratio is not None
        and ratio.is_number
        and sp.expand(parsed - ratio * truth) == sp.zeros(*parsed.shape)
    ):
        if ratio == -1:
            return "a sign error: your formula is minus the gradient"
        size = {sp.Rational(1, SIZES["m"]): "1/m", sp.Integer(SIZES["m"]): "m"}.get(ratio)
        if size:  # G = dL/dY already holds the loss's 1/m, if the loss is a batch mean
            return (
                f"a factor {size} (the batch size m) too many: your formula is the gradient "
                f"times {ratio}; G = dL/dY already holds the loss's mean over the batch"
            )
        return f"a constant factor is off: your formula is the gradient times {ratio}"
    rng = random.Random(0)
    symbols = sorted(parsed.free_symbols | truth.free_symbols, key=str)
    values = {symbol: sp.Integer(rng.randint(-3, 3)) for symbol in symbols}
    row, col = divmod(index, parsed.cols)
    mine, theirs = parsed[index].xreplace(values), truth[index].xreplace(values)
    symbolic = f"{parsed[index]} against {truth[index]}"
    if mine == theirs:  # a coincidence of the small integers: say it in symbols
        return f"entry [{row}, {col}] differs: {symbolic}"
    return (
        f"entry [{row}, {col}] differs: with X, W, b, G of small integers (seed 0) your "
        f"formula gives {mine}, the gradient is {theirs}"
        + (f"; in symbols, {symbolic}" if len(symbolic) < 160 else "")
    )
