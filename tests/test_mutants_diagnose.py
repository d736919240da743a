"""numeric/check/diagnose.py: how the checker names a mistake and prints its verdict.

Each test names the behaviour it protects; the arrays are made by hand with the
mistake planted, and the expected texts are written out. Run by
``python benchmarks/mutation.py``.
"""

import numpy as np
import pytest

from numeric.check import check_gradients
from numeric.check.diagnose import (
    GradientCheck,
    Report,
    _close,
    _factor_cause,
    _shape_diagnosis,
    compare,
    diagnose,
    diagnose_more,
)
from numeric.check.subject import Subject
from tests.corpus.styles import micrograd_buggy_tanh

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
    small = np.array([[1e-3, 2e-3], [3e-3, 4e-3]])
    # -1.001 x: not the wrong sign alone at scale 4e-3 (tolerance 4e-8), a constant factor
    said = diagnose(-1.001 * small, small, 1, 1e-5, 1e-10)
    assert said == "off by a constant factor: actual = -1.001 x expected"
    big = np.array([[100.0, 20.0], [30.0, 40.0]])
    # 5e-4 away from -expected: within 1e-5 * 100 = 1e-3, so the wrong sign
    assert diagnose(-big + 5e-4, big, 1, 1e-5, 1e-10) == "wrong sign: actual = -expected"


# ----- the tolerance, at its boundary -----


def test_an_error_exactly_at_the_tolerance_is_within_it():
    # atol + rtol * max|expected| = 0 + 0.5 * 2 = 1 exactly, and so is the error
    assert _close(np.array([3.0, 2.0]), np.array([2.0, 2.0]), 0.5, 0.0)
    assert not _close(np.array([3.0, 2.0]), np.array([2.0, 2.0]), 0.25, 0.0)
    assert _close(np.array([2.5]), np.array([2.0]), 0.0, 0.5)  # atol alone
    at = compare(np.array([3.0, 2.0]), np.array([2.0, 2.0]), "fd", 1, 0.5, 0.0)
    assert (at.ok, at.max_abs, at.wrong, at.diagnosis) == (True, 1.0, (0, 2), None)


def test_a_relu_written_with_boolean_indexing_is_named_even_when_the_mask_is_all_false():
    # dinputs = dvalues[inputs > 0] with every input negative: an empty array, where
    # the right gradient is all zeros; the comparison of two empty arrays must not fail
    got = compare(np.zeros(0), np.zeros((2, 2)), "fd", 2, 1e-5, 1e-10)
    assert got.diagnosis == (
        "wrong shape: expected (2, 2), got (0,); the values where the mask is true, as a "
        "flat array: boolean indexing (dout[mask]) drops the other elements; write dout * mask"
    )


# ----- constant factors: the sizes they come from, within rtol 1e-3 -----

OFF = 1.0005  # float32 code rounds: a factor 0.05 % off is still that factor


@pytest.mark.parametrize(
    "factor, sizes, said",
    [
        (2, {"the batch size": 2}, "2x too large, the batch size: the division by the batch"),
        (0.5, {"the batch size": 2}, "2x too small, the batch size: divided by the batch"),
        (OFF / 32, BATCH, "32x too small, the batch size: divided by the batch size once"),
        (12 * OFF, BOTH, "12x too large, the batch size times the number of outputs: a"),
        (OFF / 12, BOTH, "12x too small, the batch size times the number of outputs: d"),
        (6, {"the batch size": 2, "the number of outputs": 3}, "6x too large, the batch size t"),
        (2 * OFF, {"the batch size": 1}, "2x too large: a factor 2 too many (the 2 of a"),
        (0.5 * OFF, {"the batch size": 1}, "2x too small: the 2 of a square is missing"),
    ],
)
def test_a_size_explains_a_factor_near_it_and_a_size_of_two_is_a_size(factor, sizes, said):
    assert _factor_cause(factor, sizes).startswith(said)


@pytest.mark.parametrize(
    "factor, sizes",
    [
        (9, BOTH),  # 3 x 3: one size squared is no mistake anyone makes
        (16, BOTH),  # 4 x 4
        (1024, BATCH),  # 32 x 32
        (0.1, BOTH),  # 1.2 / 12: far from 1/12
        (OFF, {"the batch size": 1, "the number of outputs": 1}),  # sizes of 1, together
    ],
    ids=["3x3", "4x4", "32x32", "0.1", "1x1"],
)
def test_only_a_product_of_two_different_sizes_names_a_factor(factor, sizes):
    assert _factor_cause(factor, sizes) is None


# ----- wrong shapes -----


def test_a_gradient_with_its_three_axes_reversed_is_not_called_transposed():
    expected = np.arange(1.0, 7.0).reshape(2, 1, 3)
    said = _shape_diagnosis(expected.T.copy(), expected, 1e-5, 1e-10)
    assert said == "wrong shape: expected (2, 1, 3), got (3, 1, 2)"


def test_a_column_bias_not_summed_over_the_batch_is_named():
    expected = np.array([[1.0], [2.0], [3.0]])  # b as (out, 1)
    actual = np.tile(expected.T / 4, (4, 1))  # (batch, out): its sum over axis 0 is b
    assert _shape_diagnosis(actual, expected, 1e-5, 1e-10) == (
        "wrong shape: expected (3, 1), got (4, 3); the sum over the batch (axis 0) is missing"
    )


# ----- diagnose: what is named, and what is not -----


def test_one_number_off_by_a_factor_is_not_called_a_constant_factor_but_two_are():
    assert diagnose(np.array([3.0]), np.array([1.5]), 1, 1e-5, 1e-10) is None
    assert diagnose(np.array(3.0), np.array(1.5), 1, 1e-5, 1e-10) is None
    assert diagnose(np.array([3.0, 1.0]), np.array([1.5, 0.5]), 1, 1e-5, 1e-10) == (
        "2x too large: a factor 2 too many (the 2 of a square, d(x^2)/dx = 2x, counted twice?)"
    )


def test_a_gradient_that_should_be_zero_everywhere_is_not_called_an_inverted_mask():
    said = diagnose(np.full((2, 2), 5.0), np.zeros((2, 2)), 2, 1e-5, 1e-10)
    assert said is None
    mask = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert diagnose(np.array([[0.0, 3.0], [4.0, 0.0]]), mask, 2, 1e-5, 1e-10) == (
        "inverted mask: nonzero exactly where the expected gradient is zero"
    )


def test_a_factor_per_sample_is_named_with_the_first_four_factors():
    expected = np.array([[0.1, 0.2], [0.3, 0.1], [0.2, 0.2], [0.1, 0.1], [0.3, 0.3]])
    factors = np.array([2.0, 3.0, 0.5, 4.0, 1.5])[:, None]  # small rows: |row|^2 < 1
    said = diagnose(expected * factors, expected, 5, 1e-5, 1e-10)
    assert said == "off by a factor that differs per row (per sample): 2, 3, 0.5, 4, ..."
    said = diagnose(expected[:4] * factors[:4], expected[:4], 4, 1e-5, 1e-10)
    assert said == "off by a factor that differs per row (per sample): 2, 3, 0.5, 4"


def test_a_factor_per_sample_is_named_for_one_output_per_sample_too():
    # e.g. MSE's gradient under an RMSE forward with one output: 2 * rmse per sample
    expected = np.array([[1.0], [2.0], [4.0]])  # (batch, 1)
    said = diagnose(np.array([[2.0], [2.0], [2.0]]), expected, 3, 1e-5, 1e-10)
    assert said == "off by a factor that differs per row (per sample): 2, 1, 0.5"


# ----- the report's lines -----


def test_a_reference_of_another_shape_shows_a_dash_for_its_figures():
    shape = compare(np.ones(4), E, "the dense kernel", 2, 1e-5, 1e-10)
    assert GradientCheck("dw", (shape,)).lines() == [
        "  dw        WRONG  against the dense kernel: -",
        " " * 19 + "diagnosis: wrong shape: expected (2, 3), got (4,)",
    ]


def test_a_negative_zero_at_the_worst_element_prints_as_zero():
    expected_zero = compare(np.array([5.0, 1.0]), np.array([-0.0, 1.0]), "fd", 1, 1e-5, 1e-10)
    assert (
        GradientCheck("d", (expected_zero,))
        .lines()[1]
        .endswith("worst element [0]: expected 0, actual 5")
    )
    actual_zero = compare(np.array([-0.0, 1.0]), np.array([3.0, 1.0]), "fd", 1, 1e-5, 1e-10)
    assert (
        GradientCheck("d", (actual_zero,))
        .lines()[1]
        .endswith("worst element [0]: expected 3, actual 0")
    )


def test_a_report_looked_up_by_an_unknown_gradient_names_the_ones_it_has():
    off, right = _checks()
    report = Report(
        "L", None, "f", (GradientCheck("dweights", (off,)), GradientCheck("db", (right,)))
    )
    assert report["db"].name == "db"
    with pytest.raises(KeyError) as error:
        report["dbiases"]
    assert error.value.args == ("no gradient 'dbiases'; the report has: dweights, db",)


def test_a_report_with_several_wrong_gradients_lists_them_all():
    off, _ = _checks()
    report = Report("L", None, "f", (GradientCheck("dw", (off,)), GradientCheck("db", (off,))))
    assert str(report).split("\n")[-1] == "2 of 2 gradients wrong: dw, db"


# ----- diagnose_more: what a second look at the subject shows -----

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.1, 0.2, 0.3]])
G = np.array([[3.0, -1.0, 0.5], [2.0, 1.5, -0.25], [-1.0, 0.5, 1.0], [0.25, -2.0, 1.5]])
RIGHT = np.array([[0.2, -0.7, 1.1], [0.9, 0.3, -0.4], [-0.6, 0.8, 0.5], [0.35, -0.15, 0.45]])


def _subject(backward, name="Layer", **kind) -> Subject:
    """A subject with inputs X (batch 4, 3 features) and weights W, whose backward is given."""
    arrays = {"inputs": X.copy(), "weights": np.ones((3, 3))}
    return Subject(name, arrays, {}, lambda: X, backward, **kind)


def _more(s, name, actual, op=None, rule=None, expected=RIGHT, g=G):
    return diagnose_more(s, name, actual, expected, g, 4, op, rule, 1e-5, 1e-10)


FUSED = (
    "passes the incoming gradient through unchanged (= dvalues): right only when fused with "
    "the loss that follows (softmax or sigmoid with cross-entropy give p - t), not for this "
    "layer alone"
)
OWN_MISSING = (
    "passes the incoming gradient through unchanged (= dvalues): the layer's own derivative "
    "is missing (the chain rule multiplies by it)"
)


@pytest.mark.parametrize(
    "op, rule, said",
    [
        (None, None, FUSED),
        ("softmax", "s*(d - s.T)", FUSED + "; its own backward, derived: s*(d - s.T)"),
        ("sigmoid", "s*(1 - s)*g", FUSED + "; its own backward, derived: s*(1 - s)*g"),
        ("tanh", "(1 - t**2)*g", OWN_MISSING + "; its own backward, derived: (1 - t**2)*g"),
        ("relu", None, OWN_MISSING),
    ],
    ids=["unknown op", "softmax", "sigmoid", "tanh", "relu, no rule"],
)
def test_an_input_gradient_that_is_the_incoming_gradient_is_named_with_the_layers_rule(
    op, rule, said
):
    s = _subject(lambda g: {"inputs": g})
    assert _more(s, "inputs", G.copy(), op, rule) == said


def test_a_gradient_that_ignores_the_incoming_gradient_is_named():
    ignores = (
        "ignores the incoming gradient: the same result for any dvalues; the chain rule "
        "multiplies the local derivative by dvalues"
    )
    constant = np.arange(1.0, 13.0).reshape(4, 3)
    s = _subject(lambda g: {"weights": constant.copy()})
    assert _more(s, "weights", constant.copy()) == ignores  # no pattern to it otherwise
    # proportional to the right gradient and the same for any dvalues: ignoring them is
    # the mistake, the constant factor only its consequence
    s = _subject(lambda g: {"weights": 3.7 * RIGHT})
    assert _more(s, "weights", 3.7 * RIGHT) == ignores
    # float32 code that builds its gradient from ones_like(dvalues): it uses their dtype only
    s = _subject(lambda g: {"weights": np.ones_like(g) / 3}, dtype=np.dtype(np.float32))
    actual = np.ones((4, 3), dtype=np.float32) / 3
    assert _more(s, "weights", actual.astype(np.float64)) == ignores


def test_a_gradient_that_changes_with_the_incoming_gradient_is_not_said_to_ignore_it():
    constant = np.arange(1.0, 13.0).reshape(4, 3)
    s = _subject(lambda g: {"weights": constant * g[0, 0]})
    assert _more(s, "weights", constant * G[0, 0]) is None
    s = _subject(lambda g: {"weights": 3.7 * RIGHT * g[0, 0] / G[0, 0]})
    said = _more(s, "weights", 3.7 * RIGHT)
    assert said == "off by a constant factor: actual = 3.7 x expected"


def test_a_layer_off_by_its_width_is_a_plain_constant_factor_but_a_loss_names_its_outputs():
    # the first array is (4, 3): for a loss, 3 is its number of outputs; for a layer, nothing
    uses_g = _subject(lambda g: {"weights": 3 * RIGHT * g[0, 0] / G[0, 0]})
    said = _more(uses_g, "weights", 3 * RIGHT)
    assert said == "off by a constant factor: actual = 3 x expected"
    loss = _subject(None, loss=True)
    assert _more(loss, "inputs", 3 * RIGHT) == (
        "3x too large, the number of outputs: the division by the number of outputs is missing"
    )


DROPOUT = (
    "; in a random layer, the dropout scale 1/p (or 1/(1 - p)) is likely missing or applied twice"
)


@pytest.mark.parametrize("factor, shown", [(1.25, "1.25"), (2.0, "2"), (0.5, "0.5")])
def test_a_random_layer_off_by_a_constant_factor_points_to_the_dropout_scale(factor, shown):
    s = _subject(None, random=True)
    said = _more(s, "weights", factor * RIGHT)
    assert said == f"off by a constant factor: actual = {shown} x expected" + DROPOUT


def test_a_random_layer_wrong_another_way_is_not_blamed_on_dropout():
    s = _subject(lambda g: {"weights": -RIGHT * g[0, 0] / G[0, 0]}, random=True)
    assert _more(s, "weights", -RIGHT) == "wrong sign: actual = -expected"
    assert _more(s, "weights", 4 * RIGHT) == (
        "4x too large, the batch size: the division by the batch size is missing"
    )
    not_random = _subject(lambda g: {"weights": 2 * RIGHT * g[0, 0] / G[0, 0]})
    assert _more(not_random, "weights", 2 * RIGHT).startswith("2x too large: a factor 2")


def _value(name, operands=("a", "b")):
    """A micrograd subject, named as the micrograd style names it: one number, seeded with 1."""
    arrays = {k: np.array(v) for k, v in zip(operands, (1.5, -0.5), strict=False)}
    return Subject(name, arrays, {}, None, None, unit_cotangent=True)


def _scalar(name, actual, expected, operands=("a", "b"), operand="a"):
    s = _value(name, operands)
    args = (np.array(actual), np.array(expected), None, 1, None, None, 1e-5, 1e-10)
    return diagnose_more(s, operand, *args)


OVERWRITTEN = (
    "`a` is used twice, and its gradient is not the sum of both uses: a `_backward` that "
    "sets .grad with = instead of accumulating with +=?"
)


def test_a_value_used_twice_whose_gradient_is_one_use_is_an_overwritten_grad():
    assert _scalar("a * a", 1.5, 3.0, "a") == OVERWRITTEN
    assert _scalar("a.tanh() + a", 1.5, 3.0, "a") == OVERWRITTEN


def test_a_value_used_once_or_wrong_another_way_is_not_an_overwritten_grad():
    assert _scalar("a * b", 1.5, 3.0) is None
    assert _scalar("a * a", -3.0, 3.0, "a") == "wrong sign: actual = -expected"


def test_the_negative_point_a_value_is_checked_at_is_not_a_use_of_it():
    assert _scalar("a.tanh() (a < 0)", 1.5, 3.0, "a") is None
    assert _scalar("a * b (a, b < 0)", 1.5, 3.0) is None
    assert _scalar("a * b (a, b < 0)", 1.5, 3.0, operand="b") is None
    # a wrong tanh' (1 - t for 1 - t**2) at a < 0: no pattern, and nothing about +=
    report = check_gradients(micrograd_buggy_tanh.Value)
    assert report["a.tanh() (a < 0): a.grad"].diagnosis is None


@pytest.mark.parametrize(
    "factor, text",
    [(1.0001, "1.0001"), (0.9999, "0.9999"), (1.00001, "1.00001"), (1.01, "1.01"), (2.5, "2.5")],
)
def test_a_factor_near_one_is_printed_with_the_digits_that_tell_it_from_one(factor, text):
    # Was "actual = 1 x expected" for a gradient 1e-4 too large (4 significant digits).
    expected = np.arange(1.0, 13.0).reshape(4, 3)
    said = diagnose(expected * factor, expected, 4, 1e-9, 1e-12)
    assert said == f"off by a constant factor: actual = {text} x expected"


def test_a_factor_is_written_to_four_digits_and_more_only_where_four_read_as_one():
    from numeric.check.diagnose import _factor_text

    assert _factor_text(1.23456) == "1.235"
    assert _factor_text(1.00012345) == "1.0001"  # one more digit at a time
    assert _factor_text(float(np.nextafter(1.0, 2.0))) == "1.0000000000000002"
    assert _factor_text(1.0) == "1"
