"""How a derivation's scalar expression becomes one statement of a compiled loop.

``ScalarPrinter`` prints a SymPy expression of scalars (one element of each
array) as Python that numba compiles: every number is written ``T(...)``, where
the generated module binds ``T`` to the arrays' dtype, so a float32 loop stays in
float32 as NumPy keeps it (``1 - y`` with a Python ``1`` would be float64 in numba).
It knows no derivative: it only says how SymPy nodes become numba's scalar calls.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter


class ScalarPrinter(NumPyPrinter):
    """NumPy's scalar functions (numba compiles them per dtype), numbers as ``T(...)``.

    ``names`` maps a symbol to the code that reads it (``{z: "Z[i, j]"}``).
    """

    def __init__(self, names: dict[sp.Basic, str] | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, "inline": True})
        self.names = names or {}

    def _print_Symbol(self, expr: Any) -> str:
        return self.names.get(expr, expr.name)

    def _number(self, value: Any) -> str:
        return f"T({float(value)!r})"

    def _print_Float(self, expr: Any) -> str:
        return self._number(expr)

    def _print_Integer(self, expr: Any) -> str:
        return self._number(expr)

    def _print_Rational(self, expr: Any) -> str:
        return self._number(expr)

    def _print_NumberSymbol(self, expr: Any) -> str:
        return self._number(sp.N(expr, 17))

    _print_Pi = _print_Exp1 = _print_NumberSymbol

    def _print_Infinity(self, expr: Any) -> str:
        return "T(numpy.inf)"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "T(-numpy.inf)"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        base, exponent = expr.args
        printed = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"])
        if exponent == 2:  # x*x, not pow(x, 2)
            return f"({printed}*{printed})"
        if exponent == -1:
            return f"(T(1.0)/{printed})"
        if exponent == sp.S.Half:
            return f"numpy.sqrt({self._print(base)})"
        return f"({printed}**{self._print(exponent)})"

    def _print_Relational(self, expr: Any) -> str:
        return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

    def _print_Heaviside(self, expr: Any) -> str:
        arg, at_zero = (*expr.args, sp.S.Half)[:2]
        arg = self._print(arg)
        if at_zero == 0:
            return f"(T(1.0) if {arg} > T(0.0) else T(0.0))"
        if at_zero == 1:
            return f"(T(1.0) if {arg} >= T(0.0) else T(0.0))"
        middle = self._print(at_zero)
        return f"(T(1.0) if {arg} > T(0.0) else ({middle} if {arg} == T(0.0) else T(0.0)))"

    def _print_Piecewise(self, expr: Any) -> str:
        printed = "T(numpy.nan)"
        for value, condition in reversed(expr.args):
            if condition == sp.true:
                printed = self._print(value)
            else:
                printed = f"({self._print(value)} if {self._print(condition)} else {printed})"
        return printed

    def _minmax(self, function: str, args: Any) -> str:
        first, *rest = args
        printed = self._print(first)
        for arg in rest:  # NumPy's maximum: NaN propagates, as in the array kernels
            printed = f"numpy.{function}({printed}, {self._print(arg)})"
        return printed

    def _print_Max(self, expr: Any) -> str:
        return self._minmax("maximum", expr.args)

    def _print_Min(self, expr: Any) -> str:
        return self._minmax("minimum", expr.args)

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_erf(self, expr: Any) -> str:
        return f"math.erf({self._print(expr.args[0])})"

    def _print_erfc(self, expr: Any) -> str:
        return f"math.erfc({self._print(expr.args[0])})"

    def _print_ndtr(self, expr: Any) -> str:
        # The normal CDF by its definition, Phi(x) = erfc(-x/sqrt(2))/2 (numba has no ndtr).
        arg = self._print(expr.args[0])
        return f"(T(0.5)*math.erfc(-({arg})*T(0.7071067811865476)))"


def statements(outputs: dict[str, sp.Basic], names: dict[sp.Basic, str], indent: str) -> list[str]:
    """``name = expr`` lines for each output, common subexpressions shared (``cse``)."""
    printer = ScalarPrinter(dict(names))
    shared, reduced = sp.cse(list(outputs.values()), symbols=sp.numbered_symbols("_c"))
    lines = [f"{indent}{symbol} = {printer.doprint(value)}" for symbol, value in shared]
    for target, value in zip(outputs, reduced, strict=True):
        lines.append(f"{indent}{target} = {printer.doprint(value)}")
    return lines
