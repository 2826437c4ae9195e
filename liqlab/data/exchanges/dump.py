"""Importer for Binance's public data dump (https://data.binance.vision): daily and monthly zips
of klines, markPriceKlines, metrics, fundingRate and the COIN-M liquidationSnapshot, from a
local folder or a list of URLs, into the store.

CSV layouts (binance-public-data; newer files have a header row, older ones none):

==================  =============================================================================
dataset             columns
==================  =============================================================================
klines,             open_time, open, high, low, close, volume, close_time, quote_volume, count,
markPriceKlines     taker_buy_volume, taker_buy_quote_volume, ignore
metrics (5m)        create_time ('YYYY-MM-DD HH:MM:SS'), symbol, sum_open_interest,
                    sum_open_interest_value (USD), count_toptrader_long_short_ratio,
                    sum_toptrader_long_short_ratio, count_long_short_ratio,
                    sum_taker_long_short_vol_ratio
fundingRate         calc_time, funding_interval_hours, last_funding_rate   (monthly files only)
liquidationSnapshot time, symbol, side, order_type, time_in_force, original_quantity, price,
(COIN-M)            average_price, order_status, last_fill_quantity, accumulated_fill_quantity
==================  =============================================================================

Timestamps are epoch milliseconds, except spot files from 2025 on, which use microseconds:
the unit is read from each value's magnitude. File names say symbol, interval and date
(``BTCUSDT-5m-2025-10-10.zip``, ``BTCUSDT-metrics-2025-10-10.zip``,
``BTCUSDT-fundingRate-2025-10.zip``, ``BTCUSD_PERP-liquidationSnapshot-2023-06-01.zip``);
klines and markPriceKlines share a name, so the dataset comes from the folder (``.../klines/...``
or ``.../markPriceKlines/...``). Every name is validated before it becomes a store path.

What goes where: klines -> ``candles`` (with quote and taker volumes), markPriceKlines ->
``mark``, metrics -> ``oi`` 5m (``oi_usd`` = sum_open_interest_value, ``oi_contracts`` =
sum_open_interest in BTC); the long/short ratios have no store kind and are returned by
:func:`read_metrics`; fundingRate -> ``funding``; liquidationSnapshot -> ``liquidations``
(side = the liquidated position: SELL closes a long; COIN-M quantities are contracts of
100 USD for BTC, 10 USD for others, converted to base units at the average price).
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from liqlab.data.schema import validate

__all__ = ["DumpFile", "parse_name", "read_zip", "read_metrics", "import_dump", "ImportReport",
           "KLINE_COLUMNS", "METRICS_COLUMNS", "FUNDING_COLUMNS", "LIQUIDATION_COLUMNS"]

log = logging.getLogger("liqlab.data.exchanges")

KLINE_COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time",
                 "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"]
METRICS_COLUMNS = ["create_time", "symbol", "sum_open_interest", "sum_open_interest_value",
                   "count_toptrader_long_short_ratio", "sum_toptrader_long_short_ratio",
                   "count_long_short_ratio", "sum_taker_long_short_vol_ratio"]
FUNDING_COLUMNS = ["calc_time", "funding_interval_hours", "last_funding_rate"]
LIQUIDATION_COLUMNS = ["time", "symbol", "side", "order_type", "time_in_force", "original_quantity",
                       "price", "average_price", "order_status", "last_fill_quantity",
                       "accumulated_fill_quantity"]
_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
_SYMBOL = r"[A-Z0-9]{2,30}(?:_[A-Z0-9]{1,12})?"
_DATE = r"\d{4}-\d{2}(?:-\d{2})?"
_NAME = re.compile(rf"^(?P<symbol>{_SYMBOL})-(?P<what>{'|'.join(_INTERVALS)}|metrics|fundingRate|"
                   rf"liquidationSnapshot)-(?P<date>{_DATE})\.(?:zip|csv)$")
#: COIN-M contract face value in USD (Binance: BTC contracts are 100 USD, others 10 USD)
COINM_FACE_USD = {"BTC": 100.0}
_MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class DumpFile:
    """What a dump file holds, from its name and folder."""
    dataset: str          # klines, markPriceKlines, metrics, fundingRate, liquidationSnapshot
    symbol: str
    interval: str | None  # for klines / markPriceKlines
    date: str             # YYYY-MM or YYYY-MM-DD

    @property
    def kind(self) -> str:
        return {"klines": "candles", "markPriceKlines": "mark", "metrics": "oi",
                "fundingRate": "funding", "liquidationSnapshot": "liquidations"}[self.dataset]


def parse_name(path: str, dataset: str | None = None) -> DumpFile:
    """Parse a dump file's path or URL. ``dataset`` overrides the folder for klines-style names
    (``klines`` or ``markPriceKlines``). Raises ValueError for names that are not dump files."""
    parts = PurePosixPath(urlsplit(str(path)).path if "://" in str(path) else Path(path).as_posix()).parts
    name = parts[-1] if parts else ""
    m = _NAME.match(name)
    if not m:
        raise ValueError(f"{name!r} is not a Binance dump file name like BTCUSDT-5m-2025-10-10.zip, "
                         "BTCUSDT-metrics-2025-10-10.zip, BTCUSDT-fundingRate-2025-10.zip or "
                         "BTCUSD_PERP-liquidationSnapshot-2023-06-01.zip")
    what = m["what"]
    if what in _INTERVALS:
        ds = dataset or ("markPriceKlines" if "markPriceKlines" in parts else
                         "klines" if "klines" in parts else None)
        if ds not in ("klines", "markPriceKlines"):
            raise ValueError(f"{name}: klines and markPriceKlines files share names; keep them under "
                             "a 'klines' or 'markPriceKlines' folder as the dump does, or pass "
                             "dataset='klines' / 'markPriceKlines'")
        return DumpFile(ds, m["symbol"], what, m["date"])
    return DumpFile(what, m["symbol"], None, m["date"])


def _time(values: pd.Series) -> pd.DatetimeIndex:
    """Epoch ms or µs (by magnitude, per value), or 'YYYY-MM-DD HH:MM:SS' text -> UTC index."""
    if values.dtype.kind in "iuf":
        v = values.to_numpy(dtype="int64")
        us = v > 10**14                      # 16-digit values are microseconds (2025+ spot files)
        ns = np.where(us, v * 1_000, v * 1_000_000)
        return pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True), name="time").as_unit("ns")
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"), name="time").as_unit("ns")


def _csv(raw: bytes, columns: list[str]) -> pd.DataFrame:
    """A dump CSV with or without its header row."""
    first = raw.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    has_header = not first[:1].isdigit()
    df = pd.read_csv(io.BytesIO(raw), header=0 if has_header else None)
    if not has_header:
        if df.shape[1] != len(columns):
            raise ValueError(f"expected {len(columns)} columns ({', '.join(columns)}), found {df.shape[1]}")
        df.columns = columns
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} missing; the file has {list(df.columns)}")
    return df


def _unzip(raw: bytes, name: str) -> bytes:
    if name.endswith(".csv"):
        return raw
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            csvs = [n for n in z.namelist() if n.endswith(".csv")]
            if len(csvs) != 1:
                raise ValueError(f"{name}: expected one CSV inside, found {csvs}")
            info = z.getinfo(csvs[0])
            if info.file_size > _MAX_BYTES:
                raise ValueError(f"{name}: {info.file_size} bytes uncompressed, more than allowed")
            return z.read(csvs[0])
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{name} is not a valid zip (truncated download?): {exc}") from exc


def _attrs(f: DumpFile, timeframe: str) -> dict:
    return {"exchange": "binance", "symbol": f.symbol, "timeframe": timeframe, "source": "binance-dump"}


def read_metrics(raw_csv: bytes, symbol: str | None = None) -> pd.DataFrame:
    """A metrics CSV -> every column (OI, OI value and the long/short ratios), time-indexed."""
    df = _csv(raw_csv, METRICS_COLUMNS)
    idx = _time(df["create_time"])
    out = df.drop(columns=["create_time"]).set_index(idx)
    return out[~out.index.duplicated(keep="last")].sort_index()


def read_zip(raw: bytes, f: DumpFile, name: str = "") -> tuple[pd.DataFrame, str]:
    """One dump file's bytes -> (canonical frame, store timeframe)."""
    data = _unzip(raw, name or f"{f.symbol}-{f.dataset}-{f.date}.zip")
    if f.dataset in ("klines", "markPriceKlines"):
        df = _csv(data, KLINE_COLUMNS)
        idx = _time(df["open_time"])
        cols = ["open", "high", "low", "close"]
        if f.dataset == "klines":
            out = pd.DataFrame({c: df[c].to_numpy(float) for c in cols + ["volume"]}, index=idx)
            out["quote_volume"] = df["quote_volume"].to_numpy(float)
            out["taker_buy_volume"] = df["taker_buy_volume"].to_numpy(float)
            out["taker_buy_quote_volume"] = df["taker_buy_quote_volume"].to_numpy(float)
            kind = "candles"
        else:
            out = pd.DataFrame({c: df[c].to_numpy(float) for c in cols}, index=idx)
            kind = "mark"
        tf = f.interval or "1m"
    elif f.dataset == "metrics":
        m = read_metrics(data)
        out = pd.DataFrame({"oi_usd": m["sum_open_interest_value"].to_numpy(float),
                            "oi_contracts": m["sum_open_interest"].to_numpy(float)}, index=m.index)
        kind, tf = "oi", "5m"
    elif f.dataset == "fundingRate":
        df = _csv(data, FUNDING_COLUMNS)
        hours = sorted(set(int(h) for h in df["funding_interval_hours"]))
        if len(hours) != 1:
            raise ValueError(f"{f.symbol} fundingRate {f.date}: several funding intervals {hours}; "
                             "split the file by interval")
        out = pd.DataFrame({"rate": df["last_funding_rate"].to_numpy(float)}, index=_time(df["calc_time"]))
        kind, tf = "funding", f"{hours[0]}h"
    else:
        df = _csv(data, LIQUIDATION_COLUMNS)
        side = df["side"].astype(str).str.upper()
        bad = ~side.isin(["BUY", "SELL"])
        if bad.any():
            raise ValueError(f"{f.symbol} liquidationSnapshot {f.date}: side must be BUY or SELL, "
                             f"found {sorted(set(side[bad]))}")
        price = df["average_price"].to_numpy(float)
        price = np.where(price > 0, price, df["price"].to_numpy(float))
        contracts = df["accumulated_fill_quantity"].to_numpy(float)
        contracts = np.where(contracts > 0, contracts, df["original_quantity"].to_numpy(float))
        base = f.symbol.split("USD")[0]
        if "_" in f.symbol:  # COIN-M: contracts of a fixed USD face value
            usd = contracts * COINM_FACE_USD.get(base, 10.0)
            qty = usd / price
        else:
            qty = contracts
            usd = qty * price
        out = pd.DataFrame({"exchange": "binance", "symbol": df["symbol"].astype(str).to_numpy(object),
                            "side": np.where(side == "SELL", "long", "short").astype(object),
                            "price": price, "qty": qty, "usd": usd}, index=_time(df["time"]))
        for c in ("exchange", "symbol", "side"):
            out[c] = out[c].astype(object)
        kind, tf = "liquidations", "raw"
    out = out.sort_index(kind="stable")
    if kind != "liquidations":
        out = out[~out.index.duplicated(keep="last")]
    out.attrs = _attrs(f, tf)
    return validate(out, kind, name=name or f.dataset), tf


@dataclass
class ImportReport:
    """What :func:`import_dump` did."""
    files: int = 0
    rows: int = 0
    rows_added: int = 0
    skipped: list[str] = field(default_factory=list)
    by_partition: dict = field(default_factory=dict)

    def __str__(self) -> str:
        s = f"{self.files} file(s), {self.rows} row(s) read, {self.rows_added} new in the store"
        for k, v in sorted(self.by_partition.items()):
            s += f"\n  {k}: {v} row(s)"
        for sk in self.skipped:
            s += f"\n  SKIPPED {sk}"
        return s


def _download(url: str, timeout: float, verify: bool) -> bytes:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{url!r}: only http(s) URLs can be downloaded")
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
        raw = resp.read(_MAX_BYTES + 1)
    if len(raw) > _MAX_BYTES:
        raise ValueError(f"{url}: larger than {_MAX_BYTES} bytes")
    if verify:
        with urllib.request.urlopen(url + ".CHECKSUM", timeout=timeout) as resp:  # noqa: S310
            want = resp.read(4096).decode().split()[0].lower()
        got = hashlib.sha256(raw).hexdigest()
        if got != want:
            raise ValueError(f"{url}: sha256 {got} does not match its .CHECKSUM {want}")
    return raw


def _sources(sources: Iterable[str | Path]) -> list[str]:
    out: list[str] = []
    for s in sources:
        s = str(s)
        if "://" in s:
            out.append(s)
            continue
        p = Path(s)
        if p.is_dir():
            out += sorted(str(q) for q in p.rglob("*") if q.suffix in (".zip", ".csv") and _NAME.match(q.name))
        elif p.is_file() and p.suffix == ".txt":   # a list of URLs or paths, one a line
            out += [ln.strip() for ln in p.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        elif p.exists():
            out.append(s)
        else:
            raise ValueError(f"{s}: no such file or folder")
    return out


def _stored_columns(store: Any, kind: str, symbol: str, tf: str) -> list[str]:
    last = store.last_time(kind=kind, exchange="binance", symbol=symbol, timeframe=tf)
    if last is None:
        return []
    return list(store.read(kind=kind, exchange="binance", symbol=symbol, timeframe=tf,
                           start=last).columns)


def import_dump(store: Any, sources: Iterable[str | Path], *, dataset: str | None = None,
                verify: bool = False, timeout: float = 60.0, strict: bool = False) -> ImportReport:
    """Import dump zips (folders searched recursively, files, URLs, or .txt lists of them) into
    ``store``. Unreadable files are listed in the report (or raise with ``strict``); every
    imported frame is validated and upserted, so importing twice adds nothing."""
    rep = ImportReport()
    for src in _sources(sources):
        try:
            f = parse_name(src, dataset)
            raw = _download(src, timeout, verify) if "://" in src else Path(src).read_bytes()
            df, tf = read_zip(raw, f, PurePosixPath(urlsplit(src).path).name if "://" in src else Path(src).name)
        except (ValueError, OSError) as exc:
            if strict:
                raise ValueError(f"{src}: {exc}") from exc
            rep.skipped.append(f"{src}: {exc}")
            log.warning("skipped %s: %s", src, exc)
            continue
        sym = f.symbol
        try:
            w = store.write(df, kind=f.kind, exchange="binance", symbol=sym, timeframe=tf)
        except ValueError as exc:
            # the partition was filled by `liqlab fetch` with fewer columns (ccxt's OHLCV has no
            # taker volumes): write the columns it has rather than refuse the file
            stored = _stored_columns(store, f.kind, sym, tf)
            if not stored or not set(stored) <= set(df.columns) or list(df.columns) == stored:
                raise
            log.info("%s: the store keeps %s for %s; extra columns dropped", src, stored, sym)
            slim = df[stored]
            slim.attrs = df.attrs
            w = store.write(slim, kind=f.kind, exchange="binance", symbol=sym, timeframe=tf)
        rep.files += 1
        rep.rows += len(df)
        rep.rows_added += w.rows_added
        key = f"binance/{sym}/{f.kind}/{tf}"
        rep.by_partition[key] = rep.by_partition.get(key, 0) + len(df)
    return rep
