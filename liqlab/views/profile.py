"""The side profile: one heatmap column as horizontal bars beside the chart, longs below the
price and shorts above, with the cumulative USD outward from the price."""
from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import xarray as xr
from bokeh.models import NumeralTickFormatter

from liqlab.views import style
from liqlab.views.heatmap import column_times, side_values

__all__ = ["profile_table", "profile"]

LONGS = "#ffb300"
SHORTS = "#29b6f6"


def profile_table(hm: xr.Dataset, price: float, at=None, tiers: list | None = None) -> pd.DataFrame:
    """The column of ``hm`` at time ``at`` (default: the last column) as a table.

    Rows are price bins (``price`` centre, ``lower``, ``upper`` edges). ``long_usd`` counts only
    bins below ``price`` and ``short_usd`` only bins above it; ``cum_long`` sums longs from the
    price downwards (the USD liquidated if price fell to that bin), ``cum_short`` shorts from the
    price upwards.
    """
    if not np.isfinite(price) or price <= 0:
        raise ValueError(f"price must be a positive number, got {price}")
    longs, shorts = side_values(hm, "long", tiers), side_values(hm, "short", tiers)
    if at is None:
        i = -1
    else:
        times = column_times(hm)
        at = pd.Timestamp(at)
        at = at.tz_convert("UTC").tz_localize(None) if at.tz is not None else at
        i = int(times.searchsorted(at, side="right")) - 1
        if i < 0:
            raise ValueError(f"{at} is before the heatmap's first column {times[0]}")
    p = np.asarray(hm["price"].values, float)
    lower = np.asarray(hm["price_lower"].values, float) if "price_lower" in hm.coords else p
    upper = np.asarray(hm["price_upper"].values, float) if "price_upper" in hm.coords else p
    lv = np.where(p < price, np.asarray(longs.isel(time=i).values, float), 0.0)
    sv = np.where(p > price, np.asarray(shorts.isel(time=i).values, float), 0.0)
    cum_long = np.cumsum(lv[::-1])[::-1]   # bins below price, summed from price downwards
    cum_short = np.cumsum(sv)
    return pd.DataFrame({"price": p, "lower": lower, "upper": upper, "long_usd": lv,
                         "short_usd": sv, "cum_long": cum_long, "cum_short": cum_short})


def profile(hm: xr.Dataset, price: float, at=None, tiers: list | None = None,
            ylim: tuple[float, float] | None = None, height: int = style.MAIN_HEIGHT,
            width: int = 170) -> hv.Layout:
    """Two narrow panels sharing the heatmap's price axis: USD per bin (longs amber below the
    price, shorts blue above) and the cumulative USD outward from the price, drawn within
    ``ylim`` (default: 30 % either side of the price)."""
    t = profile_table(hm, price, at, tiers)
    lo, hi = ylim or (price * 0.7, price * 1.3)
    t = t[(t.upper >= lo) & (t.lower <= hi)]
    # x is a USD axis of its own (not "time"); y0 is named "price" to share the heatmap's axis
    rects = pd.DataFrame({"usd_bin": 0.0, "price": t.lower, "usd": t.long_usd + t.short_usd,
                          "top": t.upper, "centre": t.price,
                          "color": np.where(t.price < price, LONGS, SHORTS)})
    bars = hv.Rectangles(rects, [hv.Dimension("usd_bin", label="USD per bin"), "price", "usd", "top"],
                         ["color", "centre"]).opts(
        color="color", line_alpha=0, width=width, height=height, bgcolor=style.BACKGROUND,
        ylim=(lo, hi),
        xformatter=NumeralTickFormatter(format="$0.[0]a"), yaxis=None, title="per bin",
        xrotation=45)
    below, above = t[t.price < price], t[t.price > price]
    cum_dim = hv.Dimension("cum_usd", label="cumulative USD")
    cum = (hv.Curve((below.cum_long.to_numpy(), below.price.to_numpy()), cum_dim, "price",
                    label="longs").opts(color=LONGS) *
           hv.Curve((above.cum_short.to_numpy(), above.price.to_numpy()), cum_dim, "price",
                    label="shorts").opts(color=SHORTS))
    line = hv.HLine(price).opts(color=style.LAST_PRICE, line_dash="dashed", line_width=1)
    # options go on the overlays laid out: options set on an overlay that ``*`` then replaces
    # were lost (the "cumulative" title) and their orphaned tree was later picked up by another
    # chart's overlay (the dashboard's price chart drew this panel's USD x axis and no price axis)
    cum = (cum * line).opts(
        hv.opts.Curve(width=width, height=height, bgcolor=style.BACKGROUND, line_width=2,
                      yaxis=None, show_legend=False, ylim=(lo, hi), xrotation=45,
                      xformatter=NumeralTickFormatter(format="$0.[0]a")),
        hv.opts.Overlay(title="cumulative", show_legend=False))
    return hv.Layout([bars * line, cum]).cols(2)
