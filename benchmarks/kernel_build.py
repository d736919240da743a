"""What it costs to get every kernel of the table: cold (SymPy derives and lambdify
prints) and warm (the on-disk cache), each in a fresh process.

    python benchmarks/kernel_build.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

PROBE = """
import json, time
t0 = time.perf_counter()
import numeric
t1 = time.perf_counter()
import sympy
t2 = time.perf_counter()
from symbolic import OPS
t3 = time.perf_counter()
for name in sorted(OPS):
    numeric.kernels(name)
t4 = time.perf_counter()
print(json.dumps({"import numeric": t1 - t0, "import sympy": t2 - t1,
                  "import symbolic (the table)": t3 - t2, "all kernels": t4 - t3,
                  "ops": len(OPS)}))
"""


def measure(cache: str) -> dict:
    env = {"BACKPROP_DERIVED_CACHE": cache, "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def main() -> int:
    with tempfile.TemporaryDirectory() as cache:
        cold, warm = measure(cache), measure(cache)
    print(f"{cold['ops']} ops | cold (derive + lambdify) | warm (disk cache)")
    print("---|---|---")
    for key in ("import numeric", "import sympy", "import symbolic (the table)", "all kernels"):
        print(f"{key} | {cold[key] * 1e3:.0f} ms | {warm[key] * 1e3:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
