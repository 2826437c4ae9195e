"""liqlab.stats: rank correlations against scipy and by hand, bootstraps, corrections."""
import numpy as np
import pytest
from scipy.stats import spearmanr

from liqlab import stats


def test_spearman_matches_scipy_with_ties():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, 40).astype(float)          # many ties
    y = x + rng.normal(0, 2, 40)
    assert stats.spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    # by hand: ranks 1..5 against 1,2,3,5,4: d^2 = 2, rho = 1 - 6*2/(5*24) = 0.9
    assert stats.spearman([1, 2, 3, 4, 5], [10, 20, 30, 50, 40]) == pytest.approx(0.9)
    assert np.isnan(stats.spearman([1, 1, 1, 1], [1, 2, 3, 4]))
    assert np.isnan(stats.spearman([1, 2], [1, 2]))
    rows = stats.spearman_rows(np.vstack([x, -x]), np.vstack([y, y]))
    assert rows == pytest.approx([spearmanr(x, y).statistic, -spearmanr(x, y).statistic])


def test_partial_spearman_equals_residual_correlation_of_ranks():
    rng = np.random.default_rng(7)
    z = rng.normal(size=60)
    x = z + rng.normal(size=60)
    y = z + 0.5 * x + rng.normal(size=60)
    # independent route: regress the ranks of x and y on the ranks of z, correlate residuals
    from scipy.stats import rankdata
    rx, ry, rz = rankdata(x), rankdata(y), rankdata(z)
    A = np.column_stack([np.ones(60), rz])
    ex = rx - A @ np.linalg.lstsq(A, rx, rcond=None)[0]
    ey = ry - A @ np.linalg.lstsq(A, ry, rcond=None)[0]
    want = np.corrcoef(ex, ey)[0, 1]
    assert stats.partial_spearman(x, y, z) == pytest.approx(want, abs=1e-12)
    # by hand from the three Spearman correlations
    rxy, rxz, ryz = (spearmanr(a, b).statistic for a, b in ((x, y), (x, z), (y, z)))
    assert want == pytest.approx((rxy - rxz * ryz) / np.sqrt((1 - rxz ** 2) * (1 - ryz ** 2)))
    # a predictor that is a monotone function of the control adds nothing: undefined
    assert np.isnan(stats.partial_spearman(z ** 3, y, z))


def test_block_indices_and_default_block():
    idx = stats.block_indices(10, 10, 50, np.random.default_rng(0))
    # one block of the whole length: every resample is a rotation of 0..9
    for row in idx:
        assert sorted(row) == list(range(10)) and all((row[1:] - row[:-1]) % 10 == 1)
    idx = stats.block_indices(10, 3, 20, np.random.default_rng(1))
    assert idx.shape == (20, 10)
    assert all(((r[1:3] - r[0:2]) % 10 == 1).all() for r in idx)   # first block consecutive
    assert stats.default_block(3200, 24) == 24      # a day of hours
    assert stats.default_block(50, 1) == 4          # 50 ** (1/3) = 3.68
    assert stats.default_block(12, 24) == 3         # at least 4 blocks
    with pytest.raises(ValueError, match="zero"):
        stats.default_block(0)


def test_block_bootstrap_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    idx = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]])
    mean = lambda a: a.mean(axis=1)
    est, lo, hi = stats.block_bootstrap(mean, x, block=1, idx=idx, level=0.5)
    # resampled means 1, 2, 3, 4: the 25 % and 75 % quantiles (linear) are 1.75 and 3.25
    assert (est, lo, hi) == pytest.approx((2.5, 1.75, 3.25))
    with pytest.raises(ValueError, match="one length"):
        stats.block_bootstrap(mean, x, x[:3], block=1)


def test_paired_block_bootstrap():
    rng = np.random.default_rng(5)
    y = rng.normal(size=80)
    good, bad = y + rng.normal(0, 0.3, 80), rng.normal(size=80)
    d = stats.paired_block_bootstrap(stats.spearman_rows, good, bad, y, block=4, n_boot=400)
    assert d["estimate"] == pytest.approx(stats.spearman(good, y) - stats.spearman(bad, y))
    assert d["lo"] > 0 and d["p_value"] < 0.01
    same = stats.paired_block_bootstrap(stats.spearman_rows, good, good, y, block=4, n_boot=100)
    assert (same["estimate"], same["lo"], same["hi"], same["p_value"]) == (0.0, 0.0, 0.0, 1.0)


def _counts_before_the_move(n_units, block, n_boot, rng):
    # liqlab.backtest.metrics.block_bootstrap_counts as it was before the bootstrap moved
    # into liqlab.stats (December 2026), kept verbatim: the backtest must draw what it drew
    block = int(max(1, min(block, n_units)))
    n_blocks = -(-n_units // block)
    starts = rng.integers(0, n_units, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n_units
    idx = idx.reshape(n_boot, -1)[:, :n_units]
    counts = np.zeros((n_boot, n_units), np.int64)
    np.add.at(counts, (np.repeat(np.arange(n_boot), n_units), idx.ravel()), 1)
    return counts


@pytest.mark.parametrize("n, block", [(10, 3), (7, 7), (40, 5), (5, 9), (1, 1)])
def test_block_counts_are_block_indices_counted(n, block):
    idx = stats.block_indices(n, block, 60, np.random.default_rng(11))
    c = stats.block_counts(n, block, 60, np.random.default_rng(11))
    assert c.shape == (60, n) and (c.sum(axis=1) == n).all()
    for row, counts in zip(idx, c):                  # counted by hand, resample by resample
        assert counts.tolist() == [int(np.sum(row == u)) for u in range(n)]
    np.testing.assert_array_equal(c, _counts_before_the_move(n, block, 60, np.random.default_rng(11)))


def test_unit_sums_bootstrap_is_block_bootstrap_of_the_sums():
    # hits and events per day; the pooled rate of a resample is the same whether its units'
    # sums are formed from counts (unit_sums_bootstrap) or from the resampled units
    rng = np.random.default_rng(4)
    events = rng.integers(5, 15, 30).astype(float)
    hits = rng.binomial(events.astype(int), 0.4).astype(float)
    rate = lambda h, n: h.sum(axis=1) / n.sum(axis=1)
    want = stats.block_bootstrap(rate, hits, events, block=4, n_boot=300, seed=9)
    got = stats.unit_sums_bootstrap(np.c_[hits, events], lambda x: x[:, 0] / x[:, 1], block=4,
                                    n_boot=300, seed=9)
    assert got == pytest.approx(want, rel=1e-12)
    assert got[0] == hits.sum() / events.sum()
    # a statistic that is never finite: estimate only, no interval
    est, lo, hi = stats.unit_sums_bootstrap(np.c_[hits, 0 * events], lambda x: x[:, 0] / x[:, 1],
                                            block=4, n_boot=50)
    assert est == np.inf and np.isnan(lo) and np.isnan(hi)
    est, draws = stats.unit_sums_draws(np.empty((0, 2)), lambda x: x[:, 0] / x[:, 1], block=1)
    assert np.isnan(est) and draws.size == 0
    with pytest.raises(ValueError, match="2-D"):
        stats.unit_sums_draws(hits, lambda x: x, block=1)
    with pytest.raises(ValueError, match="level"):
        stats.unit_sums_bootstrap(np.c_[hits, events], lambda x: x[:, 0], block=1, level=1.5)


def test_holm_and_bh_by_hand():
    p = [0.01, 0.04, 0.03]
    # Holm: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> running max 0.06
    assert stats.holm(p) == pytest.approx([0.03, 0.06, 0.06])
    # BH: sorted p*m/rank = 0.03, 0.045, 0.04 -> running min from the top: 0.03, 0.04, 0.04
    assert stats.benjamini_hochberg(p) == pytest.approx([0.03, 0.04, 0.04])
    assert stats.holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])


def test_walk_forward_result_keys():
    import pandas as pd
    wf = stats.WalkForwardResult(folds=pd.DataFrame({"fold": [1]}), pooled={"lift": 1.2},
                                 grid=pd.DataFrame(), recommended="a")
    assert wf["stitched_scores"] == {"lift": 1.2} and wf["recommended"] == "a"
    assert wf["full_sample"] is wf.grid
    with pytest.raises(KeyError):
        wf["nothing"]
