"""The on-disk cache of kernel source: build, reuse, corrupt, rebuild, clear."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from numeric import kernel_cache
from numeric.kernels import build, kernels_for
from symbolic import OPS


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_DERIVED_CACHE", str(tmp_path))
    kernels_for.cache_clear()
    yield tmp_path
    kernels_for.cache_clear()


def test_build_store_and_reuse(cache_dir, monkeypatch):
    entry = OPS["softmax"]
    first = kernels_for(entry)
    assert len(list(cache_dir.glob("softmax-*.json"))) == 1
    kernels_for.cache_clear()

    def no_sympy_build(entry):
        raise AssertionError("the cached source should have been reused")

    # numeric.kernels is also the name of a function, so reach the module by sys.modules
    monkeypatch.setattr(sys.modules["numeric.kernels"], "build", no_sympy_build)
    second = kernels_for(entry)
    assert [k.source for k in second] == [k.source for k in first]
    z = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_array_equal(second[0](z), first[0](z))


def test_dense_parts_survive_the_cache(cache_dir):
    entry = OPS["dense"]
    kernels_for(entry)
    kernels_for.cache_clear()
    _, backward = kernels_for(entry)
    assert [part.role for part in backward.parts] == ["backward[0]", "backward[1]", "backward[2]"]
    X, W, G = np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4))
    np.testing.assert_array_equal(backward.parts[1](X, W, G), backward(X, W, G)[1])


def test_corrupt_entry_is_rebuilt(cache_dir):
    entry = OPS["sigmoid"]
    kernels_for(entry)
    (path,) = cache_dir.glob("sigmoid-*.json")
    path.write_text('{"kernels": [{"source": "def broken(:')
    kernels_for.cache_clear()
    forward, _ = kernels_for(entry)
    assert forward.source == build(entry)[0].source
    assert forward(np.array([0.0])) == 0.5
    assert "def broken" not in path.read_text()  # rewritten


def test_key_changes_with_the_expression(cache_dir):
    import dataclasses

    import sympy as sp

    entry = OPS["sigmoid"]
    other = dataclasses.replace(entry, expr=1 / (1 + sp.exp(-2 * sp.Symbol("x", real=True))))
    assert kernel_cache.key(entry) != kernel_cache.key(other)


def test_clear_cache_command(cache_dir):
    kernels_for(OPS["relu"])
    assert list(cache_dir.glob("*.json"))
    done = subprocess.run(
        [sys.executable, "-m", "numeric", "kernels", "--clear-cache"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "removed 1 cached kernels" in done.stdout
    assert not list(cache_dir.glob("*.json"))
