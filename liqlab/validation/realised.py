"""Realised liquidations from outside the kit: read them, store them with provenance, and
find the candles and open interest to score them against.

Two file forms (gzipped or not; detected by content, not by name):

* **per event, Tardis style**: ``exchange,symbol,timestamp,local_timestamp,id,side,price,amount``
  with timestamps in microseconds since the epoch and ``side`` the side of the liquidation
  *order*: ``sell`` closes a long (a long was liquidated), ``buy`` a short. ``amount`` is in
  base units (BTC), except on OKX where it counts contracts (0.01 BTC for BTC-USDT-SWAP;
  :data:`CONTRACT_SIZES`, or ``contract_size=``). Tardis exchange names map to the
  kit's (``binance-futures`` -> ``binance``, ``okex-swap`` -> ``okx``, ...).
* **period totals**, the form aggregator exports take: a time column and long / short
  liquidated USD per period; column names are given (``time_col``, ``long_col``,
  ``short_col``, optional ``count_col``), times as ISO text or epoch numbers.

:func:`import_liquidations` writes them into the store's ``liquidations`` (timeframe
``raw``) and ``liq_totals`` datasets and appends one line per file and partition to
``<store>/_imports/liquidations.jsonl``: the file, its SHA-256, the format, rows, span, USD
per side and a coverage note (:func:`coverage_note`: what the venue's source is known to
miss). :func:`find_inputs` picks the candles, open interest and funding stored for a
venue and span, and says which it used.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from liqlab.data import schema

__all__ = ["TARDIS_COLUMNS", "TARDIS_EXCHANGES", "CONTRACT_SIZES", "read_tardis", "read_totals",
           "detect_format", "coverage_note", "import_liquidations", "ImportReport", "imports",
           "find_inputs", "LEDGER"]

TARDIS_COLUMNS = ("exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price",
                  "amount")
#: Tardis exchange id -> the kit's exchange name (the store's ``exchange=``)
TARDIS_EXCHANGES = {"binance-futures": "binance", "binance-delivery": "binance",
                    "binance": "binance", "bybit": "bybit", "okex-swap": "okx",
                    "okex-futures": "okx", "okx-swap": "okx", "okx": "okx",
                    "hyperliquid": "hyperliquid", "deribit": "deribit", "bitmex": "bitmex"}
#: (exchange, symbol) -> base units per contract, where ``amount`` counts contracts
CONTRACT_SIZES = {("okx", "BTC-USDT-SWAP"): 0.01, ("okx", "ETH-USDT-SWAP"): 0.1,
                  ("okx", "BTC-USDC-SWAP"): 0.0001}
#: the provenance ledger, relative to the store root
LEDGER = Path("_imports") / "liquidations.jsonl"
#: Bybit's allLiquidation stream reports every liquidation from this day on
BYBIT_COMPLETE_FROM = pd.Timestamp("2025-02-25", tz="UTC")


def _open_text(path: Path) -> io.TextIOBase:
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        with _open_text(path) as fh:
            return pd.read_csv(fh, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError) as exc:
        raise ValueError(f"{path}: cannot read it as (gzipped) CSV text: {exc}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: not a well-formed CSV: {exc}") from None


def _header(path: Path) -> list[str]:
    with _open_text(path) as fh:
        try:
            line = fh.readline()
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError) as exc:
            raise ValueError(f"{path}: cannot read it as (gzipped) CSV text: {exc}") from None
    return [c.strip() for c in line.strip().split(",")]


def detect_format(path) -> str:
    """'tardis' when the header holds the Tardis liquidation columns, else 'totals'."""
    cols = set(_header(Path(path)))
    return "tardis" if {"timestamp", "side", "price", "amount"} <= cols else "totals"


def _bad_rows(name: str, path: Path, mask: np.ndarray, values, fix: str) -> ValueError:
    where = np.flatnonzero(mask)
    shown = ", ".join(f"line {i + 2} ({values[i]!r})" for i in where[:5])
    more = f" and {len(where) - 5} more" if len(where) > 5 else ""
    return ValueError(f"{path}: {len(where)} row(s) with a bad {name}: {shown}{more}; {fix}")


def _numbers(raw: pd.Series, name: str, path: Path, fix: str) -> np.ndarray:
    v = pd.to_numeric(raw.str.strip(), errors="coerce").to_numpy(float)
    bad = ~np.isfinite(v)
    if bad.any():
        raise _bad_rows(name, path, bad, raw.to_numpy(), fix)
    return v


def _kit_exchange(name: str) -> str:
    n = name.strip().lower()
    return TARDIS_EXCHANGES.get(n, n.replace("-", "_"))


def _contract_size(e: str, s: str, override, path) -> float:
    if override is not None:
        if not float(override) > 0:
            raise ValueError(f"contract size must be positive, got {override!r}")
        return float(override)
    if (e, s) in CONTRACT_SIZES:
        return CONTRACT_SIZES[(e, s)]
    if e == "okx":
        raise ValueError(f"{path}: OKX amounts count contracts and liqlab does not know the "
                         f"contract size of {s}; pass --contract-size (base units per contract)")
    if s.endswith("USD") or s.endswith("USD_PERP") or s.endswith("-USD-SWAP"):
        raise ValueError(f"{path}: {e} {s} looks like an inverse (coin-margined) market whose "
                         "amounts count USD contracts; liqlab imports linear markets (amount "
                         "in base units); pass --contract-size if the amounts are base units x k")
    return 1.0


def read_tardis(path, *, contract_size: float | None = None) -> pd.DataFrame:
    """A Tardis-style per-event liquidation CSV (gzipped or not) -> a canonical
    ``liquidations`` frame (sides are the liquidated position: ``sell`` -> long). Every row
    must parse; a ValueError names the lines that do not. ``contract_size`` overrides
    :data:`CONTRACT_SIZES` (base units per ``amount`` unit) for every row."""
    path = Path(path)
    df = _read_csv(path)
    missing = [c for c in TARDIS_COLUMNS if c not in df.columns and c not in ("local_timestamp", "id")]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; a Tardis liquidation CSV has "
                         f"{','.join(TARDIS_COLUMNS)}")
    if df.empty:
        raise ValueError(f"{path}: no rows")
    ts = _numbers(df["timestamp"], "timestamp", path, "timestamps are microseconds since 1970")
    if (ts < 1e14).any() or (ts > 1e17).any():
        raise _bad_rows("timestamp", path, (ts < 1e14) | (ts > 1e17), df["timestamp"].to_numpy(),
                        "Tardis timestamps are microseconds since 1970 (16 digits)")
    side_raw = df["side"].str.strip().str.lower()
    bad = ~side_raw.isin(["buy", "sell"]).to_numpy()
    if bad.any():
        raise _bad_rows("side", path, bad, df["side"].to_numpy(),
                        "side is the liquidation order's side, 'buy' or 'sell'")
    price = _numbers(df["price"], "price", path, "prices are positive numbers")
    amount = _numbers(df["amount"], "amount", path, "amounts are positive numbers")
    for name, v, raw in (("price", price, df["price"]), ("amount", amount, df["amount"])):
        if (v <= 0).any():
            raise _bad_rows(name, path, v <= 0, raw.to_numpy(), f"{name}s must be positive")
    ex = df["exchange"].map(_kit_exchange)
    sym = df["symbol"].str.strip().str.upper()
    size = np.ones(len(df))
    for (e, s), idx in pd.DataFrame({"e": ex, "s": sym}).groupby(["e", "s"]).groups.items():
        size[np.asarray(df.index.get_indexer(idx))] = _contract_size(e, s, contract_size, path)
    qty = amount * size
    out = pd.DataFrame({"exchange": ex.to_numpy(object), "symbol": sym.to_numpy(object),
                        "side": np.where(side_raw == "sell", "long", "short").astype(object),
                        "price": price, "qty": qty, "usd": price * qty},
                       index=pd.DatetimeIndex(pd.to_datetime(ts.astype("int64"), unit="us", utc=True),
                                              name="time").as_unit("ns"))
    out = out.sort_index(kind="stable")
    out.attrs = {"kind": "liquidations", "timeframe": "raw", "source": path.name,
                 "format": "tardis"}
    return schema.validate(out, "liquidations", str(path))


_TF = {pd.Timedelta(k): v for k, v in (("1min", "1m"), ("3min", "3m"), ("5min", "5m"),
                                        ("15min", "15m"), ("30min", "30m"), ("1h", "1h"),
                                        ("2h", "2h"), ("4h", "4h"), ("6h", "6h"), ("8h", "8h"),
                                        ("12h", "12h"), ("1D", "1d"), ("7D", "1w"))}


def _times(raw: pd.Series, path: Path, unit: str | None) -> pd.DatetimeIndex:
    s = raw.str.strip()
    num = pd.to_numeric(s, errors="coerce")
    if unit is None and num.notna().all():
        m = float(np.nanmax(np.abs(num.to_numpy(float)))) if len(num) else 0.0
        unit = "s" if m < 1e11 else "ms" if m < 1e14 else "us" if m < 1e17 else "ns"
    if unit and unit != "iso":
        if num.isna().any():
            raise _bad_rows("time", path, num.isna().to_numpy(), raw.to_numpy(),
                            f"times are numbers in {unit} since 1970")
        t = pd.to_datetime(num.to_numpy("int64"), unit=unit, utc=True)
    else:
        t = pd.to_datetime(s, utc=True, errors="coerce", format="ISO8601")
        if t.isna().any():
            raise _bad_rows("time", path, t.isna().to_numpy(), raw.to_numpy(),
                            "give ISO times (2025-12-07 or 2025-12-07T00:00:00Z) or epoch numbers")
    return pd.DatetimeIndex(t, name="time").as_unit("ns")


def read_totals(path, *, time_col: str = "time", long_col: str = "long_usd",
                short_col: str = "short_usd", count_col: str | None = None,
                time_unit: str | None = None, timeframe: str | None = None) -> pd.DataFrame:
    """A period-totals CSV (gzipped or not) -> a canonical ``liq_totals`` frame. Columns are
    named by the arguments; times are period starts (ISO text or epoch numbers; the unit
    is inferred from their size unless ``time_unit`` is 's', 'ms', 'us', 'ns' or 'iso').
    ``timeframe`` (e.g. '1h', '1d') is inferred from the smallest step when not given;
    every time must be a period start on that grid."""
    path = Path(path)
    df = _read_csv(path)
    need = [time_col, long_col, short_col] + ([count_col] if count_col else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: no column(s) {missing}; its columns are {list(df.columns)}. "
                         "Name yours with --time-col, --long-col, --short-col (--count-col)")
    if df.empty:
        raise ValueError(f"{path}: no rows")
    idx = _times(df[time_col], path, time_unit)
    out = pd.DataFrame({"long_usd": _numbers(df[long_col], long_col, path, "give USD numbers"),
                        "short_usd": _numbers(df[short_col], short_col, path, "give USD numbers")},
                       index=idx)
    if count_col:
        out["count"] = _numbers(df[count_col], count_col, path, "give counts")
    for c in out.columns:
        if (out[c] < 0).any():
            raise _bad_rows(c, path, (out[c] < 0).to_numpy(), df[c if c != "count" else count_col].to_numpy()
                            if c in df.columns else out[c].to_numpy(), "totals cannot be negative")
    dup = out.index.duplicated()
    if dup.any():
        raise _bad_rows("time (repeated)", path, dup, df[time_col].to_numpy(),
                        "each period appears once in a totals file")
    out = out.sort_index()
    if timeframe is None:
        steps = np.diff(out.index.asi8)
        if not len(steps):
            raise ValueError(f"{path}: one row; pass --timeframe (e.g. 1d) to say its period")
        step = pd.Timedelta(int(steps.min()), "ns")
        if step not in _TF:
            raise ValueError(f"{path}: the smallest step between rows is {step}, not a timeframe "
                             f"liqlab stores ({', '.join(_TF.values())}); pass --timeframe")
        timeframe = _TF[step]
    out.attrs = {"kind": "liq_totals", "timeframe": timeframe, "source": path.name,
                 "format": "totals"}
    return schema.validate(out, "liq_totals", str(path))


def coverage_note(exchange: str, start, end) -> str:
    """What the venue's liquidation source is known to miss, for a span of data."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if exchange == "binance":
        return ("Binance's liquidation stream (forceOrder) sends at most one liquidation per "
                "symbol per second, so these totals are a lower bound of what was liquidated.")
    if exchange == "bybit":
        if start >= BYBIT_COMPLETE_FROM:
            return "Bybit's allLiquidation stream reports every liquidation since 2025-02-25: complete."
        return ("Bybit's allLiquidation stream is complete only since 2025-02-25; rows before "
                f"that ({start:%Y-%m-%d} ..) came from a sampled stream and are a lower bound.")
    if exchange == "okx":
        return ("OKX liquidation sizes are contracts (0.01 BTC each for BTC-USDT-SWAP), "
                "converted to base units before pricing.")
    return f"liqlab knows nothing about the completeness of {exchange}'s liquidation source."


@dataclass
class ImportReport:
    """What :func:`import_liquidations` did: one ledger entry per (file, partition)."""
    entries: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        lines = []
        for e in self.entries:
            lines.append(f"{e['file']}: {e['rows']} {e['kind']} row(s) -> {e['exchange']}/"
                         f"{e['symbol']}/{e['timeframe']}, {e['start']} .. {e['end']}; long "
                         f"{e['long_usd']:,.0f} USD, short {e['short_usd']:,.0f} USD "
                         f"({e['rows_added']} new). {e['note']}")
        return "\n".join(lines) or "nothing imported"


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _append_ledger(root: Path, entries: list[dict]) -> None:
    path = root / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def imports(store) -> pd.DataFrame:
    """The provenance ledger of a store: one row per imported (file, partition)."""
    path = Path(store.root) / LEDGER
    if not path.is_file():
        return pd.DataFrame(columns=["file", "sha256", "format", "kind", "exchange", "symbol",
                                     "timeframe", "rows", "start", "end", "note"])
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = pd.DataFrame(rows)
    for c in ("start", "end"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def import_liquidations(store, paths, *, fmt: str = "auto", contract_size: float | None = None,
                        exchange: str | None = None, symbol: str | None = None,
                        totals_columns: dict | None = None, timeframe: str | None = None,
                        time_unit: str | None = None) -> ImportReport:
    """Read every file in ``paths`` (``fmt``: 'auto', 'tardis' or 'totals') and upsert it
    into ``store``; record each in the ledger. Totals files need ``exchange`` and
    ``symbol`` (the store's names, e.g. 'hyperliquid', 'BTC'); ``totals_columns`` maps
    ``time_col`` / ``long_col`` / ``short_col`` / ``count_col`` to the file's names.
    All files are read and checked before anything is written."""
    if fmt not in ("auto", "tardis", "totals"):
        raise ValueError(f"format must be auto, tardis or totals, got {fmt!r}")
    frames = []
    for p in map(Path, paths):
        f = detect_format(p) if fmt == "auto" else fmt
        if f == "tardis":
            df = read_tardis(p, contract_size=contract_size)
            for (ex, sym), part in df.groupby(["exchange", "symbol"], sort=True):
                part = part.copy()
                part.attrs = {**df.attrs, "exchange": ex, "symbol": sym}
                frames.append((p, "tardis", "liquidations", ex, sym, "raw", part))
        else:
            if not exchange or not symbol:
                raise ValueError(f"{p}: a totals file says neither venue nor market; pass "
                                 "--exchange and --symbol (e.g. --exchange hyperliquid --symbol BTC)")
            df = read_totals(p, timeframe=timeframe, time_unit=time_unit, **(totals_columns or {}))
            df.attrs.update(exchange=exchange, symbol=symbol)
            frames.append((p, "totals", "liq_totals", exchange, symbol, df.attrs["timeframe"], df))
    rep = ImportReport()
    for p, f, kind, ex, sym, tf, df in frames:
        store.partition_path(kind=kind, exchange=ex, symbol=sym, timeframe=tf)  # names checked
    for p, f, kind, ex, sym, tf, df in frames:
        note = coverage_note(ex, df.index[0], df.index[-1])
        df.attrs.update(provenance=f"{p.name} ({f}), imported by liqlab import-liquidations",
                        coverage_note=note)
        w = store.write(df, kind=kind, exchange=ex, symbol=sym, timeframe=tf)
        if kind == "liquidations":
            lu = float(df["usd"][df["side"] == "long"].sum())
            su = float(df["usd"][df["side"] == "short"].sum())
        else:
            lu, su = float(df["long_usd"].sum()), float(df["short_usd"].sum())
        entry = {"imported_at": pd.Timestamp.now(tz="UTC").isoformat(), "file": str(p),
                 "sha256": _sha256(p), "format": f, "kind": kind, "exchange": ex, "symbol": sym,
                 "timeframe": tf, "rows": len(df), "rows_added": int(w.rows_added),
                 "start": df.index[0].isoformat(), "end": df.index[-1].isoformat(),
                 "long_usd": lu, "short_usd": su, "note": note}
        if kind == "liquidations":
            entry["contract_size"] = _contract_size(ex, sym, contract_size, p)
        _append_ledger(Path(store.root), [entry])
        rep.entries.append(entry)
    return rep


def find_inputs(store, exchange: str, symbol: str, start, end, *, freq: str = "1h",
                warmup: str = "14D", candles_from: tuple[str, str] | None = None,
                oi_from: tuple[str, str] | None = None) -> dict:
    """The candles, open interest and funding stored for a venue and span, for scoring
    realised liquidations of ``exchange``/``symbol`` over [start, end): the finest candle
    timeframe no coarser than ``freq`` that covers the span (with up to ``warmup`` before
    it), the venue's open interest and funding over the same stretch (None when there are
    none). ``candles_from`` / ``oi_from`` = (exchange, symbol) take them from another
    venue (a proxy, reported as such). Returns the frames and ``used``, a list of plain
    sentences."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    parts = store.partitions()
    cex, csym = candles_from or (exchange, symbol)
    c = parts[(parts["dataset"] == "candles") & (parts["exchange"] == cex) & (parts["symbol"] == csym)]
    steps = np.array([_tf_delta(t) for t in c["timeframe"]], dtype=object)
    ok = np.array([st <= pd.Timedelta(freq) and a <= start and b + st >= end
                   for st, a, b in zip(steps, c["start"], c["end"])], dtype=bool)
    c = c[ok]
    if c.empty:
        have = parts[parts["dataset"] == "candles"][["exchange", "symbol", "timeframe", "start", "end"]]
        raise ValueError(f"the store {store.root} has no {cex} {csym} candles of {freq} or finer "
                         f"covering {start} .. {end}; fetch them (liqlab fetch --exchange {cex} "
                         f"--symbol {csym} ...) or name another venue's with --candles-from. "
                         f"Stored candles: {have.to_dict('records') or 'none'}")
    c = c.assign(step=[_tf_delta(t) for t in c["timeframe"]]).sort_values("step", ascending=False)
    tf = c.iloc[0]["timeframe"]
    w0 = max(start - pd.Timedelta(warmup), c.iloc[0]["start"])
    candles = store.read(kind="candles", exchange=cex, symbol=csym, timeframe=tf, start=w0, end=end)
    used = [f"candles: {cex} {csym} {tf}, {candles.index[0]} .. {candles.index[-1]} "
            f"({len(candles)} rows; warm-up {start - candles.index[0]} before the realised span)"
            + (" (a proxy for the realised venue's own)" if candles_from else "")]
    oex, osym = oi_from or (exchange, symbol)
    o = parts[(parts["dataset"] == "oi") & (parts["exchange"] == oex) & (parts["symbol"] == osym)]
    oi = None
    if not o.empty:
        o = o.assign(step=[_tf_delta(t) for t in o["timeframe"]]).sort_values("step")
        oi = store.read(kind="oi", exchange=oex, symbol=osym, timeframe=o.iloc[0]["timeframe"],
                        start=w0 - pd.Timedelta("1D"), end=end)
    if oi is not None and len(oi):
        used.append(f"open interest: {oex} {osym} {o.iloc[0]['timeframe']}, {oi.index[0]} .. "
                    f"{oi.index[-1]} ({len(oi)} rows)" + (" (a proxy)" if oi_from else ""))
    else:
        oi = None
        used.append(f"open interest: none stored for {oex} {osym}: volume-only inflow, and no "
                    "range x OI baseline")
    f = parts[(parts["dataset"] == "funding") & (parts["exchange"] == exchange) & (parts["symbol"] == symbol)]
    funding = None
    if not f.empty:
        funding = store.read(kind="funding", exchange=exchange, symbol=symbol,
                             timeframe=f.iloc[0]["timeframe"], start=w0 - pd.Timedelta("2D"), end=end)
        funding = funding if len(funding) else None
    return {"candles": candles, "oi": oi, "funding": funding, "used": used}


def _tf_delta(tf: str) -> pd.Timedelta:
    inv = {v: k for k, v in _TF.items()}
    if tf not in inv:
        return pd.Timedelta.max
    return inv[tf]
