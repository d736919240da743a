"""Students' notation, read as they mean it: the grammar ``check_formula`` parses with.

``symbolic.formula`` parses the core grammar (what ``define_activation`` takes); a
grader reads more (``symbolic.formula.Grammar``): an op's own name as a function
(``sigmoid(x)``, ``relu(x)``, a user op's name), ``sigma``, ``Phi``, ``phi``, ``sech``,
``ln``, ``abs``, ``max``, ``min``; ``e`` for Euler's number (unless ``e`` names a
variable); ``^`` as a power; a comparison ``(x > 0)`` as 1 where it holds, 0 elsewhere.
``notes`` says how a formula's notation was read where Python would read it otherwise.

>>> import sympy as sp
>>> from symbolic.formula import parse
>>> x = sp.Symbol("x", real=True)
>>> parse("sigmoid(x)*(x > 0) + e^x", {"x": x}, grammar({"x": x}))
exp(x) + Piecewise((1, x > 0), (0, True))/(1 + exp(-x))
>>> notes("1 - y^2")
('^ is read as a power (in Python code ^ is xor: write **)',)
"""

from __future__ import annotations

import sympy as sp

from symbolic.formula import Grammar
from symbolic.ops import Elementwise, x


def identifiers(formula: str) -> set[str]:
    """The names a formula uses (parsed only for its names: ``1e-6`` holds no ``e``)."""
    import ast
    import re

    try:
        return {
            n.id
            for n in ast.walk(ast.parse(formula.strip(), mode="eval"))
            if isinstance(n, ast.Name)
        }
    except (SyntaxError, RecursionError, MemoryError, ValueError):  # parse() says why
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula))


def grammar(names: dict, **extra: object) -> Grammar:
    """Students' notation: the ops' own names as functions (``sigmoid(x)``), ``sech``,
    ``sigma``, ``Phi``, ``abs``, ``ln``, ``e``, ``^`` as a power, comparisons as 0/1."""
    from symbolic.formula import CALLS
    from symbolic.ops import OPS

    u = sp.Dummy("u", real=True)
    calls = {
        "sech": (sp.sech, 1, 1),
        "ln": (sp.log, 1, 1),
        "abs": (sp.Abs, 1, 1),
        "max": (sp.Max, 1, None),
        "min": (sp.Min, 1, None),
        "sigma": (sp.Lambda(u, 1 / (1 + sp.exp(-u))), 1, 1),
        "Phi": (sp.Lambda(u, (1 + sp.erf(u / sp.sqrt(2))) / 2), 1, 1),
        "phi": (sp.Lambda(u, sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)), 1, 1),
    }
    for name, entry in OPS.items():  # sigmoid(x), relu(x), softplus(x), a user op's name
        if isinstance(entry, Elementwise) and name not in CALLS and name not in names:
            body = entry.expr.subs(dict(entry.params)).xreplace({x: u})
            calls[name] = (sp.Lambda(u, body), 1, 1)
    calls = {k: v for k, v in calls.items() if k not in names}
    constants = {} if "e" in names else {"e": sp.E}
    return Grammar(calls=calls, constants=constants, caret=True, conditions=True, **extra)


def notes(formula: str, frame: object = None) -> tuple[str, ...]:
    """How a formula's notation was read, where Python would read it otherwise."""
    found = []
    if "^" in formula:
        found.append("^ is read as a power (in Python code ^ is xor: write **)")
    if "e" in identifiers(formula) and (frame is None or "e" not in frame.names):
        found.append("e is read as Euler's number")
    return tuple(found)
