"""A warm kernel cache needs no SymPy (issue 16, point 5).

Before, every process imported SymPy and the op table to compute a cache key, so a
warm process took 0.38-0.42 s to its last kernel, 0.29 s of it in kernels(); a
built-in op is now keyed by its name and the code's fingerprint, read from files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from numeric import kernel_cache
from numeric.kernels import build, kernels_for
from symbolic import OPS

BUILT_IN = ["sigmoid", "relu", "gelu", "softmax", "dense", "softmax_cross_entropy", "huber"]

# A fresh process that names ops and reports what it imported and what it got.
CHILD = """
import json, sys
import numeric
got = {name: [k.source for k in numeric.kernels(name)] for name in sys.argv[1:]}
print(json.dumps({"sympy": "sympy" in sys.modules, "symbolic": "symbolic" in sys.modules,
                  "got": got}))
"""


def child(cache, *names):
    env = {**os.environ, "BACKPROP_DERIVED_CACHE": str(cache)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", CHILD, *names],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_warm_process_imports_neither_sympy_nor_the_table(cache_dir):
    cold = child(cache_dir, *BUILT_IN)
    assert cold["sympy"] and cold["symbolic"]  # it had to derive
    warm = child(cache_dir, *BUILT_IN)
    assert not warm["sympy"] and not warm["symbolic"]
    assert warm["got"] == cold["got"]
    for name in BUILT_IN:  # and what it found is what a derivation prints today
        assert warm["got"][name] == [k.source for k in build(OPS[name])]


def test_a_built_in_is_keyed_by_its_name_and_anything_else_by_its_expressions(cache_dir):
    import dataclasses

    import sympy as sp

    entry = OPS["sigmoid"]
    assert kernel_cache.key(entry) == kernel_cache.built_in_key("sigmoid")
    assert kernel_cache.built_in_key("sigmoid") != kernel_cache.built_in_key("tanh")
    other = dataclasses.replace(entry, expr=1 / (1 + sp.exp(-2 * sp.Symbol("x", real=True))))
    assert kernel_cache.key(other) not in {
        kernel_cache.key(entry),
        kernel_cache.built_in_key("sigmoid"),
    }
    # other parameters are another entry under another name, keyed by its expressions
    alpha = OPS["leaky_relu"].with_params(alpha=0.1)
    assert kernel_cache.key(alpha) != kernel_cache.built_in_key(alpha.name.split("(")[0])


def test_the_fingerprint_is_read_from_files_without_importing_sympy():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from numeric import kernel_cache; kernel_cache.built_in_key('relu');"
            "print('sympy' in sys.modules, 'symbolic' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_the_fingerprint_covers_sympys_version_and_the_table(monkeypatch):
    """A change to SymPy's release file or to the op table is a new fingerprint."""
    files = [
        path.name for path in kernel_cache._package_files("sympy") if path.name == "release.py"
    ]
    assert files == ["release.py"]
    real = kernel_cache._package_files
    before = kernel_cache._code_fingerprint()

    def without(name):
        return lambda package: [p for p in real(package) if p.name != name]

    for name in ("release.py", "ops.py"):
        monkeypatch.setattr(kernel_cache, "_package_files", without(name))
        kernel_cache._code_fingerprint.cache_clear()
        assert kernel_cache._code_fingerprint() != before, name
    monkeypatch.undo()
    kernel_cache._code_fingerprint.cache_clear()  # read again from the files when next asked


def test_a_name_that_is_not_a_built_ins_is_a_miss(cache_dir):
    kernels_for(OPS["relu"])
    assert kernel_cache.load_built_in("relu") is not None
    for name in ("../relu", "relu(alpha=1)", "no_such_op", ""):
        assert kernel_cache.load_built_in(name) is None


def test_an_entry_found_by_name_is_checked_like_any_other(cache_dir):
    """A line added to a built-in's entry (digest recomputed) is refused in a process
    that finds it by name, which then derives the kernel instead."""
    kernels_for(OPS["sigmoid"])
    (path,) = cache_dir.glob("sigmoid-*.json")
    document = json.loads(path.read_text())
    source = document["kernels"][0]["source"]
    document["kernels"][0]["source"] = source.replace("    return", "    x = x.tofile\n    return")
    document["digest"] = kernel_cache._digest(document["key"], document["kernels"])
    path.write_text(json.dumps(document))
    os.chmod(path, 0o600)
    with pytest.warns(kernel_cache.KernelCacheWarning, match="tofile is not an attribute"):
        assert kernel_cache.load_built_in("sigmoid") is None  # refused, and removed
    assert not path.exists()
    done = child(cache_dir, "sigmoid")
    assert done["sympy"]  # rebuilt from the derivation
    assert done["got"]["sigmoid"] == [k.source for k in build(OPS["sigmoid"])]


def test_kernels_found_by_name_compute_what_built_ones_do(cache_dir):
    kernels_for(OPS["gelu"])
    forward, backward = kernel_cache.load_built_in("gelu")
    built_forward, built_backward = build(OPS["gelu"])
    x = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(forward(x), built_forward(x))
    y = forward(x)
    np.testing.assert_array_equal(
        backward(x, y, np.ones_like(x)), built_backward(x, y, np.ones_like(x))
    )
