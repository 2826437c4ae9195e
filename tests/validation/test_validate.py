"""Predicted against realised liquidations: periods, baselines and scores by hand, and the
embedded realised sets end to end."""
import argparse
import re

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import validate_args
from liqlab.validation.defaults import INFLOW_MIXES, LEVERAGE_MIXES, SIDE_RULES, default_grid
from liqlab.validation import (align, calibration_curve, realised_periods, scale_table,
                               score_table, spearman, top_decile_caught)


def _liqs(rows):
    idx = pd.DatetimeIndex([pd.Timestamp(t, tz="UTC") for t, *_ in rows], name="time")
    return pd.DataFrame({"exchange": "okx", "symbol": "BTC-USDT-SWAP",
                         "side": [r[1] for r in rows], "price": 100.0,
                         "qty": [r[2] / 100.0 for r in rows], "usd": [float(r[2]) for r in rows]},
                        index=idx)


LIQS = _liqs([("2026-03-04 22:45", "long", 5),      # before the first whole hour: left out
              ("2026-03-04 23:10", "long", 10), ("2026-03-04 23:50", "short", 7),
              ("2026-03-05 01:30", "long", 3),
              ("2026-03-05 02:20", "short", 1)])    # in the last, partial hour: left out


def test_realised_periods_whole_hours_only():
    r = realised_periods(LIQS, "1h")
    # coverage: 22:45 rounded up to 23:00, 02:20 rounded down to 02:00 -> 23:00, 00:00, 01:00
    assert [t.hour for t in r.index] == [23, 0, 1]
    assert r["long_usd"].tolist() == [10.0, 0.0, 3.0]     # 00:00 had none: zero, not missing
    assert r["short_usd"].tolist() == [7.0, 0.0, 0.0]
    r2 = realised_periods(LIQS, "1h", coverage=("2026-03-04 22:00", "2026-03-05 03:00"))
    assert r2["long_usd"].tolist() == [5.0, 10.0, 0.0, 3.0, 0.0]
    with pytest.raises(ValueError, match="less than one whole"):
        realised_periods(LIQS.iloc[:2], "1h")
    totals = pd.DataFrame({"long_usd": [1.0, 2.0], "short_usd": [0.5, 0.0]},
                          index=pd.date_range("2025-12-08", periods=2, freq="1D", tz="UTC", name="time"))
    with pytest.raises(ValueError, match="cannot split"):
        realised_periods(totals, "1h")
    # 2-day periods are aligned to the epoch: 2025-12-08 and -09 share one
    assert realised_periods(totals, "2D")["long_usd"].tolist() == [3.0]


def _candles():
    idx = pd.date_range("2026-03-04 22:00", periods=5, freq="1h", tz="UTC", name="time")
    c = pd.DataFrame({"open": [100, 100, 102, 101, 99], "high": [101, 104, 103, 102, 100],
                      "low": [99, 98, 100, 95, 98], "close": [100, 102, 101, 99, 99],
                      "volume": 1.0}, index=idx, dtype=float)
    c.attrs["timeframe"] = "1h"
    return c


def test_align_with_baselines_by_hand():
    c = _candles()
    swept = pd.DataFrame({"long_usd": [9.0, 8.0, 1.0, 6.0, 4.0],
                          "short_usd": [0.0, 2.0, 0.0, 0.0, 5.0]}, index=c.index)
    oi = pd.Series([1000.0, 2000.0], index=pd.DatetimeIndex(
        ["2026-03-04 20:00", "2026-03-05 00:30"], tz="UTC"))
    fr = align(swept, LIQS, c, oi, freq="1h")
    assert [t.hour for t in fr.index] == [23, 0, 1]
    assert fr["pred_long"].tolist() == [8.0, 1.0, 6.0]
    assert fr["pred_total"].tolist() == [10.0, 1.0, 6.0]
    assert fr["real_total"].tolist() == [17.0, 0.0, 3.0]
    # 23:00 candle o=100 h=104 l=98: long range 2 %, short 4 %, total 6 %
    assert fr["range_long"].iloc[0] == pytest.approx(0.02)
    assert fr["range_short"].iloc[0] == pytest.approx(0.04)
    assert fr["range_total"].iloc[0] == pytest.approx(0.06)
    # OI known at each period start: 1000 at 23:00 and 00:00 (the 00:30 value is later), 2000 at 01:00
    assert fr["oi_usd"].tolist() == [1000.0, 1000.0, 2000.0]
    assert fr["range_oi_total"].iloc[2] == pytest.approx((102 - 95) / 101 * 2000)
    # one candle per period: the sum of the candles' side ranges is the period's side range
    assert fr["range_sum_long"].tolist() == pytest.approx(fr["range_long"].tolist())
    with pytest.raises(ValueError, match="not fully covered"):
        align(swept.iloc[:2], LIQS, c.iloc[:2], freq="1h")
    with pytest.raises(ValueError, match="indexed like candles"):
        align(swept.iloc[1:], LIQS, c, freq="1h")


def test_align_range_sum_and_path_null_by_hand():
    c = _candles()
    swept = pd.DataFrame({"long_usd": [9.0, 8.0, 1.0, 6.0, 4.0],
                          "short_usd": [0.0, 2.0, 0.0, 0.0, 5.0]}, index=c.index)
    null = swept * 0 + np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]])
    # 2-hour periods: coverage 00:00 .. 02:00, one period of the candles 00:00 and 01:00
    fr = align(swept, LIQS, c, freq="2h", path_null=null)
    assert len(fr) == 1 and fr.index[0].hour == 0
    # period: open 102 (first), high 103, low 95
    assert fr["range_long"].iloc[0] == pytest.approx((102 - 95) / 102)
    assert fr["range_short"].iloc[0] == pytest.approx((103 - 102) / 102)
    # candles 00:00 o102 h103 l100 and 01:00 o101 h102 l95
    assert fr["range_sum_long"].iloc[0] == pytest.approx(2 / 102 + 6 / 101)
    assert fr["range_sum_short"].iloc[0] == pytest.approx(1 / 102 + 1 / 101)
    assert fr["range_sum_total"].iloc[0] == pytest.approx(3 / 102 + 7 / 101)
    assert (fr["null_long"].iloc[0], fr["null_short"].iloc[0], fr["null_total"].iloc[0]) == (12.0, 14.0, 26.0)
    with pytest.raises(ValueError, match="path_null"):
        align(swept, LIQS, c, freq="2h", path_null=null.iloc[1:])


def test_path_null_is_the_kernel_with_constant_inflow():
    """The path null is the model's own estimator fed a constant inflow: it ignores volume
    and open interest, follows the ModelParams, and scales linearly with the inflow."""
    from liqlab.validation import path_null

    c = liqlab.load_sample("binance_btcusdt_15m_2026_03").iloc[:400]
    p = liqlab.ModelParams()
    base = path_null(c, p).swept
    noisy = c.copy()
    noisy["volume"] = noisy["volume"] * np.random.default_rng(0).uniform(0.1, 10, len(c))
    assert path_null(noisy, p).swept.equals(base)                  # no volume
    # the model on a constant quote volume of 5e6 USD without OI: inflow 0.05 x 5e6 per candle
    flat = c.assign(quote_volume=5e6)
    model = liqlab.estimate(flat, params=p, per_tier=False).swept
    np.testing.assert_allclose(model.to_numpy(), base.to_numpy() * 0.05 * 5e6, rtol=1e-9)
    # it follows the params: another leverage mix changes it, as it changes the model
    other = path_null(c, p.replace(leverage_median=40.0)).swept
    assert not np.allclose(other.to_numpy(), base.to_numpy())
    assert base["long_usd"].sum() > 0 and base["short_usd"].sum() > 0


def test_scores_by_hand():
    # x ranks 1..5, y ranks 1,2,3,5,4: d^2 = 0+0+0+1+1 = 2; rho = 1 - 6*2/(5*24) = 0.9
    assert spearman([1, 2, 3, 4, 5], [10, 20, 30, 50, 40]) == pytest.approx(0.9)
    # 20 periods: k = 2 top periods; realised top = {19, 18}, predicted top = {19, 0}: 1/2
    real = np.arange(20.0)
    pred = np.arange(20.0)
    pred[0], pred[18] = 100.0, -1.0
    pred[19] = 200.0
    assert top_decile_caught(pred, real) == 0.5
    assert np.isnan(top_decile_caught([1, 2], [3, 3]))


def _frame(pred, real):
    pred, real = np.asarray(pred, float), np.asarray(real, float)
    idx = pd.date_range("2025-01-01", periods=len(pred), freq="1D", tz="UTC", name="time")
    d = {}
    for side, k in (("long", 0.5), ("short", 0.5)):
        d[f"pred_{side}"], d[f"real_{side}"] = pred * k, real * k
        d[f"range_{side}"] = np.linspace(1, 2, len(pred))[::-1] * k   # anti-ranked baseline
    df = pd.DataFrame(d, index=idx)
    for p in ("pred", "real", "range"):
        df[f"{p}_total"] = df[f"{p}_long"] + df[f"{p}_short"]
    return df


def test_score_table_perfect_predictor():
    fr = _frame(np.arange(1.0, 31.0), np.arange(1.0, 31.0) * 3)
    s = score_table(fr, n_boot=200).set_index(["side", "predictor"])
    m = s.loc[("total", "model")]
    assert (m["spearman"], m["spearman_lo"], m["spearman_hi"]) == pytest.approx((1.0, 1.0, 1.0))
    assert m["top_decile"] == 1.0 and m["top_decile_chance"] == pytest.approx(3 / 30)
    r = s.loc[("total", "range")]
    assert r["spearman"] == pytest.approx(-1.0)
    # the model minus the anti-ranked baseline: 1 - (-1) = 2 on every resample
    assert r["model_minus"] == pytest.approx(2.0) and r["model_minus_lo"] == pytest.approx(2.0)
    assert np.isnan(m["model_minus"])
    # a perfect model given a baseline that is its mirror image: nothing left, undefined
    assert np.isnan(r["model_partial"])
    with pytest.raises(ValueError, match="too few"):
        score_table(fr.iloc[:2])


def test_score_table_partial_and_difference():
    """Model = baseline + something else that realised also follows: its partial Spearman
    given the baseline is the residual rank correlation, computed here independently."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(11)
    n = 48
    z = rng.gamma(2.0, size=n)                    # the price path
    extra = rng.gamma(2.0, size=n)                # what the data add
    real = z + extra + rng.gamma(0.5, size=n)
    fr = _frame(z + extra, real)
    fr["range_long"], fr["range_short"] = z / 2, z / 2
    fr["range_total"] = z
    s = score_table(fr, sides=("total",), n_boot=300).set_index("predictor")
    rx, ry, rz = rankdata(z + extra), rankdata(real), rankdata(z)
    A = np.column_stack([np.ones(n), rz])
    ex = rx - A @ np.linalg.lstsq(A, rx, rcond=None)[0]
    ey = ry - A @ np.linalg.lstsq(A, ry, rcond=None)[0]
    assert s.loc["range", "model_partial"] == pytest.approx(np.corrcoef(ex, ey)[0, 1])
    assert s.loc["range", "model_partial_lo"] > 0      # the model adds to the baseline
    assert s.loc["range", "model_minus"] == pytest.approx(
        spearman(z + extra, real) - spearman(z, real))
    lo, hi = s.loc["range", ["model_minus_lo", "model_minus_hi"]]
    assert lo <= s.loc["range", "model_minus"] <= hi
    # 48 daily periods: block 4 (48 ** (1/3) = 3.6)
    assert (s["block"] == 4).all()


def test_calibration_and_scale_by_hand():
    # predicted 10, 20, 30, 40 against realised 1, 2, 3, 4: scale 10/100 = 0.1 everywhere
    fr = _frame([10, 20, 30, 40], [1, 2, 3, 4])
    cal = calibration_curve(fr, "total", bins=2)
    assert cal["pred_mean"].tolist() == [15.0, 35.0] and cal["real_mean"].tolist() == [1.5, 3.5]
    sc = scale_table(fr, n_boot=200).set_index("side").loc["total"]
    assert sc["predicted_over_realised"] == pytest.approx(10.0)
    assert sc["scale"] == pytest.approx(0.1)
    # walk-forward: the scale fitted on earlier periods is 0.1 from period 2 on: no error
    assert sc["median_abs_log10_error_walk_forward"] == pytest.approx(0.0, abs=1e-12)
    assert sc["n_walk_forward"] == 3
    # periods 5, 6 realised 10x more than predicted-by-scale: the walk-forward error sees it
    fr2 = _frame([10, 20, 30, 40, 10, 10], [1, 2, 3, 4, 10, 10])
    sc2 = scale_table(fr2, n_boot=200).set_index("side").loc["total"]
    # earlier scale 0.1 -> predicted 1 vs 10 (error 1.0); then scale 11/110... = (10+10)/110
    k6 = 20 / 110
    errs = sorted([0, 0, 0, 1.0, abs(np.log10(k6 * 10 / 10))])
    assert sc2["median_abs_log10_error_walk_forward"] == pytest.approx(np.median(errs))


def test_okx_set_end_to_end():
    """The embedded OKX orders (12 whole hours) against Binance 15m candles, volume-only."""
    rep = liqlab.validation.validate_set("okx_2026_03", n_boot=200)
    assert rep.meta["periods"] == 12
    # no OKX open interest: the three price-path baselines, no range x OI
    assert set(rep.scores["predictor"]) == {"model", "range", "range_sum", "path_null"}
    real = liqlab.load_sample("liquidations_okx_2026_03")
    inside = real[(real.index >= "2026-03-04 23:00") & (real.index < "2026-03-05 11:00")]
    assert rep.frame["real_total"].sum() == pytest.approx(inside["usd"].sum())
    assert np.isfinite(rep.scores["spearman"]).all()
    assert (rep.scale["scale"] > 0).all()


def test_short_only_set_is_scored_on_shorts():
    rep = liqlab.validation.validate_set("hyperliquid_2025_05", n_boot=100)
    assert set(rep.scores["side"]) == {"short"}
    assert set(rep.scores["predictor"]) == {"model", "range", "range_sum", "path_null", "range_oi"}
    b = rep.scores[rep.scores["predictor"] != "model"]
    assert b[["model_minus", "model_minus_lo", "model_minus_hi"]].notna().all().all()
    assert ((b["model_minus_lo"] <= b["model_minus"]) & (b["model_minus"] <= b["model_minus_hi"])).all()


def _grid_periods():
    # 20 daily periods; realised rises day by day. Point "good" ranks all 20 right; "late"
    # ranks the first 10 backwards and the last 10 right; "bad" ranks all backwards.
    idx = pd.date_range("2025-12-01", periods=20, freq="1D", tz="UTC")
    real = np.arange(1.0, 21.0)
    preds = {"good": real.copy(), "late": np.r_[real[:10][::-1], real[10:]], "bad": real[::-1].copy()}
    rows = []
    for label, p in preds.items():
        for t, pv, rv in zip(idx, p, real):
            r = {"label": label, "period": t}
            for side in ("long", "short"):
                r[f"pred_{side}"], r[f"real_{side}"], r[f"range_{side}"] = pv / 2, rv / 2, 1.0
            for k in ("pred", "real", "range"):
                r[f"{k}_total"] = r[f"{k}_long"] + r[f"{k}_short"]
            rows.append(r)
    return pd.DataFrame(rows)


def test_walk_forward_defaults_by_hand():
    from liqlab.validation.defaults import compare_points, walk_forward_defaults

    per = _grid_periods()
    wf = walk_forward_defaults(per, n_folds=3, default_label="bad", n_boot=100)
    f = wf["folds"]
    # 4 blocks of 5 days; every fold trains on the earlier days only, where "good" ranks
    # perfectly (criterion 1): "good" is chosen each time and scores 1 on its test days
    assert f["chosen"].tolist() == ["good"] * 3
    assert f["test_criterion"].tolist() == pytest.approx([1.0] * 3)
    assert f["default_test_criterion"].tolist() == pytest.approx([-1.0] * 3)
    assert wf["recommended"] == "good"
    assert list(wf["full_sample"].index) == ["good", "late", "bad"]
    c = compare_points(per, "good", "bad", n_boot=100)
    assert c["difference"] == pytest.approx(2.0) and c["lo"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="too few"):
        walk_forward_defaults(per[per["period"] < per["period"].iloc[5]], n_folds=3)


def _overrides(point):
    return {k: v for k, v in point.items() if k != "label"}


def test_default_grid_varies_the_v2_population_around_the_shipped_defaults():
    from liqlab.model.estimator import population
    from liqlab.validation.defaults import (INFLOW_MIXES, LEVERAGE_MIXES, SIDE_RULES,
                                            current_defaults_label, default_grid)

    g = default_grid()
    assert len(g) == 6 * 6 * 3 and len({p["label"] for p in g}) == len(g)
    assert all(len(p["label"].split(" | ")) == 3 for p in g)
    # the shipped defaults are a point of the grid, and that point changes nothing
    label = current_defaults_label(g)
    assert label == "0.05 x volume + OI rises | median 15x, sigma 1.0 | even split"
    shipped = next(p for p in g if p["label"] == label)
    assert liqlab.ModelParams().replace(**_overrides(shipped)) == liqlab.ModelParams()
    # one-axis neighbours of the shipped point: 5 inflow mixes, 5 leverage populations, 2 side
    # rules, each changing only the fields of its own axis
    axis_fields = [{"inflow_volume_share", "inflow_oi_share"},
                   {"leverage_mode", "leverage_median", "leverage_sigma", "leverage_tiers",
                    "leverage_weights"}, {"side_rule"}]
    base = label.split(" | ")
    counts = [0, 0, 0]
    for p in g:
        diff = [i for i, (a, b) in enumerate(zip(p["label"].split(" | "), base)) if a != b]
        if len(diff) != 1:
            continue
        counts[diff[0]] += 1
        full = liqlab.ModelParams().replace(**_overrides(p)).to_dict()
        changed = {k for k, v in liqlab.ModelParams().to_dict().items() if full[k] != v}
        assert changed and changed <= axis_fields[diff[0]], (p["label"], changed)
    assert counts == [5, 5, 2]
    # the names say the values: inflow shares, median and sigma, the side rule
    for name, o in INFLOW_MIXES.items():
        m = re.match(r"([\d.]+) x volume \+ OI rises$", name)
        if m:
            assert o == {"inflow_volume_share": float(m[1]), "inflow_oi_share": 1.0}
    assert INFLOW_MIXES["OI rises only"]["inflow_volume_share"] == 0.0
    assert INFLOW_MIXES["volume only"]["inflow_oi_share"] == 0.0
    for name, o in LEVERAGE_MIXES.items():
        m = re.match(r"median ([\d.]+)x, sigma ([\d.]+)", name)
        if m:
            assert (o["leverage_mode"], o["leverage_median"], o["leverage_sigma"]) == \
                ("continuous", float(m[1]), float(m[2]))
        else:
            assert o["leverage_tiers"] == (5.0, 10.0, 25.0, 50.0, 100.0)
            assert o["leverage_weights"] == (0.25, 0.30, 0.20, 0.15, 0.10)
    assert SIDE_RULES == {"even split": "even", "tilt to candle direction": "direction",
                          "tilt to side paying funding": "funding"}
    # under v2 every leverage population is a different model on Hyperliquid (cap 40x): the
    # weighted median leverage rises with the named median; sigma 0.5 puts less weight on the
    # ends (2x and the cap) than 1.0, sigma 1.5 more on 2x; v1's 50x and 100x tiers clip to 40x
    pops = {n: population(liqlab.ModelParams().replace(**o), "hyperliquid")
            for n, o in LEVERAGE_MIXES.items()}
    keys = {n: (tuple(p.leverage.round(6)), tuple(p.weight.round(6))) for n, p in pops.items()}
    assert len(set(keys.values())) == len(LEVERAGE_MIXES)

    def wmedian(p):
        o = np.argsort(p.leverage)
        return p.leverage[o][np.searchsorted(np.cumsum(p.weight[o]), 0.5)]

    assert wmedian(pops["median 7x, sigma 1.0"]) < wmedian(pops["median 15x, sigma 1.0"]) \
        < wmedian(pops["median 30x, sigma 1.0"])
    w = {n: p.weight for n, p in pops.items()}
    assert w["median 15x, sigma 0.5 (narrower)"][[0, -1]].sum() < w["median 15x, sigma 1.0"][[0, -1]].sum()
    assert w["median 15x, sigma 1.5 (wider)"][0] > w["median 15x, sigma 1.0"][0]
    v1 = pops["v1 tiers 5/10/25/50/100x at 25/30/20/15/10 %"]
    assert v1.leverage.tolist() == [5.0, 10.0, 25.0, 40.0, 40.0]


def test_one_axis_comparisons_and_current_defaults():
    from liqlab.validation.defaults import (current_defaults_label, one_axis_comparisons,
                                            one_axis_markdown)

    per = _grid_periods()
    per = pd.concat([per, per[per["label"] == "bad"].assign(label="two")])
    per["label"] = per["label"].map({"good": "a | x | even", "late": "b | x | even",
                                     "bad": "a | y | even",
                                     "two": "b | y | direction"})   # two axes changed: left out
    t = one_axis_comparisons(per, "a | x | even", n_boot=100)
    assert t["axis"].tolist() == ["inflow", "leverage"]
    assert t["changed_from"].tolist() == ["a", "x"] and t["changed_to"].tolist() == ["b", "y"]
    # by hand: "late" reverses the first 10 of 20 days, sum of squared rank differences
    # 2 * (9^2 + 7^2 + 5^2 + 3^2 + 1^2) = 330, Spearman 1 - 6 * 330 / (20 * 399) = 1 - 33/133
    # on every side, against 1 for the default; "bad" ranks every day backwards: -1 - 1 = -2
    assert t["difference"].tolist() == pytest.approx([-33 / 133, -2.0])
    assert t["n"].tolist() == [20, 20]
    # "bad" is below the default in every resample: p = 2 / (100 + 1), the smallest possible,
    # and Holm over the two comparisons doubles it
    b = t.set_index("axis").loc["leverage"]
    assert b["p_value"] == pytest.approx(2 / 101) and b["p_holm"] == pytest.approx(4 / 101)
    assert (t["p_holm"] >= t["p_value"]).all()
    md = one_axis_markdown(t).splitlines()
    assert md[0] == "| axis | shipped default | changed to | difference in mean Spearman (95% CI) | Holm p |"
    assert md[3] == "| leverage | x | y | -2.000 (-2.000 to -2.000) | 0.04 |"
    assert md[2].startswith("| inflow | a | b | -0.248 (")
    with pytest.raises(ValueError, match=re.escape("inflow | leverage | side rule")):
        one_axis_comparisons(per, "a | x", n_boot=10)
    label = current_defaults_label([{"label": "x", "side_rule": "direction"},
                                    {"label": "y", "side_rule": "even", "leverage_median": 15.0}])
    assert label == "y"
    with pytest.raises(ValueError, match="no grid point"):
        current_defaults_label([{"label": "x", "side_rule": "nonexistent"}])


def test_against_realised_needs_params_for_the_path_null():
    from liqlab.validation import against_realised

    d = liqlab.validation.load_set("okx_2026_03")
    res = liqlab.estimate(d["candles"], per_tier=False)
    with pytest.raises(ValueError, match="needs an EstimateResult"):
        against_realised(res.swept, d["realised"], d["candles"], freq="1h")
    rep = against_realised(res.swept, d["realised"], d["candles"], freq="1h", path_null=None,
                           n_boot=50)
    assert "path_null" not in set(rep.scores["predictor"])
    full = against_realised(res, d["realised"], d["candles"], freq="1h", n_boot=50)
    assert "path_null" in set(full.scores["predictor"])


def test_score_estimate_equals_validate_set():
    """The one-call API (params + inputs -> the full table) gives the embedded set's table."""
    from liqlab.validation import score_estimate

    d = liqlab.validation.load_set("okx_2026_03")
    p = liqlab.ModelParams().replace(leverage_median=40.0)
    a = score_estimate(d["candles"], d["realised"], params=p, funding=d["funding"], freq="1h",
                       n_boot=100).scores
    b = liqlab.validation.validate_set("okx_2026_03", params=p, n_boot=100).scores
    pd.testing.assert_frame_equal(a, b)
    assert a.set_index(["side", "predictor"]).loc[("long", "path_null"), "model_partial"] == \
        pytest.approx(b.set_index(["side", "predictor"]).loc[("long", "path_null"), "model_partial"])


def test_grid_periods_with_the_path_null():
    from liqlab.validation.defaults import grid_periods

    grid = [{"label": "a", "side_rule": "even"},
            {"label": "b", "side_rule": "even", "leverage_median": 40.0}]
    per = grid_periods(grid, "okx_2026_03", path_null=True)
    for label, g in per.groupby("label"):
        p = liqlab.ModelParams().replace(**{k: v for k, v in next(x for x in grid if x["label"] == label).items()
                                            if k != "label"})
        rep = liqlab.validation.validate_set("okx_2026_03", params=p, n_boot=20)
        np.testing.assert_allclose(g.sort_values("period")["null_long"].to_numpy(),
                                   rep.frame["null_long"].to_numpy(), rtol=1e-12)
    # the two points differ in leverage, so their path nulls differ too
    a, b = (per[per["label"] == x].sort_values("period")["null_total"].to_numpy() for x in "ab")
    assert not np.allclose(a, b)


def test_validate_help_states_the_grid_it_searches():
    """`liqlab validate --help` is built without importing the grid (it stays fast), so its
    "6 x 6 x 3" is checked here against the axes it describes."""
    parser = argparse.ArgumentParser()
    validate_args.add_arguments(parser)
    text = " ".join(parser.format_help().split())
    dims = tuple(int(x) for x in re.search(r"\((\d+) x (\d+) x (\d+) grid points\)", text).groups())
    assert dims == (len(INFLOW_MIXES), len(LEVERAGE_MIXES), len(SIDE_RULES))
    assert np.prod(dims) == len(default_grid())
