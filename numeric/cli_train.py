"""``python -m numeric train``: train a dense classifier on local data, on generated kernels.

The defaults train 64-128-64-10 ReLU with Adam on scikit-learn's bundled digits
(80 % train, of which 10 % is held back for validation; 20 % test, always the same
rows) and print ``test accuracy: 0.XXXX`` on the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

import numpy as np

DEFAULTS = {
    "data": "digits",
    "hidden": "128,64",
    "activation": "relu",
    "epochs": 40,
    "batch_size": 32,
    "lr": 0.002,
    "optimizer": "adam",
    "seed": 0,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m numeric train", description=__doc__)
    parser.set_defaults(**DEFAULTS)
    parser.add_argument("--data", help="digits | spiral | vertical | mnist:DIR (default: digits)")
    parser.add_argument("--hidden", help="hidden widths, comma-separated (default: 128,64)")
    parser.add_argument("--activation", help="an elementwise activation of the op table")
    parser.add_argument(
        "--define",
        action="append",
        default=[],
        metavar="NAME=EXPR",
        help="define an activation first (symbolic.define.define_activation); repeatable",
    )
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--optimizer", choices=("sgd", "adam"))
    parser.add_argument("--momentum", type=float, default=0.0, help="SGD momentum")
    parser.add_argument("--decay", type=float, default=0.0, help="lr_t = lr / (1 + decay t)")
    parser.add_argument("--seed", type=int, help="initial weights and shuffling")
    parser.add_argument("--out", type=Path, help="write model.npz, history.json and plots here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads (threadpoolctl); small matmuls run fastest on 1; 0: BLAS default",
    )
    return parser


class UsageError(Exception):
    """A command-line mistake, reported in one line."""


def _define(definitions: list[str]) -> None:
    for definition in definitions:
        name, equals, expr = definition.partition("=")
        if not equals or not name.strip() or not expr.strip():
            raise UsageError(
                f"--define wants NAME=EXPR, e.g. softsign='x/(1+Abs(x))'; got {definition!r}"
            )
        try:
            from symbolic.define import define_activation
        except ImportError:
            raise UsageError(
                "--define needs symbolic.define.define_activation, which this installation "
                "does not have yet"
            ) from None
        try:
            define_activation(name.strip(), expr.strip())
        except (ValueError, TypeError, KeyError, SyntaxError) as error:
            raise UsageError(f"--define {definition}: {error}") from None


def _check_activation(name: str) -> None:
    from symbolic import OPS
    from symbolic.ops import Elementwise

    elementwise = sorted(key for key, entry in OPS.items() if isinstance(entry, Elementwise))
    if not isinstance(OPS.get(name), Elementwise):
        raise UsageError(
            f"--activation {name!r} is not an elementwise activation of the op table; "
            f"choose from {', '.join(elementwise)} or add one with --define NAME=EXPR"
        )


def _widths(hidden: str) -> list[int]:
    try:
        widths = [int(width) for width in hidden.split(",") if width.strip()]
    except ValueError:
        raise UsageError(f"--hidden wants comma-separated integers, got {hidden!r}") from None
    if any(width < 1 for width in widths):
        raise UsageError(f"--hidden widths must be positive, got {hidden!r}")
    return widths


def build(
    inputs: int, widths: list[int], classes: int, activation: str, seed: int, dtype: type
) -> object:
    """A Dense/activation stack ending in Softmax + CategoricalCrossEntropy."""
    from numeric import Activation, CategoricalCrossEntropy, Dense, Model, Softmax

    rng = np.random.default_rng(seed)
    layers: list = []
    for width in widths:
        layers += [Dense(inputs, width, rng=rng, dtype=dtype), Activation(activation)]
        inputs = width
    layers += [Dense(inputs, classes, rng=rng, dtype=dtype), Softmax()]
    return Model(layers, loss=CategoricalCrossEntropy())


def _write(out: Path, model: object, history: dict) -> list[Path]:
    from numeric.plots import plot_curves, plot_gradient_flow

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "model.npz", out / "history.json", out / "curves.png", out / "gradient_flow.png"]
    model.save(paths[0])
    paths[1].write_text(json.dumps(history, indent=1) + "\n")
    plot_curves(history, paths[2])
    plot_gradient_flow(history, paths[3], [repr(layer) for layer in model.dense_layers])
    return paths


def main(argv: list[str]) -> int:
    """Run the command; 0 on success, 1 if training diverged, 2 on a usage error."""
    args = _parser().parse_args(argv)
    try:
        with _blas_threads(args.blas_threads):
            return _train(args)
    except (UsageError, ValueError, ImportError) as error:
        print(f"python -m numeric train: {error}", file=sys.stderr)
        return 2


def _blas_threads(threads: int) -> contextlib.AbstractContextManager:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it, the BLAS default
        return contextlib.nullcontext()
    return threadpool_limits(threads, user_api="blas") if threads > 0 else contextlib.nullcontext()


def _train(args: argparse.Namespace) -> int:
    from numeric import data
    from numeric.optimizers import SGD, Adam
    from numeric.training import Diverged

    _define(args.define)
    _check_activation(args.activation)
    widths = _widths(args.hidden)
    X, y, X_test, y_test = data.load(args.data, seed=0)
    X_train, y_train, X_val, y_val = data.split(X, y, test_size=0.1, seed=args.seed)
    classes = int(max(y.max(), y_test.max())) + 1
    model = build(X.shape[1], widths, classes, args.activation, args.seed, X.dtype.type)
    if args.optimizer == "adam":
        optimizer = Adam(learning_rate=args.lr, decay=args.decay)
    else:
        optimizer = SGD(learning_rate=args.lr, decay=args.decay, momentum=args.momentum)
    shape = "-".join(str(width) for width in [X.shape[1], *widths, classes])
    print(
        f"{args.data}: {len(X_train)} train, {len(X_val)} validation, {len(X_test)} test; "
        f"{shape} {args.activation}, {optimizer!r}"
    )
    try:
        model.fit(
            X_train,
            y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=optimizer,
            validation_data=(X_val, y_val),
            seed=args.seed,
            verbose=not args.quiet,
        )
    except Diverged as error:
        print(f"diverged: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        epochs = len(model.history.get("loss", []))
        print(f"interrupted after {epochs} complete epochs", file=sys.stderr)
        if args.out and epochs:
            _write(args.out, model, model.history)
            print(f"saved the model as of its last completed step under {args.out}")
        return 130
    if args.out:
        paths = _write(args.out, model, model.history)
        print("wrote " + ", ".join(str(path) for path in paths))
    print(f"test accuracy: {model.evaluate(X_test, y_test)['accuracy']:.4f}")
    return 0
