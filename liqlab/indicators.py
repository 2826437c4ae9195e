"""Confluence indicators, as pure functions of candles: round-number levels, RSI (Wilder) and
RSI divergences. No lookahead: the RSI at bar t uses closes up to t, and a divergence is
reported at the bar where its second pivot is *confirmed* (``order`` bars after the pivot),
never earlier.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["round_levels", "rsi", "pivots", "divergences"]


def round_levels(low: float, high: float, step: float = 1000.0) -> np.ndarray:
    """Multiples of ``step`` (USD) within ``[low, high]``, e.g. every 1,000 or 5,000 USD."""
    if not step > 0:
        raise ValueError(f"step must be a positive USD amount, got {step}")
    if not (np.isfinite(low) and np.isfinite(high)) or high < low:
        raise ValueError(f"need a finite range low <= high, got {low}, {high}")
    if (high - low) / step > 10_000:
        raise ValueError(f"{(high - low) / step:.0f} levels of {step} USD in [{low}, {high}]; "
                         "use a larger step")
    k0, k1 = int(np.ceil(low / step)), int(np.floor(high / step))
    return np.arange(k0, k1 + 1, dtype=float) * step


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder's relative strength index (0..100).

    Average gain and loss are seeded with the simple mean of the first ``period`` changes, then
    smoothed as ``avg = (avg * (period - 1) + x) / period``. The first ``period`` values are NaN.
    A window without losses gives 100, without gains 0 (flat: 50).
    """
    if period < 2:
        raise ValueError(f"period must be at least 2, got {period}")
    c = np.asarray(close, dtype=float)
    if np.isnan(c).any():
        raise ValueError("close has NaN; drop or fill those rows first")
    out = np.full(len(c), np.nan)
    if len(c) <= period:
        return pd.Series(out, index=close.index, name="rsi")
    d = np.diff(c)
    gain, loss = np.clip(d, 0, None), np.clip(-d, 0, None)
    ag, al = gain[:period].mean(), loss[:period].mean()
    for i in range(period, len(c)):
        if i > period:
            ag = (ag * (period - 1) + gain[i - 1]) / period
            al = (al * (period - 1) + loss[i - 1]) / period
        out[i] = 50.0 if ag == al == 0 else 100.0 if al == 0 else 100.0 - 100.0 / (1.0 + ag / al)
    return pd.Series(out, index=close.index, name="rsi")


def pivots(values: pd.Series, order: int = 5, kind: str = "low") -> pd.DataFrame:
    """Pivot lows (or highs): bars strictly lower (higher) than the ``order`` bars before and at
    least as low (high) as the ``order`` bars after. Columns: ``pivot_time``, ``value``;
    indexed by the confirmation time (``order`` bars after the pivot)."""
    if order < 1:
        raise ValueError(f"order must be at least 1, got {order}")
    if kind not in ("low", "high"):
        raise ValueError(f"kind must be 'low' or 'high', got {kind!r}")
    v = np.asarray(values, dtype=float) * (1 if kind == "low" else -1)
    n = len(v)
    hits = []
    for i in range(order, n - order):
        if np.isnan(v[i]):
            continue
        before, after = v[i - order:i], v[i + 1:i + order + 1]
        if (v[i] < before).all() and (v[i] <= after).all():
            hits.append(i)
    idx = np.array(hits, dtype=int)
    return pd.DataFrame({"pivot_time": values.index[idx], "value": np.asarray(values, float)[idx]},
                        index=pd.DatetimeIndex(values.index[idx + order], name="time"))


def divergences(candles: pd.DataFrame, rsi_values: pd.Series | None = None, period: int = 14,
                order: int = 5, max_bars: int = 60) -> pd.DataFrame:
    """Regular RSI divergences between consecutive price pivots at most ``max_bars`` apart.

    bullish: a lower low in price (pivot lows of ``low``) with a higher RSI at the second pivot;
    bearish: a higher high in price (pivot highs of ``high``) with a lower RSI. Indexed by the
    confirmation time of the second pivot; columns ``kind``, ``t0``, ``t1`` (the pivots),
    ``price0``, ``price1``, ``rsi0``, ``rsi1``.
    """
    r = rsi(candles["close"], period) if rsi_values is None else rsi_values
    pos = pd.Series(np.arange(len(candles)), index=candles.index)
    rows = []
    for kind, col, sign in (("bullish", "low", 1), ("bearish", "high", -1)):
        pv = pivots(candles[col], order, "low" if sign == 1 else "high")
        for (c0, a), (c1, b) in zip(pv.iterrows(), list(pv.iterrows())[1:]):
            t0, t1 = a["pivot_time"], b["pivot_time"]
            if pos[t1] - pos[t0] > max_bars:
                continue
            r0, r1 = r.loc[t0], r.loc[t1]
            if np.isnan(r0) or np.isnan(r1):
                continue
            price_ext = (b["value"] < a["value"]) if sign == 1 else (b["value"] > a["value"])
            rsi_opp = (r1 > r0) if sign == 1 else (r1 < r0)
            if price_ext and rsi_opp:
                rows.append({"time": c1, "kind": kind, "t0": t0, "t1": t1, "price0": a["value"],
                             "price1": b["value"], "rsi0": float(r0), "rsi1": float(r1)})
    cols = ["kind", "t0", "t1", "price0", "price1", "rsi0", "rsi1"]
    if not rows:
        return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], tz="UTC", name="time"))
    return pd.DataFrame(rows).set_index("time").sort_index()[cols]
