"""The magnet-zone backtest: do the heatmap's clusters attract price more than a null?

Stages, one module each: :mod:`.clusters` (clusters on a snapshot, data up to its time)
-> :mod:`.touch` (first touch within a horizon) -> :mod:`.nulls` (Brownian touch
probability, distance-matched controls, time-shuffled maps) -> :mod:`.metrics` (hit
rate, lift, Brier, AUC, block bootstrap, multiple-testing corrections) ->
:mod:`.study` (the event study and its breakdowns) -> :mod:`.walkforward`
(parameters chosen on past windows only).

    import liqlab
    res = liqlab.estimate(candles, oi=oi)
    study = liqlab.backtest.event_study(res.heatmap, candles, horizon="1D")
    study.summary()                         # lift against every null, with 95% intervals
    study.lift("random", by="distance_band")
"""
from __future__ import annotations

from .clusters import clusters_frame, find_clusters
from .metrics import auc, block_bootstrap, brier, hit_rate, holm, benjamini_hochberg
from .nulls import brownian_touch_probability, discrete_touch_probability, realised_volatility
from .study import NULLS, StudyConfig, StudyResult, event_study
from .touch import first_touch
from .walkforward import walk_forward

__all__ = ["event_study", "StudyConfig", "StudyResult", "NULLS", "walk_forward",
           "find_clusters", "clusters_frame", "first_touch", "brownian_touch_probability",
           "discrete_touch_probability", "realised_volatility", "hit_rate", "brier", "auc",
           "block_bootstrap", "holm", "benjamini_hochberg"]

# the report and its figures (matplotlib) are imported on first use
_LAZY = {"plain_words": "report", "html_report": "report", "study_tables": "report"}
__all__ += sorted(_LAZY) + ["plots", "report"]


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    if name in ("plots", "report"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
