"""Walk-forward selection uses only earlier folds; the grid's p-values are corrected."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.backtest import StudyConfig, event_study, walk_forward
from liqlab.backtest.walkforward import (WalkForward, grid_pvalues, pooled_out_of_sample,
                                         select_walk_forward, unit_scores)
from liqlab.stats import WalkForwardResult


def _scores():
    # 8 daily units, two configs. A is good on days 0-3 (8/10 hits vs null 5/10) and bad on
    # days 4-7 (2/10); B is average early (5/10) and good late (9/10). Nulls: 5/10 daily.
    days = pd.date_range("2025-01-01", periods=8, freq="1D", tz="UTC")
    rows = []
    for i, d in enumerate(days):
        rows.append({"config": "A", "unit": d, "hits": 8.0 if i < 4 else 2.0, "n": 10.0,
                     "null_hits": 5.0, "null_n": 10.0})
        rows.append({"config": "B", "unit": d, "hits": 5.0 if i < 4 else 9.0, "n": 10.0,
                     "null_hits": 5.0, "null_n": 10.0})
    return pd.DataFrame(rows)


def test_choice_uses_only_the_past():
    s = _scores()
    # 3 folds + 1 training fold over 8 days: folds start at days 0, 2, 4, 6
    f = select_walk_forward(s, n_folds=3, purge="0s", min_events=10)
    assert f["start"].dt.day.tolist() == [3, 5, 7]
    # fold 1 (days 2-3): trained on days 0-1 -> A (lift 1.6 vs 1.0); tested on A: 1.6
    # fold 2 (days 4-5): trained on days 0-3 -> A; tested on A days 4-5: 0.2/0.5 = 0.4
    # fold 3 (days 6-7): trained on days 0-5: A = (32+4)/60 / 0.5 = 1.2,
    #                    B = (20+18)/60 / 0.5 = 1.267 -> B; tested on B: 1.8
    assert f["chosen"].tolist() == ["A", "A", "B"]
    assert f["test_lift"].to_numpy() == pytest.approx([1.6, 0.4, 1.8])
    assert f.loc[2, "train_lift"] == pytest.approx((38 / 60) / 0.5)
    # a purge of 2 days leaves fold 1 with nothing to train on
    f2 = select_walk_forward(s, n_folds=3, purge="2D", min_events=10)
    assert pd.isna(f2.loc[0, "chosen"])
    pooled = pooled_out_of_sample(s, f, n_boot=200)
    # pooled test hits (16 + 4 + 18) / 60 over null 0.5: lift = 38/60/0.5
    assert pooled["lift"] == pytest.approx((38 / 60) / 0.5)
    assert pooled["lift_lo"] <= pooled["lift"] <= pooled["lift_hi"]


def test_grid_pvalues_are_corrected():
    g = grid_pvalues(_scores(), n_boot=500)
    assert g["config"].tolist() == ["A", "B"]
    assert g["lift"].to_numpy() == pytest.approx([(40 / 80) / 0.5, (56 / 80) / 0.5])
    assert (g["p_holm"] >= g["p_value"]).all() and (g["p_bh"] >= g["p_value"]).all()
    assert g.loc[1, "p_value"] < 0.05 < g.loc[0, "p_value"]


def test_too_few_units():
    with pytest.raises(ValueError, match="folds"):
        select_walk_forward(_scores().iloc[:4], n_folds=5)


def test_walk_forward_on_real_data_is_the_shared_result_type():
    c = liqlab.load_sample("binance_btcusdt_5m").loc["2025-09-01":"2025-10-15"]
    hm = liqlab.estimate(c, step="2h", per_tier=False).heatmap
    base = StudyConfig(horizon="1D", n_shuffles=0, n_boot=200)
    grid = [{"quantile": 0.8}, {"quantile": 0.95}]
    wf = walk_forward(hm, c, grid, n_folds=2, base=base, min_events=5)
    assert isinstance(wf, WalkForwardResult) and WalkForward is WalkForwardResult
    assert wf["pooled"] is wf.pooled and wf["full_sample"] is wf.grid
    assert wf.grid["config"].tolist() == ["quantile=0.8", "quantile=0.95"]
    # each setting's full-sample lift, from its own event study: (hits / n) / (null hits / null n)
    lifts = {}
    for point, name in zip(grid, wf.grid["config"]):
        u = unit_scores(event_study(hm, c, replace(base, **point)).events, "random", base.block)
        lifts[name] = (u["hits"].sum() / u["n"].sum()) / (u["null_hits"].sum() / u["null_n"].sum())
    assert wf.grid["lift"].to_numpy() == pytest.approx(list(lifts.values()), rel=1e-12)
    assert wf.recommended == max(lifts, key=lifts.get)
    assert set(wf.folds["chosen"].dropna()) <= set(lifts)
    assert np.isfinite(wf.pooled["lift"]) and wf.pooled["lift_lo"] <= wf.pooled["lift"] <= wf.pooled["lift_hi"]
