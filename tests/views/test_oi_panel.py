"""The open-interest panel says whose open interest it draws (issue 13: the panel under
'binance BTC' was Hyperliquid's and the picture did not say so), on the HTML dashboard and the
PNG, with the label the loader worked out from the real embedded data."""
from __future__ import annotations

import holoviews as hv
import pytest

from liqlab.data import load_window
from liqlab.views import layout, panels, static

hv.extension("bokeh", logo=False)


@pytest.fixture(scope="module")
def data():
    return load_window("3d", "2025-10-11T00:00Z")


def test_panel_title_names_the_proxy_and_share(data):
    share = data.oi_sources["binance"].share
    want = f"OI (USD): Hyperliquid proxy x {share:.2f} by volume share"
    fig = hv.render(panels.open_interest(data.oi_for("binance")))
    assert fig.title.text == want
    assert panels.oi_title(data.oi_for("binance"), label="x") == "OI (USD): x"
    s = data.oi_for("binance").copy()
    s.attrs = {}
    assert panels.oi_title(s) == "OI (USD)"      # a bare series: no claim about its source


def test_dashboard_and_png_carry_the_label(data):
    from liqlab.pipeline import estimate_window
    res = estimate_window(data).by_exchange["bybit"]
    c = data.candles("bybit")
    oi = data.oi_for("bybit")
    want = f"OI (USD): Hyperliquid proxy x {data.oi_sources['bybit'].share:.2f} by volume share"
    page = hv.render(layout.dashboard(res.heatmap, c, oi=oi, rsi=False, profile=False, dynamic=False))
    from bokeh.models import Title
    titles = [t.text for t in page.select({"type": Title})]
    assert want in titles
    fig = static.figure(c, oi=oi)
    assert [t.get_text() for t in fig.axes[2].texts] == [want]
