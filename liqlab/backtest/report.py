"""The backtest's tables as one dict, and a standalone HTML report (tables plus embedded
PNG figures; no network needed to open it)."""
from __future__ import annotations

import base64
import html

import pandas as pd

from .plots import lift_figure, reliability_figure, to_png
from .study import NULLS, StudyResult

__all__ = ["study_tables", "study_figures", "html_report", "figure_png", "plain_words"]


def study_tables(study: StudyResult) -> dict[str, pd.DataFrame]:
    """Every table of a study, by name: summary, lift by distance band / strength / volatility
    regime / funding regime / round number / RSI confluence against every null, the
    directional test, reliability and lead times."""
    out = {"summary": study.summary().reset_index()}
    for by in ("distance_band", "strength_band", "regime_vol", "regime_funding",
               "round_number", "rsi_confluence", "side"):
        out[f"lift_by_{by}"] = pd.concat([study.lift(n, by).assign(null=n) for n in NULLS],
                                         ignore_index=True)
    out["directional"] = study.directional_test()
    out["reliability"] = study.reliability()
    lt = study.lead_times()
    out["lead_times"] = lt.apply(lambda s: s.dt.total_seconds() / 3600).rename_axis("quantile").reset_index()
    return out


def figure_png(fig) -> str:
    """A matplotlib figure as a base64 PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(to_png(fig)).decode("ascii")


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, classes="t")


def html_report(title: str, intro: str, tables: dict[str, pd.DataFrame],
                figures: dict[str, object] | None = None, notes: list[str] | None = None) -> str:
    """A standalone HTML page: title, intro paragraph, notes, figures (PNG inline), tables."""
    css = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
           "table.t{border-collapse:collapse;font-size:12px;margin:0.5em 0 1.5em}"
           "table.t td,table.t th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
           "h2{margin-top:1.6em}img{max-width:100%}")
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{css}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p>{html.escape(intro)}</p>"]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    for name, fig in (figures or {}).items():
        parts.append(f"<h2>{html.escape(name)}</h2><img alt='{html.escape(name)}' src='{figure_png(fig)}'>")
    for name, df in tables.items():
        parts.append(f"<h2>{html.escape(name)}</h2>{_table(df)}")
    parts.append("</body></html>")
    return "\n".join(parts)


def study_figures(study: StudyResult) -> dict[str, object]:
    """The report's figures: lift by distance band against every null, reliability."""
    tabs = {n: study.lift(n, "distance_band") for n in NULLS}
    return {"Lift by distance band": lift_figure(tabs, "distance_band"),
            "Reliability diagram": reliability_figure(study.reliability())}


def _ci(row) -> str:
    return f"{row['lift']:.2f} (95% CI {row['lift_lo']:.2f} to {row['lift_hi']:.2f})"


def plain_words(study: StudyResult) -> list[str]:
    """What the study shows, in sentences computed from its tables (nothing hard-coded)."""
    s = study.summary()
    cfg = study.config
    n = int(s["n_clusters"].iloc[0])
    hit = s["hit_clusters"].iloc[0]
    out = [f"{n:,} clusters at {study.meta['n_snapshots']:,} snapshots; {hit:.1%} were touched "
           f"within {cfg.horizon}."]
    names = {"brownian": "the Brownian touch probability", "opposite": "the mirrored level on the "
             "other side of price", "random": "random levels at the same distance",
             "shuffled": "clusters of the map shuffled in time"}
    for null, row in s.iterrows():
        verdict = ("more often than" if row["lift_lo"] > 1 else
                   "less often than" if row["lift_hi"] < 1 else "no differently from")
        out.append(f"Against {names[null]} ({row['hit_null']:.1%}): lift {_ci(row)}; clusters "
                   f"were touched {verdict} this null at the 95% level.")
    d = study.directional_test()
    m = d[d["source"] == "map"]
    if len(m) and m["n"].iloc[0] > 0:
        r = m.iloc[0]
        out.append(f"Directional test: the side with more nearby liquidation mass matched the sign "
                   f"of the next {cfg.horizon} move in {r['sign_agreement']:.1%} of {int(r['n']):,} "
                   f"snapshots (95% CI {r['lo']:.1%} to {r['hi']:.1%}; 50% is no skill).")
    out.append("Intervals come from a block bootstrap over "
               f"{cfg.block} blocks; neighbouring snapshots share one price path, so the "
               "effective sample is far smaller than the event count.")
    return out
