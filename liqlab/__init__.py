"""liqlab: liquidation heatmaps for crypto perpetual futures, and an honest test of them.

The public API is small; everything else lives in modules named for their stage::

    import liqlab
    candles = liqlab.load_sample("binance_btcusdt_5m")       # embedded real data
    result = liqlab.estimate(candles, oi=oi, params=liqlab.ModelParams())
    result.heatmap                                            # xarray.Dataset (time, price)

Stages, one package each: ``liqlab.data`` (frames, samples, store, exchanges, windows) ->
``liqlab.model`` (parameters, margin, grid, estimator, kernel) -> ``liqlab.views`` (holoviews)
-> ``liqlab.validation`` / ``liqlab.backtest``; ``liqlab.cli`` is the ``liqlab`` command.
Names are imported lazily so that ``import liqlab`` stays fast.
"""
from __future__ import annotations

from liqlab._lazy import lazy_attributes

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "load_sample": "liqlab.data.samples",
    "list_samples": "liqlab.data.samples",
    "Store": "liqlab.data.store",
    "ModelParams": "liqlab.model.params",
    "estimate": "liqlab.model.estimator",
    "estimate_many": "liqlab.model.estimator",
    "EstimateResult": "liqlab.model.estimator",
    "WINDOWS": "liqlab.data.windows",
}

#: stage packages and modules reachable as attributes (``liqlab.views``, ``liqlab.schema``, ...)
_MODULES = {"data": "liqlab.data", "model": "liqlab.model", "views": "liqlab.views",
            "validation": "liqlab.validation", "backtest": "liqlab.backtest",
            "indicators": "liqlab.indicators", "schema": "liqlab.data.schema"}

__all__ = sorted(_LAZY) + sorted(_MODULES) + ["__version__"]


__getattr__, __dir__ = lazy_attributes("liqlab", _LAZY, __all__, _MODULES)
