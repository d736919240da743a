"""BLAS threads for ``fit``, ``evaluate`` and ``predict``: the count that runs fastest, measured.

On the 2-core machine a second OpenBLAS thread is worth having only when the
other core is free: with a busy neighbour it waits for a core and spins, and a
training step of 784-128-64-10 became 3-14x slower (batch 32 to 4096), where on a
quiet machine it is faster at large batches. No fixed rule is right under both,
so ``Threads`` measures: it runs a few blocks of steps at each candidate count (1
and the BLAS default), interleaved, keeps the faster, and measures again every
``every`` steps, because a neighbour comes and goes. ``threads=`` an int fixes the
count instead (0: leave the BLAS default alone). Without threadpoolctl it does
nothing.
"""

from __future__ import annotations

import statistics
import time
from functools import cache


@cache
def _blas() -> object | None:
    """threadpoolctl's controller of the loaded BLAS libraries, or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller = ThreadpoolController().select(user_api="blas")
    return controller if controller.lib_controllers else None


class Threads:
    """A context for a run of steps; call ``tick()`` before each step.

    ``threads``: None measures (see the module's docstring), an int > 0 fixes the
    count, 0 leaves the BLAS default.
    """

    def __init__(
        self, threads: int | None = None, block: int = 4, blocks: int = 4, every: int = 1000
    ) -> None:
        wrong = isinstance(threads, bool) or not isinstance(threads, int) or threads < 0
        if threads is not None and wrong:
            raise ValueError(f"blas_threads must be None or an integer >= 0, got {threads!r}")
        self.requested, self.block, self.blocks, self.every = threads, block, blocks, every
        self.chosen: int | None = None
        self._limiter = None

    def __enter__(self) -> Threads:
        blas = _blas()
        if blas is None or self.requested == 0:
            self.candidates: tuple[int, ...] = ()
            return self
        default = max(lib.num_threads for lib in blas.lib_controllers)
        if self.requested is not None:
            self.candidates = (self.requested,)
        else:
            self.candidates = (1, default) if default > 1 else (1,)
        self._limiter = blas.limit(limits=self.candidates[0])
        self._plan = self._schedule()
        self._times: dict[int, list[float]] = {n: [] for n in self.candidates}
        self._count, self._started = 0, None
        self.chosen = self.candidates[0] if len(self.candidates) == 1 else None
        return self

    def _schedule(self) -> list[int]:
        """The thread count of each block while measuring: N (a warm-up, not timed: the
        first steps pay for caches and for pools another library left spinning), then
        1, N, 1, N, ..."""
        return [self.candidates[-1]] + [n for _ in range(self.blocks) for n in self.candidates]

    def tick(self) -> None:
        """Before a step: time the block that just ended, switch when a block starts."""
        if len(self.candidates) < 2:
            return
        now = time.perf_counter()
        measuring = self._count // self.block
        if self._count % self.block == 0:
            if self._started is not None and 1 <= measuring - 1 < len(self._plan):
                self._times[self._plan[measuring - 1]].append(now - self._started)
            if measuring < len(self._plan):
                self._set(self._plan[measuring])
            elif measuring == len(self._plan):
                self.chosen = min(self._times, key=lambda n: statistics.median(self._times[n]))
                self._set(self.chosen)
            self._started = now
        self._count += 1
        if self._count >= len(self._plan) * self.block + self.every:  # measure again
            self._count, self._started = 0, None
            self._times = {n: [] for n in self.candidates}

    def _set(self, threads: int) -> None:
        _blas().limit(limits=threads)

    def __exit__(self, *exc: object) -> None:
        if self._limiter is not None:
            self._limiter.restore_original_limits()
