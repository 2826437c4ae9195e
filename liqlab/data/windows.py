"""The standard heatmap windows (12h .. 1y), each with a default bar size and a warm-up.

Levels opened before a window's left edge must already be on the map, so the estimate
starts ``warmup`` before the window: :func:`window_inputs` slices (and, if needed,
coarsens) the inputs for a window ending at a given time, warm-up included, and returns the
window's left edge so the caller can cut the result (:func:`trim`).

=======  ========  ===  =======  ==============================================
window   length    bar  warm-up  columns at the default bar (max 2,000 shown)
=======  ========  ===  =======  ==============================================
12h      12 hours  1m   3 days   720
24h      1 day     1m   3 days   1,440
3d       3 days    5m   7 days   864
1w       7 days    5m   14 days  2,016 (drawn at 10m)
2w       14 days   15m  30 days  1,344
1m       30 days   15m  30 days  2,880 (drawn at 30m)
3m       90 days   1h   60 days  2,160 (drawn at 2h)
6m       182 days  1h   90 days  4,368 (drawn at 4h)
1y       365 days  4h   90 days  2,190 (drawn at 1d)
=======  ========  ===  =======  ==============================================

The warm-ups are a stated default, not a measured optimum: with the default 30-day decay
half-life, levels older than about three half-lives hold under 1/8 of their notional.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from liqlab.data import schema

__all__ = ["Window", "WINDOWS", "window_inputs", "resample_candles", "trim"]


@dataclass(frozen=True)
class Window:
    """A heatmap window: its length, default bar and warm-up."""
    name: str
    length: pd.Timedelta
    bar: pd.Timedelta
    warmup: pd.Timedelta

    def start(self, end) -> pd.Timestamp:
        """The window's left edge for a window ending at ``end``."""
        return pd.Timestamp(end) - self.length

    def data_start(self, end, warmup=None) -> pd.Timestamp:
        """Where the estimate starts: the left edge minus the warm-up."""
        w = self.warmup if warmup is None else pd.Timedelta(warmup)
        return self.start(end) - w


def _w(name, length, bar, warmup):
    return Window(name, pd.Timedelta(length), pd.Timedelta(bar), pd.Timedelta(warmup))


#: the standard windows, by name
WINDOWS: dict[str, Window] = {w.name: w for w in (
    _w("12h", "12h", "1min", "3D"),
    _w("24h", "1D", "1min", "3D"),
    _w("3d", "3D", "5min", "7D"),
    _w("1w", "7D", "5min", "14D"),
    _w("2w", "14D", "15min", "30D"),
    _w("1m", "30D", "15min", "30D"),
    _w("3m", "90D", "1h", "60D"),
    _w("6m", "182D", "1h", "90D"),
    _w("1y", "365D", "4h", "90D"),
)}


def _bar_of(df: pd.DataFrame) -> pd.Timedelta:
    tf = df.attrs.get("timeframe")
    if tf:
        s = str(tf)
        return pd.Timedelta(s[:-1] + "min" if s.endswith("m") else s)
    return pd.Timedelta(df.index.to_series().diff().min())


def _tf_label(bar: pd.Timedelta) -> str:
    m = int(bar.total_seconds() // 60)
    if m % 1440 == 0:
        return f"{m // 1440}d"
    if m % 60 == 0:
        return f"{m // 60}h"
    return f"{m}m"


def resample_candles(candles: pd.DataFrame, bar) -> pd.DataFrame:
    """Coarsen canonical candles to ``bar`` (epoch-aligned): first open, max high, min low, last
    close, summed volumes. Only bars that are complete (every finer bar present) are kept;
    a coarser target than the input is required."""
    bar = pd.Timedelta(bar)
    src = _bar_of(candles)
    if bar < src:
        raise ValueError(f"cannot resample {src} candles to a finer bar {bar}")
    if bar == src:
        return candles
    if bar % src != pd.Timedelta(0):
        raise ValueError(f"bar {bar} is not a multiple of the candles' bar {src}")
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    for col in ("quote_volume", "taker_buy_volume", "taker_buy_quote_volume"):
        if col in candles.columns:
            agg[col] = "sum"
    g = candles.resample(bar, origin="epoch", label="left", closed="left")
    out = g.agg(agg)
    count = g["close"].count()
    out = out[count == int(bar / src)].astype(float)
    out.index.name = "time"
    out.attrs = dict(candles.attrs, timeframe=_tf_label(bar))
    return out


def window_inputs(window: str | Window, end, candles: pd.DataFrame, oi=None, *, mark=None,
                  funding=None, taker_buy=None, bar=None, warmup=None) -> dict:
    """Inputs for an estimate of ``window`` ending at ``end`` (exclusive), warm-up included.

    Candles (and mark candles) are coarsened to the window's bar when they are finer (or to
    ``bar``); if they are coarser they are kept as they are. Returns a dict with ``candles``,
    ``oi``, ``mark``, ``funding``, ``taker_buy`` (ready for ``liqlab.estimate(**d)`` after
    popping the other keys), ``start`` (the window's left edge), ``data_start`` and
    ``warmup_short`` (True when the data begins after the warm-up should).
    Open interest and funding are cut at ``end`` only: the estimator aligns them as-of.
    """
    if isinstance(window, str) and window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; one of {list(WINDOWS)}")
    w = WINDOWS[window] if isinstance(window, str) else window
    candles = schema.validate(candles, "candles", "candles")
    end = pd.Timestamp(end)
    if end.tz is None:
        end = end.tz_localize("UTC")
    start, data_start = w.start(end), w.data_start(end, warmup)
    target = pd.Timedelta(bar) if bar is not None else w.bar
    src = _bar_of(candles)
    c = candles.loc[(candles.index >= data_start) & (candles.index < end)]
    if target > src:
        c = resample_candles(c, target)
    if len(c) == 0:
        raise ValueError(f"no candles between {data_start} and {end} for window {w.name}")
    out = {"candles": c, "start": start, "data_start": data_start,
           "warmup_short": bool(c.index[0] > data_start + _bar_of(c))}
    if mark is not None:
        m = mark.loc[(mark.index >= data_start) & (mark.index < end)]
        if target > _bar_of(mark):
            m = resample_candles(m.assign(volume=0.0), target).drop(columns="volume")
        out["mark"] = m
    for name, x in (("oi", oi), ("funding", funding)):
        out[name] = None if x is None else x.loc[x.index < end]
    out["taker_buy"] = None if taker_buy is None else taker_buy.loc[c.index.min():end]
    return out


def trim(result, start):
    """Cut an estimate's heatmap and swept series to the window starting at ``start``
    (drops the warm-up columns). Returns a new result."""
    from dataclasses import replace
    start = pd.Timestamp(start)
    if start.tz is None:
        start = start.tz_localize("UTC")
    # times are sorted, so the window is a suffix: slice it (a view, no copy of the arrays)
    first = int(pd.DatetimeIndex(result.heatmap.indexes["time"]).searchsorted(start, side="left"))
    hm = result.heatmap.isel(time=slice(first, None))
    sw = result.swept.iloc[int(result.swept.index.searchsorted(start, side="left")):]
    first = result.swept.index[0] if len(result.swept) else start
    meta = dict(result.meta, window_start=str(start), warmup=str(max(start - first, pd.Timedelta(0))))
    return replace(result, heatmap=hm, swept=sw, meta=meta)
