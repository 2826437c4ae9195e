"""The where-score: shares by hand on a small map, then the embedded OKX and Hyperliquid
per-event sets end to end."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import liqlab
from liqlab.validation.where import where_score, where_set, where_units


def _map(t0, long_vals):
    edges = np.arange(100.0, 111.0)
    lv = np.asarray(long_vals, float)[None, :]
    return xr.Dataset({"long_usd": (("time", "price"), lv), "short_usd": (("time", "price"), lv * 0)},
                      coords={"time": pd.DatetimeIndex([t0]).tz_localize(None), "price": edges[:-1] + 0.5,
                              "price_lower": ("price", edges[:-1]), "price_upper": ("price", edges[1:])})


def test_where_units_by_hand():
    idx = pd.date_range("2025-05-25 15:00", periods=3, freq="1min", tz="UTC", name="time")
    candles = pd.DataFrame({"open": [104.0, 104.0, 104.0], "high": [105.0, 105.5, 105.0],
                            "low": [103.0, 101.5, 103.0], "close": [104.0, 104.0, 104.0],
                            "volume": 1.0}, index=idx)
    t = idx[1] + pd.Timedelta("10s")
    events = pd.DataFrame({"side": ["long"] * 3, "price": [103.5, 101.2, 104.5],
                           "usd": [10.0, 5.0, 25.0]}, index=pd.DatetimeIndex([t] * 3, name="time"))
    # the candle at idx[1] crosses 101.2 (an event below its low) .. 105.5: bins 101..105
    # model map before it (column idx[0]): bins 101: 5, 102: 0, 103: 9, 104: 1, 105: 0;
    # top 40 % of 5 bins = 2 bins: 103 and 101 -> events at 103.5 (10) and 101.2 (5) = 15 of 40
    model = _map(idx[0], [0, 5, 0, 9, 1, 0, 0, 0, 0, 0])
    # a map with nothing there: every crossed bin is tied, each 2/5 in the top: 16 of 40
    empty = _map(idx[0], [0] * 10)
    # ties among three bins (101, 102, 103 at 1): each 2/3 in the top: (10 + 5) * 2/3 = 10
    ties = _map(idx[0], [0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    u = where_units(candles, events, {"model": model, "empty": empty, "ties": ties}, top=0.4)
    r = u.iloc[0]
    assert (r["real"], r["bins"], r["events"]) == (40.0, 5, 3)
    assert r["top_model"] == pytest.approx(15.0)
    assert r["top_empty"] == pytest.approx(16.0)
    assert r["top_ties"] == pytest.approx(10.0)
    # even spread over the crossed range, in the model's top bins (2 of 5 equal widths)
    assert r["top_even"] == pytest.approx(16.0)
    with pytest.raises(ValueError, match="no column"):
        where_units(candles, events, {"model": _map(idx[1], [0] * 10)}, top=0.4)
    early = events.set_axis(pd.DatetimeIndex([idx[0]] * 3, name="time"))
    with pytest.raises(ValueError, match="first candle"):
        where_units(candles, early, {"model": model}, top=0.4)


@pytest.mark.parametrize("name", ["okx_2026_03", "hyperliquid_2025_05"])
def test_where_score_on_embedded_sets(name):
    rep = where_set(name, n_boot=200)
    real = liqlab.validation.load_set(name)["realised"]
    s = rep.scores.set_index("side")
    sides = sorted(set(real["side"]))
    assert [x for x in s.index if x != "both"] == sides
    for side in sides:
        assert s.loc[side, "realised_usd"] == pytest.approx(real["usd"][real["side"] == side].sum())
        assert s.loc[side, "events"] == (real["side"] == side).sum()
        for k in ("model", "path_null", "even"):
            v, lo, hi = s.loc[side, [f"share_{k}", f"share_{k}_lo", f"share_{k}_hi"]]
            assert 0 <= lo <= v <= hi <= 1
        # even spread puts about the top share (20 %) of the notional in the top bins
        assert s.loc[side, "share_even"] == pytest.approx(0.2, abs=0.03)
        d = s.loc[side]
        assert d["model_minus_path_null"] == pytest.approx(d["share_model"] - d["share_path_null"])


def test_where_score_needs_warmup():
    d = liqlab.validation.load_set("okx_2026_03")
    c = d["candles"][d["candles"].index >= d["realised"].index[0].floor("15min")]
    with pytest.raises(ValueError, match="warm-up"):
        where_score(c, d["realised"], n_boot=10)
