r"""The handout: every derivation as one LaTeX article (``derive --all --document``).

A title, a short introduction, a table of notation and a table of contents; then a
numbered section per op: what it is, its derivation step by step with the rule of
each step beside it, how the kernels compute the result ("computed as", each
rewrite proven equal), how the steps were verified, and a worked numeric example
(``symbolic.examples``).

The layout keeps every line inside the page (pdflatex reports no overfull box):

* a step's formula sits in a paragraph column, as inline display-style maths, so
  TeX breaks a long one after a ``+``, a ``-`` or a ``=`` and indents the rest;
  the ``=`` of every step of a quantity stands under the first one;
* the reason is prose with formulas in it (``symbolic.prose``), in its own column;
* a formula with no place to break (one long fraction) is scaled to the column,
  and says so in the log (``handout: scaled``), which the tests read.

Only packages of a plain ``texlive-latex-base`` install are used; T1 font encoding,
so ``<`` prints as ``<``.

>>> from symbolic.ops import op
>>> tex = document([op("relu")])
>>> tex.startswith("\\documentclass") and "\\tableofcontents" in tex
True
>>> "\\section{\\texttt{relu}}" in tex and "Worked example" in tex
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy as sp

from symbolic import examples
from symbolic.latex import COMPUTED, DerivationLatexPrinter, escape, to_latex
from symbolic.prose import marked, segments, words

TITLE = "Backpropagation, derived: every gradient, step by step"

# Prose for both renderers (symbolic.prose.marked): $...$ a formula, backticks code.
INTRODUCTION = (
    "This handout derives the gradient of every op of a small deep-learning framework "
    "(activations, softmax, losses, the dense layer, normalisation, dropout, weight "
    "penalties) from its "
    "definition, one rule at a time. Under each step stands the rule it applies. "
    "SymPy proves every step equal to the one before it: for all values where it "
    "can, and otherwise entry by entry on explicit sizes, which the summary under each "
    "derivation states. A “computed as” part shows how the NumPy kernels evaluate "
    "the result, in forms that stay finite in floating point, each rewrite proven "
    "equal too. Last, a worked example evaluates the derived gradient at a point and "
    "sets beside it a central finite difference of the op's own formula, "
    "$(f(a + h) - f(a - h))/2h$ with $h = 10^{-10}$, every value computed to "
    f"{examples.DIGITS} significant digits. The handout is generated from the "
    "derivations themselves: `python -m symbolic derive --all --document` writes it "
    "as LaTeX, `--html` as one web page."
)

NOTATION = (
    (r"x,\ y = f(x)", "input and output of an elementwise activation"),
    (r"w,\ R = \sum_k \phi(w_k)", "one weight, and a penalty summed over a weight array"),
    (r"N,\ i, j, c", "the number of classes, and class indices"),
    (r"z_i,\ s_i", "logits, and their softmax"),
    (r"p_i,\ t_i", "predictions and targets of a loss"),
    (r"\ell,\ L", "one sample's loss, and the mean over a batch of $B$ samples"),
    (r"g_i,\ G", "the gradient arriving from the layer above"),
    (r"\delta_{ic}", "Kronecker delta: 1 if $i = c$, else 0"),
    (r"\mathbf{1}\left[u > 0\right]", "indicator: 1 if $u > 0$, else 0"),
    (r"\sigma(u) = \frac{1}{1 + e^{-u}}", "the sigmoid"),
    (r"\operatorname{softplus}(u) = \log(1 + e^{u})", "softplus, a smooth ReLU"),
    (r"\varphi(u),\ \Phi(u)", "the standard normal density and distribution function"),
    (r"\operatorname{sech} u = 1/\cosh u", "hyperbolic secant"),
    (r"X,\ W,\ b,\ Y = XW + \mathbf{1}_m b", "a dense layer: inputs, weights, bias, outputs"),
    (r"\mathbf{1}_m,\ \operatorname{tr}", "a column of $m$ ones; the trace of a square matrix"),
)

PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{array,longtable,graphicx}
\setcounter{tocdepth}{1}
\setlength{\parindent}{0pt}
\newlength{\lhswidth}
%% A quantity's first step: "lhs = " measured, so that later steps put their "=" under
%% it and a long formula's next lines start after it.
%% Ragged right: a line broken after a + need not be stretched to the margin.
\newcommand{\firststep}[3]{\par\sbox0{$\displaystyle #1 {}={}$}%%
  \global\lhswidth=\wd0
  \ifdim\lhswidth>0.3\linewidth\global\lhswidth=2.5em\fi
  {\rightskip=0pt plus 1fil\hangindent=\dimexpr\lhswidth+1.5em\relax\hangafter=1%%
  \noindent\box0 #2\par}\reason{#3}}
\newcommand{\nextstep}[2]{\par{\rightskip=0pt plus 1fil%%
  \hangindent=\dimexpr\lhswidth+1.5em\relax\hangafter=1%%
  \makebox[\lhswidth][r]{$\displaystyle {}={}$}#1\par}\reason{#2}}
\newcommand{\reason}[1]{{\small\raggedright\leftskip=\dimexpr\lhswidth+1.5em\relax
  #1\par}\smallskip}
%% A term with no place to break, wider than the line, is scaled to fit (in math mode).
\newlength{\room}
\newcommand{\fit}[1]{\sbox2{$\displaystyle #1$}%%
  \setlength{\room}{\dimexpr\linewidth-\lhswidth-2.5em\relax}%%
  \ifdim\wd2>\room
    \typeout{handout: scaled \the\wd2 \space to \the\room \space at line \the\inputlineno}%%
    \resizebox{\room}{!}{\usebox2}%%
  \else\usebox2\fi}
%% A heading and the start of what it heads on one page: a break here when fewer than
%% 8 lines are left (the classic \filbreak idiom, bounded).
\newcommand{\keep}{\par\vspace{0pt plus 8\baselineskip}\penalty-200%%
  \vspace{0pt plus -8\baselineskip}}
\title{%(title)s}
\author{Generated by \texttt{python -m symbolic derive --all --document}}
\date{}
\begin{document}
\maketitle
"""


def document(entries: Iterable[Any]) -> str:
    """The handout of the given table entries (``symbolic.ops.op(name)``), as LaTeX.

    Each derivation is verified first; one that does not verify raises
    ``DerivationError``.
    """
    from symbolic.derivation import derivation_for

    sections = [op_section(entry, derivation_for(entry)) for entry in entries]
    return (
        PREAMBLE % {"title": escape(TITLE)}
        + "\n\\section*{Introduction}\n"
        + rich(INTRODUCTION)
        + "\n\n"
        + notation()
        + "\n\\tableofcontents\n\n"
        + "\n".join(sections)
        + "\n\\end{document}\n"
    )


def rich(text: str) -> str:
    """Marked-up prose (``symbolic.prose.marked``) as LaTeX."""
    tex = {
        "text": escape,
        "math": lambda formula: f"${formula}$",
        "code": lambda code: rf"\texttt{{{escape(code)}}}",
    }
    return "".join(tex[kind](content) for kind, content in marked(text))


def notation() -> str:
    """The table of notation."""
    rows = "\n".join(f"${symbol}$ & {rich(meaning)} \\\\" for symbol, meaning in NOTATION)
    return (
        "\\subsection*{Notation}\n\\begin{longtable}{@{}>{\\raggedleft}p{0.4\\linewidth}"
        "@{\\hspace{1.5em}}p{0.5\\linewidth}@{}}\n" + rows + "\n\\end{longtable}\n"
    )


def op_section(entry: Any, derivation: Any) -> str:
    """One numbered section: the op, its derivation, computed as, verification, example."""
    derivation.verify()
    derived = [s for s in derivation.sections if not s.computed]
    computed = [s for s in derivation.sections if s.computed]
    parts = [
        f"\\section{{\\texttt{{{escape(derivation.name)}}}}}",
        escape(derivation.doc),
        "\\subsection*{Derivation}",
        steps_table(derived),
    ]
    if computed:
        parts += [
            "\\keep\\subsection*{Computed as}",
            escape(COMPUTED[len("computed as: ") :].capitalize()) + ".",
            steps_table(computed),
        ]
    parts.append(f"\\paragraph{{Verified.}} {escape(derivation.summary()[len('Verified: ') :])}")
    parts.append(example_part(entry))
    return "\n\n".join(parts) + "\n"


def steps_table(sections: list) -> str:
    """A paragraph a step, its reason under it in small type; a gap between quantities."""
    out = []
    for section in sections:
        lhs = to_latex(section.quantity)
        for number, step in enumerate(section.steps):
            start = f"\\firststep{{{lhs}}}" if number == 0 else "\\nextstep"
            out.append(f"{start}{{${formula(step.expr)}$}}{{{reason(step)}}}")
        out.append("\\medskip")
    return "\n".join(out)


# A formula whose LaTeX is longer than this may not fit a line: it is set in pieces
# that TeX can break between (below); a shorter one is printed as SymPy prints it.
LONG = 240


def formula(expr: sp.Basic) -> str:
    """``expr`` in display style, with places where TeX may break a long one.

    A sum is set term by term (TeX breaks after a sign); in a long formula a fraction
    over a short denominator becomes :math:`\\frac{1}{N}` times its numerator, and a
    long sum inside, :math:`\\sum_j` or a factor, gets big brackets that do not stop
    a break. Every piece that cannot break is fitted to the line (``\\fit``).
    """
    return "\\displaystyle " + _pieces(expr, long=len(to_latex(expr)) > LONG)


def _pieces(expr: sp.Basic, long: bool) -> str:
    printer = DerivationLatexPrinter()
    if isinstance(expr, sp.Add):
        out = []
        for number, term in enumerate(printer._as_ordered_terms(expr, order=None)):
            negative = term.could_extract_minus_sign()
            sign = "-" if negative else ("" if number == 0 else "+")
            out.append(f"{sign} {_pieces(-term if negative else term, long)}")
        return " ".join(out)
    if not long:
        return f"\\fit{{{to_latex(expr)}}}"
    if isinstance(expr, sp.Mul) and expr.could_extract_minus_sign():
        return f"- {_pieces(-expr, long)}"
    numerator, denominator = sp.fraction(expr) if isinstance(expr, sp.Mul) else (expr, 1)
    if denominator != 1:  # after a long 1/d, a dot: TeX may break after it
        short = len(to_latex(denominator)) < 40
        over = f"\\fit{{\\frac{{1}}{{{to_latex(denominator)}}}}}"
        dot = "" if short else "\\cdot"
        return f"{over} {dot} {_bracketed(numerator)}"
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        index, low, high = expr.limits[0]
        limits = f"_{{{to_latex(index)}={to_latex(low)}}}^{{{to_latex(high)}}}"
        return f"\\sum{limits} {_bracketed(expr.function)}"
    if isinstance(expr, sp.Mul):
        sums = [f for f in expr.args if isinstance(f, sp.Add | sp.Sum)]
        if sums:
            rest = sp.Mul(*[f for f in expr.args if f is not sums[0]], evaluate=False)
            return f"{_bracketed(sums[0])} \\cdot \\fit{{{to_latex(rest)}}}"
    return f"\\fit{{{to_latex(expr)}}}"


def _bracketed(expr: sp.Basic) -> str:
    """``expr`` in pieces, in brackets if it is a sum (``\\Bigl(`` does not stop a break)."""
    inner = _pieces(expr, long=True)
    return f"\\Bigl( {inner} \\Bigr)" if isinstance(expr, sp.Add) else inner


def reason(step: Any) -> str:
    """A step's reason as prose: words escaped, formulas in ``$...$``."""
    pieces = segments(step.tex) if step.tex else words(step.reason)
    return "".join(escape(text) if kind == "text" else f"${text}$" for kind, text in pieces)


def example_part(entry: Any) -> str:
    """The worked example: the point, then each gradient derived and by differences."""
    example = examples.worked_example(entry)
    if example is None:
        return "\\subsection*{Worked example}\nNone for this kind of op."
    # one formula per input, so that TeX may break the line between them
    at = ", ".join(f"${input_tex(name, value)}$" for name, value in example.inputs)
    lines = ["\\keep\\subsection*{Worked example}"]
    where = f"At {at}" if at else "At the points named in the first column"
    lines.append(
        f"{where}: the derived gradient and the central difference of the forward "
        f"formula ($h = 10^{{-10}}$, {examples.DIGITS} digits), and the largest "
        "difference between them." + (f" Here {escape(example.note)}." if example.note else "")
    )
    rows = []
    for row in example.rows:
        rows += [
            f"${row.label_tex}$ & derived & ${numbers_tex(row.derived)}$ \\\\[2pt]",
            f"& central difference & ${numbers_tex(row.finite_difference)}$ \\\\[2pt]",
            f"& largest difference & ${scientific_tex(row.difference)}$ \\\\[6pt]",
        ]
    lines.append("\\begin{longtable}{@{}lll@{}}\n" + "\n".join(rows) + "\n\\end{longtable}")
    return "\n".join(lines)


def input_tex(name: str, value: sp.Matrix) -> str:
    """``name = value`` of a worked example's input, the name as a symbol (gamma is
    :math:`\\gamma`)."""
    return f"{to_latex(sp.Symbol(name))} = {numbers_tex(value)}"


def numbers_tex(value: sp.Matrix, digits: int = 8) -> str:
    """A number, a row or a matrix of numbers, to ``digits`` significant digits."""
    numbers = value.applyfunc(lambda v: sp.Float(v, digits))
    if numbers.shape == (1, 1):
        return _number_tex(numbers[0, 0], digits)
    body = " \\\\ ".join(
        " & ".join(_number_tex(v, digits) for v in numbers.row(r)) for r in range(numbers.rows)
    )
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


def _number_tex(value: Any, digits: int) -> str:
    text = f"{float(value):.{digits}g}"
    return text if "e" not in text else scientific_tex(float(value))


def scientific_tex(value: float) -> str:
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"
