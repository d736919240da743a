"""BLAS threads in fit / evaluate / predict: fixed on request, measured otherwise, restored."""

from __future__ import annotations

import numpy as np
import pytest

from numeric import SGD, CategoricalCrossEntropy, Dense, Model, Softmax
from numeric.blas import Threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads() -> int:
    return max(
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    )


def model() -> Model:
    return Model([Dense(8, 3, rng=0), Softmax()], loss=CategoricalCrossEntropy())


@pytest.mark.filterwarnings("ignore:training ended at chance")
def test_a_fixed_count_holds_during_fit_and_is_restored():
    before, seen = blas_threads(), []
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 8)), rng.integers(0, 3, 40)
    model().fit(X, y, epochs=1, batch_size=8, optimizer=SGD(0.1), blas_threads=1,
                on_step=lambda *_: seen.append(blas_threads()))  # fmt: skip
    assert seen == [1] * 5
    assert blas_threads() == before


def test_measured_counts_are_the_candidates_and_one_is_chosen():
    before = blas_threads()
    with Threads(None, block=2, blocks=2, every=100) as threads:
        seen = []
        for _ in range(16):
            threads.tick()
            seen.append(blas_threads())
        assert set(seen) <= {1, before}
        # a warm-up block at the default, then 1 and the default in turn
        assert seen[:2] == [before] * 2 and seen[2:4] == [1, 1] and seen[4:6] == [before] * 2
        assert threads.chosen in (1, before)
        assert seen[-1] == threads.chosen
    assert blas_threads() == before


def test_predict_and_evaluate_restore_the_count():
    before = blas_threads()
    X = np.random.default_rng(1).standard_normal((50, 8))
    m = model()
    m.predict(X, batch_size=10)
    m.evaluate(X, np.zeros(50, int), batch_size=10, blas_threads=1)
    assert blas_threads() == before


@pytest.mark.parametrize("wrong", [-1, 1.5, True, "2"])
def test_a_wrong_count_is_refused_before_training(wrong):
    with pytest.raises(ValueError, match="blas_threads"):
        model().fit(np.ones((4, 8)), np.zeros(4, int), epochs=1, blas_threads=wrong)
