"""Score one estimate against a realised set: :func:`against_realised`."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .align import align
from .scores import calibration_curve, scale_table, score_table

__all__ = ["ValidationReport", "against_realised", "validate_set"]


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

    def summary(self) -> pd.DataFrame:
        """Spearman and top-decile share, model against the baselines, one row per side."""
        s = self.scores
        return s.pivot(index="side", columns="predictor", values="spearman")


def against_realised(result, realised: pd.DataFrame, candles: pd.DataFrame, oi=None, *,
                     freq: str = "1D", coverage=None, sides=("long", "short", "total"),
                     n_boot: int = 1000, block: int | None = None, seed: int = 0,
                     calibration_bins: int = 5) -> ValidationReport:
    """Score predicted liquidations against realised ones.

    ``result``: an :class:`liqlab.EstimateResult` (its ``swept`` is used) or a swept frame;
    ``realised``: a canonical liquidations or liq_totals frame; ``candles``: the candles the
    estimate ran on (they give the baselines); ``oi``: open interest for the range x OI
    baseline. Only the realised periods are scored, so estimate with a warm-up before them.
    ``sides``: the sides the realised set records (a set of short liquidations only is
    scored on 'short' alone).
    """
    swept = getattr(result, "swept", result)
    frame = align(swept, realised, candles, oi, freq=freq, coverage=coverage)
    scores = score_table(frame, sides=sides, n_boot=n_boot, block=block, seed=seed)
    cal = {side: calibration_curve(frame, side, calibration_bins) for side in sides}
    scale = scale_table(frame, n_boot=n_boot, block=block, seed=seed)
    scale = scale[scale["side"].isin(list(sides))].reset_index(drop=True)
    meta = {"freq": freq, "periods": len(frame), "coverage": frame.attrs.get("coverage"),
            "params": getattr(getattr(result, "params", None), "to_dict", lambda: None)()}
    return ValidationReport(frame=frame, scores=scores, calibration=cal, scale=scale, meta=meta)


def validate_set(name: str, params=None, *, n_boot: int = 1000, seed: int = 0) -> ValidationReport:
    """Estimate on one of :data:`liqlab.validation.sets.SETS` with ``params`` and score it."""
    import liqlab
    from .sets import load_set

    d = load_set(name)
    params = params or liqlab.ModelParams()
    gap = max(params.oi_max_gap_hours, d["spec"].max_oi_gap_hours)
    params = params.replace(oi_max_gap_hours=gap)
    res = liqlab.estimate(d["candles"], oi=d["oi"], params=params, per_tier=False,
                          funding=d["funding"])
    rep = against_realised(res, d["realised"], d["candles"], d["oi"], freq=d["spec"].freq,
                           sides=d["spec"].sides, n_boot=n_boot, seed=seed)
    rep.meta["set"] = name
    rep.meta["note"] = d["spec"].note
    rep.meta["estimate_inputs"] = res.meta.get("inputs")
    return rep
