"""Predicted against realised liquidations.

:mod:`.align` (periods, baselines; :mod:`.baselines` the path null) -> :mod:`.scores` (Spearman, top decile, calibration,
scale, block bootstrap) -> :mod:`.report` (:func:`against_realised`) ; :mod:`.sets` (the
embedded realised sets) ; :mod:`.defaults` (walk-forward choice of ModelParams defaults).
"""
from liqlab._lazy import lazy_attributes

# imported here, not lazily: the function align shares its module's name, and importing the
# module later would set liqlab.validation.align to the module
from .align import align, realised_periods

# public name -> module that defines it (imported on first use: scipy and the estimator are slow
# to import, and `liqlab validate --help` reads only .sets)
_LAZY = {
    **dict.fromkeys(["path_null", "path_null_inputs"], "liqlab.validation.baselines"),
    **dict.fromkeys(["ValidationReport", "against_realised", "calibrated_colour_scale",
                     "score_estimate", "validate_set"], "liqlab.validation.report"),
    **dict.fromkeys(["BASELINES", "PREDICTORS", "calibration_curve", "partial_spearman",
                     "scale_table", "score_table", "spearman", "top_decile_caught"],
                    "liqlab.validation.scores"),
    **dict.fromkeys(["SETS", "load_set"], "liqlab.validation.sets"),
    **dict.fromkeys(["WHERE_SETS", "WhereReport", "where_score", "where_set"],
                    "liqlab.validation.where"),
}

__all__ = ["against_realised", "score_estimate", "validate_set", "ValidationReport", "align",
           "realised_periods", "path_null", "path_null_inputs", "score_table", "PREDICTORS",
           "BASELINES", "calibration_curve", "scale_table", "spearman", "partial_spearman",
           "top_decile_caught", "SETS", "load_set", "where_score", "where_set", "WhereReport",
           "WHERE_SETS", "calibrated_colour_scale"]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
