r"""How much work a formula may ask of SymPy: sizes bounded before, time budgets during.

A formula from outside the package is bounded before SymPy builds it
(``symbolic.formula``): its text, its tree, every number after folding constants,
and the polynomial degree that ``expand`` and ``solve`` may face. What cannot be
bounded beforehand -- ``simplify``, ``solve`` on a formula that looks harmless
(``tanh(tanh(tanh(x)))`` takes minutes), a proof -- runs under a *time budget*:
past its deadline the work is interrupted and ``OverBudget`` (a ``ValueError``)
names the budget. Every limit is a module constant, so a caller may raise one.

>>> with time_budget(5, "a sum"):
...     total = sum(range(10))
>>> import time
>>> with time_budget(0.05, "sleeping"):
...     time.sleep(1)
Traceback (most recent call last):
...
symbolic.limits.OverBudget: sleeping did not finish within the budget of 0.05 s

Budgets interrupt through ``SIGALRM``, so they hold in the main thread of a process
on Unix; elsewhere (another thread, Windows) the work runs unbounded in time and
only the size limits hold.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from typing import Any

# ----- sizes, checked before SymPy sees a formula -----

MAX_LENGTH = 2000  # characters of a formula
MAX_NODES = 400  # operands, operations and calls in its syntax tree
MAX_DEPTH = 32  # levels of its syntax tree (150 nested exp( is a RecursionError in SymPy)
MAX_DIGITS = 100  # decimal digits of an integer, or of a fraction's numerator or denominator
MAX_FLOAT_EXPONENT = 300  # a float is at most 1e300 in magnitude
MAX_EXPONENT = 64  # |n| of a power x**n whose base is not a number
MAX_DEGREE = 64  # polynomial degree, counting each function call as one variable
# An activation whose derivative is written through its output (y = f(x) solved for
# x) asks solve() for up to this many roots; x**32 takes 4 s, x**(--9999999999) 6 GB.
MAX_SOLVE_DEGREE = 16
MAX_EXPANDED_TERMS = 20_000  # a proof skips expand() when it would write more terms

# ----- time, for what sizes cannot predict -----

PROOF_SECONDS = 3.0  # one proof of equality (the slowest built-in proof takes 0.2 s)
DERIVE_SECONDS = 5.0  # deriving, printing and probing a user-defined op
CHECK_SECONDS = 7.0  # checking a hand-derived gradient (python -m symbolic check)
EXPR_SECONDS = 7.0  # python -m symbolic derive --expr, defining and proving every step
_REPEAT = 0.1  # an interruption swallowed by the code it interrupted is raised again


class OverBudget(ValueError):
    """Work that did not finish within its time budget; the message names the budget."""


class _Alarm(BaseException):
    """Raised in the main thread when a budget's deadline passes (like KeyboardInterrupt)."""

    def __init__(self, scope: time_budget) -> None:
        super().__init__(scope.what)
        self.scope = scope


_active: list[time_budget] = []  # the budgets in force, outermost first
_saved: list[Any] = []  # the SIGALRM handler and timer found before the first budget


class time_budget:  # noqa: N801 - used as a function: ``with time_budget(3, "a proof"):``
    """Interrupt the block after ``seconds`` with ``OverBudget`` naming ``what``.

    Budgets nest: the earliest deadline interrupts, and the exception is the
    outermost expired budget's own. ``limit`` names the constant that set the
    budget, for the message.
    """

    def __init__(self, seconds: float, what: str, limit: str = "") -> None:
        self.seconds, self.what, self.limit = float(seconds), what, limit
        self.deadline = math.inf
        self.expired = False
        self.fired = False  # interrupted at least once (perhaps swallowed by the work)

    def __enter__(self) -> time_budget:
        if not _can_interrupt():
            return self
        self.deadline = time.monotonic() + self.seconds
        if not _active:
            _saved[:] = [
                signal.signal(signal.SIGALRM, _on_alarm),
                signal.setitimer(signal.ITIMER_REAL, 0),
                time.monotonic(),
            ]
        _active.append(self)
        _arm()
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, tb: Any) -> bool:
        if self not in _active:
            return False
        signal.setitimer(signal.ITIMER_REAL, 0)
        _active.remove(self)
        # The work may have swallowed every interruption and ended: its result is not
        # to be trusted either.
        mine = (isinstance(error, _Alarm) and error.scope is self) or (error is None and self.fired)
        if not _active:
            _restore()
        elif isinstance(error, _Alarm):  # an outer budget's: raise it again if swallowed
            signal.setitimer(signal.ITIMER_REAL, _REPEAT)
        else:
            _arm()
        if mine:
            self.expired = True
            where = f" ({self.limit})" if self.limit else ""
            message = f"{self.what} did not finish within the budget of {self.seconds:g} s{where}"
            raise OverBudget(message) from None
        return False


def _can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm() -> None:
    deadline = min(scope.deadline for scope in _active)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-4))


def _on_alarm(signum: int, frame: Any) -> None:
    now = time.monotonic()
    expired = [scope for scope in _active if scope.deadline <= now]
    if not expired:
        _arm()
        return
    signal.setitimer(signal.ITIMER_REAL, _REPEAT)
    expired[0].fired = True
    raise _Alarm(expired[0])


def _restore() -> None:
    """Put back the handler and the timer (less the time spent) found before the first budget."""
    handler, (remaining, interval), since = _saved
    signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
    if remaining or interval:
        left = remaining - (time.monotonic() - since) if remaining else 0
        signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4) if remaining else 0, interval)
    _saved.clear()


# ----- size estimates of SymPy expressions -----


def digits(n: int) -> int:
    """Decimal digits of ``n``, from its bit length (never converts a huge int to text).

    >>> digits(10**99), digits(0)
    (100, 1)
    """
    return max(1, math.ceil(abs(n).bit_length() * math.log10(2) + 1e-9)) if n else 1


def expanded_terms(expr: Any, cap: int = 10**9) -> int:
    """An upper bound on the terms ``expand`` writes for ``expr`` (at most ``cap``).

    A power of a sum is counted as its multinomial expansion; a function's arguments
    are expanded too, each counted on its own.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> expanded_terms((1 + x) ** 3), expanded_terms((x + y + 1) ** 20 * sp.exp(x + 1))
    (4, 233)
    """
    import sympy as sp

    def terms(e: Any) -> tuple[int, int]:  # (terms of e itself, terms inside its functions)
        if e.is_Atom or not e.args:
            return 1, 0
        parts = [terms(arg) for arg in e.args]
        inside = min(cap, sum(p[1] for p in parts))
        if isinstance(e, sp.Add):
            return min(cap, sum(p[0] for p in parts)), inside
        if isinstance(e, sp.Mul):
            return min(cap, math.prod(p[0] for p in parts)), inside
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            t, n = parts[0][0], abs(int(e.exp))
            if t == 1:
                return 1, inside
            return (cap if n > 1000 else min(cap, math.comb(t + n - 1, n))), inside
        return 1, min(cap, inside + sum(p[0] for p in parts))

    own, inside = terms(expr)
    return min(cap, own + inside)


def solve_degree(expr: Any, variable: Any) -> int:
    """The most roots ``solve`` may seek inverting ``y = expr`` for ``variable``.

    The largest numerator or denominator of an exponent over a base that holds the
    variable (``solve`` reads a float exponent as a fraction, as here).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> solve_degree(x**(sp.Rational(7, 8)) + sp.exp(x), x), solve_degree(x**0.5, x)
    (8, 2)
    """
    import sympy as sp

    most = 0
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.base.has(variable) and node.exp.is_Number:
            exponent = node.exp
            if exponent.is_Float:
                exponent = sp.nsimplify(exponent, rational=True)
            most = max(most, abs(int(exponent.p)), int(exponent.q))
    return most
