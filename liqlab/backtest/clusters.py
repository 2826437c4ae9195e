"""Clusters on a heatmap snapshot: local maxima of outstanding liquidation notional, above
an intensity quantile, within a band of distances from the current price.

Everything here sees one snapshot column and the price known at that column's time, so a
cluster found at time ``t`` uses data up to ``t`` only. Levels above the price are short
liquidation levels (``side='short'``), levels below it long ones (``side='long'``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["find_clusters", "clusters_frame"]


def _check_band(band: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(b) for b in band)
    if not (0 <= lo < hi):
        raise ValueError(f"band must be (near, far) log-distances with 0 <= near < far, got {band}")
    return lo, hi


def find_clusters(prices: np.ndarray, values: np.ndarray, price_now: np.ndarray, *,
                  quantile: float = 0.9, band: tuple[float, float] = (0.005, 0.05),
                  max_per_side: int | None = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clusters in each row of ``values`` (snapshots x price bins, USD, >= 0).

    A bin is a cluster when it is a local maximum along price (``>=`` its lower neighbour,
    ``>`` its upper one, so a plateau yields one bin), its log-distance ``d`` from
    ``price_now`` satisfies ``band[0] <= |d| <= band[1]``, and its value is positive and at
    least the ``quantile`` of the positive in-band values of its row. With ``max_per_side``
    only the strongest that many per side are kept. Returns (row, bin, strength_q) arrays,
    ``strength_q`` being the share of the row's positive in-band bins strictly below it.
    """
    if not 0 <= quantile < 1:
        raise ValueError(f"quantile must be in [0, 1), got {quantile}")
    near, far = _check_band(band)
    v = np.asarray(values, dtype=float)
    p = np.asarray(prices, dtype=float)
    now = np.asarray(price_now, dtype=float)
    if v.ndim != 2 or v.shape != (now.shape[0], p.shape[0]):
        raise ValueError(f"values must be (snapshots, bins) = ({now.shape[0]}, {p.shape[0]}), "
                         f"got {v.shape}")
    if np.any(~np.isfinite(v)) or np.any(v < 0):
        raise ValueError("heatmap values must be finite and non-negative USD")
    d = np.log(p[None, :] / now[:, None])
    ad = np.abs(d)
    ok = (ad >= near) & (ad <= far) & (v > 0)
    pad = np.full((v.shape[0], 1), -np.inf)
    left = np.concatenate([pad, v[:, :-1]], axis=1)
    right = np.concatenate([v[:, 1:], pad], axis=1)
    peak = ok & (v >= left) & (v > right)
    rows, bins, qs = [], [], []
    for r in np.flatnonzero(peak.any(axis=1)):
        pool = np.sort(v[r, ok[r]])
        thr = np.quantile(pool, quantile)
        cand = np.flatnonzero(peak[r] & (v[r] >= thr))
        if max_per_side is not None:
            keep = []
            for side in (d[r, cand] < 0, d[r, cand] > 0):
                c = cand[side]
                keep.append(c[np.argsort(-v[r, c], kind="stable")[:max_per_side]])
            cand = np.sort(np.concatenate(keep))
        rows.append(np.full(len(cand), r))
        bins.append(cand)
        qs.append(np.searchsorted(pool, v[r, cand], side="left") / len(pool))
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float)
    return np.concatenate(rows), np.concatenate(bins), np.concatenate(qs)


def clusters_frame(heatmap, snapshots: pd.DataFrame, *, quantile: float = 0.9,
                   band: tuple[float, float] = (0.005, 0.05),
                   max_per_side: int | None = 3) -> pd.DataFrame:
    """Tidy clusters of the heatmap columns listed in ``snapshots``.

    ``heatmap`` is the estimator's xarray Dataset (dims time, price; long_usd, short_usd);
    ``snapshots`` has one row per decision: ``column`` (position along ``time``), ``t0``
    (when that column is known) and ``price_now`` (last close known at ``t0``). Columns
    of the result: snapshot (row position in ``snapshots``), t0, price_now, level,
    distance (log(level / price_now)), side, strength (USD in the bin: long + short),
    strength_q, strength_rel (strength over the median positive in-band bin).
    """
    for var in ("long_usd", "short_usd"):
        if var not in heatmap:
            raise ValueError(f"heatmap has no variable {var!r}; expected the estimator's "
                             "Dataset with long_usd and short_usd over (time, price)")
    prices = np.asarray(heatmap["price"].values, dtype=float)
    cols = snapshots["column"].to_numpy(np.int64)
    total = (heatmap["long_usd"].transpose("time", "price").values[cols]
             + heatmap["short_usd"].transpose("time", "price").values[cols])
    now = snapshots["price_now"].to_numpy(float)
    rows, bins, q = find_clusters(prices, total, now, quantile=quantile, band=band,
                                  max_per_side=max_per_side)
    near, far = _check_band(band)
    d_all = np.abs(np.log(prices[None, :] / now[:, None]))
    inband = (d_all >= near) & (d_all <= far) & (total > 0)
    med = np.array([np.median(total[r, inband[r]]) if inband[r].any() else np.nan
                    for r in range(len(now))])
    level = prices[bins]
    dist = np.log(level / now[rows])
    out = pd.DataFrame({
        "snapshot": rows,
        "t0": snapshots["t0"].to_numpy()[rows],
        "price_now": now[rows],
        "level": level,
        "distance": dist,
        "side": np.where(dist > 0, "short", "long"),
        "strength": total[rows, bins],
        "strength_q": q,
        "strength_rel": total[rows, bins] / med[rows],
    })
    for col in ("sigma", "regime_vol", "regime_funding"):
        if col in snapshots.columns:
            out[col] = snapshots[col].to_numpy()[rows]
    return out
