"""The README runs as pasted: every ```python block in a fresh interpreter of its own.

Each block runs with ``-W error`` in an empty temporary directory, the repository on
PYTHONPATH, under a time limit; it fails on any exception, any warning, or anything on
stderr but a tqdm progress bar. The blocks of "Checking your own backward" are run by
tests/test_readme_check.py, which also compares the reports they print, so they are
left out here. Every ```sh block must parse (``bash -n``) and hold no usage-text
placeholder such as ``[--shape B,N]``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
RUN_ELSEWHERE = ("## Checking your own backward",)  # tests/test_readme_check.py
TIME_LIMIT = 180  # seconds per block; the slowest (a derivation proven) takes ~10 s
FENCE = re.compile(r"^(## [^\n]*)$|^```(\w*)\n(.*?)^```", flags=re.S | re.M)
# A tqdm bar's line: "  40%|████      | 2/5 [00:01<00:01, ...]" (carriage returns between).
PROGRESS = re.compile(r"^\s*(\d+%\|.*\||[^|]*\|.*\| \d+/\d+ \[.*\])\s*$")


def fenced(language: str) -> list[tuple[str, int, str]]:
    """(section heading, line number, code) of every ```language block of the README."""
    text, section, found = README.read_text(encoding="utf-8"), "", []
    for match in FENCE.finditer(text):
        if match.group(1):
            section = match.group(1)
        elif match.group(2) == language:
            found.append((section, text.count("\n", 0, match.start()) + 1, match.group(3)))
    return found


def _id(block: tuple[str, int, str]) -> str:
    section, line, _ = block
    return f"line{line}-{section[3:].strip().replace(' ', '_')[:30]}"


PYTHON = [block for block in fenced("python") if block[0] not in RUN_ELSEWHERE]


def _unexpected(stderr: str) -> str:
    """stderr less tqdm's progress bars (``verbose=True`` draws one on stderr)."""
    lines = re.split(r"[\r\n]+", stderr)
    return "\n".join(line for line in lines if line.strip() and not PROGRESS.match(line))


@pytest.mark.parametrize("block", PYTHON, ids=_id)
def test_python_block_runs_as_pasted(block, tmp_path):
    section, line, code = block
    if "import torch" in code and importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (an optional extra)")
    env = {**os.environ, "PYTHONPATH": str(README.parent), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
    )
    where = f"README.md line {line} ({section})"
    assert done.returncode == 0, f"{where} failed:\n{done.stderr}"
    assert not _unexpected(done.stderr), f"{where} wrote to stderr:\n{done.stderr}"


def test_the_blocks_are_found():
    """The extraction itself: a README edit that breaks the fences must not empty the test."""
    sections = {section for section, _, _ in PYTHON}
    assert len(PYTHON) >= 6
    assert {"## Training", "## Training for real", "## Bring your own activation"} <= sections


@pytest.mark.parametrize("block", fenced("sh"), ids=_id)
def test_shell_block_parses(block):
    section, line, code = block
    done = subprocess.run(["bash", "-n"], input=code, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"README.md line {line} ({section}): {done.stderr}"
    # Usage text pasted as a command: an optional argument in brackets, or an ellipsis.
    placeholders = re.findall(r"\[--[^\]]*\]|\bARGS\b|\.\.\.\s*$", code, flags=re.M)
    assert not placeholders, f"README.md line {line} ({section}): {placeholders}"


def test_the_progress_filter_keeps_everything_else():
    bar = "\r  40%|████      | 2/5 [00:01<00:01,  2.0epoch/s, loss=0.5]"
    assert _unexpected(bar) == ""
    assert _unexpected(bar + "\nUserWarning: something") == "UserWarning: something"
    assert _unexpected("Traceback (most recent call last):") != ""
