"""check_formula as a teacher's grader (issue 12, point 10): students' formulas, graded.

A table of what students write for each op's gradient -- right in several notations
(``s*(1-s)``, ``sigmoid(x)*(1-sigmoid(x))``, ``e^-x/(1+e^-x)^2``, ``(x > 0)``, ``X.T @ G``,
``s_i*((i == j) - s_j)``) and the classic mistakes (sign errors, a missing chain factor,
``s(1+s)``, a missing ``/B``, the wrong convention at a kink, ``relu' = 1`` everywhere,
the softmax diagonal alone, ``X*G`` for ``X.T*G``, ``W.T`` on the wrong side) -- with the
verdict a teacher expects and words the explanation must hold. No false accept, and
every refusal says why, with a finite counterexample where there is one.
"""

from __future__ import annotations

import math
import time

import pytest

from symbolic import define_activation, undefine
from symbolic.check import FormulaError, check_formula

USER_OPS = {  # user ops of the table, defined for the module
    "relu6": "Min(Max(0, x), 6)",
    "hardtanh": "Max(-1, Min(1, x))",
    "softsign": "x/(1 + Abs(x))",
    "tanh2": "tanh(2*x)",
}

OK = "equal"
# (op, formula, options, verdict, words the message holds)
RIGHT = [
    ("sigmoid", "s*(1-s)", {}, OK, ""),
    ("sigmoid", "sigmoid(x)*(1-sigmoid(x))", {}, OK, ""),
    ("sigmoid", "exp(-x)/(1+exp(-x))^2", {}, OK, "^ is read as a power"),
    ("sigmoid", "e^-x/(1+e^-x)^2", {}, OK, "e is read as Euler's number"),
    ("sigmoid", "1/(4*cosh(x/2)**2)", {}, OK, ""),
    ("sigmoid", "sigma(x)*(1 - sigma(x))", {}, OK, ""),
    ("sigmoid", "y*(1-y)", {}, OK, ""),
    ("sigmoid", "s - s**2", {}, OK, ""),
    ("sigmoid", "exp(x)/(1+exp(x))**2", {}, OK, ""),
    ("sigmoid", "1/(2 + exp(x) + exp(-x))", {}, OK, ""),
    ("tanh", "1 - y**2", {}, OK, ""),
    ("tanh", "1-tanh(x)^2", {}, OK, ""),
    ("tanh", "sech(x)**2", {}, OK, ""),
    ("tanh", "1/cosh(x)**2", {}, OK, ""),
    ("tanh", "4/(exp(x)+exp(-x))**2", {}, OK, ""),
    ("tanh", "(1-s)*(1+s)", {}, OK, ""),
    ("relu", "(x > 0)", {}, OK, "kinks x = 0 included"),
    ("relu", "Heaviside(x, 0)", {}, OK, ""),
    ("relu", "Piecewise((1, x > 0), (0, True))", {}, OK, ""),
    ("relu", "(y > 0)", {}, OK, ""),
    ("relu", "sign(relu(x))", {}, OK, ""),
    ("leaky_relu", "Piecewise((1, x > 0), (alpha, True))", {}, OK, ""),
    ("leaky_relu", "(x > 0) + alpha*(x <= 0)", {}, OK, ""),
    ("leaky_relu", "(x > 0) + 0.01*(x <= 0)", {}, OK, ""),
    ("elu", "Piecewise((1, x > 0), (exp(x), True))", {}, OK, ""),
    ("elu", "Piecewise((1, x > 0), (y + alpha, True))", {}, OK, ""),
    ("elu", "(x > 0) + exp(x)*(x <= 0)", {}, OK, ""),
    ("softplus", "sigmoid(x)", {}, OK, ""),
    ("softplus", "1/(1+exp(-x))", {}, OK, ""),
    ("softplus", "1 - exp(-y)", {}, OK, ""),
    ("silu", "sigmoid(x) + x*sigmoid(x)*(1-sigmoid(x))", {}, OK, ""),
    ("silu", "sigmoid(x)*(1 + x*(1 - sigmoid(x)))", {}, OK, ""),
    ("silu", "sigmoid(x) + y*(1 - sigmoid(x))", {}, OK, ""),
    ("gelu", "Phi(x) + x*phi(x)", {}, OK, ""),
    ("gelu", "(1 + erf(x/sqrt(2)))/2 + x*exp(-x**2/2)/sqrt(2*pi)", {}, OK, ""),
    ("mish", "tanh(softplus(x)) + x*sigmoid(x)*sech(softplus(x))**2", {}, OK, ""),
    ("mish", "tanh(ln(1+e^x)) + x*sigmoid(x)*(1 - tanh(ln(1+e^x))^2)", {}, OK, ""),
    ("softmax_cross_entropy", "p - t", {}, OK, ""),
    ("softmax_cross_entropy", "s_c - y_c", {}, OK, ""),
    ("softmax_cross_entropy", "(p - t)/B", {}, OK, ""),
    ("softmax_cross_entropy", "(p - t)/B", {"batch_mean": True}, OK, ""),
    ("cross_entropy", "-t/p", {}, OK, ""),
    ("cross_entropy", "-y/p", {}, OK, ""),
    ("binary_cross_entropy", "(-t/p + (1-t)/(1-p))/N", {}, OK, ""),
    ("binary_cross_entropy", "(p - t)/(N*p*(1-p))", {}, OK, ""),
    ("mean_squared_error", "2*(p - t)/N", {}, OK, ""),
    ("mean_squared_error", "2*(p-t)/(N*B)", {"batch_mean": True}, OK, ""),
    ("mean_absolute_error", "sign(p - t)/N", {}, OK, "kinks p = t included"),
    ("mean_absolute_error", "((p > t) - (p < t))/N", {}, OK, ""),
    ("huber", "Max(-1, Min(1, p - t))/N", {}, OK, "p = t - 1, p = t + 1"),
    ("huber", "Piecewise((p - t, abs(p - t) <= 1), (sign(p - t), True))/N", {}, OK, ""),
    ("huber", "min(max(p - t, -1), 1)/N", {}, OK, ""),
    ("l2_penalty", "2*lambda_*w", {}, OK, ""),
    ("l2_penalty", "2*lam*w", {}, OK, ""),
    ("l1_penalty", "lam*sign(w)", {}, OK, ""),
    ("l1_penalty", "lambda_*((w > 0) - (w < 0))", {}, OK, ""),
    ("softmax", "s_i*((i == j) - s_j)", {}, OK, "N = 2, 3, 4"),
    ("softmax", "s_i*(KroneckerDelta(i, j) - s_j)", {}, OK, ""),
    ("softmax", "s_i*(delta(i, c) - s_c)", {}, OK, ""),
    ("softmax", "s_i*(i == j) - s_i*s_j", {}, OK, ""),
    ("softmax", "s_i*(g_i - sum(g*s))", {}, OK, "every i"),
    ("softmax", "s_i*g_i - s_i*dot(g, s)", {}, OK, ""),
    ("softmax", "exp(z_i)/sum(exp(z))*((i==j) - exp(z_j)/sum(exp(z)))", {}, OK, ""),
    ("dense", "X.T*G", {"wrt": "W"}, OK, "entry by entry"),
    ("dense", "X.T @ G", {"wrt": "W"}, OK, ""),
    ("dense", "dot(X.T, G)", {"wrt": "W"}, OK, ""),
    ("dense", "transpose(X)*G", {"wrt": "W"}, OK, ""),
    ("dense", "(G.T*X).T", {"wrt": "W"}, OK, ""),
    ("dense", "G*W.T", {"wrt": "X"}, OK, ""),
    ("dense", "G @ W.T", {"wrt": "X"}, OK, ""),
    ("dense", "sum(G, axis=0)", {"wrt": "b"}, OK, ""),
    ("dense", "ones(1, m)*G", {"wrt": "b"}, OK, ""),
    ("relu6", "(x > 0)*(x <= 6)", {}, OK, "kinks x = 0, x = 6 included"),
    ("relu6", "Heaviside(x, 0)*Heaviside(6 - x, 1)", {}, OK, ""),
    ("hardtanh", "(x > -1)*(x <= 1)", {}, OK, "x = -1, x = 1"),
    ("softsign", "1/(1+abs(x))**2", {}, OK, ""),
    ("softsign", "1/(1+Abs(x))^2", {}, OK, ""),
    ("tanh2", "2*(1 - tanh(2*x)**2)", {}, OK, ""),
    ("tanh2", "2*sech(2*x)^2", {}, OK, ""),
    ("tanh2", "2*(1-y**2)", {}, OK, ""),
]

NO = "not equal"
WRONG = [
    ("sigmoid", "s*(1+s)", {}, NO, "at x = -2: your formula gives 0.133412"),
    ("sigmoid", "s*(1-s)*(1+1e-6)", {}, NO, "near miss"),
    ("sigmoid", "-s*(1-s)", {}, NO, "sign error"),
    ("sigmoid", "s*(s-1)", {}, NO, "sign error"),
    ("sigmoid", "exp(-x)/(1+exp(-x))", {}, NO, "wrong at"),
    ("sigmoid", "s", {}, NO, "your formula is the op itself"),
    ("sigmoid", "0.25", {}, NO, "wrong at"),
    ("sigmoid", "exp(x)/(1+exp(-x))**2", {}, NO, "wrong at"),
    ("tanh", "1 - y", {}, NO, "wrong at"),
    ("tanh", "1 + y**2", {}, NO, "wrong at"),
    ("tanh", "-(1 - y^2)", {}, NO, "sign error"),
    ("tanh", "1 - tanh(x)", {}, NO, "your formula gives"),
    ("tanh", "sech(x)", {}, NO, "your formula gives"),
    ("relu", "1", {}, NO, "wrong for x < 0 (at every point sampled there), right for x > 0"),
    ("relu", "Heaviside(x)", {}, NO, "at the kink x = 0"),
    ("relu", "(x >= 0)", {}, NO, "right everywhere but at the kink x = 0"),
    ("relu", "x/Abs(x)", {}, NO, "wrong for x < 0"),
    ("relu", "y", {}, NO, "your formula is the op itself, y = Max(0, x)"),
    ("relu", "sign(x)", {}, NO, "wrong for x < 0"),
    ("leaky_relu", "(x > 0)", {}, NO, "wrong for x < 0"),
    ("leaky_relu", "Piecewise((1, x >= 0), (alpha, True))", {}, NO, "kink x = 0"),
    ("leaky_relu", "Piecewise((1, x > 0), (-alpha, True))", {}, NO, "wrong for x < 0"),
    ("elu", "Piecewise((1, x > 0), (exp(x) - 1, True))", {}, NO, "wrong for x < 0"),
    ("elu", "exp(x)", {}, NO, "wrong for x > 0"),
    ("softplus", "exp(x)/(1+exp(-x))", {}, NO, "your formula gives"),
    ("softplus", "1/(1+exp(x))", {}, NO, "your formula gives"),
    ("softplus", "log(1+exp(x))", {}, NO, "your formula is the op itself"),
    ("silu", "sigmoid(x)", {}, NO, "your formula gives"),
    ("silu", "sigmoid(x)*(1-sigmoid(x))", {}, NO, "your formula gives"),
    ("silu", "x*sigmoid(x)*(1-sigmoid(x))", {}, NO, "your formula gives"),
    ("gelu", "Phi(x)", {}, NO, "your formula gives"),
    ("gelu", "(1 + erf(x/sqrt(2)))/2 + x*exp(-x**2/2)/2.5066", {}, NO, "your formula gives"),
    ("gelu", "x*phi(x)", {}, NO, "your formula gives"),
    ("mish", "tanh(softplus(x))", {}, NO, "your formula gives"),
    ("softmax_cross_entropy", "t - p", {}, NO, "sign error"),
    ("softmax_cross_entropy", "p*(1 - p) - t", {}, NO, "your formula gives"),
    ("softmax_cross_entropy", "p - t", {"batch_mean": True}, NO, "the /B of the batch mean"),
    ("softmax_cross_entropy", "-t/p", {}, NO, "your formula gives"),
    ("softmax_cross_entropy", "(p - t)/N", {}, NO, "a /N too many"),
    ("sigmoid", "x*s*(1-s)", {}, NO, "your formula gives"),
    ("cross_entropy", "t/p", {}, NO, "sign error"),
    ("cross_entropy", "-t*log(p)", {}, NO, "your formula gives"),
    ("cross_entropy", "-1/p", {}, NO, "your formula gives"),
    ("cross_entropy", "-t/p", {"batch_mean": True}, NO, "/B of the batch mean is missing"),
    ("binary_cross_entropy", "-t/p + (1-t)/(1-p)", {}, NO, "a factor N too many"),
    ("binary_cross_entropy", "(p - t)/(p*(1-p))", {}, NO, "a factor N too many"),
    ("binary_cross_entropy", "(t - p)/(N*p*(1-p))", {}, NO, "sign error"),
    ("mean_squared_error", "(p - t)/N", {}, NO, "the gradient times 1/2"),
    ("mean_squared_error", "2*(p - t)", {}, NO, "a factor N too many"),
    ("mean_squared_error", "2*(t - p)/N", {}, NO, "sign error"),
    ("mean_squared_error", "2*(p-t)/N", {"batch_mean": True}, NO, "/B of the batch mean"),
    ("mean_absolute_error", "sign(p - t)", {}, NO, "a factor N too many"),
    ("mean_absolute_error", "Heaviside(p - t)/N", {}, NO, "wrong for p < t"),
    ("mean_absolute_error", "(p > t)/N", {}, NO, "wrong for p < t"),
    ("mean_absolute_error", "((p >= t) - (p < t))/N", {}, NO, "at the kink p = t"),
    ("huber", "(p - t)/N", {}, NO, "wrong for p < t - 1, p > t + 1"),
    ("huber", "sign(p - t)/N", {}, NO, "wrong for t - 1 < p < t"),
    ("huber", "Max(-1, Min(1, p - t))", {}, NO, "a factor N too many"),
    ("l2_penalty", "2*w", {}, NO, "lambda_ is missing"),
    ("l2_penalty", "lambda_*w", {}, NO, "times 1/2"),
    ("l2_penalty", "2*lambda_*w**2", {}, NO, "your formula gives"),
    ("l1_penalty", "lam*w/Abs(w)", {}, NO, "no finite value"),
    ("l1_penalty", "lam*(2*Heaviside(w, 1) - 1)", {}, NO, "at the kink w = 0"),
    ("l1_penalty", "sign(w)", {}, NO, "lambda_ is missing"),
    ("l1_penalty", "lam*Abs(w)", {}, NO, "your formula gives"),
    ("softmax", "s_i*(1 - s_i)", {}, NO, "the diagonal alone"),
    ("softmax", "-s_i*s_j", {}, NO, "wrong for i = j"),
    ("softmax", "s_i*(1 - s_j)", {}, NO, "your formula gives"),
    ("softmax", "s_i*((i == j) + s_j)", {}, NO, "your formula gives"),
    ("softmax", "s_i*(g_i - sum(g))", {}, NO, "your formula gives"),
    ("softmax", "s_i*(1-s_i)*g_i", {}, NO, "a VJP sums over every class"),
    ("softmax", "g_i - sum(g*s)", {}, NO, "your formula gives"),
    ("softmax", "s_i*(sum(g*s) - g_i)", {}, NO, "sign error"),
    ("dense", "X*G", {"wrt": "W"}, NO, "the shapes do not fit, (m x n)*(m x k)"),
    ("dense", "G*X.T", {"wrt": "W"}, NO, "shapes do not fit"),
    ("dense", "G.T*X", {"wrt": "W"}, NO, "transpose it"),
    ("dense", "-X.T*G", {"wrt": "W"}, NO, "sign error"),
    ("dense", "X.T*G/m", {"wrt": "W"}, NO, "a factor 1/m (the batch size m) too many"),
    ("dense", "W.T*G", {"wrt": "X"}, NO, "shapes do not fit"),
    ("dense", "G*W", {"wrt": "X"}, NO, "shapes do not fit"),
    ("dense", "W*G.T", {"wrt": "X"}, NO, "transpose it"),
    ("dense", "G", {"wrt": "b"}, NO, "sum over the batch"),
    ("dense", "sum(G, axis=1)", {"wrt": "b"}, NO, "m x 1"),
    ("dense", "sum(G)", {"wrt": "b"}, NO, "a number"),
    ("dense", "X.T*G + W", {"wrt": "W"}, NO, "entry [0, 0] differs"),
    ("relu6", "Heaviside(x)", {}, NO, "wrong for x > 6"),
    ("relu6", "(x > 0)", {}, NO, "wrong for x > 6"),
    ("relu6", "(x >= 0)*(x <= 6)", {}, NO, "at the kink x = 0"),
    ("hardtanh", "Heaviside(1-x,0)*Heaviside(x+1,0)", {}, NO, "at the kink x = 1"),
    ("hardtanh", "1", {}, NO, "wrong for x < -1, x > 1"),
    ("softsign", "1/(1+x)**2", {}, NO, "wrong for x < 0"),
    ("softsign", "1/(1+abs(x))", {}, NO, "your formula gives"),
    ("tanh2", "1 - tanh(2*x)**2", {}, NO, "times 1/2 (a missing chain-rule factor"),
    ("tanh2", "1 - y**2", {}, NO, "missing chain-rule factor"),
    ("tanh2", "sech(x)**2", {}, NO, "your formula gives"),
]

BAD = [  # not a gradient the grader can read: a FormulaError that says why
    ("sigmoid", "s(1-s)", {}, "for a product write s*(1 - s)"),
    ("sigmoid", "q*(1-q)", {}, "'q' is not allowed"),
    ("softmax", "s*(1-s)", {}, "s alone is the whole vector"),
    ("dense", "X.T*G", {}, "say which with wrt="),
    ("dense", "X.shape", {"wrt": "W"}, "only the transpose of a matrix"),
    ("sigmoid", "x.T", {}, "attribute access"),
    ("relu", "(x > 0)", {"batch_mean": True}, "batch_mean is for losses"),
    ("sigmoid", "s*(1-s)", {"wrt": "W"}, "with respect to x"),
]


@pytest.fixture(scope="module", autouse=True)
def user_ops():
    for name, formula in USER_OPS.items():
        define_activation(name, formula)
    yield
    for name in USER_OPS:
        undefine(name)


def test_the_table_holds_a_hundred_student_formulas_right_and_wrong():
    assert len(RIGHT) + len(WRONG) >= 100
    assert len(RIGHT) >= 40 and len(WRONG) >= 60


@pytest.mark.parametrize(("name", "formula", "options", "verdict", "says"), RIGHT + WRONG)
def test_each_formula_gets_the_teachers_verdict_and_a_reason(name, formula, options, verdict, says):
    start = time.perf_counter()
    result = check_formula(name, formula, **options)
    message = result.message()
    assert message.startswith(verdict + ":"), message
    assert says in message, message
    assert time.perf_counter() - start < 5.0
    if result.equal:
        return
    # every refusal explains itself; a counterexample, where given, is finite and readable
    assert result.explanation, message
    assert "nan" not in message and "zoo" not in message, message
    if result.values is not None:
        mine, truth = result.values
        assert math.isfinite(float(truth))
        assert mine is None or math.isfinite(float(mine))
        assert result.example.startswith("at ") and "your formula" in result.example


@pytest.mark.parametrize(("name", "formula", "options", "says"), BAD)
def test_a_formula_the_grader_cannot_read_is_refused_with_the_reason(name, formula, options, says):
    with pytest.raises(FormulaError, match=None) as caught:
        check_formula(name, formula, **options)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_user_op_with_nested_max_min_no_longer_crashes():
    # it raised NotImplementedError: solve() cannot take Min(1, x) + 1 = 0
    result = check_formula("hardtanh", "(x > -1)*(x <= 1)")
    assert result.equal and "kinks x = -1, x = 1 included" in result.method


def test_relu6_is_sampled_beyond_the_old_range_of_plus_minus_3():
    result = check_formula("relu6", "Heaviside(x, 0)")
    assert not result.equal
    assert result.example == "at x = 12: your formula gives 1, the derivative is 0"


def test_a_whole_wrong_half_line_is_reported_as_such_not_as_a_kink():
    result = check_formula("relu", "1")
    assert result.method == "differ"
    assert result.example == "at x = -2: your formula gives 1, the derivative is 0"


def test_a_formula_wrong_only_at_the_kink_is_reported_as_the_convention():
    result = check_formula("relu", "Heaviside(x)")
    assert result.method == "differ at a kink, where the op sets a convention"
    assert result.example == "at x = 0: your formula gives 0.5, the derivative is 0"


def test_a_near_miss_shows_enough_digits_to_see_the_difference():
    result = check_formula("sigmoid", "s*(1-s)*(1 + 1e-6)")
    assert not result.equal
    assert result.example == "at x = -2: your formula gives 0.1049937, the derivative is 0.1049936"


def test_the_caret_is_read_as_a_power_with_its_precedence():
    # Python would read 1-y^2 as (1-y) xor 2, and ^ below - and *
    assert check_formula("tanh", "1-y^2").equal
    assert check_formula("sigmoid", "exp(-x)/(1+exp(-x))^2").equal


def test_the_command_line_takes_wrt_and_batch_mean(capsys):
    from symbolic.__main__ import main

    assert main(["check", "dense", "X.T @ G", "--wrt", "W"]) == 0
    assert main(["check", "softmax_cross_entropy", "p - t", "--batch-mean"]) == 1
    out = capsys.readouterr().out
    assert "the /B of the batch mean is missing" in out
    assert main(["check", "dense", "X.T @ G"]) == 2
    assert "say which with wrt=" in capsys.readouterr().err


def test_a_near_miss_beyond_twelve_digits_shows_the_digits_that_differ():
    # 1/sqrt(2*pi) typed to 16 digits: equal at every sampled point to 12 digits
    result = check_formula("gelu", "x*exp(-x**2/2)*0.3989422804014327 + Phi(x)")
    assert not result.equal
    assert result.explanation.startswith("a near miss: equal to 12 digits")
    assert "write it exactly" in result.explanation and "left is" not in result.explanation


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        ("ones(10**9, 10**9)*G", "ones takes sizes 1, m, n or k"),
        ("(X.T*X)**64", "no powers of a matrix"),
        ("X.T*X*X.T*X*X.T*X*X.T*X*X.T*G", "at most 8 matrices"),
        ("sum(G).T", "only a matrix has a transpose"),
        ("(X.T).__class__", "attribute access ('.__class__') is not allowed"),
        ("X.T.dot(G)", "a method call (.dot(...)) is not allowed"),
        ("exp(X.T*X)", "exp takes numbers, not a matrix"),
        ("sigmoid(X.T*G)", "'sigmoid' is not allowed"),
    ],
)
def test_matrix_formulas_stay_bounded_and_narrow(formula, says):
    start = time.perf_counter()
    with pytest.raises(FormulaError) as caught:
        check_formula("dense", formula, wrt="W")
    assert says in str(caught.value)
    assert time.perf_counter() - start < 2.0


def test_softmax_sums_are_bounded():
    with pytest.raises(FormulaError, match="at most 4 sums"):
        check_formula("softmax", "sum(sum(sum(sum(sum(g*s)))))")
