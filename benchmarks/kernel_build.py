"""What it costs to get every kernel of the table: cold (SymPy derives and lambdify
prints) and warm (the on-disk cache), each in a fresh process, timed the way a user
meets it: from ``python -c`` starting to its last kernel, by the wall clock.

    python benchmarks/kernel_build.py [--runs 10]

The clock starts in this process just before the child is spawned and stops in the
child after its last ``numeric.kernels(name)`` call, so interpreter start-up, ``site``,
``import numeric`` (NumPy) and whatever the first kernel imports are all inside it.
The child also reports its own split and whether SymPy ended up imported, and the
whole process's CPU time (user + sys) is read from ``getrusage``: on a machine busy
with other work the wall clock also counts the time spent waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# Run as ``python -c``: the op names are its arguments, so the child needs no table.
CHILD = """
import sys, time
started = time.perf_counter()
import numeric
imported = time.perf_counter()
for name in sys.argv[1:]:
    numeric.kernels(name)
done = time.time()
print(repr((done, imported - started, time.perf_counter() - imported, "sympy" in sys.modules)))
"""


def op_names() -> list[str]:
    """Every op of the table that has kernels (a table entry without a derivation, such
    as a layer the package implements by hand, raises TypeError and is left out)."""
    import numeric
    from symbolic import OPS

    names = []
    for name in sorted(OPS):
        try:
            numeric.kernels(name)
        except TypeError:
            continue
        names.append(name)
    return names


def run(cache: str, names: list[str]) -> dict:
    """One fresh process: wall time from spawn to its last kernel, and its own split."""
    env = {"BACKPROP_DERIVED_CACHE": cache, "PATH": ""}
    if "PYTHONPATH" in os.environ:  # to time another checkout of the package
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *names], env=env, capture_output=True, text=True, check=True
    )
    finished = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last_kernel, import_numeric, kernels, sympy = eval(done.stdout)  # noqa: S307 - our child
    return {
        "to the last kernel": last_kernel - started,
        "whole process": finished - started,
        # what the process itself computed: near its wall time on an idle machine, and
        # much less sensitive to other processes than the wall clock
        "whole process, CPU time": cpu,
        "import numeric": import_numeric,
        "kernels": kernels,
        "sympy imported": sympy,
    }


def summary(runs: list[dict], key: str) -> str:
    values = sorted(r[key] * 1e3 for r in runs)
    return f"{statistics.median(values):.0f} ms ({values[0]:.0f}-{values[-1]:.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="processes per case (default 10)")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON too")
    options = parser.parse_args(argv)
    names = op_names()
    cold, warm = [], []
    for _ in range(max(1, options.runs // 5)):  # cold runs are slow: a fifth as many
        with tempfile.TemporaryDirectory() as cache:
            cold.append(run(cache, names))
    with tempfile.TemporaryDirectory() as cache:
        run(cache, names)  # fills the cache
        warm = [run(cache, names) for _ in range(options.runs)]
    print(f"{len(names)} ops' kernels, fresh processes: median (min-max) of the runs")
    print(f"wall time | cold ({len(cold)} runs) | warm cache ({len(warm)} runs)")
    print("---|---|---")
    keys = ("to the last kernel", "whole process", "whole process, CPU time")
    for key in (*keys, "import numeric", "kernels"):
        print(f"{key} | {summary(cold, key)} | {summary(warm, key)}")
    imported = [sum(r["sympy imported"] for r in case) for case in (cold, warm)]
    print(f"SymPy imported | {imported[0]} of {len(cold)} | {imported[1]} of {len(warm)}")
    if options.json:
        print(json.dumps({"names": names, "cold": cold, "warm": warm}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
