"""Benchmark of the backtest sweep: 1 year of 5-minute candles x a 100-point ModelParams grid,
each point = estimate + magnet event study, in one process and on a 2-worker LocalCluster.

    python benchmarks/bench_backtest.py            # 100 points (a few minutes on 2 cores)
    python benchmarks/bench_backtest.py --points 20

The data: one year of 5-minute candles (105,120) made by block-bootstrapping real Binance
BTCUSDT 5m candles (embedded sample ``binance_btcusdt_5m``, 2025-08-01..11-01): whole days of
(open, high, low, close) ratios to the previous close, with their volumes, drawn with
replacement and chained. Volume-only inflow (no open interest). Grid: 5 leverage mixes x
2 side rules x 10 decay half-lives. Study per point: horizon 1 day, 5 random controls per
cluster, 1 shuffled map, 300 bootstrap resamples.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from _bootstrap import bootstrap_candles
from _machine import machine

import liqlab
from liqlab.validation import sweeps

SEED = 20250801
N_YEAR = 365 * 288


def bootstrap_year(n: int = N_YEAR, seed: int = SEED) -> pd.DataFrame:
    """One year of 5m candles, whole real days drawn with replacement and chained."""
    return bootstrap_candles("binance_btcusdt_5m", n, np.random.default_rng(seed))


def grid(points: int) -> list[dict]:
    full = sweeps.param_grid(
        leverage_weights=[(0.25, 0.30, 0.20, 0.15, 0.10), (0.45, 0.30, 0.15, 0.07, 0.03),
                          (0.10, 0.15, 0.25, 0.25, 0.25), (0.2, 0.2, 0.2, 0.2, 0.2),
                          (0.05, 0.10, 0.15, 0.30, 0.40)],
        side_rule=["even", "direction"],
        decay_half_life_days=[0.0, 3.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0])
    return full[:points]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=100)
    args = ap.parse_args()
    candles = bootstrap_year()
    p0 = float(candles["open"].iloc[0])
    span = max(p0 / float(candles["low"].min()), float(candles["high"].max()) / p0)
    g = grid(args.points)
    # the grid must hold every level of this path: a range fitted here, for the benchmark only
    for point in g:
        point["grid_range"] = round(span * 1.3, 2)
    data = {"candles": candles, "study": {"horizon": "1D", "n_random": 5, "n_shuffles": 1,
                                          "n_boot": 300}}
    windows = {"year": (candles.index[0], candles.index[-1] + pd.Timedelta("5min"))}
    print(f"machine: {machine('numba', 'dask')}")
    print(f"data: {len(candles):,} 5m candles ({candles.index[0]:%Y-%m-%d}..{candles.index[-1]:%Y-%m-%d}, "
          f"{candles.attrs['source']}); grid: {len(g)} ModelParams points x 1 window")
    res = liqlab.estimate(candles, params=liqlab.ModelParams(grid_range=g[0]["grid_range"]), per_tier=False)
    print(f"heatmap per point: {res.heatmap.sizes['time']} columns x {res.heatmap.sizes['price']} "
          f"bins (step {res.heatmap.attrs['step']})")
    sweeps.sweep(sweeps.backtest_task, g[:1], windows, data=data, scheduler="inline")  # warm numba
    t = time.perf_counter()
    a = sweeps.sweep(sweeps.backtest_task, g, windows, data=data, scheduler="inline")
    t_one = time.perf_counter() - t
    print(f"one process:            {t_one:7.1f} s  ({t_one / len(g) * 1000:6.0f} ms per point)")
    t = time.perf_counter()
    b = sweeps.sweep(sweeps.backtest_task, g, windows, data=data, n_workers=2, threads_per_worker=1)
    t_two = time.perf_counter() - t
    print(f"LocalCluster, 2 workers: {t_two:7.1f} s  ({t_two / len(g) * 1000:6.0f} ms per point; "
          f"speed-up {t_one / t_two:.2f}x, includes cluster start-up and scattering the data)")
    if "error" in a.columns or "error" in b.columns:
        print("some grid points failed:", a.get("error"), file=sys.stderr)
        sys.exit(1)
    same = np.allclose(a["lift_random"], b["lift_random"], equal_nan=True)
    print(f"results identical in both runs: {same}; clusters per point: "
          f"{int(a['n_clusters'].median()):,} (median); lift vs random across the grid: "
          f"{a['lift_random'].min():.3f}..{a['lift_random'].max():.3f}")


if __name__ == "__main__":
    main()
