"""The flags of ``liqlab backtest`` (:mod:`liqlab.cli.backtest` runs the study): declared apart
from it so that ``liqlab backtest --help`` and a usage error load no scipy, numba or xarray.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from liqlab.cli import _options

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("data")
    g.add_argument("--sample", default="binance_btcusdt_5m",
                   help="embedded candles sample (default: binance_btcusdt_5m); see liqlab.list_samples()")
    g.add_argument("--candles", type=Path, help="a Parquet file of canonical candles instead of --sample")
    g.add_argument("--oi", help="open interest: a sample name or a Parquet file (kind 'oi')")
    g.add_argument("--funding", default="auto",
                   help="funding for the regime breakdown: sample name, Parquet file, 'none', or "
                        "'auto' (binance_btcusdt_funding for Binance samples)")
    g.add_argument("--start", help="first candle time (UTC), e.g. 2025-09-01")
    g.add_argument("--end", help="end time (UTC, exclusive)")
    g.add_argument("--step", help="heatmap column step, e.g. 2h (default: the estimator's choice)")
    s = parser.add_argument_group("study")
    s.add_argument("--horizon", default="1D", help="touch window (default 1D)")
    s.add_argument("--quantile", type=float, default=0.9, help="cluster intensity quantile (0.9)")
    s.add_argument("--band", type=float, nargs=2, metavar=("NEAR", "FAR"), default=(0.005, 0.05),
                   help="cluster distance band as log-distances (0.005 0.05)")
    s.add_argument("--n-random", type=int, default=5, help="random controls per cluster (5)")
    s.add_argument("--n-shuffles", type=int, default=3, help="time-shuffled maps (3)")
    s.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (1000)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--walk-forward", type=int, default=0, metavar="FOLDS",
                   help="also choose quantile x band walk-forward over FOLDS folds")
    w = parser.add_argument_group("sweep")
    w.add_argument("--sweep", action="append", default=[], metavar="PARAM=V1,V2",
                   help="ModelParams grid axis (repeatable); runs the study per point and window")
    w.add_argument("--windows", type=int, default=2, help="windows for --sweep (2)")
    w.add_argument("--scheduler", default=None,
                   help="Dask scheduler for --sweep: tcp://host:port, 'inline', or unset for a "
                        "2-worker LocalCluster")
    o = parser.add_argument_group("output")
    _options.add_out(o, "out/backtest")
    _options.add_format(o)
    o.add_argument("--events", action="store_true", help="also write every event (large)")
