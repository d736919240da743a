"""``python -m numeric check FILE.py:CALL [--shape B,N] [--op NAME] [--seed S]``.

CALL is a class name (constructed with no arguments) or a constructor call with
literal arguments, ``"DenseLayer(4, 3)"``; it is parsed with ``ast``, never
evaluated, so only a name called with int, float, str, bool or None arguments
passes. FILE itself is imported: it is your own code. Exit 0 when every gradient
matches, 1 when one is wrong, 2 for a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
from pathlib import Path
from typing import Any

from numeric.gradcheck import SHAPE, CheckError, check_gradients

LITERALS = (int, float, str, bool, type(None))


class UsageError(Exception):
    """A mistake on the command line or in the target: exit 2 with this message."""


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    elif isinstance(node, ast.Constant) and isinstance(node.value, LITERALS):
        return node.value
    raise UsageError(f"only literal arguments are allowed, got {ast.unparse(node)!r}")


def parse_call(call: str) -> tuple[str, list, dict]:
    """``"DenseLayer(4, n_neurons=3)"`` -> ("DenseLayer", [4], {"n_neurons": 3})."""
    try:
        node = ast.parse(call.strip(), mode="eval").body
    except SyntaxError:
        raise UsageError(f"cannot parse {call!r}: expected Name or Name(literal, ...)") from None
    if isinstance(node, ast.Name):
        return node.id, [], {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise UsageError(f"{call!r} must be a class name or a call such as DenseLayer(4, 3)")
    if any(k.arg is None for k in node.keywords):
        raise UsageError(f"{call!r}: **kwargs are not allowed, only literal arguments")
    args = [_literal(a) for a in node.args]  # a starred argument is no literal: refused
    return node.func.id, args, {k.arg: _literal(k.value) for k in node.keywords}


def _load(path: Path) -> Any:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(f"_checked_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # so that FILE's own sibling imports resolve
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise UsageError(f"importing {path} failed: {type(error).__name__}: {error}") from None
    finally:
        sys.path.remove(str(path.parent))
    return module


def build(target: str) -> tuple[Any, str]:
    """The object FILE.py:CALL describes, and CALL."""
    path, colon, call = target.rpartition(":")
    if not colon or not path or not call:
        raise UsageError(f"expected FILE.py:CALL, got {target!r}")
    name, args, kwargs = parse_call(call)
    module = _load(Path(path))
    cls = getattr(module, name, None)
    if not callable(cls):
        found = sorted(n for n, v in vars(module).items() if isinstance(v, type))
        raise UsageError(f"{path} has no class {name!r}; it defines: {', '.join(found) or '-'}")
    try:
        return cls(*args, **kwargs), call
    except Exception as error:
        raise UsageError(f"{call} failed: {type(error).__name__}: {error}") from None


def _shape(text: str) -> tuple[int, int]:
    try:
        batch, width = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected B,N such as 5,3, got {text!r}") from None
    if batch < 1 or width < 1:
        raise argparse.ArgumentTypeError(f"B and N must be positive, got {text!r}")
    return batch, width


def main(argv: list[str]) -> int:
    """Check FILE.py:CALL, print the report; 0 all match, 1 one is wrong, 2 usage error."""
    parser = argparse.ArgumentParser(prog="python -m numeric check", description=__doc__)
    parser.add_argument("target", help='FILE.py:CALL, e.g. "layers.py:DenseLayer(4, 3)"')
    parser.add_argument("--shape", type=_shape, help="B,N: batch and features (default: 5,N)")
    parser.add_argument("--op", help="the op of the table it computes (default: recognised)")
    parser.add_argument("--seed", type=int, default=0, help="of the sampled inputs (default 0)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its one-line error
        return int(exit_.code or 0)
    try:
        obj, call = build(args.target)
        weights = getattr(obj, "weights", None)
        width = weights.shape[0] if getattr(weights, "ndim", 0) == 2 else SHAPE[1]
        report = check_gradients(
            obj, args.shape or (SHAPE[0], width), op=args.op, seed=args.seed, subject=call
        )
    except (UsageError, CheckError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report else 1
