"""A fused training step, still derived: the elementwise stages of a network's step
printed from the same SymPy derivations as the kernels, into loops compiled by numba.

``plan(model, optimizer)`` gives a ``Step`` (or None for a model it does not plan);
``sources(name)`` the fused loops' source for an op, as ``python -m numeric kernels``
shows it. Without numba the step runs today's kernels with NumPy in place.
"""

from numeric.fused.compiled import available
from numeric.fused.step import Step, Unsupported, plan

__all__ = ["Step", "Unsupported", "available", "plan"]
