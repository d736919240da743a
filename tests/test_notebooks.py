"""Every notebook of derivations/ runs top to bottom (nbclient, kernel "python3").

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


def test_every_built_in_op_has_a_notebook_and_outputs_are_cleared():
    import nbformat

    built_in = getattr(__import__("symbolic.ops", fromlist=["BUILT_IN"]), "BUILT_IN", OPS)
    missing = sorted(set(built_in) - {p.stem for p in NOTEBOOKS})
    assert not missing, f"no notebook for {missing}: run python derivations/make_notebooks.py"
    assert "network.ipynb" in {p.name for p in NOTEBOOKS}
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        assert all(not cell.get("outputs") for cell in cells), f"{path.name} has outputs"
