"""Step-by-step derivations: every op's verifies, a broken step is caught, renderings.

Parametrised over the op table: an op added to it is covered with no new test code.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import sympy as sp

from symbolic import OPS, check_formula, derive, derived
from symbolic.derivation import Derivation, DerivationError
from symbolic.elementwise import as_floats, times_gradient
from symbolic.matrix import G, X
from symbolic.named import expand_named
from symbolic.ops import Elementwise, Penalty, c, s, t, w, x, y
from symbolic.proof import prove_equal
from symbolic.steps import walk
from tests.oracles import KINKS, mp_derivative


@pytest.mark.parametrize("name", list(OPS))
def test_every_step_of_every_op_verifies(name):
    derivation = derive(name)
    proofs = derivation.verify()
    assert len(proofs) == len(derivation.steps)
    # Every step after a section's first is proven, and says how.
    assert all(proof.method for proof in proofs)
    assert derivation.latex().startswith("\\begin{aligned}")


@pytest.mark.parametrize("name", [n for n, e in OPS.items() if isinstance(e, Elementwise)])
def test_an_elementwise_derivation_starts_at_the_definition_and_ends_at_the_kernels_form(name):
    entry, derivation = OPS[name], derive(name)
    f = entry.expr.subs(dict(entry.params))
    definition, derivative = derivation.sections[:2]
    assert definition.steps[0].expr == f
    # The walk starts at d/dx of the definition, written with named closed forms or not.
    start = derivative.steps[0].expr
    assert isinstance(start, sp.Derivative) and start.variables == (x,)
    assert prove_equal(expand_named(start.expr), f)
    for value in (-1.7, 0.3, 2.9):  # and by numbers, named functions evaluated as they are
        at = {x: sp.Float(value, 30)}
        assert float(start.expr.subs(at).evalf(30)) == pytest.approx(float(f.subs(at).evalf(30)))
    assert derivative.steps[-1].expr == derivation.result
    # What the kernels compute is the end of the computed-as sections, exactly.
    kernels = derived(name)
    computed = {s.quantity: s.steps[-1].expr for s in derivation.sections if s.computed}
    forward = computed.get(y, f)
    backward = computed.get(derivative.quantity, derivation.result)
    assert as_floats(forward) == kernels.forward.expr
    assert times_gradient(as_floats(backward)) == kernels.backward.expr


@pytest.mark.parametrize("name", [n for n, e in OPS.items() if isinstance(e, Elementwise)])
def test_an_elementwise_derivations_result_is_the_derivative_by_numbers(name):
    """The result, evaluated at 30 digits, against mpmath's numerical derivative of the
    definition (no SymPy diff, no rule of the package) off the kink, and against the
    convention written as a number (tests/oracles.py KINKS) at it."""
    entry, result = OPS[name], derive(name).result
    f = entry.expr.subs(dict(entry.params))
    for value in (-2.3, -0.7, -1e-3, 0.4, 1.9, 6.0):
        at = sp.Float(value, 30)
        got = float(result.subs(x, at).subs(y, f.subs(x, at)).evalf(30))
        assert got == pytest.approx(mp_derivative(f, value), rel=1e-12, abs=1e-300), value
    if name in KINKS:
        assert float(result.subs(x, 0).evalf(30)) == KINKS[name]


@pytest.mark.parametrize("name", [n for n, e in OPS.items() if isinstance(e, Penalty)])
def test_a_penalty_derivation_sums_over_the_array_and_ends_at_the_kernels_form(name):
    entry, derivation = OPS[name], derive(name)
    total, gradient = derivation.sections
    assert isinstance(total.steps[0].expr, sp.Sum)
    assert gradient.steps[0].expr == sp.Derivative(entry.expr, w)
    assert "SymPy diff" not in [step.reason for step in gradient.steps]
    # The end is the backward kernel's expression, at the entry's lambda.
    assert derivation.result == derived(name).backward.expr
    weaker = f"{name}(lambda_=0.0005)"
    assert derive(weaker).result == derived(weaker).backward.expr


def test_the_walk_names_the_textbook_rules():
    def rules(f):
        return [step.reason.split(":")[0] for step in walk(f, x)]

    sigmoid = rules(1 / (1 + sp.exp(-x)))
    assert "quotient rule" in sigmoid and "chain rule through exp" in sigmoid
    quotient = rules(x / (1 + sp.exp(-x)))
    assert "quotient rule" in quotient
    mish = rules(x * sp.tanh(sp.log(1 + sp.exp(x))))
    assert mish[1] == "product rule" and "chain rule through tanh" in mish
    assert "power rule and chain rule" in rules((1 + x**2) ** 3)
    assert "SymPy diff" not in sigmoid + quotient + mish


def _broken(derivation: Derivation, section: int, step: int, wrong: sp.Basic) -> Derivation:
    sections = list(derivation.sections)
    steps = list(sections[section].steps)
    steps[step] = dataclasses.replace(steps[step], expr=wrong)
    sections[section] = dataclasses.replace(sections[section], steps=tuple(steps))
    return dataclasses.replace(derivation, sections=tuple(sections))


@pytest.mark.parametrize(
    ("name", "section", "step", "wrong"),
    [
        ("sigmoid", 1, 5, 2 * sp.exp(-x) / (1 + sp.exp(-x)) ** 2),  # a factor 2 slipped in
        ("relu", 1, 2, sp.Heaviside(-x, 0)),  # the wrong side of the kink
        ("softmax_cross_entropy", 2, 5, s[c] + t[c]),  # a sign error in p - t
        ("dense", 4, 1, 2 * X.T * G),  # dL/dW off by a factor 2
    ],
    ids=["sigmoid", "relu", "softmax_cross_entropy", "dense"],
)
def test_a_broken_step_fails_verify_and_is_never_printed(name, section, step, wrong):
    broken = _broken(derive(name), section, step, wrong)
    with pytest.raises(DerivationError, match="does not follow"):
        broken.verify()
    for render in (broken.latex, broken.text, broken.markdown):
        with pytest.raises(DerivationError):
            render()


def test_latex_is_unambiguous_for_the_dense_layer_and_conventions():
    dense = derive("dense").latex()
    assert r"\mathbf{1}_{m}^{\top} G" in dense and r"\mathbf{1}_{m} b" in dense
    relu = derive("relu").latex()
    assert r"\mathbf{1}\left[x > 0\right]" in relu  # Heaviside(x, 0), not theta(x, 0)


def test_text_and_markdown_carry_every_reason():
    derivation = derive("sigmoid")
    text, markdown = derivation.text(), derivation.markdown()
    for step in derivation.steps:
        assert step.reason in text
    assert "$$\n\\begin{aligned}" in markdown and "Verified:" in markdown
    assert derivation._repr_latex_().startswith("$$")


def test_check_answers_right_and_wrong_formulas_of_every_elementwise_op_and_penalty():
    for name, entry in OPS.items():
        if not isinstance(entry, Elementwise | Penalty):
            continue
        # The derived gradient in x (w), written as a user would; first shown right by
        # numbers, against mpmath's derivative of the definition (not by the package).
        result = derived(name).chains[0].result
        right = sp.sstr(result)
        variable = "w" if isinstance(entry, Penalty) else "x"
        f = entry.expr.subs(dict(entry.params))
        for value in (-1.3, 0.6, 2.2):
            at = {w if isinstance(entry, Penalty) else x: sp.Float(value, 30)}
            got = float(result.subs(dict(entry.params)).subs(y, f).subs(at).evalf(30))
            assert got == pytest.approx(mp_derivative(f, value), rel=1e-12), (name, value)
        assert check_formula(name, right).equal, name
        wrong = check_formula(name, f"({right}) * (1 + {variable}**2/7)")
        assert not wrong.equal and wrong.where is not None, name


HAND_DERIVED = [  # formulas from textbooks, an oracle independent of the derivations
    ("relu", "Heaviside(x, 0)", True),
    ("relu", "Heaviside(x)", False),  # 1/2 at 0: not the convention the kernels follow
    ("sigmoid", "exp(-x)/(1+exp(-x))**2", True),
    ("sigmoid", "s*(1-s)", True),
    ("sigmoid", "1/(4*cosh(x/2)**2)", True),
    ("sigmoid", "s*(1+s)", False),
    ("tanh", "1 - y**2", True),
    ("tanh", "1 - y", False),
    ("softplus", "1/(1 + exp(-x))", True),
    ("softplus", "exp(x)", False),
    ("silu", "s/x + s*(1 - s/x)", True),
    ("gelu", "(1 + erf(x/sqrt(2)))/2 + x*exp(-x**2/2)/sqrt(2*pi)", True),
    ("gelu", "(1 + erf(x/sqrt(2)))/2", False),
    ("softmax_cross_entropy", "p - t", True),
    ("softmax_cross_entropy", "s_c - y_c", True),
    ("softmax_cross_entropy", "(p - t)/B", True),
    ("softmax_cross_entropy", "t - p", False),
    ("softmax_cross_entropy", "p*(1 - p) - t", False),
    ("cross_entropy", "-t/p", True),
    ("mean_squared_error", "2*(p - t)/N", True),
    ("l2_penalty", "2*lambda_*w", True),
    ("l2_penalty", "2*w", False),  # right only at the default lambda = 1
    ("l1_penalty", "lam*sign(w)", True),
    ("l1_penalty", "lam*w/Abs(w)", False),  # no value at the kink
    ("l1_penalty", "lam*(2*Heaviside(w, 1) - 1)", False),  # the nnfs book's: +lambda at 0
]


@pytest.mark.parametrize(("name", "formula", "equal"), [h for h in HAND_DERIVED if h[0] in OPS])
def test_check_agrees_with_hand_derived_formulas(name, formula, equal):
    assert check_formula(name, formula).equal is equal


def test_importing_symbolic_is_silent_and_derives_nothing():
    code = (
        "import symbolic, symbolic.derivation as d, symbolic.forms as f\n"
        "assert d.derivation_for.cache_info().currsize == 0\n"
        "assert f.derive_entry.cache_info().currsize == 0\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and run.stderr == ""


def test_verify_also_proves_the_derivations_obligations():
    import dataclasses
    from functools import partial

    import sympy as sp

    from symbolic.derivation import DerivationError, derive
    from symbolic.derived import Obligation
    from symbolic.proof import prove_equal

    x = sp.Symbol("x")
    good = derive("softmax")
    assert good.obligations  # the Jacobian on sizes, the max shift...
    false = Obligation("x = 2x", partial(prove_equal, x * sp.exp(x), 2 * x * sp.exp(x)))
    broken = dataclasses.replace(good, obligations=(*good.obligations, false))
    with pytest.raises(DerivationError, match="x = 2x is false"):
        broken.verify()
