r"""The "computed as" part of a derivation: how the kernels evaluate what was derived.

A derivation ends at the mathematical result, in named closed forms
(:math:`\sigma(x)(1 - \sigma(x))`); the kernels evaluate a form that stays finite
and accurate in floating point (``exp(-logaddexp(0, -x))``, ``expm1``, the row
maximum subtracted before ``exp``). Each rewrite from one to the other is a step
of a ``computed`` section, proven equal like every other step: a rule of
``symbolic.stable`` by that rule's own proof, any other step by the section's
checker.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> [step.reason for step in stable_steps(sp.log(1 + sp.exp(x)))]
['softplus as logaddexp: logaddexp(a, b) = log(exp(a) + exp(b)) never overflows']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symbolic.derived import Step


@dataclass(frozen=True)
class ByRule:
    """A checker: a step that applied a ``symbolic.stable`` rule is proven by that rule."""

    inner: Any  # the checker of every other step

    def prove(self, previous: sp.Basic, current: sp.Basic, given: Mapping) -> str:
        rule = given.get("rule")
        if rule is None:
            return self.inner.prove(previous, current, given)
        return rule.prove(current, previous).method


def stable_steps(expr: sp.Expr) -> list[Step]:
    """One step for each rule of ``symbolic.stable`` that changes ``expr``, in the order the
    kernels apply them (``symbolic.elementwise.stable_form``); proven by ``ByRule``."""
    from symbolic.stable import RULES, apply_rule

    steps = []
    for rule in RULES:
        rewritten = apply_rule(expr, rule)
        if rewritten != expr:
            steps.append(Step(rewritten, f"{rule.name}: {rule.why}", {"rule": rule}))
            expr = rewritten
    return steps
