"""Two time budgets the issues set, measured here rather than in unit tests:

* ``python -m numeric train --data digits`` with its defaults: under 30 s;
* checking a 784 -> 128 dense layer (batch 5) with ``check_gradients``: under 2 s.

    python benchmarks/budgets.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def train_digits() -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "numeric", "train", "--data", "digits", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1]


def check_dense(rounds: int = 5) -> tuple[float, float]:
    """(first check, median of the next ones): the first one builds the kernels."""
    import numeric
    from tests.corpus.dense import DenseLayer

    np.random.seed(0)
    times = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        assert numeric.check_gradients(DenseLayer(784, 128), (5, 784))
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def main() -> int:
    seconds, last = train_digits()
    print(f"python -m numeric train --data digits: {seconds:.1f} s (budget 30 s); {last}")
    first, then = check_dense()
    print(
        f"check_gradients(DenseLayer(784, 128), (5, 784)): {first:.2f} s with the kernel "
        f"build, {then:.2f} s after (budget 2 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
