"""Every notebook of derivations/ runs top to bottom (nbclient, kernel "python3"), and is
committed with its outputs, as derivations/make_notebooks.py writes and runs it.

jupyter_client starts a kernel spec whose command is ``python`` with this
interpreter, ``sys.executable``, so the notebooks run in the test's environment.
Two notebooks run at a time, each in a process of its own.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from symbolic.ops import OPS

FOLDER = Path(__file__).resolve().parent.parent / "derivations"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
TIMEOUT = 180  # seconds per cell


def execute(path: Path) -> str | None:
    """Run the notebook at ``path``; None, or the error it stopped with."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(FOLDER)}},
    )
    try:
        client.execute()
    except Exception as error:  # the cell's traceback, for the report
        return f"{type(error).__name__}: {error}"
    return None


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str | None]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return dict(zip((p.name for p in NOTEBOOKS), pool.map(execute, NOTEBOOKS), strict=True))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, outcomes):
    assert outcomes[path.name] is None, outcomes[path.name]


def _generator():
    """derivations/make_notebooks.py, imported as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", FOLDER / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_built_in_op_has_a_notebook_written_by_make_notebooks():
    import nbformat

    built_in = getattr(__import__("symbolic.ops", fromlist=["BUILT_IN"]), "BUILT_IN", OPS)
    missing = sorted(set(built_in) - {p.stem for p in NOTEBOOKS})
    assert not missing, f"no notebook for {missing}: run python derivations/make_notebooks.py"
    assert "network.ipynb" in {p.name for p in NOTEBOOKS}
    generator = _generator()
    for path in NOTEBOOKS:
        written = generator.network_notebook() if path.stem == "network" else None
        written = written or generator.op_notebook(path.stem)
        committed = nbformat.read(path, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in written.cells], (
            f"{path.name} is not what make_notebooks.py writes: run it"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_is_committed_with_its_outputs(path):
    """GitHub shows a notebook's stored outputs: every cell that prints or displays has
    them, and the derivation shown is the one the code derives today."""
    import nbformat

    from symbolic import derive

    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    quiet = [c for c in code if not c.get("outputs")]
    assert [c.source.splitlines()[0] for c in quiet] == ["import numpy as np"], (
        f"{path.name}: cells without outputs; run python derivations/make_notebooks.py"
    )
    latex = [
        out["data"]["text/latex"]
        for c in code
        for out in c.outputs
        if "text/latex" in out.get("data", {}) and "aligned" in out["data"]["text/latex"]
    ]
    if path.stem != "network":
        assert derive(path.stem)._repr_latex_() in latex, (
            f"{path.name} shows an old derivation: run python derivations/make_notebooks.py"
        )
    else:
        assert any("circ" in text and "W_{1}" in text for text in latex)
