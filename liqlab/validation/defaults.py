"""Choose ModelParams defaults by measurement, walk-forward: inflow mix, leverage population,
side rule.

For every point of a grid the estimator runs once over a validation set (its predictions
at each period use data up to that period only); then the periods are cut into
consecutive folds, and for each fold the point with the best mean Spearman (over long,
short and total) on the *earlier* periods is chosen and scored on the fold. Stitching the
chosen points' predictions fold by fold gives a walk-forward prediction series, scored
against realised liquidations and against the candle-range baseline on the same periods.
The recommendation is the point chosen on all periods; the walk-forward figures say how
much such a choice is worth out of sample.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from liqlab import stats
from liqlab.model.params import ModelParams
from liqlab.reports import interval_text, markdown_table
from liqlab.stats import WalkForwardResult, spearman

from . import sweeps
from .scores import score_table
from .sets import load_set

__all__ = ["AXES", "LEVERAGE_MIXES", "INFLOW_MIXES", "SIDE_RULES", "default_grid", "grid_periods",
           "walk_forward_defaults", "compare_points", "one_axis_comparisons",
           "one_axis_markdown", "current_defaults_label"]

#: The three axes of the grid, in the order of a label's parts ("inflow | leverage | side rule").
AXES = ("inflow", "leverage", "side rule")

#: inflow mixes (new notional per side as a share of the candle's quote volume, plus a share of
#: the rises in open interest); predictions scale linearly with inflow, so only the ratio of the
#: two matters for rank scores. Names say the mix in words; they end up in every output table.
INFLOW_MIXES = {
    "OI rises only": {"inflow_volume_share": 0.0, "inflow_oi_share": 1.0},
    "0.002 x volume + OI rises": {"inflow_volume_share": 0.002, "inflow_oi_share": 1.0},
    "0.005 x volume + OI rises": {"inflow_volume_share": 0.005, "inflow_oi_share": 1.0},
    "0.02 x volume + OI rises": {"inflow_volume_share": 0.02, "inflow_oi_share": 1.0},
    "0.05 x volume + OI rises": {"inflow_volume_share": 0.05, "inflow_oi_share": 1.0},
    "volume only": {"inflow_volume_share": 0.02, "inflow_oi_share": 0.0},
}
#: leverage populations of model v2: the continuous lognormal moved one knob at a time (its
#: median, then its log-space spread sigma) around the shipped 15x / 1.0, and, for comparison,
#: v1's five fixed tiers under the same v2 model (exits, level noise, lifetimes unchanged).
#: Every entry sets every leverage field it relies on, so no two give the same population.
LEVERAGE_MIXES = {
    "median 15x, sigma 1.0": {"leverage_mode": "continuous", "leverage_median": 15.0,
                              "leverage_sigma": 1.0},
    "median 7x, sigma 1.0": {"leverage_mode": "continuous", "leverage_median": 7.0,
                             "leverage_sigma": 1.0},
    "median 30x, sigma 1.0": {"leverage_mode": "continuous", "leverage_median": 30.0,
                              "leverage_sigma": 1.0},
    "median 15x, sigma 0.5 (narrower)": {"leverage_mode": "continuous", "leverage_median": 15.0,
                                         "leverage_sigma": 0.5},
    "median 15x, sigma 1.5 (wider)": {"leverage_mode": "continuous", "leverage_median": 15.0,
                                      "leverage_sigma": 1.5},
    "v1 tiers 5/10/25/50/100x at 25/30/20/15/10 %": {
        "leverage_mode": "tiers", "leverage_tiers": (5.0, 10.0, 25.0, 50.0, 100.0),
        "leverage_weights": (0.25, 0.30, 0.20, 0.15, 0.10)},
}
#: side rules by what they do (ModelParams.side_rule values)
SIDE_RULES = {
    "even split": "even",
    "tilt to candle direction": "direction",
    "tilt to side paying funding": "funding",
}


def default_grid() -> list[dict]:
    """Inflow mix x leverage population x side rule (6 x 6 x 3 = 108 points), each a dict of
    ModelParams overrides with a ``label`` "inflow | leverage | side rule" in words."""
    grid = []
    for iname, inflow in INFLOW_MIXES.items():
        for lname, lev in LEVERAGE_MIXES.items():
            for rname, rule in SIDE_RULES.items():
                grid.append({"label": " | ".join((iname, lname, rname)), **inflow, **lev,
                             "side_rule": rule})
    return grid


def grid_periods(grid: list[dict], set_name: str, *, scheduler: str | None = "inline",
                 data: dict | None = None, path_null: bool = False) -> pd.DataFrame:
    """Per-period predicted and realised notional for every grid point on one validation
    set, via :func:`liqlab.validation.sweeps.sweep` (``scheduler`` as there; 'inline' by default).
    Columns: point, label, period, pred_*, real_*, range_*, ...; with ``path_null`` also
    null_* (each point's path null, same params: twice the estimation time)."""
    labels = [g.get("label", str(i)) for i, g in enumerate(grid)]
    overrides = [{k: v for k, v in g.items() if k != "label"} for g in grid]
    data = data or {set_name: load_set(set_name)}
    task = functools.partial(sweeps.validation_task, path_null=True) if path_null else sweeps.validation_task
    out = sweeps.sweep(task, overrides, [set_name], data=data, scheduler=scheduler)
    if "error" in out.columns and out["error"].notna().any():
        bad = out[out["error"].notna()].iloc[0]
        raise ValueError(f"grid point {bad['point']} failed on {set_name}: {bad['error']}")
    out["label"] = [labels[p] for p in out["point"]]
    return out


def _crit(df: pd.DataFrame) -> float:
    vals = [spearman(df[f"pred_{s}"], df[f"real_{s}"]) for s in ("long", "short", "total")]
    vals = [v for v in vals if np.isfinite(v)]
    return float(np.mean(vals)) if vals else np.nan


def walk_forward_defaults(periods: pd.DataFrame, *, n_folds: int = 4, default_label: str | None = None,
                          n_boot: int = 1000, seed: int = 0) -> dict:
    """Walk-forward choice over the grid in ``periods`` (from :func:`grid_periods`).

    Returns a :class:`liqlab.stats.WalkForwardResult`: ``folds`` (per fold: chosen label,
    its training and test criterion, the default's and the range baseline's test
    criterion), ``pooled`` (alias ``stitched_scores``: the walk-forward prediction series
    scored like :func:`score_table`, with the baselines on the same periods), ``grid``
    (alias ``full_sample``: criterion of every point on all periods, best first) and
    ``recommended`` (the best point on all periods)."""
    t = np.sort(periods["period"].unique())
    if len(t) < 2 * (n_folds + 1):
        raise ValueError(f"{len(t)} periods are too few for {n_folds} walk-forward folds")
    edges = [t[int(round(i * len(t) / (n_folds + 1)))] for i in range(n_folds + 1)] + [None]
    by_point = {p: g.sort_values("period") for p, g in periods.groupby("label")}
    rows, stitched = [], []
    for k in range(1, n_folds + 1):
        lo, hi = edges[k], edges[k + 1]
        tr = {p: g[g["period"] < lo] for p, g in by_point.items()}
        te = {p: g[(g["period"] >= lo) & ((g["period"] < hi) if hi is not None else True)]
              for p, g in by_point.items()}
        crit = pd.Series({p: _crit(g) for p, g in tr.items()}).dropna()
        best = crit.idxmax()
        any_te = next(iter(te.values()))
        base = any_te.assign(**{f"pred_{s}": any_te[f"range_{s}"] for s in ("long", "short", "total")})
        row = {"fold": k, "start": lo, "periods": len(te[best]), "chosen": best,
               "train_criterion": float(crit[best]), "test_criterion": _crit(te[best]),
               "range_test_criterion": _crit(base)}
        if "null_total" in te[best].columns:   # the chosen point's own path null
            tb = te[best]
            row["path_null_test_criterion"] = _crit(tb.assign(**{f"pred_{s}": tb[f"null_{s}"]
                                                               for s in ("long", "short", "total")}))
        if default_label is not None and default_label in te:
            row["default_test_criterion"] = _crit(te[default_label])
        rows.append(row)
        stitched.append(te[best])
    st = pd.concat(stitched).set_index("period")
    cols = [c for c in st.columns if c.startswith(("pred_", "real_", "range_", "null_"))]
    scores = score_table(st[cols], n_boot=n_boot, seed=seed)
    full = pd.Series({p: _crit(g) for p, g in by_point.items()}).sort_values(ascending=False)
    return WalkForwardResult(folds=pd.DataFrame(rows), pooled=scores,
                             grid=full.rename("criterion").to_frame(), recommended=full.index[0])


def compare_points(periods: pd.DataFrame, a: str, b: str, *, n_boot: int = 1000,
                   block: int | None = None, seed: int = 0) -> dict:
    """Criterion of grid point ``a`` minus that of ``b`` on the same periods, with a
    paired circular block-bootstrap 95% CI (an interval excluding 0 is evidence)."""
    ga = periods[periods["label"] == a].sort_values("period").reset_index(drop=True)
    gb = periods[periods["label"] == b].sort_values("period").reset_index(drop=True)
    if ga.empty or gb.empty:
        raise ValueError(f"unknown grid label(s): {a!r} or {b!r}")
    n = len(ga)
    block = block or max(1, round(n ** (1 / 3)))
    idx = stats.block_indices(n, block, n_boot, np.random.default_rng(seed))
    diffs = np.array([_crit(ga.iloc[i]) - _crit(gb.iloc[i]) for i in idx])
    diffs = diffs[np.isfinite(diffs)]
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    p = min(1.0, 2 * min((np.sum(diffs <= 0) + 1) / (diffs.size + 1),
                         (np.sum(diffs >= 0) + 1) / (diffs.size + 1)))
    return {"a": a, "b": b, "n": n, "difference": _crit(ga) - _crit(gb),
            "lo": float(lo), "hi": float(hi), "p_value": float(p)}


def one_axis_comparisons(periods: pd.DataFrame, default_label: str, *, n_boot: int = 1000,
                         seed: int = 0) -> pd.DataFrame:
    """Every grid point that differs from ``default_label`` in exactly one axis (inflow mix,
    leverage population or side rule, :data:`AXES`), compared with it (:func:`compare_points`),
    with Holm-adjusted p-values across all these comparisons (two-sided bootstrap p-values).

    Columns: axis, changed_from (the default's value on that axis), changed_to, n,
    difference (point minus default), lo, hi, p_value, p_holm."""
    base = default_label.split(" | ")
    if len(base) != len(AXES):
        raise ValueError(f"default label {default_label!r} is not 'inflow | leverage | side rule'")
    rows = []
    for label in sorted(periods["label"].unique()):
        parts = label.split(" | ")
        diff = [i for i in range(len(AXES)) if parts[i] != base[i]]
        if len(diff) != 1:
            continue
        r = compare_points(periods, label, default_label, n_boot=n_boot, seed=seed)
        rows.append({"axis": AXES[diff[0]], "changed_from": base[diff[0]],
                     "changed_to": parts[diff[0]],
                     **{k: r[k] for k in ("n", "difference", "lo", "hi", "p_value")}})
    out = pd.DataFrame(rows)
    out["p_holm"] = stats.holm(out["p_value"].to_numpy())
    return out.sort_values(["axis", "difference"], ascending=[True, False]).reset_index(drop=True)


def one_axis_markdown(table: pd.DataFrame) -> str:
    """:func:`one_axis_comparisons` as a Markdown table: axis, the shipped value, what it was
    changed to, the difference in mean Spearman with its 95% interval, Holm-adjusted p."""
    rows = [[r["axis"], r["changed_from"], r["changed_to"],
             interval_text(r["difference"], r["lo"], r["hi"], "{:+.3f}"), f"{r['p_holm']:.2f}"]
            for _, r in table.iterrows()]
    return markdown_table(["axis", "shipped default", "changed to",
                           "difference in mean Spearman (95% CI)", "Holm p"], rows)


def current_defaults_label(grid: list[dict]) -> str:
    """The label of the grid point equal to ``ModelParams()``'s shipped defaults on every axis
    the grid varies (ValueError if the grid has no such point)."""
    d = ModelParams().to_dict()
    for g in grid:
        if all(d.get(k) == v or (isinstance(v, tuple) and tuple(d.get(k, ())) == v)
               for k, v in g.items() if k != "label"):
            return g["label"]
    raise ValueError("no grid point equals the current ModelParams defaults; add one to the grid")
