"""Walk-forward choice of parameters, and the multiple-testing correction across a grid.

Trying many parameter sets and reporting the best one overstates the effect. Two
remedies, both here: (1) walk-forward: the data are cut into consecutive folds; for each
fold the configuration with the best lift on the *earlier* folds only (events whose
horizon reaches into the fold are purged) is scored on the fold, and the out-of-sample
lifts are pooled; (2) each configuration's full-sample one-sided bootstrap p-value
(lift <= 1) is adjusted for the size of the grid (Holm and Benjamini-Hochberg).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from liqlab.stats import WalkForwardResult, unit_sums_bootstrap

from . import metrics
from .study import NULLS, StudyConfig, event_study

__all__ = ["unit_scores", "select_walk_forward", "grid_pvalues", "walk_forward", "WalkForward"]


def unit_scores(events: pd.DataFrame, null: str, block: str) -> pd.DataFrame:
    """Per time block: cluster hits and count, null hits (or summed Brownian probability)
    and count. Only complete events count."""
    if null not in NULLS:
        raise ValueError(f"unknown null {null!r}; expected one of {NULLS}")
    ev = events[events["complete"]]
    cl = ev[ev["kind"] == "cluster"]
    nu = cl.assign(touched=cl["p_brownian"]) if null == "brownian" else ev[ev["kind"] == null]
    b = pd.Timedelta(block)
    f = lambda e: e.groupby(pd.DatetimeIndex(e["t0"]).floor(b))["touched"].agg(["sum", "count"])
    c, n = f(cl), f(nu)
    out = pd.concat([c.rename(columns={"sum": "hits", "count": "n"}),
                     n.rename(columns={"sum": "null_hits", "count": "null_n"})], axis=1).fillna(0.0)
    out.index.name = "unit"
    return out.reset_index()


def _lift(s: pd.DataFrame) -> float:
    h, n, nh, nn = (float(s[k].sum()) for k in ("hits", "n", "null_hits", "null_n"))
    return (h / n) / (nh / nn) if n > 0 and nn > 0 and nh > 0 else np.nan


def select_walk_forward(scores: pd.DataFrame, *, n_folds: int = 4, purge: str = "1D",
                        min_events: int = 30) -> pd.DataFrame:
    """Walk-forward selection. ``scores``: columns config, unit (time), hits, n, null_hits,
    null_n. Units are split into ``n_folds + 1`` consecutive equal folds; fold 0 only
    trains. For each later fold, the config with the highest lift on units ending at least
    ``purge`` before the fold starts (with at least ``min_events`` cluster events) is
    chosen and scored on the fold. One row per scored fold."""
    if n_folds < 1:
        raise ValueError(f"n_folds must be >= 1, got {n_folds}")
    units = np.sort(scores["unit"].unique())
    if len(units) < n_folds + 1:
        raise ValueError(f"{len(units)} time units cannot make {n_folds + 1} folds; "
                         "use fewer folds or a longer span")
    edges = [units[int(round(i * len(units) / (n_folds + 1)))] for i in range(n_folds + 1)]
    edges.append(units[-1] + np.timedelta64(1, "ns"))
    purge_td = pd.Timedelta(purge)
    rows = []
    for k in range(1, n_folds + 1):
        start, stop = pd.Timestamp(edges[k]), pd.Timestamp(edges[k + 1])
        train = scores[pd.DatetimeIndex(scores["unit"]) < start - purge_td]
        test = scores[(pd.DatetimeIndex(scores["unit"]) >= start)
                      & (pd.DatetimeIndex(scores["unit"]) < stop)]
        tl = train.groupby("config").apply(
            lambda g: _lift(g) if g["n"].sum() >= min_events else np.nan, include_groups=False)
        tl = tl.dropna()
        if tl.empty:
            rows.append({"fold": k, "start": start, "stop": stop, "chosen": None})
            continue
        best = tl.idxmax()
        tc = test[test["config"] == best]
        rows.append({"fold": k, "start": start, "stop": stop, "chosen": best,
                     "train_lift": float(tl[best]), "test_lift": _lift(tc),
                     "test_hits": float(tc["hits"].sum()), "test_n": float(tc["n"].sum()),
                     "test_null_hits": float(tc["null_hits"].sum()),
                     "test_null_n": float(tc["null_n"].sum())})
    return pd.DataFrame(rows)


def grid_pvalues(scores: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Per config: full-sample lift, 95% bootstrap CI over time units, one-sided p-value
    of lift <= 1, and the Holm and Benjamini-Hochberg adjusted p-values across the grid."""
    rows = []
    for cfg, g in scores.groupby("config", sort=False):
        s = g[["hits", "n", "null_hits", "null_n"]].to_numpy(float)
        rows.append({"config": cfg, "n": float(g["n"].sum()),
                     **metrics.lift_interval(s, n_boot=n_boot, seed=seed)})
    out = pd.DataFrame(rows)
    p = out["p_value"].fillna(1.0).to_numpy()
    out["p_holm"], out["p_bh"] = metrics.holm(p), metrics.benjamini_hochberg(p)
    return out


#: the result of :func:`walk_forward` (the kit's one walk-forward result type; this older name
#: stays)
WalkForward = WalkForwardResult


def pooled_out_of_sample(scores: pd.DataFrame, folds: pd.DataFrame, *, n_boot: int = 1000,
                         seed: int = 0) -> dict:
    """Lift of the walk-forward choices on their test folds, pooled, with a bootstrap CI."""
    parts = []
    for _, f in folds.dropna(subset=["chosen"]).iterrows():
        u = pd.DatetimeIndex(scores["unit"])
        parts.append(scores[(scores["config"] == f["chosen"]) & (u >= f["start"]) & (u < f["stop"])])
    if not parts:
        return {"lift": np.nan, "lift_lo": np.nan, "lift_hi": np.nan, "n": 0}
    s = pd.concat(parts)[["hits", "n", "null_hits", "null_n"]].to_numpy(float)
    est, lo, hi = unit_sums_bootstrap(s, metrics.rate_ratio, block=1, n_boot=n_boot, seed=seed)
    return {"lift": est, "lift_lo": lo, "lift_hi": hi, "n": float(s[:, 1].sum())}


def walk_forward(heatmap, candles: pd.DataFrame, grid: list[dict], *, null: str = "random",
                 n_folds: int = 4, base: StudyConfig | None = None, min_events: int = 30,
                 funding: pd.DataFrame | None = None) -> WalkForwardResult:
    """Walk-forward over a grid of event-study settings (e.g. ``[{"quantile": 0.8,
    "band": (0.005, 0.02)}, ...]``) on one heatmap, scored against ``null``.

    Returns a :class:`liqlab.stats.WalkForwardResult`: ``folds`` (:func:`select_walk_forward`),
    ``pooled`` (a dict: the chosen settings' lift on their test folds with a 95 % CI,
    :func:`pooled_out_of_sample`), ``grid`` (every setting's full-sample lift with corrected
    p-values, :func:`grid_pvalues`) and ``recommended`` (the setting with the highest
    full-sample lift among those with at least ``min_events`` cluster events; None if none)."""
    if not grid:
        raise ValueError("grid is empty: give a list of StudyConfig overrides")
    base = base or StudyConfig()
    frames = []
    for point in grid:
        cfg = replace(base, **point)
        st = event_study(heatmap, candles, cfg, funding=funding)
        frames.append(unit_scores(st.events, null, cfg.block)
                      .assign(config=", ".join(f"{k}={v}" for k, v in point.items())))
    scores = pd.concat(frames, ignore_index=True)
    purge = pd.Timedelta(base.horizon) + pd.Timedelta(base.block)  # outcomes known before the fold
    folds = select_walk_forward(scores, n_folds=n_folds, purge=str(purge), min_events=min_events)
    table = grid_pvalues(scores, n_boot=base.n_boot, seed=base.seed)
    ok = table[(table["n"] >= min_events) & np.isfinite(table["lift"])]
    return WalkForwardResult(
        folds=folds, pooled=pooled_out_of_sample(scores, folds, n_boot=base.n_boot, seed=base.seed),
        grid=table, recommended=ok.loc[ok["lift"].idxmax(), "config"] if len(ok) else None)
