"""Benchmark liqlab.data.store on the embedded real data: bulk write, incremental upsert (the
recorder's case: one new hour into a stored month), range reads, footer-only queries.

Run: ``python benchmarks/bench_store.py`` (standalone; prints machine and data sizes).
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from _machine import machine

from liqlab import load_sample
from liqlab.data.store import Store


def _t(fn, repeat: int = 5) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, in ms, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3, out


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.parquet"))


def main() -> None:
    print(f"machine: {machine('pyarrow')}")
    with tempfile.TemporaryDirectory() as tmp:
        st = Store(tmp)
        for name, tf in (("binance_btcusdt_1m", "1m"), ("binance_btcusdt_1h", "1h"),
                         ("liquidations_okx_2026_03", "raw")):
            df = load_sample(name)
            df.attrs["timeframe"] = tf
            key = dict(kind=df.attrs["kind"], exchange=df.attrs["exchange"],
                       symbol=df.attrs["symbol"], timeframe=tf)
            part = st.partition_path(**key)
            ms_new, rep_new = _t(lambda: st.write(df, **key), repeat=1)  # empty partition
            ms_bulk, rep = _t(lambda: st.write(df, **key), repeat=3)
            tail = df[df.index >= df.index[-1] - pd.Timedelta("1h")]
            ms_tail, _ = _t(lambda: st.write(tail, **key))
            ms_read, got = _t(lambda: st.read(**key))
            day = df.index[len(df) // 2].floor("D")
            ms_day, got_day = _t(lambda: st.read(**key, start=day, end=day + pd.Timedelta("1D")))
            ms_last, _ = _t(lambda: st.last_time(**key), repeat=20)
            assert len(got) == len(df)
            print(f"{name}: {len(df):,} rows {df.index[0]:%Y-%m-%d}..{df.index[-1]:%Y-%m-%d}, "
                  f"{len(list(part.glob('*.parquet')))} file(s), {_size(part) / 1e6:.2f} MB on disk")
            for label, ms in ((f"write all into an empty partition ({rep_new})", ms_new),
                              ("upsert all again over itself", ms_bulk),
                              (f"upsert the last hour ({len(tail):,} rows)", ms_tail),
                              ("read all", ms_read),
                              (f"read one day ({len(got_day):,} rows)", ms_day),
                              ("last_time (footer only)", ms_last)):
                print(f"  {ms:9.2f} ms  {label}")
        ms_parts, parts = _t(st.partitions, repeat=5)
        print(f"partitions() over {len(parts)} partitions: {ms_parts:.1f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MB")


if __name__ == "__main__":
    main()
