"""One SGD training step of the seed's Quick Start network, side by side.

784 -> 128 -> ReLU -> 64 -> ReLU -> 10 -> softmax + cross-entropy; one step is
forward, loss, backward and update. Every variant runs in this process,
interleaved round by round, and is reported as a multiple of the *floor*: the
same step's 8 matrix products alone in NumPy.

    python benchmarks/train_step.py [--rounds 7] [--json results.json]

PyTorch and JAX are measured when installed, skipped with a note otherwise.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_numpy import SeedNetwork  # noqa: E402

SIZES = (784, 128, 64, 10)
LEARNING_RATE = 0.01


def data(batch: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, SIZES[0])).astype(dtype), rng.integers(0, 10, batch)


def floor(batch: int, dtype: type):
    """The 8 matrix products of a step: 3 forward, 3 weight gradients, 2 input gradients."""
    rng = np.random.default_rng(1)
    X, _ = data(batch, dtype)
    W = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(SIZES, SIZES[1:], strict=False)]
    H = [rng.standard_normal((batch, b)).astype(dtype) for b in SIZES[1:]]

    def step():
        a1 = X @ W[0]
        a2 = H[0] @ W[1]
        a3 = H[1] @ W[2]
        W[2].T.shape  # noqa: B018 - shapes only, to keep the code honest
        g3 = H[2]
        d3 = H[1].T @ g3
        g2 = g3 @ W[2].T
        d2 = H[0].T @ g2
        g1 = g2 @ W[1].T
        d1 = X.T @ g1
        return a1, a2, a3, d1, d2, d3

    return step


def hand_written(batch: int, dtype: type):
    X, y = data(batch, dtype)
    network = SeedNetwork(SIZES, np.random.default_rng(2), dtype, LEARNING_RATE)
    return lambda: network.step(X, y)


def generated(batch: int, dtype: type):
    from numeric import SGD, CategoricalCrossEntropy, Dense, Model, ReLU, Softmax

    X, y = data(batch, dtype)
    layers = []
    for k, (a, b) in enumerate(zip(SIZES, SIZES[1:], strict=False)):
        layers.append(Dense(a, b, rng=k, dtype=dtype))
        layers.append(ReLU() if b != SIZES[-1] else Softmax())
    model = Model(layers, loss=CategoricalCrossEntropy())
    optimizer = SGD(learning_rate=LEARNING_RATE)

    def step():
        output = model.forward(X)
        loss = model.loss.calculate(output, y)
        model.backward(output, y, inputs_gradient=False)  # as PyTorch: X needs no gradient
        for layer in model.dense_layers:
            optimizer.update_params(layer)
        return loss

    return step


def pytorch(batch: int, dtype: type):
    import torch

    torch.manual_seed(0)
    X, y = data(batch, dtype)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    layers = []
    for a, b in zip(SIZES, SIZES[1:], strict=False):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).to(getattr(torch, np.dtype(dtype).name))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def jax_jit(batch: int, dtype: type):
    import jax
    import jax.numpy as jnp

    if dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    X, y = data(batch, dtype)
    rng = np.random.default_rng(3)
    params = [
        (jnp.asarray(rng.standard_normal((a, b)) * 0.01, dtype), jnp.zeros((1, b), dtype))
        for a, b in zip(SIZES, SIZES[1:], strict=False)
    ]
    X, y = jnp.asarray(X), jnp.asarray(y)

    def loss(params, X, y):
        out = X
        for k, (W, b) in enumerate(params):
            out = out @ W + b
            if k < len(params) - 1:
                out = jax.nn.relu(out)
        return -jnp.mean(jax.nn.log_softmax(out)[jnp.arange(len(y)), y])

    @jax.jit
    def update(params, X, y):
        value, grads = jax.value_and_grad(loss)(params, X, y)
        new = [
            (W - LEARNING_RATE * dW, b - LEARNING_RATE * db)
            for (W, b), (dW, db) in zip(params, grads, strict=False)
        ]
        return new, value

    state = {"params": params}

    def step():
        state["params"], value = update(state["params"], X, y)
        value.block_until_ready()
        return value

    return step


VARIANTS = {
    "floor: the 8 matmuls alone (NumPy)": floor,
    "hand-written NumPy, seed style": hand_written,
    "generated kernels (this package)": generated,
    "PyTorch CPU": pytorch,
    "JAX jit": jax_jit,
}
FLOOR, HAND = "floor: the 8 matmuls alone (NumPy)", "hand-written NumPy, seed style"


def time_steps(step, seconds: float) -> float:
    """Seconds per step: as many steps as fit in ``seconds`` (at least 3)."""
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        step()
        count += 1
    return (time.perf_counter() - start) / count


def run(batch: int, dtype: type, rounds: int, seconds: float) -> dict:
    steps, skipped = {}, {}
    for name, make in VARIANTS.items():
        try:
            steps[name] = make(batch, dtype)
            for _ in range(3):  # warm-up: kernels built, caches filled, JIT compiled
                steps[name]()
        except ImportError as error:
            skipped[name] = f"not installed ({error.name})"
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            times[name].append(time_steps(step, seconds))
    floor_median = statistics.median(times[FLOOR])
    hand_median = statistics.median(times[HAND])
    rows = {}
    for name, values in times.items():
        median = statistics.median(values)
        rows[name] = {
            "ms_per_step": median * 1e3,
            "to_floor": median / floor_median,
            "to_floor_min": min(values) / floor_median,
            "to_floor_max": max(values) / floor_median,
            "to_hand_written": median / hand_median,
        }
    return {"batch": batch, "dtype": np.dtype(dtype).name, "rows": rows, "skipped": skipped}


def machine() -> dict:
    import os

    import sympy

    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sympy": sympy.__version__,
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    for module in ("torch", "jax"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            pass
    return info


def table(results: list[dict]) -> str:
    columns = [f"{r['dtype']}, batch {r['batch']}" for r in results]
    lines = [
        "| one training step, × floor (min–max) | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name in VARIANTS:
        cells = []
        for result in results:
            row = result["rows"].get(name)
            cells.append(
                f"{row['to_floor']:.2f} ({row['to_floor_min']:.2f}–{row['to_floor_max']:.2f})"
                if row
                else "skipped"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(
        "| generated ÷ hand-written | "
        + " | ".join(
            f"{r['rows']['generated kernels (this package)']['to_hand_written']:.2f}"
            for r in results
        )
        + " |"
    )
    lines.append(
        "| floor, ms per step | "
        + " | ".join(f"{r['rows'][FLOOR]['ms_per_step']:.2f}" for r in results)
        + " |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="per variant per round")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = [
        run(batch, dtype, args.rounds, args.seconds)
        for dtype in (np.float32, np.float64)
        for batch in (1024, 128)
    ]
    print(table(results))
    skipped = {name: why for r in results for name, why in r["skipped"].items()}
    for name, why in skipped.items():
        print(f"{name}: skipped, {why}")
    print("machine:", json.dumps(machine()))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
