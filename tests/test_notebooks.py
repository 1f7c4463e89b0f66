"""Run every notebook of ``notebooks/`` in its small mode (``L0BNB_SMALL=1``) with nbclient."""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(nb.stem == "best_subset" for nb in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_small(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    outputs = [cell for cell in nb.cells if cell.cell_type == "code" and cell.get("outputs")]
    assert not outputs, f"{path.name}: commit notebooks with outputs cleared"
    monkeypatch.setenv("L0BNB_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # The kernel imports this checkout, whatever l0bnb is installed.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError with the failing cell and traceback
