"""Time, once: UTC coercion, nanoseconds, timeframes and bar sizes.

Every module that turns a user's time, a timeframe string or a candle index into numbers calls
these, so the edge cases (naive = UTC, ``'5m'`` = 5 minutes not 5 months, pandas 3 indexes
stored in s/ms/us) are decided in one place.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["utc", "ns", "timeframe", "bar_size"]

#: timeframe units as exchanges and ccxt write them ('1m' minute, '1M' month is not a bar here)
_UNITS = {"s": "s", "m": "min", "h": "h", "d": "D", "w": "W"}
_TF = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def utc(t: Any, what: str = "time") -> pd.Timestamp:
    """``t`` as a UTC Timestamp; a naive time is taken as UTC. A value that is not a time raises
    ValueError naming ``what`` and showing a valid example."""
    if t is None:
        raise ValueError(f"{what} is missing; give e.g. '2025-10-10' or '2025-10-10T12:00Z'")
    try:
        ts = pd.Timestamp(t)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}={t!r} is not a time; give e.g. '2025-10-10' or "
                         "'2025-10-10T12:00Z'") from exc
    if ts is pd.NaT:
        raise ValueError(f"{what}={t!r} is not a time; give e.g. '2025-10-10' or '2025-10-10T12:00Z'")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def ns(times) -> np.ndarray:
    """Nanoseconds since the epoch (int64) of timestamps, whatever their stored resolution
    (pandas 3 may hold datetimes in s, ms or us)."""
    return pd.DatetimeIndex(times).as_unit("ns").asi8


def timeframe(tf: str) -> pd.Timedelta:
    """A timeframe string as exchanges write it (``'1m'``, ``'5m'``, ``'1h'``, ``'4h'``, ``'1d'``,
    ``'1w'``) as a Timedelta. ``m`` is minutes (pandas alone would read ``'5m'`` as an error or
    months)."""
    m = _TF.match(str(tf))
    if m and int(m.group(1)) > 0:
        return pd.Timedelta(int(m.group(1)), _UNITS[m.group(2)])
    if re.fullmatch(r"\s*\d+\s*(min|H|D|s|ms)\s*", str(tf)):   # pandas' own spelling, e.g. '15min'
        td = pd.Timedelta(str(tf).strip())
        if td > pd.Timedelta(0):
            return td
    raise ValueError(f"timeframe {tf!r} is not one of the form '5m', '1h', '1d' "
                     "(a positive number and s, m, h, d or w)")


def bar_size(candles: pd.DataFrame | pd.DatetimeIndex) -> pd.Timedelta:
    """The bar size of candles: ``attrs['timeframe']`` when set, else the smallest positive step
    between timestamps."""
    tf = getattr(candles, "attrs", {}).get("timeframe")
    if tf:
        try:
            return timeframe(tf)
        except ValueError:
            pass
    index = candles if isinstance(candles, pd.DatetimeIndex) else candles.index
    step = np.diff(ns(index)) if len(index) > 1 else np.array([], np.int64)
    step = step[step > 0]
    if not len(step):
        raise ValueError("cannot tell the bar size from fewer than 2 distinct candle times; "
                         "set candles.attrs['timeframe'] (e.g. '5m')")
    return pd.Timedelta(int(step.min()), unit="ns")
