"""``liqlab store``: what the local store holds, and the damage it has.

    liqlab store ls --store data              # exchange, symbol, dataset, timeframe, span, rows, holes
    liqlab store check --store data           # read every file; list the damaged ones (exit 4)
    liqlab store check --store data --repair  # move them to data/_damaged/ (nothing deleted; exit 1)

``check`` says, for each damaged file, which range to fetch again (the `liqlab fetch` line).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from liqlab.cli._options import add_store
from liqlab.data.store import Store, check, listing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("ls", help="one line per partition: span, rows, recorded holes")
    add_store(ls)
    ck = sub.add_parser("check", help="read every data file; list damaged ones; --repair moves them aside")
    add_store(ck)
    ck.add_argument("--repair", action="store_true",
                    help="move damaged files to <store>/_damaged/ (never deleted) and say which "
                         "ranges to fetch again")


def _store(path: str):
    if not Path(path).is_dir():
        raise ValueError(f"no store at {path!r}: give the folder `liqlab fetch --store` wrote "
                         "(--store DIR or $LIQLAB_STORE)")
    return Store(path)


def run(args: argparse.Namespace) -> int:
    store = _store(args.store)
    if args.action == "ls":
        df = listing(store)
        if df.empty:
            print(f"store {store.root}: empty")
            return 0
        out = df.assign(start=df.start.map(_t), end=df.end.map(_t),
                        rows=df.rows.map("{:,}".format),
                        holes=[f"{h} ({r:,} rows)" if h else "-" for h, r in zip(df.holes, df.hole_rows)],
                        damaged=[str(d) if d else "-" for d in df.damaged])
        print(out.drop(columns=["hole_rows"]).to_string(index=False))
        return 4 if df.damaged.any() else 0
    rep = check(store, repair=args.repair)
    print(rep)
    if rep.ok:
        return 0
    return 1 if args.repair else 4


def _t(t: pd.Timestamp) -> str:
    return "-" if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M")
