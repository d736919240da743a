"""One SGD training step of the seed's Quick Start network, side by side.

784 -> 128 -> ReLU -> 64 -> ReLU -> 10 -> softmax + cross-entropy; one step is
forward, loss, backward and update, and every variant does the same 8 matmuls
(no gradient w.r.t. the data, as PyTorch and JAX skip it) -- except the seed
Quick Start row, whose ``model.backward(output, y)`` is shown as a user calls it.
Every variant runs in this process, interleaved round by round (each block after
an untimed warm-up, so that idle thread pools do not distort the next one), and
is reported as a multiple of the *floor*: the same 8 matrix products alone in
NumPy, into preallocated arrays. A run's figure is its median over rounds; the
table gives the median over runs and their range.

    python benchmarks/train_step.py [--runs 3] [--rounds 7] [--json results.json]

PyTorch and JAX are measured when installed, the fused step when numba is;
each is skipped with a note otherwise.
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
    """The 8 matrix products of a step, into preallocated arrays (``np.dot(..., out=)``, the
    cheapest call): 3 forward, 3 weight gradients, 2 input gradients (the first layer's
    is never needed)."""
    rng = np.random.default_rng(1)
    X, _ = data(batch, dtype)
    pairs = list(zip(SIZES, SIZES[1:], strict=False))
    W = [rng.standard_normal(shape).astype(dtype) for shape in pairs]
    H = [rng.standard_normal((batch, b)).astype(dtype) for b in SIZES[1:]]
    A = [np.empty((batch, b), dtype) for b in SIZES[1:]]
    D = [np.empty(shape, dtype) for shape in pairs]
    G = [np.empty((batch, b), dtype) for b in SIZES[1:-1]]

    def step():
        np.dot(X, W[0], out=A[0])
        np.dot(H[0], W[1], out=A[1])
        np.dot(H[1], W[2], out=A[2])
        np.dot(H[1].T, H[2], out=D[2])
        np.dot(H[2], W[2].T, out=G[1])
        np.dot(H[0].T, G[1], out=D[1])
        np.dot(G[1], W[1].T, out=G[0])
        np.dot(X.T, G[0], out=D[0])

    return step


def floor_fresh(batch: int, dtype: type):
    """The same 8 products, each into a fresh array (``a @ b``)."""
    rng = np.random.default_rng(1)
    X, _ = data(batch, dtype)
    W = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(SIZES, SIZES[1:], strict=False)]
    H = [rng.standard_normal((batch, b)).astype(dtype) for b in SIZES[1:]]

    def step():
        g2 = H[2] @ W[2].T
        g1 = g2 @ W[1].T
        return X @ W[0], H[0] @ W[1], H[1] @ W[2], H[1].T @ H[2], H[0].T @ g2, X.T @ g1

    return step


def hand_written(batch: int, dtype: type):
    X, y = data(batch, dtype)
    network = SeedNetwork(SIZES, np.random.default_rng(2), dtype, LEARNING_RATE)
    return lambda: network.step(X, y)


def _model(dtype: type):
    from numeric import CategoricalCrossEntropy, Dense, Model, ReLU, Softmax

    layers = []
    for k, (a, b) in enumerate(zip(SIZES, SIZES[1:], strict=False)):
        layers.append(Dense(a, b, rng=k, dtype=dtype))
        layers.append(ReLU() if b != SIZES[-1] else Softmax())
    return Model(layers, loss=CategoricalCrossEntropy())


def seed_quick_start(batch: int, dtype: type):
    """The seed README's loop body, as written: ``model.backward(output, y)``."""
    from numeric import SGD

    X, y = data(batch, dtype)
    model, optimizer = _model(dtype), SGD(learning_rate=LEARNING_RATE)

    def step():
        output = model.forward(X)
        loss = model.loss.calculate(output, y)
        model.backward(output, y)
        for layer in model.layers:
            if hasattr(layer, "weights"):
                optimizer.update_params(layer)
        return loss

    return step


def generated(batch: int, dtype: type):
    """Layer by layer through today's kernels, the first layer skipping its dinputs."""
    from numeric import SGD

    X, y = data(batch, dtype)
    model, optimizer = _model(dtype), SGD(learning_rate=LEARNING_RATE)

    def step():
        output = model.forward(X)
        loss = model.loss.calculate(output, y)
        model.backward(output, y, inputs_gradient=False)  # as PyTorch: X needs no gradient
        for layer in model.dense_layers:
            optimizer.update_params(layer)
        return loss

    return step


def _fused(backend: str):
    def make(batch: int, dtype: type):
        from numeric import SGD
        from numeric.fused import plan

        X, y = data(batch, dtype)
        step = plan(_model(dtype), SGD(learning_rate=LEARNING_RATE), backend=backend)
        if step is None or step.backend != backend:
            raise ImportError(name="numba")
        return lambda: step(X, y)

    return make


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


FLOOR = "floor: the 8 matmuls alone (NumPy, out=)"
HAND = "hand-written NumPy, seed style, 8 matmuls"
FUSED = "fused step, numba (this package: Model.fit)"
VARIANTS = {
    FLOOR: floor,
    "the 8 matmuls into fresh arrays": floor_fresh,
    HAND: hand_written,
    FUSED: _fused("numba"),
    "fused step, NumPy fallback (no numba)": _fused("numpy"),
    "layer by layer, generated kernels": generated,
    "seed Quick Start calls (model.backward(output, y))": seed_quick_start,
    "PyTorch CPU": pytorch,
    "JAX jit": jax_jit,
}


def time_steps(step, seconds: float, warm: float) -> tuple[float, float]:
    """Seconds per step over ``seconds`` (at least 3 steps), after ``warm`` seconds untimed
    (BLAS, OpenMP and XLA thread pools left idle by another variant spin down or wake
    up): wall-clock, and the CPU time of the whole process (all its threads)."""
    start = time.perf_counter()
    while time.perf_counter() - start < warm:
        step()
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while count < 3 or time.perf_counter() - start < seconds:
        step()
        count += 1
    return (time.perf_counter() - start) / count, (time.process_time() - cpu) / count


def run(batch: int, dtype: type, rounds: int, seconds: float, warm: float) -> dict:
    """One run: every variant built, then ``rounds`` rounds, each timing every variant once."""
    steps, skipped = {}, {}
    for name, make in VARIANTS.items():
        try:
            steps[name] = make(batch, dtype)
            for _ in range(3):  # warm-up: kernels built, caches filled, JIT compiled
                steps[name]()
        except ImportError as error:
            skipped[name] = f"not installed ({error.name})"
    times = {name: [] for name in steps}
    cpu = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            wall, used = time_steps(step, seconds, warm)
            times[name].append(wall)
            cpu[name].append(used)
    floor_median, floor_cpu = statistics.median(times[FLOOR]), statistics.median(cpu[FLOOR])
    rows = {}
    for name, values in times.items():
        rows[name] = {
            "ms_per_step": statistics.median(values) * 1e3,
            "to_floor": statistics.median(values) / floor_median,
            "rounds_to_floor": [value / floor_median for value in values],
            "cpu_ms_per_step": statistics.median(cpu[name]) * 1e3,
            "cpu_to_floor": statistics.median(cpu[name]) / floor_cpu,
        }
    return {"batch": batch, "dtype": np.dtype(dtype).name, "rows": rows, "skipped": skipped}


def machine() -> dict:
    import os

    import sympy

    load = os.getloadavg()
    info = {
        "load_average": [round(value, 2) for value in load],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sympy": sympy.__version__,
        "cpus": os.cpu_count(),
        "processor": _cpu_model() or platform.machine(),
    }
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        info["blas"] = [
            f"{i['internal_api']} {i['version']}, {i['num_threads']} threads" for i in blas
        ]
    except ImportError:
        pass
    for module in ("numba", "torch", "jax"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            pass
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def table(runs: list[list[dict]], key: str = "to_floor") -> str:
    """Median over runs of each run's median, and (min–max) of the run medians."""
    first = runs[0]
    columns = [f"{r['dtype']}, batch {r['batch']}" for r in first]
    what = "wall-clock" if key == "to_floor" else "CPU time"
    lines = [
        f"| one training step, × floor ({what}) | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]

    def cell(name: str, c: int, key: str = "to_floor", digits: int = 2) -> str:
        values = [run[c]["rows"][name][key] for run in runs if name in run[c]["rows"]]
        if not values:
            return "skipped"
        middle = statistics.median(values)
        if len(values) == 1:
            return f"{middle:.{digits}f}"
        return f"{middle:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    for name in VARIANTS:
        cells = [cell(name, c, key) for c in range(len(first))]
        bold = name == FUSED
        label = f"**{name}**" if bold else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| floor, ms per step | "
        + " | ".join(
            cell(FLOOR, c, "ms_per_step" if key == "to_floor" else "cpu_ms_per_step")
            for c in range(len(first))
        )
        + " |"
    )
    return "\n".join(lines)


def pin_threads(threads: int | None) -> None:
    """Every library of this process on ``threads`` threads (None: each keeps its default).

    With a busy neighbour on the 2-core machine, a second thread of any pool only waits
    for a core, and the figures measure the neighbour: one thread each compares the
    libraries' own work. XLA reads its flags when JAX is first imported: call this first.
    """
    if not threads:
        return
    import os

    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'} "
        f"intra_op_parallelism_threads={threads}"
    )
    try:
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
    except ImportError:
        pass
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)  # BLAS and OpenMP, for the rest of the process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="whole runs, each its own median")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.3, help="per variant per round")
    parser.add_argument("--warm", type=float, default=0.15, help="untimed, before each block")
    parser.add_argument("--only", help="comma-separated variants (substrings) besides the floor")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--threads", type=int, help="pin every library to this many threads")
    parser.add_argument("--cpu", action="store_true", help="also a table of CPU time")
    args = parser.parse_args(argv)
    pin_threads(args.threads)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        for name in list(VARIANTS):
            if name != FLOOR and not any(w in name for w in wanted):
                del VARIANTS[name]
    runs = []
    for _ in range(args.runs):
        runs.append(
            [
                run(batch, dtype, args.rounds, args.seconds, args.warm)
                for dtype in (np.float32, np.float64)
                for batch in (1024, 128)
            ]
        )
    print(table(runs))
    if args.cpu:
        print()
        print(table(runs, "cpu_to_floor"))
    skipped = {name: why for r in runs[0] for name, why in r["skipped"].items()}
    for name, why in skipped.items():
        print(f"{name}: skipped, {why}")
    info = {**machine(), "threads": args.threads or "default"}
    print("machine:", json.dumps(info))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
