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

from liqlab.cli.import_liquidations_args import add_arguments
from liqlab.data.store import Store
from liqlab.validation.realised import import_liquidations

__all__ = ["add_arguments", "run"]


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
