"""Hyperliquid, the fourth venue, through ccxt's real code path (POST /info) against the fake:
candles, hourly funding, open-interest snapshots polled by --watch (it serves no OI
history), the same store and the same fault handling."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import main
from liqlab.data.exchanges.fetch import Fetcher, Job, watch
from tests.data.exchanges.conftest import FAST
from tests.data.exchanges.fake_exchange import DATA


def make(fake, store, **kw):
    kw.setdefault("now", "2025-12-09")
    return Fetcher(store, "hyperliquid", "BTCUSDT", host=fake.url, policy=FAST, rate_limit=False,
                   timeout_ms=2000, progress=False, sleep=lambda s: None, **kw)


def test_candles_and_hourly_funding_land_exactly(fake, store_root):
    store = liqlab.Store(store_root)
    f = make(fake, store, page_limit=20)               # 3 pages of 20 hourly bars
    rep = f.fetch("candles", "1h", since="2025-04-01", until="2025-04-03T12:00")
    fu = f.fetch("funding", None, since="2025-10-09", until="2025-10-13")
    assert rep.complete and fu.complete and f.symbol == "BTC", (str(rep), str(fu))
    got = store.read(kind="candles", exchange="hyperliquid", symbol="BTC", timeframe="1h")
    want = liqlab.load_sample("hyperliquid_btc_1h").loc["2025-04-01":"2025-04-03 11:00"]
    assert len(got) == 60
    np.testing.assert_array_equal(got[["open", "high", "low", "close", "volume"]].to_numpy(),
                                  want[["open", "high", "low", "close", "volume"]].to_numpy())
    rates = store.read(kind="funding", exchange="hyperliquid", symbol="BTC", timeframe="1h")
    real = liqlab.load_sample("funding_hyperliquid").loc["2025-10-09":"2025-10-12"]
    assert len(rates) == 96 and (rates.rate.to_numpy() == real.rate.to_numpy()).all()


def test_open_interest_snapshots_are_polled_by_watch(fake, store_root):
    store = liqlab.Store(store_root)
    clock = {"t": pd.Timestamp("2025-10-10T00:00:05", tz="UTC")}
    f = make(fake, store, now=lambda: clock["t"])
    real = pd.read_csv(DATA / "hyperliquid_btc_oi_usd_1h.csv")
    served = []

    def sleep(s):          # an hour passes between polls; the exchange's OI moves on with it
        clock["t"] += pd.Timedelta(hours=1)
        fake.hl_oi_time += 3_600_000

    def seen(rep):
        served.append(fake.hl_oi_time)
    ticks = iter(range(0, 10_000, 300))
    n = watch([Job(f, "oi", "raw")], short_every=300, cycles=3, sleep=sleep,
              clock=lambda: next(ticks), on_report=seen)
    oi = store.read(kind="oi", exchange="hyperliquid", symbol="BTC", timeframe="raw")
    assert n == 3 and len(oi) == 3
    assert list(oi.index) == [pd.Timestamp("2025-10-10T00:00:05", tz="UTC") + pd.Timedelta(hours=h)
                              for h in range(3)]
    want = real.set_index("time_ms").oi_usd.reindex(served).to_numpy()
    np.testing.assert_allclose(oi.oi_usd.to_numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("fault,kw", [("status", {"status": 503, "body": ""}), ("reset", {}),
                                      ("partial", {}), ("empty", {}), ("truncate", {})])
def test_faults_on_candles_and_funding_are_handled(fake, store_root, fault, kw):
    for route in ("hyperliquid:candleSnapshot", "hyperliquid:fundingHistory"):
        fake.fault(route, "ok")
        fake.fault(route, fault, **kw)
    store = liqlab.Store(store_root)
    f = make(fake, store, page_limit=12)
    rep = f.fetch("candles", "1h", since="2025-04-01", until="2025-04-02")
    fu = f.fetch("funding", None, since="2025-10-09", until="2025-10-10")
    assert rep.complete and fu.complete and rep.retries >= 1 and fu.retries >= 1, (str(rep), str(fu))
    assert len(store.read(kind="candles", exchange="hyperliquid", symbol="BTC", timeframe="1h")) == 24
    assert len(store.read(kind="funding", exchange="hyperliquid", symbol="BTC", timeframe="1h")) == 24


def test_a_missing_funding_hour_is_a_hole(fake, store_root):
    gone = int(pd.Timestamp("2025-10-09T05:00", tz="UTC").value // 10**6)
    fake.remove("hyperliquid", "funding", [gone])
    rep = make(fake, liqlab.Store(store_root)).fetch("funding", None, since="2025-10-09",
                                                     until="2025-10-10")
    assert [(h.start.hour, h.rows) for h in rep.holes] == [(5, 1)]


def test_cli_fetches_hyperliquid_and_skips_what_it_does_not_serve(fake, store_root, capsys):
    args = ["fetch", "--exchange", "hyperliquid", "--timeframe", "1h", "--since", "2025-04-01",
            "--until", "2025-04-02", "--host", fake.url, "--store", str(store_root), "--no-progress",
            "--kinds", "candles,mark,oi"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "hyperliquid: no mark history served; skipped" in out
    assert "hyperliquid BTC candles 1h" in out and "hyperliquid BTC oi raw" in out
