"""Exchange data for liqlab: fetch (ccxt REST), the Binance public-dump importer and the
liquidation recorder (ccxt pro), all writing through :class:`liqlab.Store`.

Modules: ``clients`` (ccxt construction, host override, keys, retries), ``convert``
(payloads -> canonical frames), ``fetch`` (:class:`~liqlab.data.exchanges.fetch.Fetcher`,
``watch``), ``dump`` (``import_dump``), ``recorder`` (:class:`~liqlab.data.exchanges.recorder.Recorder`).
Names below import lazily so that ``import liqlab.data.exchanges`` does not load ccxt.
"""
from __future__ import annotations

import importlib

_LAZY = {"Fetcher": "fetch", "watch": "fetch", "FetchReport": "fetch",
         "Hole": "fetch", "import_dump": "dump", "Recorder": "recorder",
         "make_client": "clients", "market_for": "clients"}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'liqlab.data.exchanges' has no attribute {name!r}")
    return getattr(importlib.import_module(f"liqlab.data.exchanges.{mod}"), name)
