"""The optimizers' update rules as SymPy expressions, one element of a parameter each.

These are rules, not derivatives: they restate ``numeric/optimizers.py`` (which
applies them with NumPy), so that the fused step can print them into its loop.
tests/test_fused.py holds the two to the same results. Each rule is an ordered
list of assignments; an expression sees the new values of the targets before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

p, g, v, m = sp.symbols("p g v m", real=True)  # parameter, gradient, velocity / moments
lr, mu, beta_1, beta_2, epsilon, c1, c2 = sp.symbols("lr mu beta_1 beta_2 epsilon c1 c2", real=True)


@dataclass(frozen=True)
class Rule:
    """``assign`` in order; ``arrays``: parameter, gradient, then the optimizer's state."""

    kind: str
    arrays: tuple[sp.Symbol, ...]
    scalars: tuple[sp.Symbol, ...]
    assign: tuple[tuple[sp.Symbol, sp.Expr], ...]


RULES = {
    rule.kind: rule
    for rule in (
        Rule("sgd", (p, g), (lr,), ((p, p - lr * g),)),
        # v = momentum v - lr g; p += v
        Rule("sgd_momentum", (p, g, v), (lr, mu), ((v, mu * v - lr * g), (p, p + v))),
        # c1 = 1 - beta_1**t, c2 = 1 - beta_2**t: the bias corrections of step t
        Rule(
            "adam",
            (p, g, m, v),
            (lr, beta_1, beta_2, epsilon, c1, c2),
            (
                (m, beta_1 * m + (1 - beta_1) * g),
                (v, beta_2 * v + (1 - beta_2) * g**2),
                (p, p - lr * (m / c1) / (sp.sqrt(v / c2) + epsilon)),
            ),
        ),
    )
}


def rule_for(optimizer: object) -> tuple[Rule, dict[str, float]] | None:
    """The rule of ``optimizer`` and this step's scalars, or None for one we do not know."""
    from numeric.optimizers import SGD, Adam

    if type(optimizer) not in (SGD, Adam):  # a subclass may change the rule
        return None
    lr_t = optimizer.current_learning_rate
    if type(optimizer) is SGD:
        if optimizer.momentum:
            return RULES["sgd_momentum"], {"lr": lr_t, "mu": optimizer.momentum}
        return RULES["sgd"], {"lr": lr_t}
    step = optimizer.iterations + 1
    return RULES["adam"], {
        "lr": lr_t,
        "beta_1": optimizer.beta_1,
        "beta_2": optimizer.beta_2,
        "epsilon": optimizer.epsilon,
        "c1": 1 - optimizer.beta_1**step,
        "c2": 1 - optimizer.beta_2**step,
    }
