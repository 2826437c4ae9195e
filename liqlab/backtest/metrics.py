"""Scores for probabilistic and binary outcomes, and lifts with block-bootstrap intervals.

All functions are pure and work on arrays. Bootstrap intervals resample *blocks of
consecutive units* (e.g. snapshots, hours, days), because neighbouring events share the
same price path and are not independent: an i.i.d. bootstrap would give intervals that
are too narrow. The bootstrap itself lives in :mod:`liqlab.stats` (``block_bootstrap`` here
is :func:`liqlab.stats.unit_sums_bootstrap`, ``bootstrap_draws`` is
:func:`liqlab.stats.unit_sums_draws`, ``block_bootstrap_counts`` is
:func:`liqlab.stats.block_counts`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

# re-exported under the backtest's older names: one home, liqlab.stats
from liqlab.stats import benjamini_hochberg, holm, spearman, unit_sums_draws  # noqa: F401
from liqlab.stats import block_counts as block_bootstrap_counts  # noqa: F401
from liqlab.stats import unit_sums_bootstrap as block_bootstrap  # noqa: F401
from liqlab.stats import unit_sums_draws as bootstrap_draws  # noqa: F401

__all__ = ["hit_rate", "brier", "brier_skill", "auc", "reliability_table",
           "block_bootstrap_counts", "bootstrap_draws", "block_bootstrap", "rate_ratio",
           "lift_interval", "holm", "benjamini_hochberg",
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


def rate_ratio(sums: np.ndarray) -> np.ndarray:
    """Lift from column totals, row by row: (hits / events) / (null hits / null events), for
    sums shaped (m, 4) as [hits, events, null hits, null events]."""
    return (sums[:, 0] / sums[:, 1]) / (sums[:, 2] / sums[:, 3])


def lift_interval(unit_sums: np.ndarray, *, n_boot: int = 1000, seed: int = 0,
                  block: int = 1) -> dict:
    """Lift of per-unit [hits, events, null hits, null events] sums (:func:`rate_ratio` of
    the totals) with a 95 % block-bootstrap interval and the one-sided bootstrap p-value of
    lift <= 1 (+1 smoothed); interval and p-value are NaN when more than half of the
    resamples have no finite lift. Keys: lift, lift_lo, lift_hi, p_value."""
    est, b = unit_sums_draws(unit_sums, rate_ratio, block=block, n_boot=n_boot, seed=seed)
    if b.size < 0.5 * n_boot:
        return {"lift": est, "lift_lo": np.nan, "lift_hi": np.nan, "p_value": np.nan}
    lo, hi = np.quantile(b, [0.025, 0.975])
    return {"lift": est, "lift_lo": float(lo), "lift_hi": float(hi),
            "p_value": float((np.sum(b <= 1) + 1) / (b.size + 1))}


def lead_time_quantiles(time_to_touch, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> pd.Series:
    """Quantiles of the time to touch (touched events only), as Timedeltas."""
    t = pd.TimedeltaIndex(time_to_touch).dropna()
    if len(t) == 0:
        return pd.Series([pd.NaT] * len(qs), index=list(qs), dtype="timedelta64[ns]")
    vals = np.quantile(t.as_unit("ns").asi8, qs)
    return pd.Series(pd.to_timedelta(vals.round().astype(np.int64), unit="ns"), index=list(qs))
