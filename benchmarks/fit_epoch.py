"""One epoch of ``Model.fit`` on MNIST-shaped data, against the same loop elsewhere.

60,000 samples x 784 float32 features (random pixels, labels 0-9 from a random
teacher), 784 -> 128 -> ReLU -> 64 -> ReLU -> 10 -> softmax + cross-entropy, SGD,
batch 32 and 128. Every loop does the same work per epoch: a fresh shuffle, each
mini-batch gathered, one step, the loss and the accuracy summed. Variants run in
this process, interleaved round by round, each timed epoch after an untimed partial
one of the same variant (8,192 samples: BLAS, OpenMP and XLA pools left spinning by
the previous variant settle); a run's figure is its median over rounds, and the
table gives the median over runs and their range.

    python benchmarks/fit_epoch.py [--runs 3] [--rounds 3] [--json results.json]

PyTorch and JAX are measured when installed, skipped with a note otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_numpy import SeedNetwork  # noqa: E402
from train_step import SIZES, _model, machine, pin_threads  # noqa: E402

SAMPLES = 60_000
LEARNING_RATE = 0.01
WARM = 8192  # samples of an untimed partial epoch before each timed one


def dataset() -> tuple[np.ndarray, np.ndarray]:
    """Pixels in [0, 1); labels from a fixed random linear teacher, so there is something
    to learn (random labels end at chance, and fit would warn that nothing was learnt)."""
    rng = np.random.default_rng(0)
    X = rng.random((SAMPLES, SIZES[0]), dtype=np.float32)
    teacher = rng.standard_normal((SIZES[0], 10)).astype(np.float32)
    return X, np.argmax((X - 0.5) @ teacher, axis=1)


def model_fit(X, y, batch: int, fused: bool | None = None):
    from numeric import SGD

    model, optimizer = _model(np.float32), SGD(learning_rate=LEARNING_RATE)
    seeds = iter(range(10**6))
    options = {} if fused is None else {"fused": fused}

    def epoch(samples=None):
        X_, y_, seed = X[:samples], y[:samples], next(seeds)
        model.fit(X_, y_, epochs=1, batch_size=batch, optimizer=optimizer, seed=seed, **options)

    return epoch


def model_fit_layers(X, y, batch: int):
    return model_fit(X, y, batch, fused=False)


def plain_numpy(X, y, batch: int):
    network = SeedNetwork(SIZES, np.random.default_rng(2), np.float32, LEARNING_RATE)
    rng = np.random.default_rng(0)

    def epoch(samples=None):
        order = rng.permutation(len(X))[:samples]
        loss_sum, correct = 0.0, 0
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            X_batch, y_batch = X[rows], y[rows]
            loss_sum += network.step(X_batch, y_batch) * len(rows)
            correct += int(np.count_nonzero(network.loss.output.argmax(axis=1) == y_batch))
        return loss_sum / len(X), correct / len(X)

    return epoch


def pytorch(X, y, batch: int):
    import torch

    torch.manual_seed(0)
    layers = []
    for a, b in zip(SIZES, SIZES[1:], strict=False):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)

    def epoch(samples=None):
        order = torch.randperm(len(X), generator=generator)[:samples]
        loss_sum, correct = 0.0, 0
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            X_batch, y_batch = X[rows], y[rows]
            optimizer.zero_grad(set_to_none=True)
            output = model(X_batch)
            loss = loss_fn(output, y_batch)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            correct += int((output.argmax(dim=1) == y_batch).sum())
        return loss_sum / len(X), correct / len(X)

    return epoch


def jax_jit(X, y, batch: int):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(3)
    params = [
        (jnp.asarray(rng.standard_normal((a, b)) * 0.05, jnp.float32), jnp.zeros((1, b)))
        for a, b in zip(SIZES, SIZES[1:], strict=False)
    ]

    def loss(params, X, y):
        out = X
        for k, (W, b) in enumerate(params):
            out = out @ W + b
            if k < len(params) - 1:
                out = jax.nn.relu(out)
        return -jnp.mean(jax.nn.log_softmax(out)[jnp.arange(len(y)), y]), out

    @jax.jit
    def update(params, X, y):
        (value, out), grads = jax.value_and_grad(loss, has_aux=True)(params, X, y)
        new = [
            (W - LEARNING_RATE * dW, b - LEARNING_RATE * db)
            for (W, b), (dW, db) in zip(params, grads, strict=False)
        ]
        return new, value, jnp.sum(jnp.argmax(out, axis=1) == y)

    state = {"params": params}
    shuffle = np.random.default_rng(0)

    def epoch(samples=None):
        order = shuffle.permutation(len(X))[:samples]
        loss_sum, correct = 0.0, 0
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            state["params"], value, right = update(state["params"], X[rows], y[rows])
            loss_sum += float(value) * len(rows)
            correct += int(right)
        return loss_sum / len(X), correct / len(X)

    return epoch


VARIANTS = {
    "Model.fit (this package)": model_fit,
    "Model.fit, layer by layer (fused=False)": model_fit_layers,
    "plain NumPy loop (seed style, efficient)": plain_numpy,
    "PyTorch CPU loop": pytorch,
    "JAX jit loop": jax_jit,
}
FIT, TORCH = "Model.fit (this package)", "PyTorch CPU loop"


def run(batch: int, rounds: int) -> dict:
    X, y = dataset()
    epochs, skipped = {}, {}
    for name, make in VARIANTS.items():
        try:
            epochs[name] = make(X, y, batch)
        except ImportError as error:
            skipped[name] = f"not installed ({error.name})"
            continue
        start = time.perf_counter()
        epochs[name]()  # warm-up: kernels built, JIT compiled, pools started
        print(f"  {name}: first epoch {time.perf_counter() - start:.2f} s", file=sys.stderr)
    times = {name: [] for name in epochs}
    for _ in range(rounds):
        for name, epoch in epochs.items():
            epoch(WARM)  # untimed: pools another library left spinning settle first
            start = time.perf_counter()
            epoch()
            times[name].append(time.perf_counter() - start)
    rows = {name: {"seconds": statistics.median(values)} for name, values in times.items()}
    for row in rows.values():
        if TORCH in rows:
            row["to_pytorch"] = row["seconds"] / rows[TORCH]["seconds"]
    return {"batch": batch, "rows": rows, "skipped": skipped}


def table(runs: list[list[dict]]) -> str:
    first = runs[0]
    header = " | ".join(f"batch {r['batch']}" for r in first)
    lines = [f"| one epoch, seconds (× PyTorch) | {header} |", "|---|" + "---|" * len(first)]
    for name in VARIANTS:
        cells = []
        for c in range(len(first)):
            seconds = [run[c]["rows"][name]["seconds"] for run in runs if name in run[c]["rows"]]
            if not seconds:
                cells.append("skipped")
                continue
            text = f"{statistics.median(seconds):.2f}"
            if len(seconds) > 1:
                text += f" ({min(seconds):.2f}–{max(seconds):.2f})"
            ratios = [run[c]["rows"][name].get("to_pytorch") for run in runs]
            ratios = [r for r in ratios if r is not None]
            if ratios:
                text += f" ×{statistics.median(ratios):.2f}"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="32,128")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--threads", type=int, help="pin every library to this many threads")
    args = parser.parse_args(argv)
    pin_threads(args.threads)
    batches = [int(b) for b in args.batches.split(",")]
    runs = [[run(batch, args.rounds) for batch in batches] for _ in range(args.runs)]
    print(table(runs))
    for name, why in runs[0][0]["skipped"].items():
        print(f"{name}: skipped, {why}")
    info = {**machine(), "threads": args.threads or "default (Model.fit: measured)"}
    print("machine:", json.dumps(info))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
