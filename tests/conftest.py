"""Hypothesis profiles: ``ci`` (default) is derandomized with few examples, so the suite
runs in bounded time; ``dev`` tries many more. Select with ``HYPOTHESIS_PROFILE=dev``."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

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


@pytest.fixture(scope="session", autouse=True)
def kernel_cache_outside_home(request, tmp_path_factory):
    """Generated kernels, fused loops and numba's compiled code in pytest's cache (kept
    between runs, inside the project) or a temporary directory: never the user's home."""
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    where = cache.mkdir("backprop-derived") if cache is not None else tmp_path_factory.mktemp("c")
    patch = pytest.MonkeyPatch()
    patch.setenv("BACKPROP_DERIVED_CACHE", str(where))
    yield where
    patch.undo()


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits, pixels / 16: 1400 samples to train on, 397 held out."""
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = data.data / 16.0, data.target
    order = np.random.default_rng(0).permutation(len(X))
    return X[order[:1400]], y[order[:1400]], X[order[1400:]], y[order[1400:]]
