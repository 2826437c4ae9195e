"""The PNG figure read the way a trader reads it: tick labels, title, tag, legend, notes.

The candles are the embedded real ones; the expected labels are worked out by hand from the
window's dates (e.g. a 3-month window to 2025-10-11 starts 2025-07-13, so half-month ticks fall
on Jul 15, Aug 01, ...)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.views import static

END = pd.Timestamp("2025-10-11 00:00", tz="UTC")


def _candles(sample: str, span: str) -> pd.DataFrame:
    c = liqlab.load_sample(sample)
    return c[(c.index >= END - pd.Timedelta(span)) & (c.index < END)]


def _drawn(fig):
    """Draw as the PNG is drawn (Agg), so that tick labels and layout are final."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig).draw()
    return fig


def _xlabels(fig) -> list[str]:
    axes = [a for a in fig.axes if a.get_xticklabels() and a.xaxis.get_visible()]
    bottom = min(axes, key=lambda a: a.get_position().y0)
    return [t.get_text() for t in bottom.get_xticklabels()]


@pytest.mark.parametrize("sample, span, expected", [
    # 12 h from 2025-10-10 12:00: two-hourly ticks on whole hours, the date at midnight
    ("binance_btcusdt_5m", "12h", ["12:00", "14:00", "16:00", "18:00", "20:00", "22:00", "Oct 11"]),
    # 3 days from 2025-10-08: twelve-hourly ticks, days named at midnight
    ("binance_btcusdt_5m", "3D", ["Oct 08", "12:00", "Oct 09", "12:00", "Oct 10", "12:00", "Oct 11"]),
    # 30 days from 2025-09-11: weekly ticks on the 15th, 22nd, 1st, 8th, each naming its month
    ("binance_btcusdt_5m", "30D", ["Sep 15", "Sep 22", "Oct 01", "Oct 08"]),
    # 90 days from 2025-07-13: the 1st and 15th of each month
    ("binance_btcusdt_1h", "90D", ["Jul 15", "Aug 01", "Aug 15", "Sep 01", "Sep 15", "Oct 01"]),
    # a year from 2024-10-11: every second month, with its year (no "2025-Nov" anywhere)
    ("binance_btcusdt_1h", "365D", ["Nov 2024", "Jan 2025", "Mar 2025", "May 2025", "Jul 2025",
                                    "Sep 2025"]),
])
def test_time_axis_ticks_on_whole_hours_days_and_months(sample, span, expected):
    fig = _drawn(static.figure(_candles(sample, span), title="t"))
    assert _xlabels(fig) == expected
    start = END - pd.Timedelta(span)
    xlabel = fig.axes[1].get_xlabel()
    assert xlabel == f"time (UTC), {start:%Y-%m-%d %H:%M} .. 2025-10-11 00:00"


def test_time_ticks_function_matches_the_figure():
    t, labels = static.time_ticks("2025-10-10T12:00Z", "2025-10-11T00:00Z")
    assert list(t.hour) == [12, 14, 16, 18, 20, 22, 0] and labels[3] == "18:00"
    with pytest.raises(ValueError, match="end > start"):
        static.time_ticks("2025-10-11", "2025-10-10")


def test_price_ticks_have_thousands_separators_and_the_last_price_a_tag():
    c = _candles("binance_btcusdt_5m", "3D")
    fig = _drawn(static.figure(c, oi=liqlab.load_sample("hyperliquid_btc_oi_1h")["oi_usd"],
                               title="binance BTC, 3d"))
    price_ax = fig.axes[0]
    ticks = [t.get_text() for t in price_ax.get_yticklabels() if t.get_text()]
    assert "110,000" in ticks and all(re.fullmatch(r"\d{2,3},\d{3}", t) for t in ticks), ticks
    last = float(c["close"].iloc[-1])          # the 2025-10-10 23:55 close
    tag = [t for t in price_ax.texts if t.get_text() == f"{last:,.0f}"]
    assert len(tag) == 1
    # the tag sits at the right edge of the price axis, at the last price
    x, y = tag[0].xy
    assert x == 1.0 and y == pytest.approx(last)
    # volume and open interest read without a "1e6" offset
    for ax in fig.axes[1:3]:
        assert ax.yaxis.get_offset_text().get_text() == ""
    assert any(t.get_text().endswith("k") for t in fig.axes[1].get_yticklabels())


def test_title_legend_notes_and_warning_are_on_the_picture():
    c = _candles("binance_btcusdt_5m", "3D")
    heat = _fake_free_heat(c)
    fig = _drawn(static.figure(c, heat=heat, clim=(0.0, 1.0), side="short", title="binance BTC, 3d",
                               notes=["inputs: binance_btcusdt_5m"], warning="volume-only model here",
                               scale_note="relative scale"))
    assert fig._suptitle.get_text() == "binance BTC, 3d"
    assert fig.axes[0].get_title(loc="left") == "inputs: binance_btcusdt_5m\nrelative scale"
    assert [t.get_text() for t in fig.axes[0].texts if "volume-only" in t.get_text()] == \
        ["volume-only model here"]
    legend = [a.get_legend() for a in fig.axes if a.get_legend() is not None][0]
    entries = [t.get_text() for t in legend.get_texts()]
    last = float(c["close"].iloc[-1])
    assert entries == ["candle, close >= open", "candle, close < open", f"last price {last:,.0f}",
                       "estimated short\nliquidation levels"]


def test_every_text_stays_inside_the_picture():
    """The colour-bar label and the notes are not cut off (6m and 1y had no OI panel, so a
    shorter figure, and the long colour-bar label ran off it)."""
    c = _candles("binance_btcusdt_1h", "182D")
    fig = _drawn(static.figure(c, heat=_fake_free_heat(c), clim=(0.0, 1.0), title="binance BTC, 6m",
                               notes=["inputs: binance_btcusdt_1h"], warning="volume-only model here",
                               scale_note="relative scale: clip 99.5th pct in view = $197M, gamma 1.5"))
    r = fig.canvas.get_renderer()
    box = fig.bbox
    cbar = [a for a in fig.axes if a.get_ylabel() == "USD per price bin"]
    assert len(cbar) == 1
    for text in [cbar[0].yaxis.label, fig._suptitle, fig.axes[0].title, fig.axes[0]._left_title]:
        e = text.get_window_extent(r)
        assert e.x0 >= box.x0 - 1 and e.x1 <= box.x1 + 1 and e.y0 >= box.y0 - 1 and e.y1 <= box.y1 + 1, \
            (text.get_text(), e, box)


def _fake_free_heat(c: pd.DataFrame):
    """A heatmap-shaped array on the candles' times (values are irrelevant to these checks:
    they read axes and texts, not colours): zeros, one bin row at the last close."""
    import xarray as xr
    t = c.index[::12].tz_localize(None)
    p = np.linspace(float(c["low"].min()), float(c["high"].max()), 50)
    v = np.zeros((len(t), len(p)))
    v[:, np.abs(p - float(c["close"].iloc[-1])).argmin()] = 1.0
    return xr.DataArray(v, dims=("time", "price"), coords={"time": t, "price": p})
