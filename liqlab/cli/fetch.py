"""``liqlab fetch``: candles, mark candles, open interest and funding into the store.

    liqlab fetch --exchange binance --exchange bybit --symbol BTCUSDT --timeframe 5m \\
                 --since 2025-10-01 --store data
    liqlab fetch --watch                  # refresh every 5 min (bars < 1h) / 15 min (longer)
    liqlab fetch --host http://127.0.0.1:8765   # or LIQLAB_EXCHANGE_HOST: another host

Exit status 0 when everything asked for is in the store, 1 when the exchange left holes
(listed in the output), 2 for bad input, 3 when the exchange could not be reached, 4 when
the store has a damaged file (``liqlab --help`` lists them). ``--watch`` logs a failed round
and tries again at the next one.
"""
from __future__ import annotations

import argparse
import logging

from liqlab.cli import _options
from liqlab.data.exchanges.clients import EXCHANGES, HOST_ENV, RetryPolicy
from liqlab.data.exchanges.fetch import KINDS, SERVES, Fetcher, Job, watch
from liqlab.data.store import Store

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange", action="append", choices=list(EXCHANGES),
                        help="exchange to fetch from (repeat for several; default binance)")
    parser.add_argument("--symbol", default="BTCUSDT",
                        help="perpetual symbol: BTCUSDT, BTC/USDT:USDT or BTC-USDT-SWAP (default BTCUSDT)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated subset of {','.join(KINDS)} (default all)")
    parser.add_argument("--timeframe", default="5m", help="bar timeframe, 1m..1d (default 5m)")
    parser.add_argument("--oi-timeframe", default=None,
                        help="open-interest timeframe (default: --timeframe, at least 5m)")
    parser.add_argument("--since", default=None,
                        help="start (UTC), e.g. 2025-10-01; default: after the last stored row, "
                             "else 30 days ago")
    parser.add_argument("--until", default=None, help="end (UTC, exclusive); default now")
    parser.add_argument("--refetch", action="store_true",
                        help="ask for the whole --since/--until range again (fills holes an earlier "
                             "fetch reported) instead of resuming after the last stored row")
    parser.add_argument("--fill-holes", action="store_true",
                        help="ask again only for the holes earlier fetches recorded "
                             "(<store>/_fetch/holes.json)")
    _options.add_store(parser)
    parser.add_argument("--host", default=None,
                        help=f"send every request to this host instead (a mirror or a local fake "
                             f"exchange), e.g. http://127.0.0.1:8765; env {HOST_ENV}")
    parser.add_argument("--testnet", action="store_true", help="use the exchange's testnet (ccxt sandbox)")
    parser.add_argument("--watch", action="store_true",
                        help="keep refreshing: every --short-every s for bars under 1h, "
                             "every --long-every s for the others")
    parser.add_argument("--short-every", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--long-every", type=float, default=900.0, help="seconds (default 900)")
    parser.add_argument("--cycles", type=int, default=None, help="stop --watch after this many rounds")
    parser.add_argument("--page-limit", type=int, default=None,
                        help="rows per request (default: each exchange's maximum)")
    parser.add_argument("--timeout-ms", type=int, default=10_000, help="request timeout (default 10000)")
    parser.add_argument("--retries", type=int, default=8, help="attempts per request (default 8)")
    parser.add_argument("--backoff", type=float, default=1.0, help="first retry wait, seconds (default 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("-v", "--verbose", action="store_true", help="log retries and holes")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ValueError(f"--kinds {args.kinds!r}: choose from {', '.join(KINDS)}")
    if args.page_limit is not None and args.page_limit < 1:
        raise ValueError("--page-limit must be at least 1")
    store = Store(args.store)
    policy = RetryPolicy(attempts=max(1, args.retries), base_s=args.backoff,
                         maintenance_s=max(args.backoff, 1.0) * 10)
    jobs = []
    for ex in args.exchange or ["binance"]:
        f = Fetcher(store, ex, args.symbol, host=args.host, testnet=args.testnet, policy=policy,
                    page_limit=args.page_limit, timeout_ms=args.timeout_ms,
                    progress=not args.no_progress)
        for kind in kinds:
            if kind not in SERVES[ex]:
                print(f"{ex}: no {kind} history served; skipped", flush=True)
                continue
            tf = (args.oi_timeframe or args.timeframe) if kind == "oi" else args.timeframe
            jobs.append(Job(f, kind, tf, until=args.until))
    if args.watch:   # every round, the first included, survives a failure (offline at start)
        if args.fill_holes:
            raise ValueError("--fill-holes and --watch do not go together: fill the holes first")
        for j in jobs:
            j.since = args.since
        watch(jobs, short_every=args.short_every, long_every=args.long_every, cycles=args.cycles,
              on_report=lambda r: print(r, flush=True))
        return 0
    holes = 0
    for j in jobs:
        if args.fill_holes:
            reps = j.fetcher.fill_holes(j.kind, j.timeframe)
            if not reps:
                print(f"{j.fetcher.exchange} {j.fetcher.symbol} {j.kind} {j.timeframe}: no recorded holes")
        else:
            reps = [j.fetcher.fetch(j.kind, j.timeframe, since=args.since, until=args.until,
                                    resume=not args.refetch)]
        for rep in reps:
            print(rep, flush=True)
            holes += len(rep.holes) + len(rep.pending)
    return 1 if holes else 0
