"""Every assumption of the estimator, declared once: default, bounds, unit, doc.

``ModelParams()`` holds the defaults; ``ModelParams(**changes)`` and ``params.replace(**changes)``
validate every value and raise ValueError saying which bound was broken. ``ModelParams.spec()``
exposes the declaration as data (a list of :class:`FieldSpec`), from which sliders
(liqlab.views), CLI flags and the README table (:meth:`ModelParams.markdown_table`) are
generated.

Kinds: ``float``, ``int``, ``bool``, ``choice`` (one of ``choices``), ``weights`` (a tuple of
non-negative floats with a positive sum, one per entry of ``labels``; normalised when used)
and ``floats`` (a tuple of floats within ``bounds``, e.g. the leverage tiers).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from liqlab.model.margin import DEFAULT_BRACKETS, load_brackets, shipped_brackets

__all__ = ["ModelParams", "FieldSpec"]


@dataclass(frozen=True)
class FieldSpec:
    """The declaration of one parameter."""
    name: str
    kind: str                       # float | int | bool | choice | weights | floats
    default: Any
    doc: str
    unit: str = ""
    bounds: tuple[float, float] | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None   # for weights: what each weight is for
    log: bool = False               # a slider on a log scale reads better
    group: str = ""                 # inflow | sides | entry | leverage | margin | closing | grid | data


def _p(kind, default, doc, unit="", bounds=None, step=None, choices=None, labels=None, log=False,
       group=""):
    return field(default=default, metadata=dict(kind=kind, doc=doc, unit=unit, bounds=bounds,
                                                 step=step, choices=choices, labels=labels,
                                                 log=log, group=group))


@dataclass(frozen=True)
class ModelParams:
    """The estimator's assumptions. See ``ModelParams.spec()`` or the README table."""

    # -- inflow: how much new leveraged notional each candle opens ---------------------------
    inflow_volume_share: float = _p(
        "float", 0.05,
        "New notional per side opened in each candle, as a share of the candle's quote volume. "
        "Default by a quick measurement (scripts/measure_inflow.py): against 50 days of realised "
        "Hyperliquid BTC liquidations (2025-12-07..2026-01-25) with Hyperliquid hourly open "
        "interest, the Spearman rank correlation of daily predicted with realised long "
        "liquidations rose with the volume share, 0.83 (open interest only) -> 0.88 (0.05) -> "
        "0.89 (0.1 or volume only); 0.05 keeps open interest in the mix. Daily range alone "
        "ranks them at 0.70.",
        unit="share of quote volume", bounds=(0.0, 1.0), step=0.005, group="inflow")
    inflow_oi_share: float = _p(
        "float", 1.0,
        "New notional per side opened in each candle, as a share of the rise in open interest "
        "(dOI > 0). Ignored when no open interest is given.",
        unit="share of OI rise", bounds=(0.0, 5.0), step=0.05, group="inflow")
    # -- sides ------------------------------------------------------------------------------
    side_rule: str = _p(
        "choice", "even",
        "How new exposure splits between longs and shorts: 'even' 50/50; 'direction' tilts to "
        "the side of the candle's body (close-open)/(high-low); 'taker' to the taker-buy share "
        "2*taker_buy/volume-1 (needs taker-buy volume); 'funding' to the side paying funding, "
        "clip(rate/funding_ref, -1, 1) (needs funding).",
        choices=("even", "direction", "taker", "funding"), group="sides")
    side_skew: float = _p(
        "float", 0.2,
        "Largest tilt of the long share away from 50 % under the side rule: long share = "
        "0.5 + side_skew * signal, signal in [-1, 1]. Each side then gets 2 * share of the inflow.",
        unit="share", bounds=(0.0, 0.5), step=0.01, group="sides")
    funding_ref: float = _p(
        "float", 0.0001,
        "Funding rate per period at which the 'funding' side rule reaches full tilt.",
        unit="rate per period", bounds=(1e-6, 0.01), step=1e-5, log=True, group="sides")
    # -- entry prices -----------------------------------------------------------------------
    entry: str = _p(
        "choice", "range",
        "Where in the candle positions are opened: 'range' over [low, high] (uniform_points equal "
        "slices) with entry_body_share of the weight on the slices the body (open..close) covers, "
        "so entries are denser where the candle spent its time; 'uniform' over [low, high]; "
        "'close'; 'anchors' at open/high/low/close with entry_weights. Default 'range': with "
        "four anchors, 1h candles drew a few thin lines per candle instead of bands (issue 12).",
        choices=("range", "uniform", "close", "anchors"), group="entry")
    entry_weights: tuple = _p(
        "weights", (0.0, 1 / 3, 1 / 3, 1 / 3),
        "Weights of the open, high, low and close anchors for entry='anchors' (normalised). "
        "Default: the typical price (high, low, close).",
        labels=("open", "high", "low", "close"), bounds=(0.0, 1.0), step=0.05, group="entry")
    uniform_points: int = _p(
        "int", 4, "Number of equal slices of [low, high] (entries at their midpoints) for "
        "entry='range' and 'uniform'. Each slice is one deposit per tier per candle: more slices "
        "smooth the bands and cost time linearly.", unit="points", bounds=(2, 64), step=1,
        group="entry")
    entry_body_share: float = _p(
        "float", 0.5,
        "For entry='range': share of new notional opened on the part of the range the candle's "
        "body covers (spread over the slices in proportion to their overlap with open..close); "
        "the rest is spread evenly over [low, high]. 0 = 'uniform'.",
        unit="share", bounds=(0.0, 1.0), step=0.05, group="entry")
    # -- leverage ---------------------------------------------------------------------------
    leverage_mode: str = _p(
        "choice", "continuous",
        "Leverage distribution: 'continuous' (a lognormal with leverage_median and leverage_sigma "
        "truncated to [2x, the cap], represented by leverage_points points evenly spaced in log "
        "leverage from 2x to the cap, each weighted by the probability of its cell, so the cap "
        "itself carries the thin high-leverage tail; the cap is the smallest of max_leverage, the "
        "venue's maximum and the position's bracket maximum) or 'tiers' (leverage_tiers with "
        "leverage_weights, clipped to the same cap).",
        choices=("continuous", "tiers"), group="leverage")
    leverage_tiers: tuple = _p(
        "floats", (5.0, 10.0, 25.0, 50.0, 100.0), "Leverage of each tier.",
        unit="x", bounds=(1.1, 125.0), group="leverage")
    leverage_weights: tuple = _p(
        "weights", (0.25, 0.30, 0.20, 0.15, 0.10),
        "Share of new notional at each leverage tier (normalised). An assumption: no public "
        "source gives it; liquidated BitMEX traders averaged about 60x (Cheng et al. 2021).",
        labels=("5x", "10x", "25x", "50x", "100x"), bounds=(0.0, 1.0), step=0.05, group="leverage")
    leverage_median: float = _p(
        "float", 15.0,
        "Median leverage of new notional (before truncation) for leverage_mode='continuous'. "
        "Liquidated BitMEX traders averaged about 60x (Cheng et al. 2021), a population biased "
        "to high leverage; the median of all open notional is lower.",
        unit="x", bounds=(1.5, 125.0), step=0.5, log=True, group="leverage")
    leverage_sigma: float = _p(
        "float", 1.0, "Log-space standard deviation of the leverage lognormal.",
        bounds=(0.05, 2.5), step=0.05, group="leverage")
    leverage_points: int = _p(
        "int", 6,
        "Number of leverage points the continuous distribution is represented by (each is a "
        "population tier per position size).",
        unit="points", bounds=(1, 16), step=1, group="leverage")
    max_leverage: float = _p(
        "float", 125.0,
        "Largest leverage anyone holds. The venue's own maximum applies as well when the candles "
        "name their exchange (Binance BTCUSDT 125x, Bybit and OKX 100x, Hyperliquid 40x), and "
        "the position's bracket caps it (Binance: 100x above 50k USD, 50x above 250k, ...).",
        unit="x", bounds=(2.0, 125.0), step=1.0, log=True, group="leverage")
    # -- margin -----------------------------------------------------------------------------
    brackets: str = _p(
        "choice", DEFAULT_BRACKETS,
        "Maintenance-margin bracket table: a snapshot shipped in liqlab/model/brackets, or a path to "
        "a CSV of your own (liqlab.model.margin.load_brackets).",
        choices=tuple(shipped_brackets()), group="margin")
    position_usd: float = _p(
        "float", 20_000.0,
        "Median position notional: each position size picks its bracket (MMR, cum) of the exact "
        "liquidation price and its bracket's leverage cap.", unit="USD", bounds=(10.0, 5e8),
        step=1000.0, log=True, group="margin")
    size_points: int = _p(
        "int", 1,
        "Number of position sizes (equally likely quantiles of a lognormal around position_usd "
        "with size_sigma): large positions sit in higher brackets, closer to their entry, and "
        "cannot use the highest leverage. Default 1: two sizes changed no score on the embedded "
        "sets (docs/model.md) and cost twice the time.",
        unit="points", bounds=(1, 5), step=1, group="margin")
    size_sigma: float = _p(
        "float", 2.0, "Log-space standard deviation of position notional (0 = one size).",
        bounds=(0.0, 4.0), step=0.1, group="margin")
    # -- closing and decay ------------------------------------------------------------------
    close_policy: str = _p(
        "choice", "proportional",
        "When open interest falls by a fraction f, that fraction of each side's outstanding "
        "notional closes: 'proportional' (every level shrinks by f), 'oldest' first, or "
        "'nearest' to price first. 'oldest' keeps a record per deposit (memory grows with the "
        "data) and both others than proportional are slower.",
        choices=("proportional", "oldest", "nearest"), group="closing")
    decay_half_life_days: float = _p(
        "float", 14.0,
        "Half-life of a 10x position: outstanding notional at leverage L halves every "
        "decay_half_life_days * (10 / L) ** decay_leverage_exponent days (positions closed for "
        "reasons the net open interest does not show); 0 turns decay off. Default from the "
        "per-tier lifetimes of bendizziesmith/liqmap (14 days at 10x).",
        unit="days", bounds=(0.0, 3650.0), step=1.0, group="closing")
    decay_leverage_exponent: float = _p(
        "float", 1.4,
        "How fast lifetimes shorten with leverage (0 = one half-life for every tier). 1.4 gives "
        "about 13 hours at 100x, 3.8 days at 25x, 14 days at 10x and 75 days at 3x, close to "
        "liqmap's 12 h / 2-5 d / 14 d / 60 d.",
        bounds=(0.0, 3.0), step=0.1, group="closing")
    exit_rate: float = _p(
        "float", 0.1,
        "Exits before liquidation (stops, take-profits, top-ups): a level next to the price "
        "loses notional at this rate per hour, falling linearly to 0 at exit_distance. "
        "0 = nobody leaves early. On the embedded sets raising it lowers predicted / realised "
        "notional (9.0 at 0, 3.6 at 2 per hour on the 50 Hyperliquid days) but also the rank "
        "correlation (mean Spearman over the five set-sides 0.858 at 0, 0.855 at 0.1, 0.836 at "
        "0.5): 0.1 keeps the mechanism at no measurable cost in rank (docs/model.md).",
        unit="per hour", bounds=(0.0, 20.0), step=0.05, group="closing")
    exit_distance: float = _p(
        "float", 0.01,
        "How close (relative to the price) a level must be for its holders to start leaving; "
        "also how far the level noise reaches.",
        unit="share of price", bounds=(0.0005, 0.1), step=0.0005, log=True, group="closing")
    level_noise: float = _p(
        "float", 0.001,
        "Spread of effective liquidation prices around the exact one (fees and funding paid "
        "from margin, averaging down, margin shared in cross mode): a level a distance d beyond "
        "a candle's reach is liquidated with probability 0.5 * exp(-d / level_noise) (Laplace), "
        "within exit_distance. 0 = every level sits exactly at its formula price. Without it "
        "a calm hour reaches no level and the model predicts exactly zero, which on the embedded "
        "Binance 15m and 5m candles happened in 40 % of hours (realised liquidations occur in "
        "almost every hour, issue 12).",
        unit="share of price", bounds=(0.0, 0.02), step=0.0001, group="closing")
    # -- price grid -------------------------------------------------------------------------
    bin_mode: str = _p(
        "choice", "relative",
        "Price bins of fixed relative width (log spacing, edges at exp(k*bin_rel)) or fixed "
        "USD width (edges at k*bin_usd).", choices=("relative", "absolute"), group="grid")
    bin_rel: float = _p(
        "float", 0.001, "Relative bin width for bin_mode='relative' (0.001 = 0.1 %).",
        unit="log price", bounds=(1e-5, 0.05), step=1e-4, log=True, group="grid")
    bin_usd: float = _p(
        "float", 50.0, "Bin width for bin_mode='absolute'.", unit="USD", bounds=(1e-4, 1e5),
        step=1.0, log=True, group="grid")
    grid_range: float = _p(
        "float", 0.0,
        "0 (default): the grid covers every level the data needs. Otherwise it spans "
        "[p0 / grid_range, p0 * grid_range] around the first candle's open p0, and a level "
        "outside it is an error that says so. Bin edges are anchored (exp(k * bin_rel) or "
        "k * bin_usd), so the extent changes no value.",
        unit="x (0 = auto)", bounds=(0.0, 100.0), step=0.1, group="grid")
    # -- data -------------------------------------------------------------------------------
    oi_max_gap_hours: float = _p(
        "float", 6.0,
        "Open interest is carried forward (as-of); a candle whose latest open-interest value is "
        "older than this is an error.", unit="hours", bounds=(0.0, 1e5), step=1.0, group="data")

    # ---------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            spec = _spec_of(f)
            object.__setattr__(self, f.name, _check(spec, getattr(self, f.name)))
        if len(self.leverage_weights) != len(self.leverage_tiers):
            raise ValueError(f"leverage_weights has {len(self.leverage_weights)} entries but "
                             f"leverage_tiers has {len(self.leverage_tiers)}; give one weight per tier")
        if 0 < self.grid_range < 1.05:
            raise ValueError(f"ModelParams.grid_range = {self.grid_range!r}: use 0 (sized from the "
                             "data) or a factor of at least 1.05")
        if len(self.entry_weights) != 4:
            raise ValueError("entry_weights needs 4 weights: open, high, low, close")

    @classmethod
    def spec(cls) -> list[FieldSpec]:
        """The declaration of every parameter, as data (for sliders, CLI flags, the README)."""
        return [_spec_of(f) for f in dataclasses.fields(cls)]

    def replace(self, **changes) -> ModelParams:
        """A copy with ``changes`` applied (validated)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; see ModelParams.spec()")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def markdown_table(cls) -> str:
        """The parameters as a Markdown table (name, default, bounds or choices, unit, doc)."""
        rows = ["| parameter | default | range | unit | meaning |", "|---|---|---|---|---|"]
        for s in cls.spec():
            if s.choices:
                rng = " / ".join(f"`{c}`" for c in s.choices)
            elif s.bounds:
                rng = f"{_fmt(s.bounds[0])} .. {_fmt(s.bounds[1])}"
            else:
                rng = "true / false" if s.kind == "bool" else ""
            if s.kind == "weights" and s.labels:
                rng = f"{rng} each ({', '.join(s.labels)})"
            doc = s.doc.replace("|", "\\|")
            rows.append(f"| `{s.name}` | {_fmt(s.default)} | {rng} | {s.unit} | {doc} |")
        return "\n".join(rows)


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    if isinstance(v, float):
        return f"{v:.4g}" if v != int(v) or abs(v) >= 1e6 else f"{v:g}"
    if isinstance(v, str):
        return f"`{v}`"
    return str(v)


def _spec_of(f: dataclasses.Field) -> FieldSpec:
    m = f.metadata
    return FieldSpec(name=f.name, kind=m["kind"], default=f.default, doc=m["doc"], unit=m["unit"],
                     bounds=m["bounds"], step=m["step"], choices=m["choices"], labels=m["labels"],
                     log=m["log"], group=m["group"])


def _num(name: str, v: Any, integer: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not float(v).is_integer()):
        want = "an integer" if integer else "a number"
        raise ValueError(f"ModelParams.{name} must be {want}, got {v!r}")
    if not math.isfinite(v):
        raise ValueError(f"ModelParams.{name} must be finite, got {v!r}")
    return v


def _in_bounds(s: FieldSpec, v: float, what: str = "") -> None:
    lo, hi = s.bounds
    if not lo <= v <= hi:
        raise ValueError(f"ModelParams.{s.name}{what} = {v!r} is out of bounds [{lo:g}, {hi:g}] "
                         f"({s.unit or 'no unit'}): {s.doc.split('.')[0]}")


def _check(s: FieldSpec, v: Any) -> Any:
    if s.kind in ("float", "int"):
        v = _num(s.name, v, integer=s.kind == "int")
        v = int(v) if s.kind == "int" else float(v)
        _in_bounds(s, v)
        return v
    if s.kind == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"ModelParams.{s.name} must be True or False, got {v!r}")
        return v
    if s.kind == "choice":
        if s.name == "brackets" and isinstance(v, str) and v.endswith(".csv"):
            load_brackets(v)  # raises a clear ValueError if missing or inconsistent
            return v
        if v not in s.choices:
            extra = " or a path to a bracket CSV" if s.name == "brackets" else ""
            raise ValueError(f"ModelParams.{s.name} = {v!r} is not one of {list(s.choices)}{extra}")
        return v
    if s.kind in ("weights", "floats"):
        try:
            vals = tuple(_num(s.name, x) for x in v)
        except TypeError:
            raise ValueError(f"ModelParams.{s.name} must be a sequence of numbers, got {v!r}") from None
        if not vals:
            raise ValueError(f"ModelParams.{s.name} must not be empty")
        for i, x in enumerate(vals):
            _in_bounds(s, float(x), f"[{i}]")
        if s.kind == "weights" and sum(vals) <= 0:
            raise ValueError(f"ModelParams.{s.name} must have a positive sum, got {vals}")
        if s.kind == "floats" and len(set(vals)) != len(vals):
            raise ValueError(f"ModelParams.{s.name} must not repeat a value, got {vals}")
        return tuple(float(x) for x in vals)
    raise AssertionError(s.kind)
