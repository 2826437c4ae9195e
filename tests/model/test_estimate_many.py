"""Several exchanges on one grid, summed in USD (liqlab.estimate_many)."""
import numpy as np
import pytest

import liqlab


@pytest.fixture(scope="module")
def many():
    bn = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-05":"2025-10-12"]
    by = liqlab.load_sample("bybit_btcusdt_5m").loc["2025-10-06":"2025-10-12"]
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    params = liqlab.ModelParams()
    return bn, by, oi, params, liqlab.estimate_many({"binance": (bn, oi), "bybit": by}, params)


def test_aggregate_is_the_sum_of_each_exchange(many):
    bn, by, oi, params, r = many
    assert list(r.by_exchange) == ["binance", "bybit"]
    a, b = r.by_exchange["binance"], r.by_exchange["bybit"]
    assert np.array_equal(a.heatmap["price"], b.heatmap["price"])       # one common grid
    assert r.heatmap.sizes["time"] == a.heatmap.sizes["time"]           # binance starts first
    hb = b.heatmap["long_usd"].reindex(time=r.heatmap["time"], fill_value=0.0)
    np.testing.assert_allclose(r.heatmap["long_usd"], a.heatmap["long_usd"] + hb, rtol=1e-12)
    assert float(hb.isel(time=0).sum()) == 0.0                          # bybit not started yet
    sw = r.swept.loc[by.index]
    np.testing.assert_allclose(sw["short_usd"], a.swept.loc[by.index, "short_usd"] + b.swept["short_usd"])
    for side in ("long", "short"):
        assert r.meta["totals"][side]["swept"] == pytest.approx(
            a.meta["totals"][side]["swept"] + b.meta["totals"][side]["swept"])
    assert b.meta["inflow"] == "volume only (no open interest)"
    assert r.meta["inflow"]["binance"].endswith("open-interest rise")


def test_each_exchange_equals_its_own_estimate_on_the_common_grid(many):
    bn, by, oi, params, r = many
    a = r.by_exchange["binance"]
    from liqlab.model.grid import PriceGrid
    gi = r.meta["grid_info"]
    grid = PriceGrid(relative=gi["bin_mode"] == "relative", step=gi["bin_step"], k0=gi["k0"], n=gi["n_bins"])
    alone = liqlab.estimate(bn, oi=oi, params=params, step=r.meta["step"], grid=grid)
    np.testing.assert_array_equal(alone.swept.to_numpy(), a.swept.to_numpy())
    np.testing.assert_array_equal(alone.heatmap["long_usd"], a.heatmap["long_usd"])


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least one"):
        liqlab.estimate_many({})
    with pytest.raises(ValueError, match="must be candles"):
        liqlab.estimate_many({"x": 3})


def test_public_api_names():
    """liqlab.estimate stays callable after its module is imported (the package attribute then
    is the module, which forwards calls), and the other public names resolve."""
    import importlib
    importlib.import_module("liqlab.model.estimator")
    c = liqlab.load_sample("binance_btcusdt_5m").iloc[:50]
    r = liqlab.estimate(c)
    assert isinstance(r, liqlab.EstimateResult)
    assert callable(liqlab.estimate_many) and "1y" in liqlab.WINDOWS
    assert liqlab.ModelParams().replace(entry="close").entry == "close"
