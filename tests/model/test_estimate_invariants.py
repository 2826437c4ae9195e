"""Invariants of liqlab.estimate on the embedded real data: conservation, the sweep
invariant, and no lookahead."""
import numpy as np
import pytest

import liqlab


@pytest.fixture(scope="module")
def btc5m():
    return liqlab.load_sample("binance_btcusdt_5m")


@pytest.fixture(scope="module")
def hl_oi():
    return liqlab.load_sample("hyperliquid_btc_oi_1h")


def _conservation(result):
    for side, t in result.meta["totals"].items():
        rhs = t["outstanding"] + t["swept"] + t["exited"] + t["closed"] + t["decayed"]
        assert t["opened"] > 0
        assert abs(t["opened"] - rhs) <= 1e-9 * t["opened"], (side, t)


@pytest.mark.parametrize("changes", [
    {},                                                             # defaults
    {"close_policy": "oldest", "entry": "uniform"},
    {"close_policy": "nearest", "side_rule": "direction", "decay_half_life_days": 0.0},
    {"bin_mode": "absolute", "leverage_mode": "tiers", "size_points": 3, "exit_rate": 2.0},
])
def test_conservation_on_three_months_of_real_data(btc5m, hl_oi, changes):
    """Binance BTCUSDT 5m 2025-08..10 (26,496 candles) with Hyperliquid hourly OI:
    opened = outstanding + swept + exited + closed + decayed per side, to 1e-9 relative."""
    c = btc5m if not changes.get("close_policy") == "oldest" else btc5m.loc[:"2025-08-31"]
    r = liqlab.estimate(c, oi=hl_oi, params=liqlab.ModelParams(**changes), per_tier=False)
    _conservation(r)
    t = r.meta["totals"]["long"]
    # the swept series is the sweep total, and the last column is the outstanding state
    assert r.swept["long_usd"].sum() == pytest.approx(t["swept"], rel=1e-12)
    assert float(r.heatmap["long_usd"].isel(time=-1).sum()) == pytest.approx(t["outstanding"], rel=1e-9)
    assert r.exited["long_usd"].sum() == pytest.approx(t["exited"], rel=1e-12)
    if changes.get("exit_rate", 0.5) > 0:
        assert t["exited"] > 0


def test_conservation_volume_only_with_mark_prices():
    """Binance BTCUSDT 1h candles with 1h mark candles (2025), no open interest."""
    c = liqlab.load_sample("binance_btcusdt_1h").loc["2025-01-01":"2025-12-31"]
    mark = liqlab.load_sample("binance_btcusdt_mark_1h").loc["2025-01-01":"2025-12-31"]
    r = liqlab.estimate(c, params=liqlab.ModelParams(), mark=mark, per_tier=False)
    _conservation(r)
    assert r.meta["inflow"] == "volume only (no open interest)"
    assert r.meta["inputs"]["mark"] == "sweeps use mark high/low"
    assert r.meta["totals"]["long"]["closed"] == 0


def test_no_level_survives_inside_a_candle(btc5m, hl_oi):
    """After every candle no long level at or above its low, no short at or below its high
    (one column per candle: 2025-10-09 .. 10-11, through the cascade)."""
    c = btc5m.loc["2025-10-09":"2025-10-11"]
    r = liqlab.estimate(c, oi=hl_oi, step="5min", per_tier=True)
    hm = r.heatmap
    assert hm.sizes["time"] == len(c)
    price = hm["price"].to_numpy()
    long_, short = hm["long_usd"].to_numpy(), hm["short_usd"].to_numpy()
    above = price[None, :] >= c["low"].to_numpy()[:, None]
    below = price[None, :] <= c["high"].to_numpy()[:, None]
    assert (long_[above] == 0).all() and (short[below] == 0).all()
    assert long_[~above].sum() > 0 and short[~below].sum() > 0     # not vacuous
    tiers = hm["long_usd_tier"].to_numpy()
    assert (tiers[:, above] == 0).all()
    np.testing.assert_allclose(tiers.sum(0), long_, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("step", ["5min", "1h"])
def test_prefix_gives_the_prefix_of_the_result(btc5m, hl_oi, step):
    """Estimating the first k candles gives exactly the first k rows of swept and the same
    columns (the last one may be partial at a coarser step); the full OI is passed to both,
    so a later OI value leaking in would show."""
    c = btc5m.loc["2025-10-08":"2025-10-11"]
    params = liqlab.ModelParams(side_rule="direction", grid_range=3.0)
    full = liqlab.estimate(c, oi=hl_oi, params=params, step=step)
    k = 700                       # 2025-10-10 10:20, mid-hour
    part = liqlab.estimate(c.iloc[:k], oi=hl_oi, params=params, step=step)
    assert np.array_equal(part.swept.to_numpy(), full.swept.to_numpy()[:k])
    assert part.swept.index.equals(full.swept.index[:k])
    m = part.heatmap.sizes["time"] - (0 if step == "5min" else 1)
    for v in ("long_usd", "short_usd", "long_usd_tier", "short_usd_tier"):
        a = part.heatmap[v].isel(time=slice(0, m)).to_numpy()
        b = full.heatmap[v].isel(time=slice(0, m)).to_numpy()
        assert np.array_equal(a, b), v
    assert np.array_equal(part.heatmap["price"], full.heatmap["price"])


def test_later_data_does_not_change_the_grid(btc5m):
    a = liqlab.estimate(btc5m.iloc[:100], params=liqlab.ModelParams(grid_range=3.0), per_tier=False)
    b = liqlab.estimate(btc5m, params=liqlab.ModelParams(grid_range=3.0), per_tier=False)
    assert a.meta["grid"] == b.meta["grid"]


def test_the_automatic_grid_of_a_prefix_holds_the_same_values(btc5m, hl_oi):
    """grid_range=0 sizes the grid from the data, so a prefix may get a narrower grid; its
    edges are anchored, so every bin the two share holds exactly the same value (no value
    depends on later prices)."""
    c = btc5m.loc["2025-10-08":"2025-10-11"]
    full = liqlab.estimate(c, oi=hl_oi, step="1h", per_tier=False)
    part = liqlab.estimate(c.iloc[:300], oi=hl_oi, step="1h", per_tier=False)
    assert part.heatmap.sizes["price"] < full.heatmap.sizes["price"]
    assert np.array_equal(part.swept.to_numpy(), full.swept.to_numpy()[:300])
    m = part.heatmap.sizes["time"] - 1
    shared = full.heatmap.sel(price=part.heatmap["price"], method="nearest", tolerance=1e-6)
    np.testing.assert_array_equal(shared["long_usd"].isel(time=slice(0, m)).to_numpy(),
                                  part.heatmap["long_usd"].isel(time=slice(0, m)).to_numpy())


def test_a_year_of_prices_needs_no_grid_setting():
    """issue 10: a year of BTC (2025, 1h) used to need grid_range raised by hand."""
    c = liqlab.load_sample("binance_btcusdt_1h").loc["2025-01-01":"2025-12-31"]
    r = liqlab.estimate(c, per_tier=False)
    lo, hi = r.meta["grid_info"]["price_lo"], r.meta["grid_info"]["price_hi"]
    assert lo < float(c["low"].min()) * 0.5 and hi > float(c["high"].max()) * 1.49


def test_tiers_toggle_without_re_estimating(btc5m, hl_oi):
    params = liqlab.ModelParams(leverage_mode="tiers", size_points=1)
    r = liqlab.estimate(btc5m.loc["2025-10-09":"2025-10-10"], oi=hl_oi, params=params)
    assert r.tier_labels == ["5x", "10x", "25x", "50x", "100x"]
    low, high = r.tiers(["5x", "10x"]), r.tiers([2, 3, 4])
    np.testing.assert_allclose(low["long_usd"] + high["long_usd"], r.heatmap["long_usd"], rtol=1e-5,
                               atol=1e-2)
    # a 100x long sits 0.60 % below its entry, a 5x long 19.7 %: the high tier hugs the price
    c = float(btc5m.loc["2025-10-10 23:55", "close"])
    logd = np.abs(np.log(r.heatmap["price"].to_numpy() / c))

    def mean_distance(ds):
        v = ds["long_usd"].isel(time=-1).to_numpy()
        return float((v * logd).sum() / v.sum())

    d100, d5 = mean_distance(r.tiers(["100x"])), mean_distance(r.tiers(["5x"]))
    print(f"mean log-distance of long levels from the close: 100x {d100:.3f}, 5x {d5:.3f}")
    assert d100 < d5 / 2
    with pytest.raises(ValueError, match="unknown tier"):
        r.tiers(["7x"])


def test_a_wider_grid_changes_nothing_but_its_extent(btc5m, hl_oi):
    """Edges sit at fixed multiples (exp(k * bin_rel)), so widening the grid only adds empty bins
    at its ends: the swept series and the shared bins are identical."""
    c = btc5m.loc["2025-10-09":"2025-10-11"]
    a = liqlab.estimate(c, oi=hl_oi, params=liqlab.ModelParams(), per_tier=False)
    b = liqlab.estimate(c, oi=hl_oi, params=liqlab.ModelParams(grid_range=4.0), per_tier=False)
    assert b.heatmap.sizes["price"] > a.heatmap.sizes["price"]
    assert np.array_equal(a.swept.to_numpy(), b.swept.to_numpy())
    shared = b.heatmap.sel(price=a.heatmap["price"], method="nearest", tolerance=1e-6)
    np.testing.assert_array_equal(shared["long_usd"].to_numpy(), a.heatmap["long_usd"].to_numpy())
    assert float(b.heatmap["long_usd"].sum()) == pytest.approx(float(a.heatmap["long_usd"].sum()), rel=1e-12)
