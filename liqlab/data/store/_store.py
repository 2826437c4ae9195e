"""The :class:`Store` (see :mod:`liqlab.data.store` for the layout and the guarantees)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from liqlab._time import utc
from liqlab.data.schema import COLUMNS, empty, validate
from liqlab.data.store._files import (columns, commit, data_files, footer_range, partition_lock,
                                 read_table, write_temp)
from liqlab.data.store._names import (ALIGNED, bucket_keys, bucket_name, check_names, off_grid)

_TEXT = ("exchange", "symbol", "side")
_META_KEY = b"liqlab"


class StoreCorruptError(ValueError):
    """A data file of the store cannot be read (truncated, overwritten, not Parquet).
    ``path`` names it; ``liqlab store check --repair`` moves such files aside."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        super().__init__(f"corrupt store file {self.path}: {reason}. Run `liqlab store check "
                         f"--store {_root_of(self.path)} --repair` to move it aside and see which "
                         "range to fetch again")


def _root_of(path: Path) -> Path:
    """The store root above a data file (``<root>/exchange=../symbol=../dataset=../timeframe=../f``)."""
    return path.parents[4] if len(path.parents) > 4 else path.parent


def _guard(path: Path, fn, *args):
    """Run a read of ``path``; a file pyarrow cannot read becomes a :class:`StoreCorruptError`."""
    try:
        return fn(*args)
    except (pa.ArrowException, OSError, KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreCorruptError(path, f"not a readable Parquet data file ({msg[:200]})") from exc


@dataclass
class WriteReport:
    """What :meth:`Store.write` did: rows new to the store, stored rows a batch row replaced
    (same time; for liquidations an identical row), files rewritten, exact duplicates inside
    the batch that were dropped (liquidations only), and the paths written."""
    rows_added: int = 0
    rows_replaced: int = 0
    files_written: int = 0
    duplicates_dropped: int = 0
    paths: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        s = (f"{self.rows_added} row(s) added, {self.rows_replaced} replaced, "
             f"{self.files_written} file(s) written")
        if self.duplicates_dropped:
            s += f", {self.duplicates_dropped} duplicate row(s) in the batch dropped"
        return s


def _canonical(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Columns in schema order, numeric columns float64, index datetime64[ns, UTC]."""
    req, opt = COLUMNS[kind]
    cols = [c for c in req + opt if c in df.columns]
    out = df[cols].copy()
    for c in cols:
        if c not in _TEXT:
            out[c] = out[c].astype("float64")
    out.index = out.index.as_unit("ns")
    return out


def _merge(old: pd.DataFrame, new: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, int]:
    """Stored rows plus new rows, new winning; returns (merged, stored rows replaced)."""
    old.index = old.index.as_unit("ns")
    both = pd.concat([old, new])
    if kind == "liquidations":
        dup = both.reset_index().duplicated(keep="last").to_numpy()
    else:
        dup = both.index.duplicated(keep="last")
    return both[~dup].sort_index(kind="stable"), int(dup.sum())


class Store:
    """Canonical frames as Parquet under ``root`` (default ``data/``); see :mod:`liqlab.data.store`.

    >>> store = Store("data")                                        # doctest: +SKIP
    >>> store.write(df, kind="candles", exchange="binanceusdm", symbol="BTCUSDT",
    ...             timeframe="5m")                                  # doctest: +SKIP
    >>> store.read(kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="5m",
    ...            start="2025-10-10", end="2025-10-11")            # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike = "data") -> None:
        self.root = Path(root)
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"store {str(self.root)!r} is a file, not a directory: give a "
                             "directory (--store DIR or $LIQLAB_STORE; it is created if missing)")

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def partition_path(self, *, kind: str, exchange: str, symbol: str, timeframe: str) -> Path:
        """The directory of one partition (every name is validated first)."""
        check_names(kind, exchange, symbol, timeframe)
        path = (self.root / f"exchange={exchange}" / f"symbol={symbol}" / f"dataset={kind}"
                / f"timeframe={timeframe}")
        root = os.path.abspath(self.root)  # defence in depth: the names cannot escape anyway
        if os.path.commonpath([os.path.abspath(path), root]) != root:
            raise ValueError(f"partition {path} would leave the store root {self.root}")
        return path

    def write(self, df: pd.DataFrame, *, kind: str, exchange: str, symbol: str,
              timeframe: str) -> WriteReport:
        """Upsert ``df`` (a valid frame of ``kind``) into its partition; return a report.

        New rows replace stored rows with the same timestamp (liquidations: identical rows
        are kept once). Raises ValueError for invalid names, an invalid frame, attrs naming
        another exchange/symbol/timeframe/kind, bar times off the timeframe's grid, or columns
        other than the ones already stored in the partition. Returns only once the batch is
        durable on disk.
        """
        part = self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                   timeframe=timeframe)
        validate(df, kind, name=f"{exchange}/{symbol}/{kind}/{timeframe}")
        for key, want in (("exchange", exchange), ("symbol", symbol), ("timeframe", timeframe),
                          ("kind", kind)):
            got = df.attrs.get(key)
            if got is not None and got != want:
                raise ValueError(f"the frame's attrs say {key}={got!r} but you write it as "
                                 f"{key}={want!r}; fix the argument or df.attrs[{key!r}]")
        rep = WriteReport()
        if df.empty:
            return rep
        new = _canonical(df, kind)
        if kind in ALIGNED and timeframe != "raw":
            off = off_grid(new.index, timeframe)
            if off.any():
                raise ValueError(f"{kind} {timeframe}: {int(off.sum())} row(s) (first "
                                 f"{new.index[off][0]}) are not bar open times on the "
                                 f"{timeframe} grid; resample them or use the right timeframe")
        if kind == "liquidations":
            dup = new.reset_index().duplicated(keep="last").to_numpy()
            rep.duplicates_dropped = int(dup.sum())
            new = new[~dup]
        meta = json.dumps({k: v for k, v in df.attrs.items()
                           if isinstance(v, (str, int, float, bool)) and k != "kind"}).encode()
        keys = bucket_keys(new.index, timeframe)
        with partition_lock(part):
            files = data_files(part)
            if files:
                stored = _guard(files[-1], columns, files[-1])
                if stored != list(new.columns):
                    raise ValueError(f"{part} stores columns {stored}; this batch has "
                                     f"{list(new.columns)}. Write the same columns (a partition "
                                     "holds one set), or delete the partition first")
            pending: list[tuple[Path, Path]] = []
            try:
                for key in np.unique(keys):
                    chunk = new[keys == key]
                    path = part / bucket_name(int(key), timeframe)
                    merged = chunk
                    if path.exists():
                        old = _guard(path, lambda: read_table(path).to_pandas())
                        merged, replaced = _merge(old, chunk, kind)
                        rep.rows_replaced += replaced
                        rep.rows_added += len(merged) - len(old)
                    else:
                        rep.rows_added += len(chunk)
                    table = pa.Table.from_pandas(merged, preserve_index=True)
                    table = table.replace_schema_metadata(
                        {**(table.schema.metadata or {}), _META_KEY: meta})
                    pending.append((write_temp(table, path), path))
            except BaseException:
                for tmp, _ in pending:
                    tmp.unlink(missing_ok=True)
                raise
            rep.paths = commit(pending)
        rep.files_written = len(rep.paths)
        return rep

    def read(self, *, kind: str, exchange: str, symbol: str, timeframe: str,
             start: object = None, end: object = None) -> pd.DataFrame:
        """Rows with ``start <= time < end`` (str, datetime or Timestamp; naive = UTC).

        Returns a valid canonical frame with attrs exchange, symbol, timeframe, kind (plus
        the attrs stored with the data, e.g. contract_size); an empty valid frame when
        nothing is stored in that range. Takes no lock.
        """
        part = self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                   timeframe=timeframe)
        lo = None if start is None else utc(start, "start")
        hi = None if end is None else utc(end, "end")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"start {lo} is after end {hi}; the range is [start, end)")
        files = data_files(part)
        if lo is not None:
            first = bucket_name(int(bucket_keys(pd.DatetimeIndex([lo]), timeframe)[0]), timeframe)
            files = [f for f in files if f.name >= first]
        if hi is not None:
            last = bucket_name(int(bucket_keys(pd.DatetimeIndex([hi]), timeframe)[0]), timeframe)
            files = [f for f in files if f.name <= last]
        frames, attrs = [], {}
        for f in files:
            table = _guard(f, read_table, f)
            attrs = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
            frames.append(_guard(f, table.to_pandas))
        out = pd.concat(frames) if len(frames) > 1 else frames[0] if frames else empty(kind)
        out.index = out.index.as_unit("ns")
        if lo is not None:
            out = out[out.index >= lo]
        if hi is not None:
            out = out[out.index < hi]
        out.attrs = {**attrs, "exchange": exchange, "symbol": symbol, "timeframe": timeframe,
                     "kind": kind}
        return validate(out, kind, name=str(part))

    def last_time(self, *, kind: str, exchange: str, symbol: str,
                  timeframe: str) -> pd.Timestamp | None:
        """The latest stored timestamp, from the last file's Parquet footer; None if empty."""
        files = data_files(self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                               timeframe=timeframe))
        return _guard(files[-1], footer_range, files[-1])[2] if files else None

    def partitions(self) -> pd.DataFrame:
        """One row per stored partition: exchange, symbol, dataset, timeframe, rows, start,
        end (first and last timestamp), from the Parquet footers only."""
        rows = []
        for part in sorted(self.root.glob("exchange=*/symbol=*/dataset=*/timeframe=*")):
            files = data_files(part)
            if not files:
                continue
            names = [p.name.split("=", 1)[1] for p in (*reversed(part.parents[:3]), part)]
            ranges = [_guard(f, footer_range, f) for f in files]
            rows.append((*names, sum(r[0] for r in ranges), min(r[1] for r in ranges),
                         max(r[2] for r in ranges)))
        out = pd.DataFrame(rows, columns=["exchange", "symbol", "dataset", "timeframe", "rows",
                                          "start", "end"])
        for c in ("start", "end"):
            out[c] = pd.to_datetime(out[c], utc=True).dt.as_unit("ns")
        out["rows"] = out["rows"].astype("int64")
        return out
