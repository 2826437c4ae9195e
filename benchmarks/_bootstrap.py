"""Long candle series for the benchmarks, made from the embedded real candles: whole real
days of (open, high, low, close) ratios to the previous close, with their volumes, drawn
with replacement and chained (a block bootstrap, so intraday shape and volatility stay real).

    from _bootstrap import bootstrap_candles  # the benchmark scripts run with this folder on sys.path
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import liqlab
from liqlab._time import timeframe

__all__ = ["bootstrap_candles"]


def bootstrap_candles(sample: str, n: int, rng: np.random.Generator, *, start_price: float | None = None,
                      start: str = "2024-01-01") -> pd.DataFrame:
    """``n`` candles at the sample's timeframe from ``start`` (UTC), drawn from the embedded
    real ``sample`` in blocks of one day; the first open is ``start_price`` (default: the
    sample's first open). Highs and lows are kept outside the chained open and close."""
    src = liqlab.load_sample(sample)
    tf = src.attrs["timeframe"]
    bar = timeframe(tf)
    o, h, l, c, v = (src[k].to_numpy(float) for k in ("open", "high", "low", "close", "volume"))
    prev = np.concatenate([[o[0]], c[:-1]])
    ratios = np.stack([o / prev, h / prev, l / prev, c / prev], axis=1)
    block = int(pd.Timedelta("1D") / bar)
    starts = rng.integers(0, len(src) - block, size=n // block + 1)
    idx = np.concatenate([np.arange(s, s + block) for s in starts])[:n]
    r = ratios[idx]
    p0 = float(o[0]) if start_price is None else float(start_price)
    closes = p0 * np.cumprod(r[:, 3])
    prevc = np.concatenate([[p0], closes[:-1]])
    ohlc = r * prevc[:, None]
    ohlc[:, 1] = np.maximum(ohlc[:, 1], ohlc[:, [0, 3]].max(1))
    ohlc[:, 2] = np.minimum(ohlc[:, 2], ohlc[:, [0, 3]].min(1))
    times = pd.date_range(start, periods=n, freq=bar, tz="UTC", name="time")
    candles = pd.DataFrame(ohlc, columns=["open", "high", "low", "close"], index=times)
    candles["volume"] = v[idx]
    candles.attrs.update(exchange=src.attrs.get("exchange", ""), symbol=src.attrs.get("symbol", ""),
                         timeframe=tf, source=f"block bootstrap of {sample}")
    return candles
