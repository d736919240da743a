r"""What a derivation hands on: its chains of equalities and its kernel forms.

A ``Chain`` is a sequence of expressions for one quantity (``\partial L/\partial W``, say),
each equal to the one before for the ``reason`` it gives, possibly under a stated
assumption (``given``: a substitution such as :math:`\sum_j t_j = 1`).

An ``ArrayForm`` is what ``numeric`` lambdifies: an expression over whole arrays
(``Symbol`` per array, ``MatrixSymbol`` for the dense layer, the reductions of
``symbolic.arrays``), with the order of its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp


@dataclass(frozen=True)
class Step:
    expr: sp.Basic
    reason: str  # in plain text; a rule it applies is stated in it
    given: dict = field(default_factory=dict)  # a substitution assumed by this step
    tex: str = ""  # the reason as a LaTeX math fragment (words in \text), when it holds formulas


@dataclass(frozen=True)
class Chain:
    """``quantity = steps[0].expr = steps[1].expr = ...``, each step proven."""

    quantity: sp.Basic  # what the chain is about, e.g. Derivative(y, x), for display
    steps: tuple[Step, ...]

    @property
    def result(self) -> sp.Basic:
        return self.steps[-1].expr


@dataclass(frozen=True)
class Section:
    """``quantity = steps[0] = steps[1] = ...``; ``steps[0]`` is where it starts.

    ``checker`` proves each step equal to the one before (``symbolic.verify``). A
    ``computed`` section shows how the kernels evaluate what the sections before it
    derived: the stable forms, each rewrite proven equal.
    """

    quantity: sp.Basic
    steps: tuple[Step, ...]
    checker: Any
    computed: bool = False


@dataclass(frozen=True)
class ArrayForm:
    """``expr`` over whole arrays, a function of ``args`` (in that order)."""

    args: tuple[sp.Basic, ...]
    expr: sp.Basic | tuple[sp.Basic, ...]


@dataclass(frozen=True)
class Obligation:
    """A claim a derivation makes, proven on demand: ``prove()`` raises if it is false.

    Deriving is fast and proving is slow (seconds, on explicit sizes), so kernels are
    built from the derivation alone and the proofs run in ``Derived.prove()``, in the
    test suite and in ``symbolic.derive(name).verify()``.
    """

    claim: str
    prove: Callable[[], object]


@dataclass(frozen=True)
class Derived:
    """A derivation's outcome: its chains, its assumptions, its two kernel forms."""

    name: str
    chains: tuple[Chain, ...]
    forward: ArrayForm
    backward: ArrayForm
    assumptions: tuple[str, ...] = ()
    obligations: tuple[Obligation, ...] = ()

    def prove(self) -> list[str]:
        """Prove every obligation; return their claims. Raises ``NotEqual`` on a false one."""
        for obligation in self.obligations:
            obligation.prove()
        return [obligation.claim for obligation in self.obligations]
