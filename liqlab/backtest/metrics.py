"""Scores for probabilistic and binary outcomes, with block-bootstrap intervals.

All functions are pure and work on arrays. Bootstrap intervals resample *blocks of
consecutive units* (e.g. snapshots, hours, days), because neighbouring events share the
same price path and are not independent: an i.i.d. bootstrap would give intervals that
are too narrow.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from liqlab.stats import benjamini_hochberg, holm, spearman  # noqa: F401  (re-exported: one home)

__all__ = ["hit_rate", "brier", "brier_skill", "auc", "reliability_table",
           "block_bootstrap_counts", "bootstrap_draws", "block_bootstrap", "holm", "benjamini_hochberg",
           "lead_time_quantiles", "spearman"]


def hit_rate(touched) -> float:
    """Share of events touched (NaN for no events)."""
    y = np.asarray(touched, dtype=float)
    return float(y.mean()) if y.size else float("nan")


def brier(p, y) -> float:
    """Brier score: mean of (p - y)^2 (0 is perfect; 0.25 is a constant 0.5)."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    if p.shape != y.shape:
        raise ValueError(f"p and y must have the same shape, got {p.shape} and {y.shape}")
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


def brier_skill(p, y, p_ref) -> float:
    """1 - Brier(p) / Brier(p_ref): positive when ``p`` beats the reference forecast."""
    ref = brier(p_ref, y)
    return float(1 - brier(p, y) / ref) if ref > 0 else float("nan")


def auc(score, y) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random
    negative, ties counting one half (Mann-Whitney U / (n1 * n0)). NaN if a class is empty."""
    s, y = np.asarray(score, float), np.asarray(y, bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(s)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def reliability_table(p, y, bins: int = 10) -> pd.DataFrame:
    """Calibration: events grouped by forecast probability into ``bins`` equal-width bins;
    per bin the mean forecast, the observed frequency and the count (empty bins omitted)."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    edges = np.linspace(0, 1, bins + 1)
    b = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    df = pd.DataFrame({"bin": b, "p": p, "y": y})
    g = df.groupby("bin")
    out = pd.DataFrame({"p_mean": g["p"].mean(), "observed": g["y"].mean(), "n": g.size()})
    out["bin_lo"], out["bin_hi"] = edges[out.index], edges[out.index + 1]
    return out.reset_index(drop=True)[["bin_lo", "bin_hi", "p_mean", "observed", "n"]]


def block_bootstrap_counts(n_units: int, block: int, n_boot: int,
                           rng: np.random.Generator) -> np.ndarray:
    """How often each unit is drawn in each of ``n_boot`` circular block-bootstrap samples:
    an (n_boot, n_units) integer matrix. Each sample strings together random blocks of
    ``block`` consecutive units (wrapping at the end) until it has ``n_units`` units."""
    if n_units < 1:
        raise ValueError("cannot bootstrap zero units")
    block = int(max(1, min(block, n_units)))
    n_blocks = -(-n_units // block)
    starts = rng.integers(0, n_units, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n_units
    idx = idx.reshape(n_boot, -1)[:, :n_units]
    counts = np.zeros((n_boot, n_units), np.int64)
    rows = np.repeat(np.arange(n_boot), n_units)
    np.add.at(counts, (rows, idx.ravel()), 1)
    return counts


def bootstrap_draws(unit_sums: np.ndarray, stat: Callable[[np.ndarray], np.ndarray], *,
                    block: int, n_boot: int = 1000, seed: int = 0) -> tuple[float, np.ndarray]:
    """Point estimate and the finite bootstrap draws of a statistic of summed per-unit
    quantities (see :func:`block_bootstrap`)."""
    u = np.asarray(unit_sums, float)
    if u.ndim != 2:
        raise ValueError("unit_sums must be 2-D (units, quantities)")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = float(stat(u.sum(axis=0)[None, :])[0])
        if u.shape[0] == 0:
            return est, np.empty(0)
        counts = block_bootstrap_counts(u.shape[0], block, n_boot, np.random.default_rng(seed))
        boot = np.asarray(stat(counts @ u), float)
    return est, boot[np.isfinite(boot)]


def block_bootstrap(unit_sums: np.ndarray, stat: Callable[[np.ndarray], np.ndarray], *,
                    block: int, n_boot: int = 1000, seed: int = 0,
                    level: float = 0.95) -> tuple[float, float, float]:
    """Point estimate and percentile interval of a statistic of summed per-unit quantities.

    ``unit_sums`` is (n_units, k): e.g. per day [hits, events, control hits, controls].
    ``stat`` maps an (m, k) array of column totals to m values (vectorised), e.g.
    ``lambda s: (s[:, 0] / s[:, 1]) / (s[:, 2] / s[:, 3])``. Units are resampled in
    circular blocks of ``block`` consecutive units. Returns (estimate, lo, hi); resamples
    whose statistic is not finite are left out, and the interval is NaN when more than
    half are.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    est, boot = bootstrap_draws(unit_sums, stat, block=block, n_boot=n_boot, seed=seed)
    if boot.size < 0.5 * n_boot:
        return est, float("nan"), float("nan")
    a = (1 - level) / 2
    lo, hi = np.quantile(boot, [a, 1 - a])
    return est, float(lo), float(hi)


def lead_time_quantiles(time_to_touch, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> pd.Series:
    """Quantiles of the time to touch (touched events only), as Timedeltas."""
    t = pd.TimedeltaIndex(time_to_touch).dropna()
    if len(t) == 0:
        return pd.Series([pd.NaT] * len(qs), index=list(qs), dtype="timedelta64[ns]")
    vals = np.quantile(t.as_unit("ns").asi8, qs)
    return pd.Series(pd.to_timedelta(vals.round().astype(np.int64), unit="ns"), index=list(qs))
