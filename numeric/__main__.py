"""``python -m numeric kernels [NAME] | check ... | train ...``."""

from __future__ import annotations

import argparse
import sys


def kernels_main(argv: list[str]) -> int:
    """Print the source lambdify generated for the kernels of NAME (or of every op)."""
    from numeric.kernels import kernels
    from symbolic import OPS

    parser = argparse.ArgumentParser(prog="python -m numeric kernels")
    parser.add_argument("name", nargs="?", help="an op of the table (default: all)")
    parser.add_argument(
        "--clear-cache", action="store_true", help="empty the on-disk cache of kernel source"
    )
    args = parser.parse_args(argv)
    if args.clear_cache:
        from numeric import kernel_cache

        print(f"removed {kernel_cache.clear()} cached kernels from {kernel_cache.directory()}")
        return 0
    names = [args.name] if args.name else sorted(OPS)
    for name in names:
        if name not in OPS:
            print(f"unknown op {name!r}; the table has: {', '.join(sorted(OPS))}", file=sys.stderr)
            return 2
        for kernel in kernels(name):
            print(f"# {name}: {kernel.role}({', '.join(kernel.args)})")
            print(f"#   = {kernel.expr}")
            print(kernel.source)
    return 0


COMMANDS = {
    "kernels": ("numeric.__main__", "kernels_main"),
    "check": ("numeric.check.cli", "main"),
    "train": ("numeric.cli_train", "main"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m numeric {{{'|'.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    import importlib

    module, function = COMMANDS[argv[0]]
    return getattr(importlib.import_module(module), function)(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
