"""``liqlab import-dump``: Binance public-dump zips (data.binance.vision) into the store.

    liqlab import-dump ~/Downloads/data/futures/um/daily/klines/BTCUSDT/5m --store data
    liqlab import-dump urls.txt --verify        # a list of zip URLs, one a line, checked by sha256
    liqlab import-dump https://data.binance.vision/data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-10-10.zip

Exit status 0 when every file was imported, 1 when some were skipped (listed), 2 for bad input.
"""
from __future__ import annotations

import argparse
import logging

from liqlab.cli import _options
from liqlab.data.exchanges.dump import import_dump
from liqlab.data.store import Store

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+",
                        help="folders (searched recursively), zip/csv files, URLs, or .txt files "
                             "listing URLs or paths one a line")
    _options.add_store(parser)
    parser.add_argument("--dataset", choices=["klines", "markPriceKlines"], default=None,
                        help="for kline-named files outside the dump's folder layout")
    parser.add_argument("--verify", action="store_true",
                        help="check each downloaded zip against its .CHECKSUM (sha256)")
    parser.add_argument("--strict", action="store_true", help="stop at the first unreadable file")
    parser.add_argument("--timeout", type=float, default=60.0, help="download timeout, seconds")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    rep = import_dump(Store(args.store), args.sources, dataset=args.dataset,
                      verify=args.verify, timeout=args.timeout, strict=args.strict)
    print(rep, flush=True)
    if rep.files == 0 and not rep.skipped:
        raise ValueError(f"no dump files found in {args.sources}; expect names like "
                         "BTCUSDT-5m-2025-10-10.zip")
    return 1 if rep.skipped else 0
