"""Sweeps: grids, windows, and the same tidy frame in one process and on a 2-worker
LocalCluster (real data, kept small: two weeks of 5-minute candles, 2 x 2 tasks)."""
import pandas as pd
import pytest

import liqlab
from liqlab.validation import sweeps


def test_param_grid_and_windows():
    g = sweeps.param_grid(inflow_volume_share=[0.01, 0.02], side_rule=["even"])
    assert g == [{"inflow_volume_share": 0.01, "side_rule": "even"},
                 {"inflow_volume_share": 0.02, "side_rule": "even"}]
    with pytest.raises(ValueError, match="unknown ModelParams field"):
        sweeps.param_grid(not_a_param=[1])
    with pytest.raises(ValueError, match="list of values"):
        sweeps.param_grid(side_rule="even")
    c = liqlab.load_sample("binance_btcusdt_5m").iloc[:288 * 4]
    w = sweeps.split_windows(c, 2)
    assert list(w) == ["w1", "w2"]
    assert w["w1"][0] == c.index[0] and w["w1"][1] == w["w2"][0]
    assert w["w2"][1] > c.index[-1]
    with pytest.raises(ValueError, match="scheduler"):
        sweeps.sweep(sweeps.backtest_task, g, w, scheduler="nonsense")
    with pytest.raises(ValueError, match="grid is empty"):
        sweeps.sweep(sweeps.backtest_task, [], w)


@pytest.fixture(scope="module")
def small():
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-10-01":"2025-10-14"]
    grid = [{"side_rule": "even"}, {"side_rule": "direction"}]
    wins = sweeps.split_windows(c, 2)
    data = {"candles": c, "step": "1h",
            "study": {"horizon": "6h", "vol_window": "1D", "n_shuffles": 1, "n_random": 2,
                      "n_boot": 100}}
    return grid, wins, data


@pytest.mark.slow
def test_inline_and_local_cluster_agree(small):
    grid, wins, data = small
    a = sweeps.sweep(sweeps.backtest_task, grid, wins, data=data, scheduler="inline")
    assert len(a) == 4 and list(a["point"]) == [0, 0, 1, 1]
    assert list(a["window"]) == ["w1", "w2", "w1", "w2"]
    assert list(a["param.side_rule"]) == ["even", "even", "direction", "direction"]
    assert "error" not in a.columns
    assert (a["n_clusters"] > 0).all()
    b = sweeps.sweep(sweeps.backtest_task, grid, wins, data=data, n_workers=2)
    pd.testing.assert_frame_equal(a, b)


def test_a_failing_task_is_reported_not_fatal(small):
    _, wins, data = small
    out = sweeps.sweep(sweeps.backtest_task, [{"side_rule": "even"}, {"side_skew": 0.9}],
                       {"w1": wins["w1"]}, data=data, scheduler="inline")
    assert out["error"].isna().tolist() == [True, False]
    assert "side_skew" in out.loc[1, "error"]
