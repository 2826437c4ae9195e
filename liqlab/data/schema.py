"""The canonical frames, documented once, and their validators and cleaner.

Every frame liqlab reads or writes is a :class:`pandas.DataFrame` indexed by a UTC
:class:`pandas.DatetimeIndex` named ``time``, with ``exchange`` and ``symbol`` (and, for
bar data, ``timeframe``) in ``df.attrs``. Bar timestamps are the bar's *open* time.

==============  ==========================================================================
kind            columns (all float64 unless said)
==============  ==========================================================================
candles         open, high, low, close, volume (base units, e.g. BTC);
                optional quote_volume (USD), taker_buy_volume (base), taker_buy_quote_volume
mark            open, high, low, close (mark-price candles; no volume)
oi              oi_usd (open interest in USD at that time); optional oi_contracts
                (exchange contracts; ``attrs['contract_size']`` base units each)
funding         rate (funding rate per period, a fraction: 0.0001 = 0.01 %)
liquidations    exchange (str), symbol (str), side (str, the *liquidated position*:
                'long' or 'short'), price, qty (base units), usd (notional in USD).
                The index may repeat (several liquidations in one millisecond).
liq_totals      long_usd, short_usd (liquidated notional per period, USD);
                optional count (number of liquidation orders)
==============  ==========================================================================

``validate(df, kind)`` raises :class:`ValueError` naming the offending rows and saying how
to fix them; ``clean(df, kind)`` repairs what can be repaired (sort, de-duplicate) and
reports what it changed, refusing to drop more than ``max_loss`` of the rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["KINDS", "COLUMNS", "validate", "clean", "CleanReport", "empty", "infer_kind"]

#: required and optional columns per kind of frame
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "candles": (("open", "high", "low", "close", "volume"),
                ("quote_volume", "taker_buy_volume", "taker_buy_quote_volume")),
    "mark": (("open", "high", "low", "close"), ()),
    "oi": (("oi_usd",), ("oi_contracts",)),
    "funding": (("rate",), ()),
    "liquidations": (("exchange", "symbol", "side", "price", "qty", "usd"), ()),
    "liq_totals": (("long_usd", "short_usd"), ("count",)),
}
KINDS = tuple(COLUMNS)
_TEXT = {"exchange", "symbol", "side"}
_PRICES = {"open", "high", "low", "close", "price"}
_NONNEG = {"volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume", "oi_usd",
           "oi_contracts", "qty", "usd", "long_usd", "short_usd", "count"}
#: kinds whose index must be unique (one row per timestamp)
_UNIQUE = {"candles", "mark", "oi", "funding", "liq_totals"}
_MAX_ROWS_SHOWN = 5


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    """Name the first offending rows by timestamp, and how many there are."""
    where = np.flatnonzero(mask)
    shown = ", ".join(str(index[i]) for i in where[:_MAX_ROWS_SHOWN])
    more = f" and {len(where) - _MAX_ROWS_SHOWN} more" if len(where) > _MAX_ROWS_SHOWN else ""
    return f"{len(where)} row(s) ({shown}{more})"


def _check_kind(kind: str) -> None:
    if kind not in COLUMNS:
        raise ValueError(f"unknown frame kind {kind!r}; expected one of {', '.join(KINDS)}")


def infer_kind(df: pd.DataFrame) -> str:
    """The kind whose required columns ``df`` has (the most specific match)."""
    best = None
    for kind, (req, _) in COLUMNS.items():
        if set(req) <= set(df.columns) and (best is None or len(req) > len(COLUMNS[best][0])):
            best = kind
    if best is None:
        raise ValueError(f"columns {list(df.columns)} match no liqlab frame kind; "
                         f"see liqlab.data.schema for the columns of each of {', '.join(KINDS)}")
    return best


def validate(df: pd.DataFrame, kind: str, name: str = "frame") -> pd.DataFrame:
    """Check that ``df`` is a valid frame of ``kind``; return it, its index named ``time``
    (any UTC DatetimeIndex is accepted, whatever its name: ``date``, ``timestamp``, none).

    Raises ValueError that names the offending rows and says how to fix them, for: a
    missing or non-UTC or naive time index, unsorted or duplicate timestamps, missing
    columns, unknown columns (unknown units), non-numeric columns, NaN, non-positive
    prices, high below open/close/low or low above open/close, negative volume or OI, and
    liquidation sides other than 'long'/'short'.
    """
    _check_kind(kind)
    what = f"{name} ({kind})"
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    idx = df.index
    if not isinstance(idx, pd.DatetimeIndex):
        hint = " (it has a 'time' column: use df.set_index('time'))" if "time" in df.columns else ""
        raise ValueError(f"{what}: the index must be a DatetimeIndex named 'time'{hint}; "
                         f"got {type(idx).__name__}")
    if idx.tz is None:
        raise ValueError(f"{what}: timestamps are naive (no time zone); liqlab works in UTC. "
                         "If they are UTC already, fix with df.index = df.index.tz_localize('UTC')")
    if str(idx.tz) not in ("UTC", "utc", "UTC+00:00", "Etc/UTC", "Etc/Universal", "Universal",
                           "Etc/Zulu", "Zulu", "tzutc()"):
        raise ValueError(f"{what}: timestamps are in {idx.tz}, not UTC; "
                         "fix with df.index = df.index.tz_convert('UTC')")
    if idx.hasnans:
        raise ValueError(f"{what}: {_rows(idx, np.asarray(idx.isna()))} have no timestamp (NaT); "
                         "drop them with df[df.index.notna()]")
    dupcols = sorted(set(df.columns[df.columns.duplicated()]))
    if dupcols:
        raise ValueError(f"{what}: duplicate column(s) {dupcols}; keep one of each, e.g. "
                         "df = df.loc[:, ~df.columns.duplicated()]")
    req, opt = COLUMNS[kind]
    missing = [c for c in req if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; a {kind} frame needs {list(req)}")
    unknown = [c for c in df.columns if c not in req and c not in opt]
    if unknown:
        raise ValueError(f"{what}: unknown column(s) {unknown} (unknown units); allowed: "
                         f"{list(req) + list(opt)}. Rename or drop them, e.g. df.drop(columns={unknown})")
    ts = idx.asi8
    if len(ts) > 1:
        back = np.zeros(len(ts), bool)
        back[1:] = ts[1:] < ts[:-1]
        if back.any():
            raise ValueError(f"{what}: timestamps are not sorted: {_rows(idx, back)} come before "
                             "the row above them; fix with df.sort_index() or liqlab.data.schema.clean")
        if kind in _UNIQUE:
            dup = np.zeros(len(ts), bool)
            dup[1:] = ts[1:] == ts[:-1]
            if dup.any():
                raise ValueError(f"{what}: duplicate timestamps: {_rows(idx, dup)}; keep one row "
                                 "per time with liqlab.data.schema.clean (keeps the last)")
    for col in df.columns:
        s = df[col]
        if col in _TEXT:
            bad = s.isna().to_numpy() | ~s.map(lambda v: isinstance(v, str) and v != "").to_numpy(dtype=bool)
            if bad.any():
                raise ValueError(f"{what}: column {col!r} must hold non-empty text; "
                                 f"{_rows(idx, bad)} do not")
            continue
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise ValueError(f"{what}: column {col!r} must be numeric, got {s.dtype}; "
                             f"convert with pd.to_numeric(df[{col!r}])")
        v = s.to_numpy(dtype=float)
        bad = ~np.isfinite(v)
        if bad.any():
            raise ValueError(f"{what}: column {col!r} has NaN or infinite values in "
                             f"{_rows(idx, bad)}; drop or fill those rows (df.dropna())")
        if col in _PRICES and (v <= 0).any():
            raise ValueError(f"{what}: column {col!r} has non-positive prices in "
                             f"{_rows(idx, v <= 0)}; prices must be > 0")
        if col in _NONNEG and (v < 0).any():
            raise ValueError(f"{what}: column {col!r} is negative in {_rows(idx, v < 0)}; "
                             f"{col} cannot be negative")
    if {"open", "high", "low", "close"} <= set(df.columns):
        o, h, lo, c = (df[k].to_numpy(dtype=float) for k in ("open", "high", "low", "close"))
        bad = (h < np.maximum(o, c)) | (h < lo)
        if bad.any():
            raise ValueError(f"{what}: high is below open, close or low in {_rows(idx, bad)}; "
                             "check the column order (open, high, low, close)")
        bad = lo > np.minimum(o, c)
        if bad.any():
            raise ValueError(f"{what}: low is above open or close in {_rows(idx, bad)}; "
                             "check the column order (open, high, low, close)")
    if kind == "liquidations":
        bad = ~df["side"].isin(["long", "short"]).to_numpy()
        if bad.any():
            raise ValueError(f"{what}: side must name the liquidated position, 'long' or 'short'; "
                             f"{_rows(idx, bad)} have {sorted(set(df['side'][bad].astype(str)))}. "
                             "A SELL liquidation order closes a long.")
    return df if idx.name == "time" else df.rename_axis("time")


@dataclass
class CleanReport:
    """What :func:`clean` changed."""
    rows_in: int
    rows_out: int
    sorted: bool = False
    duplicates_dropped: int = 0
    dropped_times: list = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.rows_in - self.rows_out

    def __str__(self) -> str:
        parts = [f"{self.rows_in} rows in, {self.rows_out} out"]
        if self.sorted:
            parts.append("sorted by time")
        if self.duplicates_dropped:
            parts.append(f"dropped {self.duplicates_dropped} duplicate row(s), keeping the last of each")
        return "; ".join(parts)


def clean(df: pd.DataFrame, kind: str, max_loss: float = 0.01, name: str = "frame"
          ) -> tuple[pd.DataFrame, CleanReport]:
    """Repair what can be repaired: sort by time, drop duplicate timestamps (keeping the last
    row of each, as an upsert would), then :func:`validate`.

    Refuses (ValueError) to drop more than ``max_loss`` (a share, 0..1) of the rows, so that
    a broken input cannot silently shrink. Returns the cleaned frame and a report.
    """
    _check_kind(kind)
    if not 0 <= max_loss <= 1:
        raise ValueError(f"max_loss must be a share between 0 and 1, got {max_loss}")
    rep = CleanReport(rows_in=len(df), rows_out=len(df))
    out = df
    if isinstance(out.index, pd.DatetimeIndex) and not out.index.is_monotonic_increasing:
        out = out.sort_index(kind="stable")
        rep.sorted = True
    if isinstance(out.index, pd.DatetimeIndex):
        if kind in _UNIQUE:
            dup = out.index.duplicated(keep="last")
        else:
            dup = out.reset_index().duplicated(keep="last").to_numpy()
        if dup.any():
            rep.dropped_times = list(out.index[dup][:_MAX_ROWS_SHOWN])
            out = out[~dup]
            rep.duplicates_dropped = int(dup.sum())
    rep.rows_out = len(out)
    if rep.rows_in and rep.dropped / rep.rows_in > max_loss:
        raise ValueError(f"{name} ({kind}): cleaning would drop {rep.dropped} of {rep.rows_in} rows "
                         f"({rep.dropped / rep.rows_in:.1%}), more than max_loss={max_loss:.1%}; "
                         "inspect the input, or raise max_loss if that is expected")
    out.attrs = dict(df.attrs)
    validate(out, kind, name)
    return out, rep


def empty(kind: str) -> pd.DataFrame:
    """An empty, valid frame of ``kind``."""
    _check_kind(kind)
    req, _ = COLUMNS[kind]
    cols = {c: pd.Series(dtype=object if c in _TEXT else float) for c in req}
    return pd.DataFrame(cols, index=pd.DatetimeIndex([], tz="UTC", name="time"))
