"""The liquidation-level estimator: candles (+ open interest) in, a heatmap and predicted
liquidations out.

``estimate(candles, oi=oi, params=ModelParams())`` prepares per-candle arrays (inflow, side
shares, closing fractions, decay) from the inputs, runs the numba kernel
(:mod:`liqlab.model.kernel`) and wraps its output:

- ``result.heatmap``: :class:`xarray.Dataset`, dims ``(time, price)``; ``long_usd`` and
  ``short_usd`` are the outstanding notional (USD) by liquidation price at the end of each
  output column; ``long_usd_tier`` / ``short_usd_tier`` (dims ``tier, time, price``, float32)
  split it by leverage tier so a view can toggle tiers without re-estimating. The ``time``
  coordinate (UTC, tz-aware like every liqlab frame: read it with
  ``heatmap.indexes['time']``) is each column's *start*; its value is the state after the
  last candle that opens inside ``[time, time + step)`` (``attrs['step']``), so a column is
  known at ``time + step`` (the last column at the last candle's end when
  ``meta['last_column_partial']``). ``price`` is the bin centre (``price_lower`` /
  ``price_upper`` the edges).
- ``result.swept``: DataFrame indexed like the candles, ``long_usd`` / ``short_usd``: the
  model's predicted liquidations in each candle.
- ``result.meta``: inputs used and proxy flags, the grid, the columns, and conservation
  totals per side (opened = outstanding + swept + closed + decayed).

No lookahead: open interest is aligned as-of backward (the value used after candle ``i`` is
the last one stamped before the candle's end), the grid depends only on the first open, and
the state after candle ``i`` depends only on inputs up to ``i``.
"""
from __future__ import annotations

import json
from statistics import NormalDist
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
import xarray as xr

from liqlab.data import schema
from liqlab.model.kernel import POLICIES, TOTALS, run_kernel
from liqlab.model.grid import MAX_BINS, PriceGrid, make_grid
from liqlab.model.margin import load_brackets, lp_factor
from liqlab.model.params import ModelParams

__all__ = ["estimate", "estimate_many", "EstimateResult", "Prepared", "prepare", "leverage_tiers",
           "entry_points", "auto_step", "NICE_STEPS"]

#: output column widths tried, smallest first, when ``step`` is not given
NICE_STEPS = tuple(pd.Timedelta(s) for s in (
    "1min", "5min", "15min", "30min", "1h", "2h", "4h", "6h", "12h", "1D", "2D", "7D"))


def _utc(t) -> pd.Timestamp:
    """A time as a UTC Timestamp (naive = UTC)."""
    t = pd.Timestamp(t)
    return t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the epoch (pandas 3 indexes may be stored in other units)."""
    return index.as_unit("ns").asi8


@dataclass
class EstimateResult:
    """What :func:`estimate` returns. ``by_exchange`` is set by :func:`estimate_many`."""
    heatmap: xr.Dataset
    swept: pd.DataFrame
    params: ModelParams
    meta: dict[str, Any]
    by_exchange: dict[str, "EstimateResult"] | None = None

    @property
    def tier_labels(self) -> list[str]:
        return [str(t) for t in self.heatmap["tier"].values] if "tier" in self.heatmap.coords else []

    def tiers(self, selected) -> xr.Dataset:
        """``long_usd`` / ``short_usd`` summed over the selected leverage tiers only (labels
        like ``'10x'``, or positions). Needs the per-tier variables (``per_tier=True``)."""
        if "long_usd_tier" not in self.heatmap:
            raise ValueError("this result has no per-tier data; estimate with per_tier=True")
        labels = self.tier_labels
        sel = [labels[s] if isinstance(s, (int, np.integer)) else str(s) for s in selected]
        unknown = [s for s in sel if s not in labels]
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; this result has tiers {labels}")
        hm = self.heatmap
        out = xr.Dataset({
            "long_usd": hm["long_usd_tier"].sel(tier=sel).astype("float64").sum("tier"),
            "short_usd": hm["short_usd_tier"].sel(tier=sel).astype("float64").sum("tier")})
        out.attrs = dict(hm.attrs, tiers_selected=",".join(sel))
        return out


@dataclass
class Prepared:
    """Arrays for the kernel (see :func:`prepare`), plus what goes into ``meta``."""
    index: pd.DatetimeIndex
    o: np.ndarray
    h: np.ndarray
    l: np.ndarray
    c: np.ndarray
    swl: np.ndarray
    swh: np.ndarray
    inflow: np.ndarray
    lshare: np.ndarray
    close_frac: np.ndarray
    decay: np.ndarray
    snap: np.ndarray
    col_times: pd.DatetimeIndex
    step: pd.Timedelta
    ent_coef: np.ndarray
    ent_w: np.ndarray
    fac: np.ndarray
    tier_w: np.ndarray
    tier_labels: list[str]
    grid: PriceGrid
    policy: int
    meta: dict[str, Any] = field(default_factory=dict)

    def kernel_args(self, want_tiers: bool = True) -> tuple:
        """Arguments of :func:`liqlab.model.kernel.run_kernel`, with freshly allocated outputs
        (``np.empty``: the kernel writes every cell; numpy backs large arrays with huge pages,
        which makes first writes much cheaper than numba's own zeroed allocation)."""
        g = self.grid
        ep = np.zeros((len(self.o), len(self.ent_w)))
        for p, coef in enumerate(self.ent_coef):
            for k, price in enumerate((self.o, self.h, self.l, self.c)):
                if coef[k] == 1.0:
                    ep[:, p] += price
                elif coef[k] != 0.0:
                    ep[:, p] += coef[k] * price
        ue = np.ascontiguousarray(g.coord(ep))
        ncols, T = len(self.col_times), self.fac.shape[1]
        heat = np.empty((2, ncols, g.n))
        heat_t = np.empty((2, T, ncols if want_tiers else 0, g.n), np.float32)
        return (ep, ue, self.ent_w, g.coord(self.swl), g.coord(self.swh), self.inflow, self.lshare,
                self.close_frac, self.decay, self.snap, self.fac, self.tier_w, g.relative, g.step,
                g.k0, g.n, self.policy, heat, heat_t)


# ------------------------------------------------------------------------------------------
# parameter-derived pieces
def leverage_tiers(params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Leverage of each tier and its weight (normalised)."""
    if params.leverage_mode == "tiers":
        lev = np.array(params.leverage_tiers, float)
        w = np.array(params.leverage_weights, float)
    else:
        k = params.lognormal_tiers
        q = (np.arange(k) + 0.5) / k
        z = np.array([NormalDist().inv_cdf(x) for x in q])
        lev = np.exp(np.log(params.lognormal_median) + params.lognormal_sigma * z)
        table = load_brackets(params.brackets)
        cap = table.for_notional(params.position_usd).max_leverage
        lev = np.clip(lev, 1.1, cap)
        w = np.full(k, 1.0 / k)
    return lev, w / w.sum()


def entry_points(params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Entry points as coefficients on (open, high, low, close) and their weights."""
    if params.entry == "close":
        return np.array([[0.0, 0.0, 0.0, 1.0]]), np.array([1.0])
    if params.entry == "anchors":
        w = np.array(params.entry_weights, float)
        keep = np.flatnonzero(w > 0)
        return np.eye(4)[keep], w[keep] / w.sum()
    k = params.uniform_points
    f = (np.arange(k) + 0.5) / k   # entry = low + f * (high - low)
    coef = np.zeros((k, 4))
    coef[:, 1] = f
    coef[:, 2] = 1 - f
    return coef, np.full(k, 1.0 / k)


def _tier_label(lev: float) -> str:
    return f"{lev:g}x" if abs(lev - round(lev)) < 1e-9 else f"{lev:.1f}x"


# ------------------------------------------------------------------------------------------
# input alignment
def _bar(candles: pd.DataFrame) -> pd.Timedelta:
    tf = candles.attrs.get("timeframe")
    if tf:
        try:
            return pd.Timedelta(str(tf).replace("m", "min") if str(tf).endswith("m") else str(tf))
        except ValueError:
            pass
    if len(candles) < 2:
        raise ValueError("cannot tell the bar size of a single candle; set candles.attrs['timeframe'] "
                         "(e.g. '5m')")
    return pd.Timedelta(np.min(np.diff(_ns(candles.index))), "ns")


def _as_series(x, kind: str, col: str, name: str) -> pd.Series:
    """A Series from a Series or a canonical frame, with a UTC DatetimeIndex; checked."""
    if isinstance(x, pd.DataFrame):
        if col not in x.columns:
            raise ValueError(f"{name}: expected a Series or a {kind} frame with column {col!r}; "
                             f"got columns {list(x.columns)}")
        if set(x.columns) <= set(sum(schema.COLUMNS[kind], ())):
            schema.validate(x, kind, name)
        s = x[col]
    elif isinstance(x, pd.Series):
        s = x
    else:
        raise ValueError(f"{name}: expected a pandas Series or DataFrame, got {type(x).__name__}")
    idx = s.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise ValueError(f"{name}: the index must be a UTC DatetimeIndex (tz-aware)")
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        raise ValueError(f"{name}: timestamps must be sorted and unique; use liqlab.data.schema.clean")
    v = pd.to_numeric(s, errors="coerce").to_numpy(float)
    if not np.isfinite(v).all():
        bad = s.index[~np.isfinite(v)]
        raise ValueError(f"{name}: {len(bad)} NaN or infinite value(s), first at {bad[0]}; drop or "
                         "fill them")
    return pd.Series(v, index=idx.tz_convert("UTC"), name=col)


def _asof_strict(stamps: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Position of the last stamp strictly before each ``at`` (-1 if none)."""
    return np.searchsorted(stamps, at, side="left") - 1


def _align_oi(oi, index: pd.DatetimeIndex, end: np.ndarray, max_gap_h: float
              ) -> tuple[np.ndarray, np.ndarray, float]:
    """OI known before candle 0 and after each candle (as-of backward, strictly before), and
    the largest age (hours) of the value used at a candle's end."""
    s = _as_series(oi, "oi", "oi_usd", "oi")
    v = s.to_numpy()
    if (v <= 0).any():
        bad = s.index[v <= 0]
        raise ValueError(f"oi: {len(bad)} value(s) are zero or negative (first at {bad[0]}); open "
                         "interest must be positive USD: drop those rows or fix the units")
    st = _ns(s.index)
    pos_end = _asof_strict(st, end)
    if pos_end[0] < 0:
        raise ValueError(f"oi starts at {s.index[0]}, after the end of the first candle "
                         f"({index[0]}); trim the candles to start at or after the first open-interest "
                         "value, or pass earlier open interest")
    age = (end - st[pos_end]) / 3.6e12
    gap = age > max_gap_h
    if gap.any():
        i = int(np.flatnonzero(gap)[0])
        raise ValueError(f"oi has a gap: at the candle of {index[i]} the latest open interest is "
                         f"{age[i]:.1f} h old (more than oi_max_gap_hours={max_gap_h:g}); "
                         f"{int(gap.sum())} candle(s) affected. Fill the gap, trim the candles, or "
                         "raise ModelParams.oi_max_gap_hours")
    after = v[pos_end]
    pos0 = _asof_strict(st, _ns(index)[:1])[0]
    before0 = v[pos0] if pos0 >= 0 else after[0]
    before = np.concatenate([[before0], after[:-1]])
    return before, after, float(age.max())


def _align_mark(mark: pd.DataFrame, index: pd.DatetimeIndex, bar: pd.Timedelta
                ) -> tuple[np.ndarray, np.ndarray]:
    """Mark high/low over each candle's interval, from mark bars no longer than the candles."""
    schema.validate(mark, "mark", "mark")
    if len(mark) > 1:
        mbar = pd.Timedelta(np.min(np.diff(_ns(mark.index))), "ns")
        if mbar > bar:
            raise ValueError(f"mark candles are {mbar} bars but the candles are {bar}: a coarser "
                             "mark bar would leak later prices into earlier candles; resample the "
                             "candles to the mark's bar (liqlab.data.windows.resample_candles)")
    mt = _ns(mark.index)
    ct = _ns(index)
    # each mark bar belongs to the candle whose interval [t, t + bar) contains its open time
    k = np.searchsorted(ct, mt, side="right") - 1
    ok = (k >= 0) & (mt < ct[np.clip(k, 0, None)] + bar.value)
    hi = np.full(len(ct), -np.inf)
    lo = np.full(len(ct), np.inf)
    np.maximum.at(hi, k[ok], mark["high"].to_numpy(float)[ok])
    np.minimum.at(lo, k[ok], mark["low"].to_numpy(float)[ok])
    miss = ~np.isfinite(hi)
    if miss.any():
        raise ValueError(f"mark candles do not cover {int(miss.sum())} candle(s), first at "
                         f"{index[np.flatnonzero(miss)[0]]}; pass mark candles for the whole span "
                         "or mark=None to sweep on trade prices")
    return lo, hi


def auto_step(span: pd.Timedelta, bar: pd.Timedelta, max_columns: int) -> pd.Timedelta:
    """The smallest of :data:`NICE_STEPS` (then 30 days, then an exact division) that is at
    least ``bar`` and shows ``span`` in at most ``max_columns`` epoch-aligned columns."""
    span_ns = pd.Timedelta(span).value
    for cand in NICE_STEPS + (pd.Timedelta(days=30),):
        if cand >= bar and span_ns // cand.value + 2 <= max_columns:
            return cand
    return pd.Timedelta(int(np.ceil((span_ns + 1) / (max_columns - 1))), "ns")


def _columns(index: pd.DatetimeIndex, bar: pd.Timedelta, step, max_columns: int, start=None
             ) -> tuple[np.ndarray, pd.DatetimeIndex, pd.Timedelta]:
    """Output columns: epoch-aligned groups of width ``step``; snapshot after each group's last
    candle; candles opening before ``start`` only warm the state up (no columns).
    Returns (snap[n] column or -1, column start times, step)."""
    t = _ns(index)
    first = 0
    if start is not None:
        start = _utc(start)
        first = int(np.searchsorted(t, start.as_unit("ns").value, side="left"))
        if first >= len(t):
            raise ValueError(f"start={start} is after the last candle ({index[-1]}); nothing to show")
    if step is None:
        step = auto_step(pd.Timedelta(int(t[-1] - t[first]), "ns"), bar, max_columns)
    step = pd.Timedelta(step)
    if step < bar:
        raise ValueError(f"output step {step} is shorter than the bar {bar}")
    key = t // step.value
    last = np.ones(len(t), bool)
    last[:-1] = key[1:] != key[:-1]
    last[:first] = False
    ncols = int(last.sum())
    if ncols > max_columns:
        raise ValueError(f"{ncols} output columns at step {step} exceed max_columns={max_columns}; "
                         "use a longer step or raise max_columns")
    snap = np.full(len(t), -1, np.int64)
    snap[last] = np.arange(ncols)
    col_times = pd.DatetimeIndex(key[last] * step.value, tz="UTC", name="time")
    return snap, col_times, step


def _side_signal(params: ModelParams, candles: pd.DataFrame, taker_buy, funding,
                 index: pd.DatetimeIndex, end: np.ndarray) -> tuple[np.ndarray, str]:
    o, h, l, c = (candles[k].to_numpy(float) for k in ("open", "high", "low", "close"))
    rule = params.side_rule
    if rule == "even":
        return np.zeros(len(o)), "50/50"
    if rule == "direction":
        rng = h - l
        return np.divide(c - o, rng, out=np.zeros_like(rng), where=rng > 0), \
            "candle direction (close-open)/(high-low)"
    if rule == "taker":
        if taker_buy is None and "taker_buy_volume" in candles.columns:
            taker_buy = candles["taker_buy_volume"]
        if taker_buy is None:
            raise ValueError("side_rule='taker' needs taker-buy volume: pass taker_buy= (a Series "
                             "in base units, like the candles) or candles with taker_buy_volume")
        tb = _as_series(taker_buy, "candles", "taker_buy_volume", "taker_buy")
        tb = tb.reindex(index)
        if tb.isna().any():
            raise ValueError("taker_buy: must have a value at every candle timestamp")
        vol = candles["volume"].to_numpy(float)
        sig = np.divide(2 * tb.to_numpy() - vol, vol, out=np.zeros_like(vol), where=vol > 0)
        return np.clip(sig, -1, 1), "taker-buy share"
    if funding is None:
        raise ValueError("side_rule='funding' needs funding=: a funding frame (column 'rate') or "
                         "Series of rates per period")
    fs = _as_series(funding, "funding", "rate", "funding")
    pos = _asof_strict(_ns(fs.index), end)
    rate = np.where(pos >= 0, fs.to_numpy()[np.clip(pos, 0, None)], 0.0)
    return np.clip(rate / params.funding_ref, -1, 1), "funding bias (latest rate before candle end)"


def prepare(candles: pd.DataFrame, oi=None, params: ModelParams | None = None, *, mark=None,
            taker_buy=None, funding=None, step=None, max_columns: int = 2000,
            grid: PriceGrid | None = None, start=None) -> Prepared:
    """Check the inputs and build the kernel's arrays (no estimation). See :func:`estimate`."""
    params = params or ModelParams()
    if not isinstance(params, ModelParams):
        raise ValueError(f"params must be a liqlab.ModelParams, got {type(params).__name__}")
    candles = schema.validate(candles, "candles", "candles")
    if len(candles) == 0:
        raise ValueError("candles: no rows")
    index = candles.index
    bar = _bar(candles)
    t = _ns(index)
    end = t + bar.value
    o, h, l, c = (np.ascontiguousarray(candles[k].to_numpy(float)) for k in ("open", "high", "low", "close"))
    meta: dict[str, Any] = {"exchange": candles.attrs.get("exchange", ""),
                            "symbol": candles.attrs.get("symbol", ""), "bar": str(bar),
                            "n_candles": len(candles), "start": str(index[0]), "end": str(index[-1])}
    inputs: dict[str, str] = {"candles": "yes"}
    # quote volume
    if "quote_volume" in candles.columns:
        qv = candles["quote_volume"].to_numpy(float)
        inputs["quote_volume"] = "quote_volume column"
    else:
        qv = candles["volume"].to_numpy(float) * c
        inputs["quote_volume"] = "approximated as volume x close"
    # open interest
    if oi is not None:
        before, after, max_age = _align_oi(oi, index, end, params.oi_max_gap_hours)
        meta["oi_max_age_hours"] = round(max_age, 3)
        doi = after - before
        close_frac = np.clip(-doi / before, 0.0, 1.0)
        inflow = params.inflow_volume_share * qv + params.inflow_oi_share * np.maximum(doi, 0.0)
        inputs["oi"] = "as-of backward (last value stamped before each candle's end)"
        meta["inflow"] = (f"{params.inflow_volume_share:g} x quote volume + "
                          f"{params.inflow_oi_share:g} x open-interest rise")
    else:
        close_frac = np.zeros(len(t))
        inflow = params.inflow_volume_share * qv
        inputs["oi"] = "none"
        meta["inflow"] = "volume only (no open interest)"
        if params.inflow_volume_share == 0:
            raise ValueError("with oi=None the inflow is inflow_volume_share x quote volume, and "
                             "inflow_volume_share is 0: nothing would ever open. Pass oi= or raise "
                             "inflow_volume_share")
    # sweeps on mark prices when given
    if mark is not None:
        swl, swh = _align_mark(mark, index, bar)
        inputs["mark"] = "sweeps use mark high/low"
    else:
        swl, swh = l.copy(), h.copy()
        inputs["mark"] = "none: sweeps use trade high/low"
    # sides
    sig, side_desc = _side_signal(params, candles, taker_buy, funding, index, end)
    lshare = 0.5 + params.side_skew * sig if params.side_rule != "even" else np.full(len(t), 0.5)
    inputs["side_rule"] = side_desc
    # decay over the time since the previous candle
    if params.decay_half_life_days > 0:
        dt = np.diff(t, prepend=t[0] - bar.value) / 86400e9
        decay = 0.5 ** (dt / params.decay_half_life_days)
    else:
        decay = np.ones(len(t))
    # leverage, margin, entries
    lev, tier_w = leverage_tiers(params)
    table = load_brackets(params.brackets)
    fac = np.vstack([lp_factor(lev, params.position_usd, table, "long"),
                     lp_factor(lev, params.position_usd, table, "short")])
    if (fac[0] <= 0).any():
        raise ValueError("a long tier's liquidation price would be <= 0 (never liquidated); raise "
                         "its leverage or lower position_usd")
    ent_coef, ent_w = entry_points(params)
    # grid: anchored, sized from the first open only
    if grid is None:
        grid = make_grid(float(o[0]), relative=params.bin_mode == "relative",
                         step=params.bin_rel if params.bin_mode == "relative" else params.bin_usd,
                         grid_range=params.grid_range)
    dist = 1.0 - fac[0].max()     # nearest long level, as a share of entry
    width = grid.step if grid.relative else grid.step / float(o[0])
    if width > dist / 2:
        raise ValueError(f"the price grid is too coarse: bins {grid.describe().split(' from')[0]} are "
                         f"wider than half the {dist:.2%} between entry and liquidation price of the "
                         f"{lev.max():g}x tier, whose levels would fall into their entry's own bin; "
                         "use a finer bin_rel / bin_usd")
    lo_need, hi_need = float(l.min()) * fac[0].min(), float(h.max()) * fac[1].max()
    u_lo, u_hi = float(grid.u(lo_need)) - 0.5, float(grid.u(hi_need)) - 0.5
    if u_lo < 0 or u_hi >= grid.n - 1:
        first = index[int(np.argmax((l * fac[0].min() < grid.centres[0]) |
                                    (h * fac[1].max() > grid.centres[-1])))]
        raise ValueError(f"the price grid is too small for the price range: levels from "
                         f"{lo_need:,.2f} to {hi_need:,.2f} USD are needed (prices leave it first at "
                         f"{first}) but the grid spans {grid.centres[0]:,.2f}..{grid.centres[-1]:,.2f} "
                         "(bin centres); raise grid_range")
    snap, col_times, step = _columns(index, bar, step, max_columns, start)
    if params.close_policy == "oldest":
        records = 2 * len(t) * len(lev) * len(ent_w) * 2
        if records * 20 > 2 * 2**30:
            raise ValueError(f"close_policy='oldest' keeps a record per deposit: {records:,} records "
                             f"(about {records * 20 / 2**30:.1f} GiB) for {len(t):,} candles; use fewer "
                             "candles, fewer entry points or tiers, or another close_policy")
    last_end = t[-1] + bar.value
    meta["last_column_partial"] = bool(last_end < col_times[-1].value + step.value)
    meta.update(inputs=inputs, grid=grid.describe(), grid_info=grid.to_dict(),
                columns=len(col_times), step=str(step),
                tiers=[_tier_label(x) for x in lev], tier_weights=tier_w.tolist(),
                lp_factor_long=fac[0].tolist(), lp_factor_short=fac[1].tolist(),
                bracket=dict(table=table.name, **table.for_notional(params.position_usd).__dict__),
                proxies=[k for k, v in inputs.items() if "approx" in v or v.startswith("none")])
    return Prepared(index=index, o=o, h=h, l=l, c=c, swl=np.ascontiguousarray(swl, float),
                    swh=np.ascontiguousarray(swh, float), inflow=np.ascontiguousarray(inflow, float),
                    lshare=np.ascontiguousarray(lshare, float),
                    close_frac=np.ascontiguousarray(close_frac, float),
                    decay=np.ascontiguousarray(decay, float), snap=snap, col_times=col_times,
                    step=step, ent_coef=np.ascontiguousarray(ent_coef, float),
                    ent_w=np.ascontiguousarray(ent_w, float), fac=np.ascontiguousarray(fac),
                    tier_w=np.ascontiguousarray(tier_w, float),
                    tier_labels=[_tier_label(x) for x in lev], grid=grid,
                    policy=POLICIES[params.close_policy], meta=meta)


def estimate(candles: pd.DataFrame, oi=None, params: ModelParams | None = None, *, mark=None,
             taker_buy=None, funding=None, step=None, max_columns: int = 2000,
             per_tier: bool = True, grid: PriceGrid | None = None, start=None) -> EstimateResult:
    """Estimate outstanding leveraged notional by liquidation price over time.

    Parameters
    ----------
    candles : canonical candles frame (any bar from 1m to 1d). Entries use its prices; the
        inflow its ``quote_volume`` (or volume x close, flagged in ``meta``).
    oi : open interest in USD (a Series, or an ``oi`` frame with ``oi_usd``) at any
        resolution; aligned as-of backward. ``None``: volume-only inflow, no closing.
    params : :class:`liqlab.ModelParams` (defaults if None).
    mark : mark-price candles (same or finer bar): sweeps use their high/low.
    taker_buy, funding : inputs of the 'taker' and 'funding' side rules.
    step : output column width (e.g. ``'1h'``); default the smallest of :data:`NICE_STEPS`
        giving at most ``max_columns`` columns. Columns are aligned to the epoch, so two runs
        with the same ``step`` share column boundaries.
    per_tier : also keep the per-tier float32 snapshots (``long_usd_tier``, ``short_usd_tier``).
    grid : a :class:`liqlab.model.grid.PriceGrid` to use instead of the one built from ``params``.
    start : the first time to show: candles opening before it only warm the state up (no
        heatmap columns; ``swept`` still covers them). Default: show everything.
    """
    params = params or ModelParams()
    prep = prepare(candles, oi, params, mark=mark, taker_buy=taker_buy, funding=funding,
                   step=step, max_columns=max_columns, grid=grid, start=start)
    args = prep.kernel_args(per_tier)
    heat, heat_t = args[-2], args[-1]
    swept, totals, clipped = run_kernel(*args)
    if clipped:  # the grid check above makes this unreachable; keep the guard honest
        raise ValueError(f"{clipped} deposit(s) fell outside the price grid; raise grid_range")
    return _wrap(prep, params, swept, heat, heat_t if per_tier else None, totals, candles.attrs)


def _wrap(prep: Prepared, params: ModelParams, swept, heat, heat_t, totals, attrs) -> EstimateResult:
    g = prep.grid
    edges = g.edges
    coords = {"time": prep.col_times, "price": g.centres,
              "price_lower": ("price", edges[:-1]), "price_upper": ("price", edges[1:])}
    data = {"long_usd": (("time", "price"), heat[0]), "short_usd": (("time", "price"), heat[1])}
    if heat_t is not None:
        coords["tier"] = prep.tier_labels
        data["long_usd_tier"] = (("tier", "time", "price"), heat_t[0])
        data["short_usd_tier"] = (("tier", "time", "price"), heat_t[1])
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {"units": "USD", "exchange": attrs.get("exchange", ""), "symbol": attrs.get("symbol", ""),
                "time_is": "column start; values are the state after the column's last candle",
                "step": str(prep.step), **{k: v for k, v in g.to_dict().items()},
                "inflow": prep.meta["inflow"], "params": params.to_json()}
    sw = pd.DataFrame({"long_usd": swept[:, 0], "short_usd": swept[:, 1]}, index=prep.index)
    sw.attrs = {"units": "USD", "exchange": attrs.get("exchange", ""), "symbol": attrs.get("symbol", "")}
    meta = dict(prep.meta)
    meta["totals"] = {side: {k: float(totals[s, j]) for j, k in enumerate(TOTALS)}
                      for s, side in enumerate(("long", "short"))}
    return EstimateResult(heatmap=ds, swept=sw, params=params, meta=meta)


# ------------------------------------------------------------------------------------------
def estimate_many(inputs: Mapping[str, Any], params: ModelParams | None = None, *, step=None,
                  max_columns: int = 2000, per_tier: bool = True, start=None,
                  **common) -> EstimateResult:
    """Estimate several exchanges on one common grid and sum them in USD.

    ``inputs`` maps an exchange name to its candles, to ``(candles, oi)``, or to a dict of
    :func:`estimate` keyword arguments (``candles``, ``oi``, ``mark``, ...); open interest must
    already be in USD. The grid is anchored at the first open of the exchange that starts
    earliest; the output step is chosen once for the union of their spans. The result's
    ``heatmap``/``swept`` are the sums (an exchange contributes 0 before its first or after its
    last candle); ``by_exchange`` keeps each exchange's own result.
    """
    params = params or ModelParams()
    if not inputs:
        raise ValueError("estimate_many needs at least one exchange")
    kw: dict[str, dict] = {}
    for name, v in inputs.items():
        if isinstance(v, pd.DataFrame):
            kw[name] = {"candles": v}
        elif isinstance(v, tuple) and 1 <= len(v) <= 2:
            kw[name] = {"candles": v[0], "oi": v[1] if len(v) > 1 else None}
        elif isinstance(v, Mapping) and "candles" in v:
            kw[name] = dict(v)
        else:
            raise ValueError(f"estimate_many: {name!r} must be candles, (candles, oi) or a dict with "
                             "'candles'")
        schema.validate(kw[name]["candles"], "candles", f"{name} candles")
    first = min(kw, key=lambda k: kw[k]["candles"].index[0])
    c0 = kw[first]["candles"]
    grid = make_grid(float(c0["open"].iloc[0]), relative=params.bin_mode == "relative",
                     step=params.bin_rel if params.bin_mode == "relative" else params.bin_usd,
                     grid_range=params.grid_range)
    if step is None:
        t0 = min(k["candles"].index[0] for k in kw.values())
        t1 = max(k["candles"].index[-1] for k in kw.values())
        if start is not None:
            t0 = max(t0, _utc(start))
        bar = max(_bar(k["candles"]) for k in kw.values())
        step = auto_step(t1 - t0, bar, max_columns)
    results = {name: estimate(params=params, step=step, max_columns=max_columns, per_tier=per_tier,
                              grid=grid, start=start, **{**common, **a}) for name, a in kw.items()}
    times = _union([r.heatmap.indexes["time"] for r in results.values()])
    parts = [r.heatmap if r.heatmap.indexes["time"].equals(times)
             else r.heatmap.reindex(time=times, fill_value=0.0) for r in results.values()]
    agg = parts[0].copy(deep=False)  # the sums below make new arrays; nothing is changed in place
    for p in parts[1:]:
        for v in agg.data_vars:
            agg[v] = agg[v] + p[v]
    agg.attrs = dict(parts[0].attrs, exchange="+".join(results), symbol=",".join(
        sorted({r.heatmap.attrs.get("symbol", "") for r in results.values()})))
    sw_index = _union([r.swept.index for r in results.values()])
    sw = sum(r.swept if r.swept.index.equals(sw_index) else r.swept.reindex(sw_index, fill_value=0.0)
             for r in results.values())
    sw.attrs = {"units": "USD", "exchange": agg.attrs["exchange"]}
    totals = {side: {k: sum(r.meta["totals"][side][k] for r in results.values()) for k in TOTALS}
              for side in ("long", "short")}
    meta = {"exchanges": list(results), "grid": grid.describe(), "grid_info": grid.to_dict(),
            "step": str(pd.Timedelta(step)), "columns": len(times), "totals": totals,
            "inflow": {k: r.meta["inflow"] for k, r in results.items()},
            "missing_columns_filled_with": 0.0}
    return EstimateResult(heatmap=agg, swept=sw, params=params, meta=meta, by_exchange=results)


def _union(indexes: list[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    """The sorted union of time indexes (index operations: no Python loop over timestamps)."""
    out = indexes[0]
    for ix in indexes[1:]:
        out = out.union(ix)
    return pd.DatetimeIndex(out.sort_values(), name="time")


def params_json(result: EstimateResult) -> dict:
    """The parameters stored in a heatmap's attrs, as a dict."""
    return json.loads(result.heatmap.attrs["params"])
