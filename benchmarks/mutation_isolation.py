"""A pytest plugin for mutation runs: each test session starts with empty caches.

mutmut 3 runs the selected tests once to learn which tests call which function,
then forks one process per mutant from that process. Everything the first run
memoised is inherited: the derivations (``functools.cache`` in symbolic.forms,
symbolic.derivation, numeric.kernels), SymPy's own cache and the on-disk kernel
cache. A mutant in a derivation rule would then never run -- the child reads the
unmutated result -- and survive. Clearing them at the start of every session makes
each mutant derive, print and build what its tests use.

Only when ``MUTATION_CLEAR_CACHES=1`` (set for symbolic/ and numeric/kernels.py): a
mutant of the losses or the checker cannot change a cached derivation, and
re-deriving every kernel per mutant would triple the run.

Loaded by ``benchmarks/mutation.py`` with ``-p mutation_isolation``; not part of the
test suite.
"""

from __future__ import annotations

import os
import sys
import tempfile


def _clear_package_caches() -> int:
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("symbolic", "numeric")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
                cleared += 1
    kernels = sys.modules.get("numeric.kernels")
    for table in (getattr(kernels, "_BUILT_IN", None),):
        if isinstance(table, dict):  # built-in kernels found by name
            table.clear()
    return cleared


def pytest_sessionstart(session: object) -> None:
    if os.environ.get("MUTATION_CLEAR_CACHES") != "1":
        return  # a module the cached derivations and kernels do not depend on
    import sympy.core.cache

    sympy.core.cache.clear_cache()
    _clear_package_caches()
    # (tests/conftest.py also gives each session a fresh one; this holds without it.)
    # In the working directory, mutmut's copy in the snapshot: removed with it.
    os.environ["BACKPROP_DERIVED_CACHE"] = tempfile.mkdtemp(prefix="kernels-", dir=os.getcwd())
