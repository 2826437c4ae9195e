"""Exchange payloads (as ccxt returns them) -> liqlab's canonical frames. Pure functions.

Open interest in USD follows each exchange's own convention (MODEL.md):

* Binance ``sumOpenInterestValue`` is USD already (``sumOpenInterest`` is BTC);
* OKX gives contracts (0.01 BTC for BTC-USDT-SWAP), BTC and USD: the USD field is used;
* Bybit linear gives the BTC amount only: USD = BTC x the close of the bar that ends at
  the snapshot (the last price known at that time, so no lookahead).

Liquidation sides are normalised to the *liquidated position* ('long' / 'short'):

* Binance ``forceOrder``: ``S=SELL`` is the liquidation order closing a long -> 'long';
* OKX ``liquidation-orders``: ``posSide`` names the position ('long'/'short'); in net mode
  (posSide 'net' or empty) a 'sell' order closes a long -> 'long';
* Bybit ``allLiquidation``: ``S='Buy'`` means a long was liquidated (Bybit's documented
  convention, the opposite of an order side) -> 'long'.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from liqlab.data.schema import COLUMNS, validate

__all__ = ["ohlcv_frame", "oi_frame", "funding_frame", "liquidation_rows", "liquidations_frame",
           "price_at"]

_OHLC = ["open", "high", "low", "close"]


def _index(ms: Sequence[int]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(ms, dtype="int64"), unit="ms", utc=True),
                            name="time").as_unit("ns")


def _finish(df: pd.DataFrame, kind: str, attrs: dict) -> pd.DataFrame:
    """Sort, drop duplicate times (keeping the last), attach attrs, validate."""
    df = df[~df.index.duplicated(keep="last")] if kind != "liquidations" else df
    df = df.sort_index(kind="stable")
    df.attrs = dict(attrs)
    return validate(df, kind, name=f"{attrs.get('exchange')}/{attrs.get('symbol')} {kind}")


def ohlcv_frame(rows: Iterable[Sequence[Any]], *, kind: str = "candles", **attrs: Any) -> pd.DataFrame:
    """ccxt OHLCV rows ``[ms, open, high, low, close, volume]`` -> a candles or mark frame.
    Rows with a missing price are dropped (a half-parsed row is not a bar)."""
    if kind not in ("candles", "mark"):
        raise ValueError(f"ohlcv_frame makes 'candles' or 'mark' frames, not {kind!r}")
    rows = [r for r in rows if r and r[0] is not None and all(v is not None for v in r[1:5])]
    ms = [int(r[0]) for r in rows]
    data = {c: [float(r[i + 1]) for r in rows] for i, c in enumerate(_OHLC)}
    if kind == "candles":
        data["volume"] = [float(r[5]) if len(r) > 5 and r[5] is not None else 0.0 for r in rows]
    df = pd.DataFrame(data, index=_index(ms), columns=list(COLUMNS[kind][0]))
    return _finish(df.astype(float), kind, attrs)


def price_at(candles: pd.DataFrame, times: pd.DatetimeIndex, interval: pd.Timedelta) -> np.ndarray:
    """For each time t, the close of the bar that opened at t - interval (ends at t): the last
    traded price known at t. NaN where that bar is missing."""
    close = candles["close"]
    return close.reindex(times - interval).to_numpy(dtype=float)


def oi_frame(items: Iterable[dict], *, exchange: str, contract_size: float = 1.0,
             candles: pd.DataFrame | None = None, interval: pd.Timedelta | None = None,
             **attrs: Any) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """ccxt open-interest structures -> an ``oi`` frame (oi_usd, oi_contracts) and the times
    that could not be converted (Bybit rows with no price bar), which the caller reports.

    ``oi_contracts`` counts the exchange's contracts; ``attrs['contract_size']`` holds how
    many base units (BTC) one contract is.
    """
    items = [i for i in items if i and i.get("timestamp") is not None]
    ms = [int(i["timestamp"]) for i in items]
    idx = _index(ms)
    amount = np.array([np.nan if i.get("openInterestAmount") is None else float(i["openInterestAmount"])
                       for i in items])
    value = np.array([np.nan if i.get("openInterestValue") is None else float(i["openInterestValue"])
                      for i in items])
    if exchange == "bybit":
        if candles is None or interval is None:
            raise ValueError("Bybit open interest is in BTC: pass the candles (and their interval) "
                             "to price it in USD")
        # ccxt reports Bybit linear OI as openInterestAmount (BTC); contracts are 1 BTC
        usd = amount * price_at(candles, idx, interval)
        contracts = amount / contract_size
    elif exchange == "okx":
        usd = value
        contracts = amount  # OKX's first field: contracts
    elif exchange == "binance":
        usd = value
        contracts = amount / contract_size
    else:
        raise ValueError(f"no open-interest convention for exchange {exchange!r}")
    bad = ~np.isfinite(usd) | ~np.isfinite(contracts)
    unpriced = list(idx[bad])
    df = pd.DataFrame({"oi_usd": usd[~bad], "oi_contracts": contracts[~bad]}, index=idx[~bad])
    return _finish(df, "oi", {"exchange": exchange, **attrs,
                              "contract_size": float(contract_size)}), unpriced


def funding_frame(items: Iterable[dict], **attrs: Any) -> pd.DataFrame:
    """ccxt funding-rate-history structures -> a ``funding`` frame (rate per period)."""
    items = [i for i in items if i and i.get("timestamp") is not None and i.get("fundingRate") is not None]
    df = pd.DataFrame({"rate": [float(i["fundingRate"]) for i in items]},
                      index=_index([int(i["timestamp"]) for i in items]))
    return _finish(df, "funding", attrs)


def _side_binance(info: dict) -> str:
    s = str(info.get("S", "")).upper()
    if s not in ("BUY", "SELL"):
        raise ValueError(f"Binance forceOrder side {s!r} is neither BUY nor SELL")
    return "long" if s == "SELL" else "short"


def _side_bybit(info: dict) -> str:
    s = str(info.get("S", info.get("side", ""))).capitalize()
    if s not in ("Buy", "Sell"):
        raise ValueError(f"Bybit allLiquidation side {s!r} is neither Buy nor Sell")
    return "long" if s == "Buy" else "short"


def _side_okx(detail: dict) -> str:
    pos = str(detail.get("posSide", "")).lower()
    if pos in ("long", "short"):
        return pos
    side = str(detail.get("side", "")).lower()
    if side not in ("buy", "sell"):
        raise ValueError(f"OKX liquidation detail has neither posSide nor side: {detail}")
    return "long" if side == "sell" else "short"


def liquidation_rows(exchange: str, info: dict, *, contract_size: float = 1.0) -> list[dict]:
    """One raw liquidation payload (ccxt's ``info``) -> canonical rows (time_ms, exchange,
    symbol, side, price, qty in base units, usd). OKX payloads may carry several details:
    every detail becomes a row (ccxt's own parser keeps only the first)."""
    out = []
    if exchange == "binance":
        price = float(info.get("ap") or 0) or float(info["p"])
        qty = float(info.get("z") or 0) or float(info["q"])
        out.append(dict(time_ms=int(info["T"]), symbol=str(info["s"]), side=_side_binance(info),
                        price=price, qty=qty))
    elif exchange == "bybit":
        out.append(dict(time_ms=int(info.get("T", info.get("updatedTime"))),
                        symbol=str(info.get("s", info.get("symbol"))), side=_side_bybit(info),
                        price=float(info.get("p", info.get("price"))),
                        qty=float(info.get("v", info.get("size"))) * contract_size))
    elif exchange == "okx":
        for d in info.get("details", []):
            out.append(dict(time_ms=int(d["ts"]), symbol=str(info["instId"]), side=_side_okx(d),
                            price=float(d["bkPx"]), qty=float(d["sz"]) * contract_size))
    else:
        raise ValueError(f"no liquidation format for exchange {exchange!r}")
    for r in out:
        r["exchange"] = exchange
        r["usd"] = r["price"] * r["qty"]
    return out


def liquidations_frame(rows: Iterable[dict], **attrs: Any) -> pd.DataFrame:
    """Canonical rows from :func:`liquidation_rows` -> a ``liquidations`` frame."""
    rows = list(rows)
    cols = list(COLUMNS["liquidations"][0])
    df = pd.DataFrame({c: [r[c] for r in rows] for c in cols}, index=_index([r["time_ms"] for r in rows]))
    for c in ("price", "qty", "usd"):
        df[c] = df[c].astype(float)
    for c in ("exchange", "symbol", "side"):
        df[c] = df[c].astype(object)
    return _finish(df, "liquidations", attrs)
