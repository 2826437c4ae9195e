"""Score one estimate against a realised set: :func:`against_realised`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlab.model.estimator import estimate
from liqlab.model.params import ModelParams
from liqlab.reports import markdown_table, row_interval
from liqlab.views.scale import ColourScale

from .align import align
from .baselines import path_null as _path_null
from .scores import calibration_curve, scale_table, score_table
from .sets import load_set

__all__ = ["ValidationReport", "against_realised", "score_estimate", "validate_set",
           "scores_markdown", "score_sentences",
           "calibrated_colour_scale"]


@dataclass
class ValidationReport:
    """``frame``: per-period predicted, realised and baselines; ``scores``: Spearman and
    top-decile share per side and predictor with 95% CIs; ``calibration``: per side, the
    calibration curve; ``scale``: predicted/realised ratio and calibrated scale per side."""
    frame: pd.DataFrame
    scores: pd.DataFrame
    calibration: dict
    scale: pd.DataFrame
    meta: dict = field(default_factory=dict)
    where: object = None   # a where.WhereReport for per-event sets, when computed

    def summary(self) -> pd.DataFrame:
        """Spearman, model against the baselines, one row per side."""
        s = self.scores
        return s.pivot(index="side", columns="predictor", values="spearman")


_LABELS = {"model": "model", "range": "range (period side range)",
           "range_sum": "range_sum (sum of candle side ranges)",
           "path_null": "path_null (kernel, constant inflow, no OI)", "range_oi": "range x OI"}


def scores_markdown(scores: pd.DataFrame) -> str:
    """The score table as Markdown: per side, the model and each baseline with Spearman,
    top-decile catch, and the model's Spearman difference and partial Spearman given the
    baseline (95% intervals)."""
    rows = []
    for _, r in scores.iterrows():
        td = "n/a" if not np.isfinite(r["top_decile"]) else f"{r['top_decile']:.0%} ({r['top_decile_chance']:.0%})"
        base = r["predictor"] != "model"
        rows.append([r["side"], _LABELS.get(r["predictor"], r["predictor"]), row_interval(r, "spearman"), td,
                     row_interval(r, "model_minus", "{:+.2f}") if base else "",
                     row_interval(r, "model_partial", "{:+.2f}") if base else ""])
    return markdown_table(["side", "predictor", "Spearman (95% CI)", "top decile caught (chance)",
                           "model - baseline (95% CI)", "model partial given baseline (95% CI)"], rows)


def score_sentences(name: str, rep: ValidationReport) -> list[str]:
    """One plain sentence per side: the model's Spearman and what it adds over the strongest
    price-path baseline present (path null, else range)."""
    out = []
    s = rep.scores
    for side, g in s.groupby("side", sort=False):
        g = g.set_index("predictor")
        m = g.loc["model"]
        base = "path_null" if "path_null" in g.index else "range"
        b = g.loc[base]
        out.append(f"{name} ({int(m['n'])} periods of {rep.meta.get('freq')}), {side}: model Spearman "
                   f"{row_interval(m, 'spearman')}, {base} "
                   f"{row_interval(b, 'spearman')}; model - {base} "
                   f"{row_interval(b, 'model_minus', '{:+.2f}')}, "
                   f"partial Spearman given {base} "
                   f"{row_interval(b, 'model_partial', '{:+.2f}')}; "
                   f"top decile caught {m['top_decile']:.0%} ({base} {b['top_decile']:.0%}, chance "
                   f"{m['top_decile_chance']:.0%}).")
    return out


def calibrated_colour_scale(rep: ValidationReport, heatmap, side: str = "both", *,
                           percentile: float = 99.9, gamma: float = 1.5, on: str | None = None):
    """An absolute :class:`liqlab.views.scale.ColourScale` whose colours read as expected
    liquidations: the map's USD times ``rep.scale``'s calibrated scale (realised /
    predicted) for ``side`` ('long', 'short', or 'both' = the 'total' row), labelled
    "expected liquidations (calibrated on SET)". The top is the ``percentile`` of the
    calibrated map's non-zero values. ``on`` names the set (default ``rep.meta['set']``).
    The scale belongs to the venue and inputs it was measured on (``rep.scale['venue']``)."""
    from liqlab.views.heatmap import absolute_scale  # lazy: holoviews, only for this view helper

    row = {"both": "total"}.get(side, side)
    sc = rep.scale.set_index("side")
    if row not in sc.index or not np.isfinite(sc.loc[row, "scale"]) or not sc.loc[row, "scale"] > 0:
        raise ValueError(f"rep.scale has no calibrated scale for side {row!r} (sides: "
                         f"{', '.join(sc.index)}); pick one of those")
    k = float(sc.loc[row, "scale"])
    name = on or rep.meta.get("set") or "your realised set"
    top = absolute_scale(heatmap, side, percentile, gamma).usd_max * k
    return ColourScale("absolute", gamma=gamma, usd_max=top, calibration=k, calibrated_on=name)


def score_estimate(candles: pd.DataFrame, realised: pd.DataFrame, oi=None, params=None, *,
                   funding=None, freq: str = "1h", coverage=None,
                   sides=("long", "short", "total"), n_boot: int = 1000,
                   block: int | None = None, seed: int = 0) -> ValidationReport:
    """Estimate with ``params`` on ``candles`` (+ ``oi``, ``funding``), estimate the path
    null with the same params, and score both against ``realised``:
    ``score_estimate(...).scores`` is the full table (model and the four baselines, with
    the model's Spearman difference and partial Spearman given each). Give candles with a
    warm-up before the realised span."""
    params = params or ModelParams()
    res = estimate(candles, oi=oi, params=params, per_tier=False, funding=funding)
    return against_realised(res, realised, candles, oi, freq=freq, coverage=coverage, sides=sides,
                            funding=funding, n_boot=n_boot, block=block, seed=seed)


def against_realised(result, realised: pd.DataFrame, candles: pd.DataFrame, oi=None, *,
                     freq: str = "1D", coverage=None, sides=("long", "short", "total"),
                     path_null="auto", funding=None, n_boot: int = 1000,
                     block: int | None = None, seed: int = 0,
                     calibration_bins: int = 5) -> ValidationReport:
    """Score predicted liquidations against realised ones, next to the price-path
    baselines of :mod:`.baselines` (range, range_sum, path_null, range_oi).

    ``result``: an :class:`liqlab.EstimateResult` (its ``swept`` is used) or a swept frame;
    ``realised``: a canonical liquidations or liq_totals frame; ``candles``: the candles the
    estimate ran on (they give the baselines); ``oi``: open interest for the range x OI
    baseline. Only the realised periods are scored, so estimate with a warm-up before them.
    ``sides``: the sides the realised set records (a set of short liquidations only is
    scored on 'short' alone). ``path_null``: 'auto' estimates it from ``result.params`` (and
    ``funding``, for side_rule='funding'); or pass its EstimateResult / swept frame (from
    :func:`.baselines.path_null`); None leaves it out (e.g. when ``result`` is a bare swept
    frame).
    """
    swept = getattr(result, "swept", result)
    if isinstance(path_null, str):
        if path_null != "auto":
            raise ValueError(f"path_null must be 'auto', None or an estimate, got {path_null!r}")
        params = getattr(result, "params", None)
        if params is None:
            raise ValueError("path_null='auto' needs an EstimateResult (its params); with a bare "
                             "swept frame pass path_null=liqlab.validation.path_null(candles, "
                             "params) or path_null=None")
        path_null = _path_null(candles, params, funding=funding)
    frame = align(swept, realised, candles, oi, freq=freq, coverage=coverage, path_null=path_null)
    scores = score_table(frame, sides=sides, n_boot=n_boot, block=block, seed=seed)
    cal = {side: calibration_curve(frame, side, calibration_bins) for side in sides}
    scale = scale_table(frame, n_boot=n_boot, block=block, seed=seed)
    scale = scale[scale["side"].isin(list(sides))].reset_index(drop=True)
    scale.insert(0, "venue", str(realised.attrs.get("exchange", "")))
    meta = {"freq": freq, "periods": len(frame), "coverage": frame.attrs.get("coverage"),
            "params": getattr(getattr(result, "params", None), "to_dict", lambda: None)()}
    return ValidationReport(frame=frame, scores=scores, calibration=cal, scale=scale, meta=meta)


def validate_set(name: str, params=None, *, n_boot: int = 1000, seed: int = 0) -> ValidationReport:
    """Estimate on one of :data:`liqlab.validation.sets.SETS` with ``params`` and score it."""
    d = load_set(name)
    params = params or ModelParams()
    gap = max(params.oi_max_gap_hours, d["spec"].max_oi_gap_hours)
    params = params.replace(oi_max_gap_hours=gap)
    res = estimate(d["candles"], oi=d["oi"], params=params, per_tier=False,
                          funding=d["funding"])
    rep = against_realised(res, d["realised"], d["candles"], d["oi"], freq=d["spec"].freq,
                           sides=d["spec"].sides, funding=d["funding"], n_boot=n_boot, seed=seed)
    rep.meta["set"] = name
    rep.meta["note"] = d["spec"].note
    rep.meta["estimate_inputs"] = res.meta.get("inputs")
    return rep
