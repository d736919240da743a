"""The handout (issue 12, point 8): its parts, its "computed as" rewrites, its worked
examples against finite differences, reasons as prose. The pdflatex compile and its
overfull boxes: tests/test_symbolic_cli.py; the HTML page in Chromium: test_html.py."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symbolic import OPS, op
from symbolic.derivation import derivation_for
from symbolic.examples import _elementwise, _loss, worked_example
from symbolic.handout import document, op_section, reason
from symbolic.latex import to_latex
from symbolic.prose import segments
from tests.tolerances import ATOL


@pytest.fixture(scope="module")
def handout() -> str:
    return document(OPS.values())


def test_the_handout_has_a_title_an_introduction_notation_and_contents(handout):
    assert "\\title{" in handout and "\\maketitle" in handout
    intro = handout.index("\\section*{Introduction}")
    notation = handout.index("\\subsection*{Notation}")
    contents = handout.index("\\tableofcontents")
    first = handout.index("\\section{")
    assert intro < notation < contents < first
    assert handout.count("\\section{") == len(OPS)  # numbered: one per op, in the contents
    for name in OPS:
        assert f"\\section{{\\texttt{{{name.replace('_', chr(92) + '_')}}}}}" in handout


def test_every_computed_as_rewrite_is_in_the_handout(handout):
    rewrites = 0
    for entry in OPS.values():
        derivation = derivation_for(entry)
        section = op_section(entry, derivation)
        computed = [s for s in derivation.sections if s.computed]
        assert ("\\subsection*{Computed as}" in section) == bool(computed), entry.name
        for part in computed:
            for step in part.steps:
                assert reason(step) in section
                rewrites += 1
    assert rewrites >= 30  # the kernels' forms of 14 ops


@pytest.mark.parametrize("name", list(OPS))
def test_each_worked_example_agrees_with_finite_differences(name, handout):
    example = worked_example(op(name))
    if example is None:  # a kind of op without one says so in the handout
        assert "None for this kind of op." in op_section(op(name), derivation_for(op(name)))
        pytest.skip(f"{name}: no worked example for a {type(op(name)).__name__}")
    assert example.rows
    for row in example.rows:
        scale = max(1.0, float(max(abs(v) for v in row.derived)))
        assert row.difference <= ATOL[np.float64] * scale, (row.label_text, row.difference)
        assert row.derived.shape == row.finite_difference.shape
    assert "Worked example" in handout


def test_the_examples_catch_a_wrong_gradient():
    """A wrong derivative (sigmoid' without the (1 - sigma) factor, a cross-entropy
    gradient without its minus sign) differs from the finite differences at once."""
    from symbolic.named import sigma
    from symbolic.ops import p, t, x

    wrong = _elementwise(op("sigmoid"), sigma(x))
    assert wrong.worst > 0.1
    right = _elementwise(op("sigmoid"), sigma(x) * (1 - sigma(x)))
    assert right.worst < ATOL[np.float64]
    c = sp.Symbol("c", integer=True, nonnegative=True)
    assert _loss(op("cross_entropy"), t[c] / p[c]).worst > 1


def test_the_dense_example_is_on_explicit_matrices():
    example = worked_example(op("dense"))
    assert [row.label_text for row in example.rows] == ["dL/dX", "dL/dW", "dL/db"]
    assert [row.derived.shape for row in example.rows] == [(2, 3), (3, 2), (1, 2)]
    assert example.worst < ATOL[np.float64]


def test_reasons_are_prose_without_raw_tex():
    """No word of a reason keeps a TeX escape (``s\\_i``); a formula in words (``s_i``)
    becomes a formula."""
    checked = 0
    for entry in OPS.values():
        for step in derivation_for(entry).steps:
            pieces = segments(step.tex) if step.tex else []
            for kind, content in pieces:
                if kind == "text":
                    assert "\\" not in content, (entry.name, step.reason)
                    checked += 1
    assert checked > 100
    assert ("math", "s_{i}") in segments(r"\text{s\_i delta\_ic is entry (i, c)}")


def test_a_long_sum_is_broken_term_by_term():
    """A sum is set term by term, so TeX can break it after a sign; each term is
    fitted on its own."""
    from symbolic.handout import formula

    x = sp.Symbol("x")
    expr = sum(sp.exp(k * x) / (1 + x**k) for k in range(1, 9))
    tex = formula(expr)
    assert tex.count("\\fit{") == 8 and tex.count("+ \\fit{") == 7
    assert to_latex(sp.exp(x)) in formula(sp.exp(x))


def test_a_broken_step_is_never_printed():
    """The handout verifies each derivation first: a wrong step is an error, not a page."""
    import dataclasses

    from symbolic.derivation import DerivationError
    from symbolic.derived import Step
    from symbolic.html import op_section as html_section

    right = derivation_for(op("sigmoid"))
    section = right.sections[1]
    wrong = Step(section.steps[-1].expr + 1, section.steps[-1].reason)
    broken_section = dataclasses.replace(section, steps=(*section.steps[:-1], wrong))
    sections = (right.sections[0], broken_section, *right.sections[2:])
    broken = dataclasses.replace(right, sections=sections)
    with pytest.raises(DerivationError):
        op_section(op("sigmoid"), broken)
    with pytest.raises(DerivationError):
        html_section(1, op("sigmoid"), broken)
