"""A micrograd ``Value`` class: karpathy/micrograd's ``engine.py`` and its re-implementations.

Each operator of a ``Value`` builds a new node and a closure ``_backward`` that adds its
local gradient into its operands' ``.grad``; ``out.backward()`` sorts the graph and seeds
``out.grad = 1``. The class is checked one operation at a time, each a ``Subject`` on
0-d float64 arrays:

* ``a + b``, ``a - b``, ``a * b``, ``a / b`` and their reflected forms (``2.0 * a``), each
  when the class defines it; ``a ** 3`` and ``a ** 0.5`` (micrograd takes int/float
  exponents only, so a ``Value`` exponent is not tried); ``-a``;
* every public method taking no argument that returns a ``Value`` (``a.relu()``,
  ``a.tanh()``, ``a.exp()``, ...), found by calling it once on ``Value(1.5)``;
* ``a + a``, ``a * a`` and ``a.tanh() + a`` (each method): ``a`` reaching the output
  twice, whose gradient an ``=`` for ``+=`` in a closure loses;
* a neuron, ``tanh(w·x + b)`` (or ``relu``, or none) on 3 inputs, summed as micrograd's
  ``nn.Neuron`` does.

Each runs at a point with magnitudes in [0.5, 2] (no kink at 0, no pole of ``log`` or
``/``), once positive and once negative where the forward takes it (``log`` and
``** 0.5`` do not); the neuron has mixed signs, and reuse cannot depend on them.
``backward(g)`` returns ``g`` times the ``.grad`` of each leaf: the author's gradient
itself at the ``g = 1`` micrograd seeds (``unit_cotangent``).
"""

from __future__ import annotations

import inspect
import operator
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from numeric.check.errors import CheckError, call
from numeric.check.subject import Layout, Options, Subject

NAME = "micrograd"

LOW, HIGH = 0.5, 2.0  # magnitudes of every point
CONSTANT = 2.0  # the plain number in a reflected form: 2.0 * a
EXPONENTS = (3, 0.5)
NEURON_INPUTS = 3
NEURON = ("x", "w", "b")
NOT_OPS = {"backward", "detach", "item", "zero_grad"}  # no-argument methods that are not ops

# symbol, method, reflected method
BINARY = (
    ("+", "__add__", "__radd__"),
    ("-", "__sub__", "__rsub__"),
    ("*", "__mul__", "__rmul__"),
    ("/", "__truediv__", "__rtruediv__"),
)
OPERATOR = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

Leaves = dict[str, Any]  # array name -> a Value, or a list of Values (the neuron's x, w)


@dataclass(frozen=True)
class Operation:
    """One expression to check: the leaves it takes and how it builds its output."""

    name: str  # "a * b"
    inputs: tuple[str, ...]  # leaves, by array name
    build: Callable[[Leaves], Any]
    negative: bool = True  # also checked where the operands are negative
    optional: bool = False  # checked only where the class's forward takes it


def accepts(target: Any) -> bool:
    """A class with ``backward``, ``+``, ``*``, built from one number, with ``data``, ``grad``."""
    if not isinstance(target, type) or target.__module__.split(".")[0] in {"torch", "numpy"}:
        return False
    if not all(_defines(target, method) for method in ("backward", "__add__", "__mul__")):
        return False
    try:
        inspect.signature(target).bind(1.5)
    except (TypeError, ValueError):
        return False
    return _holds_data_and_grad(target)


@contextmanager
def subjects(target: type, args: tuple, options: Options) -> Iterator[list[Subject]]:
    """One subject per operation of the class, at a positive point and a negative one."""
    name = target.__name__
    if args:
        raise CheckError(
            f"{name}: a micrograd Value class is checked at its own points; pass no arguments"
        )
    if not _defines(target, "backward"):
        raise CheckError(f"{name} has no backward method: not a micrograd Value class")
    probe = _leaf(target, 1.5)
    for attribute in ("data", "grad"):
        if not hasattr(probe, attribute):
            raise CheckError(f"{name}(1.5) has no .{attribute}: not a micrograd Value class")
    positive, negative, neuron = _points(options.rng)
    found = []
    for op in _operations(target):
        if op.inputs == NEURON:
            found.append(_subject(target, op, neuron, ""))
            continue
        if op.optional and not _accepts_point(target, op, positive):
            continue
        found.append(_subject(target, op, positive, ""))
        if op.negative and _accepts_point(target, op, negative):
            found.append(_subject(target, op, negative, f" ({', '.join(op.inputs)} < 0)"))
    yield found  # a Value class keeps no state between checks: nothing to restore


# ----- recognising the class -----


def _defines(cls: type, method: str) -> bool:
    return callable(inspect.getattr_static(cls, method, None))


def _holds_data_and_grad(cls: type) -> bool:
    """``data`` and ``grad`` set in ``__init__`` (or slots, or annotations); else built once."""
    names: set[str] = set()
    for klass in cls.__mro__[:-1]:
        init = klass.__dict__.get("__init__")
        names |= set(getattr(getattr(init, "__code__", None), "co_names", ()))
        slots = klass.__dict__.get("__slots__", ())
        names |= {slots} if isinstance(slots, str) else set(slots)
        names |= set(klass.__dict__.get("__annotations__", {}))
    if {"data", "grad"} <= names:
        return True
    try:
        value = _leaf(cls, 1.5)
    except CheckError:
        return False
    return hasattr(value, "data") and hasattr(value, "grad")


def _unary_methods(cls: type) -> list[str]:
    """Public methods callable with no argument that return a node, in definition order."""
    names = dict.fromkeys(n for klass in reversed(cls.__mro__[:-1]) for n in vars(klass))
    found = []
    for method in names:
        function = inspect.getattr_static(cls, method)
        if method.startswith("_") or method in NOT_OPS or not inspect.isfunction(function):
            continue
        if not _no_argument(function):
            continue
        value = _leaf(cls, 1.5)
        try:
            result = call(f"{cls.__name__}.{method}", getattr(value, method))
        except CheckError:
            continue  # not an op at all, or one that fails on a plain positive number
        if _is_value(result):
            found.append(method)
    return found


def _is_value(result: Any) -> bool:
    """A node of the graph (of this class or another one of the engine's)."""
    return (
        hasattr(result, "data")
        and hasattr(result, "grad")
        and callable(getattr(result, "backward", None))
    )


def _no_argument(function: Callable) -> bool:
    """Callable on an instance with no argument: every parameter after self is optional."""
    try:
        parameters = list(inspect.signature(function).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    optional = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return all(p.default is not p.empty or p.kind in optional for p in parameters)


# ----- the operations -----


def _operations(cls: type) -> list[Operation]:
    name = cls.__name__
    ops = []
    for symbol, method, reflected in BINARY:
        if _defines(cls, method):
            ops.append(Operation(f"a {symbol} b", ("a", "b"), _binary(name, method, symbol)))
        if _defines(cls, reflected):
            ops.append(
                Operation(f"{CONSTANT} {symbol} a", ("a",), _reflected(name, reflected, symbol))
            )
    if _defines(cls, "__pow__"):
        for exponent in EXPONENTS:
            ops.append(Operation(f"a ** {exponent}", ("a",), _power(name, exponent)))
        # a Value exponent, where the class takes one (micrograd asserts a number: skipped)
        ops.append(Operation("a ** b", ("a", "b"), _binary(name, "__pow__", "**"), False, True))
    if _defines(cls, "__neg__"):
        ops.append(Operation("-a", ("a",), lambda v: call(f"{name}.__neg__", operator.neg, v["a"])))
    methods = _unary_methods(cls)
    for method in methods:
        ops.append(Operation(f"a.{method}()", ("a",), _method(name, method)))
    # a reaching the output twice: each closure must add (+=) to a.grad, not set it (=);
    # the sign of a cannot matter, so these run at the positive point only
    ops.append(Operation("a + a", ("a",), _twice(name, "+", None), negative=False))
    ops.append(Operation("a * a", ("a",), _twice(name, "*", None), negative=False))
    for method in methods:
        ops.append(Operation(f"a.{method}() + a", ("a",), _twice(name, "+", method), False))
    activation = next((m for m in ("tanh", "relu") if m in methods), None)
    label = f"{activation}(w·x + b)" if activation else "w·x + b"
    ops.append(Operation(f"neuron: {label}", NEURON, _neuron(name, activation)))
    return ops


def _binary(name: str, method: str, symbol: str) -> Callable[[Leaves], Any]:
    return lambda v: call(f"{name}.{method}", OPERATOR[symbol], v["a"], v["b"])


def _reflected(name: str, method: str, symbol: str) -> Callable[[Leaves], Any]:
    return lambda v: call(f"{name}.{method}", OPERATOR[symbol], CONSTANT, v["a"])


def _power(name: str, exponent: float) -> Callable[[Leaves], Any]:
    return lambda v: call(f"{name}.__pow__", operator.pow, v["a"], exponent)


def _method(name: str, method: str) -> Callable[[Leaves], Any]:
    return lambda v: call(f"{name}.{method}", getattr(v["a"], method))


def _twice(name: str, symbol: str, method: str | None) -> Callable[[Leaves], Any]:
    """``a + a`` or ``a * a``; with a method, ``a.method() + a``: its closure runs last."""
    add = "__add__" if symbol == "+" else "__mul__"

    def build(v: Leaves) -> Any:
        first = call(f"{name}.{method}", getattr(v["a"], method)) if method else v["a"]
        return call(f"{name}.{add}", OPERATOR[symbol], first, v["a"])

    return build


def _neuron(name: str, activation: str | None) -> Callable[[Leaves], Any]:
    def build(v: Leaves) -> Any:
        # micrograd's nn.Neuron: sum((wi * xi for ...), b), then the nonlinearity
        act = v["b"]
        for wi, xi in zip(v["w"], v["x"], strict=True):
            act = call(
                f"{name}.__add__", operator.add, act, call(f"{name}.__mul__", operator.mul, wi, xi)
            )
        return call(f"{name}.{activation}", getattr(act, activation)) if activation else act

    return build


# ----- points -----


Point = dict[str, np.ndarray]


def _points(rng: np.random.Generator) -> tuple[Point, Point, Point]:
    """a, b positive; a, b negative; the neuron's x, w (mixed signs) and b."""
    # |a| in [0.5, 1], |b| in [1.25, 2]: a gradient that takes a for b is visibly off
    a, b = rng.uniform(LOW, 1.0, size=2), rng.uniform(1.25, HIGH, size=2)
    positive = {"a": a[0], "b": b[0]}
    negative = {"a": -a[1], "b": -b[1]}
    signs = rng.choice([-1.0, 1.0], size=(2, NEURON_INPUTS))
    x, w = rng.uniform(LOW, HIGH, size=(2, NEURON_INPUTS)) * signs
    # b puts w·x + b at 0.5..1: relu's positive side, tanh where its slope is large
    neuron = {"x": x, "w": w, "b": rng.uniform(0.5, 1.0) - w @ x}
    return positive, negative, neuron


def _arrays(op: Operation, point: Point) -> dict[str, np.ndarray]:
    return {name: np.array(point[name], dtype=np.float64) for name in op.inputs}


def _accepts_point(cls: type, op: Operation, point: Point) -> bool:
    """The forward runs at ``point`` and gives a finite real number (log(-1) does not)."""
    arrays = _arrays(op, point)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            data = getattr(op.build(_leaves(cls, arrays)), "data", None)
        except CheckError:
            return False
    value = np.asarray(data)
    return value.shape == () and value.dtype.kind in "biuf" and bool(np.isfinite(value))


# ----- the subject -----


def _leaf(cls: type, number: float) -> Any:
    return call(f"{cls.__name__}.__init__", cls, float(number))


def _leaves(cls: type, arrays: dict[str, np.ndarray]) -> Leaves:
    """Fresh ``Value``s from the arrays' current contents (lists for the neuron's x, w)."""
    return {
        name: [_leaf(cls, e) for e in array] if array.ndim else _leaf(cls, array)
        for name, array in arrays.items()
    }


def _data(cls: type, out: Any, op: Operation) -> np.ndarray:
    if not hasattr(out, "data"):
        raise CheckError(f"{op.name} gave a {type(out).__name__}, not a {cls.__name__}")
    if isinstance(out.data, complex):
        raise CheckError(f"{op.name} gave a complex number: {out.data}")
    return np.array(out.data, dtype=np.float64)


def _grad(leaf: Any) -> np.ndarray | None:
    if isinstance(leaf, list):
        grads = [_grad(e) for e in leaf]
        return None if any(g is None for g in grads) else np.array(grads)
    grad = getattr(leaf, "grad", None)
    return None if grad is None else np.array(grad, dtype=np.float64)


def _subject(cls: type, op: Operation, point: Point, where: str) -> Subject:
    arrays = _arrays(op, point)
    name = cls.__name__

    def forward() -> np.ndarray:
        return _data(cls, op.build(_leaves(cls, arrays)), op)

    def backward(g: np.ndarray) -> dict[str, Any]:
        leaves = _leaves(cls, arrays)
        out = op.build(leaves)
        _data(cls, out, op)
        call(f"{name}.backward (in `{op.name}`)", out.backward)
        # out is a scalar: the gradient of <g, out> is g times micrograd's (seeded with 1)
        grads = {k: _grad(leaf) for k, leaf in leaves.items()}
        return {k: None if grad is None else float(g) * grad for k, grad in grads.items()}

    setup = ", ".join(f"{k} = {np.array2string(v, precision=3)}" for k, v in arrays.items())
    return Subject(
        name=op.name + where,
        arrays=arrays,
        gradient_names={k: f"{k}.grad" for k in arrays},
        forward=forward,
        backward=backward,
        unit_cotangent=True,
        layouts=(Layout(""),),  # scalars: no table kernel to recognise (they take batches)
        setup=f"{name} (micrograd) at {setup}",
    )
