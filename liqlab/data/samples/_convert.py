"""Pure conversions from the shared data set's CSV layouts to liqlab's canonical frames.

Each reader takes the raw table (as :func:`pandas.read_csv` returns it) and a
:class:`~liqlab.data.samples._registry.Sample`, slices it by the sample's rule, converts units and
sides, repairs what :func:`liqlab.data.schema.clean` can repair, and returns the frame and the clean
report. No I/O here: ``scripts/build_sample.py`` reads the files and writes the Parquet.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from liqlab.data import schema
from liqlab.data.samples._registry import Sample

__all__ = ["READERS", "convert", "parse_time", "OKX_CONTRACT_BTC"]

#: one OKX BTC-USDT-SWAP contract, in BTC
OKX_CONTRACT_BTC = 0.01
_CANDLE_COLS = ("open", "high", "low", "close", "volume")
#: what every reader returns: the frame and the clean report
_Out = tuple[pd.DataFrame, schema.CleanReport]


def parse_time(col: pd.Series, what: str) -> pd.DatetimeIndex:
    """UTC timestamps from ISO text ('2025-01-01T00:00:00Z' or '... +00:00'); ValueError if any
    is missing, unparseable or not UTC."""
    try:
        t = pd.to_datetime(col, format="ISO8601", utc=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: cannot parse timestamps ({exc}); expected ISO 8601 UTC") from exc
    if t.isna().any():
        raise ValueError(f"{what}: {int(t.isna().sum())} row(s) have no timestamp")
    return pd.DatetimeIndex(t, name="time").as_unit("ns")


def _need(raw: pd.DataFrame, cols: tuple[str, ...], what: str) -> None:
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise ValueError(f"{what}: source lacks column(s) {missing}; it has {list(raw.columns)}")


def _venue(raw: pd.DataFrame, s: Sample) -> pd.DataFrame:
    if s.venue is None:
        return raw
    _need(raw, ("venue",), s.name)
    out = raw[raw["venue"] == s.venue]
    if out.empty:
        raise ValueError(f"{s.name}: no rows for venue {s.venue!r}; the source has "
                         f"{sorted(raw['venue'].unique())}")
    return out


def _frame(index: pd.DatetimeIndex, cols: dict[str, np.ndarray | pd.Series]) -> pd.DataFrame:
    """Numeric columns as float64 on ``index``; ValueError if a value is not a number."""
    data = {}
    for k, v in cols.items():
        try:
            data[k] = np.asarray(v, dtype=float)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"column {k!r} holds values that are not numbers ({exc})") from exc
    return pd.DataFrame(data, index=index)


def _slice_clean(df: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """Clean (sort, de-duplicate) first, then cut start <= time < end."""
    df.attrs = {"exchange": s.exchange, "symbol": s.symbol, "timeframe": s.timeframe}
    out, rep = schema.clean(df, s.kind, max_loss=max_loss, name=s.name)
    if s.start or s.end:
        lo = pd.Timestamp(s.start, tz="UTC") if s.start else out.index[0]
        hi = pd.Timestamp(s.end, tz="UTC") if s.end else out.index[-1] + pd.Timedelta(1, "ns")
        attrs = out.attrs
        out = out[(out.index >= lo) & (out.index < hi)]
        out.attrs = attrs
    if out.empty:
        raise ValueError(f"{s.name}: the slice {s.slice_rule} of {s.source} is empty")
    return out, rep


def candles_csv(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``date,open,high,low,close,volume`` (volume in BTC) -> candles."""
    _need(raw, ("date",) + _CANDLE_COLS, s.name)
    df = _frame(parse_time(raw["date"], s.name), {c: raw[c] for c in _CANDLE_COLS})
    return _slice_clean(df, s, max_loss)


def mark_csv(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``date,open,high,low,close`` (mark price) -> mark."""
    cols = ("open", "high", "low", "close")
    _need(raw, ("date",) + cols, s.name)
    df = _frame(parse_time(raw["date"], s.name), {c: raw[c] for c in cols})
    return _slice_clean(df, s, max_loss)


def candles_multivenue(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``timestamp,venue,o,h,l,c,v`` -> candles of one venue; volume times
    ``extra_attrs['volume_factor']`` (OKX: contracts of 0.01 BTC -> BTC)."""
    _need(raw, ("timestamp", "venue", "o", "h", "l", "c", "v"), s.name)
    r = _venue(raw, s)
    f = float(s.extra_attrs.get("volume_factor", 1.0))
    df = _frame(parse_time(r["timestamp"], s.name),
                {"open": r["o"], "high": r["h"], "low": r["l"], "close": r["c"],
                 "volume": r["v"].to_numpy(dtype=float) * f})
    return _slice_clean(df, s, max_loss)


def _funding_times(t: pd.DatetimeIndex, what: str) -> pd.DatetimeIndex:
    """Round recorded funding times to the minute, refusing jitter of 5 s or more."""
    r = t.round("min")
    off = np.abs((t - r).total_seconds().to_numpy())
    if len(off) and off.max() >= 5:
        raise ValueError(f"{what}: funding times are up to {off.max():.1f} s off the minute; "
                         "expected recorder jitter under 5 s")
    return pd.DatetimeIndex(r, name="time")


def funding_csv(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``date,funding_rate`` -> funding (rate per period)."""
    _need(raw, ("date", "funding_rate"), s.name)
    t = _funding_times(parse_time(raw["date"], s.name), s.name)
    return _slice_clean(_frame(t, {"rate": raw["funding_rate"]}), s, max_loss)


def funding_multivenue(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``timestamp,venue,funding_rate`` -> funding of one venue."""
    _need(raw, ("timestamp", "venue", "funding_rate"), s.name)
    r = _venue(raw, s)
    t = _funding_times(parse_time(r["timestamp"], s.name), s.name)
    return _slice_clean(_frame(t, {"rate": r["funding_rate"]}), s, max_loss)


def oi_multivenue(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``timestamp,venue,oi_usd`` -> oi of one venue."""
    _need(raw, ("timestamp", "venue", "oi_usd"), s.name)
    r = _venue(raw, s)
    df = _frame(parse_time(r["timestamp"], s.name), {"oi_usd": r["oi_usd"]})
    return _slice_clean(df, s, max_loss)


def _liquidations(t: pd.DatetimeIndex, s: Sample, side: np.ndarray, price: np.ndarray,
                  qty: np.ndarray, max_loss: float) -> _Out:
    n = len(t)
    df = pd.DataFrame({"exchange": np.full(n, s.exchange, dtype=object),
                       "symbol": np.full(n, s.symbol, dtype=object),
                       "side": side.astype(object),
                       "price": price, "qty": qty, "usd": qty * price}, index=t)
    # identical rows (same time, side, price, size) are the same fill recorded twice
    return _slice_clean(df, s, max_loss)


def liquidations_okx(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """OKX rows of ``timestamp,venue,side,size_usd,price``: side is the liquidation ORDER's side
    (``sell`` closes a long -> 'long'); ``size_usd`` is contracts x price, so
    qty = size_usd / price * 0.01 BTC."""
    _need(raw, ("timestamp", "venue", "side", "size_usd", "price"), s.name)
    r = _venue(raw, s)
    sides = {"sell": "long", "buy": "short"}
    bad = ~r["side"].isin(list(sides))
    if bad.any():
        raise ValueError(f"{s.name}: OKX side must be 'buy' or 'sell'; found "
                         f"{sorted(set(r['side'][bad].astype(str)))}")
    price = r["price"].to_numpy(dtype=float)
    contracts = r["size_usd"].to_numpy(dtype=float) / price
    qty = np.round(contracts, 2) * OKX_CONTRACT_BTC
    side = r["side"].map(sides).to_numpy()
    return _liquidations(parse_time(r["timestamp"], s.name), s, side, price, qty, max_loss)


def liquidations_hyperliquid(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """Hyperliquid rows: side ``S`` = liquidated SHORT (see the sample's evidence);
    qty = size_usd / price (BTC)."""
    _need(raw, ("timestamp", "venue", "side", "size_usd", "price"), s.name)
    r = _venue(raw, s)
    bad = r["side"] != "S"
    if bad.any():
        raise ValueError(f"{s.name}: expected Hyperliquid side 'S' only (whose meaning was "
                         f"checked against prices); found {sorted(set(r['side'][bad].astype(str)))}."
                         " Check the new side against price moves before mapping it")
    price = r["price"].to_numpy(dtype=float)
    qty = r["size_usd"].to_numpy(dtype=float) / price
    side = np.full(len(r), "short", dtype=object)
    return _liquidations(parse_time(r["timestamp"], s.name), s, side, price, qty, max_loss)


def liq_totals_daily(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """``timestamp,total_usd,long_usd,short_usd,liq_count`` -> liq_totals (total_usd dropped)."""
    _need(raw, ("timestamp", "long_usd", "short_usd", "liq_count"), s.name)
    df = _frame(parse_time(raw["timestamp"], s.name),
                {"long_usd": raw["long_usd"], "short_usd": raw["short_usd"],
                 "count": raw["liq_count"]})
    return _slice_clean(df, s, max_loss)


READERS: dict[str, Callable[..., _Out]] = {
    f.__name__: f for f in (candles_csv, mark_csv, candles_multivenue, funding_csv,
                            funding_multivenue, oi_multivenue, liquidations_okx,
                            liquidations_hyperliquid, liq_totals_daily)}


def convert(raw: pd.DataFrame, s: Sample, max_loss: float = 0.01) -> _Out:
    """The canonical, validated frame of sample ``s`` from its source table ``raw``; cleaning
    may drop at most ``max_loss`` (a share) of the rows (see :func:`liqlab.data.schema.clean`)."""
    if s.reader not in READERS:
        raise ValueError(f"{s.name}: unknown reader {s.reader!r}; expected one of {sorted(READERS)}")
    df, rep = READERS[s.reader](raw, s, max_loss=max_loss)
    schema.validate(df, s.kind, s.name)
    return df, rep
