"""Crash-safe file primitives: atomic Parquet writes, the partition lock, footer statistics."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqlab.data.store._names import DATA_FILE_RE

TMP_PREFIX = ".tmp-"
LOCK_NAME = ".lock"


def fsync_dir(path: Path) -> None:
    """Make the directory's entries (renames, new files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def data_files(part: Path) -> list[Path]:
    """The partition's data files, oldest bucket first; temp and lock files are ignored."""
    if not part.is_dir():
        return []
    return sorted(p for p in part.iterdir() if DATA_FILE_RE.fullmatch(p.name))


@contextlib.contextmanager
def partition_lock(part: Path) -> Iterator[None]:
    """Create ``part`` if needed, hold an exclusive flock on ``part/.lock``, and delete the
    temp files of writers that died (no live writer can own one: we hold the lock)."""
    new_dirs = [d for d in (part, *part.parents) if not d.exists()]
    part.mkdir(parents=True, exist_ok=True)
    for d in reversed(new_dirs):
        fsync_dir(d.parent)
    fd = os.open(part / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        for p in part.iterdir():
            if p.name.startswith(TMP_PREFIX):
                p.unlink()
        yield
    finally:
        os.close(fd)  # releases the lock (the kernel releases it too if we are killed)


def write_json(path: Path, data) -> None:
    """Replace ``path`` with ``data`` as JSON, crash-safe: a temporary file in the same folder,
    flushed and fsync'ed, renamed over ``path``, and the folder fsync'ed. Hold the folder's
    :func:`partition_lock` when other processes may write it too."""
    tmp = path.parent / f"{TMP_PREFIX}{path.name}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_temp(table: pa.Table, final: Path) -> Path:
    """Write ``table`` to a new temp file next to ``final``, flushed and fsync'ed."""
    tmp = final.with_name(f"{TMP_PREFIX}{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def commit(pending: list[tuple[Path, Path]]) -> list[Path]:
    """Rename each (temp, final) into place, then fsync their directory. On error, remove the
    temps not yet renamed."""
    done: list[Path] = []
    try:
        for tmp, final in pending:
            os.replace(tmp, final)
            done.append(final)
    finally:
        for tmp, _ in pending:
            if tmp.exists():
                tmp.unlink()
    if pending:
        fsync_dir(pending[0][1].parent)
    return done


def read_table(path: Path) -> pa.Table:
    """Read one data file through a single open file handle, so that a concurrent
    ``os.replace`` cannot give us the footer of one version and the pages of another (a
    path-based read may open the file more than once)."""
    with open(path, "rb") as fh:
        return pq.read_table(fh)


def columns(path: Path) -> list[str]:
    """The data columns of a file (without ``time``), from its footer."""
    with open(path, "rb") as fh:
        return [f.name for f in pq.ParquetFile(fh).schema_arrow if f.name != "time"]


def footer_range(path: Path) -> tuple[int, pd.Timestamp, pd.Timestamp]:
    """(rows, first time, last time) of a data file from its Parquet footer: no data read."""
    with open(path, "rb") as fh:
        pf = pq.ParquetFile(fh)
        md, unit = pf.metadata, pf.schema_arrow.field("time").type.unit
    j = [md.schema.column(i).name for i in range(md.num_columns)].index("time")
    stats = [md.row_group(i).column(j).statistics for i in range(md.num_row_groups)]
    lo = pd.Timestamp(min(s.min_raw for s in stats), unit=unit, tz="UTC").as_unit("ns")
    hi = pd.Timestamp(max(s.max_raw for s in stats), unit=unit, tz="UTC").as_unit("ns")
    return md.num_rows, lo, hi
