"""The HTML handout (issue 12, point 8): offline, MathML, and rendered by a real browser.

The page itself is checked without a browser (no script, nothing fetched, every
formula converted, no raw TeX). Then headless Chromium (skipped when absent; .ci/run
installs it) lays the page out: every fraction's numerator must sit above its
denominator, which happens only when the browser typesets the MathML (an unknown
element would set the two side by side on one line), and a screenshot must hold ink.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from symbolic import OPS, op
from symbolic.html import page

BROWSER = next(
    (
        shutil.which(name)
        for name in ("chromium", "chromium-browser", "google-chrome")
        if shutil.which(name)
    ),
    None,
)
needs_browser = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium is not installed (Debian: apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
def html() -> str:
    return page(OPS.values())


def test_the_page_is_offline_and_typeset_as_mathml(html):
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched
    assert "mathjax" not in html.lower() and "<link" not in html.lower()
    assert html.count("<math") > 500
    assert html.count("<mfrac") > 50
    for name in OPS:
        assert f'id="{name}"' in html
    for part in ("Introduction", "Notation", "Contents", "Computed as", "Worked example"):
        assert part in html


def test_no_raw_tex_reaches_the_page(html):
    """Text between tags holds no TeX: no ``\\_``, no ``\\frac``, no command left
    unconverted inside the MathML."""
    text = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    leftovers = [t for t in re.findall(r">([^<]*)<", text) if "\\" in t]
    assert leftovers == []
    assert "s\\_i" not in html and "\\text{" not in html


def _chromium(*args: str, home) -> subprocess.CompletedProcess:
    """Headless Chromium with its profile and caches in ``home`` (nothing under $HOME)."""
    environment = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    command = [
        BROWSER,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        f"--user-data-dir={home / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=environment)


# Appended to a copy of the page in the test only: the page itself has no script.
MEASURE = """<script>
const fractions = [...document.querySelectorAll("mfrac")];
const stacked = fractions.filter((f) => {
  const [top, bottom] = f.children;
  return top.getBoundingClientRect().bottom <= bottom.getBoundingClientRect().top + 1;
});
document.body.setAttribute("data-stacked", stacked.length + "/" + fractions.length);
</script>"""


@needs_browser
def test_chromium_typesets_every_fraction(tmp_path, html):
    measured = tmp_path / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE + "</body>"))
    dumped = _chromium("--dump-dom", measured.as_uri(), home=tmp_path)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    stacked, total = map(int, re.search(r'data-stacked="(\d+)/(\d+)"', dumped.stdout).groups())
    assert total > 50 and stacked == total


def _ink(tmp_path, name: str, html: str, size: str = "1000,1400"):
    """Chromium's screenshot of ``html``: a boolean array, True where a pixel is dark."""
    from matplotlib import image

    path, shot = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    path.write_text(html)
    taken = _chromium(f"--screenshot={shot}", f"--window-size={size}", path.as_uri(), home=tmp_path)
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    return image.imread(str(shot))[..., :3].mean(axis=2) < 0.6  # grey, 1.0 is white


@needs_browser
def test_chromium_screenshot_of_a_section_holds_ink(tmp_path):
    """The sigmoid's section, shot at 1000 x 1400 pixels: ink on most of the page."""
    ink = _ink(tmp_path, "sigmoid", page([op("sigmoid")]))
    assert ink.mean() > 0.01, "a blank page"
    assert ink.any(axis=1).sum() > 500  # rows of pixels with ink, of 1400


@needs_browser
def test_chromium_stacks_a_fraction_that_plain_text_would_not(tmp_path):
    """The sigmoid as MathML is more than 1.5 times as tall in ink as its own text on
    one line: 1 over 1 + e^-x, with a fraction bar."""
    from symbolic.html import math

    formula = math(r"\sigma(x) = \frac{1}{1 + e^{-x}}", display=True)
    flat = re.sub(r"<[^>]+>", " ", formula)
    heights = {}
    for name, body in (("typeset", formula), ("flat", flat)):
        html = f'<!DOCTYPE html><html><body style="font-size:48px">{body}</body></html>'
        ink = _ink(tmp_path, name, html, size="800,400")
        assert ink.any(), f"{name}: nothing drawn"
        heights[name] = int(ink.any(axis=1).sum())
    assert heights["typeset"] > 1.5 * heights["flat"], heights


def test_the_command_line_writes_the_page(capsys):
    from symbolic.__main__ import main

    assert main(["derive", "relu", "--html"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["derive", "relu", "--html", "--document"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --html") and err.count("\n") == 1
