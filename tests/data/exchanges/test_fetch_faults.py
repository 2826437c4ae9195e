"""Every fault an exchange throws, injected mid-range into the fake exchange; each test ends
with the store complete (or the hole reported) and free of duplicates."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import liqlab
from liqlab.data.exchanges.fetch import Fetcher
from tests.data.exchanges.conftest import FAST, fixture_candles

DAY = {"binance": ("2025-10-10", "2025-10-11"), "bybit": ("2025-10-10", "2025-10-11"),
       "okx": ("2022-06-13", "2022-06-14")}
ROUTE = {"binance": "binance:klines", "bybit": "bybit:kline", "okx": "okx:history-candles"}
BINANCE_500 = json.dumps({"code": -1001, "msg": "Internal error; unable to process your request. "
                                                "Please try again."})


def run(fake, store_root, exchange, sleeps, *, timeout_ms=2000, **kw):
    """Fetch one day of 5m candles in pages of 48 bars (6 pages) and check the store."""
    store = liqlab.Store(store_root)
    f = Fetcher(store, exchange, host=fake.url, policy=FAST, rate_limit=False, timeout_ms=timeout_ms,
                progress=False, page_limit=48, now="2025-12-09", sleep=sleeps, **kw)
    rep = f.fetch("candles", "5m", since=DAY[exchange][0], until=DAY[exchange][1])
    got = store.read(kind="candles", exchange=exchange, symbol=f.symbol, timeframe="5m")
    assert got.index.is_unique and got.index.is_monotonic_increasing
    return rep, got


def complete(got, exchange):
    want = fixture_candles(exchange).iloc[:288]
    assert len(got) == 288
    assert (got.index == want.index).all()
    assert (got.close.to_numpy() == want.close.to_numpy()).all()


def mid(fake, route, kind, **kw):
    """The fault hits the third page request (mid-range), after load_markets and two pages."""
    fake.fault(route, "ok", times=2)
    fake.fault(route, kind, **kw)


@pytest.mark.parametrize("status,retry_after", [(429, "3"), (418, "2")])
def test_rate_limits_honour_retry_after(fake, store_root, sleeps, status, retry_after):
    mid(fake, "binance:klines", "status", status=status, headers={"Retry-After": retry_after},
        body=json.dumps({"code": -1003, "msg": "Too many requests; current limit is 2400."}))
    rep, got = run(fake, store_root, "binance", sleeps)
    complete(got, "binance")
    assert float(retry_after) in sleeps and rep.retries == 1 and rep.complete


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(fake, store_root, sleeps, exchange, status):
    body = BINANCE_500 if exchange == "binance" and status == 500 else "<html>bad gateway</html>"
    mid(fake, ROUTE[exchange], "status", status=status, body=body, times=2)
    rep, got = run(fake, store_root, exchange, sleeps)
    complete(got, exchange)
    assert rep.retries == 2


def test_binance_http_500_raises_operation_failed_and_is_retried(fake):
    import ccxt
    from liqlab.data.exchanges.clients import make_client
    fake.fault("binance:klines", "status", status=500, body=BINANCE_500)
    c = make_client("binance", host=fake.url)
    with pytest.raises(ccxt.OperationFailed) as e:
        c.fetch_ohlcv("BTC/USDT:USDT", "5m", since=1760054400000, limit=5)
    assert not isinstance(e.value, ccxt.NetworkError)   # not a NetworkError: must be retried anyway


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
def test_timeouts_are_retried(fake, store_root, sleeps, exchange):
    mid(fake, ROUTE[exchange], "delay", seconds=1.0)
    rep, got = run(fake, store_root, exchange, sleeps, timeout_ms=300)
    complete(got, exchange)
    assert rep.retries >= 1


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
@pytest.mark.parametrize("kind", ["truncate", "garbage"])
def test_truncated_or_garbage_json(fake, store_root, sleeps, exchange, kind):
    mid(fake, ROUTE[exchange], kind)
    rep, got = run(fake, store_root, exchange, sleeps)
    complete(got, exchange)
    assert rep.retries >= 1


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
def test_empty_page_mid_range_is_not_done(fake, store_root, sleeps, exchange):
    mid(fake, ROUTE[exchange], "empty", times=2)
    rep, got = run(fake, store_root, exchange, sleeps)
    complete(got, exchange)
    assert rep.retries == 2 and rep.complete


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
@pytest.mark.parametrize("kind,kw", [("overlap", {"shift": 10 * 300_000}), ("repeat", {}),
                                     ("dupes", {})])
def test_overlapping_repeated_and_duplicate_pages(fake, store_root, sleeps, exchange, kind, kw):
    mid(fake, ROUTE[exchange], kind, times=2, **kw)
    rep, got = run(fake, store_root, exchange, sleeps)
    complete(got, exchange)
    assert rep.complete


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
def test_maintenance_is_waited_out(fake, store_root, sleeps, exchange):
    mid(fake, ROUTE[exchange], "maintenance", times=3)
    rep, got = run(fake, store_root, exchange, sleeps)
    complete(got, exchange)
    assert rep.retries == 3


def test_okx_maintenance_is_on_maintenance(fake):
    import ccxt
    from liqlab.data.exchanges.clients import make_client
    fake.fault("okx:instruments", "maintenance")
    with pytest.raises(ccxt.OnMaintenance):
        make_client("okx", host=fake.url).load_markets()


def test_a_real_gap_is_reported_as_a_hole_and_the_rest_stored(fake, store_root, sleeps):
    gone = [1760054400000 + i * 300_000 for i in (100, 101, 102)]   # 08:20, 08:25, 08:30
    fake.remove("binance", "candles", gone)
    rep, got = run(fake, store_root, "binance", sleeps)
    assert len(got) == 285
    assert [(h.start, h.rows) for h in rep.holes] == [(pd.Timestamp("2025-10-10 08:20", tz="UTC"), 3)]
    assert rep.retries == 3        # the short page was asked for again before giving up


def test_persistent_empty_pages_become_a_hole_then_refetch_fills_it(fake, store_root, sleeps):
    mid(fake, "binance:klines", "empty", times=4)     # the third page never comes (4 tries)
    rep, got = run(fake, store_root, "binance", sleeps)
    assert len(got) == 240 and rep.holes[0].rows == 48
    assert rep.holes[0].start == pd.Timestamp("2025-10-10 08:00", tz="UTC")
    store = liqlab.Store(store_root)
    f = Fetcher(store, "binance", host=fake.url, policy=FAST, rate_limit=False, progress=False, page_limit=48,
                now="2025-12-09", sleep=sleeps)
    again = f.fetch("candles", "5m", since="2025-10-10", until="2025-10-11", resume=False)
    assert again.complete and again.rows_added == 48
    complete(store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m"), "binance")


def test_oi_and_funding_faults(fake, store_root, sleeps):
    store = liqlab.Store(store_root)
    fake.fault("bybit:open-interest", "status", status=503, body="")
    fake.fault("bybit:funding-history", "empty")
    fake.fault("okx:open-interest-history", "maintenance")
    for ex in ("bybit", "okx"):
        f = Fetcher(store, ex, host=fake.url, policy=FAST, rate_limit=False, progress=False, now="2025-12-09",
                    sleep=sleeps, page_limit=10)
        assert f.fetch("oi", "1h", since="2025-10-10T01:00", until="2025-10-12").complete
    f = Fetcher(store, "bybit", host=fake.url, policy=FAST, rate_limit=False, progress=False, now="2025-12-09",
                sleep=sleeps)
    assert f.fetch("funding", None, since="2025-10-09", until="2025-10-13").complete
    for ex, sym in (("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP")):
        oi = store.read(kind="oi", exchange=ex, symbol=sym, timeframe="1h")
        assert len(oi) == 47 and oi.index.is_unique
    assert len(store.read(kind="funding", exchange="bybit", symbol="BTCUSDT", timeframe="8h")) == 12


def test_holes_are_recorded_on_disk_and_filled_later(fake, store_root, sleeps, capsys):
    from liqlab.cli import main
    from liqlab.data.exchanges.fetch import HoleLedger
    gone = [1760054400000 + i * 300_000 for i in (10, 11, 200)]
    fake.remove("binance", "candles", gone)
    rep, got = run(fake, store_root, "binance", sleeps)
    assert [h.rows for h in rep.holes] == [2, 1]
    ledger = HoleLedger(store_root)
    recorded = ledger.holes("binance/BTCUSDT/candles/5m")
    assert [(h.start, h.end) for h in recorded] == [(h.start, h.end) for h in rep.holes]
    fake.data.removed.clear()                      # the exchange serves those bars again
    args = ["fetch", "--exchange", "binance", "--kinds", "candles", "--fill-holes", "--host",
            fake.url, "--store", str(store_root), "--no-progress", "--backoff", "0.001"]
    assert main(args) == 0
    assert ledger.holes("binance/BTCUSDT/candles/5m") == []
    complete(liqlab.Store(store_root).read(kind="candles", exchange="binance", symbol="BTCUSDT",
                                           timeframe="5m"), "binance")
    assert main(args) == 0 and "no recorded holes" in capsys.readouterr().out


def test_hole_ledger_updates_from_many_writers_lose_nothing(store_root):
    """Fetchers of different partitions share holes.json: concurrent updates must not drop
    each other's records (read-modify-write under the partition lock)."""
    import threading

    from liqlab.data.exchanges.fetch import Hole, HoleLedger
    t0 = pd.Timestamp("2025-10-01", tz="UTC")

    def writer(k):
        ledger = HoleLedger(store_root)
        for i in range(15):
            s = t0 + pd.Timedelta(hours=i)
            ledger.update(f"binance/X{k}/candles/5m", s, s + pd.Timedelta("1h"),
                          [Hole("candles", s, s + pd.Timedelta("5min"), 1, "not served")])
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = HoleLedger(store_root).load()
    assert sorted(data) == [f"binance/X{k}/candles/5m" for k in range(6)]
    assert all(len(v) == 15 for v in data.values())
    assert not [p for p in (store_root / "_fetch").iterdir() if p.name.startswith(".tmp-")]
