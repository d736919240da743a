"""symbolic/steps.py and symbolic/reasons.py: how a derivation step states its rule.

Each test names the behaviour it protects; the expected texts are written out here.
Run by ``python benchmarks/mutation.py``.
"""

import pickle

import pytest
import sympy as sp

from symbolic.derived import Step
from symbolic.latex import to_latex, to_text
from symbolic.reasons import Label, because, phrase

x, y = sp.symbols("x y")


def test_a_reason_reads_an_equation_as_a_equals_b_and_a_pair_as_name_equals_value():
    text, tex = phrase("since ", sp.Eq(y, x**2), " and ", ("n", sp.Integer(3)))
    assert text == "since y = x**2 and n = 3"
    assert tex == r"\text{since }y = x^{2}\text{ and }n = 3"


def test_an_empty_word_adds_nothing_to_the_latex_reason():
    assert phrase("", x / 2) == ("x/2", r"\frac{x}{2}")


def test_a_step_keeps_its_expression_reason_and_given_values():
    step = because(x**2, "square", given={"n": 2})
    assert (step.expr, step.reason, step.given, step.tex) == (
        x**2,
        "square",
        {"n": 2},
        r"\text{square}",
    )
    assert because(x, "r").given == {}


def test_a_label_prints_its_name_as_text_and_its_own_latex_even_after_pickling():
    label = Label("J = ds/dz", r"J = \frac{\partial s}{\partial z}")
    back = pickle.loads(pickle.dumps(label))
    assert (to_text(back), to_latex(back)) == ("J = ds/dz", r"J = \frac{\partial s}{\partial z}")
    assert str(back) == "J = ds/dz" and isinstance(back, Label)


# ----- symbolic/steps.py: the walk states each textbook rule, and never changes the value -----

X = sp.Symbol("x", real=True)
POWER = "power rule: (x^n)' = n x^(n-1) with n = 2"
SUM_CONSTANT = "sum rule: (u + v)' = u' + v'; a constant has derivative 0"
PRODUCT = "product rule: (u v)' = u' v + u v' with "
WALKS = [
    (X**3, ["power rule: (x^n)' = n x^(n-1) with n = 3"]),
    (
        (X**2 + 1) ** 3,
        ["power rule and chain rule: (u^n)' = n u^(n-1) u' with u = x**2 + 1, n = 3"]
        + [SUM_CONSTANT, POWER],
    ),
    (2**X, ["exponential rule: (a^u)' = a^u log(a) u' with a = 2, u = x"]),
    (
        X**X,
        [
            "write u^v as exp(v log u)",
            "chain rule through exp: (f(u))' = f'(u) u' with d/du(exp(u)) = exp(u), u = x*log(x)",
            PRODUCT + "u = x, v = log(x)",
            "derivative of log: d/dx(log(x)) = 1/x",
        ],
    ),
    (3 * X**2, ["constant factor: (c u)' = c u' with c = 3", POWER]),
    (
        X / (1 + X**2),
        ["quotient rule: (f/g)' = (f'g - fg')/g^2 with f = x, g = x**2 + 1", SUM_CONSTANT, POWER],
    ),
    (
        1 / (1 + sp.exp(-X)),
        [
            "quotient rule: (f/g)' = (f'g - fg')/g^2 with f = 1, g = 1 + exp(-x)",
            SUM_CONSTANT,
            "chain rule through exp: (f(u))' = f'(u) u' with d/du(exp(u)) = exp(u), u = -x",
            "constant factor: (c u)' = c u' with c = -1",
        ],
    ),
    (
        X * sp.exp(X) * sp.sin(X),
        [
            PRODUCT + "u = x, v = exp(x)*sin(x)",
            PRODUCT + "u = exp(x), v = sin(x)",
            "derivative of exp: d/dx(exp(x)) = exp(x)",
            "derivative of sin: d/dx(sin(x)) = cos(x)",
        ],
    ),
    (
        sp.sin(X**2),
        ["chain rule through sin: (f(u))' = f'(u) u' with d/du(sin(u)) = cos(u), u = x**2", POWER],
    ),
    (sp.Max(0, X), ["derivative of Max: d/dx(Max(0, x)) = Heaviside(x)"]),
    (sp.Max(X, X**2), ["chain rule through Max", POWER]),
    (
        2 ** (X**2),  # u' = 2x, not 1: the exponential rule multiplies by it
        ["exponential rule: (a^u)' = a^u log(a) u' with a = 2, u = x**2", POWER],
    ),
    (X**2 + 3, [SUM_CONSTANT, POWER]),
    (X**2 + X, ["sum rule: (u + v)' = u' + v'", POWER]),
    (
        sp.Piecewise((X**2, X > 0), (0, True)),
        ["differentiate each piece (away from the joins)", POWER],
    ),
]


@pytest.mark.parametrize("f, reasons", WALKS, ids=[str(f) for f, _ in WALKS])
def test_the_walk_states_each_textbook_rule_and_every_step_equals_the_derivative(f, reasons):
    from symbolic.steps import walk

    steps = walk(f, X)
    assert steps[0].reason == "definition" and steps[0].expr == sp.Derivative(f, X)
    assert [step.reason for step in steps[1:]] == reasons
    assert not steps[-1].expr.has(sp.Derivative)
    exact = sp.diff(f, X)  # SymPy's own diff: the reference
    for step in steps:
        for point in (0.3, 1.7):
            value = complex(step.expr.doit().subs(X, point).evalf())
            assert value == pytest.approx(complex(exact.subs(X, point).evalf()), rel=1e-12)


def test_a_walk_longer_than_60_steps_ends_with_one_sympy_diff():
    from symbolic.steps import walk

    f = X
    for _ in range(70):
        f = sp.sin(f)
    steps = walk(f, X)
    assert len(steps) == 62 and steps[-1].reason == "SymPy diff"
    assert steps[-2].expr.has(sp.Derivative) and not steps[-1].expr.has(sp.Derivative)
    assert sp.simplify(steps[-1].expr - sp.diff(f, X)) == 0


@pytest.mark.parametrize(
    "name, sections",
    [
        (
            "sigmoid",
            [
                ["definition", "name the sigmoid: sigma(u) = 1/(1 + exp(-u))"],
                ["definition"]
                + WALKS[6][1]  # the walk of 1/(1 + exp(-x))
                + ["name the sigmoid: sigma(u) = 1/(1 + exp(-u)); 1 - sigma(u) = sigma(-u)"],
                [
                    "the definition above",
                    "sigmoid through logaddexp: finite for every x, where 1/(1 + exp(-x)) "
                    "overflows at x = -1000",
                ],
                [
                    "the result above",
                    "written through the output y = sigmoid(x): reuses the forward's result",
                ],
            ],
        ),
        (
            "leaky_relu",
            [
                ["definition"],
                [
                    "definition",
                    "sum rule: (u + v)' = u' + v'",
                    "constant factor: (c u)' = c u' with c = 0.01",
                    "derivative of Min: d/dx(Min(0, x)) = Heaviside(-x)",
                    "derivative of Max: d/dx(Max(0, x)) = Heaviside(x)",
                    "convention at the kink x = 0: H(x) = 0 and H(-x) = 1 there, so the "
                    "derivative there is 0.01, the slope from the left",
                ],
            ],
        ),
        (
            "softplus",
            [
                ["definition", "name softplus: softplus(u) = log(1 + exp(u))"],
                [
                    "definition",
                    "chain rule through log: (f(u))' = f'(u) u' with d/du(log(u)) = 1/u, "
                    "u = exp(x) + 1",
                    SUM_CONSTANT,
                    "derivative of exp: d/dx(exp(x)) = exp(x)",
                    "name the sigmoid: sigma(u) = 1/(1 + exp(-u))",
                ],
                [
                    "the definition above",
                    "softplus as logaddexp: logaddexp(a, b) = log(exp(a) + exp(b)) never overflows",
                ],
                [
                    "the result above",
                    "written through the output y = softplus(x): reuses the forward's result",
                    "exp(u) - 1 as expm1(u): no cancellation for u near 0",
                ],
            ],
        ),
    ],
)
def test_an_activation_derivation_has_its_sections_in_order(name, sections):
    from symbolic import derive

    got = derive(name).sections
    assert [[step.reason for step in section.steps] for section in got] == sections
    assert [bool(section.computed) for section in got] == [False, False, True, True][: len(got)]


def test_a_derivative_no_rule_takes_is_left_to_sympy_and_says_so():
    from symbolic.steps import rewrite

    second = rewrite(sp.Derivative(X**3, X, X))  # two variables: not one textbook rule
    assert (second.expr, second.reason) == (6 * X, "SymPy diff")
    floor = rewrite(sp.Derivative(sp.floor(X), X))  # fdiff unknown to SymPy
    assert (floor.expr, floor.reason) == (sp.Derivative(sp.floor(X), X), "SymPy diff")


def test_a_function_of_a_parameter_states_its_rule_in_u_with_the_parameter_kept():
    from symbolic.steps import walk

    a = sp.Symbol("a", real=True)
    steps = walk(sp.Max(a, X**2), X)
    assert [(step.reason, step.expr) for step in steps[1:]] == [
        (
            "chain rule through Max: (f(u))' = f'(u) u' with "
            "d/du(Max(a, u)) = Heaviside(-a + u), u = x**2",
            sp.Heaviside(X**2 - a) * sp.Derivative(X**2, X),
        ),
        (POWER, 2 * X * sp.Heaviside(X**2 - a)),
    ]


def test_an_undefined_function_is_left_to_sympy_whatever_its_argument():
    from symbolic.steps import rewrite

    f = sp.Function("f")
    at_x = rewrite(sp.Derivative(f(X), X))  # fdiff: Derivative(f(x), x)
    assert (at_x.expr, at_x.reason) == (sp.Derivative(f(X), X), "SymPy diff")
    at_square = rewrite(sp.Derivative(f(X**2), X))  # fdiff: Subs(Derivative(f(xi), xi), ...)
    assert at_square.reason == "SymPy diff"
    assert at_square.expr == sp.diff(f(X**2), X)


def test_a_derivative_is_written_as_one_fraction_only_when_that_is_shorter():
    from symbolic.steps import _shorter

    assert _shorter(1 / X - 1 / (X + 1)) == [
        Step(1 / (X * (X + 1)), "one fraction, common factors cancelled")
    ]
    assert _shorter(X**2 + 1) == []
    assert _shorter((1 - X**2) / (X**2 + 1) ** 2) == []  # one fraction already


def sections_of(name):
    """An op's sections, built now: ``derive`` is cached, and mutmut credits a test only
    with the functions it calls itself."""
    from symbolic import op
    from symbolic.forms import derive_entry
    from symbolic.steps import elementwise_sections

    return elementwise_sections(op(name), derive_entry(op(name)))[0]


def _derivation(name, expr):
    """The derivation of an activation that is not in the table (nothing registered)."""
    from symbolic.derivation import derivation_for
    from symbolic.ops import Elementwise

    return derivation_for(Elementwise(name, expr, "a test's own op", h0=sp.Integer(0)))


def test_a_derivative_is_cancelled_to_one_fraction_as_its_last_step():
    from symbolic.ops import x

    derivation = _derivation("m5_fraction", x / (x + 1) ** 2 + 1 / (x + 1))
    steps = derivation.sections[1].steps
    assert (steps[-1].reason, steps[-1].expr) == (
        "one fraction, common factors cancelled",
        -2 * x / (x + 1) ** 3,
    )
    assert steps[-2].reason == SUM_CONSTANT
    assert derivation.result == -2 * x / (x + 1) ** 3


def test_an_op_named_by_a_sympy_function_is_derived_from_that_name():
    # sinh/cosh is named tanh (not one of ours): the walk starts from tanh(x), so its
    # derivative is quoted from SymPy, not derived by the quotient rule
    from symbolic.ops import x

    sections = _derivation("m5_tanh", sp.sinh(x) / sp.cosh(x)).sections
    assert [step.reason for step in sections[0].steps] == [
        "definition",
        "identity: sinh(u)/cosh(u) = tanh(u)",
    ]
    assert sections[1].steps[0].expr == sp.Derivative(sp.tanh(x), x)
    assert sections[1].steps[1].reason == "derivative of tanh: d/dx(tanh(x)) = 1 - tanh(x)**2"


def test_each_section_of_an_activation_says_what_it_is_about_and_how_it_is_proven():
    from symbolic.computed import ByRule
    from symbolic.ops import x, y
    from symbolic.verify import ScalarForm

    sigmoid = 1 / (1 + sp.exp(-x))
    sections = sections_of("sigmoid")
    slope = sp.Derivative(sp.Function("sigmoid")(x), x)
    assert [section.quantity for section in sections] == [y, slope, y, slope]
    assert [type(section.checker) for section in sections] == [
        ScalarForm,
        ScalarForm,
        ByRule,
        ByRule,
    ]
    assert [type(section.checker.inner) for section in sections[2:]] == [ScalarForm, ScalarForm]
    forward, backward = sections[2].steps, sections[3].steps
    assert (forward[0].reason, forward[0].expr) == ("the definition above", sigmoid)
    through_output = backward[1]
    assert (through_output.expr, through_output.given) == (y * (1 - y), {y: sigmoid})
    assert sections[3].checker.prove(backward[0].expr, through_output.expr, {y: sigmoid}) == (
        "expand"
    )


def test_the_kink_step_is_proven_away_from_the_kink_and_named_a_convention():
    from symbolic.ops import x

    section = sections_of("relu")[1]
    before, kink = section.steps[-2:]
    assert (kink.expr, kink.given) == (
        sp.Heaviside(x, 0),
        {"convention": "the value at the kink x = 0"},
    )
    assert section.checker.prove(before.expr, kink.expr, kink.given) == (
        "expand where no Heaviside argument is 0; the value at the kink x = 0 is a convention"
    )


def test_a_backward_kernel_that_cannot_reuse_the_output_starts_from_sympy_diff():
    from symbolic.ops import x

    backward = sections_of("silu")[3].steps
    assert (backward[1].reason, backward[1].expr, backward[1].given) == (
        "as SymPy's diff writes it, which the kernel evaluates",
        x * sp.exp(-x) / (1 + sp.exp(-x)) ** 2 + 1 / (1 + sp.exp(-x)),
        {},
    )


def test_a_derivative_sympy_leaves_unevaluated_is_refused_by_name_not_walked_for_ever():
    # floor's fdiff is an unevaluated Derivative; besselj's fdiff in its order raises
    # SymPy's ArgumentIndexError: both are left to diff, which cannot take them either
    from symbolic.steps import NoDerivative, walk

    with pytest.raises(
        NoDerivative, match=r"^SymPy cannot differentiate floor\(x\) with respect to x$"
    ):
        walk(sp.sin(sp.floor(X)) + X, X)
    with pytest.raises(NoDerivative, match=r"^SymPy cannot differentiate besselj\(x, 1\) "):
        walk(sp.besselj(X, 1), X)
    assert issubclass(NoDerivative, ValueError)  # what define_activation reports as is
