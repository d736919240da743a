"""README's "Checking your own backward", run as pasted: every ```python and ```sh block in
a fresh directory of its own, and the report printed under it compared line by line
(figures of the finite differences excepted: they are round-off)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Checking your own backward"


def blocks() -> list[tuple[str, str, str | None]]:
    """(language, code, the output block that follows it or None) of the section."""
    text = README.read_text()
    section = text[text.index(SECTION) :]
    end = section.find("\n## ", len(SECTION))
    section = section if end < 0 else section[:end]
    found = re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
    runs = []
    for k, (language, code) in enumerate(found):
        if language in ("python", "sh"):
            following = found[k + 1] if k + 1 < len(found) else None
            runs.append((language, code, following[1] if following and not following[0] else None))
    return runs


def _comparable(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines() if "finite differences" not in line]


def run(language: str, code: str, where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["PYTHONPATH"] = str(README.parent)
    command = [sys.executable, "-c", code] if language == "python" else ["bash", "-c", code]
    return subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("language, code, shown", blocks(), ids=lambda v: str(v)[:30])
def test_each_block_runs_as_pasted_and_prints_what_is_shown(language, code, shown, tmp_path):
    if "import torch" in code and importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (an optional extra)")
    done = run(language, code, tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    if language == "python":
        assert done.returncode == 0, done.stderr
    else:  # the check's own exit code: 1 exactly when the report says a gradient is wrong
        wrong = "gradients wrong" in done.stdout
        assert done.returncode == (1 if wrong else 0), done.stderr
    if shown is not None:
        assert _comparable(done.stdout) == _comparable(shown)


def test_the_section_shows_every_style():
    codes = "\n".join(code for _, code, _ in blocks())
    for marker in (
        "def backward(self, dvalues)",
        "class Affine",
        "def affine_forward",
        "_backward",
        "torch.autograd.Function",
    ):
        assert marker in codes
