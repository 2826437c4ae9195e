"""Predicted against realised liquidations.

:mod:`.align` (periods, baselines; :mod:`.baselines` the path null) -> :mod:`.scores` (Spearman, top decile, calibration,
scale, block bootstrap) -> :mod:`.report` (:func:`against_realised`) ; :mod:`.sets` (the
embedded realised sets) ; :mod:`.defaults` (walk-forward choice of ModelParams defaults).
"""
from .align import align, realised_periods
from .baselines import path_null, path_null_inputs
from .report import (ValidationReport, against_realised, calibrated_colour_scale, score_estimate,
                     validate_set)
from .scores import (BASELINES, PREDICTORS, calibration_curve, partial_spearman, scale_table,
                     score_table, spearman, top_decile_caught)
from .sets import SETS, load_set
from .where import WHERE_SETS, WhereReport, where_score, where_set

__all__ = ["against_realised", "score_estimate", "validate_set", "ValidationReport", "align",
           "realised_periods", "path_null", "path_null_inputs", "score_table", "PREDICTORS",
           "BASELINES", "calibration_curve", "scale_table", "spearman", "partial_spearman",
           "top_decile_caught", "SETS", "load_set", "where_score", "where_set", "WhereReport",
           "WHERE_SETS", "calibrated_colour_scale"]
