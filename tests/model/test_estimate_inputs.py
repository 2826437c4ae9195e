"""How liqlab.estimate reads its inputs: as-of open interest, mark prices, side rules; and
each kind of bad input is a clear ValueError."""
import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.model.estimator import prepare


def _hourly(rows, start="2024-01-01"):
    idx = pd.date_range(start, periods=len(rows), freq="1h", tz="UTC", name="time")
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"], index=idx, dtype=float)
    df.attrs.update(exchange="test", symbol="TEST", timeframe="1h")
    return df


FLAT = [(100, 101, 99, 100, 0)] * 3
ONLY_OI = liqlab.ModelParams(inflow_volume_share=0.0, inflow_oi_share=1.0)


def _oi(stamps, values):
    return pd.Series(values, index=pd.DatetimeIndex(stamps, tz="UTC"), name="oi_usd", dtype=float)


def test_oi_is_aligned_as_of_backward_strictly_before_each_candle_end():
    """Hourly candles 00:00, 01:00, 02:00; OI stamped 00:30 = 100, 01:00 = 150, 02:59 = 120.
    After candle 0 the latest value before 01:00 is 100 (nothing before 00:00: no change);
    after candle 1 the latest before 02:00 is the 01:00 value 150 (+50 opens);
    after candle 2 the latest before 03:00 is 120 (-30: 30/150 = 20 % closes).
    A value stamped exactly at a candle's end belongs to the next candle."""
    oi = _oi(["2024-01-01 00:30", "2024-01-01 01:00", "2024-01-01 02:59"], [100, 150, 120])
    p = prepare(_hourly(FLAT), oi, ONLY_OI)
    np.testing.assert_allclose(p.inflow, [0, 50, 0])
    np.testing.assert_allclose(p.close_frac, [0, 0, 0.2])
    # a frame with oi_usd works the same, and a later value never leaks in
    later = _oi(["2024-01-01 00:30", "2024-01-01 01:00", "2024-01-01 02:59", "2024-01-01 03:00"],
                [100, 150, 120, 999]).to_frame()
    later.index.name = "time"
    p2 = prepare(_hourly(FLAT), later, ONLY_OI)
    np.testing.assert_array_equal(p2.inflow, p.inflow)
    np.testing.assert_array_equal(p2.close_frac, p.close_frac)


def test_volume_only_says_so():
    r = liqlab.estimate(_hourly([(100, 101, 99, 100, 5)] * 3), params=ONLY_OI.replace(inflow_volume_share=0.1))
    assert r.meta["inflow"] == "volume only (no open interest)"
    assert "oi" in r.meta["proxies"] and r.meta["inputs"]["quote_volume"].startswith("approximated")


def test_side_rules_tilt_the_long_share():
    rows = [(100, 102, 100, 102, 1), (102, 103, 100, 100, 1)]     # all-body up candle, then down 2/3
    p = prepare(_hourly(rows), None, ONLY_OI.replace(inflow_volume_share=0.1, side_rule="direction",
                                                     side_skew=0.3))
    np.testing.assert_allclose(p.lshare, [0.5 + 0.3 * 1.0, 0.5 - 0.3 * 2 / 3])
    tb = pd.Series([0.75, 0.25], index=_hourly(rows).index)       # 75 % then 25 % taker buys
    p = prepare(_hourly(rows), None, ONLY_OI.replace(inflow_volume_share=0.1, side_rule="taker",
                                                     side_skew=0.2), taker_buy=tb)
    np.testing.assert_allclose(p.lshare, [0.5 + 0.2 * 0.5, 0.5 - 0.2 * 0.5])
    fund = _oi(["2023-12-31 16:00", "2024-01-01 00:30"], [0.0002, -0.00005]).rename("rate")
    p = prepare(_hourly(rows), None, ONLY_OI.replace(inflow_volume_share=0.1, side_rule="funding",
                                                     side_skew=0.2, funding_ref=0.0001), funding=fund)
    np.testing.assert_allclose(p.lshare, [0.5 - 0.2 * 0.5, 0.5 - 0.2 * 0.5])  # latest before end


def test_mark_candles_drive_the_sweep():
    c = liqlab.load_sample("binance_btcusdt_1h").loc["2025-10-10"]
    mark = liqlab.load_sample("binance_btcusdt_mark_1h").loc["2025-10-10"]
    p = prepare(c, None, liqlab.ModelParams(), mark=mark)
    np.testing.assert_array_equal(p.swl, mark["low"].to_numpy())
    np.testing.assert_array_equal(p.swh, mark["high"].to_numpy())
    # the mark price is not the last trade: their lows differ in the cascade hour
    print("2025-10-10 21:00 trade low", c["low"].iloc[21], "mark low", mark["low"].iloc[21])


C5 = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-01":"2025-10-02"]
OI = liqlab.load_sample("hyperliquid_btc_oi_1h")


@pytest.mark.parametrize("make,msg", [
    (lambda: dict(candles=C5.drop(columns="volume")), "missing column"),
    (lambda: dict(candles=C5.tz_localize(None)), "naive"),
    (lambda: dict(candles=C5.iloc[::-1]), "not sorted"),
    (lambda: dict(candles=C5.assign(low=C5["high"] * 1.01)), "high is below"),
    (lambda: dict(candles=C5, oi=OI.drop(OI.loc["2025-10-01 08:00":"2025-10-01 16:00"].index)), "gap"),
    (lambda: dict(candles=C5, oi=OI.assign(oi_usd=OI["oi_usd"].where(OI.index != "2025-10-01 05:00", 0.0))),
     "zero or negative"),
    (lambda: dict(candles=C5, oi=OI["oi_usd"].mul(-1)), "zero or negative"),
    (lambda: dict(candles=C5, oi=OI["oi_usd"].where(OI.index != "2025-10-01 05:00")), "NaN"),
    (lambda: dict(candles=C5, oi=OI.loc["2025-10-02":]), "oi starts at"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(bin_rel=0.005)), "too coarse"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(grid_range=1.05)), "too small for the price range"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(bin_rel=1e-5, grid_range=50)), "more than 20,000"),
    (lambda: dict(candles=C5, params={"side_rule": "even"}), "must be a liqlab.ModelParams"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(side_rule="taker")), "needs taker-buy"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(side_rule="funding")), "needs funding"),
    (lambda: dict(candles=C5, params=liqlab.ModelParams(inflow_volume_share=0.0)), "nothing would ever open"),
    (lambda: dict(candles=C5, step="1min"), "shorter than the bar"),
    (lambda: dict(candles=C5, step="5min", max_columns=100), "exceed max_columns"),
    (lambda: dict(candles=C5, mark=liqlab.load_sample("binance_btcusdt_mark_1h")), "coarser mark"),
    (lambda: dict(candles=C5.iloc[:10], params=liqlab.ModelParams(leverage_median=300.0)), "out of bounds"),
])
def test_bad_input_is_a_clear_error(make, msg):
    with pytest.raises(ValueError, match=msg):
        liqlab.estimate(**make())
