"""Scores of predicted against realised liquidations per period, with block-bootstrap
intervals, and the scale that turns the heatmap's USD into an estimate.

- Spearman rank correlation between a predictor and realised notional per period;
- share of the top-decile periods caught: of the periods with the most realised
  liquidations (the top ``ceil(n / 10)``), the share that are also among the predictor's
  top ``ceil(n / 10)`` (chance: about 0.1);
- a calibration curve: periods grouped by predicted notional, mean realised per group;
- the ratio of predicted to realised notional, and a calibrated scale (realised / predicted)
  fitted walk-forward, so that its out-of-sample error is honest.

Intervals resample blocks of consecutive periods (circular block bootstrap, block length
about n^(1/3) unless given), since liquidations cluster in time.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .align import SIDES

__all__ = ["PREDICTORS", "block_indices", "spearman", "top_decile_caught", "score_table",
           "calibration_curve", "scale_table"]

#: predictor name -> column prefix in the aligned frame
PREDICTORS = {"model": "pred", "range": "range", "range_oi": "range_oi"}


def block_indices(n: int, block: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) indices of circular block-bootstrap resamples of n ordered periods."""
    if n < 1:
        raise ValueError("cannot bootstrap zero periods")
    block = int(max(1, min(block, n)))
    nb = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, nb))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_boot, -1)[:, :n]


def spearman(x, y) -> float:
    """Spearman correlation with average ranks; NaN when either side is constant or n < 3."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.size < 3:
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def top_decile_caught(pred, real) -> float:
    """Share of the ``k = ceil(n/10)`` periods with the most realised notional that are
    also among the ``k`` with the most predicted (ties broken by time order)."""
    pred, real = np.asarray(pred, float), np.asarray(real, float)
    n = pred.size
    if n < 2 or np.all(real == real[0]):
        return float("nan")
    k = max(1, math.ceil(n / 10))
    top_r = set(np.argsort(-real, kind="stable")[:k])
    top_p = set(np.argsort(-pred, kind="stable")[:k])
    return len(top_r & top_p) / k


def _interval(stat, x, y, idx) -> tuple[float, float]:
    vals = np.array([stat(x[i], y[i]) for i in idx])
    vals = vals[np.isfinite(vals)]
    if vals.size < 0.5 * len(idx):
        return float("nan"), float("nan")
    lo, hi = np.quantile(vals, [0.025, 0.975])
    return float(lo), float(hi)


def score_table(frame: pd.DataFrame, *, sides=SIDES, n_boot: int = 1000,
                block: int | None = None, seed: int = 0) -> pd.DataFrame:
    """One row per (side, predictor): n periods, Spearman with 95% CI, top-decile share
    caught with 95% CI and its chance level (k/n), and the paired difference of Spearman
    against the candle-range baseline (``minus_range``, with a 95% CI from the same
    resamples: an interval above 0 means the predictor ranks better than range alone)."""
    n = len(frame)
    if n < 3:
        raise ValueError(f"{n} period(s) are too few to score; need at least 3")
    block = block or max(1, round(n ** (1 / 3)))
    idx = block_indices(n, block, n_boot, np.random.default_rng(seed))
    rows = []
    for side in sides:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        y = frame[f"real_{side}"].to_numpy(float)
        base = frame[f"range_{side}"].to_numpy(float)
        for name, prefix in PREDICTORS.items():
            col = f"{prefix}_{side}"
            if col not in frame.columns:
                continue
            x = frame[col].to_numpy(float)
            rho, td = spearman(x, y), top_decile_caught(x, y)
            rlo, rhi = _interval(spearman, x, y, idx)
            tlo, thi = _interval(top_decile_caught, x, y, idx)
            diff = lambda a, b: spearman(a[:, 0], b) - spearman(a[:, 1], b)
            xb = np.column_stack([x, base])
            dlo, dhi = _interval(diff, xb, y, idx)
            rows.append({"side": side, "predictor": name, "n": n, "spearman": rho,
                         "spearman_lo": rlo, "spearman_hi": rhi, "top_decile": td,
                         "top_decile_lo": tlo, "top_decile_hi": thi,
                         "top_decile_chance": max(1, math.ceil(n / 10)) / n,
                         "minus_range": rho - spearman(base, y), "minus_range_lo": dlo,
                         "minus_range_hi": dhi, "block": block})
    return pd.DataFrame(rows)


def calibration_curve(frame: pd.DataFrame, side: str = "total", bins: int = 5) -> pd.DataFrame:
    """Periods in ``bins`` groups of equal count by predicted notional (model); per group the
    mean predicted and mean realised USD and their ratio. A calibrated model has a constant
    ratio; a model that ranks well has realised rising with predicted."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, got {side!r}")
    p = frame[f"pred_{side}"].to_numpy(float)
    r = frame[f"real_{side}"].to_numpy(float)
    bins = max(1, min(bins, len(p)))
    grp = np.minimum((rankdata(p, method="ordinal") - 1) * bins // len(p), bins - 1)
    df = pd.DataFrame({"group": grp, "pred": p, "real": r})
    g = df.groupby("group")
    out = pd.DataFrame({"pred_mean": g["pred"].mean(), "real_mean": g["real"].mean(),
                        "n": g.size()})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["real_over_pred"] = out["real_mean"] / out["pred_mean"]
    return out.reset_index()


def scale_table(frame: pd.DataFrame, *, n_boot: int = 1000, block: int | None = None,
                seed: int = 0) -> pd.DataFrame:
    """Per side: total predicted and realised USD, their ratio, the calibrated scale
    (realised / predicted, with a block-bootstrap 95% CI) and its walk-forward error: for
    each period the scale fitted on earlier periods only is applied, and the median
    absolute log10 error of scaled against realised (periods with both > 0) is reported,
    next to the same error of the in-sample scale. An error of 0.3 is a factor of 2."""
    n = len(frame)
    block = block or max(1, round(n ** (1 / 3)))
    idx = block_indices(n, block, n_boot, np.random.default_rng(seed)) if n else None
    rows = []
    for side in SIDES:
        p = frame[f"pred_{side}"].to_numpy(float)
        r = frame[f"real_{side}"].to_numpy(float)
        sp, sr = p.sum(), r.sum()
        scale = sr / sp if sp > 0 else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            boot = r[idx].sum(1) / p[idx].sum(1) if idx is not None else np.array([])
        boot = boot[np.isfinite(boot)]
        lo, hi = (np.quantile(boot, [0.025, 0.975]) if boot.size >= 0.5 * n_boot
                  else (np.nan, np.nan))
        cp, cr = np.cumsum(p) - p, np.cumsum(r) - r          # sums over earlier periods
        with np.errstate(divide="ignore", invalid="ignore"):
            k_wf = np.where(cp > 0, cr / cp, np.nan)
            ok = (p > 0) & (r > 0)
            err_wf = np.abs(np.log10(k_wf * p / r))[ok & np.isfinite(k_wf) & (k_wf > 0)]
            err_in = np.abs(np.log10(scale * p / r))[ok] if np.isfinite(scale) and scale > 0 else np.array([])
        rows.append({"side": side, "predicted_usd": sp, "realised_usd": sr,
                     "predicted_over_realised": sp / sr if sr > 0 else np.nan,
                     "scale": scale, "scale_lo": lo, "scale_hi": hi,
                     "median_abs_log10_error_walk_forward": float(np.median(err_wf)) if err_wf.size else np.nan,
                     "median_abs_log10_error_in_sample": float(np.median(err_in)) if err_in.size else np.nan,
                     "n_walk_forward": int(err_wf.size)})
    return pd.DataFrame(rows)
