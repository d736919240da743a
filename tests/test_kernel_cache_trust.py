"""The kernel cache is never trusted blindly (issue 14, part 6).

Before, a cached entry was Python source executed as it was: a line added to it ran,
an infinite loop in it hung every later process, a world-writable cache directory was
used without complaint, and ``--clear-cache`` left temporary files behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from numeric import kernel_cache
from numeric.kernel_cache import KernelCacheWarning, UntrustedEntry, check_source
from numeric.kernels import build, kernels_for
from symbolic import OPS


def stored(folder, name="sigmoid"):
    """The one entry of op ``name``: its path and its JSON."""
    (path,) = folder.glob(f"{name}-*.json")
    return path, json.loads(path.read_text())


def rewrite(path, document, *, keep_digest=False):
    """Write ``document`` back, as someone who can recompute the digest would."""
    if keep_digest:
        document["digest"] = kernel_cache._digest(document["key"], document["kernels"])
    path.write_text(json.dumps(document))
    os.chmod(path, 0o600)


def fresh_kernels(name="sigmoid"):
    kernels_for.cache_clear()
    return kernels_for(OPS[name])


def test_an_entry_round_trips_without_a_warning(cache_dir):
    first = kernels_for(OPS["gelu"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = fresh_kernels("gelu")
    assert [k.source for k in second] == [k.source for k in first]
    assert [p.name for p in cache_dir.iterdir()] == [stored(cache_dir, "gelu")[0].name]
    assert stat_mode(cache_dir / stored(cache_dir, "gelu")[0].name) == 0o600


def stat_mode(path):
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_built_in_kernel_passes_the_source_check(name):
    def check(kernel):
        check_source(kernel.source, list(kernel.args))
        for part in kernel.parts:
            check(part)

    for kernel in build(OPS[name]):
        check(kernel)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (0o777, r"others may write to it \(mode 777\)"),
        (0o770, r"others may write to it \(mode 770\)"),
    ],
)
def test_a_directory_others_may_write_is_not_used(cache_dir, mode, says):
    os.chmod(cache_dir, mode)
    with pytest.warns(KernelCacheWarning, match=rf"kernel cache .* is not used: {says}"):
        forward, _ = kernels_for(OPS["sigmoid"])
    assert forward(np.array([0.0])) == 0.5  # built instead
    assert list(cache_dir.iterdir()) == []  # and nothing written there


def test_a_directory_of_another_user_is_not_used(cache_dir, monkeypatch):
    kernels_for(OPS["sigmoid"])
    real = os.getuid()
    monkeypatch.setattr(kernel_cache.os, "getuid", lambda: real + 1)
    with pytest.warns(KernelCacheWarning, match=rf"belongs to another user \(uid {real}\)"):
        fresh_kernels()


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])  # all, the group only, others only
def test_an_entry_writable_by_the_group_or_others_is_rebuilt(cache_dir, mode):
    kernels_for(OPS["sigmoid"])
    path, _ = stored(cache_dir)
    os.chmod(path, mode)
    with pytest.warns(
        KernelCacheWarning, match=rf"others may write to it \(mode {mode:o}\); it is rebuilt"
    ):
        forward, _ = fresh_kernels()
    assert forward(np.array([0.0])) == 0.5
    assert stat_mode(stored(cache_dir)[0]) == 0o600  # written anew, private


def test_an_entry_that_is_a_symbolic_link_is_not_followed(cache_dir, tmp_path):
    kernels_for(OPS["sigmoid"])
    path, _ = stored(cache_dir)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    with pytest.warns(KernelCacheWarning, match="it is rebuilt"):
        fresh_kernels()
    assert not stored(cache_dir)[0].is_symlink()


MARKER = "/tmp/backprop-derived-pwned"


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        (f"open({MARKER!r}, 'w').write('ran')", r"\.write is not an attribute the kernel"),
        (f"open({MARKER!r}, 'w')", "'open' is not a name the kernel printer writes"),
        ("__import__('os').system('touch " + MARKER + "')", r"\.system is not an attribute"),
        ("numpy.save('" + MARKER + "', x)", "numpy.save is not a function the kernel printer"),
        ("numpy.load(x)", "numpy.load is not a function the kernel printer writes"),
        ("x.__class__", r"\.__class__ is not an attribute the kernel printer writes"),
        ("exec(x)", "'exec' is not a name the kernel printer writes"),
    ],
    ids=["open-write", "open", "import", "save", "load", "dunder", "exec"],
)
def test_a_line_added_to_an_entry_never_runs(cache_dir, line, refusal):
    kernels_for(OPS["sigmoid"])
    path, document = stored(cache_dir)
    source = document["kernels"][0]["source"]
    head, body = source.split("\n", 1)
    document["kernels"][0]["source"] = f"{head}\n    x9 = {line}\n{body}"
    rewrite(path, dict(document))
    with pytest.warns(KernelCacheWarning, match="do not match their digest"):
        fresh_kernels()  # edited without the digest: refused on that alone
    # Even with the digest recomputed, the source itself is refused before it runs.
    rewrite(path, document, keep_digest=True)
    with pytest.warns(KernelCacheWarning, match=refusal):
        forward, _ = fresh_kernels()
    assert not os.path.exists(MARKER)
    assert forward(np.array([0.0])) == 0.5
    assert line not in stored(cache_dir)[1]["kernels"][0]["source"]  # rebuilt


def test_an_infinite_loop_in_an_entry_is_refused_not_run(cache_dir):
    kernels_for(OPS["sigmoid"])
    path, document = stored(cache_dir)
    source = document["kernels"][0]["source"]
    document["kernels"][0]["source"] = source.replace(
        "    return", "    while True:\n        pass\n    return"
    )
    rewrite(path, document, keep_digest=True)
    start = time.perf_counter()
    with pytest.warns(KernelCacheWarning, match="line 1 of its body is not an .*: While"):
        fresh_kernels()
    assert time.perf_counter() - start < 5


def test_a_wrong_kernel_is_caught_by_its_digest(cache_dir):
    kernels_for(OPS["sigmoid"])
    path, document = stored(cache_dir)
    document["kernels"][0]["source"] = document["kernels"][0]["source"].replace("-x", "-2*x")
    rewrite(path, document)
    with pytest.warns(KernelCacheWarning, match="edited since written"):
        forward, _ = fresh_kernels()
    assert forward(np.array([1.0])) == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_an_entry_under_another_ops_name_is_refused(cache_dir):
    kernels_for(OPS["sigmoid"])
    kernels_for(OPS["tanh"])
    sigmoid, _ = stored(cache_dir, "sigmoid")
    tanh, _ = stored(cache_dir, "tanh")
    tanh.write_bytes(sigmoid.read_bytes())
    with pytest.warns(KernelCacheWarning, match="another op's key"):
        forward, _ = fresh_kernels("tanh")
    assert forward(np.array([0.0])) == 0.0


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("def _lambdifygenerated(x, y):\n    return x", r"is not def _lambdifygenerated\(x\)"),
        ("def f(x):\n    return x", r"is not def _lambdifygenerated\(x\)"),
        ("import os\ndef _lambdifygenerated(x):\n    return x", "not one function"),
        ("def _lambdifygenerated(x):\n    numpy = x\n    return numpy", "assigns to something"),
        ("def _lambdifygenerated(x):\n    return x0", "'x0' is not a name"),
        ("def _lambdifygenerated(x):\n    return [y for y in x]", "ListComp is not"),
        ("def _lambdifygenerated(x):\n    return lambda: x", "Lambda is not"),
        ("def _lambdifygenerated(x):\n    return x[0]", "Subscript is not"),
        ("def _lambdifygenerated(x):\n    return numpy.sum(x, out=x)", "out= is not a keyword"),
        ("def _lambdifygenerated(x):\n    return __import__('os').special.erf(x)", r"\.erf is"),
        ("def _lambdifygenerated(x):\n    return (", "does not parse"),
    ],
)
def test_the_source_check_refuses_what_the_printer_never_writes(source, says):
    with pytest.raises(UntrustedEntry, match=says):
        check_source(source, ["x"])


def test_a_kernel_that_imports_scipy_special_still_runs(cache_dir):
    pytest.importorskip("scipy")
    first = kernels_for(OPS["gelu"])
    assert any("scipy.special" in k.source for k in first)
    forward, backward = fresh_kernels("gelu")
    x = np.linspace(-3, 3, 7).reshape(1, -1)
    np.testing.assert_array_equal(
        backward(x, forward(x), np.ones_like(x)), first[1](x, first[0](x), np.ones_like(x))
    )


def test_clear_cache_removes_temporary_files_too(cache_dir):
    kernels_for(OPS["relu"])
    (cache_dir / ".relu-0123.json.abc123.tmp").write_text("{")  # a write cut short
    (cache_dir / "tmpab_cd123").write_text("{")  # the same, before format 2
    (cache_dir / "notes.txt").write_text("mine")
    done = subprocess.run(
        [sys.executable, "-m", "numeric", "kernels", "--clear-cache"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "removed 1 cached kernels" in done.stdout
    assert sorted(p.name for p in cache_dir.iterdir()) == ["notes.txt"]


def test_a_failed_write_leaves_no_temporary_file(cache_dir, monkeypatch):
    def fail(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(kernel_cache.os, "replace", fail)
    kernels_for(OPS["relu"])
    assert list(cache_dir.iterdir()) == []
