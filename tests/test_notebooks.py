"""Every notebook in notebooks/ runs headless on the embedded data (nbclient, the kernel of this
Python), without an error or a warning, and is committed without outputs."""
from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path

import nbformat
import pytest

#: a stylesheet, script or font on another host (panel named its CSS by CDN address)
REMOTE_FILE = re.compile(r"""https?://[^\s"'<>\\)]+?\.(?:css|js|mjs|woff2?)\b""")
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    # every notebook in notebooks/ is run below; this list makes adding or losing one visible
    assert [p.name for p in NOTEBOOKS] == ["01_heatmap_explorer.ipynb",
                                           "02_multi_timeframe_confluence.ipynb",
                                           "03_cascade_study.ipynb", "04_magnet_backtest.ipynb"]


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every import in the notebook's code cells; name '' for ``import m``."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom):
                out += [(node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                out += [(a.name, "") for a in node.names]
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_only_public_names(path):
    """A notebook imports liqlab's names from ``liqlab`` or a stage package (``liqlab.views``,
    ``liqlab.backtest``, ...) that lists them in ``__all__``, never a private name and never
    from a module inside a stage package."""
    imports = [(m, n) for m, n in _imports(path) if m.split(".")[0] == "liqlab"]
    assert imports, f"{path.name} imports nothing from liqlab"
    for module, name in imports:
        parts = module.split(".")
        assert not any(p.startswith("_") for p in parts + [name]), \
            f"{path.name}: private name in 'from {module} import {name}'"
        assert len(parts) <= 2, (f"{path.name}: 'from {module} import {name}' reaches into a "
                                 f"module; import it from {'.'.join(parts[:2])}")
        if name:
            package = importlib.import_module(module)
            assert name in package.__all__ and name in dir(package), \
                f"{path.name}: {name} is not a public name of {module} (its __all__)"
            getattr(package, name)


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
    # no output's HTML names a stylesheet or script on another host: the notebook works offline
    # (the inlined bokeh and panel bundles mention CDN addresses in code paths an offline page
    # never takes; tests/views/test_notebook_pages.py records what the page really requests)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            for mime, data in out.get("data", {}).items():
                if mime == "text/html":
                    remote = sorted(set(REMOTE_FILE.findall(str(data))))
                    assert remote == [], f"{path.name} cell {i} ({mime}) loads from the network: {remote}"
