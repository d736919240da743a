"""numeric/validate.py: what bad input is told, and what good input becomes.

Each test names the behaviour it protects; messages and arrays are written out here.
Run by ``python benchmarks/mutation.py``.
"""

import warnings

import numpy as np
import pytest

from numeric.validate import as_batch, as_targets, check_finite, check_probabilities


def test_a_single_sample_is_refused_with_the_reshape_hint_and_3_d_without():
    with pytest.raises(ValueError) as one:
        as_batch(np.zeros(3))
    assert str(one.value) == (
        "inputs must be a 2-D batch (samples, features), got shape (3,)"
        " (a single sample? use x.reshape(1, -1))"
    )
    with pytest.raises(ValueError) as three:
        as_batch(np.zeros((1, 2, 3)), "X")
    assert str(three.value) == "X must be a 2-D batch (samples, features), got shape (1, 2, 3)"


def test_other_floating_types_are_refused_by_name():
    with pytest.raises(TypeError, match="^inputs must be float32 or float64, got float16$"):
        as_batch(np.zeros((2, 2), dtype=np.float16))


def test_targets_are_one_hot_rows_unless_told_otherwise():
    with pytest.raises(ValueError, match="row 0 sums to 1.1"):
        as_targets(np.array([[0.5, 0.6]]), 1, 2, np.float64)
    # not binary by default: probabilities other than 0 and 1 are fine
    assert as_targets(np.array([[0.25, 0.75]]), 1, 2, np.float64).tolist() == [[0.25, 0.75]]


def test_a_label_count_other_than_the_batch_is_refused_with_both_counts():
    with pytest.raises(ValueError, match="^expected 3 labels, one per sample, got 2$"):
        as_targets(np.array([0, 1]), 3, 2, np.float64)


def test_labels_for_one_output_become_a_column_of_the_dtype():
    got = as_targets(np.array([0, 1, 1]), 3, 1, np.float32, one_hot=False, binary=True)
    assert got.shape == (3, 1) and got.dtype == np.float32 and got.ravel().tolist() == [0, 1, 1]
    real = as_targets(np.array([0.5, 2.0]), 2, 1, np.float64, one_hot=False)
    assert real.shape == (2, 1) and real.ravel().tolist() == [0.5, 2.0]


def test_class_indices_become_one_hot_rows_of_the_predictions_dtype():
    got = as_targets(np.array([2, 0]), 2, 3, np.float32)
    assert got.dtype == np.float32 and got.tolist() == [[0, 0, 1], [1, 0, 0]]


def test_integer_one_hot_rows_are_kept_as_rows_not_read_as_labels():
    got = as_targets(np.array([[0, 1], [1, 0]]), 2, 2, np.float64)
    assert got.shape == (2, 2) and got.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_real_targets_of_the_wrong_shape_are_refused_with_their_shape():
    with pytest.raises(ValueError, match=r"got shape \(2,\)$"):
        as_targets(np.array([0.5, 0.5]), 2, 3, np.float64, one_hot=False)


def test_targets_already_in_the_dtype_are_not_copied():
    targets = np.array([[0.0, 1.0]], dtype=np.float32)
    assert as_targets(targets, 1, 2, np.float32) is targets
    assert as_targets(targets, 1, 2, np.float64).dtype == np.float64


def test_a_bad_binary_label_row_is_shown_by_its_first_8_values():
    row = np.full((1, 10), 0.5)
    with pytest.raises(ValueError) as bad:
        as_targets(row, 1, 10, np.float64, one_hot=False, binary=True)
    assert str(bad.value).endswith("got [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] at row 0")


def test_a_non_finite_row_is_named_with_its_first_8_values():
    inputs = np.zeros((2, 10))
    inputs[1, 3] = np.nan
    with pytest.raises(ValueError) as bad:
        check_finite(inputs)
    assert str(bad.value) == "inputs row 1 is not finite: [0.0, 0.0, 0.0, nan, 0.0, 0.0, 0.0, 0.0]"


def test_check_finite_is_silent_when_only_the_sum_overflows_and_names_inf_minus_inf():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_finite(np.full((2, 2), 1e308))  # finite; the sum overflows to inf
        with pytest.raises(ValueError, match="row 0 is not finite"):
            check_finite(np.array([[np.inf, -np.inf]]))  # the sum is inf - inf = nan


def test_probabilities_are_refused_below_0_or_above_1_and_an_empty_batch_passes():
    for bad in ([[-0.1, 0.5]], [[0.5, 1.5]]):
        with pytest.raises(ValueError, match=r"needs probabilities in \[0, 1\]"):
            check_probabilities(np.array(bad), "loss", "hint")
    check_probabilities(np.zeros((0, 3)), "loss", "hint")
    check_probabilities(np.array([[0.0, 1.0]]), "loss", "hint")
