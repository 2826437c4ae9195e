"""The explorer's state without widgets (:class:`ExplorerState`): what a change makes stale, all
or nothing on bad input, tiers, the zoom ranges clipped to the window; and the widget class
binding to it (a stale zoom range from another window cannot widen the picture)."""
from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd
import pytest
from bokeh.models import GlyphRenderer, Image

import liqlab
from liqlab.data import load as sources
from liqlab.pipeline import estimate_window
from liqlab.views.explorer import Explorer
from liqlab.views.explorer_state import ExplorerState, tier_labels

END = "2025-10-11T00:00Z"


@pytest.fixture(scope="module")
def state():
    return ExplorerState(window="3d", end=END)


def _fresh(state) -> ExplorerState:
    """A copy sharing the loaded data and estimate (cheap), to change without side effects."""
    return ExplorerState(window=state.window, end=state.end, data=state.data, result=state.result)


def test_a_change_makes_only_its_parts_stale(state):
    st = _fresh(state)
    assert st.update(clip=99.0) == {"shade"}
    assert st.update(gamma=1.0, scale="absolute", usd_max=5e6) == {"shade"}
    assert st.update(side="long") == {"mesh", "shade", "profile"}
    assert st.update(layers=("candles",)) == {"overlay"}
    assert st.update(side="long") == set()                       # no change, nothing to redraw
    before = st.result
    stale = st.update(params=st.params.replace(inflow_volume_share=0.3))
    assert stale == {"mesh", "shade", "profile"} and st.result is not before
    assert st.update(exchange="bybit") == {"mesh", "shade", "overlay", "profile", "market"}
    stale = st.update(window="1w")
    assert stale == {"mesh", "shade", "overlay", "profile", "market", "moved"}
    assert st.data.window == "1w" and st.exchange == "bybit"      # bybit has 1w data: kept
    st.update(end="2024-08-06T00:00Z")                            # only Binance covers it
    assert st.exchange == sources.AGGREGATE and st.exchanges == [sources.AGGREGATE, "binance"]


@pytest.mark.parametrize("change, message", [
    ({"side": "up"}, "side must be one of"),
    ({"clip": 0.0}, "clip is a percentile"),
    ({"exchange": "okx"}, "has no data in this window"),
    ({"tiers": ("7x",)}, r"unknown tier\(s\) \['7x'\]"),
    ({"window": "2d"}, "unknown window '2d'"),
    ({"end": "2019-01-01T00:00Z", "side": "long"}, "no embedded candles cover"),
    ({"colour": "red"}, r"unknown explorer setting\(s\) \['colour'\]"),
])
def test_bad_input_is_refused_and_changes_nothing(state, change, message):
    st = _fresh(state)
    fields = (st.window, st.end, st.side, st.clip, st.exchange, st.tiers)
    data, result = st.data, st.result
    with pytest.raises(ValueError, match=message):
        st.update(**change)
    assert (st.window, st.end, st.side, st.clip, st.exchange, st.tiers) == fields
    assert st.data is data and st.result is result


def test_the_estimate_without_tier_arrays_is_the_same_picture(state):
    """The explorer estimates without per-tier arrays (a third of the time) unless tiers are
    filtered: the totals must equal the per-tier estimate's."""
    full = estimate_window(state.data, state.params, per_tier=True).heatmap
    fast = state.result.heatmap
    assert "long_usd_tier" in full and "long_usd_tier" not in fast
    for v in ("long_usd", "short_usd"):
        np.testing.assert_allclose(fast[v].values, full[v].values, rtol=1e-6, atol=1e-3)
    assert tier_labels(state.params) == [str(t) for t in full["tier"].values]


def test_tiers_partition_the_heatmap(state):
    """The heatmap of some tiers plus that of the other tiers is the heatmap of all tiers."""
    st = _fresh(state)
    labels = st.tier_labels
    total = st.mesh().dimension_values(2, flat=False)
    st.update(tiers=labels[:2])
    assert st.tiers == tuple(labels[:2])
    some = st.mesh().dimension_values(2, flat=False)
    st.update(tiers=labels[2:])
    rest = st.mesh().dimension_values(2, flat=False)
    assert some.sum() > 0 and rest.sum() > 0
    np.testing.assert_allclose(some + rest, total, rtol=1e-4, atol=1.0)
    assert st.update(tiers=tuple(labels)) and st.tiers is None     # all of them: no filter


def test_zoom_ranges_are_clipped_to_the_window(state):
    st = _fresh(state)
    t0, t1, lo, hi = st.extent()
    c = st.candles()
    assert lo < c["low"].min() and hi > c["high"].max()
    a, b = (pd.Timestamp(v) for v in (st.data.start, st.data.end))
    assert (t0, t1) == (a.tz_convert(None), b.tz_convert(None))

    def bounds(img):
        x = img.dimension_values(0, expanded=False)
        y = img.dimension_values(1, expanded=False)
        return x.min(), x.max(), y.min(), y.max()
    # a year's range (a message from the 1y view arriving late): the picture stays in the window
    year = (t1 - pd.Timedelta("365D"), t1)
    x0, x1, y0, y1 = bounds(st.raster(year, (56_000.0, 130_000.0)))
    assert t0 <= x0 and x1 <= t1 and lo <= y0 and y1 <= hi
    # a zoom inside the window is honoured
    mid = t0 + (t1 - t0) / 2
    zx, zy = (mid, t1), (lo + (hi - lo) / 2, hi)
    x0, x1, y0, y1 = bounds(st.raster(zx, zy))
    assert x0 >= mid and y0 >= zy[0] and y1 <= hi
    # a range that misses the window entirely: the whole window
    x0, x1, y0, y1 = bounds(st.raster((t0 - pd.Timedelta("30D"), t0 - pd.Timedelta("29D")), (1.0, 2.0)))
    assert x0 - t0 < (t1 - t0) * 0.01 and t1 - x1 < (t1 - t0) * 0.01 and y0 - lo < (hi - lo) * 0.01


def test_step_and_fit(state):
    st = _fresh(state)
    assert st.step(-1) == "2025-10-08T00:00Z" and st.step(+1) == "2025-10-14T00:00Z"
    usd = st.fitted_usd_max()
    nz = (st.heatmap()["long_usd"] + st.heatmap()["short_usd"]).values
    assert usd == max(round(float(np.percentile(nz[nz > 0], 99.9)), -3), 1000.0)


def _image(plot):
    (img,) = [r for r in plot.state.select({"type": GlyphRenderer}) if isinstance(r.glyph, Image)]
    return img.data_source.data


@pytest.mark.slow
def test_a_stale_zoom_from_the_year_cannot_widen_the_week():
    """Issue 13 item 9: the zoom stream still held the 1y view's ranges (a message sent before
    the browser had the 1w picture) and the heatmap was aggregated over them, so the axes (which
    fit the picture) stayed at the year's 58k..130k. The picture now stays on the week's candles."""
    hv.extension("bokeh", logo=False)
    ex = Explorer(window="1y", end=END)
    plot = hv.renderer("bokeh").get_plot(ex.view())
    d = _image(plot)
    x0, dw = pd.Timestamp(d["x"][0]), pd.Timedelta(d["dw"][0])
    year_x = (x0, x0 + dw)
    year_y = (float(d["y"][0]), float(d["y"][0] + d["dh"][0]))
    assert year_y[0] < 65_000 and year_y[1] > 120_000           # the year spans 60k..126k
    ex.window.value = "1w"
    _, _, lo, hi = ex.state.extent()
    ex._ranges[0].event(x_range=year_x, y_range=year_y)          # the late message
    d = _image(plot)
    y0, y1 = float(d["y"][0]), float(d["y"][0] + d["dh"][0])
    assert lo - 1 <= y0 and y1 <= hi + 1, (y0, y1, lo, hi)
    c = ex.candles()
    assert c["low"].min() > 100_000 and hi - lo < (c["high"].max() - c["low"].min()) * 1.2


def test_widgets_edit_the_state():
    ex = Explorer(window="3d", end=END)
    assert ex.state.usd_max == ex.usd_max.value > 1e6               # fitted at the start
    ex.clip.value = 98.0
    assert ex.state.clip == 98.0 and "not applied" not in ex.status.value
    ex.window.value = "1y"
    assert ex.state.window == "1y" and list(ex.exchange.options) == [sources.AGGREGATE, "binance"]
    ex.tiers.value = ex.tiers.options[:2]
    assert ex.state.tiers == tuple(ex.tiers.options[:2])
    ex.param_widgets["leverage_tiers"].value = "5, ten"              # a bad text box
    assert "not applied" in ex.status.value and ex.busy.value == ""
    assert ex.state.params == liqlab.ModelParams() and ex.state.window == "1y"


def test_a_burst_of_changes_is_drawn_once_more_after_it():
    """Changes less than a second apart (made before the browser had drawn the one before) are
    followed by one more full redraw once they stop: in the browser such a burst sometimes left
    an earlier window's heatmap and price axis on screen (issue 13 item 9)."""
    import asyncio

    from liqlab.views import explorer as mod
    ex = Explorer(window="3d", end=END)
    calls = []
    ex.redraw = lambda: calls.append(ex.state.clip)

    async def run():
        ex.clip.value = 98.0                 # alone: no burst
        await asyncio.sleep(mod._SETTLE_S + 0.3)
        alone = len(calls)
        ex.clip.value = 97.0                 # two changes in quick succession
        ex.clip.value = 96.0
        await asyncio.sleep(mod._SETTLE_S + 0.3)
        return alone
    alone = asyncio.run(run())
    assert alone == 0 and calls == [96.0]    # one redraw, after the burst, of its last state
