"""The explorer reads the user's local store (what liqlab fetch / record write) as well as the
embedded data, and reloads it on demand or periodically. (Loading a store window:
tests/data/test_load.py.)"""
from __future__ import annotations

import asyncio

import pandas as pd
import pytest

import liqlab
from liqlab.views.explorer import Explorer
from tests.data import store_window
from tests.data.store_window import END


@pytest.fixture
def filled(tmp_path):
    """Binance and Bybit 5m candles 2025-09-20 .. 10-08, Hyperliquid's hourly BTC OI (the
    proxy they split) and Binance funding (:func:`tests.data.store_window.fill`)."""
    return store_window.fill(tmp_path / "store")


def test_explorer_reloads_the_store_on_demand(filled):
    ex = Explorer(store=filled.root, debounce=0)
    assert ex.end.value == "latest" and ex.data.end == END
    cols = ex.result.heatmap.sizes["time"]
    assert "2025-10-08 00:00" in ex.status.value
    # a fetch adds the next 12 hours to the store: reload shows them
    for name in ("binance", "bybit"):
        store_window.write(filled, liqlab.load_sample(f"{name}_btcusdt_5m"), "candles", name, "BTCUSDT",
                           "5m", END, END + pd.Timedelta("12h"))
    store_window.write(filled, liqlab.load_sample("hyperliquid_btc_oi_1h"), "oi", "hyperliquid", "BTC",
                       "1h", END, END + pd.Timedelta("12h"))
    ex.reload_now()
    assert ex.data.end == END + pd.Timedelta("12h")
    assert "2025-10-08 12:00" in ex.status.value and "not applied" not in ex.status.value
    t = pd.DatetimeIndex(ex.result.heatmap.indexes["time"])
    t = t.tz_localize(None) if t.tz is not None else t
    assert t[-1] >= (END + pd.Timedelta("11h")).tz_localize(None) and ex.result.heatmap.sizes["time"] >= cols


def test_explorer_auto_reload_runs_on_the_event_loop(filled):
    ex = Explorer(store=filled.root, debounce=0)
    calls = []
    ex.reload_now = lambda: calls.append(1)     # count the periodic calls
    ex.every.value = 1

    async def run():
        real_sleep = asyncio.sleep

        async def fast_sleep(s):                # one "minute" is 10 ms here
            await real_sleep(s / 6000)
        asyncio.sleep = fast_sleep
        try:
            ex.auto.value = True
            await real_sleep(0.2)
            ex.auto.value = False
            n = len(calls)
            await real_sleep(0.1)
            return n
        finally:
            asyncio.sleep = real_sleep
    n = asyncio.run(run())
    assert n >= 3 and len(calls) == n            # it ran several times, and stopped when unticked


def test_auto_reload_without_an_event_loop_is_refused_clearly(filled):
    ex = Explorer(store=filled.root, debounce=0)
    ex.auto.value = True
    assert ex.auto.value is False and "needs a running event loop" in ex.status.value


@pytest.mark.slow
def test_render_draws_the_store(filled, tmp_path, capsys):
    from liqlab.cli import main
    assert main(["render", "--out", str(tmp_path / "out"), "--store", str(filled.root),
                 "--window", "24h"]) == 0
    out = capsys.readouterr().out
    assert ("binance BTC, 24h to 2025-10-08 00:00 UTC, long + short liquidation levels. "
            "Stored real candles: binance (store 5m); "
            "binance open interest: Hyperliquid proxy x 0.") in out
    files = [ln.split("wrote ", 1)[1] for ln in out.splitlines() if ln.startswith("wrote ")]
    assert [f.rsplit(".", 1)[1] for f in files] == ["html", "png"]
    assert all((tmp_path / "out").joinpath(f.rsplit("/", 1)[1]).stat().st_size > 10_000 for f in files)
    assert main(["render", "--out", str(tmp_path / "o2"), "--store", str(filled.root),
                 "--exchange", "okx"]) == 2
    assert "no stored okx BTCUSDT candles cover the 3d window" in capsys.readouterr().err
