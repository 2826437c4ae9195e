"""The explorer reads the user's local store (what liqlab fetch / record write) as well as the
embedded data, and reloads it on demand or periodically.

The store here is filled with the embedded real samples through ``liqlab.Store.write``, so the
same window loaded from the store and from the embedded data must estimate to the same heatmap
(an independent path to the same answer)."""
from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.views import sources
from liqlab.views.explorer import Explorer
from liqlab.views.store_source import load_store_window, store_end, store_exchanges

END = pd.Timestamp("2025-10-08T00:00Z")
FIRST = pd.Timestamp("2025-09-20T00:00Z")


def _write(store, df, kind, exchange, symbol, timeframe, start=None, end=None):
    part = df.loc[(df.index >= start) if start is not None else slice(None)]
    part = part.loc[part.index < end] if end is not None else part
    part = part.copy()
    part.attrs = {}
    store.write(part, kind=kind, exchange=exchange, symbol=symbol, timeframe=timeframe)


@pytest.fixture
def filled(tmp_path):
    """Binance and Bybit 5m candles 2025-09-20 .. 10-08 and, as each one's open interest,
    Hyperliquid's hourly BTC OI (the one real OI history embedded: the same proxy the
    embedded explorer uses), plus Binance funding."""
    store = liqlab.Store(tmp_path / "store")
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    for ex in ("binance", "bybit"):
        c = liqlab.load_sample(f"{ex}_btcusdt_5m")
        _write(store, c, "candles", ex, "BTCUSDT", "5m", FIRST, END)
        _write(store, oi, "oi", ex, "BTCUSDT", "1h", FIRST - pd.Timedelta("1D"), END)
    _write(store, liqlab.load_sample("binance_btcusdt_funding"), "funding", "binance", "BTCUSDT",
           "8h", FIRST, END)
    return store


def test_store_window_equals_the_embedded_window(filled):
    assert store_exchanges(filled) == ["binance", "bybit"]
    assert store_end(filled, "BTC/USDT:USDT") == END          # last 5m bar opens at END - 5m
    got = load_store_window("3d", "latest", filled)
    ref = sources.load_window("3d", END)
    assert got.end == ref.end == END and got.start == ref.start
    assert got.exchanges == ref.exchanges == ["binance", "bybit"]
    for ex in got.exchanges:
        pd.testing.assert_frame_equal(got.inputs[ex]["candles"], ref.inputs[ex]["candles"],
                                      check_like=True, check_freq=False)
    assert any("binance: own open interest (1h)" in n for n in got.notes)
    a = sources.estimate_window(got).heatmap
    b = sources.estimate_window(ref).heatmap
    np.testing.assert_allclose(a["long_usd"].values, b["long_usd"].values, rtol=1e-12)
    np.testing.assert_allclose(a["short_usd"].values, b["short_usd"].values, rtol=1e-12)
    assert float(a["long_usd"].sum()) > 0
    assert got.funding is not None and got.funding.index.min() >= got.start


def test_store_without_oi_runs_volume_only_and_says_so(tmp_path):
    store = liqlab.Store(tmp_path / "s")
    _write(store, liqlab.load_sample("bybit_btcusdt_5m"), "candles", "bybit", "BTCUSDT", "5m",
           FIRST, END)
    d = load_store_window("24h", "2025-10-07T00:00Z", store)
    assert d.exchanges == ["bybit"] and d.inputs["bybit"]["oi"] is None
    assert any("volume-only" in n for n in d.notes)
    assert sources.estimate_window(d).meta["inflow"] == {"bybit": "volume only (no open interest)"}


def test_store_errors_say_what_to_do(tmp_path, filled):
    with pytest.raises(ValueError, match="holds no BTCUSDT candles.*liqlab fetch"):
        load_store_window("3d", "latest", tmp_path / "empty")
    with pytest.raises(ValueError, match=r"no stored BTCUSDT candles cover the 1w window.*stored: binance 5m"):
        load_store_window("1w", "2025-09-25T00:00Z", filled)
    with pytest.raises(ValueError, match="not a perpetual symbol"):
        load_store_window("3d", "latest", filled, symbol="../../etc")


def test_explorer_reloads_the_store_on_demand(filled):
    ex = Explorer(store=filled.root, debounce=0)
    assert ex.end.value == "latest" and ex.data.end == END
    cols = ex.result.heatmap.sizes["time"]
    assert "2025-10-08 00:00" in ex.status.value
    # a fetch adds the next 12 hours to the store: reload shows them
    for name in ("binance", "bybit"):
        _write(filled, liqlab.load_sample(f"{name}_btcusdt_5m"), "candles", name, "BTCUSDT", "5m",
               END, END + pd.Timedelta("12h"))
        _write(filled, liqlab.load_sample("hyperliquid_btc_oi_1h"), "oi", name, "BTCUSDT", "1h",
               END, END + pd.Timedelta("12h"))
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
            "Stored real candles: binance (store 5m + OI 1h)") in out
    files = [ln.split("wrote ", 1)[1] for ln in out.splitlines() if ln.startswith("wrote ")]
    assert [f.rsplit(".", 1)[1] for f in files] == ["html", "png"]
    assert all((tmp_path / "out").joinpath(f.rsplit("/", 1)[1]).stat().st_size > 10_000 for f in files)
    assert main(["render", "--out", str(tmp_path / "o2"), "--store", str(filled.root),
                 "--exchange", "okx"]) == 2
    assert "no stored okx BTCUSDT candles cover the 3d window" in capsys.readouterr().err
