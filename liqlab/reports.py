"""Writing tables for the ``liqlab backtest`` and ``liqlab validate`` commands."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_table"]


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write ``df`` as ``path.csv`` or ``path.parquet``; object columns become text so both
    formats hold plain types (tuples such as distance bands are written as their text)."""
    df = df.copy()
    df.attrs = {}  # attrs may hold timestamps that Parquet metadata cannot encode
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype(str)
    if fmt == "parquet":
        path = path.with_suffix(".parquet")
        df.to_parquet(path, index=False)
    elif fmt == "csv":
        path = path.with_suffix(".csv")
        df.to_csv(path, index=False)
    else:
        raise ValueError(f"format must be 'csv' or 'parquet', got {fmt!r}")
    return path
