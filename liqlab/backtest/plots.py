"""Figures of the backtest and validation tables (matplotlib; for notebooks and reports).

Each function takes a computed table and returns a :class:`matplotlib.figure.Figure`;
nothing is computed here beyond layout.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

__all__ = ["lift_figure", "reliability_figure", "calibration_figure", "to_png"]


def to_png(fig, dpi: int = 110) -> bytes:
    """PNG bytes of a figure (``IPython.display.Image(to_png(fig))`` shows it in a notebook)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _figure(w=7.0, h=3.6):
    from matplotlib.figure import Figure  # lazy: matplotlib only when a figure is drawn

    return Figure(figsize=(w, h), layout="constrained")


def lift_figure(tables: dict[str, pd.DataFrame], by: str, title: str | None = None):
    """Lift (cluster hit rate / null rate) per group of ``by`` with 95% intervals, one
    marker series per null. ``tables`` maps a null's name to ``StudyResult.lift(null, by)``."""
    fig = _figure()
    ax = fig.add_subplot()
    names = list(tables)
    groups = sorted(set().union(*(set(t[by].astype(str)) for t in tables.values())))
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        t = tables[name].assign(_g=lambda d: d[by].astype(str)).set_index("_g").reindex(groups)
        xs = x - 0.4 + width * (k + 0.5)
        err = np.vstack([t["lift"] - t["lift_lo"], t["lift_hi"] - t["lift"]])
        ax.errorbar(xs, t["lift"], yerr=np.where(np.isfinite(err), err, 0), fmt="o", capsize=3,
                    label=name)
    ax.axhline(1.0, color="0.4", lw=1, ls="--")
    ax.set_xticks(x, groups)
    ax.set_xlabel(by.replace("_", " "))
    ax.set_ylabel("lift over null (95% CI)")
    ax.set_title(title or f"Cluster touch rate over each null, by {by.replace('_', ' ')}")
    ax.legend(title="null", fontsize=8)
    return fig


def reliability_figure(table: pd.DataFrame, title: str | None = None):
    """Observed touch frequency against the Brownian forecast, per kind (clusters and
    random controls), with the diagonal of perfect calibration; marker area ~ count."""
    fig = _figure(5.0, 4.4)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.4", lw=1, ls="--", label="perfect calibration")
    for kind, g in table.groupby("kind"):
        ax.plot(g["p_mean"], g["observed"], "-o", label=kind,
                markersize=3)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Brownian touch probability (forecast)")
    ax.set_ylabel("observed touch frequency")
    ax.set_title(title or "Reliability of the Brownian null")
    ax.legend(fontsize=8)
    return fig


def calibration_figure(table: pd.DataFrame, title: str | None = None):
    """Mean realised against mean predicted liquidated USD per group of periods (log-log),
    with the line of the calibrated scale through the totals."""
    fig = _figure(5.0, 4.4)
    ax = fig.add_subplot()
    ok = (table["pred_mean"] > 0) & (table["real_mean"] > 0)
    t = table[ok]
    ax.loglog(t["pred_mean"], t["real_mean"], "o-", label="groups of periods")
    if len(t):
        k = (t["real_mean"] * t["n"]).sum() / (t["pred_mean"] * t["n"]).sum()
        xs = np.array([t["pred_mean"].min(), t["pred_mean"].max()])
        ax.loglog(xs, k * xs, "--", color="0.4", label=f"scale {k:.3g}")
    ax.set_xlabel("predicted liquidations per period, USD")
    ax.set_ylabel("realised liquidations per period, USD")
    ax.set_title(title or "Calibration of predicted liquidations")
    ax.legend(fontsize=8)
    return fig
