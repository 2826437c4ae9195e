"""The package's own imports sit at module top: no import cycle hides behind a function-level
import, and the few deliberately lazy imports are listed here (each with its reason)."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "liqlab"

#: (file, imported module) pairs allowed inside a function, and why; the dispatcher's (by
#: importlib, after the flags parse: its _FLAGS) are checked against it below
LAZY = {
    ("liqlab/cli/__init__.py", "liqlab.data.store"): "`liqlab --help` loads no pyarrow",
    ("liqlab/cli/__init__.py", "liqlab.cli.render"): "holoviews, bokeh, matplotlib: not for --help",
    ("liqlab/cli/__init__.py", "liqlab.cli.backtest"): "scipy, numba, xarray: not for --help",
    ("liqlab/cli/__init__.py", "liqlab.cli.validate"): "scipy, numba, xarray: not for --help",
    ("liqlab/cli/__init__.py", "liqlab.cli.import_liquidations"): "scipy, numba: not for --help",
    ("liqlab/validation/report.py", "liqlab.views.heatmap"): "holoviews, for one view helper",
    ("liqlab/data/load.py", "liqlab.data.exchanges.clients"): "ccxt, only for a store's market ids",
}


def _function_level_imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import of liqlab's own modules inside a function
    (``path`` lies in ``root``/liqlab)."""
    rel = path.relative_to(root).with_suffix("")
    pkg = list(rel.parts if path.name == "__init__.py" else rel.parts[:-1])
    if path.name == "__init__.py":
        pkg = pkg[:-1]
    found = []

    def visit(node, inside):
        for ch in ast.iter_child_nodes(node):
            if isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(ch, True)
                continue
            if inside and isinstance(ch, ast.ImportFrom):
                base = pkg[: len(pkg) - ch.level + 1] if ch.level else []
                found.append((ch.lineno, ".".join(base + ([ch.module] if ch.module else []))))
            elif inside and isinstance(ch, ast.Import):
                found.extend((ch.lineno, a.name) for a in ch.names)
            visit(ch, inside)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [(line, mod) for line, mod in found if mod.split(".")[0] == "liqlab"]


def test_the_scanner_sees_relative_and_absolute_imports(tmp_path):
    mod = tmp_path / "liqlab" / "validation" / "probe.py"
    mod.parent.mkdir(parents=True)
    src = textwrap.dedent("""
        import liqlab
        def f():
            from .sets import load_set
            import liqlab.stats
            def g():
                from liqlab import stats
            return numpy
        """)
    mod.write_text(src)
    assert _function_level_imports(mod, tmp_path) == [(4, "liqlab.validation.sets"),
                                                      (5, "liqlab.stats"), (7, "liqlab")]


def test_own_modules_are_imported_at_module_top():
    stray = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for line, mod in _function_level_imports(path):
            if not any(rel == f and (mod == m or mod.startswith(m + ".")) for f, m in LAZY):
                stray.append(f"{rel}:{line} imports {mod} inside a function")
    assert not stray, "move these imports to the module top (or list a deliberate lazy one in LAZY):\n" + \
        "\n".join(stray)


def test_the_dispatcher_defers_exactly_the_listed_commands():
    # a command in the dispatcher's _FLAGS is imported only when it runs (by importlib, which
    # the scanner above does not see): each such command is listed in LAZY with its reason
    from liqlab.cli import _COMMANDS, _FLAGS

    deferred = {_COMMANDS[name][0] for name in _FLAGS}
    listed = {m for f, m in LAZY if f == "liqlab/cli/__init__.py" and m.startswith("liqlab.cli.")}
    assert deferred == listed


def test_every_module_imports_on_its_own():
    # a cycle that function-level imports used to hide shows up as an ImportError when the
    # module is the first of the package to be imported: each module in a clean liqlab state
    names = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                   for p in PKG.rglob("*.py") if p.name != "__main__.py")
    code = textwrap.dedent(f"""
        import importlib, sys
        bad = []
        for name in {names!r}:
            for m in [m for m in sys.modules if m == "liqlab" or m.startswith("liqlab.")]:
                del sys.modules[m]
            try:
                importlib.import_module(name)
            except Exception as exc:
                bad.append(f"{{name}}: {{type(exc).__name__}}: {{exc}}")
        print("\\n".join(bad))
        """)
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", out.stdout
