"""Bad input gets a clear error before any arithmetic (extends tests/test_network.py)."""

from __future__ import annotations

import numpy as np
import pytest

from numeric import CategoricalCrossEntropy, Dense, MeanSquaredError, Model, ReLU, Softmax


def small_model():
    return Model(
        [Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1), Softmax()],
        loss=CategoricalCrossEntropy(),
    )


# fit checks X and y on the whole set before the first step (numeric/training.py), so
# the index in a message is the dataset's row (tests/test_training_guards.py has more).
def fit_fails(X, y, error, message):
    model = small_model()
    before = [layer.weights.copy() for layer in model.dense_layers]
    with pytest.raises(error, match=message):
        model.fit(X, y, epochs=1, batch_size=2, seed=0)
    for layer, weights in zip(model.dense_layers, before, strict=True):
        np.testing.assert_array_equal(layer.weights, weights)  # nothing was computed


def test_nan_in_a_batch_names_its_row():
    X = np.ones((5, 4))
    X[3, 1] = np.nan
    fit_fails(X, np.zeros(5, int), ValueError, r"row 3 is not finite")


def test_inf_in_a_batch_names_its_row():
    X = np.ones((5, 4))
    X[0, 2] = -np.inf
    fit_fails(X, np.zeros(5, int), ValueError, r"row 0 is not finite")


def test_boolean_features_are_refused_with_a_conversion_hint():
    fit_fails(np.ones((5, 4), bool), np.zeros(5, int), TypeError, r"got bool.*astype")


def test_int64_features_are_refused_with_a_conversion_hint():
    fit_fails(np.ones((5, 4), np.int64), np.zeros(5, int), TypeError, r"got int64.*astype")


def test_a_one_dimensional_batch_is_refused():
    fit_fails(np.ones(4), np.zeros(1, int), ValueError, r"2-D batch .* got shape \(4,\)")


def test_a_three_dimensional_batch_is_refused():
    fit_fails(np.ones((5, 2, 2)), np.zeros(5, int), ValueError, r"2-D batch .* \(5, 2, 2\)")


def test_negative_labels_are_refused():
    fit_fails(
        np.ones((4, 4)),
        np.array([0, 1, -1, 0]),
        ValueError,
        r"^y: labels must lie in \[0, 2\), got -1 at index 2",
    )


def test_labels_past_the_last_class_are_refused():
    fit_fails(
        np.ones((4, 4)),
        np.array([0, 2, 1, 0]),
        ValueError,
        r"^y: labels must lie in \[0, 2\), got 2 at index 1",
    )


def test_one_hot_rows_that_do_not_sum_to_one_are_refused():
    y = np.array([[1, 0], [0.5, 0], [0, 1], [1, 0]])
    fit_fails(np.ones((4, 4)), y, ValueError, r"^y: one-hot target rows must sum to 1; row 1 sums")


def test_widths_that_do_not_chain_name_both_layers_and_widths():
    with pytest.raises(
        ValueError, match=r"Dense\(4, 3\) gives 3 outputs but Dense\(2, 2\) expects 2"
    ):
        Model([Dense(4, 3), ReLU(), Dense(2, 2)])


def test_targets_of_the_wrong_shape_are_refused():
    loss = MeanSquaredError()
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*got shape \(3, 3\)"):
        loss.calculate(np.zeros((3, 2)), np.zeros((3, 3)))
