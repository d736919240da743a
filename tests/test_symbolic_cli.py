"""``python -m symbolic``: list, derive (every format, a whole document that compiles), check.

Exit status: 0 equal / success, 1 not equal, 2 a formula or request it cannot take.
The exit statuses are read from real subprocesses, as a user would see them; the
other cases call ``symbolic.__main__.main`` in-process, where the derivations are
already cached (a subprocess costs a second of start-up each).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from symbolic import OPS
from symbolic.__main__ import main


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "symbolic", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_list_names_every_op():
    listed = run("list")
    assert listed.returncode == 0
    assert {line.split()[0] for line in listed.stdout.splitlines()} == set(OPS)


@pytest.mark.parametrize("form", ["latex", "text", "markdown"])
def test_derive_prints_each_format(form, capsys):
    assert main(["derive", "sigmoid", "--format", form]) == 0
    expected = {"latex": "\\begin{aligned}", "text": "[chain rule through exp: ", "markdown": "$$"}
    assert expected[form] in capsys.readouterr().out


def test_derive_a_penalty_keeps_lambda_and_ends_at_the_kernels_value(capsys):
    assert main(["derive", "l2_penalty", "--format", "text"]) == 0
    printed = capsys.readouterr().out
    assert "= 2*lambda_*w" in printed and "= 2*w" in printed and "[with lambda = 1]" in printed
    assert main(["derive", "l1_penalty(lambda_=0.0005)"]) == 0
    printed = capsys.readouterr().out
    assert r"\lambda \operatorname{sign}{\left(w \right)}" in printed and "0.0005" in printed


def test_derive_an_expression_through_define_activation():
    printed = run(
        "derive", "--expr", "x/(1 + Abs(x))", "--name", "cli_softsign", "--format", "text"
    )
    assert printed.returncode == 0, printed.stderr
    assert "quotient rule" in printed.stdout and "Verified" in printed.stdout


def test_derive_a_built_in_name_with_its_own_formula_derives_the_built_in(capsys):
    assert main(["derive", "--expr", "x*tanh(log(1+exp(x)))", "--name", "mish"]) == 0
    printed = capsys.readouterr()
    assert "\\begin{aligned}" in printed.out and "built-in mish" in printed.err


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "no_such_op"],
        ["derive", "--expr", "x.__class__", "--name", "f"],
        ["derive", "--expr", "x**3", "--name", "mish"],  # a built-in, another formula
        ["derive", "sigmoid", "--all"],
        ["derive", "sigmoid", "--document", "--format", "text"],
    ],
)
def test_derive_refuses_bad_requests_in_one_line(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="pdflatex is not installed (Debian: apt-get install texlive-latex-base; .ci/run does)",
)
def test_the_handout_of_all_derivations_compiles_within_the_page(tmp_path, capsys):
    """Issue 12, point 8: it compiles, with no overfull box wider than 20 pt, a contents
    line for every op, and a formula scaled down only where TeX could not break it."""
    assert main(["derive", "--all", "--document"]) == 0
    document = capsys.readouterr().out
    assert document.startswith("\\documentclass") and "\\usepackage[T1]{fontenc}" in document
    (tmp_path / "derivations.tex").write_text(document)
    # mktexpk writes the T1 (EC) fonts it makes under TEXMFVAR: not under $HOME
    environment = {**os.environ, "TEXMFVAR": str(tmp_path / "texmf-var")}
    for _ in range(2):  # the second run reads the .toc the first one wrote
        compiled = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivations.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env=environment,
        )
        assert compiled.returncode == 0, compiled.stdout[-3000:]
    assert (tmp_path / "derivations.pdf").stat().st_size > 50_000
    log = (tmp_path / "derivations.log").read_text(errors="replace")
    overfull = [float(v) for v in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert max(overfull, default=0) <= 20, f"overfull boxes (pt): {sorted(overfull)[-5:]}"
    assert "T1/cmr" in log  # the text font is T1-encoded: < prints as <, not as an inverted !
    contents = (tmp_path / "derivations.toc").read_text()
    numbers = re.findall(r"\\contentsline \{section\}\{\\numberline \{(\d+)\}", contents)
    assert numbers == [str(n) for n in range(1, len(OPS) + 1)]  # a numbered section per op
    scaled = [
        float(narrow) / float(wide)
        for wide, narrow in re.findall(r"handout: scaled ([\d.]+)pt ?to ([\d.]+)pt", log)
    ]
    assert len(scaled) <= 2 and min(scaled, default=1) >= 0.7, scaled  # none now


@pytest.mark.parametrize(
    ("name", "formula", "status", "says"),
    [
        ("sigmoid", "s*(1-s)", 0, "equal"),
        ("sigmoid", "s*(1+s)", 1, "your formula gives"),
        ("softmax_cross_entropy", "p - t", 0, "equal"),
        ("softmax_cross_entropy", "t - p", 1, "a sign error"),
        ("sigmoid", "s*(1-", 2, "error: "),
        ("sigmoid", "__import__('os').system('true')", 2, "allowed"),
    ],
)
def test_check_exit_status_in_a_subprocess(name, formula, status, says):
    checked = run("check", name, formula)
    assert checked.returncode == status, checked.stdout + checked.stderr
    assert says in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr
    if status == 1:  # a point where the two differ, with both values
        assert "at " in checked.stdout and "your formula gives" in checked.stdout
        assert "nan" not in checked.stdout


@pytest.mark.parametrize(
    ("name", "formula", "status", "says"),
    [
        ("sigmoid", "exp(-x)/(1+exp(-x))**2", 0, "equal"),
        ("relu", "Heaviside(x)", 1, "at x = 0"),  # right but at the kink, the convention
        ("l1_penalty", "lam*(2*Heaviside(w, 1) - 1)", 1, "at w = 0"),  # the nnfs book's
        ("sigmoid", "q*(1-q)", 2, "'q' is not allowed"),
        ("sigmoid", "x.__class__", 2, "attribute access"),
        ("sigmoid", "(lambda: 1)()", 2, "allowed"),
        ("sigmoid", "x**2 if x else x", 2, "not allowed"),
        ("softmax_cross_entropy", "p - z", 2, "'z' is not allowed"),
        ("softmax", "s", 2, "s alone is the whole vector"),
        ("dense", "X.T*G", 2, "say which with wrt="),
        ("sigmoid", "s(1-s)", 2, "for a product write s*(1 - s)"),
        ("no_such_op", "x", 2, "unknown op"),
    ],
)
def test_check_statuses_and_messages(name, formula, status, says, capsys):
    assert main(["check", name, formula]) == status
    printed = capsys.readouterr()
    assert says in printed.out + printed.err
