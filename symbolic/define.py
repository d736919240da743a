r"""Bring your own activation or loss: one formula in, one entry of the op table out.

``define_activation(name, expr)`` adds :math:`y = f(x)` to ``symbolic.OPS``, the
table the built-ins live in, so ``derived(name)``, ``numeric.kernels(name)``,
``numeric.Activation(name)`` and the gradient checker know it. ``define_loss(name,
expr)`` adds a per-output loss :math:`\ell(p, t)`, averaged over the N outputs.

``expr`` is a SymPy expression or a string. A string is a *formula*, never Python:
it is checked node by node with ``ast`` (numbers, the op's variables, ``+ - * / **``,
comparisons, tuples, and calls of the functions in ``FUNCTIONS``), then parsed by
``sympy.parsing.sympy_parser.parse_expr`` with only those names in scope and no
builtins. Anything else -- ``__import__('os')``, ``x.__class__``, ``lambda``,
unknown names -- is a ``ValueError`` saying what is allowed.

At definition time the op is derived and its kernels are probed at
:math:`\pm 10, \pm 10^2, \dots, \pm 10^4` in float64 and float32. Where a kernel
overflows or is not finite even after ``symbolic.stable``'s rewrites, an
``UnstableKernelWarning`` names the op, the kernel and the input range.

Built-in names are refused; a name you defined may be defined again (derivations and
kernels are cached by table entry, so the new definition is derived anew).

>>> entry = define_activation("softsign", "x / (1 + Abs(x))")
>>> entry.expr
x/(Abs(x) + 1)
>>> define_activation("bad", "__import__('os')")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: '__import__' is not allowed in a formula: use x and the functions Abs, ...
>>> undefine("softsign")
"""

from __future__ import annotations

import ast
import re
import warnings

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import auto_number, parse_expr

from symbolic.ops import BUILT_IN, OPS, Elementwise, Loss, N, j, p, t, x

FUNCTIONS: dict[str, object] = {
    name: getattr(sp, name)
    for name in (
        "exp log sqrt tanh sinh cosh sin cos atan erf erfc Abs sign Max Min "
        "Piecewise Heaviside pi E"
    ).split()
}
_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.Compare,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Lt,
    ast.Gt,
    ast.LtE,
    ast.GtE,
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PROBES = (10.0, 1e2, 1e3, 1e4)


class UnstableKernelWarning(UserWarning):
    """A user-defined op's kernel overflows or is not finite for some inputs."""


def _allowed(variables: dict) -> str:
    return f"use {', '.join(variables)} and the functions {', '.join(sorted(FUNCTIONS))}"


def check_formula(text: str, variables: dict[str, sp.Symbol]) -> None:
    """Raise ``ValueError`` unless ``text`` is a formula in ``variables`` and ``FUNCTIONS``."""
    if len(text) > 2000:
        raise ValueError(f"a formula is at most 2000 characters, got {len(text)}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"{text!r} is not a formula: {error.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            raise ValueError(f"attribute access ('.{node.attr}') is not allowed in a formula")
        if isinstance(node, ast.Lambda):
            raise ValueError("lambda is not allowed in a formula: write the expression itself")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            raise ValueError("'^' is not a power in a formula: write x**2")
        if not isinstance(node, _NODES):
            raise ValueError(
                f"{type(node).__name__} is not allowed in a formula: {_allowed(variables)}"
            )
        if isinstance(node, ast.Name) and node.id not in variables and node.id not in FUNCTIONS:
            raise ValueError(f"{node.id!r} is not allowed in a formula: {_allowed(variables)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id not in FUNCTIONS:
                raise ValueError(
                    f"{node.func.id!r} is not allowed in a formula: {_allowed(variables)}"
                )
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.keywords):
            raise ValueError(
                f"only calls like exp(x) are allowed in a formula: {_allowed(variables)}"
            )
        if isinstance(node, ast.Constant) and (
            type(node.value) not in (int, float, bool) or abs(node.value) > 1e300
        ):
            raise ValueError(f"{node.value!r} is not a number a formula may hold")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right.operand if isinstance(node.right, ast.UnaryOp) else node.right
            if isinstance(exponent, ast.Constant) and abs(exponent.value) > 1000:
                raise ValueError(f"an exponent of {exponent.value} is too large for a formula")
            if isinstance(exponent, ast.BinOp) and isinstance(exponent.op, ast.Pow):
                raise ValueError("nested powers (a**b**c) are not allowed in a formula")


def parse_formula(expr: str | sp.Expr, variables: dict[str, sp.Symbol]) -> sp.Expr:
    r"""``expr`` as a SymPy expression in ``variables`` (a string is checked, then parsed).

    A SymPy expression's symbols are matched to ``variables`` by name, so
    ``sympy.Symbol("x")`` works as well as ``symbolic.ops.x``.

    >>> parse_formula("x*tanh(log(1 + exp(x)))", {"x": x})
    x*tanh(log(exp(x) + 1))
    """
    if isinstance(expr, str):
        check_formula(expr, variables)
        scope = {"__builtins__": {}, "Integer": sp.Integer, "Float": sp.Float}
        parsed = parse_expr(
            expr.strip(),
            local_dict={**FUNCTIONS, **variables},
            global_dict=scope,
            transformations=(auto_number,),
        )
    elif isinstance(expr, sp.Basic):
        parsed = expr.xreplace(
            {s: variables[s.name] for s in expr.free_symbols if s.name in variables}
        )
    else:
        raise TypeError(f"a formula is a string or a SymPy expression, got {type(expr).__name__}")
    if not isinstance(parsed, sp.Expr):
        raise ValueError(f"{expr!r} is not a formula with a value (got {type(parsed).__name__})")
    stray = sorted(str(s) for s in parsed.free_symbols if s not in variables.values())
    if stray:
        raise ValueError(f"{expr!r} uses {', '.join(stray)}: {_allowed(variables)}")
    if not parsed.free_symbols:
        raise ValueError(f"{expr!r} does not depend on {', '.join(variables)}")
    return parsed


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"an op name is an identifier (letters, digits, _), got {name!r}")
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in op and cannot be redefined; choose another name")


def define_activation(name: str, expr: str | sp.Expr, h0: int = 0, doc: str = "") -> Elementwise:
    r"""Add the activation :math:`y = f(x)` called ``name`` to the op table; return its entry.

    ``h0`` is its convention at a kink (``Heaviside(x)`` at 0; see ``symbolic.ops``).
    """
    _check_name(name)
    formula = parse_formula(expr, {"x": x})
    entry = Elementwise(name, formula, doc or f"user-defined: {formula}", h0=sp.Integer(h0))
    _probe(entry)
    OPS[name] = entry
    return entry


def define_loss(
    name: str, expr: str | sp.Expr, clip: bool = False, targets: str = "real", doc: str = ""
) -> Loss:
    r"""Add the loss :math:`\frac1N \sum_j \ell(p_j, t_j)` called ``name``; return its entry.

    ``expr`` is :math:`\ell` in ``p`` (a prediction) and ``t`` (its target). With
    ``clip`` predictions are clipped to [1e-7, 1 - 1e-7] first (for logarithms).

    >>> define_loss("quartic", "(p - t)**4").per
    N
    >>> undefine("quartic")
    """
    _check_name(name)
    p_, t_ = sp.Symbol("p", real=True), sp.Symbol("t", real=True)
    formula = parse_formula(expr, {"p": p_, "t": t_})
    per_output = formula.xreplace({p_: p[j], t_: t[j]})
    entry = Loss(
        name,
        sp.Sum(per_output, (j, 0, N - 1)),
        doc or f"user-defined: mean over the outputs of {formula}",
        per=N,
        clip=clip,
        targets=targets,
    )
    _probe(entry)
    OPS[name] = entry
    return entry


def undefine(name: str) -> None:
    """Remove a user-defined op from the table (built-ins stay)."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in op and cannot be removed")
    OPS.pop(name, None)


def _probe(entry: Elementwise | Loss) -> None:
    """Derive ``entry`` and warn where its kernels are not finite (``UnstableKernelWarning``)."""
    from symbolic.forms import derive_entry

    derivation = derive_entry(entry)
    kernels = {
        "forward": _lambdify(derivation.forward.args, derivation.forward.expr),
        "backward": _lambdify(derivation.backward.args, derivation.backward.expr),
    }
    bad: dict[tuple[str, str], list[float]] = {}
    points = sorted({s * v for v in PROBES for s in (-1, 1)} | {0.0, 1.0, -1.0})
    if isinstance(entry, Loss) and entry.clip:
        points = [0.0, 1e-300, 1e-7, 0.5, 1.0 - 1e-7, 1.0]
    for dtype in (np.float64, np.float32):
        for point in points:
            for role in kernels:
                if not _finite(entry, kernels, role, np.asarray([[point]], dtype)):
                    bad.setdefault((role, dtype.__name__), []).append(point)
    for (role, dtype), where in bad.items():
        variable = "x" if isinstance(entry, Elementwise) else "p"
        warnings.warn(
            f"{entry.name}: the {role} kernel is not finite ({dtype}) for "
            f"{_ranges(variable, where, points)}; no rule of symbolic.stable makes it "
            f"stable there (its values are inf or NaN)",
            UnstableKernelWarning,
            stacklevel=3,
        )


def _finite(entry: object, kernels: dict, role: str, value: np.ndarray) -> bool:
    """Whether ``entry``'s ``role`` kernel is finite, without a warning, at ``value``."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            if isinstance(entry, Elementwise):
                if role == "forward":
                    out = kernels["forward"](value)
                else:
                    with np.errstate(all="ignore"):
                        output = kernels["forward"](value)
                    out = kernels["backward"](value, output, np.ones_like(value))
            else:
                targets = (np.zeros_like(value), np.ones_like(value))
                out = np.concatenate(
                    [np.ravel(np.asarray(kernels[role](value, t_, 1, 1), float)) for t_ in targets]
                )
        return bool(np.all(np.isfinite(out)))
    except (FloatingPointError, ZeroDivisionError, OverflowError):
        return False


def _ranges(variable: str, bad: list[float], points: list[float]) -> str:
    """The probed points ``bad`` as ranges: ``x <= -100``, ``x >= 1e3``, or single values."""
    parts = []
    negative = [v for v in bad if v < 0]
    positive = [v for v in bad if v > 0]
    if negative and all(v in negative for v in points if v <= max(negative)):
        parts.append(f"{variable} <= {max(negative):g}")
    else:
        parts += [f"{variable} = {v:g}" for v in negative]
    parts += [f"{variable} = 0" for v in bad if v == 0]
    if positive and all(v in positive for v in points if v >= min(positive)):
        parts.append(f"{variable} >= {min(positive):g}")
    else:
        parts += [f"{variable} = {v:g}" for v in positive]
    return " or ".join(parts)


def _lambdify(args: tuple, expr: sp.Expr) -> object:
    """NumPy/SciPy code for ``expr``: SymPy's SciPy printer, the reductions as sums/maxima.

    ``symbolic`` never imports ``numeric``; this prints the same expressions that
    ``numeric``'s kernels evaluate (only the printing of masks differs).
    """
    from sympy.printing.numpy import SciPyPrinter

    class Printer(SciPyPrinter):
        def _print_RowSum(self, e: sp.Expr) -> str:
            return f"numpy.sum({self._print(e.args[0])}, axis=-1, keepdims=True)"

        def _print_RowMax(self, e: sp.Expr) -> str:
            return f"numpy.max({self._print(e.args[0])}, axis=-1, keepdims=True)"

        def _print_Max(self, e: sp.Expr) -> str:
            return self._nested("numpy.maximum", e.args)

        def _print_Min(self, e: sp.Expr) -> str:
            return self._nested("numpy.minimum", e.args)

        def _nested(self, function: str, args: tuple) -> str:
            printed = self._print(args[0])
            for arg in args[1:]:
                printed = f"{function}({printed}, {self._print(arg)})"
            return printed

        def _print_ndtr(self, e: sp.Expr) -> str:
            return f"scipy.special.ndtr({self._print(e.args[0])})"

    return sp.lambdify(args, expr, modules=["scipy", "numpy"], printer=Printer)
