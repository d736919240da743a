"""Saved runs: ``python -m numeric evaluate MODEL.npz --data SPEC`` and
``python -m numeric plot HISTORY.json [--out FILE.png]``.

``evaluate`` loads a model file (``Model.load``: every size checked before anything is
read) and prints its loss and accuracy on a data set given as ``train`` takes it
(``digits``, ``spiral``, ``vertical``, ``mnist:DIR``), by default on the same held-out
20 % that ``train`` reports (``--split test``; ``train`` for the other 80 %, ``all``).
``plot`` redraws the loss and accuracy curves of a ``history.json`` that ``train
--out`` wrote (``numeric.plots.plot_curves``), and with ``--gradient-flow FILE`` the
gradient flow too.

Exit status: 0 done; 2 a usage, file or data error, in one line on stderr (no
traceback); 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
MAX_HISTORY_BYTES = 64 << 20  # a history.json of a million epochs is ~30 MB


class UsageError(Exception):
    """A command-line mistake, reported in one line."""


def _evaluate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m numeric evaluate",
        description="Loss and accuracy of a saved model (Model.save, train --out) on a data set.",
    )
    parser.add_argument("model", type=Path, help="a model file, e.g. runs/digits/model.npz")
    parser.add_argument(
        "--data", default="digits", help="digits | spiral | vertical | mnist:DIR (default: digits)"
    )
    parser.add_argument(
        "--split",
        choices=("test", "train", "all"),
        default="test",
        help="which part: the held-out 20 %% train reports (default), the other 80 %%, or all",
    )
    return parser


def _plot_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m numeric plot",
        description="Redraw the curves of a saved run's history.json (train --out).",
    )
    parser.add_argument("history", type=Path, help="a history.json, e.g. runs/digits/history.json")
    parser.add_argument(
        "--out", type=Path, default=Path("curves.png"), help="the PNG (default: curves.png)"
    )
    parser.add_argument(
        "--gradient-flow", type=Path, metavar="FILE", help="also draw the gradient flow here"
    )
    return parser


def _guarded(command: str, run: object, argv: list[str]) -> int:
    """Run ``run(argv)``; any expected failure is one line on stderr and exit 2."""
    from numeric.model_file import ModelFileError

    try:
        return run(argv)
    except (UsageError, ModelFileError, ValueError, TypeError, ImportError, OSError) as error:
        print(f"python -m numeric {command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"python -m numeric {command}: out of memory", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"python -m numeric {command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def evaluate_main(argv: list[str]) -> int:
    """``python -m numeric evaluate``: see the module's docstring."""
    return _guarded("evaluate", _evaluate, argv)


def plot_main(argv: list[str]) -> int:
    """``python -m numeric plot``: see the module's docstring."""
    return _guarded("plot", _plot, argv)


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error argparse has printed (2)
        raise _Exit(int(exit_.code or 0)) from None


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _evaluate(argv: list[str]) -> int:
    try:
        args = _parse(_evaluate_parser(), argv)
    except _Exit as done:
        return done.code
    from numeric import data
    from numeric.model import Model

    if not args.model.is_file():
        raise UsageError(
            f"{args.model}: no such model file (write one with Model.save or train --out)"
        )
    model = Model.load(args.model)  # checked before the data is loaded
    if model.loss is None:
        raise UsageError(f"{args.model}: the model has no loss to evaluate")
    X_train, y_train, X_test, y_test = data.load(args.data, seed=0)
    parts = {
        "test": (X_test, y_test),
        "train": (X_train, y_train),
        "all": (np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])),
    }
    X, y = parts[args.split]
    first = model.dense_layers[0] if model.dense_layers else None
    if first is not None and X.shape[1] != first.n_inputs:
        raise UsageError(
            f"{args.model} takes {first.n_inputs} features, but {args.data} has {X.shape[1]}"
        )
    outputs = model.dense_layers[-1].n_neurons if model.dense_layers else None
    if model.is_classifier and outputs and outputs > 1 and int(y.max()) >= outputs:
        raise UsageError(
            f"{args.data} has label {int(y.max())}, but {args.model} has {outputs} outputs"
        )
    scores = model.evaluate(X.astype(model.dtype, copy=False), y)
    line = f"{args.data} {args.split} ({len(X)} samples): loss {scores['loss']:.4f}"
    if "accuracy" in scores:
        line += f", accuracy {scores['accuracy']:.4f}"
    print(line)
    return 0


def _plot(argv: list[str]) -> int:
    try:
        args = _parse(_plot_parser(), argv)
    except _Exit as done:
        return done.code
    from numeric.plots import check_history, plot_curves, plot_gradient_flow

    if not args.history.is_file():
        raise UsageError(f"{args.history}: no such history file (train --out writes one)")
    size = args.history.stat().st_size
    if size > MAX_HISTORY_BYTES:
        raise UsageError(f"{args.history} is {size:,} bytes; a history file is at most 64 MiB")
    try:
        history = json.loads(args.history.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{args.history} is not JSON: {error}") from None
    try:
        check_history(history)
    except ValueError as error:
        raise UsageError(f"{args.history}: {error}") from None
    for target in filter(None, (args.out, args.gradient_flow)):
        if target.suffix.lower() != ".png":
            raise UsageError(f"{target}: the plot is a PNG; give a name ending in .png")
        if not target.parent.is_dir():
            raise UsageError(f"{target.parent}: no such directory for the plot")
    plot_curves(history, args.out)
    print(f"wrote {args.out}")
    if args.gradient_flow:
        if not history.get("grad_norm"):
            raise UsageError(f"{args.history} holds no grad_norm to draw the gradient flow")
        plot_gradient_flow(history, args.gradient_flow)
        print(f"wrote {args.gradient_flow}")
    return 0
