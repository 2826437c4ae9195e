"""A window of the user's local store (what ``liqlab fetch``, ``liqlab import-dump`` and
``liqlab record`` wrote), in the same :class:`~liqlab.views.sources.WindowData` the embedded
data gives, so the explorer and the notebooks draw either.

    from liqlab.views.store_source import load_store_window
    data = load_store_window("3d", "latest", "data")         # the newest 3 days in ./data
    result = sources.estimate_window(data)

Per exchange in the store with candles of ``symbol`` (the exchange's own market id, e.g.
``BTCUSDT`` or ``BTC-USDT-SWAP``, is found from any spelling): the finest stored candle
timeframe that covers the window, that exchange's own open interest (the finest that covers
the warm-up; otherwise none, and a note says the inflow is volume only), mark candles of the
same timeframe when stored, funding, and every recorded liquidation in the window.
"""
from __future__ import annotations

import os

import pandas as pd

from liqlab.views.sources import WindowData, _bar, _end

__all__ = ["load_store_window", "store_end", "store_exchanges"]


def _store(store):
    import liqlab
    return store if isinstance(store, liqlab.Store) else liqlab.Store(os.fspath(store))


def _market_id(exchange: str, symbol: str) -> str:
    """The id the fetcher stores ``symbol`` under for ``exchange`` (validated)."""
    from liqlab.data.exchanges.clients import EXCHANGES, market_for, parse_symbol
    if exchange in EXCHANGES:
        return market_for(exchange, symbol).id
    base, quote = parse_symbol(symbol)
    return f"{base}{quote}"


def _parts(store, symbol: str) -> pd.DataFrame:
    parts = store.partitions()
    if len(parts) == 0:
        return parts
    ids = {ex: _market_id(ex, symbol) for ex in parts["exchange"].unique()}
    return parts[parts["symbol"] == parts["exchange"].map(ids)]


def store_exchanges(store, symbol: str = "BTCUSDT") -> list[str]:
    """Exchanges with candles of ``symbol`` in ``store``, Binance first."""
    p = _parts(_store(store), symbol)
    exs = sorted(set(p.loc[p["dataset"] == "candles", "exchange"])) if len(p) else []
    return sorted(exs, key=lambda e: e != "binance")


def store_end(store, symbol: str = "BTCUSDT") -> pd.Timestamp:
    """The right edge of the newest complete candle of ``symbol`` in ``store`` (the latest
    time a window can end at), over every exchange and candle timeframe."""
    st = _store(store)
    p = _parts(st, symbol)
    c = p[p["dataset"] == "candles"] if len(p) else p
    if len(c) == 0:
        raise ValueError(f"the store {st.root} holds no {symbol} candles; fill it with "
                         f"`liqlab fetch --symbol {symbol} --store {st.root}` or `liqlab import-dump`")
    return max(r.end + _bar(r.timeframe) for r in c.itertuples())


def load_store_window(window: str, end, store, symbol: str = "BTCUSDT",
                      exchanges: list[str] | None = None) -> WindowData:
    """Load ``window`` (a name of :data:`liqlab.WINDOWS`) ending at ``end`` from ``store``
    (a :class:`liqlab.Store` or its folder). ``end='latest'`` ends at the newest stored candle
    (:func:`store_end`), so loading again after a fetch shows the new data."""
    from liqlab.data.windows import WINDOWS, window_inputs

    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; choose one of {', '.join(WINDOWS)}")
    st = _store(store)
    w = WINDOWS[window]
    end = store_end(st, symbol) if str(end).lower() == "latest" else _end(end)
    start, data_start = w.start(end), w.data_start(end)
    parts = _parts(st, symbol)
    notes: list[str] = []
    inputs, samples, short = {}, {}, set()
    ids: dict[str, str] = {}
    for ex in store_exchanges(st, symbol):
        if exchanges is not None and ex not in exchanges:
            continue
        mine = parts[parts["exchange"] == ex].copy()
        mine["bar"] = mine["timeframe"].map(lambda tf: _bar(tf) if tf != "raw" else pd.NaT)
        cand = mine[mine["dataset"] == "candles"].sort_values("bar")
        cover = cand[(cand["start"] <= start) & (cand["end"] >= end - cand["bar"])]
        if not len(cover):
            continue
        full = cover[cover["start"] <= data_start]
        row = (full if len(full) else cover).iloc[0]
        if not len(full):
            short.add(ex)
        sym = ids[ex] = row["symbol"]
        key = dict(exchange=ex, symbol=sym)
        candles = st.read(kind="candles", timeframe=row["timeframe"], start=data_start, end=end, **key)
        oi = None
        ois = mine[(mine["dataset"] == "oi") & (mine["start"] <= max(data_start, candles.index[0]))
                   & (mine["end"] >= start)].sort_values("bar")
        if len(ois):
            oi = st.read(kind="oi", timeframe=ois["timeframe"].iloc[0], end=end, **key)["oi_usd"]
        mark = None
        if ((mine["dataset"] == "mark") & (mine["timeframe"] == row["timeframe"])).any():
            mark = st.read(kind="mark", timeframe=row["timeframe"], start=data_start, end=end, **key)
            mark = mark if len(mark) else None
        inputs[ex] = window_inputs(w, end, candles, oi, mark=mark)
        samples[ex] = f"store {row['timeframe']}" + (f" + OI {ois['timeframe'].iloc[0]}" if oi is not None else "")
        notes.append(f"{ex}: own open interest ({ois['timeframe'].iloc[0]})" if oi is not None else
                     f"{ex}: no stored open interest covers the warm-up: volume-only inflow")
    if not inputs:
        have = parts[parts["dataset"] == "candles"] if len(parts) else parts
        spans = "; ".join(f"{r.exchange} {r.timeframe} {r.start:%Y-%m-%d %H:%M}..{r.end:%Y-%m-%d %H:%M}"
                          for r in have.itertuples()) or "none"
        which = f"{'/'.join(exchanges)} " if exchanges else ""
        raise ValueError(f"no stored {which}{symbol} candles cover the {window} window {start:%Y-%m-%d %H:%M} .. "
                         f"{end:%Y-%m-%d %H:%M} UTC in {st.root}; stored: {spans}. Fetch that range "
                         "(`liqlab fetch --since ...`) or pick another window end")
    notes += [f"{ex}: candles start after the {w.warmup.days}-day warm-up should begin" for ex in short]
    first = next(iter(inputs))
    fund = _read_all(st, parts, "funding", ids, start, end, prefer=first)
    liq = _read_all(st, parts, "liquidations", ids, start, end)
    oi0 = inputs[first]["oi"]
    return WindowData(window, end, start, inputs, samples,
                      None if oi0 is None else oi0[(oi0.index >= start) & (oi0.index < end)],
                      fund, liq, notes)


def _read_all(st, parts, kind: str, ids: dict[str, str], start, end, prefer: str | None = None):
    """``kind`` in [start, end) for the loaded exchanges: the ``prefer``red exchange's only
    (funding: one panel), or every exchange's concatenated (liquidations)."""
    p = parts[(parts["dataset"] == kind) & parts["exchange"].isin(list(ids))] if len(parts) else parts
    if prefer is not None and len(p):
        p = p[p["exchange"] == prefer] if (p["exchange"] == prefer).any() else p.iloc[:1]
    frames = [st.read(kind=kind, exchange=r.exchange, symbol=r.symbol, timeframe=r.timeframe,
                      start=start, end=end) for r in p.itertuples()]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pd.concat(frames).sort_index()
