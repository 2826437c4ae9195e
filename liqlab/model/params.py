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

from liqlab.model.margin import DEFAULT_BRACKETS, shipped_brackets

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
        "choice", "anchors",
        "Where in the candle positions are opened: 'close'; 'anchors' at open/high/low/close with "
        "entry_weights; 'uniform' over [low, high] (uniform_points equal slices).",
        choices=("close", "anchors", "uniform"), group="entry")
    entry_weights: tuple = _p(
        "weights", (0.0, 1 / 3, 1 / 3, 1 / 3),
        "Weights of the open, high, low and close anchors for entry='anchors' (normalised). "
        "Default: the typical price (high, low, close).",
        labels=("open", "high", "low", "close"), bounds=(0.0, 1.0), step=0.05, group="entry")
    uniform_points: int = _p(
        "int", 8, "Number of equal slices of [low, high] (entries at their midpoints) for "
        "entry='uniform'.", unit="points", bounds=(2, 64), step=1, group="entry")
    # -- leverage ---------------------------------------------------------------------------
    leverage_mode: str = _p(
        "choice", "tiers",
        "Leverage distribution: 'tiers' (leverage_tiers with leverage_weights) or 'lognormal' "
        "(lognormal_tiers equally likely quantiles of a lognormal with lognormal_median, "
        "lognormal_sigma, capped at the bracket's maximum).",
        choices=("tiers", "lognormal"), group="leverage")
    leverage_tiers: tuple = _p(
        "floats", (5.0, 10.0, 25.0, 50.0, 100.0), "Leverage of each tier.",
        unit="x", bounds=(1.1, 125.0), group="leverage")
    leverage_weights: tuple = _p(
        "weights", (0.25, 0.30, 0.20, 0.15, 0.10),
        "Share of new notional at each leverage tier (normalised). An assumption: no public "
        "source gives it; liquidated BitMEX traders averaged about 60x (Cheng et al. 2021).",
        labels=("5x", "10x", "25x", "50x", "100x"), bounds=(0.0, 1.0), step=0.05, group="leverage")
    lognormal_median: float = _p(
        "float", 20.0, "Median leverage of the lognormal.", unit="x", bounds=(1.5, 125.0),
        step=0.5, log=True, group="leverage")
    lognormal_sigma: float = _p(
        "float", 0.8, "Log-space standard deviation of the lognormal.", bounds=(0.05, 2.0),
        step=0.05, group="leverage")
    lognormal_tiers: int = _p(
        "int", 5, "Number of quantile tiers the lognormal is split into.", unit="tiers",
        bounds=(1, 12), step=1, group="leverage")
    # -- margin -----------------------------------------------------------------------------
    brackets: str = _p(
        "choice", DEFAULT_BRACKETS,
        "Maintenance-margin bracket table: a snapshot shipped in liqlab/model/brackets, or a path to "
        "a CSV of your own (liqlab.model.margin.load_brackets).",
        choices=tuple(shipped_brackets()), group="margin")
    position_usd: float = _p(
        "float", 10_000.0,
        "Representative position notional: picks the bracket (MMR, cum) of the exact "
        "liquidation price.", unit="USD", bounds=(10.0, 5e8), step=1000.0, log=True,
        group="margin")
    # -- closing and decay ------------------------------------------------------------------
    close_policy: str = _p(
        "choice", "proportional",
        "When open interest falls by a fraction f, that fraction of each side's outstanding "
        "notional closes: 'proportional' (every level shrinks by f), 'oldest' first, or "
        "'nearest' to price first. 'oldest' keeps a record per deposit (memory grows with the "
        "data) and both others than proportional are slower.",
        choices=("proportional", "oldest", "nearest"), group="closing")
    decay_half_life_days: float = _p(
        "float", 30.0,
        "Outstanding notional halves every this many days (positions closed for reasons the net "
        "open interest does not show); 0 turns decay off.",
        unit="days", bounds=(0.0, 3650.0), step=1.0, group="closing")
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
        "float", 2.0,
        "The grid spans [p0 / grid_range, p0 * grid_range] around the first candle's open p0 "
        "(never fitted to later prices); a price or level outside it is an error that says so.",
        unit="x", bounds=(1.05, 100.0), step=0.1, group="grid")
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
        if self.leverage_mode == "tiers" and len(self.leverage_weights) != len(self.leverage_tiers):
            raise ValueError(f"leverage_weights has {len(self.leverage_weights)} entries but "
                             f"leverage_tiers has {len(self.leverage_tiers)}; give one weight per tier")
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
            from liqlab.model.margin import load_brackets
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
