"""Options shared by several ``liqlab`` commands, declared once (the way freqtrade declares its
arguments in one table): the store, the output folder, the table format, and reading a frame
given as an embedded sample name or a Parquet file."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from liqlab.data import schema
from liqlab.data.samples import load_sample
from liqlab.model.params import ModelParams

__all__ = ["STORE_ENV", "add_store", "add_out", "add_format", "add_params", "params_from", "read_frame",
           "default_store"]

#: environment variable naming the local store (default ``data``)
STORE_ENV = "LIQLAB_STORE"


def default_store(fallback: str | None = "data") -> str | None:
    """The store folder: ``$LIQLAB_STORE`` when set, else ``fallback``."""
    return os.environ.get(STORE_ENV) or fallback


def add_store(parser: argparse.ArgumentParser, fallback: str | None = "data", what: str = "") -> None:
    """``--store DIR``, defaulting to ``$LIQLAB_STORE`` (then ``fallback``)."""
    default = default_store(fallback)
    tail = f"default ${STORE_ENV} or {fallback}" if fallback else \
        f"default ${STORE_ENV}; unset: the embedded samples"
    parser.add_argument("--store", default=default, metavar="DIR",
                        help=f"the local Parquet store{what} ({tail}; now {default!r})")


def add_out(parser: argparse.ArgumentParser, default: str) -> None:
    """``--out DIR``: where a command writes its files (created)."""
    parser.add_argument("--out", type=Path, default=Path(default), metavar="DIR",
                        help=f"directory to write into, created if missing (default {default})")


def add_format(parser: argparse.ArgumentParser) -> None:
    """``--format csv|parquet`` for result tables."""
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="table format (default csv)")


def read_frame(spec: str | Path | None, kind: str) -> pd.DataFrame | None:
    """A frame given on the command line: an embedded sample's name (``liqlab.list_samples()``)
    or a Parquet file of the canonical ``kind`` (``'realised'``: liquidations or their period
    totals, whichever the file holds). ``None`` or ``'none'`` gives None."""
    if spec is None or str(spec) == "none":
        return None
    p = Path(spec)
    if p.suffix == ".parquet" or p.exists():
        if not p.is_file():
            raise ValueError(f"{p}: no such Parquet file")
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises several types for a damaged or foreign file
            raise ValueError(f"{p}: not a readable Parquet file ({exc})") from None
        return schema.validate(df, schema.infer_kind(df) if kind == "realised" else kind, str(p))
    return load_sample(str(spec))


def add_params(parser: argparse.ArgumentParser) -> None:
    """``--param NAME=VALUE`` (repeatable): any ``ModelParams`` field, checked against its
    declaration (kind and bounds), so every model option is a flag of every command that
    estimates."""
    names = ", ".join(f.name for f in ModelParams.spec())
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help=f"a model assumption other than its default (repeatable); NAME is one "
                             f"of: {names}; see docs/model.md")


def params_from(items: list[str]) -> ModelParams:
    """ModelParams from NAME=VALUE strings, converted by each field's kind."""
    spec = {f.name: f for f in ModelParams.spec()}
    changes = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param takes NAME=VALUE, got {item!r}")
        name, value = (x.strip() for x in item.split("=", 1))
        if name not in spec:
            raise ValueError(f"--param: unknown ModelParams field {name!r}; known: {', '.join(spec)}")
        kind = spec[name].kind
        try:
            if kind == "float":
                changes[name] = float(value)
            elif kind == "int":
                changes[name] = int(value)
            elif kind in ("floats", "weights"):
                changes[name] = tuple(float(v) for v in value.split(","))
            elif kind == "bool":
                changes[name] = {"true": True, "false": False}[value.lower()]
            else:
                changes[name] = value
        except (ValueError, KeyError):
            raise ValueError(f"--param {name}: {value!r} is not a {kind} value") from None
    return ModelParams().replace(**changes)
