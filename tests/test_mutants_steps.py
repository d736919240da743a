"""symbolic/steps.py and symbolic/reasons.py: how a derivation step states its rule.

Each test names the behaviour it protects; the expected texts are written out here.
Run by ``python benchmarks/mutation.py``.
"""

import pickle

import sympy as sp

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
