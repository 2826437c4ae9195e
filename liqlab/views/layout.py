"""Pages: the views stacked on a shared time axis, and two windows side by side."""
from __future__ import annotations

import html

import holoviews as hv
import numpy as np
from bokeh.models import NumeralTickFormatter
import pandas as pd
import xarray as xr

from liqlab import indicators
from liqlab.views import confluence, heatmap as heat, panels, style
from liqlab.views.profile import profile as side_profile
from liqlab.views.scale import ColourScale, usd
from liqlab.views.summary import LevelSummary

__all__ = ["candles_page", "crop", "crop_to_candles", "CANDLE_MARGIN", "price_chart", "dashboard",
           "multi_timeframe", "summary_html"]


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


#: how far beyond the candles' range a heatmap is drawn: from low / 1.25 to high * 1.25, so
#: that the 5x tier's levels (20 % from entry) of positions opened anywhere in the range show
CANDLE_MARGIN = 1.25


def crop_to_candles(hm: xr.Dataset, candles: pd.DataFrame, start=None, end=None,
                    margin: float = CANDLE_MARGIN) -> xr.Dataset:
    """The part of a heatmap drawn with ``candles``: columns in [start, end) (all when None)
    and bins in [lowest low / ``margin``, highest high * ``margin``]. The one rule the
    explorer, ``liqlab render`` and the notebooks use (see :func:`crop`)."""
    if candles is None or len(candles) == 0:
        raise ValueError("no candles to crop the heatmap to; pass the window's candles")
    if not margin >= 1:
        raise ValueError(f"margin must be >= 1 (1.25 draws 25 % beyond the candles), got {margin}")
    lo, hi = float(candles["low"].min()), float(candles["high"].max())
    return crop(hm, start, end, lo / margin, hi * margin)


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
    layers = layers * panels.candles(candles, label="candles") * _last_price(candles)
    if round_step:
        layers = layers * confluence.round_numbers(lo, hi, round_step, round_major)
    if divergences and len(candles) > 40:
        div = indicators.divergences(candles)
        if len(div):
            layers = layers * confluence.divergence_lines(div, on="price")
    if liquidations is not None and len(liquidations):
        layers = layers * panels.liquidations(liquidations).relabel(
            "realised liquidations (magenta: longs, cyan: shorts)")
    return layers.opts(hv.opts.Overlay(width=width, height=height, ylim=(lo, hi), show_legend=True,
                                       yformatter=NumeralTickFormatter(format="0,0"),
                                       legend_position="top_left",
                                       legend_opts={"background_fill_alpha": 0.7,
                                                    "label_text_font_size": "8pt"},
                                       **style.AXES))


def _last_price(candles: pd.DataFrame) -> hv.Curve:
    """The last close as a dashed line across the chart (named in the legend) with a tag
    giving the price at the chart's right edge, where a trading chart's price axis shows it."""
    if len(candles) == 0:
        raise ValueError("no candles: cannot draw the last price")
    last = float(candles["close"].iloc[-1])
    t = candles.index.tz_localize(None)
    label = f"last price {last:,.0f}"

    def tag(plot, element):   # hooks run again on every redraw: add the tag once
        from bokeh.models import Label, Node
        if any(getattr(r, "name", None) == "last_price_tag" for r in plot.state.center):
            return
        plot.state.add_layout(Label(
            x=Node(target="frame", symbol="right"), y=last, text=f"{last:,.0f}",
            anchor="center_right", text_font_size="9pt", text_font_style="bold",
            text_color="black", background_fill_color=style.LAST_PRICE, padding=2,
            name="last_price_tag"))

    return hv.Curve(([t[0], t[-1]], [last, last]), "time", "price", label=label).opts(
        color=style.LAST_PRICE, line_dash="dashed", line_width=1, hooks=[tag])


def summary_html(summary: LevelSummary | None, notes: list[str] | None = None,
                 title: str = "") -> str:
    """The notes (e.g. the model's inputs; a line saying 'volume-only' in red) and the level
    summary (:func:`liqlab.views.summary.levels_summary`: last price, band totals, top levels)
    as a block of HTML, for a page above the dashboard (``liqlab render``) or ``hv.Div`` in a
    notebook. ``title`` (e.g. the window and side) heads the block."""
    rows = [f'<div class="liqlab-title" style="font-size:15px;font-weight:bold;margin:2px 0 4px">'
            f'{html.escape(title)}</div>'] if title else []
    for n in notes or []:
        colour = "#c62828;font-weight:bold" if "volume-only" in n else "#333"
        rows.append(f'<div class="liqlab-note" style="color:{colour}">{html.escape(n)}</div>')
    if summary is not None:
        band = "".join(f"<tr><td>within {b.pct:g}%</td><td>{usd(b.long_usd)}</td>"
                       f"<td>{usd(b.short_usd)}</td></tr>" for b in summary.bands.itertuples())
        top = "".join(f"<tr><td>{r.price:,.0f}</td><td>{r.side}</td><td>{usd(r.usd)}</td>"
                      f"<td>{r.distance_pct:+.1f}%</td></tr>" for r in summary.top.itertuples())
        cell = 'style="vertical-align:top;padding-right:28px"'
        rows.append(
            '<style>.liqlab-summary td, .liqlab-summary th {padding: 1px 6px}</style>'
            '<table class="liqlab-summary" style="font-family:monospace;font-size:12px;'
            'margin-top:4px;text-align:right"><tr>'
            f'<td {cell}><b>last price {summary.price:,.0f}</b></td>'
            f'<td {cell}><table><tr><th>liquidations</th><th>longs below</th><th>shorts above</th></tr>'
            f'{band}</table></td>'
            f'<td {cell}><table><tr><th colspan="4">top levels at {summary.time:%Y-%m-%d %H:%M}'
            f' UTC</th></tr><tr><th>price</th><th>side</th><th>USD</th><th>dist</th></tr>'
            f'{top}</table></td></tr></table>')
    return '<div style="font-size:12px;font-family:sans-serif">' + "".join(rows) + "</div>"


def dashboard(hm: xr.Dataset, candles: pd.DataFrame, *, oi=None, funding: pd.DataFrame | None = None,
              liquidations: pd.DataFrame | None = None, side: str = "both", tiers=None,
              scale: ColourScale | None = None, round_step: float | None = 1000.0,
              round_major: float = 5000.0, rsi: bool = True, profile: bool = True,
              dynamic: bool = True, width: int = style.WIDTH, title: str = "") -> hv.Layout:
    """The full page: the price chart (heatmap, candles, levels) with the side profile of its
    last column beside it, then volume, open interest, funding and RSI panels below, all on one
    time axis. ``hm`` is ``result.heatmap`` (crop it first with :func:`crop` for a window);
    :func:`summary_html` gives the level summary to show beside it."""
    main = price_chart(hm, candles, side=side, tiers=tiers, scale=scale, liquidations=liquidations,
                       round_step=round_step, round_major=round_major, dynamic=dynamic,
                       width=width, title=title)
    ncols = 3 if profile else 1
    rows: list = [main]
    if profile:
        prof = side_profile(hm, float(candles["close"].iloc[-1]), tiers=tiers, ylim=_ylim(candles))
        rows += list(prof)
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
