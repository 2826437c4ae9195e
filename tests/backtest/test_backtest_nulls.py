"""Null models: the Brownian touch probability against the brief's numbers and a Monte Carlo
of driftless paths; controls and shuffles keep distances; volatility has no lookahead."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import liqlab
from liqlab.backtest.nulls import (BGK_BETA, brownian_touch_probability,
                                   discrete_touch_probability, opposite_controls,
                                   random_controls, realised_volatility, shuffle_snapshots)


def test_brownian_touch_matches_the_brief():
    # MODEL.md: at 3 % daily volatility a level 2 % away is touched within a day about half
    # the time, within a week about 80 %: 2*(1-Phi(0.02/0.03)) = 2*(1-Phi(0.6667)) = 0.5050;
    # 2*(1-Phi(0.02/(0.03*sqrt 7))) = 2*(1-Phi(0.2520)) = 0.8011
    p = brownian_touch_probability([0.02, 0.02], 0.03, [1.0, 7.0])
    assert p == pytest.approx([0.5050, 0.8011], abs=1e-4)
    assert p[0] == pytest.approx(2 * (1 - norm.cdf(2 / 3)), rel=1e-12)
    # symmetric in the sign of the distance; d = 0 touches surely; zero volatility never
    assert brownian_touch_probability(-0.02, 0.03, 1.0) == pytest.approx(p[0])
    assert brownian_touch_probability(0.0, 0.03, 1.0) == 1.0
    assert brownian_touch_probability(0.01, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError):
        brownian_touch_probability(0.01, -0.1, 1.0)


def _mc_touch(d, n_steps, n_paths, seed):
    """Share of driftless Gaussian random walks (unit variance over the horizon) whose
    maximum over n_steps discrete observations reaches d."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n_paths)
    hit = np.zeros(n_paths, bool)
    step = np.sqrt(1.0 / n_steps)
    for _ in range(n_steps):
        x += step * rng.standard_normal(n_paths)
        hit |= x >= d
    return hit.mean()


@pytest.mark.parametrize("n_steps", [50, 2000])
def test_brownian_null_against_monte_carlo(n_steps):
    """Driftless paths observed at n_steps steps touch less often than continuously
    monitored ones. The Broadie-Glasserman-Kou corrected formula (barrier shifted out by
    0.5826 * sigma * sqrt(dt)) must agree with the Monte Carlo within 3 standard errors at
    both step sizes; the uncorrected continuous formula is biased high, clearly so at 50
    steps (0.3173 vs about 0.279: more than 10 standard errors) and still by about the
    shift at 2000 steps. Candle highs/lows observe the path continuously, which is why the
    study itself uses the continuous formula."""
    d, n_paths = 1.0, 20000
    mc = _mc_touch(d, n_steps, n_paths, seed=7)
    p_disc = discrete_touch_probability(d, 1.0, 1.0, n_steps)
    p_cont = brownian_touch_probability(d, 1.0, 1.0)
    se = np.sqrt(p_disc * (1 - p_disc) / n_paths)
    assert abs(mc - p_disc) < 3 * se
    assert p_cont == pytest.approx(0.3173, abs=1e-4)
    if n_steps == 50:
        assert p_cont - mc > 10 * se
    else:
        # the remaining continuous-vs-discrete gap is the barrier shift, within sampling error
        gap = p_cont - brownian_touch_probability(d + BGK_BETA * np.sqrt(1 / n_steps), 1.0, 1.0)
        assert abs((p_cont - mc) - gap) < 3 * se


def test_realised_volatility_uses_only_the_past():
    c = liqlab.load_sample("binance_btcusdt_5m").iloc[:600]
    v = realised_volatility(c, 288)
    changed = c.copy()
    changed.iloc[400:, changed.columns.get_loc("close")] *= 1.5
    v2 = realised_volatility(changed, 288)
    pd.testing.assert_series_equal(v.iloc[:400], v2.iloc[:400])
    assert v.iloc[:288].isna().all() and v.iloc[288:].notna().all()
    r = np.log(c["close"]).diff().iloc[1:289]
    assert v.iloc[288] == pytest.approx(r.std(ddof=1), rel=1e-12)
    with pytest.raises(ValueError):
        realised_volatility(c, 1)


def _events():
    return pd.DataFrame({"snapshot": [0, 0, 1], "t0": pd.to_datetime(
        ["2025-01-01 00:00", "2025-01-01 00:00", "2025-01-01 01:00"], utc=True),
        "price_now": [100.0, 100.0, 110.0], "distance": [0.02, -0.01, 0.03],
        "level": [100 * np.exp(0.02), 100 * np.exp(-0.01), 110 * np.exp(0.03)],
        "side": ["short", "long", "short"], "strength": [5.0, 3.0, 4.0]})


def test_controls_keep_the_distance():
    ev = _events()
    opp = opposite_controls(ev)
    assert opp["distance"].tolist() == [-0.02, 0.01, -0.03]
    assert opp["level"].to_numpy() == pytest.approx([100 * np.exp(-0.02), 100 * np.exp(0.01),
                                                     110 * np.exp(-0.03)])
    assert opp["side"].tolist() == ["long", "short", "long"]
    rnd = random_controls(ev, 200, seed=0, jitter=0.1)
    assert len(rnd) == 600
    ratio = np.abs(rnd["distance"].to_numpy()) / np.repeat(np.abs(ev["distance"].to_numpy()), 200)
    assert ratio.min() >= np.exp(-0.1) and ratio.max() <= np.exp(0.1)
    assert 0.4 < (rnd["distance"] > 0).mean() < 0.6   # both sides, about evenly
    assert (rnd["side"] == np.where(rnd["distance"] > 0, "short", "long")).all()
    # the controls of the first snapshot do not depend on later events
    first = random_controls(ev.iloc[:2], 200, seed=0, jitter=0.1)
    pd.testing.assert_frame_equal(first, rnd.iloc[:400])


def test_shuffle_keeps_distances_and_reanchors():
    ev = _events()
    snaps = pd.DataFrame({"t0": pd.to_datetime(["2025-01-01 00:00", "2025-01-01 01:00"], utc=True),
                          "price_now": [100.0, 110.0]})
    for seed in range(5):
        sh = shuffle_snapshots(ev, snaps, np.random.default_rng(seed))
        assert sorted(sh["distance"]) == sorted(ev["distance"])
        now = snaps["price_now"].to_numpy()[sh["snapshot"].to_numpy()]
        assert sh["level"].to_numpy() == pytest.approx(now * np.exp(sh["distance"].to_numpy()))
        assert (sh["t0"].to_numpy() == snaps["t0"].to_numpy()[sh["snapshot"].to_numpy()]).all()
