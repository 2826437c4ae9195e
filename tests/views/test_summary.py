"""The level summary beside the charts, against a heatmap small enough to work out by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from liqlab.views.summary import levels_summary

PRICES = [94.0, 96.0, 97.0, 98.0, 99.0, 101.0, 102.0, 103.0, 104.0, 106.0]
TIMES = pd.DatetimeIndex(["2025-10-10 23:50", "2025-10-10 23:55"])


def _heatmap() -> xr.Dataset:
    """Two columns; the first holds 1000 everywhere (must not count: only the last column does).
    Last column, longs: 94:7 96:1 97:4 98:2 99:3 and 101:50 (above the price 100: a long there
    is not a level below the price, so it is left out); shorts: 99:60 (below: left out)
    101:5 102:1 103:8 104:8 106:2."""
    longs = np.full((2, len(PRICES)), 1000.0)
    shorts = np.full((2, len(PRICES)), 1000.0)
    longs[1] = [7, 1, 4, 2, 3, 50, 0, 0, 0, 0]
    shorts[1] = [0, 0, 0, 0, 60, 5, 1, 8, 8, 2]
    return xr.Dataset({"long_usd": (("time", "price"), longs), "short_usd": (("time", "price"), shorts)},
                      coords={"time": TIMES, "price": PRICES})


def test_band_totals_by_hand():
    s = levels_summary(_heatmap(), 100.0)
    # 2 %: longs in [98, 100): 98, 99 -> 2 + 3; shorts in (100, 102]: 101, 102 -> 5 + 1
    # 5 %: longs in [95, 100): 96..99 -> 1 + 4 + 2 + 3; shorts in (100, 105]: 101..104 -> 5+1+8+8
    assert s.bands.to_dict("records") == [{"pct": 2.0, "long_usd": 5.0, "short_usd": 6.0},
                                          {"pct": 5.0, "long_usd": 10.0, "short_usd": 22.0}]
    assert s.price == 100.0 and s.time == pd.Timestamp("2025-10-10 23:55", tz="UTC")
    assert s.band_lines() == ["within 2%: longs $5 below, shorts $6 above",
                              "within 5%: longs $10 below, shorts $22 above"]


def test_bands_are_configurable():
    s = levels_summary(_heatmap(), 100.0, bands=(1.0,))
    assert s.bands.to_dict("records") == [{"pct": 1.0, "long_usd": 3.0, "short_usd": 5.0}]


def test_top_levels_are_peaks_largest_first():
    s = levels_summary(_heatmap(), 100.0, n=5)
    # long peaks: 94 (7: first bin, above its neighbour 1), 97 (4 > 1, >= 2), 99 (3 > 2);
    # short peaks: 101 (5 > 0, >= 1), 103 (8 > 1, flat top 103/104 counted once at 103)
    got = [(r.price, r.side, r.usd) for r in s.top.itertuples()]
    assert got == [(103.0, "short", 8.0), (94.0, "long", 7.0), (101.0, "short", 5.0),
                   (97.0, "long", 4.0), (99.0, "long", 3.0)]
    assert s.top["distance_pct"].round(6).tolist() == [3.0, -6.0, 1.0, -3.0, -1.0]
    assert s.top_lines()[0] == "103  short       $8  +3.0%"


def test_top_levels_within_a_price_range():
    s = levels_summary(_heatmap(), 100.0, n=3, low=95.0, high=103.5)
    assert [(r.price, r.usd) for r in s.top.itertuples()] == [(103.0, 8.0), (101.0, 5.0), (97.0, 4.0)]


def test_top_levels_of_one_side():
    s = levels_summary(_heatmap(), 100.0, side="long")
    assert [(r.price, r.side) for r in s.top.itertuples()] == [(94.0, "long"), (97.0, "long"), (99.0, "long")]
    assert s.bands.iloc[0]["short_usd"] == 6.0  # the bands keep both sides


def test_levels_close_to_a_larger_one_are_skipped():
    s = levels_summary(_heatmap(), 100.0, n=5, gap_pct=2.5)
    # 103 (8) and 94 (7) first; 101 is 1.94 % from 103: skipped; 97 is 3.1 % from 94: kept;
    # 99 is 2.06 % from 97: skipped
    assert [(r.price, r.usd) for r in s.top.itertuples()] == [(103.0, 8.0), (94.0, 7.0), (97.0, 4.0)]


def test_an_earlier_column():
    s = levels_summary(_heatmap(), 100.0, at="2025-10-10 23:52")
    # the first column: 1000 in every bin; within 2 %: longs 98, 99; shorts 101, 102
    assert s.bands.iloc[0][["long_usd", "short_usd"]].tolist() == [2000.0, 2000.0]
    assert s.time == pd.Timestamp("2025-10-10 23:50", tz="UTC")


@pytest.mark.parametrize("bands", [(), (0.0,), (150.0,), (float("nan"),)])
def test_bad_bands_say_what_is_expected(bands):
    with pytest.raises(ValueError, match="bands are percentages between 0 and 100"):
        levels_summary(_heatmap(), 100.0, bands=bands)
