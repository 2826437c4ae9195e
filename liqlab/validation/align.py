"""Predicted and realised liquidations on one period grid, with price-only baselines.

:func:`align` sums the model's predicted liquidations (``result.swept``) and the realised
ones into the same periods (hours or days), and adds two baselines that know nothing of
the model: the candle range alone, and range times open interest. A realised set is only
evidence where it was recorded: tick-level sets cover the whole periods between their
first and last liquidation (or an explicit ``coverage``); a period with no liquidation
inside the coverage counts as zero.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from liqlab._time import ns, utc
from liqlab.data import schema

__all__ = ["realised_periods", "align", "SIDES"]

SIDES = ("long", "short", "total")


def realised_periods(realised: pd.DataFrame, freq: str, coverage=None) -> pd.DataFrame:
    """Realised liquidated notional per period: columns long_usd, short_usd.

    ``realised`` is a canonical ``liquidations`` frame (one row per order) or ``liq_totals``
    frame (per period). For liquidations the periods are the whole ``freq`` periods inside
    ``coverage`` (start, end), by default from the first liquidation rounded up to the last
    rounded down (partial periods at the edges would undercount). For totals, the periods
    are the frame's own; ``freq`` may be coarser (summed), never finer.
    """
    f = pd.Timedelta(freq)
    kind = schema.infer_kind(realised)
    if kind not in ("liquidations", "liq_totals"):
        raise ValueError(f"realised must be a 'liquidations' or 'liq_totals' frame, got {kind!r}")
    schema.validate(realised, kind, "realised")
    if len(realised) == 0:
        raise ValueError("realised: the frame is empty")
    if kind == "liquidations":
        if coverage is None:
            start, end = realised.index[0].ceil(f), realised.index[-1].floor(f)
        else:
            start, end = (utc(x, "coverage") for x in coverage)
        if end - start < f:
            raise ValueError(f"realised liquidations cover less than one whole {freq} period "
                             f"({realised.index[0]} .. {realised.index[-1]}); use a shorter freq")
        periods = pd.date_range(start, end - f, freq=f, name="time")
        inside = (realised.index >= start) & (realised.index < end)
        r = realised[inside]
        key = r.index.floor(f)
        out = pd.DataFrame(0.0, index=periods, columns=["long_usd", "short_usd"])
        for side in ("long", "short"):
            s = r["usd"][r["side"] == side].groupby(key[r["side"] == side]).sum()
            out.loc[s.index, f"{side}_usd"] = s.to_numpy(float)
        out.attrs["coverage"] = (start, end)
        return out
    steps = np.diff(ns(realised.index))
    own = pd.Timedelta(int(steps.min()), "ns") if len(steps) else f
    if f < own:
        raise ValueError(f"realised totals are per {own}; cannot split them into {freq} periods")
    out = realised[["long_usd", "short_usd"]].astype(float)
    if f != own:
        out = out.groupby(out.index.floor(f)).sum()
    out.index.name = "time"
    out.attrs["coverage"] = (out.index[0], out.index[-1] + f)
    return out


def align(swept: pd.DataFrame, realised: pd.DataFrame, candles: pd.DataFrame, oi=None,
          freq: str = "1D", coverage=None, path_null=None) -> pd.DataFrame:
    """One row per period of the realised set, columns ``pred_<side>`` (model),
    ``real_<side>``, ``range_<side>``, ``range_sum_<side>``, with ``path_null``
    ``null_<side>`` and with ``oi`` ``range_oi_<side>``, for side in long, short, total
    (see :mod:`.baselines`).

    ``swept``: the estimator's per-candle predicted liquidations (long_usd, short_usd),
    indexed like ``candles``; ``path_null``: the same from :func:`.baselines.path_null`
    (an EstimateResult or its swept). Baselines per period: ``range_long`` =
    (open - low) / open, ``range_short`` = (high - open) / open, ``range_total`` =
    (high - low) / open; ``range_sum_*`` the same per candle, summed over the period's
    candles; ``range_oi_*`` range times open interest known at the period start (last value
    stamped at or before it). Every period must be fully covered by candles; otherwise a
    ValueError names the gaps.
    """
    f = pd.Timedelta(freq)
    real = realised_periods(realised, freq, coverage)
    for col in ("long_usd", "short_usd"):
        if col not in swept.columns:
            raise ValueError(f"swept: missing column {col!r}; pass result.swept from liqlab.model.estimator")
    if not swept.index.equals(candles.index):
        raise ValueError("swept must be indexed like candles (pass the candles given to estimate)")
    key = candles.index.floor(f)
    counts = pd.Series(1, index=candles.index).groupby(key).sum()
    bar = pd.Timedelta(int(np.diff(ns(candles.index)).min()), "ns") if len(candles) > 1 else f
    need = int(f / bar) if bar <= f else 1
    have = counts.reindex(real.index).fillna(0).astype(int)
    short = have[have < need]
    if len(short):
        raise ValueError(f"{len(short)} realised period(s) are not fully covered by the candles "
                         f"(first: {short.index[0]}, {short.iloc[0]} of {need} candles); estimate "
                         "on candles spanning the realised set, or trim it")
    g = candles.groupby(key)
    o, h, lo = g["open"].first(), g["high"].max(), g["low"].min()
    co, ch, cl = (candles[k].to_numpy(float) for k in ("open", "high", "low"))
    per_candle = pd.DataFrame({"long": (co - cl) / co, "short": (ch - co) / co}, index=candles.index)
    rs = per_candle.groupby(key).sum().reindex(real.index)
    sw = swept.groupby(key)[["long_usd", "short_usd"]].sum()
    out = pd.DataFrame(index=real.index)
    out["pred_long"], out["pred_short"] = sw["long_usd"].reindex(real.index), sw["short_usd"].reindex(real.index)
    out["real_long"], out["real_short"] = real["long_usd"], real["short_usd"]
    o, h, lo = o.reindex(real.index), h.reindex(real.index), lo.reindex(real.index)
    out["range_long"], out["range_short"] = (o - lo) / o, (h - o) / o
    out["range_sum_long"], out["range_sum_short"] = rs["long"], rs["short"]
    prefixes = ["pred", "real", "range", "range_sum"]
    if path_null is not None:
        nsw = getattr(path_null, "swept", path_null)
        if not nsw.index.equals(candles.index):
            raise ValueError("path_null must be estimated on the candles given (its swept is "
                             "indexed differently)")
        nn = nsw.groupby(key)[["long_usd", "short_usd"]].sum().reindex(real.index)
        out["null_long"], out["null_short"] = nn["long_usd"], nn["short_usd"]
        prefixes.append("null")
    for p in prefixes:
        out[f"{p}_total"] = out[f"{p}_long"] + out[f"{p}_short"]
    if oi is not None:
        s = oi["oi_usd"] if isinstance(oi, pd.DataFrame) else oi
        pos = np.searchsorted(ns(s.index), ns(real.index), side="right") - 1
        if (pos < 0).any():
            raise ValueError("oi: no open-interest value at or before the first realised period; "
                             "give open interest that starts earlier")
        out["oi_usd"] = s.to_numpy(float)[pos]
        for side in SIDES:
            out[f"range_oi_{side}"] = out[f"range_{side}"] * out["oi_usd"]
    out.attrs["freq"] = str(freq)
    out.attrs["coverage"] = real.attrs.get("coverage")
    return out
