"""The realised-liquidation sets that ship with liqlab, with the inputs to estimate them.

Each set names its realised sample, the candles that carry the price path (with warm-up
before the first realised period, so that levels opened earlier are on the map), the open
interest if there is a history for that venue, and the period used for scoring.

============================  ====================================================================
name                          what
============================  ====================================================================
hyperliquid_daily             Hyperliquid BTC liquidations per UTC day, 2025-12-07..2026-01-25 (50
                              days), against Binance hourly candles (Hyperliquid's price tracks
                              Binance's to a few dollars) and Hyperliquid hourly open interest.
okx_2026_03                   OKX BTC-USDT-SWAP liquidation orders, 2026-03-04 22:45..03-05 11:17,
                              scored per hour (12 whole hours); Binance 15m candles; no OKX
                              open-interest history: volume-only inflow.
hyperliquid_2025_05           Hyperliquid BTC liquidation fills 2025-05-25 15:21..05-26 06:56 (short
                              liquidations only in the source), per hour (14 whole hours); Binance 5m
                              candles and Hyperliquid open interest.
============================  ====================================================================
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from liqlab.data.samples import load_sample

__all__ = ["ValidationSet", "SETS", "load_set"]


@dataclass(frozen=True)
class ValidationSet:
    name: str
    realised: str           # sample name (liquidations or liq_totals)
    candles: str            # sample name of the price path
    oi: str | None          # sample name of open interest, or None
    freq: str               # scoring period
    warmup: str             # candles used before the first realised period
    sides: tuple[str, ...]  # sides the realised set records
    note: str
    max_oi_gap_hours: float = 6.0  # the open-interest history's longest gap to carry over
    funding: str | None = None     # sample name of the venue's funding (side_rule='funding')


SETS: dict[str, ValidationSet] = {s.name: s for s in (
    ValidationSet("hyperliquid_daily", "liq_totals_hyperliquid_daily", "binance_btc_1h_multivenue",
                  "hyperliquid_btc_oi_1h", "1D", "30D", ("long", "short", "total"),
                  "50 days; prices and volume from Binance (a proxy for Hyperliquid's), open "
                  "interest from Hyperliquid (carried over its one gap, 19 h on 2026-01-19)",
                  max_oi_gap_hours=24.0, funding="funding_hyperliquid"),
    ValidationSet("okx_2026_03", "liquidations_okx_2026_03", "binance_btcusdt_15m_2026_03", None,
                  "1h", "14D", ("long", "short", "total"),
                  "12 hours; no OKX open-interest history, so volume-only inflow",
                  funding="funding_okx"),
    ValidationSet("hyperliquid_2025_05", "liquidations_hyperliquid_2025_05",
                  "binance_btcusdt_5m_2025_05", "hyperliquid_btc_oi_1h", "1h", "14D", ("short",),
                  "14 whole hours; the source holds short liquidations only",
                  max_oi_gap_hours=24.0, funding="funding_hyperliquid"),
)}


def load_set(name: str) -> dict:
    """Frames of a validation set: ``candles`` (trimmed to warm-up + realised span),
    ``oi`` (or None), ``funding`` (or None), ``realised``, and the set's ``spec``."""
    if name not in SETS:
        raise ValueError(f"unknown validation set {name!r}; available: {', '.join(SETS)}")
    s = SETS[name]
    realised = load_sample(s.realised)
    f = pd.Timedelta(s.freq)
    start = realised.index[0].floor(f) - pd.Timedelta(s.warmup)
    end = realised.index[-1].ceil(f) + f
    candles = load_sample(s.candles)
    candles = candles[(candles.index >= start) & (candles.index < end)]
    oi = None
    if s.oi:
        oi = load_sample(s.oi)
        oi = oi[(oi.index >= start - pd.Timedelta("1D")) & (oi.index < end)]
    funding = None
    if s.funding:
        funding = load_sample(s.funding)
        funding = funding[(funding.index >= start - pd.Timedelta("2D")) & (funding.index < end)]
    return {"candles": candles, "oi": oi, "funding": funding, "realised": realised, "spec": s}
