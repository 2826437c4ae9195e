"""The flags of ``liqlab import-liquidations`` (:mod:`liqlab.cli.import_liquidations` runs the
import): declared apart from it so that ``liqlab import-liquidations --help`` and a usage error
load no scipy, numba or xarray (the :mod:`liqlab.validation` package imports them).
"""
from __future__ import annotations

import argparse

from liqlab.cli import _options

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", help="CSV files (gzipped or not)")
    _options.add_store(parser)
    parser.add_argument("--format", choices=("auto", "tardis", "totals"), default="auto",
                        help="auto: Tardis when the header has timestamp,side,price,amount")
    parser.add_argument("--contract-size", type=float, default=None,
                        help="base units per 'amount' unit for every row (default: 0.01 for "
                             "OKX BTC-USDT-SWAP, 1 for linear markets quoted in base units)")
    parser.add_argument("--exchange", help="totals files: the venue (store name, e.g. hyperliquid)")
    parser.add_argument("--symbol", help="totals files: the market id (e.g. BTC, BTCUSDT)")
    parser.add_argument("--time-col", default="time", help="totals files: time column (time)")
    parser.add_argument("--long-col", default="long_usd", help="totals: long USD column (long_usd)")
    parser.add_argument("--short-col", default="short_usd", help="totals: short USD column (short_usd)")
    parser.add_argument("--count-col", default=None, help="totals: number of liquidations, optional")
    parser.add_argument("--time-unit", choices=("s", "ms", "us", "ns", "iso"), default=None,
                        help="totals: unit of numeric times (default: inferred from their size)")
    parser.add_argument("--timeframe", default=None,
                        help="totals: the period (1h, 1d, ...; default: the smallest step)")
