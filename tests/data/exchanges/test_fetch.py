"""liqlab fetch through the real ccxt code path against the fake exchange: every kind on
every exchange, incremental and idempotent, and the range check (holes reported)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.data.exchanges.fetch import Fetcher, Job, fetch, find_holes, watch
from tests.data.exchanges.conftest import FAST, FUNDING, WINDOWS, fixture_candles
from tests.data.exchanges.fake_exchange import DATA


def make(fake, store, exchange, sleeps=None, **kw):
    kw.setdefault("now", "2025-12-09")
    return Fetcher(store, exchange, host=fake.url, policy=FAST, rate_limit=False, timeout_ms=2000, progress=False,
                   sleep=sleeps if sleeps is not None else (lambda s: None), **kw)


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
def test_every_kind_lands_in_the_store_exactly(fake, store_root, exchange):
    store = liqlab.Store(store_root)
    f = make(fake, store, exchange, page_limit=50)
    s, u = WINDOWS[exchange]
    reps = [f.fetch("candles", "5m", since=s, until=u), f.fetch("candles", "1h", since=s, until=u),
            f.fetch("mark", "1h", since="2025-10-10", until="2025-10-12"),
            # (Binance serves the last 30 days of open interest: "now" is just after the data)
            make(fake, store, exchange, now="2025-10-12").fetch("oi", "1h", since="2025-10-10T01:00",
                                                                until="2025-10-12"),
            f.fetch("funding", None, since=FUNDING[exchange][0], until=FUNDING[exchange][1])]
    assert all(r.complete for r in reps), [str(r) for r in reps]
    sym = f.symbol
    got = store.read(kind="candles", exchange=exchange, symbol=sym, timeframe="5m")
    want = fixture_candles(exchange)
    assert len(got) == 576 and got.index.is_unique
    pd.testing.assert_frame_equal(got[["open", "high", "low", "close", "volume"]],
                                  want[["open", "high", "low", "close", "volume"]], check_freq=False,
                                  check_index_type=False, check_names=False)
    # 1h bars aggregated by the exchange from the same 5m bars: first open, max high, last close
    h = store.read(kind="candles", exchange=exchange, symbol=sym, timeframe="1h")
    first = want.iloc[:12]
    assert (h.open.iloc[0], h.high.iloc[0], h.close.iloc[0]) == (first.open.iloc[0], first.high.max(),
                                                                 first.close.iloc[-1])
    mark = store.read(kind="mark", exchange=exchange, symbol=sym, timeframe="1h")
    assert len(mark) == 48
    oi = store.read(kind="oi", exchange=exchange, symbol=sym, timeframe="1h")
    real = pd.read_csv(DATA / "hyperliquid_btc_oi_usd_1h.csv")
    real.index = pd.to_datetime(real.time_ms, unit="ms", utc=True)
    # USD recovered from each exchange's units: Bybit's BTC x the close of the bar ending at t
    # (10 significant digits in the payload, hence the tolerance)
    np.testing.assert_allclose(oi.oi_usd.to_numpy(), real.oi_usd.reindex(oi.index).to_numpy(), rtol=1e-12)
    assert len(oi) == 47
    fu = store.read(kind="funding", exchange=exchange, symbol=sym, timeframe="8h")
    real = pd.read_csv(DATA / "funding_8h.csv")
    assert fu.rate.tolist() == real[real.venue == exchange].funding_rate.tolist()


def test_second_run_adds_nothing_and_resumes_after_last_row(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, "binance", page_limit=100)
    first = f.fetch("candles", "5m", since="2025-10-10", until="2025-10-11")
    assert first.rows_added == 288
    n = fake.count("binance:klines")
    again = f.fetch("candles", "5m", since="2025-10-10", until="2025-10-11")
    assert again.rows_added == 0 and fake.count("binance:klines") == n   # up to date: no request
    more = f.fetch("candles", "5m", until="2025-10-12")                   # incremental
    starts = [int(q["startTime"]) for r, q in fake.requests[-3:] if r == "binance:klines"]
    assert starts[0] == 1760140800000    # 2025-10-11 00:00, right after the last stored bar
    assert more.rows_added == 288 and more.complete
    got = store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    assert len(got) == 576 and got.index.is_unique


def test_only_closed_bars_are_stored(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, "bybit", now="2025-10-10T01:02:30")
    rep = f.fetch("candles", "5m", since="2025-10-10")
    # 00:00 .. 00:55 are closed at 01:02:30; the 01:00 bar is still open
    assert rep.rows_added == 12 and rep.end == pd.Timestamp("2025-10-10T01:00", tz="UTC")


def test_bybit_open_interest_and_funding_pass_until(fake, store_root):
    f = make(fake, liqlab.Store(store_root), "bybit")
    f.fetch("oi", "1h", since="2025-10-10T01:00", until="2025-10-11")
    f.fetch("funding", None, since="2025-10-10", until="2025-10-11")
    for route in ("bybit:open-interest", "bybit:funding-history"):
        qs = [q for r, q in fake.requests if r == route]
        assert qs and all("startTime" in q and "endTime" in q for q in qs)


def test_symbols_checked_against_the_exchange(fake, store_root):
    store = liqlab.Store(store_root)
    with pytest.raises(ValueError, match="symbol"):
        make(fake, store, "binance", symbol="../../etc")
    with pytest.raises(ValueError, match="not a perpetual listed on okx"):
        make(fake, store, "okx", symbol="ETHUSDT").fetch("candles", "5m", since="2025-10-10")
    with pytest.raises(ValueError, match="open-interest history at 5m, 1h, 1d"):
        make(fake, store, "okx").fetch("oi", "15m")


def test_binance_oi_history_is_limited_to_30_days(fake, store_root):
    f = make(fake, liqlab.Store(store_root), "binance", now="2025-10-12")
    rep = f.fetch("oi", "1h", since="2025-01-01", until="2025-10-12")
    assert any("30 days" in n for n in rep.notes)
    assert rep.start == pd.Timestamp("2025-09-12", tz="UTC")


def test_find_holes_reports_each_missing_run():
    iv = pd.Timedelta("5min")
    t = pd.date_range("2025-10-10", periods=10, freq=iv, tz="UTC")
    have = t.delete([2, 3, 7])
    holes = find_holes(have, t[0], t[-1] + iv, iv, "candles")
    assert [(h.start, h.end, h.rows) for h in holes] == [(t[2], t[4], 2), (t[7], t[8], 1)]


def test_watch_refreshes_short_windows_more_often(fake, store_root):
    store = liqlab.Store(store_root)
    clock = {"t": pd.Timestamp("2025-10-10T06:00", tz="UTC")}
    f = make(fake, store, "binance", now=lambda: clock["t"])
    jobs = [Job(f, "candles", "5m"), Job(f, "candles", "1h")]
    f.fetch("candles", "5m", since="2025-10-10")
    f.fetch("candles", "1h", since="2025-10-10")
    ticks = {"s": 0.0}
    runs = []

    def sleep(s):          # each pause moves the exchange's clock on by the same amount
        ticks["s"] += s
        clock["t"] += pd.Timedelta(seconds=s)

    n = watch(jobs, short_every=300, long_every=900, cycles=7, sleep=sleep,
              clock=lambda: ticks["s"], on_report=runs.append)
    kinds = [r.timeframe for r in runs]
    # 6 pauses of 300 s: the 5m job runs at 0, 300, ..., 1800 (7x), the 1h job at 0, 900, 1800
    assert kinds.count("5m") == 7 and kinds.count("1h") == 3 and n == 10
    got = store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    assert got.index[-1] == pd.Timestamp("2025-10-10T06:25", tz="UTC") and got.index.is_unique


def test_fetch_helper_runs_each_kind(fake, store_root):
    reps = fetch(liqlab.Store(store_root), "okx", kinds=("candles", "oi"), timeframe="1h",
                 since="2025-10-10T01:00", until="2025-10-11", host=fake.url, policy=FAST, rate_limit=False,
                 progress=False, now="2025-12-09")
    assert [r.kind for r in reps] == ["candles", "oi"]
    assert reps[1].complete and reps[1].rows_added == 23
    assert not reps[0].complete      # the fake's OKX candles are from 2022: a reported hole
    assert reps[0].holes[0].rows == 23


def test_start_is_moved_to_the_listing_time(fake, store_root):
    # Binance BTCUSDT perpetual onboardDate 1569398400000 = 2019-09-25 08:00 UTC
    f = make(fake, liqlab.Store(store_root), "binance")
    rep = f.fetch("candles", "1h", since="2019-01-01", until="2019-09-25T12:00")
    assert rep.start == pd.Timestamp("2019-09-25 08:00", tz="UTC")
    assert any("listed" in n for n in rep.notes)
    assert rep.holes[0].rows == 4      # the fake has no 2019 data: reported, not skipped


def test_watch_survives_a_failing_round(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, "bybit", now="2025-10-10T02:00")
    fake.fault("bybit:kline", "status", status=503, times=6)       # the first round gives up
    runs = []
    n = watch([Job(f, "candles", "5m")], short_every=1, cycles=2, sleep=lambda s: None,
              clock=iter(range(100)).__next__, on_report=runs.append)
    assert n == 2 and len(runs) == 1 and runs[0].rows_added == 24
