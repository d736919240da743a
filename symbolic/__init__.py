"""Symbolic side: the op table, SymPy derivations of every gradient, their proofs and LaTeX.

``symbolic`` never imports ``numeric``.
"""

from symbolic.forms import derived
from symbolic.ops import OPS, op

__all__ = ["OPS", "derived", "op"]
