"""The magnet-zone event study: do the heatmap's clusters attract price more than levels at
the same distance that the map did not pick?

At each snapshot (a heatmap column, at the time it is known, with the last close known
then), clusters are found (:mod:`.clusters`); each becomes an event whose outcome is a
touch within the horizon (:mod:`.touch`). Every cluster is compared with the nulls of
:mod:`.nulls`: the analytic Brownian touch probability at the same distance with the
realised volatility known at the snapshot, the level mirrored on the other side of price,
random distance-matched levels, and the clusters of the same map shuffled in time.
:func:`event_study` returns a :class:`StudyResult` holding the tidy events; its methods
compute lift tables with block-bootstrap intervals, broken down by any column.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from liqlab import indicators
from liqlab.stats import unit_sums_bootstrap

from . import metrics
from .clusters import clusters_frame
from .nulls import (brownian_touch_probability, opposite_controls, random_controls,
                    realised_volatility, shuffle_snapshots)
from .touch import bar_size, first_touch, ns

__all__ = ["StudyConfig", "StudyResult", "snapshot_table", "event_study", "NULLS"]

#: the nulls every cluster is compared with
NULLS = ("brownian", "opposite", "random", "shuffled")


@dataclass(frozen=True)
class StudyConfig:
    """Parameters of the event study (all have defaults; see each field's comment)."""
    horizon: str = "1D"                 # touch window after the snapshot
    quantile: float = 0.9               # cluster: at least this quantile of in-band bins
    band: tuple[float, float] = (0.005, 0.05)   # |log-distance| from price, near..far
    max_per_side: int = 3               # strongest clusters kept per side and snapshot
    every: int = 1                      # use every k-th heatmap column as a snapshot
    vol_window: str = "3D"              # trailing realised-volatility window
    regime_window: str = "30D"          # trailing window for the volatility regime median
    n_random: int = 5                   # random distance-matched controls per cluster
    jitter: float = 0.1                 # random controls: |d| * exp(U(-jitter, jitter))
    n_shuffles: int = 3                 # time-shuffled copies of the map
    seed: int = 0
    block: str = "1D"                   # bootstrap block: events grouped by this time span
    n_boot: int = 1000
    distance_edges: tuple[float, ...] = (0.005, 0.01, 0.02, 0.03, 0.05)
    strength_edges: tuple[float, ...] = (0.0, 2.0, 5.0, np.inf)  # strength_rel bins
    round_step: float = 1000.0          # confluence: round-number levels every this many USD
    round_tol: float = 0.001            # ... within this relative distance
    rsi_period: int = 14                # the chart's RSI (Wilder) and divergences
    divergence_order: int = 5           # pivot order, as on the chart's RSI panel
    divergence_max_bars: int = 60       # pivots at most this many bars apart, as on the chart
    divergence_window: int = 48         # a divergence counts for this many bars after it is confirmed

    def __post_init__(self):
        if pd.Timedelta(self.horizon) <= pd.Timedelta(0):
            raise ValueError(f"horizon must be positive, got {self.horizon}")
        if self.every < 1 or self.n_random < 1 or self.n_shuffles < 0 or self.n_boot < 10:
            raise ValueError("every >= 1, n_random >= 1, n_shuffles >= 0 and n_boot >= 10 required")


def divergence_state(candles: pd.DataFrame, config: "StudyConfig") -> pd.Series:
    """Per bar: +1 when the latest RSI divergence confirmed within the last
    ``config.divergence_window`` bars (the bar itself included) is bullish, -1 when bearish, 0
    when none. The divergences are the chart's (:func:`liqlab.indicators.divergences`, Wilder's
    RSI, pivots of ``config.divergence_order`` bars), each counted from the bar at which its
    second pivot is confirmed, so a bar uses only data up to itself."""
    r = indicators.rsi(candles["close"].astype(float), config.rsi_period)
    div = indicators.divergences(candles, r, config.rsi_period, config.divergence_order,
                                 config.divergence_max_bars)
    out = np.zeros(len(candles), np.int8)
    if len(div):
        sign = np.where(div["kind"].to_numpy() == "bullish", 1, -1).astype(np.int8)
        at = np.searchsorted(candles.index.to_numpy(), div.index.to_numpy())  # confirmation bars
        for i, s in zip(at, sign):   # later divergences overwrite earlier ones
            out[i:i + config.divergence_window] = s
    return pd.Series(out, index=candles.index, name="rsi_divergence")


def _bars(span: str, bar: pd.Timedelta) -> int:
    return max(2, int(pd.Timedelta(span) / bar))


def snapshot_table(heatmap, candles: pd.DataFrame, config: StudyConfig,
                   known_at=None, funding: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per usable snapshot: column, t0 (when the column is known), price_now (last
    close known at t0), sigma (realised volatility per sqrt bar known at t0), regime_vol
    ('high'/'low' against its trailing median), regime_funding ('extreme'/'normal'/'n/a'),
    rsi_divergence (+1/-1/0).

    ``known_at`` gives, per heatmap column, the time from which it is known; by default
    :func:`column_known_at` (from the heatmap's attrs). Snapshots without a closed candle or a volatility estimate yet
    (warm-up) are left out; their number is in ``df.attrs['skipped_warmup']``.
    """
    bar = bar_size(candles)
    t = column_known_at(heatmap, bar) if known_at is None else pd.DatetimeIndex(known_at)
    cols = np.arange(0, len(t), config.every)
    t0 = t[cols]
    close_time = ns(candles.index) + bar.value
    last = np.searchsorted(close_time, ns(t0), side="right") - 1  # last candle closed by t0
    sigma = realised_volatility(candles, _bars(config.vol_window, bar))
    sig_med = sigma.rolling(_bars(config.regime_window, bar),
                            min_periods=_bars(config.vol_window, bar)).median()
    div = divergence_state(candles, config)
    ok = last >= 0
    ok[ok] &= np.isfinite(sigma.to_numpy()[last[ok]])
    li = last[ok]
    snaps = pd.DataFrame({
        "column": cols[ok],
        "t0": t0[ok],
        "price_now": candles["close"].to_numpy(float)[li],
        "sigma": sigma.to_numpy()[li],
        "regime_vol": np.where(sigma.to_numpy()[li] > sig_med.to_numpy()[li], "high", "low"),
        "rsi_divergence": div.to_numpy()[li],
    })
    snaps["regime_funding"] = _funding_regime(funding, snaps["t0"])
    snaps.attrs["skipped_warmup"] = int((~ok).sum())
    return snaps.reset_index(drop=True)


def _funding_regime(funding: pd.DataFrame | None, t0: pd.Series) -> np.ndarray:
    """'extreme' when the last funding rate known at t0 is beyond the trailing 90th
    percentile of |rate| over the previous 90 funding events; 'n/a' without funding."""
    if funding is None or len(funding) == 0:
        return np.full(len(t0), "n/a", dtype=object)
    a = funding["rate"].abs().astype(float)
    thr = a.shift(1).rolling(90, min_periods=30).quantile(0.9)
    flag = np.where(thr.isna(), "n/a", np.where(a > thr, "extreme", "normal"))
    pos = np.searchsorted(ns(funding.index), ns(t0), side="right") - 1
    return np.where(pos >= 0, flag[np.clip(pos, 0, None)], "n/a").astype(object)


def column_known_at(heatmap, bar: pd.Timedelta) -> pd.DatetimeIndex:
    """When each heatmap column is known (the first time a decision may use it).

    The estimator stamps a column with its *start* and stores the state after the last
    candle opening inside ``[time, time + step)`` (``attrs['time_is']`` says so and
    ``attrs['step']`` gives the step): that column is known at ``time + step``, when its
    last candle has closed. A hand-built map may set ``attrs['column_label']``: ``'known'``
    (the stamp is the time it is known), ``'last_open'`` (the stamp is the open time of the
    column's last candle: known one bar later) or ``'start'`` (as the estimator; needs
    ``attrs['step']``). A map with none of these attributes is an error, since using a
    column before it is known would be lookahead.
    """
    t = pd.DatetimeIndex(heatmap.indexes["time"])
    t = t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")
    label = heatmap.attrs.get("column_label")
    if label is None and str(heatmap.attrs.get("time_is", "")).startswith("column start"):
        label = "start"
    if label == "known":
        return t
    if label == "last_open":
        return t + bar
    if label == "start":
        if "step" not in heatmap.attrs:
            raise ValueError("heatmap columns are stamped at their start but attrs['step'] is "
                             "missing; set it (e.g. '1h') so the study knows when a column is known")
        return t + pd.Timedelta(heatmap.attrs["step"])
    raise ValueError("cannot tell when each heatmap column is known: expected the estimator's "
                     "attrs (time_is, step) or attrs['column_label'] in 'known', 'last_open', "
                     f"'start'; got column_label={label!r}")


def _annotate(ev: pd.DataFrame, cfg: StudyConfig) -> pd.DataFrame:
    """Grouping columns computed from each cluster's own data (inherited by its controls)."""
    ad = np.abs(ev["distance"].to_numpy(float))
    e = np.asarray(cfg.distance_edges)
    k = np.clip(np.searchsorted(e, ad, side="right") - 1, 0, len(e) - 2)
    ev["distance_band"] = [f"{e[i]:.1%}-{e[i + 1]:.1%}" for i in k]
    s = np.asarray(cfg.strength_edges, float)
    rel = ev["strength_rel"].to_numpy(float)
    j = np.clip(np.searchsorted(s, rel, side="right") - 1, 0, len(s) - 2)
    ev["strength_band"] = [f"{s[i]:g}-{s[i + 1]:g}x median" for i in j]
    lvl = ev["level"].to_numpy(float)
    near_round = np.abs(lvl / cfg.round_step - np.round(lvl / cfg.round_step)) * cfg.round_step
    ev["round_number"] = near_round <= cfg.round_tol * lvl
    div = ev["rsi_divergence"].to_numpy()
    ev["rsi_confluence"] = ((ev["side"] == "long").to_numpy() & (div == -1)) | \
                           ((ev["side"] == "short").to_numpy() & (div == 1))
    return ev


@dataclass
class StudyResult:
    """Events of one event study, and tables computed from them.

    ``events`` has one row per (snapshot, level, kind) with kind in 'cluster', 'opposite',
    'random', 'shuffled'; ``snapshots`` the decisions; ``directional`` per-snapshot mass
    imbalance and next move; ``config`` the parameters.
    """
    events: pd.DataFrame
    snapshots: pd.DataFrame
    directional: pd.DataFrame
    config: StudyConfig
    meta: dict = field(default_factory=dict)

    def scored(self) -> pd.DataFrame:
        """Events whose horizon is complete (censored ones cannot be scored)."""
        return self.events[self.events["complete"]]

    def lift(self, null: str = "random", by: str | list[str] | None = None) -> pd.DataFrame:
        """Cluster hit rate against a null, per group of ``by``, with block-bootstrap CI."""
        return lift_table(self.scored(), null, by, self.config)

    def summary(self) -> pd.DataFrame:
        """One row per null: clusters' hit rate, the null's rate, lift with 95% CI, p-value
        (one-sided, bootstrap share of lifts <= 1), Brier and AUC of the Brownian forecast."""
        rows = [lift_table(self.scored(), n, None, self.config).assign(null=n) for n in NULLS]
        out = pd.concat(rows, ignore_index=True)
        sc = self.scored()
        cl = sc[sc["kind"] == "cluster"]
        out["brier_brownian_clusters"] = metrics.brier(cl["p_brownian"], cl["touched"])
        out["auc_brownian_clusters"] = metrics.auc(cl["p_brownian"], cl["touched"])
        out["auc_strength_clusters"] = metrics.auc(cl["strength_rel"], cl["touched"])
        return out.set_index("null")

    def reliability(self, bins: int = 10) -> pd.DataFrame:
        """Reliability of the Brownian forecast for clusters and for random controls: if the
        clusters are magnets, they sit above the diagonal while the controls do not."""
        sc = self.scored()
        parts = []
        for kind in ("cluster", "random"):
            e = sc[sc["kind"] == kind]
            parts.append(metrics.reliability_table(e["p_brownian"], e["touched"], bins)
                         .assign(kind=kind))
        return pd.concat(parts, ignore_index=True)

    def lead_times(self) -> pd.DataFrame:
        """Quantiles of the time to touch for touched events, per kind."""
        sc = self.scored()
        return pd.DataFrame({k: metrics.lead_time_quantiles(g["time_to_touch"])
                             for k, g in sc.groupby("kind")})

    def directional_test(self) -> pd.DataFrame:
        """Does the side with more nearby mass predict the sign of the next move? Per source
        ('map' and 'shuffled'): share of snapshots where sign(imbalance) = sign(move), and
        Spearman(imbalance, move), with block-bootstrap CIs (a share of 0.5 is no skill)."""
        return directional_table(self.directional, self.config)


def _units(t0: pd.Series, block: str) -> np.ndarray:
    return ns(pd.DatetimeIndex(t0).floor(pd.Timedelta(block)))


def lift_table(events: pd.DataFrame, null: str, by, cfg: StudyConfig) -> pd.DataFrame:
    """Clusters against one null. For 'brownian' the null rate is the mean Brownian touch
    probability of the clusters themselves; otherwise the hit rate of that kind of control.
    Lift = cluster rate / null rate; 95% CI and one-sided p-value from a block bootstrap
    over time blocks of ``cfg.block``."""
    if null not in NULLS:
        raise ValueError(f"unknown null {null!r}; expected one of {NULLS}")
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    cl = events[events["kind"] == "cluster"]
    if null == "brownian":
        nu = cl.assign(touched=cl["p_brownian"])
    else:
        nu = events[events["kind"] == null]
    groups = [((), cl, nu)] if not by else [
        (key if isinstance(key, tuple) else (key,), g,
         nu[(nu[by] == pd.Series(key if isinstance(key, tuple) else (key,), index=by)).all(axis=1)])
        for key, g in cl.groupby(by, sort=True)]
    rows = []
    for key, c, n in groups:
        units = np.union1d(_units(c["t0"], cfg.block), _units(n["t0"], cfg.block))
        s = np.zeros((len(units), 4))
        for j, frame in enumerate((c, n)):
            if len(frame):
                u = np.searchsorted(units, _units(frame["t0"], cfg.block))
                np.add.at(s[:, 2 * j], u, frame["touched"].to_numpy(float))
                np.add.at(s[:, 2 * j + 1], u, 1.0)
        rows.append({**dict(zip(by, key)), "n_clusters": len(c), "n_null": len(n),
                     "hit_clusters": metrics.hit_rate(c["touched"]),
                     "hit_null": float(n["touched"].mean()) if len(n) else np.nan,
                     **metrics.lift_interval(s, n_boot=cfg.n_boot, seed=cfg.seed),
                     "n_blocks": len(units)})
    return pd.DataFrame(rows)


def directional_table(d: pd.DataFrame, cfg: StudyConfig) -> pd.DataFrame:
    """See :meth:`StudyResult.directional_test`."""
    rows = []
    for src, g in d[d["complete"]].groupby("source", sort=True):
        g = g[(g["imbalance"] != 0) & np.isfinite(g["imbalance"]) & (g["move"] != 0)]
        if len(g) == 0:
            rows.append({"source": src, "n": 0})
            continue
        agree = (np.sign(g["imbalance"]) == np.sign(g["move"])).to_numpy(float)
        units = _units(g["t0"], cfg.block)
        uu, inv = np.unique(units, return_inverse=True)
        s = np.zeros((len(uu), 2))
        np.add.at(s[:, 0], inv, agree)
        np.add.at(s[:, 1], inv, 1.0)
        est, lo, hi = unit_sums_bootstrap(s, lambda x: x[:, 0] / x[:, 1], block=1,
                                          n_boot=cfg.n_boot, seed=cfg.seed)
        rows.append({"source": src, "n": len(g), "sign_agreement": est, "lo": lo, "hi": hi,
                     "spearman": metrics.spearman(g["imbalance"], g["move"])})
    return pd.DataFrame(rows)


def _directional(heatmap, snaps: pd.DataFrame, candles: pd.DataFrame, cfg: StudyConfig,
                 bar: pd.Timedelta, rng: np.random.Generator) -> pd.DataFrame:
    """Per snapshot: in-band short mass above minus long mass below, over their sum; and the
    log move from price_now to the last close known at t0 + horizon."""
    prices = np.asarray(heatmap["price"].values, float)
    cols = snaps["column"].to_numpy(np.int64)
    lo_ = heatmap["long_usd"].transpose("time", "price").values[cols]
    sh = heatmap["short_usd"].transpose("time", "price").values[cols]
    now = snaps["price_now"].to_numpy(float)
    d = np.log(prices[None, :] / now[:, None])
    near, far = cfg.band
    inb = (np.abs(d) >= near) & (np.abs(d) <= far)
    above = np.where(inb & (d > 0), sh, 0).sum(1)
    below = np.where(inb & (d < 0), lo_, 0).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        imb = np.where(above + below > 0, (above - below) / (above + below), 0.0)
    h = pd.Timedelta(cfg.horizon)
    close_time = ns(candles.index) + bar.value
    t_end = ns(snaps["t0"]) + h.value
    j = np.searchsorted(close_time, t_end, side="right") - 1
    complete = t_end <= close_time[-1]
    move = np.log(candles["close"].to_numpy(float)[j] / now)
    out = [pd.DataFrame({"t0": snaps["t0"], "source": "map", "imbalance": imb,
                         "move": move, "complete": complete})]
    for _ in range(cfg.n_shuffles):
        perm = rng.permutation(len(snaps))
        out.append(pd.DataFrame({"t0": snaps["t0"], "source": "shuffled",
                                 "imbalance": imb[perm], "move": move, "complete": complete}))
    return pd.concat(out, ignore_index=True)


def event_study(heatmap, candles: pd.DataFrame, config: StudyConfig | None = None, *,
                funding: pd.DataFrame | None = None, known_at=None, **overrides) -> StudyResult:
    """Run the magnet-zone event study of ``heatmap`` on ``candles``.

    ``heatmap``: the estimator's Dataset (time, price; long_usd, short_usd), each column
    built from data up to its time; ``candles``: the canonical candles of the same market
    (the price path; mark candles work too); ``funding`` (optional canonical funding frame)
    for the funding regime; ``config`` or keyword overrides of :class:`StudyConfig`.
    """
    cfg = replace(config or StudyConfig(), **overrides)
    if len(candles) < 3:
        raise ValueError("candles: need at least 3 candles for an event study")
    bar = bar_size(candles)
    rng = np.random.default_rng(cfg.seed)
    snaps = snapshot_table(heatmap, candles, cfg, known_at=known_at, funding=funding)
    if snaps.empty:
        raise ValueError("no usable snapshot: every heatmap column is before the first candle "
                         f"close or inside the {cfg.vol_window} volatility warm-up; "
                         "give longer candles or a later heatmap")
    cl = clusters_frame(heatmap, snaps, quantile=cfg.quantile, band=cfg.band,
                        max_per_side=cfg.max_per_side)
    cl["rsi_divergence"] = snaps["rsi_divergence"].to_numpy()[cl["snapshot"].to_numpy()]
    cl = _annotate(cl, cfg)
    parts = [cl.assign(kind="cluster"), opposite_controls(cl).assign(kind="opposite"),
             random_controls(cl, cfg.n_random, cfg.seed, cfg.jitter).assign(kind="random")]
    for _ in range(cfg.n_shuffles):
        sh = shuffle_snapshots(cl.drop(columns=["distance_band", "strength_band", "round_number",
                                                "rsi_confluence", "rsi_divergence"]), snaps, rng)
        sh["rsi_divergence"] = snaps["rsi_divergence"].to_numpy()[sh["snapshot"].to_numpy()]
        parts.append(_annotate(sh, cfg).assign(kind="shuffled"))
    ev = pd.concat(parts, ignore_index=True)
    h = pd.Timedelta(cfg.horizon)
    out = first_touch(candles, ev["t0"], ev["level"], ev["distance"] > 0, h, bar)
    ev = pd.concat([ev.reset_index(drop=True), out], axis=1)
    ev["p_brownian"] = brownian_touch_probability(ev["distance"], ev["sigma"], h / bar)
    for col in ("round_number", "rsi_confluence"):
        ev[col] = ev[col].astype(bool)
    d = _directional(heatmap, snaps, candles, cfg, bar, rng)
    meta = {"n_snapshots": len(snaps), "skipped_warmup": snaps.attrs.get("skipped_warmup", 0),
            "n_clusters": len(cl), "bar": str(bar), "config": asdict(cfg)}
    return StudyResult(events=ev, snapshots=snaps, directional=d, config=cfg, meta=meta)
