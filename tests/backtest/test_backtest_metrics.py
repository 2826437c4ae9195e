"""Scores worked out by hand on tiny inputs."""
import numpy as np
import pandas as pd
import pytest

from liqlab.backtest import metrics as m


def test_auc_by_hand():
    # positives score 0.35 and 0.8, negatives 0.1 and 0.4: of the 4 pairs the positive wins
    # (0.35>0.1), (0.8>0.1), (0.8>0.4) and loses (0.35<0.4): AUC = 3/4
    assert m.auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert m.auc([1.0, 1.0], [1, 0]) == pytest.approx(0.5)       # a tie counts one half
    assert m.auc([0.2, 0.9], [1, 0]) == pytest.approx(0.0)
    assert np.isnan(m.auc([0.2, 0.9], [1, 1]))                    # one class only


def test_brier_and_skill_by_hand():
    # ((0.2-0)^2 + (0.9-1)^2) / 2 = (0.04 + 0.01) / 2 = 0.025
    assert m.brier([0.2, 0.9], [0, 1]) == pytest.approx(0.025)
    # against a constant 0.5 (Brier 0.25): skill = 1 - 0.025/0.25 = 0.9
    assert m.brier_skill([0.2, 0.9], [0, 1], [0.5, 0.5]) == pytest.approx(0.9)
    with pytest.raises(ValueError):
        m.brier([1.2], [1])


def test_hit_rate_spearman_reliability():
    assert m.hit_rate([True, False, True, True]) == 0.75
    # x ranks 1,2,3,4 against y ranks 1,3,2,4: d^2 = 0+1+1+0 = 2; 1 - 6*2/(4*15) = 0.8
    assert m.spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    t = m.reliability_table([0.05, 0.15, 0.12, 0.95], [0, 1, 0, 1], bins=10)
    # bins [0, .1): one event, observed 0; [.1, .2): 0.15 and 0.12, observed 1/2; [.9, 1]: 1
    assert t["n"].tolist() == [1, 2, 1]
    assert t["observed"].tolist() == [0.0, 0.5, 1.0]
    assert t["p_mean"].to_numpy() == pytest.approx([0.05, 0.135, 0.95])


def test_block_bootstrap_counts_are_blocks():
    rng = np.random.default_rng(0)
    c = m.block_bootstrap_counts(10, 3, 200, rng)
    assert c.shape == (200, 10) and (c.sum(axis=1) == 10).all()
    # with one block as long as the data every resample is a rotation: each unit once
    assert (m.block_bootstrap_counts(7, 7, 50, rng) == 1).all()


def test_block_bootstrap_interval():
    # a rate of 2 hits in 4 per unit everywhere: every resample gives 0.5 exactly
    s = np.tile([2.0, 4.0], (12, 1))
    est, lo, hi = m.block_bootstrap(s, lambda x: x[:, 0] / x[:, 1], block=3, n_boot=200)
    assert (est, lo, hi) == (0.5, 0.5, 0.5)
    # two units, hits 0/1 and 1/1, i.i.d. blocks of one: a resample is {u0,u0}, {u0,u1} or
    # {u1,u1} with chances 1/4, 1/2, 1/4, rates 0, 1/2, 1: the 95 % interval is [0, 1]
    est, lo, hi = m.block_bootstrap(np.array([[0.0, 1.0], [1.0, 1.0]]),
                                    lambda x: x[:, 0] / x[:, 1], block=1, n_boot=2000)
    assert est == 0.5 and lo == 0.0 and hi == 1.0
    est, draws = m.bootstrap_draws(np.array([[0.0, 1.0], [1.0, 1.0]]),
                                   lambda x: x[:, 0] / x[:, 1], block=1, n_boot=4000, seed=1)
    assert np.mean(draws == 0.5) == pytest.approx(0.5, abs=0.03)


def test_multiple_testing_by_hand():
    p = [0.01, 0.04, 0.03]
    # Holm: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.03, 0.06, 0.06
    assert m.holm(p) == pytest.approx([0.03, 0.06, 0.06])
    # BH: sorted 0.01*3/1 = 0.03, 0.03*3/2 = 0.045, 0.04*3/3 = 0.04 -> running min from the
    # top: 0.03, 0.04, 0.04; back in input order (0.01, 0.04, 0.03): 0.03, 0.04, 0.04
    assert m.benjamini_hochberg(p) == pytest.approx([0.03, 0.04, 0.04])


def test_lead_time_quantiles():
    t = pd.to_timedelta(["1h", "2h", "3h", None])
    q = m.lead_time_quantiles(t, qs=(0.5,))
    assert q.iloc[0] == pd.Timedelta("2h")


def test_lift_interval_by_hand():
    # every unit: clusters 2 of 4 touched, nulls 1 of 4: every resample has lift 2 exactly,
    # so the interval is [2, 2] and no resample is <= 1: p = 1 / (n_boot + 1)
    s = np.tile([2.0, 4.0, 1.0, 4.0], (10, 1))
    assert m.lift_interval(s, n_boot=99) == {"lift": 2.0, "lift_lo": 2.0, "lift_hi": 2.0,
                                             "p_value": 0.01}
    # no null hits anywhere: no finite lift in any resample, so no interval and no p-value
    r = m.lift_interval(np.tile([2.0, 4.0, 0.0, 4.0], (10, 1)), n_boot=50)
    assert np.isnan([r["lift_lo"], r["lift_hi"], r["p_value"]]).all()
    assert (m.rate_ratio(np.array([[3.0, 6.0, 1.0, 4.0]])) == [2.0]).all()
