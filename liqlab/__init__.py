"""liqlab: liquidation heatmaps for crypto perpetual futures, and an honest test of them.

The public API is small; everything else lives in modules named for their stage::

    import liqlab
    candles = liqlab.load_sample("binance_btcusdt_5m")       # embedded real data
    result = liqlab.estimate(candles, oi=oi, params=liqlab.ModelParams())
    result.heatmap                                            # xarray.Dataset (time, price)

Stages: ``liqlab.schema`` (frames) -> ``liqlab.store`` (Parquet) -> ``liqlab.estimate``
(the model) -> ``liqlab.views`` (holoviews) -> ``liqlab.validate`` / ``liqlab.backtest``.
Names are imported lazily so that ``import liqlab`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "load_sample": "liqlab.samples",
    "list_samples": "liqlab.samples",
    "Store": "liqlab.store",
    "ModelParams": "liqlab.params",
    "estimate": "liqlab.estimate",
    "estimate_many": "liqlab.estimate",
    "EstimateResult": "liqlab.estimate",
    "WINDOWS": "liqlab.windows",
}

__all__ = sorted(_LAZY) + ["schema", "__version__"]


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        try:  # submodules such as liqlab.views, liqlab.validate, liqlab.backtest
            return importlib.import_module(f"liqlab.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"liqlab.{name}":
                raise
            raise AttributeError(f"module 'liqlab' has no attribute {name!r}") from None
    return getattr(importlib.import_module(mod), name)
