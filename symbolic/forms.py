r"""One entry point from an op's name to its derivation: ``derived(name)``.

Each kind of entry in the op table has its derivation module; this module only
dispatches, and caches, so that a process derives each op once.

>>> derived("relu").backward.expr
g*Heaviside(x, 0)
"""

from __future__ import annotations

from functools import cache

from symbolic.derived import Derived
from symbolic.ops import (
    Affine,
    Composed,
    Elementwise,
    Loss,
    Masked,
    Normalization,
    Penalty,
    Rowwise,
    op,
)


def derived(name: str) -> Derived:
    """The derivation of op ``name``: its chains and its kernel forms."""
    return derive_entry(op(name))


@cache  # keyed by the entry itself, so an op redefined under the same name is derived anew
def derive_entry(entry: object) -> Derived:
    """The derivation of a table entry."""
    name = entry.name
    if isinstance(entry, Elementwise):
        from symbolic.elementwise import derive_elementwise

        return derive_elementwise(entry)
    if isinstance(entry, Rowwise):
        from symbolic.vector import derive_rowwise

        return derive_rowwise(entry)
    if isinstance(entry, Loss):
        from symbolic.vector import derive_loss

        return derive_loss(entry)
    if isinstance(entry, Composed):
        from symbolic.vector import derive_composed

        return derive_composed(entry)
    if isinstance(entry, Affine):
        from symbolic.matrix import derive_dense

        return derive_dense()
    if isinstance(entry, Penalty):
        from symbolic.elementwise import derive_penalty

        return derive_penalty(entry)
    if isinstance(entry, Masked):
        from symbolic.dropout import derive_masked

        return derive_masked(entry)
    if isinstance(entry, Normalization):
        from symbolic.normalization import derive_normalization

        return derive_normalization(entry)
    raise TypeError(f"op {name!r} is a {type(entry).__name__}, which has no derivation")
