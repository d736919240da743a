r"""Inverted dropout, with its mask as a symbol of the derivation.

:math:`y = m x / (1 - r)`: each element is kept (:math:`m = 1`) with probability
:math:`1 - r` and zeroed (:math:`m = 0`) with probability :math:`r`; the kept ones
are scaled by :math:`1/(1 - r)` so that the expected output is the input, and the
layer is the identity at evaluation. For one drawn mask the op is linear in
:math:`x`, so its derivative is the mask, scaled: :math:`m/(1 - r)`.

>>> from symbolic.ops import OPS
>>> derive_masked(OPS["dropout"]).backward.expr
g*m/(1 - r)
"""

from __future__ import annotations

import sympy as sp

from symbolic.derived import ArrayForm, Chain, Derived, Section, Step
from symbolic.ops import Masked, mask, rate, x
from symbolic.reasons import Label
from symbolic.verify import ScalarForm

G = sp.Symbol("g", real=True)  # the incoming gradient dL/dy
MEAN = Label("E_m[y]", r"\mathbb{E}_m[y]")  # the expected output over the mask


def derive_masked(entry: Masked) -> Derived:
    """dy/dx by the textbook rules (``symbolic.steps.walk``), then g times it."""
    from symbolic.steps import walk

    steps = tuple(walk(entry.expr, x))
    derivative = steps[-1].expr
    return Derived(
        name=entry.name,
        chains=(Chain(sp.Derivative(sp.Symbol("y"), x), steps),),
        forward=ArrayForm((x, mask, rate), entry.expr),
        backward=ArrayForm((mask, G, rate), G * derivative),
        assumptions=("the mask m is 0 or 1, drawn once per step; 0 <= r < 1",),
    )


def masked_sections(entry: Masked, derived: Derived) -> tuple[Section, ...]:
    """The definition, the derivative for one mask, and the expected output."""
    scalar = ScalarForm()
    scaled = entry.expr.xreplace({mask: 1})
    kept, dropped = (sp.Mul(value, scaled, evaluate=False) for value in (1, 0))
    expected = sp.Add(
        sp.Mul(1 - rate, kept, evaluate=False),
        sp.Mul(rate, dropped, evaluate=False),
        evaluate=False,
    )
    steps = list(derived.chains[0].steps)
    steps[0] = Step(steps[0].expr, "the mask m and the rate r are constants of one step")
    return (
        Section(sp.Symbol("y"), (Step(entry.expr, "definition: inverted dropout"),), scalar),
        Section(sp.Derivative(sp.Symbol("y"), x), tuple(steps), scalar),
        Section(
            sp.Derivative(sp.Symbol("L"), x),
            (
                Step(G * sp.Derivative(entry.expr, x), "chain rule: g = dL/dy"),
                Step(derived.backward.expr, "dy/dx above: the gradient passes where m = 1"),
            ),
            scalar,
        ),
        Section(
            MEAN,
            (
                Step(expected, "m = 1 with probability 1 - r, m = 0 with probability r"),
                Step(x, "simplify: the expected output is the input, so evaluation drops nothing"),
            ),
            scalar,
        ),
    )
