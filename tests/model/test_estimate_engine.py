"""The numba kernel equals the plain-Python reference, on random inputs and on real data;
and a three-candle case worked by hand."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import liqlab
from liqlab.model.kernel import run_kernel
from liqlab.model.estimator import prepare
from tests.reference_model import run_reference


def _frame(rows, start="2024-01-01", bar="1h"):
    idx = pd.date_range(start, periods=len(rows), freq=bar, tz="UTC", name="time")
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"], index=idx, dtype=float)
    df.attrs.update(exchange="test", symbol="TEST", timeframe=bar.replace("min", "m"))
    return df


def _compare(prep, rtol=1e-9):
    args = prep.kernel_args(True)
    sw, tot, clipped = run_kernel(*args)
    heat, heat_t = args[-2], args[-1]
    rsw, rheat, rheat_t, rtot = run_reference(prep)
    assert clipped == 0
    scale = max(float(np.abs(rtot).max()), 1.0)
    np.testing.assert_allclose(sw, rsw, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(heat, rheat, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(heat_t, rheat_t, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(tot, rtot, rtol=rtol, atol=rtol * scale)


@st.composite
def random_case(draw):
    n = draw(st.integers(1, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows, p = [], 100.0
    for _ in range(n):
        c = p * np.exp(rng.normal(0, 0.02))
        h = max(p, c) * (1 + rng.uniform(0, 0.02))
        lo = min(p, c) * (1 - rng.uniform(0, 0.02))
        rows.append((p, h, lo, c, rng.uniform(0, 100) * draw(st.sampled_from([0.0, 1.0]))))
        p = c
    candles = _frame(rows)
    use_oi = draw(st.booleans())
    oi = None
    if use_oi:
        stamps = candles.index - pd.Timedelta("30min")
        oi = pd.Series(rng.uniform(500, 1500, n), index=stamps, name="oi_usd")
    tiers = draw(st.sampled_from([(3.0,), (5.0, 20.0), (3.0, 10.0, 20.0)]))
    params = liqlab.ModelParams(
        inflow_volume_share=draw(st.sampled_from([0.0, 0.01, 0.3])) if use_oi else 0.1,
        inflow_oi_share=draw(st.sampled_from([0.0, 1.0])),
        close_policy=draw(st.sampled_from(["proportional", "oldest", "nearest"])),
        entry=draw(st.sampled_from(["close", "anchors", "uniform"])), uniform_points=3,
        side_rule=draw(st.sampled_from(["even", "direction"])), side_skew=0.4,
        leverage_tiers=tiers, leverage_weights=tuple(rng.uniform(0.1, 1, len(tiers))),
        decay_half_life_days=draw(st.sampled_from([0.0, 0.5, 30.0])),
        bin_mode=draw(st.sampled_from(["relative", "absolute"])), bin_rel=0.01, bin_usd=1.0,
        grid_range=2.5)
    step = draw(st.sampled_from(["1h", "3h"]))
    return candles, oi, params, step


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_kernel_equals_reference_on_random_inputs(case):
    candles, oi, params, step = case
    _compare(prepare(candles, oi, params, step=step))


@pytest.mark.parametrize("policy", ["proportional", "oldest", "nearest"])
def test_kernel_equals_reference_on_real_data(policy):
    """Binance BTCUSDT 5m, 2025-10-09 18:00 .. 10-10 23:55 (the cascade), Hyperliquid OI."""
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-09 18:00":"2025-10-10 23:55"]
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    params = liqlab.ModelParams(close_policy=policy, bin_rel=0.002, grid_range=1.55)
    prep = prepare(c, oi, params, step="1h")
    assert prep.grid.n < 450 and len(c) == 360
    _compare(prep)


def test_three_candles_by_hand():
    """One 10x tier, entries at the close, 1 x quote volume, absolute 0.5 USD bins.
    Candle 0 closes at 100 with volume 1: 100 USD per side opens. Long LP = 100 * 0.9 / 0.996
    = 90.361 (between centres 90.25 and 90.75), short LP = 100 * 1.1 / 1.004 = 109.562.
    Candle 1 (low 95, high 101) touches neither. Candle 2 (low 90) sweeps all 100 USD of longs.
    Candle 3 opens 100 USD per side at 100 with low 90: the new long's level 90.361 is inside
    its own range, so it is opened and swept in that candle (another 100 USD)."""
    candles = _frame([(100, 100, 100, 100, 1), (100, 101, 95, 96, 0), (96, 97, 90, 92, 0),
                      (92, 100, 90, 100, 1)])
    params = liqlab.ModelParams(inflow_volume_share=1.0, leverage_tiers=(10.0,), leverage_weights=(1.0,),
                                entry="close", decay_half_life_days=0.0, bin_mode="absolute",
                                bin_usd=0.5, grid_range=1.5)
    r = liqlab.estimate(candles, params=params, step="1h")
    assert r.swept["long_usd"].tolist() == pytest.approx([0, 0, 100, 100], abs=1e-9)
    assert r.swept["short_usd"].tolist() == pytest.approx([0, 0, 0, 0], abs=1e-9)
    tot = r.meta["totals"]
    assert tot["long"]["opened"] == pytest.approx(200) and tot["long"]["outstanding"] == pytest.approx(0)
    assert tot["short"]["outstanding"] == pytest.approx(200)
    # the short levels: 100 USD around 109.562 after candle 0; by linear interpolation
    # 109.562 = 109.25 + 0.312 -> weight 0.624 on the 109.75 bin, 0.376 on 109.25
    col0 = r.heatmap["short_usd"].isel(time=0)
    lp = 110 / 1.004
    w = (lp - 109.25) / 0.5
    assert float(col0.sel(price=109.25)) == pytest.approx(100 * (1 - w))
    assert float(col0.sel(price=109.75)) == pytest.approx(100 * w)
    assert float(col0.sum()) == pytest.approx(100)


def test_renormalisation_keeps_kernel_equal_to_reference():
    """A 0.001-day half-life shrinks each side's scale factor by 2**-3.5 per 5m candle, so the
    kernel renormalises its grid about every 95 candles; the reference never needs to."""
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-01 00:00":"2025-10-01 23:55"]
    params = liqlab.ModelParams(decay_half_life_days=0.001, bin_rel=0.002, grid_range=1.3)
    prep = prepare(c, None, params, step="1h")
    assert np.prod(prep.decay) < 1e-200
    _compare(prep)


def test_lognormal_tiers_are_its_quantile_midpoints():
    """median 20x, sigma 0.8, 5 tiers: quantiles 0.1, 0.3, 0.5, 0.7, 0.9 have z = -1.2816,
    -0.5244, 0, 0.5244, 1.2816, so leverage 20 * exp(0.8 z) = 20 * (0.3587, 0.6574, 1, 1.5212,
    2.7879) = 7.174, 13.147, 20, 30.425, 55.758."""
    from liqlab.model.estimator import leverage_tiers
    lev, w = leverage_tiers(liqlab.ModelParams(leverage_mode="lognormal"))
    np.testing.assert_allclose(lev, [7.174, 13.147, 20.0, 30.425, 55.758], rtol=1e-4)
    np.testing.assert_allclose(w, 0.2)
