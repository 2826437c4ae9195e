"""``liqlab import-liquidations``: realised liquidations from files into the store, with
provenance (``<store>/_imports/liquidations.jsonl``) and a coverage note per venue.

    liqlab import-liquidations okex-swap_liquidations_2026-03-05_BTC-USDT-SWAP.csv.gz
    liqlab import-liquidations totals.csv --exchange hyperliquid --symbol BTC \\
        --time-col date --long-col longs --short-col shorts
    liqlab validate --realised data                    # then score them

Per-event files are Tardis-style (exchange,symbol,timestamp,local_timestamp,id,side,price,
amount; microseconds; side = the liquidation order's side, sell = a long liquidated);
period-totals files have a time column and long / short USD (names given by flags).
Gzipped or not. See :mod:`liqlab.validation.realised`.
"""
from __future__ import annotations

import argparse

from liqlab.cli import _options
from liqlab.data.store import Store
from liqlab.validation.realised import import_liquidations

__all__ = ["add_arguments", "run"]


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


def run(args: argparse.Namespace) -> int:
    cols = {"time_col": args.time_col, "long_col": args.long_col, "short_col": args.short_col,
            "count_col": args.count_col}
    store = Store(args.store)
    rep = import_liquidations(store, args.files, fmt=args.format,
                              contract_size=args.contract_size, exchange=args.exchange,
                              symbol=args.symbol, totals_columns=cols, timeframe=args.timeframe,
                              time_unit=args.time_unit)
    print(rep, flush=True)
    print(f"provenance: {store.root / '_imports' / 'liquidations.jsonl'}")
    return 0
