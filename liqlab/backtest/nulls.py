"""Null models for the magnet test: what would happen if the map carried no information.

- :func:`brownian_touch_probability`: for driftless Brownian motion in log price with
  volatility ``sigma`` per square-root unit of time, the chance of touching a level at
  log-distance ``d`` within time ``T`` is ``2 * (1 - Phi(d / (sigma * sqrt(T))))``
  (reflection principle). Candle highs and lows are the path's true extremes, so the
  continuous-monitoring formula is the right one for candle data. A path watched only at
  ``n`` discrete steps touches less often: :func:`discrete_touch_probability` applies the
  Broadie-Glasserman-Kou continuity correction (shift the barrier out by
  ``0.5826 * sigma * sqrt(T / n)``).
- :func:`realised_volatility`: trailing close-to-close volatility known at each candle's
  close (no lookahead).
- :func:`opposite_controls` and :func:`random_controls`: levels at the same distance as
  each cluster, on the other side of price, or at a jittered distance on a random side.
- :func:`shuffle_snapshots`: heatmaps shuffled in time: each snapshot gets the clusters
  of another snapshot, kept at their distances from *that* snapshot's price and placed
  around the current price (the map's usual shape, without its timing).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

__all__ = ["BGK_BETA", "brownian_touch_probability", "discrete_touch_probability",
           "realised_volatility", "opposite_controls", "random_controls", "shuffle_snapshots"]

#: Broadie-Glasserman-Kou constant, -zeta(1/2)/sqrt(2*pi)
BGK_BETA = 0.5825971579390107


def brownian_touch_probability(distance, sigma, horizon) -> np.ndarray:
    """``2 * (1 - Phi(|d| / (sigma * sqrt(T))))``: the chance that driftless Brownian motion
    (in log price) touches a level at log-distance ``d`` within ``T``.

    ``sigma`` is the volatility per square-root unit of the unit ``horizon`` is given in
    (e.g. per sqrt(day) with ``horizon`` in days). Arrays broadcast. A zero distance gives 1;
    zero volatility gives 0 for any positive distance.
    """
    d = np.abs(np.asarray(distance, dtype=float))
    s = np.asarray(sigma, dtype=float) * np.sqrt(np.asarray(horizon, dtype=float))
    if np.any(s < 0) or np.any(~np.isfinite(s)):
        raise ValueError("sigma and horizon must be finite and non-negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, d / np.where(s > 0, s, 1.0), np.where(d > 0, np.inf, 0.0))
    return 2.0 * ndtr(-z)


def discrete_touch_probability(distance, sigma, horizon, n_steps: int) -> np.ndarray:
    """Touch probability when the path is observed only at ``n_steps`` equal steps within
    ``horizon``: the continuous formula with the barrier shifted out by
    ``BGK_BETA * sigma * sqrt(horizon / n_steps)`` (Broadie, Glasserman and Kou 1997)."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    d = np.abs(np.asarray(distance, dtype=float))
    shift = BGK_BETA * np.asarray(sigma, float) * np.sqrt(np.asarray(horizon, float) / n_steps)
    return brownian_touch_probability(d + shift, sigma, horizon)


def realised_volatility(candles: pd.DataFrame, window: int) -> pd.Series:
    """Trailing standard deviation of log close-to-close returns over ``window`` returns,
    per square-root bar. The value at a candle uses that candle's close and earlier ones
    only, so it is known when the candle closes. NaN until ``window`` returns exist."""
    if window < 2:
        raise ValueError(f"the volatility window needs at least 2 returns, got {window}")
    r = np.log(candles["close"].astype(float)).diff()
    return r.rolling(window, min_periods=window).std(ddof=1).rename("sigma_bar")


def opposite_controls(events: pd.DataFrame) -> pd.DataFrame:
    """One control per event: the level at the same log-distance on the other side of the
    price (``level = price * exp(-distance)``)."""
    out = events.copy()
    out["distance"] = -events["distance"].to_numpy(float)
    out["level"] = events["price_now"].to_numpy(float) * np.exp(out["distance"].to_numpy())
    out["side"] = np.where(out["distance"] > 0, "short", "long")
    return out


def random_controls(events: pd.DataFrame, n: int, seed: int = 0,
                    jitter: float = 0.1) -> pd.DataFrame:
    """``n`` controls per event at log-distance ``|d| * exp(U(-jitter, jitter))`` on a side
    drawn at random: distance-matched levels that the map did not choose.

    The draws for a snapshot come from a generator seeded with ``(seed, t0)``, so the
    controls at time ``t0`` do not depend on how many events come later (no lookahead).
    """
    if n < 1:
        raise ValueError(f"n random controls per event must be >= 1, got {n}")
    rep = events.loc[events.index.repeat(n)].reset_index(drop=True)
    t = pd.DatetimeIndex(rep["t0"]).as_unit("ns").asi8
    u = np.empty(len(rep))
    side = np.empty(len(rep))
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]]) if len(t) else np.empty(0, int)
    ends = np.r_[starts[1:], len(t)]
    for a, b in zip(starts, ends):
        rng = np.random.default_rng([seed, int(t[a]) & 0x7FFFFFFFFFFFFFFF])
        u[a:b] = rng.uniform(-jitter, jitter, b - a)
        side[a:b] = np.where(rng.random(b - a) < 0.5, -1.0, 1.0)
    d = np.abs(rep["distance"].to_numpy(float)) * np.exp(u)
    rep["distance"] = side * d
    rep["level"] = rep["price_now"].to_numpy(float) * np.exp(rep["distance"].to_numpy())
    rep["side"] = np.where(side > 0, "short", "long")
    return rep


def shuffle_snapshots(clusters: pd.DataFrame, snapshots: pd.DataFrame,
                      rng: np.random.Generator) -> pd.DataFrame:
    """Clusters of a time-shuffled map: snapshot ``k`` receives the clusters found at snapshot
    ``perm[k]`` (a random permutation), at their log-distances from the price of that
    snapshot, re-anchored on the price of snapshot ``k``.

    ``clusters`` needs ``snapshot`` (position in ``snapshots``), ``distance``, ``strength``
    and other per-cluster columns; ``snapshots`` needs ``t0`` and ``price_now``.
    """
    k = len(snapshots)
    perm = rng.permutation(k)
    inverse = np.empty(k, np.int64)
    inverse[perm] = np.arange(k)  # clusters of snapshot s go to snapshot inverse[s]
    out = clusters.copy()
    dest = inverse[clusters["snapshot"].to_numpy(np.int64)]
    out["snapshot"] = dest
    out["t0"] = snapshots["t0"].to_numpy()[dest]
    out["price_now"] = snapshots["price_now"].to_numpy(float)[dest]
    out["level"] = out["price_now"].to_numpy() * np.exp(out["distance"].to_numpy(float))
    for col in ("sigma", "regime_vol", "regime_funding"):
        if col in snapshots.columns and col in out.columns:
            out[col] = snapshots[col].to_numpy()[dest]
    return out.sort_values(["snapshot", "distance"], kind="stable").reset_index(drop=True)
