"""Outcomes of the magnet test: does price touch a level within a horizon, and when?

A level above the price at the decision time ``t0`` is touched by the first candle whose
``high`` reaches it; a level below, by the first candle whose ``low`` reaches it. Only
candles that open at or after ``t0`` count (the decision at ``t0`` is made with candles
that have closed by ``t0``), and only those that close by ``t0 + horizon``. An event whose
horizon runs past the end of the data is *censored*: ``complete`` is False and it must not
be scored, since a touch may still come.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from liqlab._time import bar_size, ns

__all__ = ["bar_size", "first_touch", "ns"]


@njit(cache=True)
def _first_touch(high, low, start, stop, level, above):  # pragma: no cover - numba
    n = level.shape[0]
    out = np.full(n, -1, np.int64)
    for k in range(n):
        lv = level[k]
        if above[k]:
            for j in range(start[k], stop[k]):
                if high[j] >= lv:
                    out[k] = j
                    break
        else:
            for j in range(start[k], stop[k]):
                if low[j] <= lv:
                    out[k] = j
                    break
    return out


def first_touch(candles: pd.DataFrame, t0, level, above, horizon: pd.Timedelta,
                bar: pd.Timedelta | None = None) -> pd.DataFrame:
    """First touch of each ``level`` within ``horizon`` after its decision time ``t0``.

    Parameters: ``candles`` a canonical candles frame (open times); ``t0`` decision times
    (array-like of UTC timestamps, one per event); ``level`` prices; ``above`` booleans
    (True: the level is above the price at ``t0`` and is touched by a high);
    ``horizon`` a Timedelta. Returns one row per event, in input order: ``touched``
    (bool), ``touch_time`` (open time of the touching candle, NaT when none),
    ``time_to_touch`` (close of the touching candle minus ``t0``: the time by which the
    touch is confirmed), ``complete`` (False when the data end before ``t0 + horizon``).
    """
    horizon = pd.Timedelta(horizon)
    if horizon <= pd.Timedelta(0):
        raise ValueError(f"horizon must be positive, got {horizon}")
    bar = bar_size(candles) if bar is None else pd.Timedelta(bar)
    t0 = pd.DatetimeIndex(t0)
    if t0.tz is None:
        raise ValueError("decision times t0 must be UTC timestamps (tz-aware)")
    level = np.asarray(level, dtype=float)
    above = np.asarray(above, dtype=bool)
    if not (len(t0) == level.shape[0] == above.shape[0]):
        raise ValueError(f"t0, level and above must have the same length, got "
                         f"{len(t0)}, {level.shape[0]}, {above.shape[0]}")
    opens = ns(candles.index)
    closes = opens + bar.value
    t0i = ns(t0)
    start = np.searchsorted(opens, t0i, side="left")
    stop = np.searchsorted(closes, t0i + horizon.value, side="right")
    stop = np.maximum(stop, start)
    complete = (len(opens) > 0) & (t0i + horizon.value <= (closes[-1] if len(opens) else 0))
    hit = _first_touch(candles["high"].to_numpy(float), candles["low"].to_numpy(float),
                       start.astype(np.int64), stop.astype(np.int64), level, above)
    touched = hit >= 0
    touch_time = np.full(len(hit), np.datetime64("NaT", "ns"), "datetime64[ns]")
    touch_time[touched] = opens[hit[touched]].astype("datetime64[ns]")
    ttt = np.full(len(hit), np.timedelta64("NaT", "ns"), "timedelta64[ns]")
    ttt[touched] = (closes[hit[touched]] - t0i[touched]).astype("timedelta64[ns]")
    # a touch seen before the data end settles the event even if the horizon runs past it
    complete = np.asarray(complete | touched, dtype=bool)
    return pd.DataFrame({
        "touched": touched,
        "touch_time": pd.DatetimeIndex(touch_time).tz_localize("UTC"),
        "time_to_touch": pd.TimedeltaIndex(ttt),
        "complete": complete,
    })
