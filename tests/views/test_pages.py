"""What the bokeh pages are made of, checked on the models bokeh sends to the browser: the
public names of liqlab.views, the heatmap's hover (a UTC date and time, not milliseconds),
multi_timeframe's panels (each its own time extent, one price axis), the dashboard's axes (time
on a datetime axis, prices labelled), and extension() (no stylesheet from a CDN).
The browser tests (test_notebook_pages.py) check the same on the page itself."""
from __future__ import annotations

import holoviews as hv
import pandas as pd
import pytest
from bokeh.models import (DatetimeAxis, DatetimeTickFormatter, GlyphRenderer, HoverTool,
                          ImportedStyleSheet, NumeralTickFormatter, Plot)

import liqlab
import liqlab.views as views
from liqlab.data import load_window
from liqlab.pipeline import estimate_window

END = "2025-10-10T20:00Z"  # an hour before the 2025-10-10 low, as in notebook 02


def test_views_public_names():
    assert dir(views) == sorted(views.__all__)
    for name in views.__all__:
        assert getattr(views, name) is not None, name
    # the names notebooks use, reachable from the package
    assert views.crop is views.layout.crop and views.Explorer is views.explorer.Explorer
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        views.nope  # noqa: B018


@pytest.fixture(scope="module")
def windows():
    """The 12h and 24h binance windows of notebook 02 (real embedded data), cropped as there."""
    hv.extension("bokeh")
    out = {}
    for window in ("12h", "24h"):
        data = load_window(window, END, exchanges=["binance"])
        res = estimate_window(data, liqlab.ModelParams())
        c = data.candles()
        out[window] = (views.crop(res.heatmap, data.start, data.end, c.low.min() / 1.25,
                                  c.high.max() * 1.25), c)
    return out


def _figures(root) -> list[Plot]:
    return [f for f in root.select({"type": Plot})]


def _main(figs: list[Plot], title: str) -> Plot:
    """The figure whose title starts with ``title`` and that draws the heatmap image."""
    hits = [f for f in figs if f.title is not None and f.title.text.startswith(title)
            and any(type(r.glyph).__name__ == "Image" for r in f.renderers
                    if isinstance(r, GlyphRenderer))]
    assert len(hits) == 1, [f.title.text for f in figs if f.title is not None]
    return hits[0]


def _t(v) -> pd.Timestamp:
    """A range bound as a naive UTC Timestamp (bokeh keeps datetimes or epoch milliseconds)."""
    return pd.Timestamp(v, unit="ms") if isinstance(v, (int, float)) else pd.Timestamp(v)


def _span(rng) -> tuple[pd.Timestamp, pd.Timestamp]:
    return _t(rng.start), _t(rng.end)


def test_heatmap_hover_formats_time_price_and_usd(windows):
    hm, _ = windows["12h"]
    fig = hv.render(views.heatmap.heatmap(hm, dynamic=False))
    (hover,) = fig.select(type=HoverTool)
    tips = dict(hover.tooltips)
    # every field the tooltip formats as a date has the datetime formatter under the same key
    assert tips["time (UTC)"] == "$x{%F %H:%M}" and hover.formatters["$x"] == "datetime"
    assert tips["price"] == "$y{0,0}" and tips["USD"] == "@image{$0,0}"


def test_multi_timeframe_keeps_each_window_and_links_price(windows):
    page = views.multi_timeframe(windows, scale=views.absolute_scale(windows["24h"][0]))
    figs = _figures(hv.render(page))
    f12, f24 = _main(figs, "12h"), _main(figs, "24h")
    # each time axis spans its own window: 12 and 24 hours ending at END
    assert _span(f12.x_range) == (pd.Timestamp("2025-10-10 08:00"), pd.Timestamp("2025-10-10 20:00"))
    assert _span(f24.x_range) == (pd.Timestamp("2025-10-09 20:00"), pd.Timestamp("2025-10-10 20:00"))
    assert f12.x_range is not f24.x_range
    assert f12.y_range is f24.y_range            # one price axis
    lows = [c.low.min() for _, c in windows.values()]
    highs = [c.high.max() for _, c in windows.values()]
    assert f12.y_range.start < min(lows) and f12.y_range.end > max(highs)
    for f in (f12, f24):
        assert isinstance(f.xaxis[0], DatetimeAxis) and f.xaxis[0].axis_label == "time (UTC)"
        assert isinstance(f.yaxis[0].formatter, NumeralTickFormatter)
        assert f.yaxis[0].formatter.format == "0,0" and f.yaxis[0].visible


def test_dashboard_axes_after_multi_timeframe(windows):
    """Notebook 02 draws multi_timeframe, then the dashboard: its price chart kept a datetime
    time axis and a visible price axis (it drew the side profile's '$1.8t' USD ticks and no
    price labels when the profile's options reached it)."""
    hv.render(views.multi_timeframe(windows))
    hm, c = windows["24h"]
    figs = _figures(hv.render(views.dashboard(hm, c, title="binance 24h")))
    main = _main(figs, "binance 24h")
    assert isinstance(main.xaxis[0], DatetimeAxis)
    assert isinstance(main.xaxis[0].formatter, DatetimeTickFormatter)
    assert main.yaxis[0].visible and main.yaxis[0].formatter.format == "0,0"
    start, end = _span(main.x_range)
    assert start <= pd.Timestamp("2025-10-09 20:00") and end >= pd.Timestamp("2025-10-10 19:55")
    titles = {f.title.text for f in figs if f.title is not None}
    assert {"per bin", "cumulative"} <= titles, titles   # the profile keeps its own titles


def test_extension_inlines_every_stylesheet(windows):
    """After extension(), a chart as a notebook shows it (panel's model, its preprocessing
    hooks run) names no stylesheet by URL; panel's own files are carried as text."""
    import panel as pn

    views.extension()
    hm, c = windows["12h"]
    root = pn.panel(views.price_chart(hm, c, dynamic=False)).get_root()
    imported = [s.url for s in root.select({"type": ImportedStyleSheet})]
    assert imported == []
    css = [s for m in root.select({"type": pn.models.layout.Column}) for s in m.stylesheets]
    css += [s for m in root.select({"type": Plot}) for s in m.stylesheets]
    assert all(not isinstance(s, str) or not s.startswith("http") for s in css)
