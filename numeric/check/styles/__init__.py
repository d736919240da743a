"""One module per way people write a backward, each on the protocol of ``subject.py``.

A style module exposes ``NAME``, ``accepts(target) -> bool`` (recognised from the
target's structure: its methods, attributes and signatures, never by running it)
and ``subjects(target, args, options)``, a context manager yielding the list of
``Subject``s to check and restoring everything it touched when it exits.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from numeric.check.errors import CheckError


def styles() -> tuple[ModuleType, ...]:
    """The styles, most specific first (a torch ``Function`` also has ``forward``)."""
    from numeric.check.styles import cs231n, micrograd, objects, torch_function

    return (torch_function, micrograd, cs231n, objects)


def pick(target: Any) -> ModuleType:
    """The style that reads ``target``, or a ``CheckError`` saying what it has."""
    for style in styles():
        if style.accepts(target):
            return style
    raise CheckError(f"{describe(target)}: {_not_checkable(target)}")


def describe(target: Any) -> str:
    return getattr(target, "__name__", None) or type(target).__name__


def _not_checkable(target: Any) -> str:
    methods = sorted(
        name
        for name in dir(target)
        if not name.startswith("_") and callable(getattr(target, name, None))
    )
    has = ", ".join(methods) or "no public methods"
    return (
        "no forward to check (expected forward/backward methods, a forward function with "
        f"its backward, a micrograd Value class or a torch Function); it has: {has}"
    )
