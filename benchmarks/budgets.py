"""Two time budgets the issues set, measured here rather than in unit tests:

* ``python -m numeric train --data digits`` with its defaults: under 30 s;
* checking a 784 -> 128 dense layer (batch 5) with ``check_gradients``: under 2 s;
* checking a 784 -> 128 layer in every style, cold (``python -m numeric check`` in a
  fresh process, imports and kernel build included): under 2 s each.

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


CORPUS = "tests/corpus/styles"
STYLES = {
    "nnfs object": [f"{CORPUS}/nnfs_variants.py:Layer_Dense(784, 128)"],
    "book object": [f"{CORPUS}/book_layers.py:Affine(randn(784, 128), zeros(128))"],
    "cs231n pair": [
        f"{CORPUS}/cs231n_layers.py:affine_forward",
        *("--shape", "5,784", "--shape", "784,128", "--shape", "128"),
    ],
    "micrograd Value (every op)": [f"{CORPUS}/micrograd_engine.py:Value"],
    "torch Function": [
        f"{CORPUS}/torch_functions.py:MyLinear",
        *("--shape", "5,784", "--shape", "128,784", "--shape", "128"),
    ],
}


def check_styles(rounds: int = 3) -> dict[str, tuple[float, float] | str]:
    """Wall time of ``python -m numeric check`` per style, fresh process each: (min, max)."""
    import importlib.util

    found = {}
    for style, args in STYLES.items():
        if style.startswith("torch") and importlib.util.find_spec("torch") is None:
            found[style] = "skipped: torch is not installed"
            continue
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "numeric", "check", *args], cwd=ROOT, capture_output=True
            )
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{style}: exit {done.returncode}: {done.stderr.decode()}")
        found[style] = (min(times), max(times))
    return found


def main() -> int:
    seconds, last = train_digits()
    print(f"python -m numeric train --data digits: {seconds:.1f} s (budget 30 s); {last}")
    first, then = check_dense()
    print(
        f"check_gradients(DenseLayer(784, 128), (5, 784)): {first:.2f} s with the kernel "
        f"build, {then:.2f} s after (budget 2 s)"
    )
    for style, figures in check_styles().items():
        if isinstance(figures, str):
            print(f"check, {style}: {figures}")
        else:
            print(f"check, {style}, cold: {figures[0]:.2f}-{figures[1]:.2f} s (budget 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
