"""liqlab.data.load_window: one window of real data from the embedded samples or the store, and
which open interest drives each exchange (its own, else a volume share of the Hyperliquid proxy,
else none). Shares are checked against volumes summed here straight from the samples."""
from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.data import AGGREGATE, load_window
from liqlab.data.load import OI_MAX_GAP, _oi_gap, store_end, store_exchanges, volume_shares
from liqlab.data.windows import WINDOWS
from liqlab.pipeline import estimate_window
from tests.data import store_window
from tests.data.store_window import END, FIRST

PROXY = liqlab.load_sample("hyperliquid_btc_oi_1h")["oi_usd"]


def _hand_shares(names: dict[str, str], window: str, end: str) -> dict[str, float]:
    """Each exchange's share of the base volume summed over the warm-up bars all of them have,
    from the raw samples."""
    w, end = WINDOWS[window], pd.Timestamp(end)
    vols = {}
    for ex, name in names.items():
        c = liqlab.load_sample(name)
        vols[ex] = c.loc[(c.index >= w.data_start(end)) & (c.index < w.start(end)), "volume"]
    common = reduce(lambda a, b: a.intersection(b), [v.index for v in vols.values()])
    assert len(common) > 100
    sums = {ex: v.loc[common].sum() for ex, v in vols.items()}
    return {ex: s / sum(sums.values()) for ex, s in sums.items()}


def _cut(s: pd.Series, d) -> pd.Series:
    return s[(s.index >= d.start) & (s.index < d.end)]


def test_the_proxy_is_split_by_volume_share_and_counted_once():
    d = load_window("3d", "2025-10-11T00:00Z")
    assert d.exchanges == ["binance", "bybit"]
    hand = _hand_shares({"binance": "binance_btcusdt_5m", "bybit": "bybit_btcusdt_5m"},
                        "3d", "2025-10-11T00:00Z")
    got = {ex: s.share for ex, s in d.oi_sources.items()}
    assert {s.kind for s in d.oi_sources.values()} == {"proxy"}
    assert got == pytest.approx(hand, rel=1e-12) and sum(got.values()) == pytest.approx(1.0, rel=1e-12)
    assert 0.55 < got["binance"] < 0.75          # Bybit trades about half Binance's BTC volume
    for ex in d.exchanges:
        oi = d.inputs[ex]["oi"]
        pd.testing.assert_series_equal(oi, (PROXY[PROXY.index < d.end] * hand[ex]).rename("oi_usd"),
                                       check_freq=False, rtol=1e-12)
        assert d.oi_for(ex).attrs["label"] == f"Hyperliquid proxy x {hand[ex]:.2f} by volume share"
    # "all exchanges": the proxy once, not once per exchange
    pd.testing.assert_series_equal(d.oi, _cut(PROXY, d).rename("oi_usd"), check_freq=False, rtol=1e-12)
    assert d.oi_for(AGGREGATE).attrs["label"] == (
        f"Hyperliquid proxy x 1.00 by volume share (binance {hand['binance']:.2f}, "
        f"bybit {hand['bybit']:.2f})")
    assert f"bybit open interest: Hyperliquid proxy x {hand['bybit']:.2f} by volume share" in d.notes


def test_an_exchange_gets_the_same_share_alone_as_in_all():
    both = load_window("3d", "2025-10-11T00:00Z")
    alone = load_window("3d", "2025-10-11T00:00Z", exchanges=["bybit"])
    assert alone.exchanges == ["bybit"]
    assert alone.oi_sources["bybit"] == both.oi_sources["bybit"]
    pd.testing.assert_series_equal(alone.oi, both.oi_for("bybit"))
    a = estimate_window(alone).heatmap
    b = estimate_window(both).by_exchange["bybit"].heatmap
    np.testing.assert_allclose(a["long_usd"].values, b["long_usd"].values, rtol=1e-9)


def test_an_exchange_with_its_own_open_interest_uses_it():
    d = load_window("3d", "2026-01-17T00:00Z")  # Lighter's own OI is gap-free from 2026-01-01
    assert d.exchanges == ["binance", "bybit", "kraken", "lighter", "okx"]
    lighter = liqlab.load_sample("lighter_btc_oi_1h")["oi_usd"]
    assert d.oi_sources["lighter"].kind == "own" and d.oi_sources["lighter"].share == 1.0
    pd.testing.assert_series_equal(d.inputs["lighter"]["oi"], lighter[lighter.index < d.end],
                                   check_freq=False)
    assert d.oi_for("lighter").attrs["label"] == "lighter's own (lighter_btc_oi_1h)"
    hand = _hand_shares({"binance": "binance_btcusdt_1h", "bybit": "bybit_btc_1h",
                         "kraken": "kraken_btc_1h", "okx": "okx_btc_1h"}, "3d", "2026-01-17T00:00Z")
    got = {ex: s.share for ex, s in d.oi_sources.items() if s.kind == "proxy"}
    assert got == pytest.approx(hand, rel=1e-12)
    # all = the proxy once + Lighter's own
    want = pd.concat([_cut(PROXY, d), _cut(lighter, d)], axis=1).ffill().dropna().sum(axis=1)
    pd.testing.assert_series_equal(d.oi, want.rename("oi_usd"), check_freq=False, rtol=1e-12)
    assert "+ lighter's own (lighter_btc_oi_1h)" in d.oi_label()


def test_the_proxys_own_exchange_keeps_its_whole_series():
    """2025-04: Hyperliquid's own candles are embedded; it uses its open interest whole, and the
    others split the same series as a proxy between them only."""
    d = load_window("3d", "2025-04-08T00:00Z")
    assert d.exchanges == ["binance", "bybit", "hyperliquid"]
    assert d.oi_sources["hyperliquid"].kind == "own"
    pd.testing.assert_series_equal(d.inputs["hyperliquid"]["oi"], PROXY[PROXY.index < d.end],
                                   check_freq=False)
    hand = _hand_shares({"binance": "binance_btcusdt_1h", "bybit": "bybit_btc_1h"}, "3d",
                        "2025-04-08T00:00Z")
    assert {e: d.oi_sources[e].share for e in ("binance", "bybit")} == pytest.approx(hand, rel=1e-12)


def test_open_interest_with_a_gap_is_not_used_and_the_notes_say_why():
    """The Hyperliquid series misses 2026-01-19 00:00-17:00: the estimator would refuse it, so
    exchanges relying on the proxy run volume-only, and the notes name the gap."""
    d = load_window("1w", "2026-01-22T00:00Z", exchanges=["binance"])
    src = d.oi_sources["binance"]
    assert src.kind == "none" and "19 h gap after 2026-01-18 23:00" in src.origin
    assert d.oi is None and any("volume-only" in n and "binance" in n for n in d.notes)
    assert estimate_window(d).meta["inflow"] == {"binance": "volume only (no open interest)"}


def test_oi_gap_by_hand():
    t = pd.date_range("2025-01-01", periods=5, freq="1h", tz="UTC")
    s = pd.Series(1.0, index=t)
    end = t[-1] + pd.Timedelta("1h")
    assert _oi_gap(s, t[0], end) is None
    assert _oi_gap(s, t[0] - pd.Timedelta("1min"), end).startswith("starts 2025-01-01 00:00, after")
    assert _oi_gap(s, t[0], t[-1] + OI_MAX_GAP) is None
    assert _oi_gap(s, t[0], t[-1] + OI_MAX_GAP + pd.Timedelta("1min")) == \
        "has a 6 h gap after 2025-01-01 04:00"
    holed = s.drop(t[1:4])                       # 00:00 then 04:00: a 4 h step is allowed
    assert _oi_gap(holed, t[0], end) is None
    assert OI_MAX_GAP == pd.Timedelta(hours=liqlab.ModelParams().oi_max_gap_hours)


def test_volume_shares_by_hand():
    t5 = pd.date_range("2025-01-01", periods=36, freq="5min", tz="UTC")   # 00:00 .. 02:55
    t1 = pd.date_range("2025-01-01", periods=3, freq="1h", tz="UTC")
    a = pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0}, index=t5)
    a.attrs["timeframe"] = "5m"
    b = pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0,
                      "volume": [30.0, 36.0, 1000.0]}, index=t1)
    b.attrs["timeframe"] = "1h"
    # until 02:00: two shared hours, a = 12 + 12, b = 30 + 36 -> 24/90 and 66/90
    got = volume_shares({"a": a, "b": b}, t1[0], t1[2])
    assert got == pytest.approx({"a": 24 / 90, "b": 66 / 90})
    assert volume_shares({"a": a.iloc[:6], "b": b}, t1[0], t1[2]) is None  # a's first hour incomplete


def test_errors_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="unknown window '2d'; choose one of 12h"):
        load_window("2d", "2025-10-11")
    with pytest.raises(ValueError, match="source must be one of 'samples', 'store'"):
        load_window("3d", "2025-10-11", source="parquet")
    with pytest.raises(ValueError, match="source='store' needs store="):
        load_window("3d", "latest", source="store")
    with pytest.raises(ValueError, match="pass source='store'"):
        load_window("3d", "2025-10-11", store=tmp_path)
    with pytest.raises(ValueError, match="embedded data needs a time"):
        load_window("3d", "latest")
    with pytest.raises(ValueError, match="end 'soon' is not a time"):
        load_window("3d", "soon")
    with pytest.raises(ValueError, match="no embedded okx candles cover the 3d window"):
        load_window("3d", "2025-10-11T00:00Z", exchanges=["okx"])
    d = load_window("3d", "2025-10-11T00:00Z")
    with pytest.raises(ValueError, match="'okx' is not loaded in this window; choose one of binance, bybit"):
        d.oi_for("okx")


# -- the store -------------------------------------------------------------------------------
@pytest.fixture
def filled(tmp_path):
    return store_window.fill(tmp_path / "store")


def test_store_window_equals_the_embedded_window(filled):
    """Hyperliquid's OI stored as Hyperliquid's: the store's exchanges split it as a proxy, as
    the embedded data does, so the two paths estimate the same heatmap."""
    assert store_exchanges(filled) == ["binance", "bybit"]
    assert store_end(filled, "BTC/USDT:USDT") == END          # last 5m bar opens at END - 5m
    got = load_window("3d", "latest", source="store", store=filled)
    ref = load_window("3d", END)
    assert got.end == ref.end == END and got.start == ref.start
    assert got.exchanges == ref.exchanges == ["binance", "bybit"]
    for ex in got.exchanges:
        pd.testing.assert_frame_equal(got.inputs[ex]["candles"], ref.inputs[ex]["candles"],
                                      check_like=True, check_freq=False)
        assert got.oi_sources[ex].kind == "proxy"
        assert got.oi_sources[ex].share == pytest.approx(ref.oi_sources[ex].share, rel=1e-12)
    assert got.samples == {"binance": "store 5m", "bybit": "store 5m"}
    a = estimate_window(got).heatmap
    b = estimate_window(ref).heatmap
    np.testing.assert_allclose(a["long_usd"].values, b["long_usd"].values, rtol=1e-12)
    np.testing.assert_allclose(a["short_usd"].values, b["short_usd"].values, rtol=1e-12)
    assert float(a["long_usd"].sum()) > 0
    assert got.funding is not None and got.funding.index.min() >= got.start


def test_store_own_open_interest_wins_over_the_proxy(tmp_path):
    st = store_window.fill(tmp_path / "s", own_oi=("binance",))
    d = load_window("3d", "latest", source="store", store=st)
    assert d.oi_sources["binance"].kind == "own" and d.oi_sources["binance"].origin == "store oi 1h"
    assert d.oi_sources["bybit"].kind == "proxy" and d.oi_sources["bybit"].share == 1.0
    assert "binance open interest: binance's own (store oi 1h)" in d.notes


def test_store_without_oi_runs_volume_only_and_says_so(tmp_path):
    store = liqlab.Store(tmp_path / "s")
    store_window.write(store, liqlab.load_sample("bybit_btcusdt_5m"), "candles", "bybit", "BTCUSDT",
                       "5m", FIRST, END)
    d = load_window("24h", "2025-10-07T00:00Z", source="store", store=store)
    assert d.exchanges == ["bybit"] and d.inputs["bybit"]["oi"] is None
    assert d.oi_sources["bybit"].origin == "no stored bybit open interest; no stored hyperliquid open interest"
    assert any("volume-only" in n for n in d.notes)
    assert estimate_window(d).meta["inflow"] == {"bybit": "volume only (no open interest)"}


def test_store_errors_say_what_to_do(tmp_path, filled):
    with pytest.raises(ValueError, match="holds no BTCUSDT candles.*liqlab fetch"):
        load_window("3d", "latest", source="store", store=tmp_path / "empty")
    with pytest.raises(ValueError, match=r"no stored BTCUSDT candles cover the 1w window.*stored: binance 5m"):
        load_window("1w", "2025-09-25T00:00Z", source="store", store=filled)
    with pytest.raises(ValueError, match="not a perpetual symbol"):
        load_window("3d", "latest", source="store", store=filled, symbol="../../etc")


def test_an_exchange_without_warm_up_bars_gets_no_share_and_the_notes_say_so(tmp_path):
    """Bybit's stored candles begin at the window's left edge: no warm-up volume to measure its
    share with (the window's own volume would be lookahead), so it runs volume-only and Binance
    keeps the whole proxy."""
    store = liqlab.Store(tmp_path / "s")
    w = "binance", "bybit"
    for ex, first in zip(w, (FIRST, END - pd.Timedelta("3D"))):
        store_window.write(store, liqlab.load_sample(f"{ex}_btcusdt_5m"), "candles", ex, "BTCUSDT",
                           "5m", first, END)
    store_window.write(store, PROXY.to_frame(), "oi", "hyperliquid", "BTC", "1h", FIRST - pd.Timedelta("1D"), END)
    d = load_window("3d", "latest", source="store", store=store)
    assert d.exchanges == ["binance", "bybit"]
    assert d.oi_sources["binance"].kind == "proxy" and d.oi_sources["binance"].share == 1.0
    assert d.oi_sources["bybit"].kind == "none" and "no warm-up bars" in d.oi_sources["bybit"].origin
    assert "bybit: candles start after the 7-day warm-up should begin" in d.notes
