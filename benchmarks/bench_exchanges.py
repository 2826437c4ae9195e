"""Benchmark liqlab.data.exchanges against the test suite's fake exchange on 127.0.0.1 (no
network): fetch throughput through ccxt (3 months of real Binance and Bybit 5m candles),
the public-dump importer (a month of real 1m klines as a dump zip), and the liquidation
recorder (1,611 real OKX liquidations pushed over the websocket, journaled and committed).

Run: ``python benchmarks/bench_exchanges.py`` (standalone; prints machine and data sizes).
The figures measure liqlab + ccxt + the store on this machine; a real exchange adds network
latency and its rate limits (ccxt's limiter is off here).
"""
from __future__ import annotations

import asyncio
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from _machine import machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import liqlab  # noqa: E402
from liqlab.data.exchanges.clients import RetryPolicy  # noqa: E402
from liqlab.data.exchanges.dump import import_dump  # noqa: E402
from liqlab.data.exchanges.fetch import Fetcher  # noqa: E402
from liqlab.data.exchanges.recorder import Recorder  # noqa: E402
from tests.data.exchanges.fake_exchange import FakeExchange, okx_liquidation_orders  # noqa: E402


def _frame_ms(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index()
    out["time_ms"] = out.pop("time").map(lambda t: t.value // 10**6)
    return out


def bench_fetch(fake: FakeExchange) -> None:
    for ex, sample in (("binance", "binance_btcusdt_5m"), ("bybit", "bybit_btcusdt_5m")):
        c = liqlab.load_sample(sample)
        fake.data.candles[ex] = _frame_ms(c)
        for page in (1000, 200):
            with tempfile.TemporaryDirectory() as tmp:
                f = Fetcher(liqlab.Store(tmp), ex, host=fake.url, rate_limit=False, progress=False,
                            page_limit=page, policy=RetryPolicy(base_s=0.01), now="2026-01-01")
                t0 = time.perf_counter()
                rep = f.fetch("candles", "5m", since=c.index[0], until=c.index[-1] + pd.Timedelta("5min"))
                dt = time.perf_counter() - t0
            assert rep.complete and rep.rows_added == len(c), rep
            print(f"fetch {ex} 5m candles ({sample}, {len(c):,} rows, pages of {page}): "
                  f"{dt:.2f} s, {rep.pages} pages, {len(c) / dt:,.0f} rows/s, {dt / rep.pages * 1e3:.1f} ms/page")


def bench_dump() -> None:
    c = liqlab.load_sample("binance_btcusdt_1m")
    month = c[c.index.month == c.index[len(c) // 2].month]
    lines = [f"{t.value // 10**6},{r.open},{r.high},{r.low},{r.close},{r.volume},"
             f"{t.value // 10**6 + 59_999},0,0,0,0,0" for t, r in month.iterrows()]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "futures/um/monthly/klines/BTCUSDT/1m"
        d.mkdir(parents=True)
        name = f"BTCUSDT-1m-{month.index[0]:%Y-%m}.zip"
        with zipfile.ZipFile(d / name, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name.replace(".zip", ".csv"), "\n".join(lines) + "\n")
        size = (d / name).stat().st_size
        t0 = time.perf_counter()
        rep = import_dump(liqlab.Store(Path(tmp) / "store"), [Path(tmp) / "futures"])
        dt = time.perf_counter() - t0
    print(f"import-dump monthly 1m klines ({len(month):,} rows, zip {size / 1e6:.2f} MB): "
          f"{dt:.2f} s, {rep.rows / dt:,.0f} rows/s")


def bench_recorder(fake: FakeExchange) -> None:
    liq = liqlab.load_sample("liquidations_okx_2026_03")
    rows = [SimpleNamespace(time_ms=t.value // 10**6, side="sell" if s == "long" else "buy",
                            price=p, contracts=q / 0.01)
            for t, s, p, q in zip(liq.index, liq.side, liq.price, liq.qty)]

    async def go(store: liqlab.Store) -> tuple[float, int]:
        rec = Recorder(store, ["okx"], host=fake.url, batch_rows=50, batch_seconds=0.2)
        stop = asyncio.Event()
        task = asyncio.create_task(rec.run(stop))
        while not fake.subscriptions:
            await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        for i in range(0, len(rows), 10):
            fake.push("okx", okx_liquidation_orders(rows[i:i + 10]))
        while rec.stats.committed < len(rows):
            await asyncio.sleep(0.005)
        dt = time.perf_counter() - t0
        stop.set()
        await task
        return dt, rec.stats.committed
    with tempfile.TemporaryDirectory() as tmp:
        store = liqlab.Store(tmp)
        dt, n = asyncio.run(go(store))
        got = store.read(kind="liquidations", exchange="okx", symbol="BTC-USDT-SWAP", timeframe="raw")
    print(f"record {n:,} real OKX liquidations (pushes of 10, batches of 50, journal fsync per push): "
          f"{dt:.2f} s, {n / dt:,.0f} rows/s; {len(got):,} rows in the store")


def main() -> None:
    print(f"machine: {machine('pyarrow', 'ccxt')}")
    with FakeExchange() as fake:
        bench_fetch(fake)
        bench_recorder(fake)
    bench_dump()


if __name__ == "__main__":
    main()
