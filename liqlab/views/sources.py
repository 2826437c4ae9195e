"""The embedded real data for a window, and its estimate: what the explorer, ``liqlab render``
and the notebooks draw. Loading (:func:`load_window`) is separate from estimating
(:func:`estimate_window`), so a parameter change re-estimates without reloading.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["CASCADES", "WindowData", "candle_samples", "load_window", "estimate_window", "grid_range_needed",
           "AGGREGATE"]

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
_OI_SAMPLE = "hyperliquid_btc_oi_1h"
_FUNDING_SAMPLE = "binance_btcusdt_funding"


def _bar(tf: str) -> pd.Timedelta:
    return pd.Timedelta(tf[:-1] + "min" if tf.endswith("m") else tf)


def candle_samples() -> pd.DataFrame:
    """The embedded candle samples (name, exchange, bar, start, end), finest bar first."""
    import liqlab
    s = liqlab.list_samples()
    s = s[s["kind"] == "candles"].copy()
    s["bar"] = s["timeframe"].map(_bar)
    return s.sort_values(["bar", "name"])[["name", "exchange", "bar", "start", "end"]]


@dataclass
class WindowData:
    """The embedded inputs of one window (warm-up included) and what the views draw."""
    window: str
    end: pd.Timestamp
    start: pd.Timestamp
    inputs: dict[str, dict]             # exchange -> liqlab.data.windows.window_inputs(...)
    samples: dict[str, str]             # exchange -> candle sample used
    oi: pd.Series | None
    funding: pd.DataFrame | None
    liquidations: pd.DataFrame | None
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


def _end(end) -> pd.Timestamp:
    try:
        t = pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"end {end!r} is not a time; use e.g. 2025-10-11T00:00Z") from exc
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def load_window(window: str, end, exchanges: list[str] | None = None) -> WindowData:
    """Load the embedded data for ``window`` (a name of :data:`liqlab.WINDOWS`) ending at ``end``.

    For every exchange with candles covering the window (or only ``exchanges``), the finest
    embedded candles that also cover the warm-up (else the finest covering the window, noted).
    Open interest: Hyperliquid's hourly BTC history (the one real OI history embedded) as a proxy
    for every exchange, where it covers the warm-up; otherwise none (volume-only inflow, noted).
    """
    import liqlab
    from liqlab.data.windows import WINDOWS, window_inputs

    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; choose one of {', '.join(WINDOWS)}")
    w = WINDOWS[window]
    end = _end(end)
    start, data_start = w.start(end), w.data_start(end)
    cs = candle_samples()
    cs = cs[cs["name"] != "binance_btc_1h_multivenue"]  # the same series as binance_btcusdt_1h
    picked: dict[str, str] = {}
    notes: list[str] = []
    short: set[str] = set()
    for ex in dict.fromkeys(cs["exchange"]):
        if exchanges is not None and ex not in exchanges:
            continue
        mine = cs[cs["exchange"] == ex]
        full = mine[(mine["start"] <= data_start) & (mine["end"] >= end - mine["bar"])]
        part = mine[(mine["start"] <= start) & (mine["end"] >= end - mine["bar"])]
        if len(full):
            picked[ex] = full["name"].iloc[0]
        elif len(part):
            picked[ex] = part["name"].iloc[0]
            short.add(ex)
    if picked:  # a coarser venue would coarsen every exchange's columns: keep the fine ones
        bars = {ex: cs.loc[cs["name"] == n, "bar"].iloc[0] for ex, n in picked.items()}
        limit = max(w.bar, min(bars.values()))
        picked = {ex: n for ex, n in picked.items() if bars[ex] <= limit}
    notes += [f"{ex}: candles start after the {w.warmup.days}-day warm-up should begin"
              for ex in picked if ex in short]
    if not picked:
        spans = "; ".join(f"{r.name} {r.start:%Y-%m-%d}..{r.end:%Y-%m-%d}" for r in cs.itertuples())
        which = f"{'/'.join(exchanges)} " if exchanges else ""
        raise ValueError(f"no embedded {which}candles cover the {window} window {start:%Y-%m-%d %H:%M} .. "
                         f"{end:%Y-%m-%d %H:%M} UTC; embedded: {spans}")
    order = sorted(picked, key=lambda e: (e != "binance", e))
    oi_frame = liqlab.load_sample(_OI_SAMPLE)
    oi = oi_frame["oi_usd"] if oi_frame.index[0] <= data_start and oi_frame.index[-1] >= start else None
    notes.append("open interest: Hyperliquid BTC (hourly, USD) as a proxy for every exchange"
                 if oi is not None else "no open-interest history here: volume-only inflow")
    inputs = {ex: window_inputs(w, end, liqlab.load_sample(picked[ex]), oi) for ex in order}
    fund = liqlab.load_sample(_FUNDING_SAMPLE)
    fund = fund[(fund.index >= start) & (fund.index < end)]
    liq = []
    for name in liqlab.list_samples().query("kind == 'liquidations'")["name"]:
        f = liqlab.load_sample(name)
        f = f[(f.index >= start) & (f.index < end)]
        if len(f):
            liq.append(f)
    liquidations = pd.concat(liq).sort_index() if liq else None
    return WindowData(window, end, start, inputs, {e: picked[e] for e in order},
                      None if oi is None else oi[(oi.index >= start) & (oi.index < end)],
                      fund if len(fund) else None, liquidations, notes)


def grid_range_needed(data: WindowData) -> float:
    """The smallest ``grid_range`` whose grid (anchored at the first open) holds every level of
    the window: the price range times the 5x tier's distance (20 %) and a margin."""
    lo = min(float(d["candles"]["low"].min()) for d in data.inputs.values())
    hi = max(float(d["candles"]["high"].max()) for d in data.inputs.values())
    p0 = min((d["candles"] for d in data.inputs.values()), key=lambda c: c.index[0])["open"].iloc[0]
    return float(min(100.0, max(hi / p0, p0 / lo) * 1.4))


def estimate_window(data: WindowData, params=None, per_tier: bool = True):
    """Estimate every exchange of ``data`` on one grid (:func:`liqlab.estimate_many`) and cut
    the warm-up off; ``result.by_exchange`` keeps each exchange for the exchange filter.

    When the window's price range needs a wider grid than ``params.grid_range`` (long windows),
    the grid is widened to :func:`grid_range_needed` and ``result.meta['grid_widened']`` says so.
    ``per_tier=False`` leaves out the per-leverage-tier arrays (about a third of the time).
    """
    import liqlab
    from liqlab.data.windows import trim

    params = params or liqlab.ModelParams()
    need = grid_range_needed(data)
    widened = need > params.grid_range
    if widened:
        params = params.replace(grid_range=need)
    keep = ("candles", "oi", "mark", "funding", "taker_buy")
    ins = {ex: {k: v for k, v in d.items() if k in keep and v is not None}
           for ex, d in data.inputs.items()}
    for d in ins.values():
        d.pop("funding", None)  # only the 'funding' side rule uses it; the panels show it
    # columns only for the window itself (the warm-up fills the state, not the picture)
    res = liqlab.estimate_many(ins, params, start=data.start, per_tier=per_tier)
    out = trim(res, data.start)
    if widened:
        out.meta["grid_widened"] = f"grid_range raised to {need:.2f} to hold this window's prices"
    if res.by_exchange:
        out.by_exchange = {k: trim(v, data.start) for k, v in res.by_exchange.items()}
    return out
