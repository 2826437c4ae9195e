"""The range asked is the range fetched, and funding is complete on the venue's schedule:
an earlier --since than the newest stored row, a gap in the middle of the stored range,
two fetches into one store at once, a missing funding event, a partly returned funding page.
All through ccxt's real code path against the fake exchange."""
from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

import liqlab
from liqlab.data.exchanges.fetch import Fetcher, HoleLedger
from tests.data.exchanges.conftest import FAST, FUNDING, fixture_candles
from tests.data.exchanges.fake_exchange import DATA

DAY0 = 1760054400000          # 2025-10-10 00:00 UTC in ms
FIVE = 300_000


def make(fake, store, exchange, **kw):
    kw.setdefault("now", "2025-12-09")
    kw.setdefault("sleep", lambda s: None)
    return Fetcher(store, exchange, host=fake.url, policy=FAST, rate_limit=False, timeout_ms=2000,
                   progress=False, **kw)


def stored(store, exchange="binance", kind="candles", tf="5m", symbol="BTCUSDT"):
    return store.read(kind=kind, exchange=exchange, symbol=symbol, timeframe=tf)


def test_an_earlier_since_than_the_newest_row_is_fetched(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, "binance", page_limit=100)
    first = f.fetch("candles", "5m", since="2025-10-11", until="2025-10-12")
    assert first.rows_added == 288
    n = len(fake.requests)
    rep = f.fetch("candles", "5m", since="2025-10-10", until="2025-10-11T12:00")
    # the day before the stored one is asked for (3 pages of 100, 100, 88 bars), nothing else
    starts = [int(q["startTime"]) for r, q in fake.requests[n:] if r == "binance:klines"]
    assert starts == [DAY0, DAY0 + 100 * FIVE, DAY0 + 200 * FIVE]
    assert rep.rows_added == 288 and rep.complete, str(rep)
    got = stored(store)
    want = fixture_candles("binance")
    assert len(got) == 576 and (got.close.to_numpy() == want.close.to_numpy()).all()


def test_a_gap_in_the_middle_of_the_stored_range_is_fetched(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, "binance", page_limit=500)
    f.fetch("candles", "5m", since="2025-10-10", until="2025-10-10T06:00")
    f.fetch("candles", "5m", since="2025-10-10T18:00", until="2025-10-11")
    n = len(fake.requests)
    rep = f.fetch("candles", "5m", since="2025-10-10", until="2025-10-11")
    qs = [q for r, q in fake.requests[n:] if r == "binance:klines"]
    # exactly the missing 06:00..18:00 (144 bars), in one request
    assert [(int(q["startTime"]), int(q["endTime"])) for q in qs] == \
        [(DAY0 + 72 * FIVE, DAY0 + 216 * FIVE - 1)]
    assert rep.rows_added == 144 and rep.complete
    assert any("lacks" in n for n in rep.notes)
    assert len(stored(store)) == 288
    # and without --since, the default stays: resume after the newest row
    n = len(fake.requests)
    rep = f.fetch("candles", "5m", until="2025-10-11T01:00")
    assert [int(q["startTime"]) for r, q in fake.requests[n:] if r == "binance:klines"] == [DAY0 + 288 * FIVE]
    assert rep.rows_added == 12


def test_two_fetches_into_one_store_at_once_end_with_the_union(fake, store_root):
    """B starts while A is writing a later range: B must still fetch its whole range."""
    fake.page_delay = 0.05
    store = liqlab.Store(store_root)
    a = make(fake, store, "binance", page_limit=24)
    b = make(fake, store, "binance", page_limit=24)
    reps = {}
    ta = threading.Thread(target=lambda: reps.setdefault("a", a.fetch(
        "mark", "1h", since="2025-10-10T12:00", until="2025-10-12")))
    ta.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:   # wait until A has committed its first page
        part = store.partition_path(kind="mark", exchange="binance", symbol="BTCUSDT", timeframe="1h")
        if part.is_dir() and any(p.suffix == ".parquet" for p in part.iterdir()):
            break
        time.sleep(0.01)
    reps["b"] = b.fetch("mark", "1h", since="2025-10-10", until="2025-10-11")
    ta.join(30)
    assert reps["a"].complete and reps["b"].complete, (str(reps["a"]), str(reps["b"]))
    got = stored(store, kind="mark", tf="1h")
    want = pd.read_csv(DATA / "binance_btcusdt_mark_1h.csv")
    assert len(got) == 48 and got.index.is_unique
    assert (got.close.to_numpy() == want.close.to_numpy()).all()


def test_a_missing_binance_funding_event_is_a_hole(fake, store_root):
    """Binance stamps funding a few ms late: one missing event leaves a gap of just under two
    periods between stamps. Slot by slot it is a hole, recorded and reported."""
    fu = pd.read_csv(DATA / "funding_8h.csv")
    bn = fu[fu.venue == "binance"].time_ms.tolist()
    assert bn[5] % (8 * 3_600_000) != 0                 # the real stamp is late
    fake.remove("binance", "funding", [bn[5]])
    store = liqlab.Store(store_root)
    rep = make(fake, store, "binance").fetch("funding", None, since=FUNDING["binance"][0],
                                             until=FUNDING["binance"][1])
    slot = pd.Timestamp(bn[5], unit="ms", tz="UTC").floor("8h")
    assert [(h.start, h.end, h.rows) for h in rep.holes] == [(slot, slot + pd.Timedelta("8h"), 1)]
    assert rep.retries == 3                               # asked again before giving up
    assert [h.start for h in HoleLedger(store_root).holes("binance/BTCUSDT/funding/8h")] == [slot]
    assert len(stored(store, kind="funding", tf="8h")) == 11


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
@pytest.mark.parametrize("fault", ["partial", "dupes", "overlap"])
def test_a_partly_returned_funding_page_is_asked_again(fake, store_root, exchange, fault):
    route = {"binance": "binance:fundingRate", "okx": "okx:funding-rate-history",
             "bybit": "bybit:funding-history"}[exchange]
    fake.fault(route, "ok")                                # the first page is whole
    fake.fault(route, fault, shift=4 * 8 * 3_600_000)      # the second comes back in part
    store = liqlab.Store(store_root)
    rep = make(fake, store, exchange, page_limit=6).fetch(
        "funding", None, since=FUNDING[exchange][0], until=FUNDING[exchange][1])
    assert rep.complete and rep.retries >= 1, str(rep)
    sym = {"okx": "BTC-USDT-SWAP"}.get(exchange, "BTCUSDT")
    got = stored(store, exchange, "funding", "8h", sym)
    fu = pd.read_csv(DATA / "funding_8h.csv")
    assert got.rate.tolist() == fu[fu.venue == exchange].funding_rate.tolist()


def test_funding_slots_take_late_stamps_and_ignore_off_schedule_ones():
    from liqlab.data.exchanges.fetch import funding_slots
    t = pd.DatetimeIndex(["2025-10-10 00:00:00.003", "2025-10-10 07:59:59.990",
                          "2025-10-10 12:00", "2025-10-10 16:00:30"], tz="UTC")
    got = funding_slots(t, pd.Timedelta("8h"))
    assert list(got) == [pd.Timestamp("2025-10-10 00:00", tz="UTC"),
                         pd.Timestamp("2025-10-10 08:00", tz="UTC"),
                         pd.Timestamp("2025-10-10 16:00", tz="UTC")]
