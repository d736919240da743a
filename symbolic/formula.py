r"""Formula strings to SymPy: walked as an ``ast``, built node by node, bounded, never run.

A formula is what a user types for an activation, a loss or a hand-derived gradient:
numbers, the names it may use, ``+ - * / **``, calls of ``FUNCTIONS``, and comparisons
inside a ``Piecewise``. ``parse(text, names)`` checks the syntax tree with ``ast``,
then builds the SymPy expression itself, one node at a time -- no ``eval``, no
``parse_expr`` -- and bounds each node *before* SymPy computes it (``symbolic.limits``):

* the text, the number of nodes and the depth of the tree;
* every number after folding constants: ``10**(1000*1000*1000*1000)`` is refused from
  the estimate of its digits, never computed;
* the exponent of a power whose base is not a number, and the polynomial degree;
* the arguments of each function (``exp()`` is refused), one comparison at a time,
  comparisons and tuples only as ``Piecewise`` conditions and pairs;
* the result is finite (``x/0`` is refused: SymPy would make it ``zoo``).

Every refusal is a ``ValueError`` of one line; a limit's refusal names the limit.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> parse("0.5*x*(1 + erf(x/sqrt(2)))", {"x": x})
0.5*x*(erf(sqrt(2)*x/2) + 1)
>>> parse("x + 10**(1000*1000*1000*1000)", {"x": x})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: 10**1000000000000 would have about 1e+12 digits: numbers in a formula have at ...
>>> parse("x/0", {"x": x})
Traceback (most recent call last):
...
ValueError: 'x/0' divides by zero
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symbolic import limits

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
# name: (the SymPy function, fewest arguments, most arguments or None)
CALLS: dict[str, tuple[Any, int, int | None]] = {
    "exp": (sp.exp, 1, 1),
    "log": (sp.log, 1, 2),
    "sqrt": (sp.sqrt, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "sin": (sp.sin, 1, 1),
    "cos": (sp.cos, 1, 1),
    "atan": (sp.atan, 1, 1),
    "erf": (sp.erf, 1, 1),
    "erfc": (sp.erfc, 1, 1),
    "Abs": (sp.Abs, 1, 1),
    "sign": (sp.sign, 1, 1),
    "Heaviside": (sp.Heaviside, 1, 2),
    "Max": (sp.Max, 1, None),
    "Min": (sp.Min, 1, None),
    "Piecewise": (sp.Piecewise, 1, None),
}
FUNCTIONS: dict[str, Any] = {name: call for name, (call, _, _) in CALLS.items()} | CONSTANTS

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
_COMPARE = {ast.Lt: sp.Lt, ast.Gt: sp.Gt, ast.LtE: sp.Le, ast.GtE: sp.Ge, ast.Eq: sp.Eq}
_COMPARE[ast.NotEq] = sp.Ne
_PAIR = "Piecewise takes (value, condition) pairs, e.g. Piecewise((x, x > 0), (0, True))"


@dataclass(frozen=True)
class Grammar:
    """What a formula may use beyond the core above: a grader reads students' notation.

    ``calls``: more functions, name: (function, fewest, most arguments); ``constants``:
    more names of numbers (``e``); ``caret``: ``^`` read as ``**`` (in Python it is xor);
    ``conditions``: a comparison outside a ``Piecewise`` is 1 where it holds and 0
    elsewhere, and ``==``, ``!=`` are allowed; ``matrices``: ``M.T`` (a transpose of a
    name, no other attribute), ``@`` and ``axis=`` keywords of ``keywords``' functions.
    """

    calls: dict[str, tuple[Any, int, int | None]] = field(default_factory=dict)
    constants: dict[str, sp.Expr] = field(default_factory=dict)
    caret: bool = False
    conditions: bool = False
    matrices: bool = False
    keywords: frozenset[str] = frozenset()  # functions that take axis=


CORE = Grammar()


def allowed(names: dict, grammar: Grammar = CORE) -> str:
    """What a formula in ``names`` may use, for messages."""
    functions = sorted(FUNCTIONS.keys() | grammar.calls.keys() | grammar.constants.keys())
    return f"use {', '.join(names)} and the functions {', '.join(functions)}"


def _limit(name: str) -> str:
    return f"symbolic.limits.{name}"


def check(text: str, names: dict, grammar: Grammar = CORE) -> ast.Expression:
    """The syntax tree of ``text``; raise ``ValueError`` unless it is a formula in ``names``."""
    if not isinstance(text, str):
        raise ValueError(f"a formula is a string, got {type(text).__name__}")
    if len(text) > limits.MAX_LENGTH:
        raise ValueError(
            f"a formula is at most {limits.MAX_LENGTH} characters ({_limit('MAX_LENGTH')}), "
            f"got {len(text)}"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"{text!r} is not a formula: {error.msg}") from None
    except (RecursionError, MemoryError):  # nesting deeper than Python's own parser takes
        raise ValueError(f"a formula is nested at most {limits.MAX_DEPTH} deep") from None
    count = 0
    stack = [(tree, 0)]
    while stack:  # iterative: the depth is what is being bounded
        node, depth = stack.pop()
        # a + b - c + ... is one level, as SymPy flattens it (and the builder folds it)
        group = _group(node)
        stack.extend(
            (child, depth if group and _group(child) == group else depth + 1)
            for child in ast.iter_child_nodes(node)
        )
        count += isinstance(node, ast.expr)  # operands, operations, calls; not Load, Add
        if count > limits.MAX_NODES:
            raise ValueError(
                f"a formula has at most {limits.MAX_NODES} nodes ({_limit('MAX_NODES')})"
            )
        if depth > limits.MAX_DEPTH:
            raise ValueError(
                f"a formula is nested at most {limits.MAX_DEPTH} deep ({_limit('MAX_DEPTH')})"
            )
        _check_node(node, names, grammar)
    return tree


def _group(node: ast.AST) -> str:
    """``"+"`` for a sum or difference, ``"*"`` for a product or quotient, else ``""``."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return "+"
        if isinstance(node.op, ast.Mult | ast.Div):
            return "*"
    return ""


def _check_node(node: ast.AST, names: dict, grammar: Grammar = CORE) -> None:
    calls = CALLS.keys() | grammar.calls.keys()
    constants = CONSTANTS.keys() | grammar.constants.keys()
    if isinstance(node, ast.Attribute) and not _transpose(node, names, grammar):
        if grammar.matrices:
            raise ValueError(
                f"attribute access ('.{node.attr}') is not allowed in a formula: only the "
                f"transpose of a matrix, as in X.T"
            )
        raise ValueError(f"attribute access ('.{node.attr}') is not allowed in a formula")
    if isinstance(node, ast.Lambda):
        raise ValueError("lambda is not allowed in a formula: write the expression itself")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor) and not grammar.caret:
        raise ValueError("'^' is not a power in a formula: write x**2")
    extra = (ast.BitXor,) * grammar.caret + (ast.Eq, ast.NotEq) * grammar.conditions
    extra += (ast.MatMult, ast.Attribute, ast.keyword) * grammar.matrices
    if not isinstance(node, _NODES + extra):
        raise ValueError(
            f"{type(node).__name__} is not allowed in a formula: {allowed(names, grammar)}"
        )
    if isinstance(node, ast.Name) and node.id not in names and node.id not in FUNCTIONS:
        if node.id not in grammar.calls and node.id not in grammar.constants:
            raise ValueError(f"{node.id!r} is not allowed in a formula: {allowed(names, grammar)}")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in names or node.func.id in constants:
            raise ValueError(_not_a_function(node, names, grammar))
        if node.func.id not in calls:
            raise ValueError(
                f"{node.func.id!r} is not allowed in a formula: {allowed(names, grammar)}"
            )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and grammar.matrices:
        raise ValueError(
            f"a method call (.{node.func.attr}(...)) is not allowed in a formula: call a "
            f"function, as in dot(X.T, G) or sum(G, axis=0)"
        )
    if isinstance(node, ast.Call) and (
        not isinstance(node.func, ast.Name) or not _keywords_allowed(node, grammar)
    ):
        raise ValueError(
            f"only calls like exp(x) are allowed in a formula: {allowed(names, grammar)}"
        )
    if isinstance(node, ast.Constant) and (
        type(node.value) not in (int, float, bool) or abs(node.value) > 1e300
    ):
        if not (node.value is None and grammar.keywords):  # sum(G, axis=None)
            raise ValueError(f"{node.value!r} is not a number a formula may hold")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow | ast.BitXor):
        if isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Pow | ast.BitXor):
            raise ValueError("nested powers (a**b**c) are not allowed in a formula")


def _transpose(node: ast.Attribute, names: dict, grammar: Grammar) -> bool:
    """``M.T`` or ``(G.T*X).T``: the one attribute a matrix formula may use, on a matrix
    named in ``names`` or on an expression the builder makes (never on a function)."""
    if not (grammar.matrices and node.attr == "T"):
        return False
    if isinstance(node.value, ast.Name):
        return isinstance(names.get(node.value.id), sp.MatrixBase)
    return isinstance(node.value, ast.BinOp | ast.Call | ast.Attribute | ast.UnaryOp)


def _keywords_allowed(node: ast.Call, grammar: Grammar) -> bool:
    if not node.keywords:
        return True
    return (
        isinstance(node.func, ast.Name)
        and node.func.id in grammar.keywords
        and all(k.arg == "axis" and isinstance(k.value, ast.Constant) for k in node.keywords)
    )


def _not_a_function(node: ast.Call, names: dict, grammar: Grammar) -> str:
    """``s(1-s)``: a value called as a function, most often a product missing its ``*``."""
    name = node.func.id
    if name in names and len(node.args) == 1 and not node.keywords:
        inside = ast.unparse(node.args[0])
        return (
            f"{name}({inside}) calls {name}, which is a value, not a function: for a "
            f"product write {name}*({inside}) (a formula reads no implicit multiplication)"
        )
    return f"{name} is not a function: {allowed(names, grammar)}"


@dataclass(frozen=True)
class _Built:
    value: Any  # an expression, a condition (relational or bool) or a Piecewise pair (tuple)
    degree: int  # polynomial degree, at most; a function call counts as one variable


def parse(text: str, names: dict[str, sp.Symbol], grammar: Grammar = CORE) -> sp.Expr:
    """``text`` as a SymPy expression in ``names``; ``ValueError`` with the reason if not."""
    if grammar.caret and isinstance(text, str):  # x^2 as x**2, with a power's precedence
        text = text.replace("^", "**")
    tree = check(text, names, grammar)
    builder = _Builder(text.strip(), names, grammar)
    try:
        built = builder.build(tree.body)
    except RecursionError:  # MAX_DEPTH keeps this from happening; never a traceback
        raise ValueError(f"a formula is nested at most {limits.MAX_DEPTH} deep") from None
    value = builder.expression(built, tree.body)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError(f"{text.strip()!r} is not finite: SymPy makes it {value}")
    _check_numbers(value)
    return value


def _check_numbers(value: sp.Basic) -> None:
    """Numbers SymPy made while building (``(10**99*x)**2``) stay within bounds too."""
    most = limits.MAX_DIGITS * limits.MAX_DEGREE
    for number in value.atoms(sp.Rational):
        if max(limits.digits(number.p), limits.digits(number.q)) > most:
            raise ValueError(
                f"a formula's numbers have at most {most} digits after SymPy folds them "
                f"({_limit('MAX_DIGITS')} x {_limit('MAX_DEGREE')})"
            )
    for number in value.atoms(sp.Float):
        _check_float(number)


def _check_float(number: sp.Float) -> None:
    if number != 0 and abs(sp.log(abs(number), 10)) > limits.MAX_FLOAT_EXPONENT:
        raise ValueError(
            f"{sp.N(number, 3)} is beyond a float's range: a formula's floats are within "
            f"1e{limits.MAX_FLOAT_EXPONENT} ({_limit('MAX_FLOAT_EXPONENT')})"
        )


class _Builder:
    """Builds SymPy nodes bottom-up, bounding each before SymPy computes it."""

    def __init__(self, text: str, names: dict, grammar: Grammar = CORE) -> None:
        self.text, self.names, self.grammar = text, names, grammar
        self.calls = CALLS | grammar.calls

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def build(self, node: ast.AST) -> _Built:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return _Built(self.names[node.id], 1)
            if node.id in CONSTANTS or node.id in self.grammar.constants:
                return _Built((CONSTANTS | self.grammar.constants)[node.id], 0)
            raise ValueError(f"{node.id} is a function: call it, as in {node.id}(x)")
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            value = self.expression(operand, node.operand)
            return self.number(
                _Built(-value if isinstance(node.op, ast.USub) else value, operand.degree)
            )
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Tuple):
            parts = tuple(self.build(element) for element in node.elts)
            return _Built(
                tuple(part.value for part in parts), max((p.degree for p in parts), default=0)
            )
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):  # M.T, the one kind check() lets through
            inner = self.build(node.value)
            if not isinstance(inner.value, sp.MatrixBase):
                raise ValueError(f"{self.source(node)}: only a matrix has a transpose .T")
            return _Built(inner.value.T, inner.degree)
        raise ValueError(f"{type(node).__name__} is not allowed in a formula")

    def constant(self, node: ast.Constant) -> _Built:
        if isinstance(node.value, bool):
            return _Built(sp.true if node.value else sp.false, 0)
        if isinstance(node.value, int):
            if limits.digits(node.value) > limits.MAX_DIGITS:
                raise ValueError(self.too_many_digits(self.source(node), limits.digits(node.value)))
            return _Built(sp.Integer(node.value), 0)
        # As parse_expr's auto_number reads it: the digits as written set the precision.
        return self.number(_Built(sp.Float(self.source(node).replace("_", "")), 0))

    def expression(self, built: _Built, node: ast.AST) -> sp.Expr:
        """``built``'s value, which must have a value (not a comparison, not a pair)."""
        value = built.value
        if isinstance(value, sp.Expr) or (
            self.grammar.matrices and isinstance(value, sp.MatrixBase)
        ):
            return value
        if self.grammar.conditions and isinstance(
            value, sp.core.relational.Relational | sp.logic.boolalg.BooleanAtom
        ):  # (x > 0) read as 1 where it holds, 0 elsewhere
            return sp.Piecewise((1, value), (0, True))
        if isinstance(value, tuple):
            raise ValueError(f"a tuple ({self.source(node)}) is only allowed as a Piecewise pair")
        raise ValueError(
            f"a condition ({self.source(node)}) has no value: use it in a Piecewise, "
            f"Piecewise((x, x > 0), (0, True))"
        )

    def number(self, built: _Built) -> _Built:
        """Check a number SymPy folded: digits of a fraction, range of a float, finite."""
        value = built.value
        if value in (sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ValueError(f"{self.text!r} is not finite: SymPy makes part of it {value}")
        if isinstance(value, sp.Rational):
            size = max(limits.digits(value.p), limits.digits(value.q))
            if size > limits.MAX_DIGITS:
                raise ValueError(self.too_many_digits(str(value)[:40], size))
        elif isinstance(value, sp.Float):
            _check_float(value)
        return built

    def too_many_digits(self, what: str, size: float) -> str:
        shown = f"{size:.3g}" if size >= 1e6 else f"{size:.0f}"
        return (
            f"{what} would have about {shown} digits: numbers in a formula have at most "
            f"{limits.MAX_DIGITS} ({_limit('MAX_DIGITS')})"
        )

    def binary(self, node: ast.BinOp) -> _Built:
        if isinstance(node.op, ast.Pow | ast.BitXor):  # ^ only where the grammar reads it
            left, right = self.build(node.left), self.build(node.right)
            a, b = self.expression(left, node.left), self.expression(right, node.right)
            return self.power(node, left, a, b)
        if isinstance(node.op, ast.MatMult):
            return self.operation(node, self.build(node.left), self.build(node.right))
        chain = [node]  # a + b + c + ... folded from the left, without recursing down it
        while _group(chain[-1].left) == _group(node):
            chain.append(chain[-1].left)
        built = self.build(chain[-1].left)
        for step in reversed(chain):
            built = self.operation(step, built, self.build(step.right))
        return built

    def operation(self, node: ast.BinOp, left: _Built, right: _Built) -> _Built:
        a, b = self.expression(left, node.left), self.expression(right, node.right)
        if isinstance(node.op, ast.Add | ast.Sub):
            degree = max(left.degree, right.degree)
            return self.number(_Built(a + b if isinstance(node.op, ast.Add) else a - b, degree))
        if isinstance(node.op, ast.Mult | ast.MatMult):
            return self.number(_Built(a * b, self.degree(left.degree + right.degree, node)))
        if isinstance(b, sp.MatrixBase):
            raise ValueError(f"{self.source(node)!r} divides by a matrix")
        if b.is_zero:
            raise ValueError(f"{self.source(node)!r} divides by zero")
        return self.number(_Built(a / b, self.degree(left.degree + right.degree, node)))

    def degree(self, degree: int, node: ast.AST) -> int:
        if degree > limits.MAX_DEGREE:
            raise ValueError(
                f"{self.source(node)[:60]} has polynomial degree {degree}: a formula's degree "
                f"is at most {limits.MAX_DEGREE} ({_limit('MAX_DEGREE')}), which expand and "
                f"solve can face"
            )
        return degree

    def power(self, node: ast.BinOp, left: _Built, base: sp.Expr, exponent: sp.Expr) -> _Built:
        """``base**exponent``, its size estimated before SymPy computes it."""
        if isinstance(base, sp.MatrixBase) or isinstance(exponent, sp.MatrixBase):
            raise ValueError(f"{self.source(node)}: no powers of a matrix in a formula")
        if not exponent.is_Number:  # 2**x, x**x, x**pi: not expanded, one more variable
            return _Built(base**exponent, 1)
        if base.is_Number:
            self.number_power(node, base, exponent)
            return self.number(_Built(base**exponent, 0))
        if abs(exponent) > limits.MAX_EXPONENT:
            raise ValueError(
                f"the exponent {exponent} of {self.source(node)[:60]} is beyond "
                f"{limits.MAX_EXPONENT} ({_limit('MAX_EXPONENT')})"
            )
        # A number-valued base (pi, sqrt(2)) counts as one variable: (2*pi)**64**64 is big.
        degree = self.degree(max(left.degree, 1) * math.ceil(abs(float(exponent))), node)
        return _Built(base**exponent, degree)

    def number_power(self, node: ast.BinOp, base: sp.Number, exponent: sp.Number) -> None:
        """Refuse a power of numbers whose size would pass the limits, before computing it."""
        if base in (0, 1, -1):
            return
        if isinstance(base, sp.Rational):
            size = math.log10(max(abs(base.p), base.q))
        else:
            size = abs(math.log10(abs(float(base))))
        estimate = float(abs(exponent)) * size
        shown = f"{sp.sstr(base, full_prec=False)}**{sp.sstr(exponent, full_prec=False)}"
        if isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational):
            if estimate >= limits.MAX_DIGITS:
                raise ValueError(self.too_many_digits(shown, math.floor(estimate) + 1))
        elif estimate > 1e6:
            raise ValueError(
                f"{shown} would be about 10**({estimate:.3g}), beyond a float's range: a "
                f"formula's floats are within 1e{limits.MAX_FLOAT_EXPONENT} "
                f"({_limit('MAX_FLOAT_EXPONENT')})"
            )
        elif estimate > limits.MAX_FLOAT_EXPONENT:
            raise ValueError(
                f"{shown} would be about 10**{estimate:.0f}, beyond a float's range: a formula's "
                f"floats are within 1e{limits.MAX_FLOAT_EXPONENT} "
                f"({_limit('MAX_FLOAT_EXPONENT')})"
            )

    def compare(self, node: ast.Compare) -> _Built:
        if len(node.ops) != 1:
            raise ValueError(
                f"{self.source(node)!r} chains comparisons: a condition compares two things, "
                f"Piecewise((x, x > 0), (0, True))"
            )
        left, right = self.build(node.left), self.build(node.comparators[0])
        a = self.expression(left, node.left)
        b = self.expression(right, node.comparators[0])
        relation = _COMPARE[type(node.ops[0])](a, b)
        return _Built(relation, max(left.degree, right.degree))

    def call(self, node: ast.Call) -> _Built:
        name = node.func.id
        function, fewest, most = self.calls[name]
        count = len(node.args)
        if count < fewest or (most is not None and count > most):
            wanted = str(fewest) if fewest == most else f"{fewest} or more"
            if most is not None and most != fewest:
                wanted = f"{fewest} or {most}"
            plural = "" if wanted == "1" else "s"
            if name == "Piecewise":
                raise ValueError(f"{_PAIR}; got {self.source(node)}")
            raise ValueError(
                f"{name} takes {wanted} argument{plural}, got {count}: {self.source(node)}"
            )
        built = [self.build(arg) for arg in node.args]
        if name == "Piecewise":
            args = [self.pair(b, arg) for b, arg in zip(built, node.args, strict=True)]
        else:
            args = [self.expression(b, arg) for b, arg in zip(built, node.args, strict=True)]
        if any(isinstance(a, sp.MatrixBase) for a in args) and name not in self.grammar.calls:
            raise ValueError(f"{self.source(node)}: {name} takes numbers, not a matrix")
        value = function(*args, **{k.arg: k.value.value for k in node.keywords})
        constant = all(isinstance(a, sp.Expr) and a.is_number for a in args)
        return self.number(_Built(value, 0 if constant else 1))

    def pair(self, built: _Built, node: ast.AST) -> tuple:
        if not (isinstance(built.value, tuple) and len(built.value) == 2):
            raise ValueError(f"{_PAIR}; got {self.source(node)}")
        value, condition = built.value
        if not isinstance(value, sp.Expr):
            raise ValueError(f"{_PAIR}; got {self.source(node)}")
        if not isinstance(condition, sp.core.relational.Relational | sp.logic.boolalg.BooleanAtom):
            raise ValueError(
                f"{_PAIR}: a condition is a comparison or True; got {self.source(node)}"
            )
        return value, condition
