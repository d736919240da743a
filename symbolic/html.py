r"""The handout as one HTML page that renders offline (``derive --all --html``).

The same content as ``symbolic.handout``: title, introduction, notation, contents,
then per op its derivation with the rule of each step, "computed as", how it was
verified, and the worked example. The mathematics is presentation MathML, which
browsers lay out natively (Chromium since version 109, Firefox, Safari): no script,
no web font, no CDN. The MathML is converted by ``latex2mathml`` from the very LaTeX
the PDF handout prints (``symbolic.latex``), so the two cannot drift apart; the
reasons are split into words and formulas (``symbolic.prose``), so a browser never
shows raw TeX such as ``s\_i``. The style sheet is inline.

>>> from symbolic.ops import op
>>> html = page([op("relu")])
>>> html.startswith("<!DOCTYPE html>") and "<script" not in html
True
>>> "<math" in html and 'id="relu"' in html
True
"""

from __future__ import annotations

import html as escaping
from collections.abc import Iterable
from typing import Any

from symbolic import examples
from symbolic.handout import (
    INTRODUCTION,
    NOTATION,
    TITLE,
    input_tex,
    numbers_tex,
    scientific_tex,
)
from symbolic.latex import COMPUTED, to_latex
from symbolic.prose import marked, segments, words

STYLE = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #111; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
table.steps { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.steps col.lhs { width: 10rem; } table.steps col.eq { width: 1.6rem; }
table.steps td { padding: 0.2rem 0.3rem; vertical-align: top; }
td.lhs { text-align: right; overflow-x: auto; }
div.formula { overflow-x: auto; overflow-y: hidden; padding: 0.2rem 0; }
div.reason { font-size: 0.88rem; color: #444; margin: 0 0 0.3rem 1rem; }
tr.gap td { padding-top: 0.9rem; }
div.scroll { overflow-x: auto; }
table.notation td, table.example td { padding: 0.2rem 0.8rem; vertical-align: middle; }
math { font-size: 1.08em; }
code { font-size: 0.92em; }
"""


def page(entries: Iterable[Any]) -> str:
    """The HTML page of the given table entries; each derivation is verified first."""
    from symbolic.derivation import derivation_for

    try:
        import latex2mathml  # noqa: F401
    except ImportError:
        raise ModuleNotFoundError(
            "the HTML handout needs latex2mathml: pip install 'backprop-derived[html]'"
        ) from None
    pairs = [(entry, derivation_for(entry)) for entry in entries]
    contents = "".join(
        f'<li><a href="#{_anchor(d.name)}"><code>{_text(d.name)}</code></a></li>' for _, d in pairs
    )
    sections = "\n".join(op_section(number, entry, d) for number, (entry, d) in enumerate(pairs, 1))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(TITLE)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{_text(TITLE)}</h1>\n<h2>Introduction</h2>\n<p>{rich(INTRODUCTION)}</p>\n"
        f'<h3>Notation</h3>\n{notation()}\n<h2>Contents</h2>\n<ol class="toc">{contents}</ol>\n'
        f"{sections}\n</body>\n</html>\n"
    )


def math(tex: str, display: bool = False) -> str:
    """LaTeX as a ``<math>`` element (display style for a step's formula)."""
    from latex2mathml.converter import convert

    element = convert(tex)
    return element.replace("<math ", '<math displaystyle="true" ', 1) if display else element


def rich(text: str) -> str:
    """Marked-up prose (``symbolic.prose.marked``) as HTML."""
    render = {"text": _text, "math": math, "code": lambda code: f"<code>{_text(code)}</code>"}
    return "".join(render[kind](content) for kind, content in marked(text))


def notation() -> str:
    rows = "".join(
        f"<tr><td>{math(symbol)}</td><td>{rich(meaning)}</td></tr>" for symbol, meaning in NOTATION
    )
    return f'<table class="notation">{rows}</table>'


def op_section(number: int, entry: Any, derivation: Any) -> str:
    """One numbered section: the op, its derivation, computed as, verification, example."""
    derivation.verify()
    derived = [s for s in derivation.sections if not s.computed]
    computed = [s for s in derivation.sections if s.computed]
    parts = [
        f'<section id="{_anchor(derivation.name)}">',
        f"<h2>{number}. <code>{_text(derivation.name)}</code></h2>",
        f"<p>{_text(derivation.doc)}</p>",
        "<h3>Derivation</h3>",
        steps_table(derived),
    ]
    if computed:
        parts += [
            "<h3>Computed as</h3>",
            f"<p>{_text(COMPUTED[len('computed as: ') :].capitalize())}.</p>",
            steps_table(computed),
        ]
    summary = derivation.summary()[len("Verified: ") :]
    parts += [f"<p><b>Verified.</b> {_text(summary)}</p>", example_part(entry), "</section>"]
    return "\n".join(parts)


def steps_table(sections: list) -> str:
    """A row a step: the quantity on its first row, ``=``, the formula with its reason
    under it (as in the PDF); a formula wider than the page scrolls on its own."""
    rows = []
    for section in sections:
        lhs = math(to_latex(section.quantity), display=True)
        for number, step in enumerate(section.steps):
            css = ' class="gap"' if number == 0 and rows else ""
            rows.append(
                f'<tr{css}><td class="lhs">{lhs if number == 0 else ""}</td><td>=</td>'
                f'<td><div class="formula">{math(to_latex(step.expr), display=True)}</div>'
                f'<div class="reason">{reason(step)}</div></td></tr>'
            )
    columns = '<colgroup><col class="lhs"><col class="eq"><col></colgroup>'
    return f'<table class="steps">{columns}' + "\n".join(rows) + "</table>"


def reason(step: Any) -> str:
    """A step's reason: words as text, formulas as MathML."""
    pieces = segments(step.tex) if step.tex else words(step.reason)
    return "".join(_text(content) if kind == "text" else math(content) for kind, content in pieces)


def example_part(entry: Any) -> str:
    """The worked example as a table: each gradient derived, by differences, their gap."""
    example = examples.worked_example(entry)
    if example is None:
        return "<h3>Worked example</h3><p>None for this kind of op.</p>"
    at = ", ".join(math(input_tex(name, value)) for name, value in example.inputs)
    rows = "".join(
        f"<tr><td>{math(row.label_tex)}</td><td>{math(numbers_tex(row.derived))}</td>"
        f"<td>{math(numbers_tex(row.finite_difference))}</td>"
        f"<td>{math(scientific_tex(row.difference))}</td></tr>"
        for row in example.rows
    )
    note = f" Here {_text(example.note)}." if example.note else ""
    return (
        "<h3>Worked example</h3>\n"
        f"<p>The derived gradient and the central difference of the forward formula "
        f"(h = 10<sup>−10</sup>, {examples.DIGITS} digits){' at ' + at if at else ''}.{note}</p>"
        '<div class="scroll"><table class="example"><tr><th></th><th>derived</th>'
        "<th>central difference</th>"
        f"<th>largest difference</th></tr>{rows}</table></div>"
    )


def _text(text: str) -> str:
    return escaping.escape(text, quote=False)


def _anchor(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name)
