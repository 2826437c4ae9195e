"""The standard windows (liqlab.WINDOWS): every one runs on the embedded data, with warm-up."""
import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.data.windows import WINDOWS, resample_candles, trim, window_inputs

C5 = liqlab.load_sample("binance_btcusdt_5m")
OI = liqlab.load_sample("hyperliquid_btc_oi_1h")
END = pd.Timestamp("2025-10-11", tz="UTC")


def test_the_standard_windows():
    assert list(liqlab.WINDOWS) == ["12h", "24h", "3d", "1w", "2w", "1m", "3m", "6m", "1y"]
    for w in WINDOWS.values():
        assert w.warmup > pd.Timedelta(0) and w.bar <= pd.Timedelta("4h")
        assert w.length / w.bar <= 5000


@pytest.mark.parametrize("name", list(WINDOWS))
def test_every_window_estimates_on_the_embedded_data(name):
    w = WINDOWS[name]
    d = window_inputs(name, END, C5, OI)
    start, data_start, short = d.pop("start"), d.pop("data_start"), d.pop("warmup_short")
    assert start == END - w.length and data_start == start - w.warmup
    c = d["candles"]
    assert c.index[-1] < END and (short or c.index[0] == data_start)
    assert short == (data_start < C5.index[0])
    r = trim(liqlab.estimate(**d, per_tier=False), start)
    assert pd.DatetimeIndex(r.heatmap.indexes["time"])[0] >= start
    assert r.swept.index[0] >= start and r.heatmap.sizes["time"] <= 2000
    # levels opened during the warm-up are on the map at the window's left edge
    assert float(r.heatmap["long_usd"].isel(time=0).sum()) > 0


def test_resampling_5m_reproduces_binance_1h_candles():
    """Real data check: 5m candles coarsened to 1h equal Binance's own 1h candles."""
    h1 = liqlab.load_sample("binance_btcusdt_1h").loc["2025-09-01":"2025-09-03"]
    mine = resample_candles(C5.loc["2025-09-01":"2025-09-03"], "1h")
    assert mine.index.equals(h1.index) and mine.attrs["timeframe"] == "1h"
    for col in ("open", "high", "low", "close"):
        np.testing.assert_allclose(mine[col], h1[col], rtol=1e-12)
    np.testing.assert_allclose(mine["volume"], h1["volume"], rtol=1e-6)


def test_incomplete_bars_are_dropped_and_bad_requests_fail():
    part = resample_candles(C5.loc["2025-09-01 00:00":"2025-09-01 01:30"], "1h")
    assert len(part) == 1                    # 01:00-01:30 is incomplete
    with pytest.raises(ValueError, match="finer"):
        resample_candles(C5, "1min")
    with pytest.raises(ValueError, match="unknown window"):
        window_inputs("5y", END, C5)
    with pytest.raises(ValueError, match="no candles"):
        window_inputs("12h", "2020-01-01", C5)


def test_trim_records_the_warm_up_and_partial_columns():
    d = window_inputs("1w", "2025-10-11 03:17", C5)
    start = d.pop("start")
    d.pop("data_start"), d.pop("warmup_short")
    r = trim(liqlab.estimate(**d), start)
    # data start 2025-09-20 03:17 -> first 5m candle 03:20; window start 2025-10-04 03:17
    assert r.meta["warmup"] == str(pd.Timedelta("13D 23:57:00"))
    assert r.meta["last_column_partial"]          # 30-minute columns, data ends at 03:15 + 5m


def test_start_spends_the_columns_on_the_window_and_changes_no_value():
    """``start=``: the warm-up candles fill the state but get no columns; each column shown is
    exactly the full estimate's column at that time, and ``swept`` is the same series."""
    d = window_inputs("3d", "2025-10-11", C5)
    start = d.pop("start")
    d.pop("data_start"), d.pop("warmup_short")
    full = liqlab.estimate(**d, step="5min", max_columns=5000)
    part = liqlab.estimate(**d, step="5min", max_columns=5000, start=start)
    t = pd.DatetimeIndex(part.heatmap.indexes["time"])
    assert t[0] == start and len(t) == 3 * 288
    ref = full.heatmap.sel(time=t)
    for v in ("long_usd", "short_usd", "long_usd_tier"):
        np.testing.assert_array_equal(part.heatmap[v].values, ref[v].values)
    pd.testing.assert_frame_equal(part.swept, full.swept)
    # with the default step, the window alone decides the column width: 5m for 3 days
    auto = liqlab.estimate(**d, start=start)
    assert auto.heatmap.sizes["time"] == 3 * 288
    assert trim(liqlab.estimate(**d), start).heatmap.sizes["time"] == 3 * 96   # 15m: warm-up shares
    with pytest.raises(ValueError, match="after the last candle"):
        liqlab.estimate(**d, start="2025-10-12")
