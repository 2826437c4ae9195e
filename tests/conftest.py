"""Shared test fixtures. Topic fixtures live next to their tests."""
import os
import tempfile

# Before anything imports numba or matplotlib: numba's on-disk cache goes to a temporary folder,
# never into the repo (the package's njit(cache=True) kernels would otherwise write
# __pycache__/*.nbc beside the source), and matplotlib draws without a screen.
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(), "liqlab-numba-cache"))
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture
def store_root(tmp_path):
    """An empty store directory."""
    root = tmp_path / "store"
    root.mkdir()
    return root
