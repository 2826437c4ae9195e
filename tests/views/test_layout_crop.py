"""The crop rule shared by the explorer, ``liqlab render`` and the notebooks, on a tiny
hand-made heatmap whose kept bins can be read off by eye."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from liqlab.views import layout


def _heatmap():
    time = pd.date_range("2026-01-01", periods=4, freq="1h", tz="UTC")
    price = np.array([70.0, 79.0, 81.0, 100.0, 124.0, 126.0, 150.0])
    v = np.arange(len(time) * len(price), dtype=float).reshape(len(time), len(price))
    return xr.Dataset({"long_usd": (("time", "price"), v), "short_usd": (("time", "price"), -v)},
                      coords={"time": time, "price": price})


def _candles(low, high):
    t = pd.date_range("2026-01-01 01:00", periods=2, freq="1h", tz="UTC")
    mid = (low + high) / 2
    return pd.DataFrame({"open": [mid, mid], "high": [mid, high], "low": [low, mid],
                         "close": [mid, mid], "volume": [1.0, 1.0]}, index=t)


def test_crop_to_candles_keeps_25_percent_beyond_the_range():
    hm = _heatmap()
    # lowest low 90, highest high 110: bins in [90 / 1.25, 110 * 1.25] = [72, 137.5]
    out = layout.crop_to_candles(hm, _candles(90.0, 110.0), "2026-01-01 01:00", "2026-01-01 03:00")
    assert out["price"].values.tolist() == [79.0, 81.0, 100.0, 124.0, 126.0]
    assert list(out.indexes["time"].hour) == [1, 2]
    assert out["long_usd"].values.tolist() == [[8.0, 9.0, 10.0, 11.0, 12.0],
                                               [15.0, 16.0, 17.0, 18.0, 19.0]]
    # the same as cropping by hand with the documented margin
    by_hand = layout.crop(hm, "2026-01-01 01:00", "2026-01-01 03:00", 72.0, 137.5)
    xr.testing.assert_identical(out, by_hand)
    # no time bounds: every column; lows and highs 100 with a margin of 1.5: [66.7, 150]
    wide = layout.crop_to_candles(hm, _candles(100.0, 100.0), margin=1.5)
    assert layout.crop_to_candles(hm, _candles(100.0, 100.0))["price"].values.tolist() == [
        81.0, 100.0, 124.0]                          # [80, 125]
    assert wide.sizes["time"] == 4 and wide["price"].values.tolist() == [70.0, 79.0, 81.0, 100.0,
                                                                          124.0, 126.0, 150.0]


def test_crop_to_candles_says_what_is_wrong():
    hm = _heatmap()
    with pytest.raises(ValueError, match="no candles"):
        layout.crop_to_candles(hm, _candles(100.0, 100.0).iloc[:0])
    with pytest.raises(ValueError, match="margin must be >= 1"):
        layout.crop_to_candles(hm, _candles(100.0, 100.0), margin=0.8)
    with pytest.raises(ValueError, match="no heatmap columns or price bins"):
        layout.crop_to_candles(hm, _candles(1000.0, 1000.0))
