r"""The closed forms a textbook names: :math:`\sigma`, :math:`\varphi`, :math:`\Phi`, softplus.

Each is a SymPy function that stays unevaluated for the reader and becomes its
definition on ``doit()``, so a step written with :math:`\sigma(x)` is proven from
:math:`1/(1 + e^{-x})` itself, never from what this module says about it. Their
derivatives (``fdiff``) are in named form too (:math:`\sigma' = \sigma(1 - \sigma)`,
:math:`\Phi' = \varphi`), and the prover checks them like any other step.

``naming_steps(expr)`` rewrites a formula into named form one rule at a time:

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> [str(step.expr) for step in naming_steps(sp.exp(-x) / (1 + sp.exp(-x)) ** 2)]
['(1 - sigma(x))*sigma(x)']
>>> naming_steps(x * (1 + sp.erf(x / sp.sqrt(2))) / 2)[-1].expr
x*Phi(x)
>>> sigma(x).doit()
1/(1 + exp(-x))
>>> sp.N(sigma(sp.Integer(0)))
0.500000000000000
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from symbolic.derived import Step
from symbolic.reasons import Math, because


class Named(sp.Function):
    """A function with a name and a definition; ``doit()`` gives the definition."""

    nargs = 1
    tex = ""  # the name in LaTeX
    description = ""
    written: Math  # the definition, as a reason states it

    @staticmethod
    def definition(u: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def doit(self, **hints: object) -> sp.Expr:
        u = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return self.definition(u)

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.definition(self.args[0])._eval_evalf(prec)

    def _eval_rewrite_as_exp(self, u: sp.Expr, **kwargs: object) -> sp.Expr:
        return self.definition(u).rewrite(sp.exp)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: object, exp: object = None) -> str:
        power = f"^{{{exp}}}" if exp else ""
        return rf"{self.tex}{power}\left({printer._print(self.args[0])}\right)"


class sigma(Named):  # noqa: N801 - named as the reader writes it
    r"""The sigmoid :math:`\sigma(u) = 1/(1 + e^{-u})`."""

    tex = r"\sigma"
    description = "the sigmoid"
    written = Math("sigma(u) = 1/(1 + exp(-u))", r"\sigma(u) = \frac{1}{1 + e^{-u}}")

    @staticmethod
    def definition(u: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-u))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0]) * (1 - sigma(self.args[0]))


class softplus(Named):  # noqa: N801
    r"""Softplus :math:`\log(1 + e^{u})`."""

    tex = r"\operatorname{softplus}"
    description = "softplus"
    written = Math("softplus(u) = log(1 + exp(u))", r"\operatorname{softplus}(u) = \log(1 + e^{u})")

    @staticmethod
    def definition(u: sp.Expr) -> sp.Expr:
        return sp.log(1 + sp.exp(u))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma(self.args[0])


class phi(Named):  # noqa: N801
    r"""The standard normal density :math:`\varphi(u) = e^{-u^2/2}/\sqrt{2\pi}`."""

    tex = r"\varphi"
    description = "the standard normal density"
    written = Math(
        "phi(u) = exp(-u**2/2)/sqrt(2*pi)", r"\varphi(u) = \frac{e^{-u^{2}/2}}{\sqrt{2\pi}}"
    )

    @staticmethod
    def definition(u: sp.Expr) -> sp.Expr:
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return -self.args[0] * phi(self.args[0])


class Phi(Named):
    r"""The standard normal CDF :math:`\Phi(u) = (1 + \operatorname{erf}(u/\sqrt{2}))/2`."""

    tex = r"\Phi"
    description = "the standard normal CDF"
    written = Math(
        "Phi(u) = (1 + erf(u/sqrt(2)))/2",
        r"\Phi(u) = \frac{1 + \operatorname{erf}(u/\sqrt{2})}{2}",
    )

    @staticmethod
    def definition(u: sp.Expr) -> sp.Expr:
        return (1 + sp.erf(u / sp.sqrt(2))) / 2

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return phi(self.args[0])


NAMED = (sigma, softplus, phi, Phi)


def expand_named(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every named function replaced by its definition."""
    return expr.replace(lambda e: isinstance(e, Named), lambda e: e.definition(e.args[0]))


# ----- the naming rules: each rewrites one kind of node, or returns None -----


def _softplus(node: sp.Basic) -> sp.Expr | None:
    """``log(1 + e^u)`` as ``softplus(u)``."""
    if isinstance(node, sp.log) and isinstance(node.args[0], sp.Add):
        terms = node.args[0].args
        if len(terms) == 2 and sp.S.One in terms:
            other = terms[0] if terms[1] == 1 else terms[1]
            if isinstance(other, sp.exp):
                return softplus(other.args[0])
    return None


def _one_plus_exp(base: sp.Expr) -> sp.Expr | None:
    if isinstance(base, sp.Add) and len(base.args) == 2 and sp.S.One in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _sigma(node: sp.Basic) -> sp.Expr | None:
    r"""``e^{ku} / (1 + e^u)^n`` (``0 <= k <= n``) as :math:`\sigma(u)^k \sigma(-u)^{n-k}`,
    each :math:`\sigma` of a negated argument written :math:`1 - \sigma(v)`."""
    if not isinstance(node, sp.Mul | sp.Pow):
        return None
    factors = list(node.args) if isinstance(node, sp.Mul) else [node]
    for index, factor in enumerate(factors):
        if not (isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp < 0):
            continue
        w = _one_plus_exp(factor.base)
        if w is None:
            continue
        n, k = -int(factor.exp), 0
        rest = factors[:index] + factors[index + 1 :]
        for position, other in enumerate(rest):
            ratio = sp.cancel(other.args[0] / w) if isinstance(other, sp.exp) else None
            if ratio is not None and ratio.is_Integer and 0 < ratio <= n:
                k = int(ratio)
                rest = rest[:position] + rest[position + 1 :]
                break
        # e^{kw} / (1 + e^w)^n = sigma(w)^k sigma(-w)^(n-k), then in sigma(v), v = +-w:
        # sigma(-v) = 1 - sigma(v).
        if w.could_extract_minus_sign():
            v = -w
            of_w, of_minus_w = 1 - sigma(v), sigma(v)
        else:
            v = w
            of_w, of_minus_w = sigma(v), 1 - sigma(v)
        return sp.Mul(*rest) * of_w**k * of_minus_w ** (n - k)
    return None


def _pair(function: type, build: Callable[[sp.Expr, sp.Expr, int], sp.Expr]) -> Callable:
    """A rule for sums holding ``c*function(u)`` and the number ``c`` or ``-c``."""

    def rule(node: sp.Basic) -> sp.Expr | None:
        if not isinstance(node, sp.Add):
            return None
        numbers = [term for term in node.args if term.is_Number]
        for term in node.args:
            coefficient, rest = term.as_coeff_Mul()
            if not isinstance(rest, function):
                continue
            for number in numbers:
                for sign in (1, -1):
                    if number == sign * coefficient:
                        others = [a for a in node.args if a is not term and a is not number]
                        return sp.Add(*others) + build(coefficient, rest.args[0], sign)
        return None

    return rule


# c erf(a) + c = 2c Phi(sqrt(2) a); c erf(a) - c = -c (1 - erf(a)) = -2c Phi(-sqrt(2) a)
_Phi = _pair(
    sp.erf,
    lambda c, a, sign: 2 * c * Phi(sp.sqrt(2) * a) if sign > 0 else -2 * c * Phi(-sp.sqrt(2) * a),
)


def _phi(node: sp.Basic) -> sp.Expr | None:
    r""":math:`e^{-v^2/2}` as :math:`\sqrt{2\pi}\,\varphi(v)`."""
    if isinstance(node, sp.exp):
        base, exponent = (-2 * node.args[0]).as_base_exp()
        if exponent == 2 and base.is_real is not False:
            return sp.sqrt(2 * sp.pi) * phi(base)
    return None


def _sech(node: sp.Basic) -> sp.Expr | None:
    r""":math:`1 - \tanh^2 v` as :math:`\operatorname{sech}^2 v`."""
    if isinstance(node, sp.Add) and sp.S.One in node.args:
        for term in node.args:
            if (
                isinstance(term, sp.Mul)
                and term.args[0] == -1
                and len(term.args) == 2
                and isinstance(term.args[1], sp.Pow)
                and isinstance(term.args[1].base, sp.tanh)
                and term.args[1].exp == 2
            ):
                others = [a for a in node.args if a is not term and a != 1]
                return sp.Add(*others) + sp.sech(term.args[1].base.args[0]) ** 2
    return None


def _tanh(node: sp.Basic) -> sp.Expr | None:
    """``sinh(v)/cosh(v)`` as ``tanh(v)``."""
    if isinstance(node, sp.Mul):
        for factor in node.args:
            if isinstance(factor, sp.sinh):
                below = sp.cosh(factor.args[0]) ** -1
                if below in node.args:
                    rest = [a for a in node.args if a is not factor and a != below]
                    return sp.Mul(*rest) * sp.tanh(factor.args[0])
    return None


def _sign(node: sp.Basic) -> sp.Expr | None:
    """``v sign(v)`` as ``|v|``."""
    if isinstance(node, sp.Mul):
        for factor in node.args:
            if isinstance(factor, sp.sign) and factor.args[0] in node.args:
                rest = list(node.args)
                rest.remove(factor)
                rest.remove(factor.args[0])
                return sp.Mul(*rest) * sp.Abs(factor.args[0])
    return None


def _rewrite(expr: sp.Basic, rule: Callable) -> sp.Basic:
    """``expr`` with ``rule`` applied wherever it matches, outermost first."""
    if not isinstance(expr, sp.Basic) or not expr.args or isinstance(expr, Named):
        return expr
    rewritten = rule(expr)
    if rewritten is not None:
        expr = rewritten
    if not expr.args or isinstance(expr, Named):
        return expr
    args = tuple(_rewrite(arg, rule) for arg in expr.args)
    if all(new is old for new, old in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


SIGMA_COMPLEMENT = Math(
    "1 - sigma(u) = sigma(-u)", r"1 - \sigma\left(u\right) = \sigma\left(-u\right)"
)
SECH = Math("1 - tanh(u)**2 = sech(u)**2", r"1 - \tanh^{2} u = \operatorname{sech}^{2} u")
SIGN = Math("u*sign(u) = Abs(u)", r"u \operatorname{sign}(u) = \left|u\right|")
TANH = Math("sinh(u)/cosh(u) = tanh(u)", r"\frac{\sinh u}{\cosh u} = \tanh u")


def _naming(function: type[Named]) -> tuple:
    return (f"name {function.description}: ", function.written)


def _sigma_reason(result: sp.Basic) -> tuple:
    complement = any(
        isinstance(a, sp.Add) and len(a.args) == 2 and a.args[0] == 1 and a.args[1].has(sigma)
        for a in sp.preorder_traversal(result)
    )
    return _naming(sigma) + (("; ", SIGMA_COMPLEMENT) if complement else ())


# (rule, the reason given the result, keep only when the formula does not grow)
RULES: tuple[tuple[Callable, Callable, bool], ...] = (
    (_softplus, lambda _: _naming(softplus), False),
    (_sigma, _sigma_reason, False),
    (_Phi, lambda _: _naming(Phi), False),
    (_phi, lambda _: _naming(phi), True),
    (_tanh, lambda _: ("identity: ", TANH), False),
    (_sech, lambda _: ("identity: ", SECH), False),
    (_sign, lambda _: ("identity: ", SIGN), False),
)


def naming_steps(expr: sp.Expr) -> list[Step]:
    """The steps that write ``expr`` with named closed forms, one rule a step."""
    steps = []
    for rule, reason, must_shrink in RULES:
        rewritten = _rewrite(expr, rule)
        if rewritten == expr:
            continue
        if must_shrink and sp.count_ops(rewritten) > sp.count_ops(expr):
            continue
        steps.append(because(rewritten, *reason(rewritten)))
        expr = rewritten
    return steps
