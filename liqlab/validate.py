"""Predicted against realised liquidations: does ``result.swept`` rank and size the real ones?

    import liqlab
    rep = liqlab.validate.against_realised(result, realised, candles, oi=oi, freq="1D")
    rep.scores        # Spearman and top-decile share, model vs the price-path baselines, 95% CIs
    rep.scale         # predicted / realised notional, calibrated scale (walk-forward error)
    liqlab.validate.validate_set("hyperliquid_daily")   # on an embedded realised set

The implementation lives in :mod:`liqlab.validation`; this module is its public face.
"""
from liqlab.validation import *  # noqa: F401,F403
from liqlab.validation import __all__  # noqa: F401
