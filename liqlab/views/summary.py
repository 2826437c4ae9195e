"""What a trader reads first, as numbers: the liquidation USD within a few percent below and
above the last price, and the largest levels of the last heatmap column.

Pure functions (a heatmap and a price in, a small frame out); the PNG (:mod:`~liqlab.views.static`)
and the HTML page (:mod:`~liqlab.views.layout`) draw the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from liqlab.views.heatmap import column_times
from liqlab.views.profile import profile_table
from liqlab.views.scale import BANDS, usd

__all__ = ["BANDS", "LevelSummary", "levels_summary"]


@dataclass(frozen=True)
class LevelSummary:
    """The levels around ``price`` in the heatmap column that starts at ``time``.

    bands: one row per band (``pct``): ``long_usd``, the long liquidations in bins whose centre
    lies in [price * (1 - pct/100), price), i.e. what a fall of pct % would liquidate, and
    ``short_usd``, the short liquidations in bins whose centre lies in (price, price * (1 + pct/100)].
    top: the ``n`` largest bins of the column (longs below the price, shorts above), largest
    first: ``price`` (bin centre), ``side``, ``usd``, ``distance_pct`` (signed, from the price).
    """
    price: float
    time: pd.Timestamp
    bands: pd.DataFrame
    top: pd.DataFrame

    def band_lines(self) -> list[str]:
        """The band totals in words, one line per band: 'within 2%: longs $1.2M below, shorts
        $3.4M above'."""
        return [f"within {r.pct:g}%: longs {usd(r.long_usd)} below, shorts {usd(r.short_usd)} above"
                for r in self.bands.itertuples()]

    def top_lines(self) -> list[str]:
        """The top levels in words, one line each: '110,250  long  $12.3M  -2.1%'."""
        return [f"{r.price:,.0f}  {r.side:<5}  {usd(r.usd):>7}  {r.distance_pct:+.1f}%"
                for r in self.top.itertuples()]


def levels_summary(hm: xr.Dataset, price: float, bands: tuple[float, ...] = BANDS, n: int = 5,
                   at=None, tiers: list | None = None, low: float | None = None,
                   high: float | None = None, side: str = "both",
                   gap_pct: float = 1.0) -> LevelSummary:
    """The band totals and the ``n`` largest levels of the column of ``hm`` at ``at`` (default:
    the last column, the state at the last close) around ``price`` (the last close).

    Longs count only below the price and shorts only above it (as in the side profile,
    :func:`liqlab.views.profile.profile_table`); a bin belongs to a band when its centre does.
    A level is a peak: a bin holding more than zero, more than the bin below it and at least
    as much as the bin above it, on the same side (so a cluster spread over neighbouring bins
    is listed once; a flat top at its lowest bin); only bins with
    centres in [``low``, ``high``] (e.g. the chart's price range) and of ``side`` ('long',
    'short' or 'both', as the picture shades) are candidates; the bands always give both sides.
    Going down the candidates from the largest, a level within ``gap_pct`` percent of one
    already listed on the same side is skipped (one wide cluster has several small peaks).
    """
    if side not in ("both", "long", "short"):
        raise ValueError(f"side must be 'both', 'long' or 'short', got {side!r}")
    if not bands or any(not (np.isfinite(b) and 0 < b < 100) for b in bands):
        raise ValueError(f"bands are percentages between 0 and 100 (e.g. (2, 5)), got {bands!r}")
    if n < 0:
        raise ValueError(f"n (how many top levels) must be 0 or more, got {n}")
    t = profile_table(hm, price, at, tiers)
    p = t["price"].to_numpy()
    rows = []
    for b in sorted(float(x) for x in bands):
        below = (p >= price * (1 - b / 100)) & (p < price)
        above = (p > price) & (p <= price * (1 + b / 100))
        rows.append({"pct": b, "long_usd": float(t["long_usd"].to_numpy()[below].sum()),
                     "short_usd": float(t["short_usd"].to_numpy()[above].sum())})
    peaks = []
    for name in ("long", "short") if side == "both" else (side,):
        v = t[f"{name}_usd"].to_numpy()
        left = np.concatenate([[-np.inf], v[:-1]])
        right = np.concatenate([v[1:], [-np.inf]])
        peak = (v > 0) & (v > left) & (v >= right)   # a flat top counts once, at its lowest bin
        if low is not None:
            peak &= p >= low
        if high is not None:
            peak &= p <= high
        peaks.append(pd.DataFrame({"price": p[peak], "side": name, "usd": v[peak]}))
    levels = pd.concat(peaks, ignore_index=True)
    # largest first; equal amounts: nearer the price first
    levels = levels.assign(distance_pct=(levels["price"] / price - 1) * 100)
    levels = levels.assign(_d=levels["distance_pct"].abs()).sort_values(
        ["usd", "_d"], ascending=[False, True], kind="stable").drop(columns="_d")
    keep: list[int] = []
    for i, (lp, ls) in enumerate(zip(levels["price"].to_numpy(), levels["side"].to_numpy())):
        if len(keep) == n:
            break
        if all(ls != levels["side"].iat[k] or abs(lp / levels["price"].iat[k] - 1) * 100 > gap_pct
               for k in keep):
            keep.append(i)
    levels = levels.iloc[keep]
    times = column_times(hm)
    if at is None:
        when = times[-1]
    else:
        a = pd.Timestamp(at)
        a = a.tz_convert("UTC").tz_localize(None) if a.tz is not None else a
        when = times[int(times.searchsorted(a, side="right")) - 1]
    return LevelSummary(float(price), pd.Timestamp(when).tz_localize("UTC"), pd.DataFrame(rows),
                        levels.head(n).reset_index(drop=True))
