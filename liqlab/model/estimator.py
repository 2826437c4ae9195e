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
from liqlab.model.kernel import POLICIES, TOTALS, KernelCandles, KernelModel, run_kernel
from liqlab.model.grid import MAX_BINS, PriceGrid, grid_for_span, make_grid
from liqlab.model.margin import VENUE_MAX_LEVERAGE, load_brackets, lp_factor
from liqlab.model.params import ModelParams

__all__ = ["estimate", "estimate_many", "EstimateResult", "Prepared", "prepare", "Population",
           "population", "leverage_tiers", "entry_points", "entry_weights", "auto_step",
           "NICE_STEPS", "LEVERAGE_BANDS"]

#: display groups of a continuous leverage population (upper edges, x): the per-tier heatmaps
#: and the tier toggles of the views use these bands
LEVERAGE_BANDS = (10.0, 25.0, 50.0, 100.0)

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
    #: notional that left before liquidation in each candle (the exit hazard), like ``swept``
    exited: pd.DataFrame | None = None

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
    snap: np.ndarray
    col_times: pd.DatetimeIndex
    step: pd.Timedelta
    ent_coef: np.ndarray
    ent_w: np.ndarray          # [n, P] entry weights per candle
    ent_half: float            # half-width of an entry slice, as a share of the candle's range
    pop: "Population"
    days: np.ndarray           # days since the previous candle
    hours: np.ndarray          # the candle's length in hours
    zone: np.ndarray           # bins within exit_distance of each candle's close
    exit_rate: float
    exit_distance: float
    level_noise: float
    grid: PriceGrid
    policy: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def fac(self) -> np.ndarray:
        return self.pop.fac

    @property
    def tier_w(self) -> np.ndarray:
        return self.pop.weight

    @property
    def tier_labels(self) -> list[str]:
        return self.pop.group_labels

    def entry_prices(self) -> np.ndarray:
        """Entry prices ``[n, P]``: the coefficients on (open, high, low, close)."""
        ep = np.zeros((len(self.o), self.ent_coef.shape[0]))
        for p, coef in enumerate(self.ent_coef):
            for k, price in enumerate((self.o, self.h, self.l, self.c)):
                if coef[k] == 1.0:
                    ep[:, p] += price
                elif coef[k] != 0.0:
                    ep[:, p] += coef[k] * price
        return ep

    def kernel_args(self, want_tiers: bool = True) -> tuple:
        """Arguments of :func:`liqlab.model.kernel.run_kernel` (candles, model, heat, heat_t),
        with freshly allocated outputs (``np.empty``: the kernel writes every cell; numpy backs
        large arrays with huge pages, which makes first writes much cheaper than numba's own
        zeroed allocation)."""
        g = self.grid
        if self.ent_half > 0:     # contiguous slices of the candle's range: P + 1 edges
            P = self.ent_coef.shape[0]
            edges = g.coord(self.l[:, None] + (self.h - self.l)[:, None] * (np.arange(P + 1) / P))
            ulo = np.ascontiguousarray(edges[:, :-1])
            uhi = np.ascontiguousarray(edges[:, 1:])
        else:                     # points
            ulo = uhi = np.ascontiguousarray(g.coord(self.entry_prices()))
        ncols, G = len(self.col_times), len(self.pop.group_labels)
        heat = np.empty((2, ncols, g.n))
        heat_t = np.empty((2, G, ncols if want_tiers else 0, g.n), np.float32)
        cd = KernelCandles(ulo=ulo, uhi=uhi, ent_w=self.ent_w, ul=g.coord(self.swl),
                           uh=g.coord(self.swh), inflow=self.inflow, lshare=self.lshare,
                           close_frac=self.close_frac, days=self.days, hours=self.hours,
                           zone=self.zone, snap=self.snap)
        pop = self.pop
        lfac = np.log(pop.fac) / g.step if g.relative else np.zeros_like(pop.fac)
        md = KernelModel(fac=pop.fac, lfac=np.ascontiguousarray(lfac), tier_w=pop.weight,
                         half_life=pop.half_life, group=pop.group, exit_rate=float(self.exit_rate),
                         exit_distance=float(self.exit_distance), level_noise=float(self.level_noise),
                         relative=bool(g.relative), k0=int(g.k0), nbins=int(g.n),
                         policy=int(self.policy))
        return cd, md, heat, heat_t


# ------------------------------------------------------------------------------------------
# parameter-derived pieces
#: the lowest leverage of the continuous distribution
MIN_LEVERAGE = 2.0
_N = NormalDist()


def _quantile_midpoints(k: int) -> np.ndarray:
    """Standard-normal quantiles at (j + 0.5) / k, j = 0..k-1 (k equally likely points)."""
    return np.array([_N.inv_cdf((j + 0.5) / k) for j in range(k)])


def leverage_tiers(params: ModelParams, cap: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Leverage points and their weights (normalised), at most ``cap`` (default
    ``params.max_leverage``).

    'continuous': ``leverage_points`` points evenly spaced in log leverage from MIN_LEVERAGE to
    the cap (both included), each weighted by the lognormal's probability over its cell (the
    cell boundaries are the log midpoints between points, the outer cells end at MIN_LEVERAGE
    and the cap): the cap itself is a point, so the thin tail of very high leverage, the
    levels a calm hour reaches, is on the map with its small weight. One point: the median,
    capped. 'tiers': the given tiers, clipped to the cap."""
    cap = float(params.max_leverage if cap is None else cap)
    if params.leverage_mode == "tiers":
        lev = np.minimum(np.array(params.leverage_tiers, float), cap)
        w = np.array(params.leverage_weights, float)
        return lev, w / w.sum()
    k = params.leverage_points
    mu, sd = np.log(params.leverage_median), params.leverage_sigma
    if k == 1 or cap <= MIN_LEVERAGE:
        return np.array([min(params.leverage_median, cap)]), np.ones(1)
    x = np.linspace(np.log(MIN_LEVERAGE), np.log(cap), k)
    edges = np.concatenate([[x[0]], (x[1:] + x[:-1]) / 2, [x[-1]]])
    cdf = np.array([_N.cdf((e - mu) / sd) for e in edges])
    w = np.diff(cdf)
    if w.sum() <= 0:
        raise ValueError(f"the leverage distribution (median {params.leverage_median:g}x, sigma "
                         f"{sd:g}) has no mass between {MIN_LEVERAGE:g}x and the cap {cap:g}x; "
                         "move leverage_median inside that range")
    lev = np.exp(x)
    lev[-1] = cap   # exactly (exp(log(cap)) can land an ulp above it)
    return lev, w / w.sum()


@dataclass(frozen=True)
class Population:
    """The population of new positions: ``T`` tiers, each a (leverage, position size) pair with
    its share of new notional, its liquidation-price factor per side, its half-life, and its
    display group (``group_labels[group[t]]``)."""
    leverage: np.ndarray
    size_usd: np.ndarray
    weight: np.ndarray
    fac: np.ndarray          # [2, T]
    half_life: np.ndarray    # days, 0 = no decay
    group: np.ndarray        # int
    group_labels: list
    cap: float               # the leverage cap that applied (venue and max_leverage)

    def describe(self) -> list[dict]:
        return [dict(leverage=round(float(L), 3), size_usd=round(float(q), 2),
                     weight=float(w), half_life_days=round(float(h), 4),
                     lp_long=float(fl), lp_short=float(fs), group=self.group_labels[g])
                for L, q, w, h, fl, fs, g in zip(self.leverage, self.size_usd, self.weight,
                                                 self.half_life, self.fac[0], self.fac[1],
                                                 self.group)]


def _band_label(k: int) -> str:
    edges = LEVERAGE_BANDS
    if k == 0:
        return f"<={edges[0]:g}x"
    if k == len(edges):
        return f">{edges[-1]:g}x"
    return f"{edges[k - 1]:g}-{edges[k]:g}x"


def population(params: ModelParams, exchange: str = "") -> Population:
    """The tiers of :class:`Population` for ``params`` on ``exchange`` (its leverage cap)."""
    table = load_brackets(params.brackets)
    venue_cap = VENUE_MAX_LEVERAGE.get(str(exchange).lower(), float("inf"))
    cap = min(params.max_leverage, venue_cap)
    k = params.size_points
    sizes = params.position_usd * np.exp(params.size_sigma * _quantile_midpoints(k)) \
        if k > 1 and params.size_sigma > 0 else np.full(1, params.position_usd)
    levs, qs, ws, facs = [], [], [], []
    for q in sizes:
        lev, w = leverage_tiers(params, min(cap, table.for_notional(q).max_leverage))
        levs.append(lev)
        qs.append(np.full(len(lev), q))
        ws.append(w / len(sizes))
        facs.append(np.vstack([lp_factor(lev, q, table, "long"), lp_factor(lev, q, table, "short")]))
    lev = np.concatenate(levs)
    fac = np.ascontiguousarray(np.hstack(facs))
    if (fac[0] <= 0).any():
        raise ValueError("a long tier's liquidation price would be <= 0 (never liquidated); raise "
                         "its leverage or lower position_usd")
    if params.decay_half_life_days > 0:
        hl = params.decay_half_life_days * (10.0 / lev) ** params.decay_leverage_exponent
    else:
        hl = np.zeros(len(lev))
    if params.leverage_mode == "tiers":
        labels = [_tier_label(x) for x in params.leverage_tiers]
        group = np.tile(np.arange(len(params.leverage_tiers)), len(sizes))
    else:
        # every band, used or not, so that exchanges with other caps share one tier axis
        group = np.searchsorted(np.array(LEVERAGE_BANDS), lev, side="left")
        labels = [_band_label(b) for b in range(len(LEVERAGE_BANDS) + 1)]
    return Population(leverage=lev, size_usd=np.concatenate(qs),
                      weight=np.ascontiguousarray(np.concatenate(ws)), fac=fac,
                      half_life=np.ascontiguousarray(hl, float),
                      group=np.ascontiguousarray(group, np.int64), group_labels=labels, cap=cap)


def entry_points(params: ModelParams) -> tuple[np.ndarray, np.ndarray]:
    """Entry points as coefficients on (open, high, low, close) and their weights (for
    'range', the even part: :func:`entry_weights` gives the per-candle weights)."""
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


def entry_weights(params: ModelParams, o, h, l, c) -> np.ndarray:
    """Per-candle entry weights ``[n, P]`` (rows sum to 1). For 'range': slice ``k`` of
    [low, high] gets ``(1 - b) / P + b * overlap(slice, body) / len(body)`` with ``b`` the
    entry_body_share; a candle whose body is a point puts ``b`` on the slice holding the close
    (the upper one on a boundary), and a candle with high == low spreads evenly."""
    coef, w = entry_points(params)
    n = len(o)
    if params.entry != "range":
        return np.ascontiguousarray(np.broadcast_to(w, (n, len(w))))
    P, b = params.uniform_points, params.entry_body_share
    rng = h - l
    edges = np.arange(P + 1) / P                    # slice edges as fractions of the range
    with np.errstate(divide="ignore", invalid="ignore"):
        bl = np.where(rng > 0, (np.minimum(o, c) - l) / rng, 0.0)
        bh = np.where(rng > 0, (np.maximum(o, c) - l) / rng, 0.0)
    bl, bh = np.clip(bl, 0, 1), np.clip(bh, 0, 1)
    lo_e, hi_e = edges[:-1][None, :], edges[1:][None, :]
    ov = np.clip(np.minimum(hi_e, bh[:, None]) - np.maximum(lo_e, bl[:, None]), 0, None)
    body = bh - bl
    share = np.divide(ov, body[:, None], out=np.zeros_like(ov), where=body[:, None] > 0)
    point = body <= 0
    if point.any():
        k = np.minimum((bl[point] * P).astype(int), P - 1)
        share[point] = 0.0
        share[np.flatnonzero(point), k] = 1.0
    flat = rng <= 0
    share[flat] = 1.0 / P
    return np.ascontiguousarray((1 - b) / P + b * share)


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
            grid: PriceGrid | None = None, start=None, exchange: str | None = None) -> Prepared:
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
    meta: dict[str, Any] = {"exchange": exchange or candles.attrs.get("exchange", ""),
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
    # decay over the time since the previous candle; exits over the candle's own length
    days = np.diff(t, prepend=t[0] - bar.value) / 86400e9
    hours = np.full(len(t), bar.value / 3600e9)
    # the population: leverage x size tiers, capped by the venue and the brackets
    pop = population(params, meta["exchange"])
    fac = pop.fac
    table = load_brackets(params.brackets)
    ent_coef, _ = entry_points(params)
    ent_w = entry_weights(params, o, h, l, c)
    # grid: anchored edges; sized from the data (grid_range=0) or from the first open
    if grid is None:
        grid = default_grid(params, float(o[0]), float(l.min()), float(h.max()), fac)
    dist = 1.0 - fac[0].max()     # nearest long level, as a share of entry
    width = grid.step if grid.relative else grid.step / float(o[0])
    if width > dist / 2:
        raise ValueError(f"the price grid is too coarse: bins {grid.describe().split(' from')[0]} are "
                         f"wider than half the {dist:.2%} between entry and liquidation price of the "
                         f"{pop.leverage.max():.3g}x tier, whose levels would fall into their entry's "
                         "own bin; use a finer bin_rel / bin_usd")
    lo_need, hi_need = float(l.min()) * fac[0].min(), float(h.max()) * fac[1].max()
    u_lo, u_hi = float(grid.u(lo_need)) - 0.5, float(grid.u(hi_need)) - 0.5
    if u_lo < 0 or u_hi >= grid.n - 1:
        first = index[int(np.argmax((l * fac[0].min() < grid.centres[0]) |
                                    (h * fac[1].max() > grid.centres[-1])))]
        raise ValueError(f"the price grid is too small for the price range: levels from "
                         f"{lo_need:,.2f} to {hi_need:,.2f} USD are needed (prices leave it first at "
                         f"{first}) but the grid spans {grid.centres[0]:,.2f}..{grid.centres[-1]:,.2f} "
                         "(bin centres); raise grid_range, or set it to 0 to size it from the data")
    # exits: the bins within exit_distance of the price
    if grid.relative:
        zone = np.full(len(t), int(np.ceil(params.exit_distance / grid.step)), np.int64)
    else:
        zone = np.ceil(params.exit_distance * c / grid.step).astype(np.int64)
    snap, col_times, step = _columns(index, bar, step, max_columns, start)
    if params.close_policy == "oldest":
        records = 2 * len(t) * len(pop.weight) * ent_w.shape[1] * 2
        if records * 20 > 2 * 2**30:
            raise ValueError(f"close_policy='oldest' keeps a record per deposit: {records:,} records "
                             f"(about {records * 20 / 2**30:.1f} GiB) for {len(t):,} candles; use fewer "
                             "candles, fewer entry points or tiers, or another close_policy")
    last_end = t[-1] + bar.value
    meta["last_column_partial"] = bool(last_end < col_times[-1].value + step.value)
    meta.update(inputs=inputs, grid=grid.describe(), grid_info=grid.to_dict(),
                columns=len(col_times), step=str(step),
                tiers=pop.group_labels,
                tier_weights=[float(pop.weight[pop.group == k].sum())
                              for k in range(len(pop.group_labels))],
                population=pop.describe(), leverage_cap=pop.cap,
                lp_factor_long=fac[0].tolist(), lp_factor_short=fac[1].tolist(),
                bracket=dict(table=table.name, **table.for_notional(params.position_usd).__dict__),
                proxies=[k for k, v in inputs.items() if "approx" in v or v.startswith("none")])
    return Prepared(index=index, o=o, h=h, l=l, c=c, swl=np.ascontiguousarray(swl, float),
                    swh=np.ascontiguousarray(swh, float), inflow=np.ascontiguousarray(inflow, float),
                    lshare=np.ascontiguousarray(lshare, float),
                    close_frac=np.ascontiguousarray(close_frac, float), snap=snap,
                    col_times=col_times, step=step, ent_coef=np.ascontiguousarray(ent_coef, float),
                    ent_w=ent_w, ent_half=0.5 / params.uniform_points
                    if params.entry in ("range", "uniform") else 0.0, pop=pop, days=np.ascontiguousarray(days, float),
                    hours=hours, zone=np.ascontiguousarray(zone, np.int64),
                    exit_rate=params.exit_rate, exit_distance=params.exit_distance,
                    level_noise=params.level_noise, grid=grid, policy=POLICIES[params.close_policy],
                    meta=meta)


def default_grid(params: ModelParams, p0: float, low: float, high: float, fac: np.ndarray
                 ) -> PriceGrid:
    """The grid of ``params``: with ``grid_range`` 0 it covers every level prices between
    ``low`` and ``high`` can open (a 2 % margin either side); otherwise ``grid_range`` around
    ``p0``. Edges are anchored either way, so the extent changes no value."""
    relative = params.bin_mode == "relative"
    step = params.bin_rel if relative else params.bin_usd
    if params.grid_range > 0:
        return make_grid(p0, relative=relative, step=step, grid_range=params.grid_range)
    return grid_for_span(low * float(fac[0].min()) / 1.02, high * float(fac[1].max()) * 1.02,
                         relative=relative, step=step)


def estimate(candles: pd.DataFrame, oi=None, params: ModelParams | None = None, *, mark=None,
             taker_buy=None, funding=None, step=None, max_columns: int = 2000,
             per_tier: bool = True, grid: PriceGrid | None = None, start=None,
             exchange: str | None = None) -> EstimateResult:
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
    exchange : the venue, for its leverage cap (default ``candles.attrs['exchange']``).
    """
    params = params or ModelParams()
    prep = prepare(candles, oi, params, mark=mark, taker_buy=taker_buy, funding=funding,
                   step=step, max_columns=max_columns, grid=grid, start=start, exchange=exchange)
    cd, md, heat, heat_t = prep.kernel_args(per_tier)
    swept, exited, totals, clipped = run_kernel(cd, md, heat, heat_t)
    if clipped:  # the grid check above makes this unreachable; keep the guard honest
        raise ValueError(f"{clipped} deposit(s) fell outside the price grid; raise grid_range")
    return _wrap(prep, params, swept, exited, heat, heat_t if per_tier else None, totals,
                 candles.attrs)


def _wrap(prep: Prepared, params: ModelParams, swept, exited, heat, heat_t, totals, attrs
          ) -> EstimateResult:
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
    ex = pd.DataFrame({"long_usd": exited[:, 0], "short_usd": exited[:, 1]}, index=prep.index)
    sw.attrs = {"units": "USD", "exchange": attrs.get("exchange", ""), "symbol": attrs.get("symbol", "")}
    meta = dict(prep.meta)
    meta["totals"] = {side: {k: float(totals[s, j]) for j, k in enumerate(TOTALS)}
                      for s, side in enumerate(("long", "short"))}
    ex.attrs = dict(sw.attrs, what="notional that left before liquidation (exit hazard)")
    return EstimateResult(heatmap=ds, swept=sw, params=params, meta=meta, exited=ex)


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
    lows = [float(k["candles"]["low"].min()) for k in kw.values()]
    highs = [float(k["candles"]["high"].max()) for k in kw.values()]
    fac = np.hstack([population(params, k["candles"].attrs.get("exchange") or name).fac
                     for name, k in kw.items()])
    grid = default_grid(params, float(c0["open"].iloc[0]), min(lows), max(highs), fac)
    if step is None:
        t0 = min(k["candles"].index[0] for k in kw.values())
        t1 = max(k["candles"].index[-1] for k in kw.values())
        if start is not None:
            t0 = max(t0, _utc(start))
        bar = max(_bar(k["candles"]) for k in kw.values())
        step = auto_step(t1 - t0, bar, max_columns)
    results = {name: estimate(params=params, step=step, max_columns=max_columns, per_tier=per_tier,
                              grid=grid, start=start,
                              **{"exchange": a["candles"].attrs.get("exchange") or name,
                                 **common, **a}) for name, a in kw.items()}
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
    ex = sum(r.exited if r.exited.index.equals(sw_index) else r.exited.reindex(sw_index, fill_value=0.0)
             for r in results.values())
    ex.attrs = dict(sw.attrs)
    totals = {side: {k: sum(r.meta["totals"][side][k] for r in results.values()) for k in TOTALS}
              for side in ("long", "short")}
    meta = {"exchanges": list(results), "grid": grid.describe(), "grid_info": grid.to_dict(),
            "step": str(pd.Timedelta(step)), "columns": len(times), "totals": totals,
            "inflow": {k: r.meta["inflow"] for k, r in results.items()},
            "missing_columns_filled_with": 0.0}
    return EstimateResult(heatmap=agg, swept=sw, params=params, meta=meta, by_exchange=results,
                          exited=ex)


def _union(indexes: list[pd.DatetimeIndex]) -> pd.DatetimeIndex:
    """The sorted union of time indexes (index operations: no Python loop over timestamps)."""
    out = indexes[0]
    for ix in indexes[1:]:
        out = out.union(ix)
    return pd.DatetimeIndex(out.sort_values(), name="time")


def params_json(result: EstimateResult) -> dict:
    """The parameters stored in a heatmap's attrs, as a dict."""
    return json.loads(result.heatmap.attrs["params"])
