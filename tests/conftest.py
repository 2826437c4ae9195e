"""Shared test fixtures. Topic fixtures live next to their tests."""
import os

import pytest

# numba's cache and matplotlib's config go to a temporary place, never into the repo.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def store_root(tmp_path):
    """An empty store directory."""
    root = tmp_path / "store"
    root.mkdir()
    return root
