"""The explorer's charts follow the window: after switching the timeframe or jumping to another
date, the heatmap is aggregated over the new window (not the old view's range, which the zoom
stream still holds) and the lower panels' time axes move with it. Checked on the bokeh models,
without a browser (tests/test_browser.py drives the real page)."""
from __future__ import annotations

import holoviews as hv
import pandas as pd
import pytest
from bokeh.models import GlyphRenderer, Image

from liqlab.views.explorer import Explorer


@pytest.fixture(scope="module")
def plotted():
    hv.extension("bokeh", logo=False)
    ex = Explorer(window="3d", end="2025-10-11T00:00Z", debounce=0)
    plot = hv.renderer("bokeh").get_plot(ex.view())
    return ex, plot


def _image_span(plot) -> tuple[pd.Timestamp, pd.Timestamp]:
    (img,) = [r for r in plot.state.select({"type": GlyphRenderer}) if isinstance(r.glyph, Image)]
    d = img.data_source.data
    x0, dw = pd.Timestamp(d["x"][0]), pd.Timedelta(d["dw"][0])
    return x0, x0 + dw


def _x_range(plot, key) -> tuple[pd.Timestamp, pd.Timestamp]:
    sub = plot.subplots[key]
    sub = sub.subplots.get("main", sub) if isinstance(getattr(sub, "subplots", None), dict) else sub
    r = sub.state.x_range

    def ts(v):
        return pd.Timestamp(v, unit="ms") if isinstance(v, (int, float)) else pd.Timestamp(v)
    return ts(r.start), ts(r.end)


@pytest.mark.parametrize("window, end, start", [
    ("1w", "2025-10-11T00:00Z", "2025-10-04"),   # longer timeframe, same end
    ("1w", "2024-08-06T00:00Z", "2024-07-30"),   # jump: no overlap with the view before
    ("24h", "2024-08-06T00:00Z", "2024-08-05"),  # shorter again
])
def test_heatmap_and_panels_follow_the_window(plotted, window, end, start):
    ex, plot = plotted
    ex.window.value = window
    ex.end.value = end
    lo, hi = _image_span(plot)
    want_lo, want_hi = pd.Timestamp(start), pd.Timestamp(end).tz_localize(None)
    tol = (want_hi - want_lo) * 0.05  # the axes pad a little
    assert abs(lo - want_lo) < tol and abs(hi - want_hi) < tol, (lo, hi, window, end)
    for key in [(0, 0), (1, 0), (2, 0)]:  # heatmap, volume, RSI
        x0, x1 = _x_range(plot, key)
        assert abs(x0 - want_lo) < tol and abs(x1 - want_hi) < tol, (key, x0, x1, window, end)
