"""Symbolic side: the op table, SymPy derivations of every gradient, their proofs and LaTeX.

``symbolic`` never imports ``numeric``.
"""

from symbolic.chain import network
from symbolic.check import check_formula
from symbolic.define import UnstableKernelWarning, define_activation, define_loss, undefine
from symbolic.derivation import Derivation, derive
from symbolic.forms import derived
from symbolic.ops import OPS, op

__all__ = [
    "OPS",
    "Derivation",
    "UnstableKernelWarning",
    "check_formula",
    "define_activation",
    "define_loss",
    "derive",
    "derived",
    "network",
    "op",
    "undefine",
]
