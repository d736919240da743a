"""``python -m numeric train``: train a dense classifier on local data, on generated kernels.

The defaults train 64-128-64-10 ReLU with Adam on scikit-learn's bundled digits
(80 % train, of which 10 % is held back for validation; 20 % test, always the same
rows) and print ``test accuracy: 0.XXXX`` on the last line.

Exit status: 0 trained; 1 training diverged; 2 a usage or data error (one line, checked
before training: ``--out`` included); 3 training ended at chance accuracy or its loss
did not move (the warning is printed, the outputs are written); 130 Ctrl-C, at any
moment (one line; with ``--out``, the completed epochs are saved first).

``--out DIR`` is written whole: into a hidden directory beside it, then swapped into
place in one rename, so DIR always holds one complete run, never a mix of two.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import secrets
import shutil
import signal
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

EXIT_DIVERGED, EXIT_USAGE, EXIT_STALLED, EXIT_INTERRUPTED = 1, 2, 3, 130
RUN_FILES = ("model.npz", "history.json", "curves.png", "gradient_flow.png")
MAX_HIDDEN_LAYERS = 1000
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
    parser.add_argument("--optimizer", choices=("sgd", "adam", "rmsprop", "adagrad"))
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
        except (ValueError, TypeError, KeyError, SyntaxError, RecursionError) as error:
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
    """The hidden widths, each bounded before the data is even loaded."""
    from numeric.model_file import MAX_WIDTH

    try:
        widths = [int(width) for width in hidden.split(",") if width.strip()]
    except ValueError:
        raise UsageError(f"--hidden wants comma-separated integers, got {hidden!r}") from None
    if any(width < 1 for width in widths):
        raise UsageError(f"--hidden widths must be positive, got {hidden!r}")
    if len(widths) > MAX_HIDDEN_LAYERS:
        raise UsageError(f"--hidden gives {len(widths)} layers; at most {MAX_HIDDEN_LAYERS}")
    wide = [width for width in widths if width > MAX_WIDTH]
    if wide:
        raise UsageError(f"--hidden width {wide[0]:,} is more than {MAX_WIDTH:,}")
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


def _write(out: Path, model: object, history: dict) -> None:
    """model.npz, history.json and the two plots, into the directory ``out``."""
    from numeric.plots import plot_curves, plot_gradient_flow

    model.save(out / "model.npz")
    (out / "history.json").write_text(json.dumps(history, indent=1) + "\n")
    plot_curves(history, out / "curves.png")
    plot_gradient_flow(history, out / "gradient_flow.png", [repr(k) for k in model.dense_layers])


def _completed(history: dict) -> dict:
    """The epochs every list has (an interrupt may fall between two appends)."""
    epochs = min((len(values) for values in history.values()), default=0)
    return {key: values[:epochs] for key, values in history.items()}


# ----- the run directory: checked before training, written whole -----


def _check_out(out: Path) -> Path:
    """``--out`` as an absolute path, or ``UsageError`` before anything is trained."""
    out = Path(os.path.abspath(out))
    if not out.name:
        raise UsageError(f"--out {out}: name a directory for the run, not the root")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    ancestor = next(path for path in out.parents if path.exists())
    if not ancestor.is_dir():
        raise UsageError(f"--out {out}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {ancestor} is not writable")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in RUN_FILES)
        if foreign:
            raise UsageError(
                f"--out {out}: holds {foreign[0]!r}, which is not from a run; the directory is "
                f"replaced whole, so choose a new or empty one"
            )
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--out draws its plots with matplotlib, which is not installed")
    return out


def _stage(out: Path) -> Path:
    """A new hidden directory beside ``out`` to write the run in (proves ``out`` writable)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(out)
        return _hidden_directory(out, "tmp")
    except OSError as error:
        raise UsageError(
            f"--out {out}: cannot create a directory in {out.parent} ({error.strerror})"
        ) from None


def _hidden_directory(out: Path, kind: str) -> Path:
    """A new ``.NAME.KIND-PID-XXXXXXXX`` beside ``out``, with the umask's permissions,
    locked (``flock``) for as long as this process lives or until ``_release``."""
    while True:
        path = out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        _LOCKS[path] = descriptor = os.open(path, os.O_RDONLY)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return path


_LOCKS: dict[Path, int] = {}


def _release(path: Path) -> None:
    descriptor = _LOCKS.pop(path, None)
    if descriptor is not None:
        os.close(descriptor)


def _abandoned(path: Path) -> bool:
    """Whether no live process holds ``path``'s lock (its writer was killed)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def _remove_stale(out: Path) -> None:
    """The hidden directories of runs killed while writing: a previous run set aside
    (``.old``) goes back to ``out`` if ``out`` is missing; the rest is removed."""
    for path in sorted(out.parent.iterdir()):
        kinds = [kind for kind in ("tmp", "old") if path.name.startswith(f".{out.name}.{kind}-")]
        if not kinds or not path.is_dir() or not _abandoned(path):
            continue
        if kinds == ["old"] and not out.exists():
            os.rename(path, out)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    at_cwd, exchange = -100, 2
    return renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0


def _commit(staging: Path, out: Path) -> None:
    """Put the finished run in ``staging`` at ``out``, replacing a previous run whole."""
    if not out.exists():
        os.rename(staging, out)
        return
    _check_out(out)  # still only a run's files: nothing else is thrown away
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now the previous run
        return
    # Elsewhere: two renames; a kill between them leaves the old run in .NAME.old-*, locked
    # while this process lives, and put back by the next run.
    old = _hidden_directory(out, "old")
    _release(old)
    os.rmdir(old)
    _LOCKS[old] = descriptor = os.open(out, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old)
    _release(old)


def _save_run(out: Path, staging: Path, model: object, history: dict) -> None:
    _write(staging, model, history)
    _commit(staging, out)


# ----- Ctrl-C -----


class Interrupts:
    """SIGINT raises ``KeyboardInterrupt`` once; later ones, or any inside ``deferred()``,
    are only recorded, so a save in progress is never cut short by a second Ctrl-C."""

    def __init__(self) -> None:
        self.deferring = False
        self.pending = False
        self.raised = False

    def handler(self, signum: int, frame: object) -> None:
        if self.deferring or self.raised:
            self.pending = True
            return
        self.raised = True
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[Interrupts]:
        try:
            previous = signal.signal(signal.SIGINT, self.handler)
        except ValueError:  # not the main thread: leave SIGINT as it is
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    """Run the command; the exit status is in the module's docstring."""
    interrupts = Interrupts()
    with interrupts.installed():
        try:
            args = _parser().parse_args(argv)
            with _blas_threads(args.blas_threads):
                return _train(args, interrupts)
        except (UsageError, ValueError, TypeError, ImportError, OSError) as error:
            print(f"python -m numeric train: {error}", file=sys.stderr)
            return EXIT_USAGE
        except MemoryError:
            print("python -m numeric train: out of memory", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("python -m numeric train: interrupted before training", file=sys.stderr)
            return EXIT_INTERRUPTED


def _blas_threads(threads: int) -> contextlib.AbstractContextManager:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it, the BLAS default
        return contextlib.nullcontext()
    return threadpool_limits(threads, user_api="blas") if threads > 0 else contextlib.nullcontext()


def _check_counts(args: argparse.Namespace) -> None:
    for flag, value, low in (
        ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1),
        ("--seed", args.seed, 0),
        ("--blas-threads", args.blas_threads, 0),
    ):
        if value < low:
            raise UsageError(f"{flag} must be at least {low}, got {value}")
    if args.momentum and args.optimizer != "sgd":  # never dropped silently
        raise UsageError(f"--momentum is SGD's; {args.optimizer} takes none")


def _check_size(inputs: int, widths: list[int], classes: int, dtype: np.dtype) -> None:
    """The parameter count, before any weight is drawn: at most what a model file holds."""
    from numeric.model_file import MAX_PARAMETERS

    sizes = [inputs, *widths, classes]
    parameters = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    if parameters > MAX_PARAMETERS:
        gigabytes = parameters * np.dtype(dtype).itemsize / 1e9
        raise UsageError(
            f"--hidden {','.join(map(str, widths))}: a {'-'.join(map(str, sizes))} network has "
            f"{parameters:,} parameters ({gigabytes:,.1f} GB of weights); at most "
            f"{MAX_PARAMETERS:,} (numeric.model_file.MAX_PARAMETERS)"
        )


def _train(args: argparse.Namespace, interrupts: Interrupts) -> int:
    from numeric import data
    from numeric.optimizers import SGD, Adagrad, Adam, RMSprop
    from numeric.training import Diverged, TrainingStalled

    _check_counts(args)
    widths = _widths(args.hidden)
    adaptive = {"adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
    if args.optimizer in adaptive:
        optimizer = adaptive[args.optimizer](learning_rate=args.lr, decay=args.decay)
    else:
        optimizer = SGD(learning_rate=args.lr, decay=args.decay, momentum=args.momentum)
    out = _check_out(args.out) if args.out else None
    _define(args.define)
    _check_activation(args.activation)
    X, y, X_test, y_test = data.load(args.data, seed=0)
    X_train, y_train, X_val, y_val = data.split(X, y, test_size=0.1, seed=args.seed)
    classes = int(max(y.max(), y_test.max())) + 1
    _check_size(X.shape[1], widths, classes, X.dtype)
    staging = _stage(out) if out else None
    try:
        model = build(X.shape[1], widths, classes, args.activation, args.seed, X.dtype.type)
        shape = "-".join(str(width) for width in [X.shape[1], *widths, classes])
        print(
            f"{args.data}: {len(X_train)} train, {len(X_val)} validation, {len(X_test)} test; "
            f"{shape} {args.activation}, {optimizer!r}"
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TrainingStalled)
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
                return EXIT_DIVERGED
            except KeyboardInterrupt:
                return _interrupted(model, out, staging, interrupts)
        stalled = [str(w.message) for w in caught if issubclass(w.category, TrainingStalled)]
        for other in caught:
            if not issubclass(other.category, TrainingStalled):
                warnings.showwarning(other.message, other.category, other.filename, other.lineno)
        if out:
            with interrupts.deferred():
                _save_run(out, staging, model, _completed(model.history))
            if interrupts.pending:
                print(
                    f"python -m numeric train: interrupted; the finished run was saved under {out}",
                    file=sys.stderr,
                )
                return EXIT_INTERRUPTED
            print("wrote " + ", ".join(str(out / name) for name in RUN_FILES))
        for message in stalled:
            print(f"warning: {message}", file=sys.stderr)
        try:
            accuracy = model.evaluate(X_test, y_test)["accuracy"]
        except KeyboardInterrupt:
            saved = f"; the run was saved under {out}" if out else ""
            print(f"python -m numeric train: interrupted after training{saved}", file=sys.stderr)
            return EXIT_INTERRUPTED
        print(f"test accuracy: {accuracy:.4f}")
        return EXIT_STALLED if stalled else 0
    finally:
        if staging is not None:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            _release(staging)


def _interrupted(
    model: object, out: Path | None, staging: Path | None, interrupts: Interrupts
) -> int:
    """Ctrl-C during training: save the completed epochs under ``--out``, say so in one line."""
    with interrupts.deferred():
        history = _completed(model.history)
        epochs = len(history.get("loss", []))
        where = ""
        if out and epochs:
            _save_run(out, staging, model, history)
            where = f"; saved them (and the weights of the last complete step) under {out}"
        elif out:
            where = "; nothing to save"
        print(
            f"python -m numeric train: interrupted after {epochs} complete epochs{where}",
            file=sys.stderr,
        )
    return EXIT_INTERRUPTED
