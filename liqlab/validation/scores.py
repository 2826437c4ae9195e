"""Scores of predicted against realised liquidations per period, with block-bootstrap
intervals, and the scale that turns the heatmap's USD into an estimate.

- Spearman rank correlation between a predictor and realised notional per period;
- share of the top-decile periods caught: of the periods with the most realised
  liquidations (the top ``ceil(n / 10)``), the share that are also among the predictor's
  top ``ceil(n / 10)`` (chance: about 0.1);
- a calibration curve: periods grouped by predicted notional, mean realised per group;
- the ratio of predicted to realised notional, and a calibrated scale (realised / predicted)
  fitted walk-forward, so that its out-of-sample error is honest.

Intervals resample blocks of consecutive periods (paired circular block bootstrap from
:mod:`liqlab.stats`: a day of periods or about n^(1/3), at most n/4, unless given), since
liquidations cluster in time; every predictor is scored on the same resamples.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from liqlab import stats
from liqlab.stats import block_indices, partial_spearman, spearman

from .align import SIDES

__all__ = ["PREDICTORS", "BASELINES", "block_indices", "spearman", "partial_spearman",
           "top_decile_caught", "score_table", "calibration_curve", "scale_table"]

#: predictor name -> column prefix in the aligned frame (see :mod:`.baselines`)
PREDICTORS = {"model": "pred", "range": "range", "range_sum": "range_sum", "path_null": "null",
              "range_oi": "range_oi"}
#: the price-path baselines (and range x OI) the model is compared with
BASELINES = ("range", "range_sum", "path_null", "range_oi")


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


def _top_decile_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([top_decile_caught(a, b) for a, b in zip(np.atleast_2d(x), np.atleast_2d(y))])


def _periods_per_day(index) -> float:
    if len(index) < 2:
        return 1.0
    step = pd.Series(pd.DatetimeIndex(index)).diff().dropna().min()
    return max(1.0, pd.Timedelta("1D") / step) if step > pd.Timedelta(0) else 1.0


def score_table(frame: pd.DataFrame, *, sides=SIDES, n_boot: int = 1000,
                block: int | None = None, seed: int = 0) -> pd.DataFrame:
    """One row per (side, predictor) for the model and every baseline present in ``frame``
    (from :func:`.align.align`; see :data:`PREDICTORS`).

    Columns: ``n`` periods; ``spearman`` with 95% CI; ``top_decile`` (share of the top-decile
    realised periods caught) with 95% CI and its chance level ``top_decile_chance`` (k/n);
    and, on each baseline's row, the model against that baseline on the same resamples:
    ``model_minus`` (the model's Spearman minus the baseline's, with ``model_minus_lo`` /
    ``_hi`` and a two-sided bootstrap ``model_minus_p``) and ``model_partial`` (the model's
    partial Spearman given the baseline: what the model ranks that the baseline does not,
    with ``model_partial_lo`` / ``_hi``). An interval above 0 is evidence of incremental
    skill. Intervals: paired circular block bootstrap over periods; ``block`` (in periods)
    defaults to :func:`liqlab.stats.default_block` (a day of periods, or n^(1/3), at most
    n/4), the same resamples for every row."""
    n = len(frame)
    if n < 3:
        raise ValueError(f"{n} period(s) are too few to score; need at least 3")
    block = block or stats.default_block(n, _periods_per_day(frame.index))
    idx = stats.block_indices(n, block, n_boot, np.random.default_rng(seed))
    rows = []
    for side in sides:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        y = frame[f"real_{side}"].to_numpy(float)
        model = frame[f"pred_{side}"].to_numpy(float)
        for name, prefix in PREDICTORS.items():
            col = f"{prefix}_{side}"
            if col not in frame.columns:
                continue
            x = frame[col].to_numpy(float)
            rho, rlo, rhi = stats.block_bootstrap(stats.spearman_rows, x, y, block=block, idx=idx)
            td, tlo, thi = stats.block_bootstrap(_top_decile_rows, x, y, block=block, idx=idx)
            row = {"side": side, "predictor": name, "n": n, "spearman": rho,
                   "spearman_lo": rlo, "spearman_hi": rhi, "top_decile": td,
                   "top_decile_lo": tlo, "top_decile_hi": thi,
                   "top_decile_chance": max(1, math.ceil(n / 10)) / n}
            if name == "model":
                row.update({k: np.nan for k in ("model_minus", "model_minus_lo", "model_minus_hi",
                                                "model_minus_p", "model_partial",
                                                "model_partial_lo", "model_partial_hi")})
            else:
                d = stats.paired_block_bootstrap(stats.spearman_rows, model, x, y, block=block, idx=idx)
                pe, plo, phi = stats.block_bootstrap(stats.partial_spearman_rows, model, y, x,
                                                     block=block, idx=idx)
                row.update({"model_minus": d["estimate"], "model_minus_lo": d["lo"],
                            "model_minus_hi": d["hi"], "model_minus_p": d["p_value"],
                            "model_partial": pe, "model_partial_lo": plo, "model_partial_hi": phi})
            row["block"] = block
            rows.append(row)
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
    block = block or (stats.default_block(n, _periods_per_day(frame.index)) if n else 1)
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
