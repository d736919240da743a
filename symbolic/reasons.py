r"""A step's reason that states its rule, in plain text and in LaTeX.

A reason is built from parts: plain words, ``Math`` (a formula written once for
text and once for LaTeX, such as a rule), and SymPy expressions (printed by
``symbolic.latex``). ``because`` returns a ``Step`` whose ``reason`` is the text
and whose ``tex`` is the same reason as a LaTeX math fragment, words in ``\text``:

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> step = because(x**2, "power rule: ", POWER, " with ", ("n", sp.Integer(2)))
>>> step.reason
"power rule: (x^n)' = n x^(n-1) with n = 2"
>>> step.tex
"\\text{power rule: }\\left(x^{n}\\right)' = n x^{n-1}\\text{ with }n = 2"
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbolic.derived import Step


@dataclass(frozen=True)
class Math:
    """A formula with a plain-text form and a LaTeX form."""

    text: str
    tex: str


Part = str | Math | sp.Basic | tuple  # a tuple (name, expr) reads "name = expr"


def phrase(*parts: Part) -> tuple[str, str]:
    """``(text, tex)`` of a reason made of words, ``Math``, SymPy expressions (an
    equation ``Eq(a, b)`` reads ``a = b``) and ``(name, expr)`` pairs."""
    from symbolic.latex import escape, to_latex, to_text

    text, tex = [], []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
            tex.append(rf"\text{{{escape(part)}}}" if part else "")
        elif isinstance(part, Math):
            text.append(part.text)
            tex.append(part.tex)
        elif isinstance(part, tuple):
            name, expr = part
            text.append(f"{name} = {to_text(expr)}")
            tex.append(f"{name} = {to_latex(expr)}")
        elif isinstance(part, sp.Equality):
            text.append(f"{to_text(part.lhs)} = {to_text(part.rhs)}")
            tex.append(f"{to_latex(part.lhs)} = {to_latex(part.rhs)}")
        else:
            text.append(to_text(part))
            tex.append(to_latex(part))
    return "".join(text), "".join(tex)


def because(expr: sp.Basic, *parts: Part, given: dict | None = None) -> Step:
    """A ``Step`` to ``expr`` whose reason is ``parts`` (see ``phrase``)."""
    text, tex = phrase(*parts)
    return Step(expr, text, dict(given or {}), tex)


class Label(sp.Symbol):
    r"""A quantity's name for a section heading, with a text and a LaTeX form.

    >>> from symbolic.latex import to_latex, to_text
    >>> label = Label("J = ds/dz", r"J = \frac{\partial s}{\partial z}")
    >>> print(to_text(label), "|", to_latex(label))
    J = ds/dz | J = \frac{\partial s}{\partial z}
    """

    _tex: dict[str, str] = {}

    def __new__(cls, text: str, tex: str) -> Label:
        label = super().__new__(cls, text)
        cls._tex[text] = tex
        return label

    def __getnewargs_ex__(self) -> tuple:
        return (self.name, self._tex[self.name]), {}

    def _latex(self, printer: object) -> str:
        return self._tex[self.name]

    def _sympystr(self, printer: object) -> str:
        return self.name


# ----- the textbook rules, as a reason states them -----

SUM = Math("(u + v)' = u' + v'", r"\left(u + v\right)' = u' + v'")
CONSTANT_FACTOR = Math("(c u)' = c u'", r"\left(c\,u\right)' = c\,u'")
PRODUCT = Math("(u v)' = u' v + u v'", r"\left(u\,v\right)' = u'\,v + u\,v'")
QUOTIENT = Math("(f/g)' = (f'g - fg')/g^2", r"\left(\frac{f}{g}\right)' = \frac{f'g - f g'}{g^{2}}")
POWER = Math("(x^n)' = n x^(n-1)", r"\left(x^{n}\right)' = n x^{n-1}")
POWER_CHAIN = Math("(u^n)' = n u^(n-1) u'", r"\left(u^{n}\right)' = n u^{n-1} u'")
EXPONENTIAL = Math("(a^u)' = a^u log(a) u'", r"\left(a^{u}\right)' = a^{u} \log(a)\, u'")
CHAIN = Math("(f(u))' = f'(u) u'", r"\left(f(u)\right)' = f'(u)\, u'")
SUM_T = Math("sum_j t_j = 1", r"\sum_j t_j = 1")
