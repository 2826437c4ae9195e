"""The liquidation heatmap: an estimate's ``heatmap`` (xarray, dims time x price, USD) shaded
black to yellow by datashader, re-aggregated on every zoom and pan.

Each pixel shows the largest USD amount of the price bins and time columns it covers (``max``),
so a thin cluster stays visible when zoomed out; once zoomed in to a bin per pixel, the hover
(time, price, USD) reads the bin itself.
"""
from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import xarray as xr
from bokeh.models import NumeralTickFormatter
from holoviews.operation.datashader import rasterize

from liqlab.views import style
from liqlab.views.scale import ColourScale, colour_range, describe

__all__ = ["SIDES", "column_times", "side_values", "quadmesh", "shade", "heatmap", "absolute_scale"]

SIDES = ("both", "long", "short")


def _tier_names(hm: xr.Dataset) -> list[str]:
    return [str(t) for t in hm["tier"].values] if "tier" in hm.coords else []


def side_values(hm: xr.Dataset, side: str = "both", tiers: list | None = None) -> xr.DataArray:
    """USD by (time, price) for ``side`` ('long', 'short' or 'both' summed), optionally only for
    the leverage ``tiers`` named (needs the estimate's per-tier variables ``long_usd_tier`` and
    ``short_usd_tier`` with a ``tier`` dimension)."""
    if not isinstance(hm, xr.Dataset) or not {"time", "price"} <= set(hm.dims):
        raise ValueError("expected an estimate's heatmap: an xarray.Dataset with dims (time, price) "
                         "and variables long_usd, short_usd (result.heatmap)")
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    sides = ("long", "short") if side == "both" else (side,)
    if tiers is None:
        out = sum(hm[f"{s}_usd"] for s in sides)
    else:
        names = _tier_names(hm)
        if not names or any(f"{s}_usd_tier" not in hm for s in sides):
            raise ValueError("this heatmap has no per-tier variables (long_usd_tier, short_usd_tier); "
                             "estimate with per-tier output to toggle tiers")
        unknown = [t for t in tiers if str(t) not in names]
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; this heatmap has tiers {names}")
        sel = [n for n in names if n in {str(t) for t in tiers}]
        if not sel:
            out = xr.zeros_like(hm[f"{sides[0]}_usd"])
        else:
            out = sum(hm[f"{s}_usd_tier"].sel(tier=[hm["tier"].values[names.index(n)] for n in sel])
                      .sum("tier") for s in sides)
    return out.transpose("time", "price")


def column_times(obj: xr.Dataset | xr.DataArray) -> pd.DatetimeIndex:
    """The heatmap's column times as naive UTC (bokeh and datashader want naive datetimes)."""
    idx = pd.DatetimeIndex(obj.indexes["time"])
    return idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx


def quadmesh(values: xr.DataArray) -> hv.QuadMesh:
    """A (time, price) USD array as a holoviews QuadMesh (price bins may be log-spaced)."""
    t = column_times(values).to_numpy()
    p = np.asarray(values["price"].values, float)
    v = np.asarray(values.transpose("price", "time").values, dtype=np.float32)
    return hv.QuadMesh((t, p, v), ["time", "price"], [hv.Dimension("usd", label="USD")])


def shade(img: hv.Image, scale: ColourScale, title: str = "") -> hv.Image:
    """Colour an aggregated image: USD range from ``scale`` (fixed or from the values in view),
    the black-to-yellow palette with the scale's gamma, a USD colour bar, the scale in the title."""
    if scale.calibration is not None and hasattr(img.data, "data_vars"):
        img = img.clone(img.data * scale.calibration)   # model USD -> expected liquidations
    vals = img.data[img.vdims[0].name].values if hasattr(img.data, "data_vars") else img.dimension_values(2)
    lo, hi = colour_range(vals, scale)
    note = describe(scale, hi)
    return img.redim.range(usd=(lo, hi)).opts(
        cmap=style.ramp(256, scale.gamma), title=f"{title} | {note}" if title else note)


def absolute_scale(hm: xr.Dataset, side: str = "both", percentile: float = 99.9,
                   gamma: float = 1.5) -> ColourScale:
    """An absolute scale whose top is the ``percentile`` of the whole heatmap's non-zero values:
    fixed across zoom and pan; pass the same scale to other views to compare them."""
    _, hi = colour_range(side_values(hm, side).values, ColourScale("relative", percentile, gamma))
    return ColourScale("absolute", gamma=gamma, usd_max=hi)


#: the heatmap's hover: the cursor's time (UTC date and minute), its price and the USD of the bin
#: under it. An aggregated image carries its axes as bokeh's ``$x``/``$y`` (holoviews turns
#: ``@{time}`` into ``$x``), so the datetime formatter is keyed on ``$x``: keyed on ``@{time}`` it
#: never applied and the time read as milliseconds through a number format ("1759995988387.87 %").
HOVER = [("time (UTC)", "$x{%F %H:%M}"), ("price", "$y{0,0}"), ("USD", "@image{$0,0}")]


def _image_opts(width: int, height: int, units: str = "USD per price bin") -> dict:
    return dict(framewise=True, colorbar=True, cnorm="linear", width=width, height=height,
                fontsize={"title": "10pt"},  # the title carries the scale: keep it on the chart
                bgcolor=style.BACKGROUND, clipping_colors={"NaN": style.BACKGROUND},
                colorbar_opts={"title": units,
                               "formatter": NumeralTickFormatter(format="$0.[00]a")},
                tools=["hover"], hover_tooltips=HOVER, hover_formatters={"$x": "datetime"},
                ylabel="price (USD)", xlabel="time (UTC)", yformatter=style.price_ticks())


def heatmap(hm: xr.Dataset | hv.QuadMesh | hv.DynamicMap, side: str = "both", tiers: list | None = None,
            scale: ColourScale | None = None, dynamic: bool = True, width: int = style.WIDTH,
            height: int = style.MAIN_HEIGHT, title: str = "", pixel_ratio: float = 1.0):
    """The heatmap of ``hm`` (``result.heatmap``), black to yellow.

    ``side``: 'long', 'short' or 'both'; ``tiers``: leverage tiers to include (None: all);
    ``scale``: a :class:`ColourScale` (default: relative, clip at the 99.5th percentile in view,
    gamma 1.5; use :func:`absolute_scale` for a fixed USD scale). ``dynamic=True`` re-aggregates
    on every zoom and pan (needs a live kernel); ``dynamic=False`` aggregates once (static HTML).
    ``hm`` may also be a :func:`quadmesh` (``side`` and ``tiers`` then already chosen) or a
    DynamicMap of them (the explorer feeds new estimates through one).
    """
    scale = scale or ColourScale()
    if isinstance(hm, (hv.DynamicMap, hv.QuadMesh)):
        mesh = hm
    else:
        mesh = quadmesh(side_values(hm, side, tiers))
    img = rasterize(mesh, aggregator="max", dynamic=dynamic, width=int(width * pixel_ratio),
                    height=int(height * pixel_ratio), precompute=True)
    out = img.apply(shade, scale=scale, title=title) if dynamic else shade(img, scale, title)
    return out.opts(hv.opts.Image(**_image_opts(width, height, scale.units)))
