"""pyproject.toml is the single source of dependencies; environment.yml must say the same.

``drift(pyproject_text, environment_text)`` lists every difference; the real files must have
none, and drifted copies of them (each kind of drift) must be caught.
"""
from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text()
ENVIRONMENT = (ROOT / "environment.yml").read_text()

#: a pip requirement with extras that conda-forge ships as several packages
CONDA_SPLIT = {("dask", frozenset({"distributed"})): ("dask", "distributed")}
#: conda entries that are tools, not project dependencies
CONDA_ONLY = {"pip", "python"}
#: what the pip section of environment.yml must install: this project with its dev extras
PIP_SELF = ("-e .[dev]", "-e '.[dev]'", '-e ".[dev]"')


def _conda_spec(entry: str) -> tuple[str, str]:
    """'pandas>=2.2,<4' or 'pandas >=2.2,<4' -> ('pandas', '>=2.2,<4')."""
    entry = entry.strip()
    i = next((k for k, ch in enumerate(entry) if ch in "<>=!~ "), len(entry))
    return canonicalize_name(entry[:i]), entry[i:].replace(" ", "")


def expected_conda(pyproject_text: str) -> dict[str, str]:
    """The conda packages (name -> version spec) that pyproject's dependencies call for."""
    out: dict[str, str] = {}
    for line in tomllib.loads(pyproject_text)["project"]["dependencies"]:
        req = Requirement(line)
        name, extras = canonicalize_name(req.name), frozenset(req.extras)
        if extras:
            names = CONDA_SPLIT.get((name, extras))
            if names is None:
                raise ValueError(f"pyproject dependency {line!r} has extras with no conda "
                                 "mapping; add it to CONDA_SPLIT in tests/test_packaging.py")
        else:
            names = (name,)
        for n in names:
            out[n] = str(req.specifier)
    return out


def drift(pyproject_text: str, environment_text: str) -> list[str]:
    """Every way environment.yml disagrees with pyproject.toml (empty list: in step)."""
    project = tomllib.loads(pyproject_text)["project"]
    env = yaml.safe_load(environment_text)
    want = expected_conda(pyproject_text)
    have: dict[str, str] = {}
    pip: list[str] = []
    problems: list[str] = []
    for item in env.get("dependencies", []):
        if isinstance(item, dict):
            pip += [str(x).strip() for x in item.get("pip", [])]
            continue
        name, spec = _conda_spec(str(item))
        if name in have:
            problems.append(f"environment.yml lists {name} twice")
        have[name] = spec
    for name, spec in want.items():
        if name not in have:
            problems.append(f"{name}{spec} is in pyproject.toml but missing from environment.yml")
            continue
        try:
            same = SpecifierSet(have[name]) == SpecifierSet(spec)
        except InvalidSpecifier:
            same = False
        if not same:
            problems.append(f"{name}: pyproject.toml says {spec!r}, environment.yml says "
                            f"{have[name]!r}")
    for name in sorted(set(have) - set(want) - CONDA_ONLY):
        problems.append(f"{name} is in environment.yml but not in pyproject.toml "
                        "(pyproject is the single source: add it there first)")
    if "pip" not in have:
        problems.append("environment.yml must list pip (its pip section installs the project)")
    # conda's python=3.11 means 3.11.*: it must sit inside requires-python
    py = have.get("python", "").lstrip("=")
    requires = SpecifierSet(project.get("requires-python", ""))
    if not py or Version(py + ".0") not in requires or Version(py + ".99") not in requires:
        problems.append(f"environment.yml python={py or '?'} does not match requires-python "
                        f"{str(requires)!r}")
    if not any(p in PIP_SELF for p in pip):
        problems.append("environment.yml's pip section must install the project with its dev "
                        "extras: '-e .[dev]'")
    for p in pip:
        if p not in PIP_SELF:
            problems.append(f"environment.yml's pip section installs {p!r}; put it in "
                            "pyproject.toml instead")
    if not project.get("optional-dependencies", {}).get("dev"):
        problems.append("pyproject.toml has no 'dev' extras for the tests")
    return problems


def test_pyproject_and_environment_are_in_step():
    assert drift(PYPROJECT, ENVIRONMENT) == []


def test_every_dependency_is_named_in_both():
    # the packages the issue asks for, in pyproject and (mapped) in environment.yml
    want = expected_conda(PYPROJECT)
    for name in ("jupyterlab", "ipywidgets", "pandas", "numpy", "numba", "xarray", "holoviews",
                 "datashader", "bokeh", "ccxt", "pyarrow", "dask", "distributed", "tqdm"):
        assert name in want


def _swap(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture out of date: {old!r} not in the file"
    return text.replace(old, new, 1)


@pytest.mark.parametrize("env_old,env_new,problem", [
    ("  - pandas>=2.2,<4\n", "  - pandas>=2.1,<4\n", "pandas: pyproject.toml says"),
    ("  - pandas>=2.2,<4\n", "  - pandas=2.2\n", "pandas: pyproject.toml says"),
    ("  - tqdm>=4.66\n", "", "tqdm>=4.66 is in pyproject.toml but missing"),
    ("  - distributed>=2024.6\n", "", "distributed>=2024.6 is in pyproject.toml but missing"),
    ("  - tqdm>=4.66\n", "  - tqdm>=4.66\n  - polars>=1\n", "polars is in environment.yml but not"),
    ("  - python=3.11\n", "  - python=3.10\n", "python=3.10 does not match requires-python"),
    ("      - -e .[dev]\n", "      - -e .\n", "must install the project with its dev extras"),
    ("      - -e .[dev]\n", "      - -e .[dev]\n      - ruff\n", "installs 'ruff'"),
])
def test_drift_in_environment_is_caught(env_old, env_new, problem):
    problems = drift(PYPROJECT, _swap(ENVIRONMENT, env_old, env_new))
    assert any(problem in p for p in problems), problems


def test_order_and_spacing_are_not_drift():
    # conda also accepts "name >=a,<b" and either clause order
    assert drift(PYPROJECT, _swap(ENVIRONMENT, "  - pandas>=2.2,<4\n",
                                  "  - pandas <4,>=2.2\n")) == []


@pytest.mark.parametrize("py_old,py_new,problem", [
    ('    "numba>=0.60",\n', '    "numba>=0.61",\n', "numba: pyproject.toml says '>=0.61'"),
    ('    "dask[distributed]>=2024.6",\n', '    "dask>=2024.6",\n',
     "distributed is in environment.yml but not in pyproject.toml"),
    ('    "tqdm>=4.66",\n', '    "tqdm>=4.66",\n    "polars>=1",\n',
     "polars>=1 is in pyproject.toml but missing"),
])
def test_drift_in_pyproject_is_caught(py_old, py_new, problem):
    problems = drift(_swap(PYPROJECT, py_old, py_new), ENVIRONMENT)
    assert any(problem in p for p in problems), problems


def test_unmapped_extras_are_an_error():
    with pytest.raises(ValueError, match="no conda mapping"):
        expected_conda(_swap(PYPROJECT, '"xarray>=2024.6"', '"xarray[io]>=2024.6"'))


def test_installed_versions_satisfy_pyproject():
    """The environment the tests run in is one pip resolved from pyproject (incl. dev)."""
    project = tomllib.loads(PYPROJECT)["project"]
    bad = []
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(line)
        names = [req.name] + sorted(req.extras)  # dask[distributed] also needs distributed
        for name in names:
            try:
                have = metadata.version(name)
            except metadata.PackageNotFoundError:
                bad.append(f"{name} is not installed")
                continue
            if name == req.name and not req.specifier.contains(have, prereleases=True):
                bad.append(f"{name} {have} does not satisfy {req.specifier}")
    assert bad == []
