"""Symbolic side: the op table, SymPy derivations of every gradient, their proofs and LaTeX.

``symbolic`` never imports ``numeric``.
"""

from symbolic.define import UnstableKernelWarning, define_activation, define_loss, undefine
from symbolic.forms import derived
from symbolic.ops import OPS, op

__all__ = [
    "OPS",
    "UnstableKernelWarning",
    "define_activation",
    "define_loss",
    "derived",
    "op",
    "undefine",
]
