"""A score for *where*, not only *when*: did the realised liquidations fall at the levels the
map ranked highest?

Per-event realised liquidations carry a price. For each candle that holds events, take the
map as it stood **before** that candle (the heatmap column of the previous candle: the state
after it, known before the candle opens; no lookahead) and the price bins the candle
crossed (its low .. high, widened to the events' own prices when a venue's prints fall just
outside the candles' range). Rank the crossed bins by the map's notional of the events'
side (long events on ``long_usd``, short events on ``short_usd``); the *top* bins are the
highest-ranked ``top`` share of them (ties share membership fractionally). The score is the
share of the realised notional that fell in the top bins, against:

* the **path null** (:func:`.baselines.path_null`: the same kernel and params with a
  constant inflow and no open interest) ranking its own crossed bins the same way;
* **even spread**: the realised notional spread evenly over the crossed price range, whose
  share in the model's top bins is their share of the crossed width (about ``top``).

Intervals: paired circular block bootstrap over hours (the events of an hour stay
together), blocks from :func:`liqlab.stats.default_block`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqlab import stats
from liqlab._time import bar_size
from liqlab.model.estimator import estimate
from liqlab.model.params import ModelParams
from liqlab.reports import markdown_table, row_interval

from .baselines import path_null
from .sets import load_set

__all__ = ["where_units", "where_score", "WhereReport", "where_set", "WHERE_SETS",
           "where_markdown", "where_sentences"]

#: the embedded per-event realised sets (names of :data:`.sets.SETS`)
WHERE_SETS = ("okx_2026_03", "hyperliquid_2025_05")


def _membership(v: np.ndarray, k: float) -> np.ndarray:
    """Fractional membership of each bin in the top ``k`` by value (ties share)."""
    n = v.size
    order = np.sort(v)[::-1]
    kk = int(math.ceil(k)) if k > 0 else 0
    if kk <= 0:
        return np.zeros(n)
    thr = order[min(kk, n) - 1]
    gt, eq = v > thr, v == thr
    m = gt.astype(float)
    room = k - gt.sum()
    if eq.any() and room > 0:
        m[eq] = min(1.0, room / eq.sum())
    return m


def where_units(candles: pd.DataFrame, events: pd.DataFrame, maps: dict, *, top: float = 0.2
                ) -> pd.DataFrame:
    """One row per (event candle, side): realised notional ``real``, the part in the top
    bins of each map in ``maps`` (name -> heatmap Dataset with one column per candle, as
    from ``estimate(..., step=<the bar>)``) as ``top_<name>``, the even-spread part
    ``top_even`` (in the first map's top bins), and the number of crossed bins."""
    if not 0 < top < 1:
        raise ValueError(f"top must be a share between 0 and 1, got {top}")
    ct = candles.index.as_unit("ns").asi8
    et = events.index.as_unit("ns").asi8
    bar = bar_size(candles).value
    pos = np.searchsorted(ct, et, side="right") - 1
    inside = (pos >= 1) & (et < ct[-1] + bar)
    if not inside.all():
        raise ValueError(f"{int((~inside).sum())} event(s) fall outside the candles (or in their "
                         "first candle, which has no map before it); give candles spanning the "
                         "events with a warm-up before them")
    first = next(iter(maps.values()))
    lower = first["price_lower"].to_numpy().astype(float)
    upper = first["price_upper"].to_numpy().astype(float)
    width = upper - lower
    cols = {}
    for name, hm in maps.items():
        times = hm.indexes["time"].as_unit("ns").asi8
        if not np.array_equal(hm["price_lower"].to_numpy().astype(float), lower):
            raise ValueError(f"map {name!r} has another price grid than the first map")
        cols[name] = (times, hm)
    lo_c, hi_c = candles["low"].to_numpy(float), candles["high"].to_numpy(float)
    ev = pd.DataFrame({"pos": pos, "side": events["side"].to_numpy(), "price": events["price"].to_numpy(float),
                       "usd": events["usd"].to_numpy(float)})
    rows = []
    for (p, side), g in ev.groupby(["pos", "side"], sort=True):
        lo = min(lo_c[p], g["price"].min())
        hi = max(hi_c[p], g["price"].max())
        crossed = np.flatnonzero((upper > lo) & (lower <= hi))
        if crossed.size == 0:
            raise ValueError(f"the candle at {candles.index[p]} crosses no bin of the map's grid; "
                             "widen ModelParams.grid_range")
        b = np.searchsorted(upper[crossed], g["price"].to_numpy(), side="right")
        b = np.minimum(b, crossed.size - 1)
        real = g["usd"].to_numpy()
        row = {"time": candles.index[p], "side": side, "events": len(g), "real": real.sum(),
               "bins": crossed.size}
        k = top * crossed.size
        w = width[crossed]
        for i, (name, (times, hm)) in enumerate(cols.items()):
            j = np.searchsorted(times, ct[p - 1])
            if j >= times.size or times[j] != ct[p - 1]:
                raise ValueError(f"map {name!r} has no column at {candles.index[p - 1]} (the "
                                 "candle before an event); estimate with step=<the candles' bar> "
                                 "and start before the first event")
            v = hm[f"{side}_usd"].isel(time=j).to_numpy()[crossed].astype(float)
            m = _membership(v, k)
            row[f"top_{name}"] = float((m[b] * real).sum())
            if i == 0:
                row["top_even"] = float(real.sum() * (m * w).sum() / w.sum())
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class WhereReport:
    """``units``: per (event candle, side) realised notional and the parts in the top bins;
    ``scores``: per side (and 'both') the share in the model's, the path null's and the
    even-spread top bins, the paired differences, with 95% intervals."""
    units: pd.DataFrame
    scores: pd.DataFrame
    meta: dict = field(default_factory=dict)


def _ratio(x, r):
    with np.errstate(divide="ignore", invalid="ignore"):
        return x.sum(axis=1) / r.sum(axis=1)


def where_score(candles: pd.DataFrame, events: pd.DataFrame, params=None, *, oi=None,
                funding=None, top: float = 0.2, n_boot: int = 1000, block: int | None = None,
                seed: int = 0) -> WhereReport:
    """Estimate the model and the path null with ``params`` on ``candles`` (+ ``oi``,
    ``funding``), one heatmap column per candle from the candle before the first event, and
    score where the per-event realised liquidations ``events`` fell (see the module doc)."""
    params = params or ModelParams()
    if len(events) == 0:
        raise ValueError("events: no rows")
    bar = bar_size(candles)
    ct = candles.index
    p0 = int(np.searchsorted(ct.as_unit("ns").asi8, events.index[0].as_unit("ns").value, side="right")) - 1
    if p0 < 1:
        raise ValueError("the first event is in the first candle (or before it): give candles "
                         "with a warm-up before the events")
    start = ct[p0 - 1]
    kw = dict(step=bar, start=start, max_columns=len(ct) - (p0 - 1) + 1, per_tier=False)
    model = estimate(candles, oi=oi, params=params, funding=funding, **kw)
    null = path_null(candles, params, funding=funding, **kw)
    units = where_units(candles, events, {"model": model.heatmap, "path_null": null.heatmap}, top=top)
    hour = units["time"].dt.floor("1h")
    rows = []
    for side in [s for s in ("long", "short") if (units["side"] == s).any()] + (
            ["both"] if units["side"].nunique() == 2 else []):
        u = units if side == "both" else units[units["side"] == side]
        h = u.groupby(hour[u.index])[["real", "top_model", "top_path_null", "top_even"]].sum()
        n = len(h)
        if n < 2:
            raise ValueError(f"{side}: events in {n} hour(s); too few to bootstrap")
        blk = block or stats.default_block(n, 24)
        idx = stats.block_indices(n, blk, n_boot, np.random.default_rng(seed))
        R = h["real"].to_numpy()
        row = {"side": side, "events": int(u["events"].sum()), "candles": int(u["time"].nunique()),
               "hours": n, "realised_usd": float(R.sum()), "mean_bins_crossed": float(u["bins"].mean()),
               "top": top, "block_hours": blk}
        for name in ("model", "path_null", "even"):
            est, lo, hi = stats.block_bootstrap(_ratio, h[f"top_{name}"].to_numpy(), R, block=blk, idx=idx)
            row.update({f"share_{name}": est, f"share_{name}_lo": lo, f"share_{name}_hi": hi})
        for other in ("path_null", "even"):
            d = stats.paired_block_bootstrap(_ratio, h["top_model"].to_numpy(),
                                             h[f"top_{other}"].to_numpy(), R, block=blk, idx=idx)
            row.update({f"model_minus_{other}": d["estimate"], f"model_minus_{other}_lo": d["lo"],
                        f"model_minus_{other}_hi": d["hi"], f"model_minus_{other}_p": d["p_value"]})
        rows.append(row)
    meta = {"bar": pd.tseries.frequencies.to_offset(bar).freqstr, "top": top, "first_map_column": str(start),
            "params": params.to_dict()}
    return WhereReport(units=units, scores=pd.DataFrame(rows), meta=meta)


def where_set(name: str, params=None, *, top: float = 0.2, n_boot: int = 1000,
              seed: int = 0) -> WhereReport:
    """:func:`where_score` on an embedded per-event set (:data:`WHERE_SETS`), with its
    candles, open interest and funding as :func:`.report.validate_set` uses them."""
    if name not in WHERE_SETS:
        raise ValueError(f"{name!r} has no per-event realised liquidations; use one of "
                         f"{', '.join(WHERE_SETS)}")
    d = load_set(name)
    params = params or ModelParams()
    params = params.replace(oi_max_gap_hours=max(params.oi_max_gap_hours, d["spec"].max_oi_gap_hours))
    rep = where_score(d["candles"], d["realised"], params, oi=d["oi"], funding=d["funding"],
                      top=top, n_boot=n_boot, seed=seed)
    rep.meta["set"] = name
    return rep


def where_markdown(scores: pd.DataFrame) -> str:
    """The where-score table as Markdown."""
    rows = [[r["side"], f"{r['events']} ({r['candles']}, {r['hours']})", f"{r['mean_bins_crossed']:.1f}",
             *(row_interval(r, k, "{:.0%}") for k in ("share_model", "share_path_null", "share_even")),
             *(row_interval(r, k, "{:+.2f}") for k in ("model_minus_path_null", "model_minus_even"))]
            for _, r in scores.iterrows()]
    return markdown_table(["side", "events (candles, hours)", "bins crossed (mean)",
                           "share in model's top bins", "path null's", "even spread",
                           "model - path null", "model - even"], rows)


def where_sentences(name: str, rep: WhereReport) -> list[str]:
    """One plain sentence per side of a where-score."""
    out = []
    for _, r in rep.scores.iterrows():
        out.append(f"{name}, where ({r['side']}, {r['events']} events): "
                   f"{r['share_model']:.0%} of the realised notional fell in the model's top "
                   f"{r['top']:.0%} of the crossed bins ({r['share_model_lo']:.0%} to "
                   f"{r['share_model_hi']:.0%}); path null {r['share_path_null']:.0%}, even spread "
                   f"{r['share_even']:.0%}; model - path null {r['model_minus_path_null']:+.2f} "
                   f"({r['model_minus_path_null_lo']:+.2f} to {r['model_minus_path_null_hi']:+.2f}), "
                   f"model - even {r['model_minus_even']:+.2f} ({r['model_minus_even_lo']:+.2f} to "
                   f"{r['model_minus_even_hi']:+.2f}).")
    return out
