"""Names that become paths: validated before anything touches the disk.

Only names matching these patterns are ever joined into a path, so ``..``, ``/``, NUL,
newlines and absolute paths cannot reach the file system (``re.fullmatch``: a ``$`` anchor
would let ``'okx\\n'`` through).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from liqlab.data.schema import KINDS

#: timeframes a partition may have; ``raw`` is event data (liquidations, irregular snapshots)
TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w",
              "raw")
#: timeframes stored one file per calendar month; the others one file per calendar year
MONTHLY = frozenset({"1m", "3m", "5m", "15m", "30m", "raw"})
#: kinds whose timestamps must be bar open times on the timeframe's grid
ALIGNED = frozenset({"candles", "mark", "liq_totals"})

_EXCHANGE_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SYMBOL_RE = re.compile(r"[A-Z0-9][A-Z0-9_\-]{0,39}")
DATA_FILE_RE = re.compile(r"\d{4}(-\d{2})?\.parquet")


def check_names(kind: str, exchange: str, symbol: str, timeframe: str) -> None:
    """Raise ValueError, saying what to pass instead, unless every name is valid."""
    if not isinstance(exchange, str) or not _EXCHANGE_RE.fullmatch(exchange):
        raise ValueError(f"invalid exchange {exchange!r}: use the lowercase ccxt exchange id, "
                         "letters/digits/underscore, e.g. 'binanceusdm', 'bybit', 'okx'")
    if not isinstance(symbol, str) or not _SYMBOL_RE.fullmatch(symbol):
        hint = ("it looks like a ccxt unified symbol; pass the exchange's market id instead "
                "(ccxt: exchange.market(sym)['id'], e.g. 'BTCUSDT' or 'BTC-USDT-SWAP')"
                if isinstance(symbol, str) and ("/" in symbol or ":" in symbol) else
                "use the exchange's market id: uppercase letters, digits, '_' or '-', "
                "at most 40 characters, e.g. 'BTCUSDT' or 'BTC-USDT-SWAP'")
        raise ValueError(f"invalid symbol {symbol!r}: {hint}")
    if kind not in KINDS:
        raise ValueError(f"unknown dataset kind {kind!r}; expected one of {', '.join(KINDS)}")
    if timeframe not in TIMEFRAMES:
        raise ValueError(f"invalid timeframe {timeframe!r}; expected one of {', '.join(TIMEFRAMES)}")
    if kind == "liquidations" and timeframe != "raw":
        raise ValueError("liquidations are events: store them with timeframe='raw'")
    if kind in ("candles", "mark") and timeframe == "raw":
        raise ValueError(f"{kind} are bars: give their timeframe (e.g. '5m', '1h'), not 'raw'")


def bucket_keys(idx: pd.DatetimeIndex, timeframe: str) -> np.ndarray:
    """The file each timestamp belongs to, as an int: yyyymm (monthly) or yyyy (yearly)."""
    year = np.asarray(idx.year, dtype=np.int64)
    return year * 100 + np.asarray(idx.month, dtype=np.int64) if timeframe in MONTHLY else year


def bucket_name(key: int, timeframe: str) -> str:
    """``2025-10.parquet`` (monthly) or ``2025.parquet`` (yearly)."""
    return f"{key // 100:04d}-{key % 100:02d}.parquet" if timeframe in MONTHLY \
        else f"{key:04d}.parquet"


def off_grid(idx: pd.DatetimeIndex, timeframe: str) -> np.ndarray:
    """Mask of timestamps that are not bar open times of ``timeframe`` (weeks open Monday
    00:00 UTC, as on Binance, Bybit and OKX)."""
    if timeframe == "1w":
        grid = idx.floor("D") - pd.to_timedelta(np.asarray(idx.day_of_week), unit="D")
    else:
        step = pd.Timedelta(int(timeframe[:-1]), unit={"m": "min", "h": "h", "d": "D"}[timeframe[-1]])
        grid = idx.floor(step)
    return np.asarray(idx != grid)
