r"""A step's reason as a run of words and formulas, for the handout and the HTML page.

A reason's LaTeX (``Step.tex``) is one math fragment with its words in ``\text{...}``.
That suits a display, but a ``\text`` box never breaks across lines, and a browser
shows ``\text{s\_i}`` as raw TeX. ``segments`` splits the fragment into plain words
(unescaped) and formulas, so each renderer sets words as prose, which wraps, and
formulas as mathematics. Words written like ``s_i`` or ``delta_ic`` inside the prose
become formulas too (:math:`s_{i}`, :math:`\delta_{ic}`).

>>> segments(r"\text{quotient rule: }\frac{f}{g}\text{ with f = 1}")
[('text', 'quotient rule: '), ('math', '\\frac{f}{g}'), ('text', ' with f = 1')]
>>> segments(r"\text{s\_i delta\_ic is entry (i, c)}")
[('math', 's_{i}'), ('text', ' '), ('math', '\\delta_{ic}'), ('text', ' is entry (i, c)')]
"""

from __future__ import annotations

import re

from symbolic.latex import SPECIAL

_UNESCAPE = {tex: ch for ch, tex in SPECIAL.items()}
# the longest escapes first, so \textbackslash{} is not read as \t...
_ESCAPES = re.compile("|".join(re.escape(tex) for tex in sorted(_UNESCAPE, key=len, reverse=True)))
# an indexed name written in words: s_i, z_c, p_j, dX_rl, delta_ic, max_j, sum_k
_INDEXED = re.compile(r"\b(delta|max|sum|ell|d?[A-Za-z])_([A-Za-z0-9]{1,3})\b")
_NAMES = {"delta": r"\delta", "max": r"\max", "sum": r"\sum", "ell": r"\ell"}


def unescape(text: str) -> str:
    """The plain text of words escaped by ``symbolic.latex.escape``."""
    return _ESCAPES.sub(lambda match: _UNESCAPE[match[0]], text)


def segments(tex: str) -> list[tuple[str, str]]:
    """``[(kind, content)]``: ``("text", plain words)`` and ``("math", LaTeX)``, in order."""
    raw: list[tuple[str, str]] = []
    position, math_start, depth = 0, 0, 0
    while position < len(tex):
        char = tex[position]
        if char == "\\" and depth == 0 and tex.startswith(r"\text{", position):
            raw.append(("math", tex[math_start:position]))
            end = _closing_brace(tex, position + len(r"\text{"))
            raw.append(("text", unescape(tex[position + len(r"\text{") : end])))
            position = math_start = end + 1
            continue
        if char == "\\":
            position += 2  # an escaped character or the first letter of a command
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        position += 1
    raw.append(("math", tex[math_start:]))
    out: list[tuple[str, str]] = []
    for kind, content in raw:
        pieces = _indexed_words(content) if kind == "text" else [(kind, content.strip())]
        out.extend(piece for piece in pieces if piece[1])
    return out


def words(text: str) -> list[tuple[str, str]]:
    """``segments`` of a reason in plain text (a step without LaTeX)."""
    return [piece for piece in _indexed_words(text) if piece[1]]


def _closing_brace(tex: str, position: int) -> int:
    depth = 1
    while position < len(tex):
        char = tex[position]
        if char == "\\":
            position += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return position
        position += 1
    raise ValueError(f"unbalanced braces in {tex!r}")


def _indexed_words(text: str) -> list[tuple[str, str]]:
    out, last = [], 0
    for match in _INDEXED.finditer(text):
        out.append(("text", text[last : match.start()]))
        name = _NAMES.get(match[1], match[1])
        out.append(("math", f"{name}_{{{match[2]}}}"))
        last = match.end()
    out.append(("text", text[last:]))
    return out


def marked(text: str) -> list[tuple[str, str]]:
    """Prose marked up for both renderers: ``$...$`` is a formula, backticks are code.

    >>> marked("over $B$ samples, `python -m symbolic`")
    [('text', 'over '), ('math', 'B'), ('text', ' samples, '), ('code', 'python -m symbolic')]
    """
    out = []
    for piece in re.split(r"(\$[^$]*\$|`[^`]*`)", text):
        if piece.startswith("$") and piece.endswith("$") and len(piece) > 1:
            out.append(("math", piece[1:-1]))
        elif piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            out.append(("code", piece[1:-1]))
        elif piece:
            out.append(("text", piece))
    return out
