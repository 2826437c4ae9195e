"""`liqlab COMMAND --help` stays fast: no command's help loads the heavy libraries that only
running a command needs (the flags of a heavy command live in its light module, _FLAGS)."""
import subprocess
import sys
import textwrap

from liqlab.cli import _COMMANDS

#: libraries that take a second or more to import; ccxt (fetch, record) is not among them
HEAVY = ("holoviews", "bokeh", "matplotlib", "datashader", "scipy", "numba", "xarray", "dask")


def test_no_command_help_loads_a_heavy_library():
    # one fresh interpreter; each command's help is checked for what it added to sys.modules
    code = textwrap.dedent(f"""
        import contextlib, io, sys
        from liqlab.cli import main
        for name in {list(_COMMANDS)!r}:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                assert main([name, "--help"]) == 0, name
            assert out.getvalue().startswith(f"usage: liqlab {{name}}"), name
            heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
            if heavy:
                print(f"liqlab {{name}} --help loads {{', '.join(heavy)}}")
                break
        """)
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", out.stdout
