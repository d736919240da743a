"""``python -m numeric check FILE.py:CALL [--shape B,N ...] [--op NAME] [--labels KIND]``.

CALL names something FILE itself defines (anything FILE imports is refused):

* a class, constructed with no arguments, or a constructor call with literal
  arguments, ``"DenseLayer(4, 3)"``; ``randn(4, 3)``, ``zeros(3)`` and ``ones(3)``
  stand for arrays, for constructors that take them (the book's ``Affine(W, b)``);
* a micrograd ``Value`` class or a ``torch.autograd.Function`` subclass, by name;
* a cs231n forward function with its backward beside it (``affine_forward`` and
  ``affine_backward``), or a loss function returning ``(loss, dx)`` (``softmax_loss``);
  ``--shape`` once per array argument, in order.

CALL is parsed with ``ast``, never evaluated, and refused before anything is called
when it is none of these. FILE itself is imported: it is your own code. Exit 0 when
every gradient matches, 1 when one is wrong, 2 when the check cannot be made (one
line on stderr: a usage error, or what the checked code raised, ``exit()`` included).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

import numpy as np

from numeric.check.errors import CheckError, call
from numeric.check.report import check_gradients
from numeric.check.styles import pick
from numeric.check.styles.cs231n import backward_of, example_arguments

LITERALS = (int, float, str, bool, type(None))
ARRAYS = {"randn": "standard_normal", "zeros": "zeros", "ones": "ones"}


class UsageError(Exception):
    """A mistake on the command line or in the target: exit 2 with this message."""


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    elif isinstance(node, ast.Constant) and isinstance(node.value, LITERALS):
        return node.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id in ARRAYS:
            shape = tuple(_literal(a) for a in node.args)
            if all(isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 4096 for n in shape):
                return _array(node.func.id, shape)
            raise UsageError(f"{ast.unparse(node)}: sizes must be integers in 1..4096")
    allowed = "literal arguments (and randn/zeros/ones(sizes))"
    raise UsageError(f"only {allowed} are allowed, got {ast.unparse(node)!r}")


def _array(kind: str, shape: tuple) -> np.ndarray:
    if kind == "randn":  # small weights, as the book draws them (weight_init_std = 0.01 * 10)
        return 0.1 * np.random.default_rng(1).standard_normal(shape)
    return getattr(np, ARRAYS[kind])(shape)


def parse_call(call_text: str) -> tuple[str, list, dict]:
    """``"DenseLayer(4, n_neurons=3)"`` -> ("DenseLayer", [4], {"n_neurons": 3})."""
    try:
        node = ast.parse(call_text.strip(), mode="eval").body
    except SyntaxError:
        raise UsageError(
            f"cannot parse {call_text!r}: expected Name or Name(literal, ...)"
        ) from None
    if isinstance(node, ast.Name):
        return node.id, [], {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise UsageError(f"{call_text!r} must be a name or a call such as DenseLayer(4, 3)")
    if any(k.arg is None for k in node.keywords):
        raise UsageError(f"{call_text!r}: **kwargs are not allowed, only literal arguments")
    args = [_literal(a) for a in node.args]  # a starred argument is no literal: refused
    return node.func.id, args, {k.arg: _literal(k.value) for k in node.keywords}


def _load(path: Path) -> Any:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(f"_checked_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module.__name__] = module  # so that cs231n's backward is found beside forward
    # so that FILE's sibling imports resolve, and a package's (from common.functions import *)
    folders = [str(path.resolve().parent), str(path.resolve().parent.parent)]
    sys.path[:0] = folders
    try:
        call(f"importing {path}", spec.loader.exec_module, module)
    finally:
        for folder in folders:
            sys.path.remove(folder)
    return module


def _defined_here(module: Any, name: str) -> Any:
    value = vars(module).get(name)
    if value is None:
        found = sorted(
            n
            for n, v in vars(module).items()
            if (inspect.isclass(v) or inspect.isfunction(v)) and _own(module, v)
        )
        raise UsageError(
            f"{module.__file__} has no {name!r}; it defines: {', '.join(found) or '-'}"
        )
    if not ((inspect.isclass(value) or inspect.isfunction(value)) and _own(module, value)):
        raise UsageError(
            f"{name!r} is not a class or function defined in {module.__file__} "
            "(imported names are never called)"
        )
    return value


def _own(module: Any, value: Any) -> bool:
    return getattr(value, "__module__", None) == module.__name__


def build(target: str) -> tuple[Any, str]:
    """What FILE.py:CALL describes (an object, a class or a function), and CALL."""
    path, colon, call_text = target.rpartition(":")
    if not colon or not path or not call_text:
        raise UsageError(f"expected FILE.py:CALL, got {target!r}")
    name, args, kwargs = parse_call(call_text)
    module = _load(Path(path))
    value = _defined_here(module, name)
    if inspect.isfunction(value):
        if args or kwargs:
            raise UsageError(f"{name} is a function: name it without arguments")
        if backward_of(value) is None and "loss" not in name.lower():
            raise UsageError(
                f"{name} is a function with no {name.removesuffix('_forward')}_backward beside "
                "it and no loss in its name: not a forward/backward pair"
            )
        return value, call_text
    if not args and not kwargs and pick_class(value):
        return value, call_text  # a micrograd Value or a torch Function: checked as a class
    if not args and not kwargs and _required(value):
        needs = ", ".join(_required(value))
        raise UsageError(f"{name} needs arguments ({needs}): write CALL as {name}(...)")
    return call(call_text, value, *args, **kwargs), call_text


def _required(cls: type) -> list[str]:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return []
    empty, positional = inspect.Parameter.empty, (inspect.Parameter.VAR_POSITIONAL,)
    return [
        p.name
        for p in parameters
        if p.default is empty and p.kind not in (*positional, inspect.Parameter.VAR_KEYWORD)
    ]


def pick_class(cls: type) -> bool:
    """Whether a style checks the class itself (micrograd, torch) rather than an instance."""
    try:
        return pick(cls).NAME in ("micrograd", "torch_function")
    except CheckError:
        return False


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes such as 5,3, got {text!r}") from None
    if not shape or any(n < 1 or n > 100_000 for n in shape):
        raise argparse.ArgumentTypeError(f"sizes must be in 1..100000, got {text!r}")
    return shape


def _arguments(target: Any, shapes: list, labels: str | None, seed: int) -> tuple:
    if inspect.isfunction(target):
        if not shapes:
            raise UsageError(f"{target.__name__}: give --shape for each array argument, in order")
        return tuple(example_arguments(target, shapes, np.random.default_rng(seed), labels))
    if inspect.isclass(target):  # a torch Function takes arrays; a micrograd Value nothing
        rng = np.random.default_rng(seed)
        return tuple(rng.standard_normal(shape) for shape in shapes)
    if len(shapes) > 1:
        raise UsageError("an object takes one --shape B,N (its inputs)")
    return (shapes[0],) if shapes else ()


def main(argv: list[str]) -> int:
    """Check FILE.py:CALL, print the report; 0 all match, 1 one is wrong, 2 no verdict."""
    parser = argparse.ArgumentParser(prog="python -m numeric check", description=__doc__)
    parser.add_argument("target", help='FILE.py:CALL, e.g. "layers.py:DenseLayer(4, 3)"')
    parser.add_argument(
        "--shape", type=_shape, action="append", default=[], help="B,N: inputs (repeatable)"
    )
    parser.add_argument("--op", help="the op of the table it computes (default: recognised)")
    parser.add_argument("--labels", choices=("indices", "onehot"), help="class targets given as")
    parser.add_argument("--seed", type=int, default=0, help="of the sampled inputs (default 0)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its one-line error
        return int(exit_.code or 0)
    try:
        target, call_text = build(args.target)
        report = check_gradients(
            target,
            *_arguments(target, args.shape, args.labels, args.seed),
            op=args.op,
            labels=args.labels,
            seed=args.seed,
            subject=call_text,
        )
    except (UsageError, CheckError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BaseException as error:  # noqa: BLE001 - user code reached past a guard: no verdict
        print(f"error: the check raised {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report else 1
