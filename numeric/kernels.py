"""The one bridge from derivations to NumPy: ``lambdify`` with a printer of our own.

SymPy is imported only when a kernel has to be built (``numeric/printer.py`` holds
the printer); a warm on-disk cache (``numeric/kernel_cache.py``) skips it, and for a
built-in op named in a process that has not imported ``symbolic``, skips the table too.

``kernels(name)`` returns the forward and backward kernels of an op, generated
once per process from ``symbolic.derived(name)``. Nothing here knows a
derivative: the printer only says how SymPy nodes become NumPy calls.

The kernels' arguments, by kind of op (``Kernel.args`` names them):

* activation: ``forward(x)``; ``backward(x, y, g)`` -> ``g * dy/dx`` (softmax: ``z, s, g``);
* loss: ``forward(p, t, B, N)`` -> (B, 1) sample losses; ``backward(p, t, B, N)`` ->
  dL/dp of the batch mean (softmax_cross_entropy: ``z, t, B, N`` and ``z, s, t, B, N``);
* dense: ``forward(X, W, b)``; ``backward(X, W, G)`` -> ``(dX, dW, db)``;
* weight penalty: ``forward(w)`` -> the penalty summed over the whole array ``w``, a
  scalar of ``w``'s dtype; ``backward(w)`` -> its gradient, shaped like ``w`` (no
  incoming gradient: a penalty is added to the loss itself). The strength ``lambda_``
  is a parameter, 1 by default, so ``backward(W)`` is the penalty's direction (``2 W``,
  ``sign(W)`` with sign(0) = 0); another value is another entry::

      forward, backward = kernels("l2_penalty(lambda_=5e-4)")
      forward, backward = kernels_for(op("l1_penalty").with_params(lambda_=5e-4))
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Kernel:
    """A lambdify-generated function, with the expression and source it came from.

    ``parts`` holds one kernel per component when the function returns a tuple (the
    dense layer's three gradients), so a caller can skip one it does not need.
    """

    name: str
    role: str  # "forward" or "backward"
    args: tuple[str, ...]
    expr: str  # the SymPy expression that was lambdified, as SymPy prints it
    source: str
    fn: Callable[..., Any] = field(repr=False, compare=False)
    parts: tuple[Kernel, ...] = ()

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


def generate(name: str, role: str, args: tuple, expr: Any) -> Kernel:
    """lambdify ``expr`` of ``args`` with the kernel printer; common subexpressions shared."""
    from sympy import lambdify

    from numeric.printer import KernelPrinter

    fn = lambdify(args, expr, modules="numpy", printer=KernelPrinter, cse=True, docstring_limit=0)
    parts = ()
    if isinstance(expr, tuple):
        parts = tuple(generate(name, f"{role}[{k}]", args, part) for k, part in enumerate(expr))
    return Kernel(name, role, tuple(map(str, args)), str(expr), inspect.getsource(fn), fn, parts)


_BUILT_IN: dict[str, tuple[Kernel, Kernel]] = {}  # found by name, before any table


def kernels(name: str) -> tuple[Kernel, Kernel]:
    """The (forward, backward) kernels of op ``name``, built on first use."""
    if name in _BUILT_IN:
        return _BUILT_IN[name]
    if "symbolic.ops" not in sys.modules:
        # The table is as its source declares it (nothing could have changed it), so a
        # built-in's cache entry is found by its name, and SymPy (0.25 s) is not imported.
        from numeric import kernel_cache

        found = kernel_cache.load_built_in(name)
        if found is not None:
            _BUILT_IN[name] = found
            return found
    from symbolic import op

    return kernels_for(op(name))


@cache  # keyed by the table entry, so an op redefined under the same name is built anew
def kernels_for(entry: Any) -> tuple[Kernel, Kernel]:
    """The (forward, backward) kernels of a table entry: from the disk cache, or built."""
    from numeric import kernel_cache

    cached = kernel_cache.load(entry)
    if cached is not None:
        return cached
    built = build(entry)
    kernel_cache.store(entry, built)
    return built


def build(entry: Any) -> tuple[Kernel, Kernel]:
    """Derive ``entry`` with SymPy and lambdify its forward and backward forms."""
    from symbolic.forms import derive_entry

    name, derivation = entry.name, derive_entry(entry)
    return (
        generate(name, "forward", derivation.forward.args, derivation.forward.expr),
        generate(name, "backward", derivation.backward.args, derivation.backward.expr),
    )
