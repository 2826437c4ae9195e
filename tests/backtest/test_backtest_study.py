"""The event study end to end: a planted level touched at a known time, no lookahead, and
a map shuffled in time scoring no better than the null on average (real data)."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import liqlab
from liqlab.backtest import StudyConfig, event_study
from liqlab.backtest.nulls import brownian_touch_probability

H = pd.Timedelta("1h")


def _path():
    # hour:  00   01   02   03   04   05   06   07   08   09
    # close: 100  101  100  101  100  101  103  105  104  103
    # high:  to the planted level 105 only at 07:00 (high 106)
    closes = [100, 101, 100, 101, 100, 101, 103, 105, 104, 103]
    highs = [100.5, 101.5, 101, 101.5, 101, 101.5, 104, 106, 105, 104]
    lows = [99.5, 99.8, 99.6, 99.9, 99.7, 99.9, 100.5, 102.5, 103.5, 102.5]
    opens = [100] + closes[:-1]
    idx = pd.date_range("2025-01-01", periods=10, freq="1h", tz="UTC", name="time")
    c = pd.DataFrame({"open": opens, "high": highs, "low": lows, "close": closes,
                      "volume": 1.0}, index=idx, dtype=float)
    c.attrs["timeframe"] = "1h"
    return c


def _planted_map(times):
    prices = np.arange(90.0, 111.0)
    v = np.zeros((len(times), len(prices)))
    v[:, 15] = 1e6      # 105: the planted cluster (short levels above the price)
    v[:, 14] = 1e5      # a shoulder so 105 is a local maximum above the quantile
    v[:, 16] = 1e5
    v[:, 5] = 2e5       # 95: a weaker level below
    return xr.Dataset({"long_usd": (("time", "price"), np.where(prices < 100, v, 0)),
                       "short_usd": (("time", "price"), np.where(prices > 100, v, 0))},
                      coords={"time": times, "price": prices}, attrs={"column_label": "known"})


def test_planted_level_is_found_and_touched_at_known_time():
    c = _path()
    hm = _planted_map(pd.DatetimeIndex([pd.Timestamp("2025-01-01 05:00", tz="UTC")]))
    st = event_study(hm, c, horizon="4h", vol_window="3h", band=(0.01, 0.1), quantile=0.5,
                     max_per_side=1, n_random=2, n_shuffles=1, block="1h", n_boot=50)
    cl = st.events[st.events["kind"] == "cluster"].set_index("level")
    # at 05:00 the last closed candle is 04:00 (close 100): clusters at 105 and 95
    assert sorted(cl.index) == [95.0, 105.0]
    assert (cl["price_now"] == 100.0).all()
    top = cl.loc[105.0]
    assert top["side"] == "short" and bool(top["touched"])
    # touched by the 07:00 candle (high 106), confirmed at its close 08:00: 3 h after 05:00
    assert top["touch_time"] == pd.Timestamp("2025-01-01 07:00", tz="UTC")
    assert top["time_to_touch"] == pd.Timedelta("3h")
    # 95 below: lows never go under 99.5 -> not touched within 05:00..09:00
    assert not bool(cl.loc[95.0, "touched"])
    # mirrors: 100 * 100/105 = 95.24 (not touched) and 100 * 100/95 = 105.26 (high 106 at 07:00)
    opp = st.events[st.events["kind"] == "opposite"].set_index("level").sort_index()
    assert opp.index.to_numpy() == pytest.approx([100 * 100 / 105, 100 * 100 / 95])
    assert opp["touched"].tolist() == [False, True]
    # the Brownian null uses the volatility known at 05:00: 3 log returns of closes 01..04
    r = np.diff(np.log([100, 101, 100, 101, 100]))[-3:]
    p = brownian_touch_probability(np.log(1.05), r.std(ddof=1), 4.0)
    assert top["p_brownian"] == pytest.approx(p)


def test_column_times_follow_the_estimator_convention():
    c = _path()
    t = pd.DatetimeIndex([pd.Timestamp("2025-01-01 03:00", tz="UTC")])
    hm = _planted_map(t)
    hm.attrs = {"time_is": "column start; values are the state after the column's last candle",
                "step": "2h"}
    st = event_study(hm, c, horizon="4h", vol_window="3h", band=(0.01, 0.1), quantile=0.5,
                     n_random=1, n_shuffles=0, block="1h", n_boot=50)
    # a column starting at 03:00 with a 2 h step is known at 05:00, not before
    assert st.snapshots["t0"].tolist() == [pd.Timestamp("2025-01-01 05:00", tz="UTC")]
    hm.attrs = {}
    with pytest.raises(ValueError, match="cannot tell when each heatmap column is known"):
        event_study(hm, c, horizon="4h", vol_window="3h")


@pytest.fixture(scope="module")
def real():
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-09-01":"2025-10-15"]
    res = liqlab.estimate(c, step="2h", per_tier=False)
    return c, res.heatmap


def _decisions(st, upto):
    ev = st.events[(st.events["kind"].isin(["cluster", "opposite", "random"]))
                   & (st.events["t0"] <= upto)]
    return ev[["t0", "kind", "level", "side", "strength", "distance", "sigma", "p_brownian",
               "price_now"]].reset_index(drop=True)


def test_no_lookahead(real):
    """Changing candles and heatmap columns after T changes no decision at or before T,
    and no outcome whose horizon ended by T."""
    c, hm = real
    cfg = StudyConfig(horizon="12h", n_shuffles=0, n_random=3, n_boot=50)
    st = event_study(hm, c, cfg)
    T = pd.Timestamp("2025-09-25", tz="UTC")
    c2 = c.copy()
    late = c2.index >= T
    for col in ("open", "high", "low", "close"):
        c2.loc[late, col] = c2.loc[late, col] * 1.07
    hm2 = hm.copy(deep=True)
    known = pd.DatetimeIndex(hm.indexes["time"]) + pd.Timedelta(hm.attrs["step"])
    later = np.flatnonzero(known > T)
    rng = np.random.default_rng(3)
    for var in ("long_usd", "short_usd"):
        a = hm2[var].values
        a[later] = a[later][::-1] * rng.uniform(0.5, 2.0, a[later].shape)
    st2 = event_study(hm2, c2, cfg)
    pd.testing.assert_frame_equal(_decisions(st, T), _decisions(st2, T))
    assert len(_decisions(st, T)) > 100
    h = pd.Timedelta(cfg.horizon)
    done = lambda s: s.events[(s.events["kind"] != "shuffled") & (s.events["t0"] + h <= T)][
        ["t0", "level", "touched", "touch_time"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(done(st), done(st2))
    # and the data after T did change the later decisions (the test can fail)
    assert not _decisions(st, c.index[-1]).equals(_decisions(st2, c.index[-1]))


@pytest.mark.slow
def test_shuffled_map_scores_no_better_than_null_on_average(real):
    """Heatmap columns permuted in time (5 seeds) on the real path: the clusters of the
    shuffled maps touch no more often than random distance-matched levels, on average."""
    c, hm = real
    lifts = []
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(hm.sizes["time"])
        shuffled = hm.copy()
        for var in ("long_usd", "short_usd"):
            shuffled[var] = (("time", "price"), hm[var].values[perm])
        st = event_study(shuffled, c, horizon="12h", n_shuffles=0, n_random=5, n_boot=100,
                         seed=seed)
        lifts.append(st.lift("random")["lift"].iloc[0])
    lifts = np.array(lifts)
    se = lifts.std(ddof=1) / np.sqrt(len(lifts))
    assert lifts.mean() <= 1 + 2 * se + 0.02, lifts


def test_summary_tables_have_every_null(real):
    c, hm = real
    st = event_study(hm, c, horizon="12h", n_random=2, n_shuffles=1, n_boot=100)
    s = st.summary()
    assert list(s.index) == ["brownian", "opposite", "random", "shuffled"]
    assert ((s["lift_lo"] <= s["lift"]) & (s["lift"] <= s["lift_hi"])).all()
    by = st.lift("random", by="distance_band")
    assert by["n_clusters"].sum() == s.loc["random", "n_clusters"]
    d = st.directional_test()
    assert set(d["source"]) == {"map", "shuffled"}
    rel = st.reliability()
    assert set(rel["kind"]) == {"cluster", "random"} and (rel["n"] > 0).all()
    with pytest.raises(ValueError, match="unknown null"):
        st.lift("nonsense")


def test_rsi_confluence_uses_the_charts_divergences():
    """The study's divergence state is the signal the RSI panel draws: every chart divergence
    (Wilder RSI, confirmed pivots) switches the state on at its confirmation bar for
    ``divergence_window`` bars, and the state is never on without one (real Binance 1h candles)."""
    from liqlab import indicators
    from liqlab.backtest.study import divergence_state

    c = liqlab.load_sample("binance_btcusdt_1h").iloc[:2000]
    cfg = StudyConfig(divergence_window=24)
    state = divergence_state(c, cfg).to_numpy()
    div = indicators.divergences(c, indicators.rsi(c["close"], 14), 14, 5, 60)  # as the chart
    assert len(div) >= 5, "the sample should hold several divergences"
    pos = {t: i for i, t in enumerate(c.index)}
    at = np.array([pos[t] for t in div.index])
    sign = np.where(div["kind"].to_numpy() == "bullish", 1, -1)
    expected = np.zeros(len(c), int)
    for i, s in sorted(zip(at, sign)):
        expected[i:i + 24] = s
    assert (state == expected).all()
    # by hand at the confirmation bars: the state shows that divergence's sign
    last_at = {i: s for i, s in sorted(zip(at, sign))}
    assert all(state[i] == s for i, s in last_at.items())
    # and nothing before the first confirmation (no lookahead into later pivots)
    assert (state[:at.min()] == 0).all()
