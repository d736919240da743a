"""The suite writes nothing under the home directory (issue 16, point 3).

tests/conftest.py sends every cache to a temporary directory before collection and
fails the run at its end if a watched place under $HOME changed (tests/isolation.py).
These tests show that children inherit the arrangement, that a child doing the
suite's usual work leaves $HOME as it was, and that the end-of-run check does fail a
run that writes there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests import isolation

REPO = Path(__file__).resolve().parents[1]


def test_children_inherit_caches_outside_home(kernel_cache_outside_home):
    code = (
        "import json, os; from numeric import kernel_cache; "
        "print(json.dumps({**{k: os.environ.get(k) for k in "
        "('MPLCONFIGDIR', 'NUMBA_CACHE_DIR', 'IPYTHONDIR', 'JUPYTER_RUNTIME_DIR', "
        "'XDG_CACHE_HOME')}, 'kernels': str(kernel_cache.directory())}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    places = json.loads(done.stdout)
    assert places["kernels"] == str(kernel_cache_outside_home)
    home = str(Path.home())
    for name, place in places.items():
        assert place is not None, name
        assert not Path(place).resolve().is_relative_to(home) or Path(
            place
        ).resolve().is_relative_to(REPO), (name, place)


def test_a_child_that_derives_trains_and_plots_writes_nothing_under_home(tmp_path):
    """The child's home is an empty directory of its own (other processes on the machine
    may write the real one meanwhile): with the caches the suite set, it stays empty."""
    home = tmp_path / "home"
    home.mkdir()
    code = textwrap.dedent(
        f"""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
        import numeric
        forward, backward = numeric.kernels("leaky_relu(alpha=0.37)")  # never cached before
        plt.plot(forward(np.linspace(-1, 1, 5)))
        plt.savefig({str(tmp_path / "plot.png")!r})
        """
    )
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert (tmp_path / "plot.png").exists()
    assert sorted(str(path.relative_to(home)) for path in home.rglob("*")) == []


def test_the_snapshot_sees_a_file_written_modified_or_removed(tmp_path):
    home = tmp_path / "home"
    cache = home / ".cache" / "backprop-derived"
    cache.mkdir(parents=True)
    (cache / "old.json").write_text("{}")
    before = isolation.snapshot(home)
    assert isolation.changes(before, isolation.snapshot(home)) == []
    (cache / "relu-0123.json").write_text("{}")
    (home / ".ipython").mkdir()
    (home / ".ipython" / "history.sqlite").write_bytes(b"x")
    (cache / "old.json").write_text('{"changed": 1}')
    (home / "stray.txt").write_text("")
    assert sorted(isolation.changes(before, isolation.snapshot(home))) == [
        "created: .cache/backprop-derived/relu-0123.json",
        "created: .ipython (name)",
        "created: .ipython/history.sqlite",
        "created: stray.txt (name)",
        "modified: .cache/backprop-derived/old.json",
    ]
    (cache / "old.json").unlink()
    assert "removed: .cache/backprop-derived/old.json" in isolation.changes(
        before, isolation.snapshot(home)
    )


def test_a_run_that_writes_under_home_fails(tmp_path):
    """A test that writes to ~/.cache/backprop-derived passes, and the run fails anyway,
    naming the file: the end-of-run hook of tests/conftest.py, run in a child pytest
    whose home directory is a temporary one."""
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "from pathlib import Path\n\n\n"
        "def test_writes_home():\n"
        "    folder = Path.home() / '.cache' / 'backprop-derived'\n"
        "    folder.mkdir()\n"
        "    (folder / 'stray.json').write_text('{}')\n"
    )
    env = {**os.environ, "HOME": str(home)}
    for name in isolation.environment(tmp_path, tmp_path):  # as a user's shell has them
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + ["--rootdir", str(tmp_path), "-o", "addopts=", str(probe)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "1 passed" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1, done.stdout
    assert "created: .cache/backprop-derived/stray.json" in done.stdout
