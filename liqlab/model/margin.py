"""Maintenance-margin brackets and the exact isolated-margin liquidation price.

Binance USDT-M, isolated margin, one-way mode, initial margin = notional / L::

    long:  LP = EP * (1 - 1/L) / (1 - MMR) - cum / (Q * (1 - MMR))
    short: LP = EP * (1 + 1/L) / (1 + MMR) + cum / (Q * (1 + MMR))

EP entry price, L leverage, Q quantity (base units), MMR and cum the maintenance margin rate
and maintenance amount of the bracket the position's notional ``EP * Q`` falls in. The
shortcut ``EP * (1 - 1/L)`` is wrong by a lot at high leverage (a 100x long liquidates 0.60 %
below entry, not 1 %).

With the notional ``N = EP * Q`` held fixed, ``cum / Q = cum * EP / N``, so the liquidation
price is a constant multiple of the entry price: :func:`lp_factor`. The estimator uses that.

Bracket tables are dated snapshots shipped as CSV in ``liqlab/model/brackets/`` (columns
``floor_usd, cap_usd, mmr, cum_usd, max_leverage``; ``#`` lines are comments);
:func:`load_brackets` also reads a user's newer CSV and checks it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["VENUE_MAX_LEVERAGE", "BracketTable", "Bracket", "load_brackets", "shipped_brackets", "liquidation_price",
           "lp_factor", "DEFAULT_BRACKETS"]

#: the bracket snapshot ModelParams uses by default
DEFAULT_BRACKETS = "binance_btcusdt_2025"
_COLUMNS = ("floor_usd", "cap_usd", "mmr", "cum_usd", "max_leverage")


@dataclass(frozen=True)
class Bracket:
    """One notional bracket: ``[floor_usd, cap_usd)``."""
    floor_usd: float
    cap_usd: float
    mmr: float
    cum_usd: float
    max_leverage: float


@dataclass(frozen=True)
class BracketTable:
    """A venue's notional brackets, lowest first, with the name it was loaded from."""
    name: str
    brackets: tuple[Bracket, ...]

    def for_notional(self, notional_usd: float) -> Bracket:
        """The bracket a position of ``notional_usd`` falls in (floor inclusive)."""
        if not np.isfinite(notional_usd) or notional_usd <= 0:
            raise ValueError(f"position notional must be a positive number of USD, got {notional_usd}")
        for b in self.brackets:
            if b.floor_usd <= notional_usd < b.cap_usd:
                return b
        raise ValueError(f"position notional {notional_usd:,.0f} USD is above the top bracket of "
                         f"{self.name} ({self.brackets[-1].cap_usd:,.0f} USD)")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([b.__dict__ for b in self.brackets], columns=list(_COLUMNS))


#: the largest leverage each venue offers on BTC perpetuals (Binance BTCUSDT 125x for small
#: notional, Bybit and OKX 100x, Hyperliquid 40x): the model's population is capped by it
VENUE_MAX_LEVERAGE = {"binance": 125.0, "bybit": 100.0, "okx": 100.0, "hyperliquid": 40.0}


def shipped_brackets() -> list[str]:
    """Names of the bracket snapshots shipped with liqlab (``liqlab/model/brackets/<name>.csv``)."""
    root = resources.files("liqlab.model") / "brackets"
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv"))


def load_brackets(source: str | Path = DEFAULT_BRACKETS) -> BracketTable:
    """Load a bracket table: a shipped snapshot by name, or a path to a CSV of your own.

    The CSV needs the columns ``floor_usd, cap_usd, mmr, cum_usd, max_leverage`` (lines
    starting with ``#`` are comments). The table is checked: brackets contiguous from 0,
    MMR rising and in (0, 1), and each ``cum`` consistent with the recurrence
    ``cum[i] = cum[i-1] + floor[i] * (mmr[i] - mmr[i-1])`` (to 1 USD).
    """
    src = str(source)
    if src.endswith(".csv") or "/" in src or "\\" in src:
        path = Path(src)
        if not path.is_file():
            raise ValueError(f"bracket file {src!r} does not exist")
        name = path.stem
        text = path.read_text()
    else:
        names = shipped_brackets()
        if src not in names:
            raise ValueError(f"unknown bracket table {src!r}; shipped: {names}, or pass a path to a "
                             "CSV with columns " + ", ".join(_COLUMNS))
        name = src
        text = (resources.files("liqlab.model") / "brackets" / f"{src}.csv").read_text()
    return parse_brackets(text, name)


@functools.lru_cache(maxsize=32)
def parse_brackets(text: str, name: str = "brackets") -> BracketTable:
    """Parse and check a bracket CSV given as text (see :func:`load_brackets`). The result is
    immutable and cached by (text, name): every estimate and every ModelParams check reads the
    table, and an edited file is new text, so it is parsed (and checked) again."""
    import io
    df = pd.read_csv(io.StringIO(text), comment="#")
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"bracket table {name}: missing column(s) {missing}; need {list(_COLUMNS)}")
    v = df[list(_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    if v.isna().any().any() or len(v) == 0:
        raise ValueError(f"bracket table {name}: every cell must be a number and there must be rows")
    fl, cap, mmr, cum, lev = (v[c].to_numpy(float) for c in _COLUMNS)
    if fl[0] != 0:
        raise ValueError(f"bracket table {name}: the first bracket must start at 0 USD, not {fl[0]}")
    if (cap <= fl).any() or (fl[1:] != cap[:-1]).any():
        raise ValueError(f"bracket table {name}: brackets must be contiguous, each floor the cap "
                         "of the one before, with cap > floor")
    if (mmr <= 0).any() or (mmr >= 1).any() or (np.diff(mmr) < 0).any():
        raise ValueError(f"bracket table {name}: mmr must be a rate in (0, 1), not falling")
    if (lev < 1).any():
        raise ValueError(f"bracket table {name}: max_leverage must be >= 1")
    expect = np.zeros_like(cum)
    for i in range(1, len(cum)):
        expect[i] = expect[i - 1] + fl[i] * (mmr[i] - mmr[i - 1])
    bad = np.abs(expect - cum) > 1.0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"bracket table {name}: cum_usd of bracket {i} is {cum[i]:,.2f} but the "
                         f"recurrence cum[i] = cum[i-1] + floor[i]*(mmr[i]-mmr[i-1]) gives {expect[i]:,.2f}")
    return BracketTable(name, tuple(Bracket(*map(float, row)) for row in zip(fl, cap, mmr, cum, lev)))


def liquidation_price(entry, leverage, qty, mmr, cum, side: str):
    """The exact isolated-margin liquidation price (vectorised over numpy arrays).

    ``side`` is ``'long'`` or ``'short'``; ``qty`` in base units (e.g. BTC), ``cum`` in USD.
    A long whose formula gives <= 0 can never be liquidated; the value is returned as is.
    """
    entry, leverage, qty = (np.asarray(x, dtype=float) for x in (entry, leverage, qty))
    if side == "long":
        return entry * (1 - 1 / leverage) / (1 - mmr) - cum / (qty * (1 - mmr))
    if side == "short":
        return entry * (1 + 1 / leverage) / (1 + mmr) + cum / (qty * (1 + mmr))
    raise ValueError(f"side must be 'long' or 'short', got {side!r}")


def lp_factor(leverage, notional_usd: float, table: BracketTable, side: str):
    """LP / EP for a position of fixed notional ``notional_usd``: the liquidation price is this
    factor times the entry price. Raises ValueError when a leverage exceeds the bracket's cap."""
    b = table.for_notional(notional_usd)
    lev = np.asarray(leverage, dtype=float)
    if (lev > b.max_leverage).any() or (lev <= 1).any():
        raise ValueError(f"leverage {np.atleast_1d(lev).tolist()} outside (1, {b.max_leverage:g}], the "
                         f"range allowed for a {notional_usd:,.0f} USD position in {table.name}; "
                         "lower the leverage tiers or the representative position notional")
    k = b.cum_usd / notional_usd
    if side == "long":
        return ((1 - 1 / lev) - k) / (1 - b.mmr)
    if side == "short":
        return ((1 + 1 / lev) + k) / (1 + b.mmr)
    raise ValueError(f"side must be 'long' or 'short', got {side!r}")
