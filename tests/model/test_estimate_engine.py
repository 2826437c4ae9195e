"""The numba kernel equals the plain-Python reference, on random inputs and on real data;
and a three-candle case worked by hand."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import liqlab
from liqlab.model.kernel import _make_kernel, level_coords, run_kernel
from liqlab.model.estimator import prepare
from tests.reference_model import run_reference


def _frame(rows, start="2024-01-01", bar="1h"):
    idx = pd.date_range(start, periods=len(rows), freq=bar, tz="UTC", name="time")
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"], index=idx, dtype=float)
    df.attrs.update(exchange="test", symbol="TEST", timeframe=bar.replace("min", "m"))
    return df


def _compare(prep, rtol=1e-9):
    cd, md, heat, heat_t = prep.kernel_args(True)
    sw, ex, tot, clipped = run_kernel(cd, md, heat, heat_t)
    rsw, rex, rheat, rheat_t, rtot = run_reference(prep)
    assert clipped == 0
    scale = max(float(np.abs(rtot).max()), 1.0)
    np.testing.assert_allclose(sw, rsw, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(ex, rex, rtol=rtol, atol=rtol * scale)
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
        leverage_mode=draw(st.sampled_from(["tiers", "continuous"])),
        leverage_points=draw(st.sampled_from([1, 3, 5])), max_leverage=20.0,
        size_points=draw(st.sampled_from([1, 2])), position_usd=draw(st.sampled_from([1e4, 3e5])),
        entry_body_share=draw(st.sampled_from([0.0, 0.6])),
        exit_rate=draw(st.sampled_from([0.0, 0.7])), exit_distance=draw(st.sampled_from([0.02, 0.05])),
        level_noise=draw(st.sampled_from([0.0, 0.004])),
        decay_leverage_exponent=draw(st.sampled_from([0.0, 1.4])),
        inflow_volume_share=draw(st.sampled_from([0.0, 0.01, 0.3])) if use_oi else 0.1,
        inflow_oi_share=draw(st.sampled_from([0.0, 1.0])),
        close_policy=draw(st.sampled_from(["proportional", "oldest", "nearest"])),
        entry=draw(st.sampled_from(["close", "anchors", "uniform", "range"])), uniform_points=3,
        side_rule=draw(st.sampled_from(["even", "direction"])), side_skew=0.4,
        leverage_tiers=tiers, leverage_weights=tuple(rng.uniform(0.1, 1, len(tiers))),
        decay_half_life_days=draw(st.sampled_from([0.0, 0.5, 30.0])),
        bin_mode=draw(st.sampled_from(["relative", "absolute"])), bin_rel=0.01, bin_usd=1.0,
        grid_range=0.0)
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
    params = liqlab.ModelParams(close_policy=policy, bin_rel=0.002)
    prep = prepare(c, oi, params, step="1h")
    assert prep.grid.n < 700 and len(c) == 360
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
    params = liqlab.ModelParams(inflow_volume_share=1.0, leverage_mode="tiers", leverage_tiers=(10.0,),
                                leverage_weights=(1.0,), size_points=1, position_usd=10_000.0,
                                entry="close", decay_half_life_days=0.0, exit_rate=0.0,
                                level_noise=0.0, bin_mode="absolute", bin_usd=0.5, grid_range=1.5)
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


@pytest.mark.parametrize("policy", ["proportional", "oldest", "nearest"])
def test_each_deposit_path_equals_reference(policy):
    """The kernel deposits an entry slice in one of four ways: a whole candle between two bin
    centres as one point (not under oldest-first closing), a slice between two centres as a
    point, a slice over one centre on three bins in closed form, a wider slice by the tent
    integral. One 10x tier, range entries in 4 slices, absolute 1 USD bins: candle widths of
    0.3, 3 and 30 USD give each case (checked here from the slice coordinates), and every
    output equals the reference."""
    candles = _frame([(1000.0, 1000.3, 1000.0, 1000.2, 1), (1000.2, 1003.0, 1000.0, 1001.0, 1),
                      (1001.0, 1030.0, 1000.0, 1020.0, 1), (1020.0, 1020.1, 1019.9, 1020.0, 1)])
    params = liqlab.ModelParams(inflow_volume_share=1.0, leverage_mode="tiers", leverage_tiers=(10.0,),
                                leverage_weights=(1.0,), size_points=1, entry="range",
                                uniform_points=4, entry_body_share=0.5, exit_rate=0.0,
                                level_noise=0.0, bin_mode="absolute", bin_usd=1.0,
                                close_policy=policy, decay_half_life_days=0.0, grid_range=0.0)
    prep = prepare(candles, None, params, step="1h")
    cd, md, _, _ = prep.kernel_args(False)
    ya, yb = level_coords(md)
    y0 = cd.ulo * ya[0, 0] + yb[0, 0]       # the long tier's levels, bin-centre units [n, P]
    y1 = cd.uhi * ya[0, 0] + yb[0, 0]
    crossings = np.floor(y1) - np.floor(y0)
    whole = np.floor(y0.min(axis=1)) == np.floor(y1.max(axis=1))
    assert whole[0].all() and not whole[1:3].any()
    assert (crossings[1] == 1).any() and (crossings[2] > 1).all()
    _compare(prep)


def test_whole_candle_shortcut_changes_nothing_on_real_1m_candles():
    """Binance BTCUSDT 1m, one day (2023-08-17), defaults (4 range slices): most candles fall
    between two bin centres whole and take the one-point shortcut; the loop compiled without it
    deposits every slice and must give the same outputs."""
    c = liqlab.load_sample("binance_btcusdt_1m").loc["2023-08-17"]
    prep = prepare(c, None, liqlab.ModelParams(), step="1h")
    cd, md, _, _ = prep.kernel_args(False)
    ya, yb = level_coords(md)
    lo = np.floor(cd.ulo.min(axis=1) * ya[0, 0] + yb[0, 0])
    assert np.mean(lo == np.floor(cd.uhi.max(axis=1) * ya[0, 0] + yb[0, 0])) > 0.5
    a = run_kernel(*prep.kernel_args(True))
    b = run_kernel(*prep.kernel_args(True), kernel=_make_kernel(False, whole=False))
    for x, y in zip(a[:3], b[:3]):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9 * float(np.abs(a[2]).max()))


def test_renormalisation_keeps_kernel_equal_to_reference():
    """A 0.001-day half-life for every tier shrinks each tier's scale factor by 2**-3.5 per 5m
    candle, so the kernel renormalises each tier about every 95 candles; the reference never
    needs to."""
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-01 00:00":"2025-10-01 23:55"]
    params = liqlab.ModelParams(decay_half_life_days=0.001, decay_leverage_exponent=0.0,
                                bin_rel=0.002, max_leverage=50.0, leverage_points=4, size_points=1)
    prep = prepare(c, None, params, step="1h")
    slowest = prep.pop.half_life.max()
    assert np.prod(0.5 ** (prep.days / slowest)) < 1e-200
    _compare(prep)


def test_continuous_leverage_points_and_their_weights_by_integration():
    """median 15x, sigma 1, 6 points from 2x to 125x evenly in log leverage: 2, 4.573, 10.456,
    23.909, 54.668, 125. Each weight is the lognormal's probability over the point's cell (log
    midpoints between points; the outer cells end at 2x and 125x), renormalised: integrated
    here numerically from the density, not from the normal CDF the code uses."""
    from liqlab.model.estimator import leverage_tiers
    lev, w = leverage_tiers(liqlab.ModelParams(leverage_median=15.0, leverage_sigma=1.0,
                                               leverage_points=6, max_leverage=125.0))
    np.testing.assert_allclose(lev, [2.0, 4.5731, 10.4564, 23.9088, 54.6681, 125.0], rtol=1e-4)
    x = np.log(lev)
    edges = np.concatenate([[x[0]], (x[1:] + x[:-1]) / 2, [x[-1]]])
    mass = []
    for a, b in zip(edges[:-1], edges[1:]):
        z = np.linspace(a, b, 20001)
        pdf = np.exp(-0.5 * ((z - np.log(15.0)) / 1.0) ** 2) / np.sqrt(2 * np.pi)
        mass.append(np.trapezoid(pdf, z) if hasattr(np, "trapezoid") else np.trapz(pdf, z))
    np.testing.assert_allclose(w, np.array(mass) / sum(mass), rtol=1e-6)
    assert w[-1] < 0.03 < 0.25 < w[2]   # the 125x tail is thin (2.8 %), the middle heavy


def test_population_caps_by_venue_and_bracket_and_lifetimes_by_leverage():
    """Hyperliquid caps leverage at 40x; on Binance a 100,000 USD position sits in the
    50k..250k bracket (MMR 0.5 %, cum 50 USD, at most 100x). Lifetimes: 14 days at 10x times
    (10 / L) ** 1.4: 100x -> 14 * 10 ** -1.4 = 0.5574 days."""
    from liqlab.model.estimator import population
    base = dict(leverage_points=4, size_points=1)
    hl = population(liqlab.ModelParams(**base), "hyperliquid")
    assert hl.leverage.max() == pytest.approx(40.0) and hl.cap == 40.0
    big = population(liqlab.ModelParams(position_usd=100_000.0, **base), "binance")
    assert big.leverage.max() == pytest.approx(100.0)
    # exact LP factor of the 100x long in that bracket: ((1 - 1/100) - 50/100000) / (1 - 0.005)
    assert big.fac[0, -1] == pytest.approx((0.99 - 0.0005) / 0.995)
    life = population(liqlab.ModelParams(leverage_mode="tiers", leverage_tiers=(10.0, 100.0),
                                         leverage_weights=(1, 1), size_points=1), "binance")
    np.testing.assert_allclose(life.half_life, [14.0, 14.0 * 10 ** -1.4])
    assert life.group_labels == ["10x", "100x"]


def test_range_entry_weights_by_hand():
    """Open 100, high 104, low 96, close 102, 4 slices of 2 USD (96-98-100-102-104), body
    100..102 = the third slice; body share 0.5: 0.5/4 each + 0.5 on the third. A doji at the
    top (open = close = 104) puts the body share on the last slice; high == low spreads evenly."""
    from liqlab.model.estimator import entry_weights
    p = liqlab.ModelParams(entry="range", uniform_points=4, entry_body_share=0.5)
    w = entry_weights(p, np.array([100.0, 104.0, 50.0]), np.array([104.0, 104.0, 50.0]),
                      np.array([96.0, 96.0, 50.0]), np.array([102.0, 104.0, 50.0]))
    np.testing.assert_allclose(w[0], [0.125, 0.125, 0.625, 0.125])
    np.testing.assert_allclose(w[1], [0.125, 0.125, 0.125, 0.625])
    np.testing.assert_allclose(w[2], [0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_exit_hazard_by_hand():
    """One 10x long level at 100 * 0.9 / 0.996 = 90.361 (absolute 0.5 USD bins: 37.6 % on the
    90.25 centre, 62.4 % on 90.75). exit_distance 0.01 at close 91 is ceil(0.91 / 0.5) = 2
    bins. Candle 1's low 90.8 sweeps nothing (centres >= 90.8 are empty); the nearest surviving
    bin (90.75, k = 1) keeps exp(-rate * 1 h * 2/2), the next (90.25, k = 2) exp(-rate * 1/2)."""
    candles = _frame([(100, 100, 100, 100, 1), (100, 100, 90.8, 91, 0)])
    rate = 0.8
    params = liqlab.ModelParams(inflow_volume_share=1.0, leverage_mode="tiers", leverage_tiers=(10.0,),
                                leverage_weights=(1.0,), size_points=1, position_usd=10_000.0,
                                entry="close", decay_half_life_days=0.0, exit_rate=rate,
                                exit_distance=0.01, level_noise=0.0, bin_mode="absolute",
                                bin_usd=0.5, grid_range=1.5)
    r = liqlab.estimate(candles, params=params, step="1h")
    lp = 90 / 0.996
    w = (lp - 90.25) / 0.5
    upper, lower = 100 * w, 100 * (1 - w)
    kept = upper * np.exp(-rate) + lower * np.exp(-rate / 2)
    assert r.exited["long_usd"].tolist() == pytest.approx([0.0, 100 - kept])
    assert r.swept["long_usd"].sum() == pytest.approx(0.0, abs=1e-12)
    last = r.heatmap["long_usd"].isel(time=-1)
    assert float(last.sel(price=90.75)) == pytest.approx(upper * np.exp(-rate))
    assert float(last.sel(price=90.25)) == pytest.approx(lower * np.exp(-rate / 2))
    t = r.meta["totals"]["long"]
    assert t["opened"] == pytest.approx(t["outstanding"] + t["swept"] + t["exited"] + t["closed"]
                                        + t["decayed"])


def test_level_noise_by_hand():
    """The exit-hazard case with level noise 0.2 % and no exits: the two level bins are k = 1
    and k = 2 bins beyond the low (zone 2, reach 1 %), taken to be 0.25 % and 0.75 % away, so
    0.5 * exp(-1.25) and 0.5 * exp(-3.75) of them are liquidated in candle 1 (a near miss)."""
    candles = _frame([(100, 100, 100, 100, 1), (100, 100, 90.8, 91, 0)])
    params = liqlab.ModelParams(inflow_volume_share=1.0, leverage_mode="tiers", leverage_tiers=(10.0,),
                                leverage_weights=(1.0,), size_points=1, position_usd=10_000.0,
                                entry="close", decay_half_life_days=0.0, exit_rate=0.0,
                                exit_distance=0.01, level_noise=0.002, bin_mode="absolute",
                                bin_usd=0.5, grid_range=1.5)
    r = liqlab.estimate(candles, params=params, step="1h")
    w = (90 / 0.996 - 90.25) / 0.5
    upper, lower = 100 * w, 100 * (1 - w)
    q1, q2 = 0.5 * np.exp(-0.0025 / 0.002), 0.5 * np.exp(-0.0075 / 0.002)
    assert r.swept["long_usd"].tolist() == pytest.approx([0.0, upper * q1 + lower * q2])
    assert r.exited["long_usd"].sum() == 0.0
    last = r.heatmap["long_usd"].isel(time=-1)
    assert float(last.sel(price=90.75)) == pytest.approx(upper * (1 - q1))
