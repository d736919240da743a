r"""Rendering derivations: LaTeX ``aligned`` blocks, text, Markdown (the handout is elsewhere).

SymPy's printers, with a few nodes made unambiguous:

* ``OneMatrix(m, 1)`` is :math:`\mathbf{1}_{m}` and ``OneMatrix(1, m)`` is
  :math:`\mathbf{1}_{m}^{\top}` (SymPy prints both as a bare ``1``);
* ``RowSum(a)`` is a sum over the row, ``RowMax(a)`` a maximum;
* ``Heaviside(u, 0)`` is the indicator :math:`\mathbf{1}[u > 0]`, so a step that
  fixes the value at 0 shows, where SymPy would print :math:`\theta(u, 0)`;
* an op's name such as ``leaky_relu`` stays one upright name, not ``leaky`` with a
  subscript;
* a symbol named like a Python keyword with ``_`` appended (``lambda_``) is the
  Greek letter;
* a derivative in one variable is :math:`\frac{d}{dw}` even when the formula holds a
  parameter (``lambda_``), which is a constant, not a variable.

>>> import sympy as sp
>>> m = sp.Symbol("m")
>>> to_latex(sp.OneMatrix(1, m) * sp.MatrixSymbol("G", m, 3))
'\\mathbf{1}_{m}^{\\top} G'
>>> to_text(sp.Derivative(sp.Symbol("x") ** 2, sp.Symbol("x")))
'd/dx(x**2)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

if TYPE_CHECKING:
    from symbolic.derivation import Derivation


class DerivationLatexPrinter(LatexPrinter):
    """LaTeX for derivations: unambiguous ones, row sums, indicators, op names."""

    def _print_OneMatrix(self, expr: Any) -> str:
        rows, cols = expr.shape
        if cols == 1:
            return rf"\mathbf{{1}}_{{{self._print(rows)}}}"
        if rows == 1:
            return rf"\mathbf{{1}}_{{{self._print(cols)}}}^{{\top}}"
        return rf"\mathbf{{1}}_{{{self._print(rows)} \times {self._print(cols)}}}"

    def _print_RowSum(self, expr: Any) -> str:
        return rf"\sum_{{\mathrm{{row}}}} \left({self._print(expr.args[0])}\right)"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_FunctionMatrix(self, expr: Any) -> str:
        # [f(i, c)]_{ic}: the matrix whose entry (i, c) is f(i, c)
        variables, body = expr.lamda.variables, expr.lamda.expr
        indices = "".join(map(self._print, variables))
        return rf"\left[{self._print(body)}\right]_{{{indices}}}"

    def _print_RowMax(self, expr: Any) -> str:
        return rf"\max_{{\mathrm{{row}}}} \left({self._print(expr.args[0])}\right)"

    def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
        arg = self._print(expr.args[0])
        at_zero = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        relation = {0: ">", 1: r"\geq"}.get(at_zero)
        if relation is None:  # SymPy's H(0) = 1/2, or another value: a plain H
            tex = rf"H\left({arg}\right)"
        else:
            tex = rf"\mathbf{{1}}\left[{arg} {relation} 0\right]"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _hprint_Function(self, func: str) -> str:
        if len(func) > 1 and "_" in func and not func.startswith("\\"):
            escaped = func.replace("_", "\\_")
            return rf"\operatorname{{{escaped}}}"
        return super()._hprint_Function(func)

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        if len(expr.name) > 1 and expr.name.endswith("_"):  # lambda_ is lambda
            expr = sp.Symbol(expr.name[:-1])
        return super()._print_Symbol(expr, style)

    def _print_Derivative(self, expr: Any) -> str:
        # d s_i / d z_c for a named quantity; SymPy's d/dz_c s_i for a formula.
        inner = expr.expr
        variable = expr.variables[0]
        if len(expr.variables) == 1 and isinstance(inner, sp.Symbol | sp.Indexed | AppliedUndef):
            symbol = r"\partial" if isinstance(variable, sp.Indexed | sp.MatrixSymbol) else "d"
            return rf"\frac{{{symbol} {self._print(inner)}}}{{{symbol} {self._print(variable)}}}"
        tex = super()._print_Derivative(expr)
        partial = rf"\frac{{\partial}}{{\partial {self._print(variable)}}}"
        if len(expr.variables) == 1 and isinstance(variable, sp.Symbol) and tex.startswith(partial):
            tex = rf"\frac{{d}}{{d {self._print(variable)}}}" + tex[len(partial) :]
        return tex


class DerivationStrPrinter(StrPrinter):
    """One-line text: ``d/dx(...)`` for derivatives, ``ones(m, 1)`` for a column of ones."""

    def _print_Derivative(self, expr: Any) -> str:
        variables = "".join(f"d{self._print(v)}" for v in expr.variables)
        inner = self._print(expr.expr)
        if isinstance(expr.expr, sp.Symbol | sp.Indexed | AppliedUndef):
            return f"d{inner}/{variables}"
        return f"d/{variables}({inner})"

    def _print_OneMatrix(self, expr: Any) -> str:
        return "ones({}, {})".format(*map(self._print, expr.shape))

    def _print_DiagMatrix(self, expr: Any) -> str:
        return f"diag({self._print(expr.args[0])})"

    def _print_MatrixBase(self, expr: Any) -> str:  # one line: [[a, b], [c, d]]
        return (
            "["
            + ", ".join(
                "[" + ", ".join(self._print(e) for e in expr.row(r)) + "]" for r in range(expr.rows)
            )
            + "]"
        )

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_HadamardProduct(self, expr: Any) -> str:  # entry by entry, as MATLAB writes it
        return " .* ".join(self.parenthesize(arg, 50) for arg in expr.args)

    def _print_FunctionMatrix(self, expr: Any) -> str:
        variables, body = expr.lamda.variables, expr.lamda.expr
        return f"[{self._print(body)}]_({', '.join(map(self._print, variables))})"


def to_latex(expr: sp.Basic) -> str:
    """``expr`` as LaTeX, with the printer of this module."""
    return DerivationLatexPrinter().doprint(expr)


def to_text(expr: sp.Basic) -> str:
    """``expr`` as one line of text (floats as written: 0.01, not 0.0100000000000000)."""
    return DerivationStrPrinter({"full_prec": False}).doprint(expr)


# LaTeX for the characters that are special in text (symbolic.prose reverses it)
SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def escape(text: str) -> str:
    """Plain text made safe inside ``\\text{...}`` or a paragraph."""
    return "".join(SPECIAL.get(ch, ch) for ch in text)


COMPUTED = "computed as: the kernels' forms, each rewrite proven equal"


def reason_tex(step: Any) -> str:
    """A step's reason in LaTeX math: its ``tex`` when it holds formulas, else its words."""
    return step.tex or rf"\text{{{escape(step.reason)}}}"


def aligned_rows(derivation: Derivation) -> list[str]:
    """The rows of the ``aligned`` block: ``lhs &= step && reason``; a row of words
    before the first section of what the kernels compute."""
    rows, computing = [], False
    for section in derivation.sections:
        if section.computed and not computing:
            rows.append(rf"& \text{{{escape(COMPUTED)}}}")
            computing = True
        lhs = to_latex(section.quantity)
        for number, step in enumerate(section.steps):
            left = lhs if number == 0 else ""
            rows.append(rf"{left} &= {to_latex(step.expr)} && {reason_tex(step)}")
    return rows


def aligned(derivation: Derivation) -> str:
    """One amsmath ``aligned`` block, a blank line's space between quantities."""
    rows, out = aligned_rows(derivation), []
    for number, row in enumerate(rows):
        if number == len(rows) - 1:
            out.append(row)
        else:
            out.append(row + (r" \\[1ex]" if _ends_section(derivation, number) else r" \\"))
    return "\\begin{aligned}\n" + "\n".join(out) + "\n\\end{aligned}"


def _ends_section(derivation: Derivation, row: int) -> bool:
    ends, total, computing = set(), -1, False
    for section in derivation.sections:
        if section.computed and not computing:
            total += 1  # the row of words
            computing = True
        total += len(section.steps)
        ends.add(total)
    return row in ends


def text(derivation: Derivation) -> str:
    """The derivation as plain text, one step a line with its reason."""
    out, computing = [f"{derivation.name}: {derivation.doc}"], False
    for section in derivation.sections:
        if section.computed and not computing:
            out.append(f"  {COMPUTED}:")
            computing = True
        out.append(f"  {to_text(section.quantity)}")
        lines = [to_text(step.expr) for step in section.steps]
        width = min(max(map(len, lines)), 70)
        for line, step in zip(lines, section.steps, strict=True):
            out.append(f"    = {line:<{width}}   [{step.reason}]")
    out.append(f"  {summary(derivation)}")
    return "\n".join(out)


def markdown(derivation: Derivation) -> str:
    """A Markdown section: heading, the op's description, display math, the proof summary."""
    return (
        f"### `{derivation.name}`\n\n{derivation.doc}\n\n$$\n{aligned(derivation)}\n$$\n\n"
        f"{summary(derivation)}\n"
    )


def summary(derivation: Derivation) -> str:
    """How the steps were proven, in one sentence (``Derivation.summary``)."""
    return derivation.summary()
