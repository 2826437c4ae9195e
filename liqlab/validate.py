"""Predicted against realised liquidations: does ``result.swept`` rank and size the real ones?

    import liqlab
    rep = liqlab.validate.against_realised(result, realised, candles, oi=oi, freq="1D")
    rep.scores        # Spearman and top-decile share, model vs price-only baselines, 95% CIs
    rep.scale         # predicted / realised notional, calibrated scale (walk-forward error)
    liqlab.validate.validate_set("hyperliquid_daily")   # on an embedded realised set

The implementation lives in :mod:`liqlab.validation`; this module is its public face.
"""
from liqlab.validation import (SETS, ValidationReport, against_realised, align,
                               calibration_curve, load_set, realised_periods, scale_table,
                               score_table, spearman, top_decile_caught, validate_set)

__all__ = ["against_realised", "validate_set", "ValidationReport", "align", "realised_periods",
           "score_table", "calibration_curve", "scale_table", "spearman", "top_decile_caught",
           "SETS", "load_set"]
