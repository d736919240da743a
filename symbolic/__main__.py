"""``python -m symbolic``: list the ops, print their derivations, check a formula.

    python -m symbolic list
    python -m symbolic derive sigmoid [--format latex|text|markdown]
    python -m symbolic derive --all --document > derivations.tex
    python -m symbolic derive --all --html > derivations.html
    python -m symbolic derive --expr "x*tanh(log(1+exp(x)))" --name my_mish
    python -m symbolic check sigmoid "s*(1-s)"
    python -m symbolic check dense "X.T @ G" --wrt W

Exit status: 0 success (``check``: equal); 1 ``check``: not equal, or a derivation
that does not verify; 2 bad usage, an unknown op, a formula that does not parse.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

EQUAL, NOT_EQUAL, USAGE = 0, 1, 2


class UsageError(Exception):
    """A request the command line cannot serve: a one-line message, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m symbolic", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(required=True, metavar="{list,derive,check}")

    listing = commands.add_parser("list", help="the ops of the table")
    listing.set_defaults(run=_list)

    derive = commands.add_parser("derive", help="print a derivation, every step proven")
    derive.add_argument("name", nargs="?", help="an op of the table (see list)")
    derive.add_argument("--all", action="store_true", help="every op of the table")
    derive.add_argument("--format", choices=("latex", "text", "markdown"), default="latex")
    derive.add_argument("--document", action="store_true", help="the LaTeX handout (article)")
    derive.add_argument("--html", action="store_true", help="the handout as one HTML page")
    derive.add_argument("--expr", help="an activation y = f(x) to define and derive")
    derive.add_argument("--name", dest="new_name", help="the name --expr is defined under")
    derive.set_defaults(run=_derive)

    check = commands.add_parser("check", help="is a hand-derived gradient right?")
    check.add_argument(
        "name", help="an elementwise op, softmax, dense, a loss, softmax_cross_entropy, a penalty"
    )
    check.add_argument("formula", help='e.g. "s*(1-s)" for sigmoid, "p - t" for softmax_cr...')
    check.add_argument("--wrt", help="dense: the gradient checked, X, W or b (X.T*G: --wrt W)")
    check.add_argument(
        "--batch-mean", action="store_true", help="a loss: the gradient of the batch mean (1/B)"
    )
    check.set_defaults(run=_check)
    return parser


def _list(args: argparse.Namespace) -> int:
    from symbolic.ops import OPS

    width = max(map(len, OPS))
    for name, entry in OPS.items():
        print(f"{name:<{width}}  {type(entry).__name__:<11}  {entry.doc}")
    return EQUAL


def _entries(args: argparse.Namespace) -> list:
    """The table entries asked for: one op, every op, or one defined by --expr."""
    from symbolic.ops import OPS, op

    if args.new_name and not args.expr:
        raise UsageError("--name names the activation given by --expr")
    chosen = sum(bool(v) for v in (args.name, args.all, args.expr))
    if chosen != 1:
        raise UsageError("derive takes one of: an op's NAME, --all, or --expr FORMULA")
    if args.all:
        return list(OPS.values())
    if args.expr:
        return [_define(args.expr, args.new_name or "f")]
    try:
        return [op(args.name)]
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def _define(expr: str, name: str) -> object:
    """The table entry of ``expr`` via ``symbolic.define.define_activation``.

    A built-in name cannot be redefined; ``--name mish`` with mish's own formula
    derives the built-in.
    """
    try:
        from symbolic.define import define_activation, parse_formula
    except ImportError:
        raise UsageError("--expr needs symbolic.define, which this version lacks") from None
    from symbolic.ops import OPS, x
    from symbolic.proof import NotEqual, prove_equal

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            entry = define_activation(name, expr)
        except ValueError as error:
            builtin = OPS.get(name)
            if builtin is None or not hasattr(builtin, "params"):
                raise UsageError(str(error)) from None
            try:
                formula = parse_formula(expr, {"x": x})
                prove_equal(formula, builtin.expr.subs(dict(builtin.params)))
            except (ValueError, NotEqual):
                raise UsageError(str(error)) from None
            print(f"note: {expr} is the built-in {name}; deriving it", file=sys.stderr)
            entry = builtin
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return entry


def _derive(args: argparse.Namespace) -> int:
    from symbolic import limits
    from symbolic.derivation import DerivationError

    if args.document and args.format != "latex":
        raise UsageError("--document writes LaTeX; drop --format or use --format latex")
    if args.html and (args.document or args.format != "latex"):
        raise UsageError("--html writes an HTML page; drop --document and --format")
    if not args.expr:
        return _render(args)
    what = f"deriving {args.expr[:60]!r}"
    try:  # a formula from the command line: bounded in time as a whole, one line if it fails
        with limits.time_budget(limits.EXPR_SECONDS, what, "symbolic.limits.EXPR_SECONDS"):
            return _render(args)
    except (UsageError, DerivationError):
        raise
    except (ValueError, ArithmeticError, RecursionError, MemoryError) as error:
        raise UsageError(_one_line(error)) from None


def _render(args: argparse.Namespace) -> int:
    from symbolic.derivation import DerivationError, derivation_for

    entries = _entries(args)
    try:
        if args.document:
            from symbolic.handout import document

            text = document(entries)
        elif args.html:
            from symbolic.html import page

            try:
                text = page(entries)
            except ModuleNotFoundError as error:
                raise UsageError(str(error)) from None
        else:
            render = {"latex": "latex", "text": "text", "markdown": "markdown"}[args.format]
            text = "\n\n".join(getattr(derivation_for(e), render)() for e in entries) + "\n"
    except DerivationError as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return NOT_EQUAL
    print(text, end="")
    return EQUAL


def _check(args: argparse.Namespace) -> int:
    from symbolic.check import check_formula

    try:
        result = check_formula(args.name, args.formula, wrt=args.wrt, batch_mean=args.batch_mean)
    except (ValueError, ArithmeticError, RecursionError, MemoryError) as error:
        raise UsageError(_one_line(error)) from None  # FormulaError is a ValueError
    print(result.message())
    return EQUAL if result.equal else NOT_EQUAL


def _one_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, its type when that says more."""
    from symbolic.check import FormulaError
    from symbolic.derivation import DerivationError
    from symbolic.limits import OverBudget

    message = (str(error).strip().splitlines() or [""])[0]
    if type(error) in (ValueError, FormulaError, DerivationError, OverBudget) and message:
        return message
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
