"""A local store filled with embedded real samples through ``liqlab.Store.write``: the same
window loaded from it and from the embedded data must give the same inputs (an independent path
to the same answer). Used by tests/data/test_load.py and tests/views/test_store_explorer.py."""
from __future__ import annotations

import pandas as pd

import liqlab

END = pd.Timestamp("2025-10-08T00:00Z")
FIRST = pd.Timestamp("2025-09-20T00:00Z")


def write(store, df, kind, exchange, symbol, timeframe, start=None, end=None):
    part = df.loc[(df.index >= start) if start is not None else slice(None)]
    part = part.loc[part.index < end] if end is not None else part
    part = part.copy()
    part.attrs = {}
    store.write(part, kind=kind, exchange=exchange, symbol=symbol, timeframe=timeframe)


def fill(root, own_oi: tuple[str, ...] = ()) -> liqlab.Store:
    """Binance and Bybit 5m candles FIRST .. END, Hyperliquid's hourly BTC open interest stored
    as Hyperliquid's (symbol BTC: the proxy), as the own open interest of each exchange in
    ``own_oi`` too, and Binance funding."""
    store = liqlab.Store(root)
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    for ex in ("binance", "bybit"):
        write(store, liqlab.load_sample(f"{ex}_btcusdt_5m"), "candles", ex, "BTCUSDT", "5m", FIRST, END)
    for ex, sym in [("hyperliquid", "BTC")] + [(e, "BTCUSDT") for e in own_oi]:
        write(store, oi, "oi", ex, sym, "1h", FIRST - pd.Timedelta("1D"), END)
    write(store, liqlab.load_sample("binance_btcusdt_funding"), "funding", "binance", "BTCUSDT",
          "8h", FIRST, END)
    return store
