"""A fused training step, still derived: the elementwise stages of a network's step
printed from the same SymPy derivations as the kernels, into loops compiled by numba.

``plan(model, optimizer)`` gives a ``Step`` (or None for a model it does not plan);
``sources(name)`` the fused loops' source for an op, as ``python -m numeric kernels
NAME`` shows it. Without numba the step runs today's kernels with NumPy in place.

    printer.py   a SymPy scalar expression -> one numba statement (numbers typed T(...))
    loops.py     the loops around the printed statements, one module's source per op
    updates.py   the optimizers' update rules as SymPy expressions
    compiled.py  modules written to the kernel cache, imported, compiled by numba
    step.py      the planned step: buffers, matmuls into them, the loops, the swap
"""

from numeric.fused.compiled import available, sources
from numeric.fused.step import Step, Unsupported, plan

__all__ = ["Step", "Unsupported", "available", "plan", "sources"]
