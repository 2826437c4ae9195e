"""Clusters on a hand-built snapshot."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from liqlab.backtest.clusters import clusters_frame, find_clusters

PRICES = np.arange(90.0, 111.0)  # 90, 91, ..., 110; price now 100


def _column():
    v = np.zeros(len(PRICES))
    put = {95: 10.0, 96: 4.0, 94: 2.0,   # peak at 95 (below: long levels)
           104: 8.0, 105: 8.0,           # plateau at 104/105: one cluster
           102: 3.0,                      # small peak at 102
           100: 50.0,                     # at the price: outside the band
           90: 30.0}                      # 10.5 % away: outside the band
    for p, x in put.items():
        v[int(p - 90)] = x
    return v


def test_local_maxima_above_quantile_in_band():
    v = _column()
    # band 0.5 %..8 %: in-band positive values are 94:2, 95:10, 96:4, 102:3, 104:8, 105:8
    # (100 is at distance 0, 90 at log(90/100) = -10.5 %). Local maxima among them: 95, 102,
    # 105 (plateau 104/105: '>=' left and '>' right picks its upper end).
    rows, bins, q = find_clusters(PRICES, v[None, :], np.array([100.0]), quantile=0.0,
                                  band=(0.005, 0.08), max_per_side=None)
    assert PRICES[bins].tolist() == [95.0, 102.0, 105.0]
    # quantile 0.5 of [2, 3, 4, 8, 8, 10] is 6: 102 (3) drops out
    rows, bins, q = find_clusters(PRICES, v[None, :], np.array([100.0]), quantile=0.5,
                                  band=(0.005, 0.08), max_per_side=None)
    assert PRICES[bins].tolist() == [95.0, 105.0]
    # strength_q: share of in-band values below: 95 (10) beats 5 of 6, 105 (8) beats 3 of 6
    assert q.tolist() == pytest.approx([5 / 6, 3 / 6])
    # one per side: the strongest above is 105, below 95
    rows, bins, q = find_clusters(PRICES, v[None, :], np.array([100.0]), quantile=0.0,
                                  band=(0.005, 0.08), max_per_side=1)
    assert PRICES[bins].tolist() == [95.0, 105.0]


def test_clusters_frame_from_a_heatmap():
    v = _column()
    times = pd.date_range("2025-01-01", periods=2, freq="1h")
    hm = xr.Dataset({"long_usd": (("time", "price"), np.stack([v, v]) * 0.25),
                     "short_usd": (("time", "price"), np.stack([v, v]) * 0.75)},
                    coords={"time": times, "price": PRICES})
    snaps = pd.DataFrame({"column": [1], "t0": pd.DatetimeIndex(times[1:], tz="UTC"),
                          "price_now": [100.0]})
    cl = clusters_frame(hm, snaps, quantile=0.5, band=(0.005, 0.08), max_per_side=None)
    assert cl["level"].tolist() == [95.0, 105.0]
    assert cl["side"].tolist() == ["long", "short"]
    assert cl["strength"].tolist() == [10.0, 8.0]            # long + short
    assert cl["distance"].to_numpy() == pytest.approx(np.log([0.95, 1.05]))
    # median of in-band positives [2, 3, 4, 8, 8, 10] is 6
    assert cl["strength_rel"].to_numpy() == pytest.approx([10 / 6, 8 / 6])


def test_bad_input():
    with pytest.raises(ValueError, match="band"):
        find_clusters(PRICES, _column()[None, :], np.array([100.0]), band=(0.05, 0.01))
    with pytest.raises(ValueError, match="quantile"):
        find_clusters(PRICES, _column()[None, :], np.array([100.0]), quantile=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        find_clusters(PRICES, -_column()[None, :], np.array([100.0]))
    hm = xr.Dataset({"long_usd": (("time", "price"), np.zeros((1, 3)))},
                    coords={"time": pd.date_range("2025", periods=1), "price": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="short_usd"):
        clusters_frame(hm, pd.DataFrame({"column": [0], "t0": [0], "price_now": [2.0]}))
