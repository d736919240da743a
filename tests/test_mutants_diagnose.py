"""numeric/check/diagnose.py: how the checker names a mistake and prints its verdict.

Each test names the behaviour it protects; the arrays are made by hand with the
mistake planted, and the expected texts are written out. Run by
``python benchmarks/mutation.py``.
"""

import numpy as np
import pytest

from numeric.check.diagnose import GradientCheck, Report, _factor_cause, _shape_diagnosis, compare

BATCH = {"the batch size": 32}
BOTH = {"the batch size": 4, "the number of outputs": 3}


@pytest.mark.parametrize(
    "factor, sizes, said",
    [
        (32, BATCH, "32x too large, the batch size: the division by the batch size is missing"),
        (1 / 32, BATCH, "32x too small, the batch size: divided by the batch size once too often"),
        (
            32 * 1.0005,
            BATCH,
            "32x too large, the batch size: the division by the batch size is missing",
        ),
        (
            12,
            BOTH,
            "12x too large, the batch size times the number of outputs: "
            "a division by both is missing",
        ),
        (
            1 / 12,
            BOTH,
            "12x too small, the batch size times the number of outputs: "
            "divided by both once too often",
        ),
        (
            2,
            {"the batch size": 1},
            "2x too large: a factor 2 too many (the 2 of a square, d(x^2)/dx = 2x, counted twice?)",
        ),
        (0.5, {"the batch size": 1}, "2x too small: the 2 of a square is missing (d(x^2)/dx = 2x)"),
    ],
)
def test_a_constant_factor_is_named_by_the_size_it_comes_from(factor, sizes, said):
    assert _factor_cause(factor, sizes) == said


def test_a_factor_no_size_explains_is_not_named():
    assert _factor_cause(3.7, BOTH) is None
    assert _factor_cause(32 * 1.002, BATCH) is None  # outside rtol 1e-3
    assert _factor_cause(1.0, {"the batch size": 1}) is None  # a size of 1 explains nothing


E = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])


@pytest.mark.parametrize(
    "actual, said",
    [
        (E.T.copy(), "; transposed: actual = expected.T"),
        (E.reshape(-1), "; the values are right once reshaped (keepdims?)"),
        (
            np.array([1.0, 2.0, 3.0]),
            "; the values where the mask is true, as a flat array: boolean indexing "
            "(dout[mask]) drops the other elements; write dout * mask",
        ),
        (np.stack([E * 0.25] * 4), "; the sum over the batch (axis 0) is missing"),
        (np.ones(4), ""),
    ],
    ids=["transposed", "reshaped", "masked", "not summed", "nothing to say"],
)
def test_a_wrong_shape_is_explained_when_the_values_show_why(actual, said):
    got = _shape_diagnosis(actual, E, 1e-5, 1e-10)
    assert got == f"wrong shape: expected (2, 3), got {actual.shape}{said}"


def _checks():
    wrong = E.copy()
    wrong[1, 1] = 3.5
    off = compare(wrong, E, "finite differences", 2, 1e-5, 1e-10)
    right = compare(E, E, "the dense kernel", 2, 1e-5, 1e-10)
    return off, right


def test_a_comparison_reports_the_worst_element_and_how_many_are_off():
    off, right = _checks()
    assert (off.ok, off.max_abs, off.worst, off.expected, off.actual, off.wrong) == (
        False,
        0.5,
        (1, 1),
        3.0,
        3.5,
        (1, 6),
    )
    assert off.max_rel == pytest.approx(0.5 / 3)
    assert right.ok and right.diagnosis is None and right.wrong == (0, 6)


def test_a_report_prints_each_gradient_its_figures_and_the_verdict():
    off, right = _checks()
    report = Report(
        "Layer_Dense",
        "dense",
        "float64, X (2, 3)",
        (GradientCheck("dweights", (off, right)), GradientCheck("dbiases", (right,))),
        ("a note",),
    )
    pad = " " * 19
    assert str(report).split("\n") == [
        "Layer_Dense: checked as `dense`; float64, X (2, 3)",
        "  note: a note",
        "  dweights  WRONG  against finite differences: max abs error 0.5, rel 0.167; "
        "1 of 6 elements off",
        pad + "against the dense kernel: max abs error 0, rel 0",
        pad + "worst element [1, 1]: expected 3, actual 3.5",
        pad + "diagnosis: off by a factor that differs per row (per sample): 1, 1.17",
        "  dbiases   ok     against the dense kernel: max abs error 0, rel 0",
        "1 of 2 gradients wrong: dweights",
    ]
    assert not report and report.wrong == ["dweights"]


def test_a_report_of_right_gradients_says_they_match():
    _, right = _checks()
    one = Report("L", None, "float32", (GradientCheck("dinputs", (right,)),))
    assert str(one).split("\n")[0] == "L: op not recognised; float32"
    assert str(one).endswith("\nthe gradient matches") and one
    two = Report("L", None, "f", (GradientCheck("a", (right,)), GradientCheck("b", (right,))))
    assert str(two).endswith("\nall 2 gradients match")


def test_a_gradient_right_for_another_objective_says_which():
    off, _ = _checks()
    check = GradientCheck("dw", (off,), convention="the objective with an L2 penalty of 0.5 w^2")
    assert check.ok and check.status == "ok+L2"
    assert check.lines()[-1] == " " * 19 + "right for the objective with an L2 penalty of 0.5 w^2"


def test_a_long_gradient_name_widens_the_column_and_a_scalar_shows_its_value():
    scalar = compare(np.array(3.0), np.array(1.5), "finite differences", 1, 1e-5, 1e-10)
    check = GradientCheck("a_long_gradient_name", (scalar,))
    lines = check.lines(20)
    assert lines[0].startswith("  a_long_gradient_name WRONG  against finite differences")
    assert lines[1] == " " * 30 + "value: expected 1.5, actual 3"


def test_a_missing_or_non_numeric_gradient_is_wrong_and_says_so():
    missing = compare(None, E, "finite differences", 2, 1e-5, 1e-10)
    assert (missing.against, missing.ok, missing.diagnosis) == (
        "finite differences",
        False,
        "missing: backward neither set nor returned it",
    )
    text = compare(np.array([["a"]]), E, "the dense kernel", 2, 1e-5, 1e-10)
    assert (text.against, text.ok, text.diagnosis) == (
        "the dense kernel",
        False,
        "not a numeric array: <U1",
    )
    shape = compare(np.ones(4), E, "the dense kernel", 2, 1e-5, 1e-10)
    assert (shape.against, shape.ok) == ("the dense kernel", False)


def test_integer_gradients_are_compared_as_numbers():
    got = compare(np.array([[1, 0, 2], [0, 3, 0]]), E, "finite differences", 2, 1e-5, 1e-10)
    assert got.ok and got.max_abs == 0.0


def test_empty_and_zero_references_give_defined_figures():
    empty = compare(np.zeros((0, 3)), np.zeros((0, 3)), "fd", 1, 1e-5, 1e-10)
    assert (empty.ok, empty.max_abs, empty.max_rel, empty.worst) == (True, 0.0, 0.0, ())
    assert (empty.expected, empty.actual, empty.wrong) == (None, None, (0, 0))
    zeros = compare(np.zeros(3), np.zeros(3), "fd", 1, 1e-5, 1e-10)
    assert zeros.ok and zeros.max_rel == 0.0
    off = compare(np.array([0.0, 1.0, 0.0]), np.zeros(3), "fd", 1, 1e-5, 1e-10)
    assert off.max_rel == float("inf") and off.worst == (1,) and off.wrong == (1, 3)


def test_elements_off_are_counted_against_the_normwise_tolerance():
    expected = np.array([100.0, 1.0, 1.0])
    actual = expected + np.array([0.0, 5e-4, 2e-3])  # tolerance 1e-10 + 1e-5 * 100 = 1e-3
    got = compare(actual, expected, "fd", 1, 1e-5, 1e-10)
    assert got.wrong == (1, 3) and not got.ok


def test_a_comparison_passes_its_sizes_to_the_diagnosis():
    got = compare(3 * E, E, "fd", 2, 1e-5, 1e-10, {"the number of outputs": 3})
    assert got.diagnosis == (
        "3x too large, the number of outputs: the division by the number of outputs is missing"
    )
    assert compare(E, E, "fd", 2, 1e-5, 1e-10).diagnosis is None


def test_closeness_is_relative_to_the_largest_expected_element():
    from numeric.check.diagnose import diagnose

    small = np.array([[1e-3, 2e-3], [3e-3, 4e-3]])
    # -1.001 x: not the wrong sign alone at scale 4e-3 (tolerance 4e-8), a constant factor
    said = diagnose(-1.001 * small, small, 1, 1e-5, 1e-10)
    assert said == "off by a constant factor: actual = -1.001 x expected"
    big = np.array([[100.0, 20.0], [30.0, 40.0]])
    # 5e-4 away from -expected: within 1e-5 * 100 = 1e-3, so the wrong sign
    assert diagnose(-big + 5e-4, big, 1, 1e-5, 1e-10) == "wrong sign: actual = -expected"
