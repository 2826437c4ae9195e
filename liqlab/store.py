"""The local store: canonical frames as Parquet files on disk, crash-safe and upsert-only.

Layout (hive-style, so pyarrow/dask/duckdb can read it directly)::

    <root>/exchange=<ex>/symbol=<SYM>/dataset=<kind>/timeframe=<tf>/<bucket>.parquet

One file per calendar **month** (``2025-10.parquet``) for timeframes under one hour and for
``raw`` (event) data, one file per calendar **year** (``2025.parquet``) for 1h and longer,
bucketed by each row's UTC timestamp. A row never moves between files, so an upsert
rewrites only the files its rows fall into.

Guarantees
----------
* **Names are validated before they become paths**: ``exchange`` matches
  ``[a-z][a-z0-9_]{0,31}``, ``symbol`` ``[A-Z0-9][A-Z0-9_-]{0,39}`` (the exchange's own
  market id, e.g. ``BTCUSDT``, ``BTC-USDT-SWAP``), ``kind`` is one of
  :data:`liqlab.schema.KINDS`, ``timeframe`` one of :data:`TIMEFRAMES`. No ``..``, ``/``,
  NUL or absolute path can get through.
* **Atomic files**: each file is written to ``.tmp-*`` in the same directory, flushed and
  fsync'ed, then ``os.replace``'d over the old one, and the directory is fsync'ed. A crash
  or SIGKILL at any moment leaves every data file either its old or its new version;
  readers ignore ``.tmp-*`` files and the next writer deletes them.
* **Several files per upsert**: all temporary files are written first, then renamed one
  by one. A crash between two renames leaves some files new and some old: each file is
  consistent, every row committed before the interrupted write is still readable (rows
  only ever stay in their own file), and part of the interrupted batch may be visible.
  When :meth:`Store.write` returns, the whole batch is durable.
* **No interleaving writers**: a writer holds an exclusive ``fcntl.flock`` on
  ``<partition>/.lock`` across read-merge-write, so concurrent upserts to one partition
  (threads or processes on one machine) never lose each other's rows. Readers take no
  lock: they only ever see whole files.

Upsert semantics: the new rows win on equal timestamps; for ``liquidations`` (whose index
may repeat) rows are de-duplicated on the full row (time and every column), as in
:func:`liqlab.schema.clean`. Timestamps are stored as ``datetime64[ns, UTC]`` and numeric
columns as float64.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqlab.schema import COLUMNS, KINDS, empty, validate

__all__ = ["Store", "WriteReport", "TIMEFRAMES"]

#: timeframes a partition may have; ``raw`` is event data (liquidations, irregular snapshots)
TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w",
              "raw")
_MONTHLY = {"1m", "3m", "5m", "15m", "30m", "raw"}
_EXCHANGE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SYMBOL_RE = re.compile(r"[A-Z0-9][A-Z0-9_\-]{0,39}")
_DATA_RE = re.compile(r"\d{4}(-\d{2})?\.parquet")
_TMP_PREFIX = ".tmp-"
_LOCK = ".lock"
_META_KEY = b"liqlab"
#: kinds whose timestamps must sit on the timeframe's grid (bar open times)
_ALIGNED = {"candles", "mark", "liq_totals"}


@dataclass
class WriteReport:
    """What :meth:`Store.write` did."""
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


def _check_names(kind: str, exchange: str, symbol: str, timeframe: str) -> None:
    """Raise ValueError unless every name is safe to become a path component."""
    if not isinstance(exchange, str) or not _EXCHANGE_RE.fullmatch(exchange):
        raise ValueError(f"invalid exchange {exchange!r}: use the lowercase ccxt exchange id, "
                         "letters/digits/underscore, e.g. 'binanceusdm', 'bybit', 'okx'")
    if not isinstance(symbol, str) or not _SYMBOL_RE.fullmatch(symbol):
        hint = ("it looks like a ccxt unified symbol; pass the exchange's market id instead "
                "(ccxt: exchange.market(sym)['id'], e.g. 'BTCUSDT' or 'BTC-USDT-SWAP')"
                if isinstance(symbol, str) and ("/" in symbol or ":" in symbol) else
                "use the exchange's market id: uppercase letters, digits, '_' or '-', "
                "at most 40 characters, e.g. 'BTCUSDT' or 'BTC-USDT-SWAP'")
        raise ValueError(f"invalid symbol {symbol!r}: {hint}")
    if kind not in KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}; expected one of {', '.join(KINDS)}")
    if timeframe not in TIMEFRAMES:
        raise ValueError(f"invalid timeframe {timeframe!r}; expected one of {', '.join(TIMEFRAMES)}")
    if kind == "liquidations" and timeframe != "raw":
        raise ValueError("liquidations are events: store them with timeframe='raw'")
    if kind in ("candles", "mark") and timeframe == "raw":
        raise ValueError(f"{kind} are bars: give their timeframe (e.g. '5m', '1h'), not 'raw'")


def _bucket_names(idx: pd.DatetimeIndex, timeframe: str) -> pd.Index:
    fmt = "%Y-%m" if timeframe in _MONTHLY else "%Y"
    return pd.Index(idx.strftime(fmt) + ".parquet")


def _utc(t: object, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(t)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what}={t!r} is not a time; give e.g. '2025-10-10' or a Timestamp") from e
    if ts is pd.NaT:
        raise ValueError(f"{what} is NaT; give a time or None")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _canonical(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Columns in schema order, numeric columns float64, index datetime64[ns, UTC]."""
    req, opt = COLUMNS[kind]
    cols = [c for c in req + opt if c in df.columns]
    out = df[cols].copy()
    for c in cols:
        if c not in ("exchange", "symbol", "side"):
            out[c] = out[c].astype("float64")
    out.index = out.index.as_unit("ns")
    return out


def _time_range(path: Path) -> tuple[int, pd.Timestamp, pd.Timestamp]:
    """(rows, first time, last time) of a data file, from its Parquet footer only."""
    pf = pq.ParquetFile(path)
    md = pf.metadata
    names = [md.schema.column(i).name for i in range(md.num_columns)]
    j = names.index("time")
    lo = min(md.row_group(i).column(j).statistics.min_raw for i in range(md.num_row_groups))
    hi = max(md.row_group(i).column(j).statistics.max_raw for i in range(md.num_row_groups))
    unit = pf.schema_arrow.field("time").type.unit
    return md.num_rows, pd.Timestamp(lo, unit=unit, tz="UTC"), pd.Timestamp(hi, unit=unit, tz="UTC")


class Store:
    """Canonical frames as Parquet under ``root`` (default ``data/``); see the module doc.

    >>> store = Store("data")                                        # doctest: +SKIP
    >>> store.write(df, kind="candles", exchange="binanceusdm", symbol="BTCUSDT",
    ...             timeframe="5m")                                  # doctest: +SKIP
    >>> store.read(kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="5m",
    ...            start="2025-10-10", end="2025-10-11")            # doctest: +SKIP
    """

    def __init__(self, root: str | os.PathLike = "data") -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def partition_path(self, *, kind: str, exchange: str, symbol: str, timeframe: str) -> Path:
        """The directory of one partition (validates every name first)."""
        _check_names(kind, exchange, symbol, timeframe)
        path = (self.root / f"exchange={exchange}" / f"symbol={symbol}" / f"dataset={kind}"
                / f"timeframe={timeframe}")
        # defence in depth: the regexes already make this impossible
        if os.path.commonpath([os.path.abspath(path), os.path.abspath(self.root)]) != \
                os.path.abspath(self.root):
            raise ValueError(f"partition {path} would leave the store root {self.root}")
        return path

    @staticmethod
    def _files(part: Path) -> list[Path]:
        if not part.is_dir():
            return []
        return sorted(p for p in part.iterdir() if _DATA_RE.fullmatch(p.name))

    @contextlib.contextmanager
    def _locked(self, part: Path) -> Iterator[None]:
        new_dirs = [d for d in [part, *part.parents] if not d.exists()]
        part.mkdir(parents=True, exist_ok=True)
        for d in reversed(new_dirs):  # make the new directory entries durable
            _fsync_dir(d.parent)
        fd = os.open(part / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            for p in part.iterdir():  # temp files of writers that died: we hold the lock
                if p.name.startswith(_TMP_PREFIX):
                    p.unlink()
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def write(self, df: pd.DataFrame, *, kind: str, exchange: str, symbol: str,
              timeframe: str) -> WriteReport:
        """Upsert ``df`` (a valid frame of ``kind``) into its partition; return a report.

        New rows replace stored rows with the same timestamp (for liquidations: identical
        rows are kept once). Raises ValueError for invalid names, an invalid frame, attrs
        that name another exchange/symbol/timeframe, bar times off the timeframe's grid, or
        columns that differ from the ones already stored.
        """
        part = self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                   timeframe=timeframe)
        validate(df, kind, name=f"{exchange}/{symbol}/{kind}/{timeframe}")
        for key, want in (("exchange", exchange), ("symbol", symbol), ("timeframe", timeframe)):
            got = df.attrs.get(key)
            if got is not None and got != want:
                raise ValueError(f"the frame's attrs say {key}={got!r} but you write it as "
                                 f"{key}={want!r}; fix the argument or df.attrs[{key!r}]")
        rep = WriteReport()
        if df.empty:
            return rep
        new = _canonical(df, kind)
        if kind in _ALIGNED and timeframe != "raw":
            grid = (new.index.floor("D") - pd.to_timedelta(new.index.day_of_week, unit="D")
                    if timeframe == "1w" else new.index.floor(pd.Timedelta(timeframe.replace("m", "min"))))
            off = new.index != grid
            if off.any():
                raise ValueError(f"{kind} {timeframe}: {int(off.sum())} row(s) (first "
                                 f"{new.index[off][0]}) are not bar open times on the {timeframe} "
                                 "grid; resample them or use the right timeframe")
        if kind == "liquidations":
            dup = new.reset_index().duplicated(keep="last").to_numpy()
            rep.duplicates_dropped = int(dup.sum())
            new = new[~dup]
        meta = json.dumps({k: v for k, v in df.attrs.items()
                           if isinstance(v, (str, int, float, bool)) and k != "kind"}).encode()
        with self._locked(part):
            files = self._files(part)
            if files:
                stored = [f.name for f in pq.read_schema(files[-1]) if f.name != "time"]
                if stored != list(new.columns):
                    raise ValueError(f"{part} stores columns {stored}; this batch has "
                                     f"{list(new.columns)}. Write the same columns to a partition")
            pending: list[tuple[Path, Path]] = []
            try:
                for name, chunk in new.groupby(_bucket_names(new.index, timeframe), sort=True):
                    path = part / name
                    merged = chunk
                    if path.exists():
                        old = pq.read_table(path).to_pandas()
                        merged, replaced = _merge(old, chunk, kind)
                        rep.rows_replaced += replaced
                        rep.rows_added += len(merged) - len(old)
                    else:
                        rep.rows_added += len(chunk)
                    tmp = part / f"{_TMP_PREFIX}{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                    table = pa.Table.from_pandas(merged, preserve_index=True)
                    table = table.replace_schema_metadata(
                        {**(table.schema.metadata or {}), _META_KEY: meta})
                    with open(tmp, "wb") as fh:
                        pq.write_table(table, fh, compression="zstd")
                        fh.flush()
                        os.fsync(fh.fileno())
                    pending.append((tmp, path))
                for tmp, path in pending:
                    os.replace(tmp, path)
                    rep.paths.append(path)
            finally:
                for tmp, _ in pending:
                    if tmp.exists():
                        tmp.unlink()
            _fsync_dir(part)
        rep.files_written = len(rep.paths)
        return rep

    def read(self, *, kind: str, exchange: str, symbol: str, timeframe: str,
             start: object = None, end: object = None) -> pd.DataFrame:
        """Rows with ``start <= time < end`` (UTC; naive bounds are taken as UTC).

        Returns a valid canonical frame with attrs exchange, symbol, timeframe, kind (plus any
        attrs stored with the data, e.g. contract_size); an empty valid frame when nothing is
        stored in that range.
        """
        part = self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                   timeframe=timeframe)
        lo = None if start is None else _utc(start, "start")
        hi = None if end is None else _utc(end, "end")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"start {lo} is after end {hi}; the range is [start, end)")
        files = self._files(part)
        if lo is not None:
            first = _bucket_names(pd.DatetimeIndex([lo]), timeframe)[0]
            files = [f for f in files if f.name >= first]
        if hi is not None:
            last = _bucket_names(pd.DatetimeIndex([hi]), timeframe)[0]
            files = [f for f in files if f.name <= last]
        frames, attrs = [], {}
        for f in files:
            table = pq.read_table(f)
            attrs = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
            frames.append(table.to_pandas())
        out = pd.concat(frames) if frames else empty(kind)
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
        files = self._files(self.partition_path(kind=kind, exchange=exchange, symbol=symbol,
                                                timeframe=timeframe))
        return _time_range(files[-1])[2].as_unit("ns") if files else None

    def partitions(self) -> pd.DataFrame:
        """One row per stored partition: exchange, symbol, dataset, timeframe, rows, start, end
        (first and last timestamp), from the Parquet footers only."""
        rows = []
        for part in sorted(self.root.glob("exchange=*/symbol=*/dataset=*/timeframe=*")):
            names = [p.name.split("=", 1)[1] for p in (part.parents[2], part.parents[1],
                                                          part.parents[0], part)]
            files = self._files(part)
            if not files:
                continue
            ranges = [_time_range(f) for f in files]
            rows.append((*names, sum(r[0] for r in ranges), min(r[1] for r in ranges),
                         max(r[2] for r in ranges)))
        cols = ["exchange", "symbol", "dataset", "timeframe", "rows", "start", "end"]
        out = pd.DataFrame(rows, columns=cols)
        for c in ("start", "end"):
            out[c] = pd.to_datetime(out[c], utc=True).dt.as_unit("ns")
        out["rows"] = out["rows"].astype("int64")
        return out


def _merge(old: pd.DataFrame, new: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, int]:
    """Stored rows plus new rows, new winning; returns (merged, rows of ``new`` that replaced
    a stored row)."""
    old.index = old.index.as_unit("ns")
    both = pd.concat([old, new])
    if kind == "liquidations":
        dup = both.reset_index().duplicated(keep="last").to_numpy()
    else:
        dup = both.index.duplicated(keep="last")
    merged = both[~dup].sort_index(kind="stable")
    return merged, int(dup.sum())
