"""Every notebook in notebooks/ runs headless on the embedded data (nbclient, the kernel of this
Python), without an error or a warning, and is committed without outputs."""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert {"01_heatmap_explorer.ipynb", "02_multi_timeframe_confluence.ipynb",
            "03_cascade_study.ipynb"} <= set(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell: '# Title'"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: strip them"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(nb, timeout=600, kernel_name=NATIVE_KERNEL_NAME,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on any error
    # the kernel ran in this Python (the venv), not some other one on the machine
    ran_in = nb.cells.pop().outputs[0]["text"].strip()
    assert Path(ran_in).resolve() == Path(sys.executable).resolve()
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            assert "Warning" not in text, f"{path.name} cell {i} warned:\n{text}"
    assert any(o.get("output_type") in ("display_data", "execute_result")
               for c in nb.cells for o in c.get("outputs", [])), "nothing was shown"
