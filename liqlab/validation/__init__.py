"""Predicted against realised liquidations.

:mod:`.align` (periods, baselines) -> :mod:`.scores` (Spearman, top decile, calibration,
scale, block bootstrap) -> :mod:`.report` (:func:`against_realised`) ; :mod:`.sets` (the
embedded realised sets) ; :mod:`.defaults` (walk-forward choice of ModelParams defaults).
"""
from .align import align, realised_periods
from .report import ValidationReport, against_realised, validate_set
from .scores import calibration_curve, scale_table, score_table, spearman, top_decile_caught
from .sets import SETS, load_set

__all__ = ["against_realised", "validate_set", "ValidationReport", "align", "realised_periods",
           "score_table", "calibration_curve", "scale_table", "spearman", "top_decile_caught",
           "SETS", "load_set"]
