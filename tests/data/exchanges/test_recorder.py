"""The liquidation recorder through ccxt pro against the fake exchange's websockets: sides,
every OKX detail, a feed dropped mid-stream, SIGKILL with nothing acknowledged lost, and
the background start/stop commands."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import main
from liqlab.data.exchanges.recorder import Recorder, journal_path
from tests.data.exchanges.fake_exchange import (binance_force_order, bybit_all_liquidation,
                                           okx_liquidation_orders, real_liquidations)

REPO = Path(__file__).resolve().parents[3]
SYM = {"binance": "BTCUSDT", "okx": "BTC-USDT-SWAP", "bybit": "BTCUSDT"}
ROWS = list(real_liquidations().itertuples())


def stored(store, exchange):
    return store.read(kind="liquidations", exchange=exchange, symbol=SYM[exchange], timeframe="raw")


async def _wait(cond, timeout=10.0):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


def _record(fake, store, script, **kw):
    """Run a recorder while ``script(rec)`` (a coroutine function) drives the fake."""
    async def go():
        rec = Recorder(store, kw.pop("exchanges", ("binance", "okx", "bybit")), host=fake.url,
                       batch_rows=kw.pop("batch_rows", 4),
                       batch_seconds=kw.pop("batch_seconds", 0.1), backoff_s=0.02, **kw)
        stop = asyncio.Event()
        task = asyncio.create_task(rec.run(stop))
        try:
            await script(rec)
        finally:
            stop.set()
            stats = await task
        return stats
    return asyncio.run(go())


def test_each_feed_recorded_with_the_liquidated_side(fake, store_root):
    store = liqlab.Store(store_root)
    other = dict(binance_force_order(ROWS[0]))
    other["o"] = dict(other["o"], s="ETHUSDT")              # another symbol: not recorded

    async def script(rec):
        await _wait(lambda: len(fake.subscriptions) == 3)
        for r in ROWS[:4]:
            fake.push("binance", binance_force_order(r))
        fake.push("binance", other)
        fake.push("okx", okx_liquidation_orders(ROWS[4:8]))   # four details in one push
        fake.push("bybit", bybit_all_liquidation(ROWS[8:12]))
        await _wait(lambda: rec.stats.committed == 12)
    stats = _record(fake, store, script)
    assert stats.received == 12 and stats.committed == 12 and not stats.errors
    for ex, rows in (("binance", ROWS[:4]), ("okx", ROWS[4:8]), ("bybit", ROWS[8:12])):
        got = stored(store, ex)
        assert len(got) == 4 and (got.exchange == ex).all()
        # a sell liquidation order closes a long: the liquidated position is 'long'
        assert got.side.tolist() == ["long" if r.side == "sell" else "short" for r in rows]
        np.testing.assert_allclose(got.price, [r.price for r in rows])
        np.testing.assert_allclose(got.qty, [r.qty_btc for r in rows], rtol=1e-12)
        np.testing.assert_allclose(got.usd, got.qty * got.price)
        assert list(got.index) == [pd.Timestamp(r.time_ms, unit="ms", tz="UTC") for r in rows]
    subs = {ex: req for ex, req in fake.subscriptions}
    assert subs["binance"]["params"] == ["btcusdt@forceOrder"]
    assert subs["okx"]["args"] == [{"channel": "liquidation-orders", "instType": "SWAP"}]
    assert subs["bybit"]["args"] == ["allLiquidation.BTCUSDT"]


def test_websocket_dropped_mid_stream_reconnects_and_loses_nothing(fake, store_root):
    store = liqlab.Store(store_root)

    async def script(rec):
        await _wait(lambda: len(fake.subscriptions) == 3)
        for ex in ("binance", "okx", "bybit"):
            fake.push(ex, binance_force_order(ROWS[0]) if ex == "binance" else
                      okx_liquidation_orders(ROWS[0:1]) if ex == "okx" else bybit_all_liquidation(ROWS[0:1]))
        await _wait(lambda: rec.stats.received == 3)
        for ex in ("binance", "okx", "bybit"):
            fake.drop(ex)                                      # mid-stream
        # pushed while disconnected: delivered once the recorder has resubscribed
        fake.push("binance", binance_force_order(ROWS[1]))
        fake.push("okx", okx_liquidation_orders(ROWS[1:3]))
        fake.push("bybit", bybit_all_liquidation(ROWS[1:3]))
        await _wait(lambda: rec.stats.committed == 8)
    stats = _record(fake, store, script)
    assert stats.reconnects >= 3
    assert [len(stored(store, ex)) for ex in ("binance", "okx", "bybit")] == [2, 3, 3]
    for ex in ("binance", "okx", "bybit"):
        got = stored(store, ex)
        assert not got.reset_index().duplicated().any()
    assert not journal_path(store_root).exists() or journal_path(store_root).read_text() == ""


def _journal_lines(root):
    p = journal_path(root)
    return len(p.read_text().splitlines()) if p.exists() else 0


def _count(root, exchange="binance"):
    try:
        return len(stored(liqlab.Store(root), exchange))
    except ValueError:
        return 0


def _until(cond, timeout=30.0):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_row_then_background_start_and_stop(fake, store_root):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = open(store_root.parent / "rec.log", "wb")
    cmd = [sys.executable, "-m", "liqlab.cli", "record", "--exchange", "binance", "--store",
           str(store_root), "--host", fake.url, "--batch-rows", "3", "--batch-seconds", "60",
           "--backoff", "0.05"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _until(lambda: len(fake.subscriptions) == 1)
        for r in ROWS[:3]:
            fake.push("binance", binance_force_order(r))
        _until(lambda: _count(store_root) == 3)                  # a committed batch
        for r in ROWS[3:5]:
            fake.push("binance", binance_force_order(r))
        _until(lambda: _journal_lines(store_root) == 2)          # acknowledged, not committed
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        log.close()
    assert _count(store_root) == 3 and _journal_lines(store_root) == 2
    fake.subscriptions.clear()
    assert main(["record", "--background", "--exchange", "binance", "--store", str(store_root),
                 "--host", fake.url, "--batch-rows", "100", "--batch-seconds", "0.2",
                 "--backoff", "0.05"]) == 0
    pidfile = store_root / "_recorder" / "recorder.pid"
    assert pidfile.exists()
    _until(lambda: _count(store_root) == 5)                      # the journal replayed at start
    _until(lambda: len(fake.subscriptions) == 1)
    for r in ROWS[5:7]:
        fake.push("binance", binance_force_order(r))
    _until(lambda: _count(store_root) == 7)
    assert main(["record", "--stop", "--store", str(store_root)]) == 0
    assert not pidfile.exists()
    got = stored(liqlab.Store(store_root), "binance")
    assert len(got) == 7 and not got.reset_index().duplicated().any()
    assert list(got.index) == [pd.Timestamp(r.time_ms, unit="ms", tz="UTC") for r in ROWS[:7]]
    text = (store_root / "_recorder" / "recorder.log").read_text()
    assert "committed" in text and "replayed 2" in text
    assert main(["record", "--stop", "--store", str(store_root)]) == 1   # nothing left to stop


def test_recorder_input_errors(store_root):
    store = liqlab.Store(store_root)
    with pytest.raises(ValueError, match="unknown exchange"):
        Recorder(store, ["kraken"])
    with pytest.raises(ValueError, match="symbol"):
        Recorder(store, ["okx"], ["BTC/../X"])
    with pytest.raises(ValueError, match="batch_rows"):
        Recorder(store, ["okx"], batch_rows=0)


def test_unusable_payloads_are_counted_not_stored(fake, store_root):
    store = liqlab.Store(store_root)
    bad = binance_force_order(ROWS[0])
    bad["o"] = dict(bad["o"], ap="0", p="0")                 # no price: cannot be a liquidation
    weird = binance_force_order(ROWS[1])
    weird["o"] = dict(weird["o"], S="HOLD")

    async def script(rec):
        await _wait(lambda: len(fake.subscriptions) == 1)
        for m in (bad, weird, binance_force_order(ROWS[2])):
            fake.push("binance", m)
        await _wait(lambda: rec.stats.committed == 1 and len(rec.stats.errors) == 2)
    stats = _record(fake, store, script, exchanges=["binance"])
    assert len(stats.errors) == 2 and "HOLD" in stats.errors[1]
    assert len(stored(store, "binance")) == 1
