"""Pages: the views stacked on a shared time axis, and two windows side by side."""
from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import xarray as xr

from liqlab import indicators
from liqlab.views import confluence, heatmap as heat, panels, style
from liqlab.views.profile import profile as side_profile
from liqlab.views.scale import ColourScale

__all__ = ["candles_page", "crop", "price_chart", "dashboard", "multi_timeframe"]


def candles_page(candles: pd.DataFrame, title: str = "", width: int = style.WIDTH) -> hv.Layout:
    """Candles with the last price over a volume panel, sharing the time axis."""
    price = (panels.candles(candles) * panels.last_price(candles)).opts(
        width=width, height=style.MAIN_HEIGHT, title=title, ylabel="price (USD)", xlabel="",
        yformatter="%.0f", bgcolor=style.BACKGROUND, **style.AXES)
    vol = panels.volume(candles).opts(width=width, **style.AXES)
    return (price + vol).cols(1).opts(shared_axes=True)


def crop(hm: xr.Dataset, start=None, end=None, low: float | None = None,
         high: float | None = None) -> xr.Dataset:
    """The part of a heatmap with column times in [start, end) and bin centres in [low, high].

    When the kept columns and bins are contiguous (sorted coordinates, as in an estimate) the
    result is a view of ``hm`` (no copy of the per-tier arrays), so treat it as read-only."""
    t = heat.column_times(hm)
    keep = np.ones(len(t), bool)
    for bound, op in ((start, "ge"), (end, "lt")):
        if bound is not None:
            b = pd.Timestamp(bound)
            b = b.tz_convert("UTC").tz_localize(None) if b.tz is not None else b
            keep &= (t >= b) if op == "ge" else (t < b)
    p = np.asarray(hm["price"].values, float)
    pk = np.ones(len(p), bool)
    if low is not None:
        pk &= p >= low
    if high is not None:
        pk &= p <= high
    if not keep.any() or not pk.any():
        raise ValueError("the crop leaves no heatmap columns or price bins; check start/end/low/high")
    return hm.isel(time=_span(keep), price=_span(pk))


def _span(mask: np.ndarray):
    """The kept positions of ``mask``: a slice when they are contiguous, else their indices."""
    idx = np.flatnonzero(mask)
    return slice(int(idx[0]), int(idx[-1]) + 1) if idx[-1] - idx[0] + 1 == len(idx) else idx


def _ylim(candles: pd.DataFrame, pad: float = 0.06) -> tuple[float, float]:
    lo, hi = float(candles["low"].min()), float(candles["high"].max())
    d = (hi - lo) * pad
    return lo - d, hi + d


def price_chart(hm: xr.Dataset | hv.QuadMesh, candles: pd.DataFrame, *, side: str = "both", tiers=None,
                scale: ColourScale | None = None, liquidations: pd.DataFrame | None = None,
                round_step: float | None = 1000.0, round_major: float = 5000.0,
                divergences: bool = True, dynamic: bool = True, width: int = style.WIDTH,
                height: int = style.MAIN_HEIGHT, title: str = "") -> hv.Overlay:
    """The heatmap with candles over it, the last price, round-number levels, RSI divergences
    joined on price, and realised liquidations (when given) as markers."""
    lo, hi = _ylim(candles)
    layers = heat.heatmap(hm, side=side, tiers=tiers, scale=scale, dynamic=dynamic, width=width,
                          height=height, title=title)
    layers = layers * panels.candles(candles) * panels.last_price(candles)
    if round_step:
        layers = layers * confluence.round_numbers(lo, hi, round_step, round_major)
    if divergences and len(candles) > 40:
        div = indicators.divergences(candles)
        if len(div):
            layers = layers * confluence.divergence_lines(div, on="price")
    if liquidations is not None and len(liquidations):
        layers = layers * panels.liquidations(liquidations)
    return layers.opts(hv.opts.Overlay(width=width, height=height, ylim=(lo, hi), **style.AXES))


def dashboard(hm: xr.Dataset, candles: pd.DataFrame, *, oi=None, funding: pd.DataFrame | None = None,
              liquidations: pd.DataFrame | None = None, side: str = "both", tiers=None,
              scale: ColourScale | None = None, round_step: float | None = 1000.0,
              round_major: float = 5000.0, rsi: bool = True, profile: bool = True,
              dynamic: bool = True, width: int = style.WIDTH, title: str = "") -> hv.Layout:
    """The full page: the price chart (heatmap, candles, levels) with the side profile of its
    last column beside it, then volume, open interest, funding and RSI panels below, all on one
    time axis. ``hm`` is ``result.heatmap`` (crop it first with :func:`crop` for a window)."""
    main = price_chart(hm, candles, side=side, tiers=tiers, scale=scale, liquidations=liquidations,
                       round_step=round_step, round_major=round_major, dynamic=dynamic,
                       width=width, title=title)
    rows: list = [main]
    ncols = 1
    if profile:
        prof = side_profile(hm, float(candles["close"].iloc[-1]), tiers=tiers, ylim=_ylim(candles))
        rows += list(prof)
        ncols = 3
    below = [panels.volume(candles)]
    if oi is not None:
        s = oi["oi_usd"] if isinstance(oi, pd.DataFrame) else oi
        s = s[(s.index >= candles.index[0]) & (s.index <= candles.index[-1])]
        if len(s):
            below.append(panels.open_interest(s))
    if funding is not None:
        f = funding[(funding.index >= candles.index[0]) & (funding.index <= candles.index[-1])]
        if len(f):
            below.append(panels.funding(f))
    if rsi:
        below.append(confluence.rsi_panel(candles))
    for p in below:
        last = p is below[-1]
        rows.append(p.opts(width=width, xlabel="time (UTC)" if last else "", **style.AXES)
                    if not isinstance(p, hv.Overlay)
                    else p.opts(hv.opts.Overlay(width=width, xlabel="time (UTC)" if last else "",
                                                **style.AXES)))
        rows += [hv.Empty()] * (ncols - 1)
    return hv.Layout(rows).cols(ncols).opts(shared_axes=True)


def multi_timeframe(views: dict[str, tuple[xr.Dataset, pd.DataFrame]], *, side: str = "both",
                    scale: ColourScale | None = None, dynamic: bool = True, width: int = 560,
                    height: int = style.MAIN_HEIGHT, round_step: float | None = 1000.0) -> hv.Layout:
    """Several windows side by side (e.g. ``{'12h': (hm, candles), '24h': (hm, candles)}``)
    with one linked price axis; each keeps its own time axis, spanning its own window. Pass an
    absolute ``scale`` to compare their colours."""
    if not views:
        raise ValueError("multi_timeframe needs at least one window")
    lo = min(_ylim(c)[0] for _, c in views.values())
    hi = max(_ylim(c)[1] for _, c in views.values())
    charts = []
    for label, (hm, c) in views.items():
        # Holoviews and panel link a layout's axes by dimension label and share ranges by
        # dimension name: a time dimension per window keeps each time axis to its own window
        # (one "time" stretched the 12h chart over the 24h axis, 40 % of it black). The
        # heatmap's mesh gets it before it is aggregated, the candles and levels after.
        own_time = hv.Dimension(f"time_{label}", label=f"time (UTC), {label}")
        mesh = heat.quadmesh(heat.side_values(hm, side)).redim(time=own_time)
        chart = price_chart(mesh, c, scale=scale, dynamic=dynamic, width=width, height=height,
                            round_step=round_step, title=label, divergences=False)
        # and the window's own extent, fixed: ranges of the candles' other time columns
        # ("bar", "t1") are still merged by name across the layout
        t = c.index.tz_convert("UTC").tz_localize(None) if c.index.tz is not None else c.index
        extent = (t[0], t[-1] + panels.bar_width(c.index))
        charts.append(chart.redim(time=own_time).opts(
            hv.opts.Overlay(xlim=extent, ylim=(lo, hi), xlabel="time (UTC)",
                            xformatter=style.time_ticks())))
    return hv.Layout(charts).cols(len(charts)).opts(shared_axes=True)
