"""The flags of ``liqlab validate`` (:mod:`liqlab.cli.validate` runs the scoring): declared apart
from it so that ``liqlab validate --help`` and a usage error load no scipy, numba or xarray.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from liqlab.cli import _options
from liqlab.validation.sets import SETS

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", choices=sorted(SETS), default=None,
                        help="embedded realised set (repeatable; default: all)")
    parser.add_argument("--realised", type=Path,
                        help="a store directory (every liquidation dataset in it, scored against "
                             "the candles and open interest stored for that venue and span), or "
                             "one file: Parquet (canonical liquidations / liq_totals) or CSV "
                             "(Tardis-style or totals, as import-liquidations reads) with --candles")
    parser.add_argument("--candles", type=Path, help="candles for a --realised file (Parquet), with warm-up")
    parser.add_argument("--oi", type=Path, help="open interest for a --realised file (Parquet), optional")
    parser.add_argument("--freq", default="1h", help="scoring period for --realised (1h; totals: "
                                                    "at least their own period)")
    parser.add_argument("--exchange", help="--realised store: only this venue's datasets")
    parser.add_argument("--symbol", help="--realised store: only this market's datasets")
    parser.add_argument("--candles-from", metavar="EXCHANGE:SYMBOL",
                        help="--realised store: use another venue's stored candles (a proxy)")
    parser.add_argument("--oi-from", metavar="EXCHANGE:SYMBOL",
                        help="--realised store: use another venue's stored open interest (a proxy)")
    parser.add_argument("--top", type=float, default=0.2,
                        help="where-score: the share of the crossed bins counted as the map's top (0.2)")
    parser.add_argument("--warmup", default="14D", help="candles used before the realised span (14D)")
    _options.add_params(parser)
    parser.add_argument("--defaults", action="store_true",
                        help="walk-forward search of inflow mix x leverage population x side rule "
                             "on hyperliquid_daily (6 x 6 x 3 grid points)")
    parser.add_argument("--folds", type=int, default=4, help="walk-forward folds for --defaults (4)")
    parser.add_argument("--scheduler", default="inline",
                        help="for --defaults: 'inline' (default), 'local' (2-worker LocalCluster) "
                             "or tcp://host:port")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    _options.add_out(parser, "out/validate")
    _options.add_format(parser)
