"""How SymPy nodes become NumPy calls in generated kernels (imported only to build one)."""

from __future__ import annotations

from typing import Any

from sympy.printing.numpy import NumPyPrinter


class KernelPrinter(NumPyPrinter):
    """NumPy printing that is fast and keeps the input's dtype.

    SymPy prints ``Heaviside(x, 0)`` as a three-way ``select`` with a float64
    ``1/2``: 20-30x slower than a mask and an upcast of float32 to float64.
    """

    def _print_Heaviside(self, expr: Any) -> str:
        arg, at_zero = (*expr.args, 0.5)[:2]  # SymPy's one-argument Heaviside is 1/2 at 0
        compare = {0: "numpy.greater", 1: "numpy.greater_equal"}.get(at_zero)
        if compare is None:  # NumPy's heaviside keeps float32 (a Python float is weak)
            value = self._print(float(at_zero))
            return f"{self._module_format('numpy.heaviside')}({self._print(arg)}, {value})"
        return f"{self._module_format(compare)}({self._print(arg)}, 0)"

    def _minmax(self, function: str, args: Any) -> str:
        first, *rest = args
        printed = self._print(first)
        for arg in rest:  # a nested binary call, not functools.reduce over a list
            printed = f"{self._module_format(function)}({printed}, {self._print(arg)})"
        return printed

    def _print_Max(self, expr: Any) -> str:
        return self._minmax("numpy.maximum", expr.args)

    def _print_Min(self, expr: Any) -> str:
        return self._minmax("numpy.minimum", expr.args)

    def _reduce_rows(self, function: str, expr: Any) -> str:
        operand = self._print(expr.args[0])
        return f"{self._module_format(function)}({operand}, axis=-1, keepdims=True)"

    def _print_RowSum(self, expr: Any) -> str:
        return self._reduce_rows("numpy.sum", expr)

    def _print_ColSum(self, expr: Any) -> str:
        operand = self._print(expr.args[0])
        return f"{self._module_format('numpy.sum')}({operand}, axis=0, keepdims=True)"

    def _print_RowMax(self, expr: Any) -> str:
        return self._reduce_rows("numpy.max", expr)

    def _print_Total(self, expr: Any) -> str:
        return f"{self._module_format('numpy.sum')}({self._print(expr.args[0])})"

    def _print_MatMul(self, expr: Any) -> str:
        from sympy import MatMul, OneMatrix

        first, *rest = expr.args
        if isinstance(first, OneMatrix) and rest:
            operand = self._print(MatMul(*rest) if len(rest) > 1 else rest[0])
            if first.shape[1] == 1:  # a column of ones times a row: NumPy broadcasts it
                return operand
            if first.shape[0] == 1:  # a row of ones times a matrix: its column sums
                return f"{self._module_format('numpy.sum')}({operand}, axis=0, keepdims=True)"
        return super()._print_MatMul(expr)

    # Special functions come from SciPy, an optional extra: imported by the kernel
    # that needs one, so that kernels built without it (and the disk cache) need
    # nothing more than NumPy.
    def _scipy_special(self, function: str, expr: Any) -> str:
        args = ", ".join(self._print(arg) for arg in expr.args)
        return f'__import__("scipy.special").special.{function}({args})'

    def _print_erf(self, expr: Any) -> str:
        return self._scipy_special("erf", expr)

    def _print_erfc(self, expr: Any) -> str:
        return self._scipy_special("erfc", expr)

    def _print_ndtr(self, expr: Any) -> str:
        return self._scipy_special("ndtr", expr)
