"""Deterministic Parquet encoding of a canonical frame (no pandas metadata, fixed options).

The file holds a ``time`` column (timestamp[ns, UTC]), float64 numbers and UTF-8 text; the same
frame always encodes to the same bytes with the same pyarrow version.
"""
from __future__ import annotations

import io
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["to_parquet_bytes", "from_parquet"]

_TEXT = ("exchange", "symbol", "side")


def _table(df: pd.DataFrame) -> pa.Table:
    cols: dict[str, pa.Array] = {
        "time": pa.array(df.index.as_unit("ns").asi8, pa.int64()).cast(pa.timestamp("ns", "UTC"))}
    for c in df.columns:
        if c in _TEXT:
            cols[c] = pa.array([str(v) for v in df[c]], pa.string())
        else:
            cols[c] = pa.array(df[c].to_numpy(dtype="float64"), pa.float64())
    return pa.table(cols)


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """Encode ``df`` (a canonical frame) as zstd Parquet, one row group, deterministic."""
    table = _table(df)
    floats = [c for c in df.columns if c not in _TEXT]
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=19,
                   use_byte_stream_split=floats or False,
                   use_dictionary=[c for c in df.columns if c in _TEXT] or False,
                   row_group_size=max(len(df), 1), write_statistics=True,
                   store_schema=False)
    return buf.getvalue()


def from_parquet(source: BinaryIO | str) -> pd.DataFrame:
    """Read a file written by :func:`to_parquet_bytes` back into a frame indexed by ``time``."""
    table = pq.read_table(source)
    time = pd.DatetimeIndex(table.column("time").to_pandas(), name="time").as_unit("ns")
    data = {}
    for name in table.column_names:
        if name == "time":
            continue
        col = table.column(name)
        data[name] = (col.to_pandas().astype(str).to_numpy() if name in _TEXT
                      else col.to_numpy().astype("float64", copy=False))
    df = pd.DataFrame(data, index=time)
    for name in _TEXT:
        if name in df.columns:
            df[name] = df[name].astype(str)
    return df
