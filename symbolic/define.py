r"""Bring your own activation or loss: one formula in, one entry of the op table out.

``define_activation(name, expr)`` adds :math:`y = f(x)` to ``symbolic.OPS``, the
table the built-ins live in, so ``derived(name)``, ``numeric.kernels(name)``,
``numeric.Activation(name)`` and the gradient checker know it. ``define_loss(name,
expr)`` adds a per-output loss :math:`\ell(p, t)`, averaged over the N outputs.

``expr`` is a SymPy expression or a string. A string is a *formula*, never Python:
``symbolic.formula`` checks it node by node with ``ast`` (numbers, the op's variables,
``+ - * / **``, calls of the functions in ``FUNCTIONS``, comparisons inside a
``Piecewise``) and builds the SymPy expression itself, bounding each node before SymPy
computes it (``symbolic.limits``: tree size and depth, the digits of every number
after folding, the exponents and the polynomial degree). Anything else --
``__import__('os')``, ``x.__class__``, ``lambda``, unknown names, ``exp()``, ``x/0``,
``10**(1000*1000*1000*1000)`` -- is a ``ValueError`` of one line saying what is
allowed, or which limit it passes.

Two refusals depend on the derivation: a formula whose derivative holds ``DiracDelta``
(``sign(x)``, ``Heaviside(x)``: no kernel can evaluate it), and an activation whose
derivative, written through its output, would ask ``solve`` to invert a power of degree
above ``symbolic.limits.MAX_SOLVE_DEGREE`` (``x**32``). Deriving, printing and probing
run within ``symbolic.limits.DERIVE_SECONDS`` (``tanh(tanh(tanh(x)))`` does not: SymPy's
``solve`` takes minutes on it); past it, or on any failure of SymPy, a ``ValueError``.

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

import re
import warnings
from collections.abc import Callable
from functools import partial

import numpy as np
import sympy as sp

from symbolic import formula, limits
from symbolic.formula import FUNCTIONS
from symbolic.ops import BUILT_IN, OPS, Elementwise, Loss, N, j, p, t, x, y

__all__ = [
    "FUNCTIONS",
    "UnstableKernelWarning",
    "check_formula",
    "define_activation",
    "define_loss",
    "parse_formula",
    "undefine",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PROBES = (10.0, 1e2, 1e3, 1e4)


class UnstableKernelWarning(UserWarning):
    """A user-defined op's kernel overflows or is not finite for some inputs."""


def check_formula(text: str, variables: dict[str, sp.Symbol]) -> None:
    """Raise ``ValueError`` unless ``text`` is a formula in ``variables`` and ``FUNCTIONS``.

    The syntax alone, and the size of its tree (``symbolic.formula.check``).
    """
    formula.check(text, variables)


def parse_formula(expr: str | sp.Expr, variables: dict[str, sp.Symbol]) -> sp.Expr:
    r"""``expr`` as a SymPy expression in ``variables`` (a string is checked, then parsed).

    A SymPy expression's symbols are matched to ``variables`` by name, so
    ``sympy.Symbol("x")`` works as well as ``symbolic.ops.x``.

    >>> parse_formula("x*tanh(log(1 + exp(x)))", {"x": x})
    x*tanh(log(exp(x) + 1))
    """
    if isinstance(expr, str):
        parsed = formula.parse(expr, variables)
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
        raise ValueError(f"{expr!r} uses {', '.join(stray)}: {formula.allowed(variables)}")
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
    parsed = parse_formula(expr, {"x": x})
    entry = Elementwise(name, parsed, doc or f"user-defined: {parsed}", h0=sp.Integer(h0))
    _probe(
        entry,
        partial(_check_derivative, name, parsed, x),
        partial(_check_solve_degree, name, parsed),
    )
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
    parsed = parse_formula(expr, {"p": p_, "t": t_})
    per_output = parsed.xreplace({p_: p[j], t_: t[j]})
    entry = Loss(
        name,
        sp.Sum(per_output, (j, 0, N - 1)),
        doc or f"user-defined: mean over the outputs of {parsed}",
        per=N,
        clip=clip,
        targets=targets,
    )
    _probe(entry, partial(_check_derivative, name, parsed, p_))
    OPS[name] = entry
    return entry


def undefine(name: str) -> None:
    """Remove a user-defined op from the table (built-ins stay)."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in op and cannot be removed")
    OPS.pop(name, None)


def _check_derivative(name: str, parsed: sp.Expr, variable: sp.Symbol) -> None:
    """Refuse a formula whose derivative no kernel can evaluate: sign and Heaviside give
    ``DiracDelta``, 0 except at the step, where it has no value."""
    if sp.diff(parsed, variable).has(sp.DiracDelta):
        steps = ", ".join(sorted({str(node) for node in parsed.atoms(sp.sign, sp.Heaviside)}))
        raise ValueError(
            f"{name}: the derivative of {parsed} holds DiracDelta (from {steps or 'a step'}), "
            f"which has no value at the step for a kernel to compute: write the step with "
            f"Piecewise, Max or Min (Max(0, {variable}) is {variable}*Heaviside({variable}))"
        )


def _check_solve_degree(name: str, parsed: sp.Expr) -> None:
    """Refuse an activation whose derivative, written through its output, asks ``solve``
    to invert a power of too high a degree (``symbolic.elementwise.through_output``)."""
    from symbolic import elementwise

    if parsed.count(x) != 1:
        return
    invertible = getattr(elementwise, "_INVERTIBLE", sp.Basic)  # all nodes, if it moved
    if not all(isinstance(node, invertible) for node in sp.preorder_traversal(parsed)):
        return
    if x not in sp.diff(parsed, x).xreplace({parsed: y}).free_symbols:
        return
    degree = limits.solve_degree(parsed, x)
    if degree > limits.MAX_SOLVE_DEGREE:
        raise ValueError(
            f"{name}: writing the derivative of {parsed} through its output would ask solve() "
            f"for the inverse of a power of degree {degree}: the limit is "
            f"{limits.MAX_SOLVE_DEGREE} (symbolic.limits.MAX_SOLVE_DEGREE)"
        )


def _probe(entry: Elementwise | Loss, *checks: Callable[[], None]) -> None:
    """Run ``checks``, derive ``entry`` and warn where its kernels are not finite
    (``UnstableKernelWarning``).

    Within ``symbolic.limits.DERIVE_SECONDS``; whatever goes wrong is a ``ValueError``
    of one line (a formula SymPy cannot derive, a function NumPy cannot print).
    """
    shown = entry.expr if isinstance(entry, Elementwise) else entry.doc
    what = f"deriving {entry.name} ({shown})"
    try:
        with limits.time_budget(limits.DERIVE_SECONDS, what, "symbolic.limits.DERIVE_SECONDS"):
            for check in checks:
                check()
            _derive_and_probe(entry)
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of SymPy on a user's formula
        reason = (str(error).strip().splitlines() or [""])[0]
        raise ValueError(f"{what} failed: {type(error).__name__}: {reason}") from None


def _derive_and_probe(entry: Elementwise | Loss) -> None:
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
            stacklevel=4,
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
