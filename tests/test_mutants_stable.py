"""symbolic/stable.py: the stable rewrites and the proofs that they change nothing.

Each test names the behaviour it protects. The rewritten forms are the identities the
module documents, written out here; a proof must refuse a pair that differs anywhere,
so each refused pair below differs on one piece of the line only. Run by
``python benchmarks/mutation.py``.
"""

import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp

from symbolic.proof import NotEqual
from symbolic.stable import ndtr, prove_on_each_side, stabilise

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)

# 0 left of 0, 2x between 0 and 1, 2 right of 1 (continuous)
RAMP = sp.Piecewise((0, x < 0), (2 * x, x < 1), (2, True))


def test_a_proof_on_each_side_covers_both_kinks_and_says_where():
    assert prove_on_each_side(RAMP, RAMP).method == "on each side of, and at, x = 0, 1"


@pytest.mark.parametrize(
    "other",
    [
        sp.Piecewise((x, x < 0), (2 * x, x < 1), (2, True)),  # differs left of 0 only
        sp.Piecewise((0, x < 0), (2 * x**2, x < 1), (2, True)),  # between the kinks only
        sp.Piecewise((0, x < 0), (2 * x, x < 1), (2 * x, True)),  # right of 1 only
    ],
    ids=["left of the first kink", "between the kinks", "right of the last kink"],
)
def test_a_proof_on_each_side_refuses_a_difference_on_one_piece_only(other):
    with pytest.raises(NotEqual):
        prove_on_each_side(RAMP, other)
    with pytest.raises(NotEqual):
        prove_on_each_side(other, RAMP)


def test_a_proof_on_each_side_refuses_a_difference_at_the_kink_only():
    step_open = sp.Piecewise((1, x > 0), (0, True))
    step_closed = sp.Piecewise((1, x >= 0), (0, True))  # 1 at x = 0, as step_open is not
    with pytest.raises(NotEqual):
        prove_on_each_side(step_open, step_closed)


def test_a_kink_that_is_not_a_number_falls_back_to_a_plain_proof():
    moving = sp.Piecewise((x, x > y), (0, True))
    assert prove_on_each_side(moving, moving).method == "expand"


def test_exp_minus_1_becomes_expm1_with_its_coefficient_and_the_other_terms_kept():
    assert stabilise(3 * sp.exp(x) - 3 + x)[0] == x + 3 * expm1(x)
    assert stabilise(sp.exp(x) - 2)[0] == sp.exp(x) - 2  # no matching number: unchanged


def test_one_plus_or_minus_erf_becomes_the_normal_cdf():
    assert stabilise(1 + sp.erf(x))[0] == 2 * ndtr(sp.sqrt(2) * x)
    form, proofs = stabilise(2 - 2 * sp.erf(x))
    assert form == 4 * ndtr(-sp.sqrt(2) * x)
    assert proofs[0].method.startswith("rewrite(erf), then ")


def test_sigmoid_softplus_and_log1p_forms():
    assert stabilise(sp.exp(x) / (1 + sp.exp(x)))[0] == sp.exp(-logaddexp(0, -x))
    assert stabilise(sp.exp(-x) / (sp.exp(-x) + 1))[0] == sp.exp(-logaddexp(0, x))
    assert stabilise(sp.log(1 + sp.exp(x)))[0] == logaddexp(0, x)
    assert stabilise(sp.log(sp.exp(x) + sp.exp(2 * x)))[0] == logaddexp(x, 2 * x)
    assert stabilise(sp.log(1 + x**2))[0] == log1p(x**2)
    assert stabilise(x**2 + 1) == (x**2 + 1, [])  # nothing to rewrite, nothing to prove


def test_the_normal_cdf_derivative_is_the_standard_normal_density():
    density = sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)
    assert sp.simplify(sp.diff(ndtr(x), x) - density) == 0
    assert sp.simplify(sp.diff(ndtr(3 * x), x) - 3 * density.subs(x, 3 * x)) == 0


def test_a_proof_on_each_side_names_the_two_forms_it_compared():
    same = sp.Piecewise((0, x < 0), (x + x, x < 1), (2, True))
    proof = prove_on_each_side(RAMP, same)
    assert (proof.left, proof.right) == (RAMP, same)
    _, proofs = stabilise(2 - 2 * sp.erf(x))
    assert (proofs[0].left, proofs[0].right) == (4 * ndtr(-sp.sqrt(2) * x), 2 - 2 * sp.erf(x))


def test_an_overflowing_branch_is_clamped_to_the_half_line_where_it_holds():
    right = sp.Piecewise((1, x < 0), (sp.exp(x), True))  # exp holds for x >= 0
    assert stabilise(right)[0] == sp.Piecewise((1, x < 0), (sp.exp(sp.Max(0, x)), True))
    left = sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True))  # ELU: exp holds for x <= 0
    assert stabilise(left)[0] == sp.Piecewise((x, x > 0), (expm1(sp.Min(0, x)), True))


def test_a_branch_on_a_bounded_interval_or_in_two_variables_is_not_clamped():
    between = sp.Piecewise((0, x < 0), (sp.exp(x), x < 1), (1, True))
    # exp holds on [-5, 0] once x > 0 and x < -5 are taken by the branches before it
    taken = sp.Piecewise((0, x > 0), (1, x < -5), (sp.exp(x), True))
    two = sp.Piecewise((sp.exp(x), x > 0), (sp.exp(y), y > 0), (0, True))
    for expr in (between, taken, two):
        assert stabilise(expr) == (expr, [])


def test_only_a_product_with_a_power_of_one_plus_exp_becomes_sigmoids():
    assert stabilise(sp.exp(x) * sp.sin(x) / (1 + sp.exp(x)) ** 2)[0] == sp.sin(x) * sp.exp(
        -logaddexp(0, -x)
    ) * sp.exp(-logaddexp(0, x))
    assert stabilise(3 * sp.exp(x) / (1 + sp.exp(x)))[0] == 3 * sp.exp(-logaddexp(0, -x))
    three_terms = 1 / (1 + sp.exp(x) + sp.exp(2 * x))
    assert stabilise(three_terms) == (three_terms, [])


def test_softplus_needs_a_log_of_two_exponentials_or_1_plus_one():
    for expr in (sp.log(x + sp.exp(x)), sp.sin(1 + sp.exp(x))):
        assert stabilise(expr) == (expr, [])


def test_a_sigmoid_is_found_after_another_negative_power():
    assert stabilise(sp.exp(x) / (x * (1 + sp.exp(x))))[0] == sp.exp(-logaddexp(0, -x)) / x


def test_kinks_in_two_variables_fall_back_to_a_plain_proof():
    both = sp.Piecewise((x, x > 0), (0, True)) + sp.Piecewise((y, y > 0), (0, True))
    assert prove_on_each_side(both, both).method == "expand"


def test_a_proof_on_each_side_looks_between_kinks_away_from_0():
    # kinks at 1 and 2: the point between them is 1 + 1/(1 + xi), not 1 + 3/(1 + xi)
    ramp = sp.Piecewise((0, x < 1), (2 * x - 2, x < 2), (2, True))
    bent = sp.Piecewise((0, x < 1), (2 * (x - 1) ** 2, x < 2), (2, True))  # differs on (1, 2)
    with pytest.raises(NotEqual):
        prove_on_each_side(ramp, bent)
