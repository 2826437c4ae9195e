"""The kit's shared statistics, in one place: rank correlations, block bootstraps, multiple-
testing corrections and the walk-forward result type.

- :func:`spearman`, :func:`partial_spearman` (and the row-wise ``*_rows`` forms, which score
  many bootstrap resamples at once);
- :func:`block_indices` (circular block bootstrap of ordered units), :func:`default_block`,
  :func:`block_bootstrap` (estimate and percentile interval of any statistic of aligned
  arrays) and :func:`paired_block_bootstrap` (the difference of one statistic on two
  predictors, on the *same* resamples, with a two-sided bootstrap p-value);
- the same resamples as counts (:func:`block_counts`), for statistics of *summed* per-unit
  quantities (hits and events per day, ...): :func:`unit_sums_draws` and
  :func:`unit_sums_bootstrap` (the backtest's lifts and rates);
- :func:`holm` (family-wise) and :func:`benjamini_hochberg` (false discovery rate);
- :class:`WalkForwardResult`: folds, pooled out-of-sample score, the grid, the choice.

Statistics passed to the bootstraps are *vectorised over rows*: they take arrays of shape
(m, n) (m resamples of n units) and return m values; ``spearman_rows`` and
``partial_spearman_rows`` are such statistics.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.stats import rankdata

__all__ = ["spearman", "spearman_rows", "partial_spearman", "partial_spearman_rows",
           "block_indices", "block_counts", "default_block", "block_bootstrap", "paired_block_bootstrap",
           "unit_sums_draws", "unit_sums_bootstrap",
           "holm", "benjamini_hochberg", "WalkForwardResult"]


# -- rank correlations -------------------------------------------------------------------
def _rows(a) -> np.ndarray:
    a = np.asarray(a, float)
    return a[None, :] if a.ndim == 1 else a


def _corr_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a * b).sum(axis=1) / den
    # a constant side (den 0, up to rounding) has no correlation
    scale = np.sqrt((a * a).sum(axis=1)) * np.sqrt((b * b).sum(axis=1))
    r[~(scale > 1e-12 * a.shape[1])] = np.nan
    return np.clip(r, -1.0, 1.0)


def spearman_rows(x, y) -> np.ndarray:
    """Spearman correlation of each row of ``x`` with the same row of ``y`` (average ranks for
    ties); NaN for a row where either is constant or has fewer than 3 values."""
    x, y = _rows(x), _rows(y)
    if x.shape[1] < 3:
        return np.full(x.shape[0], np.nan)
    return _corr_rows(rankdata(x, axis=1), rankdata(y, axis=1))


def spearman(x, y) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either is constant or
    n < 3."""
    return float(spearman_rows(x, y)[0])


def partial_spearman_rows(x, y, z) -> np.ndarray:
    """Partial Spearman correlation of x and y given z, row by row: the correlation of the
    ranks of x and y once the ranks of z are regressed out of both,
    (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)) with r the Spearman correlations.
    It measures what x says about y that z does not (incremental skill)."""
    x, y, z = _rows(x), _rows(y), _rows(z)
    if x.shape[1] < 4:
        return np.full(x.shape[0], np.nan)
    rx, ry, rz = (rankdata(a, axis=1) for a in (x, y, z))
    rxy, rxz, ryz = _corr_rows(rx, ry), _corr_rows(rx, rz), _corr_rows(ry, rz)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.sqrt((1 - rxz ** 2) * (1 - ryz ** 2))
        out = (rxy - rxz * ryz) / den
    out[~(den > 1e-9)] = np.nan
    return np.clip(out, -1.0, 1.0)


def partial_spearman(x, y, z) -> float:
    """Partial Spearman correlation of x and y given z (see :func:`partial_spearman_rows`);
    NaN when z's ranks explain x's or y's entirely, or n < 4."""
    return float(partial_spearman_rows(x, y, z)[0])


# -- block bootstrap ---------------------------------------------------------------------
def block_indices(n: int, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) indices of circular block-bootstrap resamples of n ordered units: each
    resample strings together random runs of ``block`` consecutive units (wrapping at the
    end) until it has n units."""
    if n < 1:
        raise ValueError("cannot bootstrap zero units")
    block = int(max(1, min(block, n)))
    nb = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_boot, -1)[:, :n]


def block_counts(n: int, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) integer matrix: how often each of n ordered units is drawn in each resample
    of :func:`block_indices` (the same resamples for the same ``rng`` state); each row sums
    to n."""
    idx = block_indices(n, block, n_boot, rng)
    flat = (np.arange(idx.shape[0])[:, None] * n + idx).ravel()
    return np.bincount(flat, minlength=idx.shape[0] * n).reshape(idx.shape[0], n)


def default_block(n: int, periods_per_day: float = 1.0) -> int:
    """Block length (in units) of the kit's bootstraps over periods: a whole day of periods
    (24 for hours) or about n^(1/3) periods, whichever is longer, but never more than n / 4
    (so that a resample has at least 4 independent blocks)."""
    if n < 1:
        raise ValueError("cannot bootstrap zero units")
    b = max(int(round(periods_per_day)), int(round(n ** (1 / 3))), 1)
    return int(max(1, min(b, n // 4)))


def _quantiles(vals: np.ndarray, n_boot: int, level: float) -> tuple[float, float]:
    vals = vals[np.isfinite(vals)]
    if vals.size < 0.5 * n_boot:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.quantile(vals, [a, 1 - a])
    return float(lo), float(hi)


def block_bootstrap(stat: Callable[..., np.ndarray], *arrays, block: int, n_boot: int = 1000,
                    seed: int = 0, idx: np.ndarray | None = None,
                    level: float = 0.95) -> tuple[float, float, float]:
    """Estimate and percentile interval of ``stat(*arrays)``, resampling the aligned 1-D
    ``arrays`` together in circular blocks of ``block`` units. ``stat`` is vectorised over
    rows (see the module doc). Pass ``idx`` (from :func:`block_indices`) to reuse the same
    resamples across statistics. Resamples whose statistic is not finite are left out; the
    interval is NaN when more than half are. Returns (estimate, lo, hi)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    arrs = [np.asarray(a, float) for a in arrays]
    n = arrs[0].size
    if any(a.shape != (n,) for a in arrs):
        raise ValueError("block_bootstrap: the arrays must be 1-D and of one length")
    est = float(np.asarray(stat(*[a[None, :] for a in arrs]))[0])
    if idx is None:
        idx = block_indices(n, block, n_boot, np.random.default_rng(seed))
    vals = np.asarray(stat(*[a[idx] for a in arrs]), float)
    lo, hi = _quantiles(vals, len(idx), level)
    return est, lo, hi


def unit_sums_draws(unit_sums, stat: Callable[[np.ndarray], np.ndarray], *, block: int,
                    n_boot: int = 1000, seed: int = 0) -> tuple[float, np.ndarray]:
    """Estimate and the finite bootstrap draws of a statistic of summed per-unit quantities
    (see :func:`unit_sums_bootstrap`); no draws for zero units."""
    u = np.asarray(unit_sums, float)
    if u.ndim != 2:
        raise ValueError("unit_sums must be 2-D (units, quantities)")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = float(stat(u.sum(axis=0)[None, :])[0])
        if u.shape[0] == 0:
            return est, np.empty(0)
        counts = block_counts(u.shape[0], block, n_boot, np.random.default_rng(seed))
        boot = np.asarray(stat(counts @ u), float)
    return est, boot[np.isfinite(boot)]


def unit_sums_bootstrap(unit_sums, stat: Callable[[np.ndarray], np.ndarray], *, block: int,
                        n_boot: int = 1000, seed: int = 0,
                        level: float = 0.95) -> tuple[float, float, float]:
    """Estimate and percentile interval of a statistic of summed per-unit quantities.

    ``unit_sums`` is (n_units, k): e.g. per day [hits, events, control hits, controls].
    ``stat`` maps an (m, k) array of column totals to m values (vectorised), e.g.
    ``lambda s: (s[:, 0] / s[:, 1]) / (s[:, 2] / s[:, 3])``. Units are resampled in circular
    blocks of ``block`` consecutive units (:func:`block_counts`; with one ``seed`` the same
    resamples as :func:`block_bootstrap` over the units). Resamples whose statistic is not
    finite are left out, and the interval is NaN when more than half are. Returns
    (estimate, lo, hi)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    est, boot = unit_sums_draws(unit_sums, stat, block=block, n_boot=n_boot, seed=seed)
    lo, hi = _quantiles(boot, n_boot, level)
    return est, lo, hi


def paired_block_bootstrap(stat: Callable[..., np.ndarray], a, b, *others, block: int,
                           n_boot: int = 1000, seed: int = 0, idx: np.ndarray | None = None,
                           level: float = 0.95) -> dict:
    """``stat(a, *others) - stat(b, *others)`` with a paired block-bootstrap interval: both
    predictors are resampled on the *same* units, so what they share cancels. Returns
    ``estimate``, ``lo``, ``hi`` and ``p_value`` (two-sided: twice the smaller share of
    resampled differences on either side of 0, +1 smoothed)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    rest = [np.asarray(o, float) for o in others]
    n = a.size
    if b.shape != a.shape or any(o.shape != a.shape for o in rest):
        raise ValueError("paired_block_bootstrap: the arrays must be 1-D and of one length")
    est = float(stat(a[None], *[o[None] for o in rest])[0] - stat(b[None], *[o[None] for o in rest])[0])
    if idx is None:
        idx = block_indices(n, block, n_boot, np.random.default_rng(seed))
    d = np.asarray(stat(a[idx], *[o[idx] for o in rest]) - stat(b[idx], *[o[idx] for o in rest]), float)
    lo, hi = _quantiles(d, len(idx), level)
    d = d[np.isfinite(d)]
    p = (min(1.0, 2 * min((np.sum(d <= 0) + 1) / (d.size + 1), (np.sum(d >= 0) + 1) / (d.size + 1)))
         if d.size else float("nan"))
    return {"estimate": est, "lo": lo, "hi": hi, "p_value": float(p)}


# -- multiple testing --------------------------------------------------------------------
def holm(pvalues) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (family-wise error control), in input order."""
    p = np.asarray(pvalues, float)
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate), in input order."""
    p = np.asarray(pvalues, float)
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


# -- walk-forward ------------------------------------------------------------------------
@dataclass
class WalkForwardResult:
    """A walk-forward choice among candidates (grid points, cluster definitions, ...):

    ``folds``: one row per fold (its start, the candidate chosen on earlier data only, the
    training and test scores); ``pooled``: the out-of-sample score of the chosen candidates
    stitched fold by fold (a table or a dict, with intervals); ``grid``: every candidate's
    score on all data (and corrected p-values where computed); ``recommended``: the
    candidate best on all data. ``result["folds"]`` etc. also work, and the older key names
    ``stitched_scores`` (= pooled) and ``full_sample`` (= grid)."""
    folds: pd.DataFrame
    pooled: Any
    grid: pd.DataFrame
    recommended: Any = None
    extra: dict = field(default_factory=dict)

    _ALIASES = {"stitched_scores": "pooled", "full_sample": "grid"}

    def __getitem__(self, key: str):
        key = self._ALIASES.get(key, key)
        if key in ("folds", "pooled", "grid", "recommended"):
            return getattr(self, key)
        if key in self.extra:
            return self.extra[key]
        raise KeyError(key)
