"""Hypothesis profiles: ``ci`` (default) is derandomized with few examples, so the suite
runs in bounded time; ``dev`` tries many more. Select with ``HYPOTHESIS_PROFILE=dev``.

Isolation: every cache goes to a temporary directory, children included, and a run
that changed the watched places under the home directory fails (tests/isolation.py)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests import isolation

settings.register_profile(
    "ci",
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    """tests/test_fused.py last: it loads numba (LLVM) into this process, ~150 MB more,
    and the tests that measure a child's peak memory by ru_maxrss see the parent's
    resident pages too (a forked child's high-water mark starts at its parent's)."""
    items.sort(key=lambda item: item.path.name == "test_fused.py")


def pytest_configure(config):
    """Every cache the suite and its child processes (CLIs, notebooks' kernels, README
    blocks) could write goes to pytest's cache (inside the project) or a temporary
    directory, set in ``os.environ`` before collection so that children inherit it;
    the watched places under the home directory are listed now and compared at the end
    (``pytest_sessionfinish``)."""
    temporary = Path(tempfile.mkdtemp(prefix="backprop-derived-tests-"))
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    kernels = cache.mkdir("backprop-derived") if cache is not None else temporary / "kernels"
    config.isolation = isolation.Isolation(temporary, kernels, dict(os.environ))
    os.environ.update(isolation.environment(temporary, kernels))
    config.isolation.before = isolation.snapshot(Path.home())


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when it wrote under the home directory (issue 16, point 3)."""
    state = getattr(session.config, "isolation", None)
    if state is None:
        return
    changes = isolation.changes(state.before, isolation.snapshot(Path.home()))
    os.environ.clear()
    os.environ.update(state.environ)
    shutil.rmtree(state.temporary, ignore_errors=True)
    if changes:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [
            f"files under {Path.home()} changed during the run (written by the suite, or by"
            f" another process at the same time: run again to tell):",
            *changes[:20],
        ]
        if reporter is not None:
            reporter.write_sep("=", "isolation", red=True)
            reporter.write_line("\n".join(lines))
        else:
            print("\n".join(lines), file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def kernel_cache_outside_home(request):
    """The kernel cache the whole run uses (generated kernels, fused loops, numba's code)."""
    return request.config.isolation.kernels


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private, empty kernel cache (mode 700, as the package makes it) for one test."""
    from numeric import kernel_cache
    from numeric.kernels import kernels_for

    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("BACKPROP_DERIVED_CACHE", str(folder))
    monkeypatch.setattr(kernel_cache, "_warned", set())
    kernels_for.cache_clear()
    yield folder
    kernels_for.cache_clear()


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, pixels / 16: 1400 samples to train on, 397 held out."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = data.data / 16.0, data.target
    order = np.random.default_rng(0).permutation(len(X))
    return X[order[:1400]], y[order[:1400]], X[order[1400:]], y[order[1400:]]
