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


def _candle_span(plot) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last candle drawn over the heatmap (the bodies' 'bar' column)."""
    sub = plot.subplots[(0, 0)]
    sub = sub.subplots.get("main", sub) if isinstance(getattr(sub, "subplots", None), dict) else sub
    bars = [r.data_source.data["bar"] for r in sub.state.select({"type": GlyphRenderer})
            if "bar" in r.data_source.data and len(r.data_source.data["bar"])]
    assert bars, "no candles over the heatmap"
    return pd.Timestamp(min(b.min() for b in bars)), pd.Timestamp(max(b.max() for b in bars))


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
@pytest.mark.slow
def test_heatmap_and_panels_follow_the_window(plotted, window, end, start):
    ex, plot = plotted
    ex.window.value = window
    ex.end.value = end
    lo, hi = _image_span(plot)
    want_lo, want_hi = pd.Timestamp(start), pd.Timestamp(end).tz_localize(None)
    tol = (want_hi - want_lo) * 0.05  # the axes pad a little
    assert abs(lo - want_lo) < tol and abs(hi - want_hi) < tol, (lo, hi, window, end)
    c0, c1 = _candle_span(plot)           # the candles over the heatmap follow too
    assert abs(c0 - want_lo) < tol and abs(c1 - want_hi) < tol, (c0, c1, window, end)
    for key in [(0, 0), (1, 0), (2, 0)]:  # heatmap, volume, RSI
        x0, x1 = _x_range(plot, key)
        assert abs(x0 - want_lo) < tol and abs(x1 - want_hi) < tol, (key, x0, x1, window, end)


@pytest.mark.slow
def test_a_model_slider_redraws_the_heatmap_not_the_candle_panels():
    hv.extension("bokeh", logo=False)
    ex = Explorer(window="24h", end="2025-10-11T00:00Z", debounce=0)
    calls = {"rsi": 0, "lower": 0}
    for name in calls:
        real = getattr(ex, f"_{name}")

        def counted(*a, _real=real, _name=name, **k):
            calls[_name] += 1
            return _real(*a, **k)
        setattr(ex, f"_{name}", counted)
    plot = hv.renderer("bokeh").get_plot(ex.view())
    (img,) = [r for r in plot.state.select({"type": GlyphRenderer}) if isinstance(r.glyph, Image)]
    before = img.data_source.data["image"][0].copy()
    seen = dict(calls)
    ex.param_widgets["inflow_volume_share"].value = 0.5
    after = img.data_source.data["image"][0]
    assert (before != after).mean() > 0.05            # the heatmap was re-estimated and redrawn
    assert calls == seen                              # the candle panels were not recomputed
    ex.exchange.value = "bybit"                       # a data change redraws them
    assert calls["rsi"] == seen["rsi"] + 1 and calls["lower"] == seen["lower"] + 1
    ex.jump.value = "2024-08-05 yen-carry crash"      # jumping resets the picker for next time
    assert ex.end.value == "2024-08-06T00:00Z" and ex.jump.value == ex.jump.options[0]


def test_lower_panels_share_the_heatmaps_time_axis():
    """Zooming the heatmap zooms volume and RSI: one bokeh x_range for all three."""
    hv.extension("bokeh", logo=False)
    ex = Explorer(window="24h", end="2025-10-11T00:00Z", debounce=0)
    plot = hv.renderer("bokeh").get_plot(ex.view())

    def x_range(key):
        sub = plot.subplots[key]
        sub = sub.subplots.get("main", sub) if isinstance(getattr(sub, "subplots", None), dict) else sub
        return sub.state.x_range
    main = x_range((0, 0))
    assert x_range((1, 0)) is main and x_range((2, 0)) is main


def test_the_absolute_scale_stays_fixed_until_fitted_again():
    from liqlab.views import heatmap as heat
    ex = Explorer(window="3d", end="2025-10-11T00:00Z", debounce=0)
    first = ex.usd_max.value
    assert first == round(heat.absolute_scale(ex._heatmap()).usd_max, -3) and first > 1e6
    ex.end.value = "2024-08-06T00:00Z"                # another window: the scale stays put
    assert ex.usd_max.value == first
    ex.fit_max.click()                                # re-based on what is shown now
    want = round(heat.absolute_scale(ex._heatmap()).usd_max, -3)
    assert ex.usd_max.value == want and want != first
