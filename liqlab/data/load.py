"""One window of real data for the heatmap, from the embedded samples or from the local store:
one algorithm, two places to read from. The explorer, ``liqlab render`` and the notebooks draw
what :func:`load_window` returns; :func:`liqlab.pipeline.estimate_window` estimates it.

    from liqlab.data import load_window
    data = load_window("3d", "2025-10-11T00:00Z")                          # embedded samples
    data = load_window("3d", "latest", source="store", store="data")       # the newest 3 days in ./data

Candles, per exchange (or only ``exchanges``): the finest candles that cover the window and its
warm-up (else the finest that cover the window, noted). A venue whose candles are coarser than
the finest loaded one (and than the window's bar) would coarsen every exchange's columns: it is
left out, and a note says so (ask for it alone to see it).

Open interest, per exchange, in this order:

1. **its own** open interest, where the source has one that covers the exchange's candles
   (a value at or before the first candle, and no step longer than :data:`OI_MAX_GAP` up to
   the window's end): embedded Hyperliquid and Lighter; in the store, whatever was fetched;
2. else **a share of the proxy**: Hyperliquid's BTC open interest (the one long open-interest
   history in the embedded data; in the store, the stored Hyperliquid OI), where it covers
   the exchange's candles. The proxy is split between the exchanges that use it, never given
   whole to each: exchange *e* gets ``proxy x share_e`` with

       share_e = V_e / sum_j V_j,  j over the exchanges that use the proxy,

   ``V_e`` = *e*'s summed base volume (BTC) over the warm-up bars that every one of them has
   (each exchange's candles coarsened to the coarsest bar among them; complete bars only,
   from the warm-up's start to the window's left edge). The warm-up, not the window, so that
   no drawn column is scaled with volume traded after it (no lookahead). The exchanges that
   use the proxy are those a load of *all* exchanges would use it for (plus any asked for
   that such a load leaves out), whatever ``exchanges`` asks for, so an exchange gets the same
   share alone as inside "all exchanges";
   loaded with every exchange, the shares sum to 1 and the proxy is counted once.
3. else **none**: the estimate's inflow is volume only, and a note says why.

:attr:`WindowData.oi_sources` says which open interest each exchange uses;
:meth:`WindowData.oi_label` words it for the open-interest panel
("Hyperliquid proxy x 0.62 by volume share"); :meth:`WindowData.oi_for` gives the series drawn
(for "all exchanges": the sum of the exchanges' own inputs).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from liqlab._time import bar_size, timeframe
from liqlab.data import samples
from liqlab.data.store import Store
from liqlab.data.windows import WINDOWS, resample_candles, window_inputs

__all__ = ["AGGREGATE", "CASCADES", "OI_MAX_GAP", "PROXY_EXCHANGE", "SOURCES", "OiSource", "WindowData",
           "candle_samples", "load_window", "store_end", "store_exchanges", "volume_shares"]

#: jump targets inside the embedded data: label -> window end (UTC)
CASCADES: dict[str, str] = {
    "2025-10-10 record cascade": "2025-10-11T00:00Z",
    "2025-05-25 (Hyperliquid liquidations recorded)": "2025-05-26T08:00Z",
    "2026-03-04 (OKX liquidations recorded)": "2026-03-05T12:00Z",
    "2024-08-05 yen-carry crash": "2024-08-06T00:00Z",
    "2022-11-08 FTX": "2022-11-10T00:00Z",
    "2025-04-07 tariff drop": "2025-04-08T00:00Z",
    "2021-05-19 China mining-ban crash": "2021-05-20T00:00Z",
    "2020-03-12 covid crash": "2020-03-14T00:00Z",
}
#: the exchange-filter value meaning "all exchanges summed"
AGGREGATE = "all exchanges"
#: the exchange whose open interest stands in for exchanges without their own
PROXY_EXCHANGE = "hyperliquid"
#: an open-interest series with a longer step than this does not cover a window (the default of
#: ``ModelParams.oi_max_gap_hours``: the estimator refuses such a series)
OI_MAX_GAP = pd.Timedelta(hours=6)
#: where :func:`load_window` reads from
SOURCES = ("samples", "store")
_PROXY_SAMPLE = "hyperliquid_btc_oi_1h"
_FUNDING_SAMPLE = "binance_btcusdt_funding"
_SAME_AS = {"binance_btc_1h_multivenue"}  # the same series as binance_btcusdt_1h


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OiSource:
    """Which open interest drives one exchange: ``kind`` 'own', 'proxy' or 'none'; ``origin``
    the series (a sample name or store partition) or, for 'none', why; ``share`` the factor
    applied to the series (a proxy's volume share; 1 for its own; 0 for none)."""
    exchange: str
    kind: str
    origin: str
    share: float = 1.0

    @property
    def label(self) -> str:
        if self.kind == "own":
            return f"{self.exchange}'s own ({self.origin})"
        if self.kind == "proxy":
            return f"{PROXY_EXCHANGE.capitalize()} proxy x {self.share:.2f} by volume share"
        return f"none, volume-only inflow ({self.origin})"


@dataclass
class WindowData:
    """The inputs of one window (warm-up included) and what the views draw."""
    window: str
    end: pd.Timestamp
    start: pd.Timestamp
    inputs: dict[str, dict]             # exchange -> liqlab.data.windows.window_inputs(...)
    samples: dict[str, str]             # exchange -> candles used (sample name or 'store 5m')
    funding: pd.DataFrame | None
    liquidations: pd.DataFrame | None
    oi_sources: dict[str, OiSource] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def exchanges(self) -> list[str]:
        return list(self.inputs)

    def candles(self, exchange: str | None = None) -> pd.DataFrame:
        """The window's candles (warm-up cut) of ``exchange`` (default: the first, or for the
        aggregate the first exchange's)."""
        ex = exchange if exchange in self.inputs else self.exchanges[0]
        c = self.inputs[ex]["candles"]
        out = c[c.index >= self.start]
        out.attrs = dict(c.attrs)
        return out

    def _which(self, exchange: str | None) -> list[str]:
        if exchange is None or exchange == AGGREGATE:
            return self.exchanges
        if exchange not in self.inputs:
            raise ValueError(f"{exchange!r} is not loaded in this window; choose one of "
                             f"{', '.join(self.exchanges)} or {AGGREGATE!r}")
        return [exchange]

    def oi_label(self, exchange: str | None = None) -> str:
        """Which open interest ``exchange`` uses (``None`` / :data:`AGGREGATE`: the sum of the
        loaded exchanges'), in words for the open-interest panel."""
        exs = self._which(exchange)
        if len(exs) == 1:
            return self.oi_sources[exs[0]].label
        src = [self.oi_sources[e] for e in exs]
        proxied = [s for s in src if s.kind == "proxy"]
        parts = []
        if proxied:
            parts.append(f"{PROXY_EXCHANGE.capitalize()} proxy x {sum(s.share for s in proxied):.2f} "
                         "by volume share (" + ", ".join(f"{s.exchange} {s.share:.2f}" for s in proxied)
                         + ")")
        parts += [s.label for s in src if s.kind == "own"]
        none = [s.exchange for s in src if s.kind == "none"]
        if none:
            parts.append(f"none for {', '.join(none)} (volume-only inflow)")
        return " + ".join(parts)

    def oi_for(self, exchange: str | None = None) -> pd.Series | None:
        """The open interest (USD) that drives ``exchange`` inside the window, or for ``None``
        / :data:`AGGREGATE` the sum of the loaded exchanges' (each carried forward to the union
        of their timestamps; from the first time all have a value). ``attrs['label']`` is
        :meth:`oi_label`. ``None`` when no loaded exchange has open interest."""
        exs = self._which(exchange)
        series = [self.inputs[e]["oi"] for e in exs if self.inputs[e].get("oi") is not None]
        if not series:
            return None
        s = series[0] if len(series) == 1 else \
            pd.concat(series, axis=1).sort_index().ffill().dropna().sum(axis=1)
        s = s[(s.index >= self.start) & (s.index < self.end)].rename("oi_usd")
        s.attrs = {"label": self.oi_label(exchange), "units": "USD"}
        return s

    @property
    def oi(self) -> pd.Series | None:
        """The open interest of all loaded exchanges summed (:meth:`oi_for`)."""
        return self.oi_for(None)


# ------------------------------------------------------------------------------------------
def candle_samples() -> pd.DataFrame:
    """The embedded candle samples (name, exchange, bar, start, end), finest bar first."""
    s = samples.list_samples()
    s = s[s["kind"] == "candles"].copy()
    s["bar"] = s["timeframe"].map(timeframe)
    return s.sort_values(["bar", "name"])[["name", "exchange", "bar", "start", "end"]]


def _end(end) -> pd.Timestamp:
    try:
        t = pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"end {end!r} is not a time; use e.g. 2025-10-11T00:00Z") from exc
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def _oi_gap(oi: pd.Series, t0: pd.Timestamp, end: pd.Timestamp) -> str | None:
    """Why ``oi`` cannot drive candles from ``t0`` to ``end`` (None when it can): it needs a
    value at or before ``t0`` and no step longer than :data:`OI_MAX_GAP` from there to ``end``
    (so the estimator's as-of value is never older than that)."""
    if not len(oi):
        return "has no value"
    if oi.index[0] > t0:
        return f"starts {oi.index[0]:%Y-%m-%d %H:%M}, after the candles' start {t0:%Y-%m-%d %H:%M}"
    idx = oi.index[oi.index < end]
    idx = idx[max(int(idx.searchsorted(t0, side="right")) - 1, 0):].append(pd.DatetimeIndex([end]))
    steps = pd.Series(idx[1:] - idx[:-1], index=idx[:-1])
    if steps.max() > OI_MAX_GAP:
        at = steps.idxmax()
        return f"has a {steps.max() / pd.Timedelta(hours=1):.0f} h gap after {at:%Y-%m-%d %H:%M}"
    return None


def volume_shares(candles: dict[str, pd.DataFrame], start, until) -> dict[str, float] | None:
    """Each exchange's share of the summed base volume over the bars in ``[start, until)`` that
    every exchange has, complete, at the coarsest bar among them. ``None`` when they share no
    such bar or trade nothing there."""
    bar = max(bar_size(c) for c in candles.values())
    vols = {}
    for ex, c in candles.items():
        c = c[(c.index >= start) & (c.index < until)]
        if len(c) and bar_size(c) < bar:
            c = resample_candles(c, bar)
        vols[ex] = c["volume"][c.index + bar <= until]
    common = None
    for v in vols.values():
        common = v.index if common is None else common.intersection(v.index)
    if common is None or not len(common):
        return None
    sums = {ex: float(v.loc[common].sum()) for ex, v in vols.items()}
    total = sum(sums.values())
    return None if total <= 0 else {ex: s / total for ex, s in sums.items()}


# ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _sample_tables() -> tuple[pd.DataFrame, dict[str, str], tuple[str, ...]]:
    """The embedded candle samples as a table of windows to pick from, the open-interest sample
    of each exchange, and the liquidation samples (the registry is fixed: read it once)."""
    cs = candle_samples()
    cs = cs[~cs["name"].isin(_SAME_AS)]
    table = cs.rename(columns={"name": "key"}).assign(
        timeframe=[samples.SAMPLES[n].timeframe for n in cs["name"]])
    s = samples.list_samples()
    oi = dict(zip(s.loc[s["kind"] == "oi", "exchange"], s.loc[s["kind"] == "oi", "name"]))
    return table, oi, tuple(s.loc[s["kind"] == "liquidations", "name"])


class _Samples:
    """The embedded samples as a source of windows."""
    where = "embedded"

    def __init__(self):
        self._s = samples
        self.table, self._oi, self._liq = _sample_tables()

    def latest(self):
        raise ValueError("end='latest' is the newest candle of a store (source='store'); the "
                         "embedded data needs a time, e.g. 2025-10-11T00:00Z")

    def nothing(self, which: str, window: str, start, end) -> str:
        spans = "; ".join(f"{r.key} {r.start:%Y-%m-%d}..{r.end:%Y-%m-%d}" for r in self.table.itertuples())
        return (f"no embedded {which}candles cover the {window} window {start:%Y-%m-%d %H:%M} .. "
                f"{end:%Y-%m-%d %H:%M} UTC; embedded: {spans}")

    def candles(self, row, data_start, end) -> pd.DataFrame:
        return self._s.load_sample(row.key)

    def label(self, row) -> str:
        return row.key

    def own_oi(self, ex: str, t0, end):
        name = self._oi.get(ex)
        return (None, f"no embedded {ex} open interest") if name is None else \
            (self._s.load_sample(name)["oi_usd"], name)

    def proxy_oi(self, t0, end):
        return self._s.load_sample(_PROXY_SAMPLE)["oi_usd"], _PROXY_SAMPLE

    def mark(self, ex, row, data_start, end):
        return None

    def funding(self, exs, start, end):
        f = self._s.load_sample(_FUNDING_SAMPLE)
        f = f[(f.index >= start) & (f.index < end)]
        return f if len(f) else None

    def liquidations(self, exs, start, end):
        """Every embedded liquidation sample's rows in the window (the realised ground truth,
        whichever exchange recorded it)."""
        liq = [f[(f.index >= start) & (f.index < end)] for f in map(self._s.load_sample, self._liq)]
        liq = [f for f in liq if len(f)]
        return pd.concat(liq).sort_index() if liq else None


def _store(store):
    return store if isinstance(store, Store) else Store(os.fspath(store))


def _market_id(exchange: str, symbol: str) -> str:
    """The id the fetcher stores ``symbol`` under for ``exchange`` (validated)."""
    from liqlab.data.exchanges.clients import EXCHANGES, market_for, parse_symbol  # ccxt: only for a store
    if exchange in EXCHANGES:
        return market_for(exchange, symbol).id
    base, quote = parse_symbol(symbol)
    return f"{base}{quote}"


def _parts(store, symbol: str) -> pd.DataFrame:
    parts = store.partitions()
    if len(parts) == 0:
        return parts
    ids = {ex: _market_id(ex, symbol) for ex in parts["exchange"].unique()}
    parts = parts[parts["symbol"] == parts["exchange"].map(ids)].copy()
    parts["bar"] = parts["timeframe"].map(lambda tf: timeframe(tf) if tf != "raw" else pd.NaT)
    return parts


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
    return max(r.end + r.bar for r in c.itertuples())


class _Store:
    """The user's local store (what ``liqlab fetch``, ``import-dump`` and ``record`` wrote)."""
    where = "stored"

    def __init__(self, store, symbol: str):
        self.st, self.symbol = _store(store), symbol
        self.parts = _parts(self.st, symbol)
        c = self.parts[self.parts["dataset"] == "candles"] if len(self.parts) else self.parts
        if len(c) == 0:
            store_end(self.st, symbol)  # raises: nothing stored
        self.table = c.assign(key=c["symbol"]).sort_values(["bar", "exchange"])
        self.ids = dict(zip(c["exchange"], c["symbol"]))

    def latest(self):
        return store_end(self.st, self.symbol)

    def nothing(self, which: str, window: str, start, end) -> str:
        spans = "; ".join(f"{r.exchange} {r.timeframe} {r.start:%Y-%m-%d %H:%M}..{r.end:%Y-%m-%d %H:%M}"
                          for r in self.table.itertuples()) or "none"
        return (f"no stored {which}{self.symbol} candles cover the {window} window {start:%Y-%m-%d %H:%M} "
                f".. {end:%Y-%m-%d %H:%M} UTC in {self.st.root}; stored: {spans}. Fetch that range "
                "(`liqlab fetch --since ...`) or pick another window end")

    def candles(self, row, data_start, end) -> pd.DataFrame:
        return self.st.read(kind="candles", exchange=row.exchange, symbol=row.symbol,
                            timeframe=row.timeframe, start=data_start, end=end)

    def label(self, row) -> str:
        return f"store {row.timeframe}"

    def own_oi(self, ex: str, t0, end):
        p = self.parts
        ois = p[(p["dataset"] == "oi") & (p["exchange"] == ex)].sort_values("bar") if len(p) else p
        why = f"no stored {ex} open interest"
        for r in ois.itertuples():
            s = self.st.read(kind="oi", exchange=ex, symbol=r.symbol, timeframe=r.timeframe,
                             start=t0 - OI_MAX_GAP, end=end)["oi_usd"]
            gap = _oi_gap(s, t0, end)
            if gap is None:
                return s, f"store oi {r.timeframe}"
            why = f"stored {ex} open interest ({r.timeframe}) {gap}"
        return None, why

    def proxy_oi(self, t0, end):
        s, origin = self.own_oi(PROXY_EXCHANGE, t0, end)
        return (s, f"{PROXY_EXCHANGE} {origin}") if s is not None else (None, origin)

    def mark(self, ex, row, data_start, end):
        p = self.parts
        if not ((p["dataset"] == "mark") & (p["exchange"] == ex) & (p["timeframe"] == row.timeframe)).any():
            return None
        m = self.st.read(kind="mark", exchange=ex, symbol=row.symbol, timeframe=row.timeframe,
                         start=data_start, end=end)
        return m if len(m) else None

    def _read_all(self, kind: str, exs: list[str], start, end, prefer: str | None = None):
        p = self.parts
        p = p[(p["dataset"] == kind) & p["exchange"].isin(exs)] if len(p) else p
        if prefer is not None and len(p):
            p = p[p["exchange"] == prefer] if (p["exchange"] == prefer).any() else p.iloc[:1]
        frames = [self.st.read(kind=kind, exchange=r.exchange, symbol=r.symbol, timeframe=r.timeframe,
                               start=start, end=end) for r in p.itertuples()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return None
        return frames[0] if len(frames) == 1 else pd.concat(frames).sort_index()

    def funding(self, exs, start, end):
        """The first exchange's funding (one panel), else another loaded exchange's."""
        return self._read_all("funding", exs, start, end, prefer=exs[0])

    def liquidations(self, exs, start, end):
        return self._read_all("liquidations", exs, start, end)


# ------------------------------------------------------------------------------------------
def _pick(table: pd.DataFrame, w, start, data_start, end, exchanges) -> tuple[dict, set, list[str]]:
    """exchange -> candle row: the finest covering the warm-up, else the finest covering the
    window (``short``); then venues coarser than the finest picked (and the window's bar) are
    left out, with a note."""
    picked, short = {}, set()
    rows = list(table.itertuples())      # finest bar first
    for ex in dict.fromkeys(r.exchange for r in rows):
        if exchanges is not None and ex not in exchanges:
            continue
        covers = [r for r in rows if r.exchange == ex and r.start <= start and r.end >= end - r.bar]
        full = [r for r in covers if r.start <= data_start]
        if covers:
            picked[ex] = (full or covers)[0]
            short |= set() if full else {ex}
    notes = []
    if picked:
        limit = max(w.bar, min(r.bar for r in picked.values()))
        for ex in [e for e, r in picked.items() if r.bar > limit]:
            notes.append(f"{ex}: only {picked[ex].timeframe} candles here, coarser than the others': "
                         "left out (load it alone to see it)")
            del picked[ex]
    order = sorted(picked, key=lambda e: (e != "binance", e))
    return {e: picked[e] for e in order}, short & set(order), notes


def _open_interest(src, raw: dict[str, pd.DataFrame], t0: dict[str, pd.Timestamp], data_start, start,
                   end) -> tuple[dict[str, pd.Series], dict[str, OiSource]]:
    """The open interest of each exchange in ``raw`` (its candles; ``t0`` their first time):
    its own, else its volume share of the proxy, else none (the module docstring has the rule)."""
    oi_src: dict[str, OiSource] = {}
    oi: dict[str, pd.Series] = {}
    lacking: dict[str, str] = {}
    for ex in raw:
        s, origin = src.own_oi(ex, t0[ex], end)
        gap = None if s is None else _oi_gap(s, t0[ex], end)
        if s is not None and gap is None:
            oi[ex], oi_src[ex] = s, OiSource(ex, "own", origin)
        else:
            lacking[ex] = origin if s is None else f"{origin} {gap}"
    proxy, p_origin = src.proxy_oi(min(t0.values()), end) if lacking else (None, "")
    users = []
    for ex, why in lacking.items():
        gap = None if proxy is None else _oi_gap(proxy, t0[ex], end)
        if proxy is not None and gap is None:
            users.append(ex)
        else:
            oi_src[ex] = OiSource(ex, "none", f"{why}; the {PROXY_EXCHANGE} proxy {gap}"
                                  if proxy is not None else f"{why}; {p_origin}", 0.0)
    while users:
        shares = volume_shares({ex: raw[ex] for ex in users}, data_start, start) if len(users) > 1 \
            else {users[0]: 1.0}
        if shares is not None:
            break
        late = max(users, key=lambda e: t0[e])  # no common warm-up bar: the latest starter goes
        users.remove(late)
        oi_src[late] = OiSource(late, "none", "no warm-up bars shared with the other exchanges "
                                "to measure its volume share of the proxy", 0.0)
    for ex in users:
        oi[ex] = (proxy * shares[ex]).rename("oi_usd")
        oi_src[ex] = OiSource(ex, "proxy", p_origin, shares[ex])
    return oi, oi_src


def load_window(window: str, end, exchanges: list[str] | None = None, *, source: str = "samples",
                store=None, symbol: str = "BTCUSDT") -> WindowData:
    """Load ``window`` (a name of :data:`liqlab.WINDOWS`) ending at ``end`` (UTC) for every
    exchange with candles covering it (or only ``exchanges``), from the embedded samples
    (``source='samples'``) or from ``store`` (``source='store'``: a :class:`liqlab.Store` or
    its folder; ``symbol`` in any spelling, e.g. ``BTCUSDT`` or ``BTC/USDT:USDT``; ``end='latest'``
    ends at the newest stored candle, so loading again after a fetch shows the new data).
    Which candles and which open interest each exchange gets: see the module docstring."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; choose one of {', '.join(WINDOWS)}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(map(repr, SOURCES))}, got {source!r}")
    if source == "store" and store is None:
        raise ValueError("source='store' needs store=<a liqlab.Store or its folder>")
    if source == "samples" and store is not None:
        raise ValueError("store= is given but source='samples'; pass source='store' to read the store")
    if isinstance(exchanges, str):
        exchanges = [exchanges]
    src = _Store(store, symbol) if source == "store" else _Samples()
    w = WINDOWS[window]
    end = src.latest() if str(end).lower() == "latest" else _end(end)
    start, data_start = w.start(end), w.data_start(end)
    picked, short, notes = _pick(src.table, w, start, data_start, end, exchanges)
    if not picked:
        raise ValueError(src.nothing(f"{'/'.join(exchanges)} " if exchanges else "", window, start, end))
    if exchanges is not None:
        notes += [f"{ex}: no {src.where} candles cover this window" for ex in exchanges
                  if ex not in picked and not any(n.startswith(f"{ex}:") for n in notes)]
    # every exchange a load of all would use: the proxy is split between those
    everyone, _, _ = _pick(src.table, w, start, data_start, end, None)
    rows = {**everyone, **picked}
    raw = {ex: src.candles(r, data_start, end) for ex, r in rows.items()}
    t0 = {ex: max(data_start, c.index[c.index >= data_start][0]) for ex, c in raw.items()}
    oi, oi_src = _open_interest(src, raw, t0, data_start, start, end)
    inputs = {ex: window_inputs(w, end, raw[ex], oi.get(ex), mark=src.mark(ex, r, data_start, end))
              for ex, r in picked.items()}
    notes += [f"{ex}: candles start after the {w.warmup.days}-day warm-up should begin"
              for ex in picked if ex in short]
    notes += [f"{ex} open interest: {oi_src[ex].label}" for ex in picked]
    exs = list(picked)
    return WindowData(window, end, start, inputs, {ex: src.label(r) for ex, r in picked.items()},
                      src.funding(exs, start, end), src.liquidations(exs, start, end),
                      {ex: oi_src[ex] for ex in exs}, notes)
