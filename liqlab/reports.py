"""Writing tables for the ``liqlab backtest`` and ``liqlab validate`` commands, and the one
way their reports print an estimate with its interval."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

__all__ = ["write_table", "interval_text", "row_interval", "markdown_table"]


def interval_text(v, lo, hi, fmt: str = "{:.2f}") -> str:
    """``'0.42 (0.31 to 0.55)'``: an estimate and its interval, each written with ``fmt``; the
    estimate alone when the interval is not finite, ``'n/a'`` when the estimate is not."""
    if not math.isfinite(v):
        return "n/a"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return fmt.format(v)
    return f"{fmt.format(v)} ({fmt.format(lo)} to {fmt.format(hi)})"


def row_interval(row, key: str, fmt: str = "{:.2f}") -> str:
    """:func:`interval_text` of a table row's ``key`` with its ``key_lo`` and ``key_hi``."""
    return interval_text(row[key], row[f"{key}_lo"], row[f"{key}_hi"], fmt)


def markdown_table(columns: list[str], rows: list[list]) -> str:
    """A Markdown table: a header of ``columns``, then one line per row of cells (as text)."""
    line = lambda cells: "| " + " | ".join(str(c) for c in cells) + " |"
    return "\n".join([line(columns), "|" + "---|" * len(columns)] + [line(r) for r in rows])


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
