"""ReLU's backward as lambdify prints SymPy's default ``Heaviside(x)`` (a ``select`` with
a float64 1/2) against the mask the kernel printer writes (``greater(x, 0)``), on a
(1024, 128) array in float32 and float64: how many times slower the ``select`` is.

    python benchmarks/heaviside_mask.py [--runs 5]

Each run times both (best of 20 calls after a warm-up) and prints the ratio; the
README quotes the range over the runs.
"""

from __future__ import annotations

import argparse
import sys
import timeit

import numpy as np
import sympy as sp

from numeric.kernels import kernels

SHAPE = (1024, 128)


def default_heaviside():
    """``g * Heaviside(x)`` by lambdify with SymPy's own NumPy printer: H(0) = 1/2."""
    x, g = sp.symbols("x g", real=True)
    return sp.lambdify((x, g), g * sp.Heaviside(x), modules="numpy")


def best(fn, *args, number=20) -> float:
    fn(*args)
    return min(timeit.repeat(lambda: fn(*args), number=1, repeat=number))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv)
    select = default_heaviside()
    _, mask = kernels("relu")  # backward(x, y, g) = g * greater(x, 0)
    rng = np.random.default_rng(0)
    print("dtype | select (ms) | mask (ms) | select / mask | select's output dtype")
    print("---|---|---|---|---")
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(SHAPE).astype(dtype)
        g = rng.standard_normal(SHAPE).astype(dtype)
        y = np.maximum(x, 0)
        out = select(x, g).dtype
        for _ in range(options.runs):
            slow, fast = best(select, x, g), best(mask, x, y, g)
            times = f"{slow * 1e3:.2f} | {fast * 1e3:.3f} | {slow / fast:.1f}"
            print(f"{dtype.__name__} | {times} | {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
