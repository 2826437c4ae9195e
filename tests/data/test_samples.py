"""The embedded real-data samples: every one loads, is a valid canonical frame with the
documented columns, dtypes, attrs and span, matches its MANIFEST; spot values copied by hand
from the source CSVs; unit and side decisions checked against the shipped prices; and the
build's conversions on small hand-written CSV text. Never reads ../shared."""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.data import schema
from liqlab.data.samples import _convert
from liqlab.data.samples._parquet import from_parquet, to_parquet_bytes
from liqlab.data.samples._registry import SAMPLES, SCHEMA_DOC, Sample

ROOT = Path(__file__).resolve().parents[2]
PKG = resources.files("liqlab.data.samples")
MANIFEST = json.loads((ROOT / "liqlab" / "data" / "samples" / "MANIFEST.json").read_text())["samples"]
NAMES = sorted(SAMPLES)
UTC = "UTC"

# names other modules already code against (the contract in the team rules)
CONTRACT = ["binance_btcusdt_5m", "bybit_btcusdt_5m", "binance_btcusdt_1h",
            "binance_btcusdt_mark_1h", "binance_btcusdt_1m", "binance_btcusdt_funding",
            "hyperliquid_btc_oi_1h", "liquidations_okx_2026_03", "liquidations_hyperliquid_2025_05",
            "liq_totals_hyperliquid_daily", "hyperliquid_btc_1h", "binance_btc_1h_multivenue",
            "funding_binance", "funding_bybit", "funding_okx", "funding_hyperliquid"]


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def _build_module():
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "scripts" / "build_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- every sample

def test_contract_names_exist():
    assert set(CONTRACT) <= set(SAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_sample_loads_valid_with_documented_schema(name):
    s = SAMPLES[name]
    df = liqlab.load_sample(name)
    schema.validate(df, s.kind, name)
    documented_cols = [c for col, _, _ in SCHEMA_DOC[s.kind] if not col.startswith("time")
                       for c in col.split(", ")]
    assert list(df.columns) == documented_cols
    assert set(schema.COLUMNS[s.kind][0]) <= set(df.columns)
    assert str(df.index.dtype) == "datetime64[ns, UTC]" and df.index.name == "time"
    for col in df.columns:
        if col in ("exchange", "symbol", "side"):
            assert pd.api.types.is_string_dtype(df[col]), col
        else:
            assert df[col].dtype == np.float64, col
    a = df.attrs
    assert (a["kind"], a["exchange"], a["symbol"], a["timeframe"], a["source"]) == \
        (s.kind, s.exchange, s.symbol, s.timeframe, s.source)
    assert "terms" in a and "exchange" in a["terms"]
    m = MANIFEST[name]
    assert len(df) == m["rows"]
    assert df.index[0] == pd.Timestamp(m["first"]) and df.index[-1] == pd.Timestamp(m["last"])
    if s.start:
        assert df.index[0] >= _ts(s.start)
    if s.end:
        assert df.index[-1] < _ts(s.end)


def test_load_returns_a_copy():
    a = liqlab.load_sample("binance_btcusdt_1m")
    a.iloc[0, 0] = -1.0
    assert liqlab.load_sample("binance_btcusdt_1m").iloc[0, 0] == 29996.9


def test_regular_bars_have_no_gaps():
    # DATA.md: no gaps or duplicate bars in the single-venue candle series
    for name, step in [("binance_btcusdt_5m", "5min"), ("bybit_btcusdt_5m", "5min"),
                       ("binance_btcusdt_1m", "1min"), ("binance_btcusdt_15m_2026_03", "15min"),
                       ("okx_btcusdt_5m_2022_11", "5min")]:
        idx = liqlab.load_sample(name).index
        assert (np.diff(idx.asi8) == pd.Timedelta(step).value).all(), name


def test_list_samples():
    ls = liqlab.list_samples()
    assert list(ls.columns) == ["name", "kind", "exchange", "symbol", "timeframe", "rows", "start",
                                "end", "description"]
    assert sorted(ls["name"]) == NAMES
    row = ls.set_index("name").loc["binance_btcusdt_5m"]
    assert row["rows"] == 26496  # 92 days x 288 bars
    assert row["start"] == _ts("2025-08-01") and row["end"] == _ts("2025-10-31 23:55")


def test_unknown_name_lists_available():
    with pytest.raises(ValueError, match="available samples: .*binance_btcusdt_5m"):
        liqlab.load_sample("binance_btcusdt_5")


def test_docstring_lists_every_sample_with_sections():
    doc = liqlab.load_sample.__doc__
    for name in NAMES:
        assert f"``{name}``" in doc
    for word in ("Description:", "Schema:", "Source:", "Terms"):
        assert doc.count(word) >= 1
    for word in ("Description:", "Schema:", "Source:", "Terms: facts from"):
        assert doc.count(word) == len(NAMES), word


# ---------------------------------------------------------------- manifest and size

def test_manifest_sha256_matches_files():
    assert sorted(MANIFEST) == NAMES
    for name, m in MANIFEST.items():
        data = PKG.joinpath(m["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == m["sha256"], name
        assert len(data) == m["bytes"]
        assert m["source"] == SAMPLES[name].source and len(m["source_sha256"]) == 64
        assert m["slice"] == SAMPLES[name].slice_rule


def test_total_size_is_small():
    files = list((ROOT / "liqlab" / "data" / "samples").glob("*.parquet"))
    assert sorted(f.stem for f in files) == NAMES  # nothing stale ships
    assert sum(f.stat().st_size for f in files) <= 6_000_000


# ---------------------------------------------------------------- spot values (copied from the CSVs)

@pytest.mark.parametrize("name, time, row", [
    # binance_btcusdt_perp_5m_2024-12-31_2026-02-19.csv.gz
    ("binance_btcusdt_5m", "2025-08-01 00:00", (115697.3, 115755.0, 115624.2, 115713.4, 738.39)),
    ("binance_btcusdt_5m", "2025-10-10 21:20", (103441.3, 109550.0, 101516.5, 108473.0, 18875.923)),
    ("binance_btcusdt_5m", "2025-10-31 23:55", (109586.8, 109586.9, 109557.2, 109557.3, 42.794)),
    # bybit_btcusdt_linear_5m_2025-01-01_2026-02-08.csv.gz
    ("bybit_btcusdt_5m", "2025-10-10 21:20", (103131.4, 108674.3, 101045.9, 108168.0, 12664.533)),
    # binance_btcusdt_perp_1h_2019-09-08_2026-05-17.csv.gz
    ("binance_btcusdt_1h", "2019-09-08 17:00", (10000.0, 10000.0, 10000.0, 10000.0, 0.002)),
    ("binance_btcusdt_1h", "2020-03-12 10:00", (7358.51, 7368.5, 5199.17, 5981.07, 144622.787)),
    ("binance_btcusdt_1h", "2026-05-17 07:00", (78071.6, 78175.3, 78015.0, 78137.2, 1336.456)),
    # binance_btcusdt_perp_1m_2023-07-18_2023-08-17.csv.gz
    ("binance_btcusdt_1m", "2023-07-18 11:13", (29996.9, 30002.0, 29996.9, 30001.9, 60.905)),
    ("binance_btcusdt_1m", "2023-08-17 11:11", (28508.0, 28510.9, 28500.1, 28500.1, 132.602)),
    # binance_btcusdt_perp_mark_1h_2019-12-23_2026-05-17.csv.gz
    ("binance_btcusdt_mark_1h", "2023-01-01 00:00",
     (16537.6, 16540.9, 16506.68545258, 16527.25387778)),
    ("binance_btcusdt_mark_1h", "2026-05-17 06:00",
     (78087.63559167, 78172.7, 77977.42052174, 78071.5)),
    # okx_btc_usdt_swap_5m_2022-05-01_2022-12-31.csv.gz (volume in BTC, unchanged)
    ("okx_btcusdt_5m_2022_11", "2022-11-09 22:05", (15816.1, 15825.0, 15480.0, 15580.1, 3603.69)),
    # binance_btcusdt_perp_15m_2024-01-01_2026-04-30.csv.gz
    ("binance_btcusdt_15m_2024_08", "2024-08-05 06:15", (51576.5, 51797.4, 48888.0, 50010.0, 59763.134)),
    # multivenue_btc_perp_1h: okx v=768482.35 contracts -> 7684.8235 BTC
    ("okx_btc_1h", "2026-03-05 10:00", (72574.7, 73526.0, 72494.6, 73455.2, 7684.8235)),
    ("okx_btc_1h", "2025-12-05 11:00", (91234.8, 91522.9, 91079.0, 91309.9, 1965.0088)),
])
def test_spot_values(name, time, row):
    df = liqlab.load_sample(name)
    got = df.loc[_ts(time)].to_numpy(dtype=float)
    np.testing.assert_allclose(got, row, rtol=1e-12)


def test_spot_values_cascade_lows():
    c5 = liqlab.load_sample("binance_btcusdt_5m")
    assert c5["low"].min() == 101516.5 and c5["low"].idxmin() == _ts("2025-10-10 21:20")
    h1 = liqlab.load_sample("binance_btcusdt_1h")
    assert h1.loc["2020-03-12":"2020-03-13", "low"].min() == 3621.81  # DATA.md


def test_spot_values_funding_oi_totals():
    f = liqlab.load_sample("binance_btcusdt_funding")
    assert f["rate"].iloc[0] == 0.0001 and f.index[0] == _ts("2019-09-10 08:00")
    assert f["rate"].iloc[-1] == 4.037e-05 and f.index[-1] == _ts("2026-05-17 00:00")
    assert f.attrs["period_hours"] == 8
    fb = liqlab.load_sample("funding_binance")  # source time 2025-03-08 16:00:00.001 -> rounded
    assert fb.index[0] == _ts("2025-03-08 16:00") and fb["rate"].iloc[0] == 1.208e-05
    assert fb.index[-1] == _ts("2026-03-07 08:00") and fb["rate"].iloc[-1] == 3.525e-05
    fh = liqlab.load_sample("funding_hyperliquid")
    assert fh.attrs["period_hours"] == 1 and fh["rate"].iloc[-1] == -9.762699999999997e-06
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    assert len(oi) == 8718
    assert oi["oi_usd"].iloc[0] == 898745447.7910928 and oi.index[0] == _ts("2025-03-08 08:00")
    assert oi["oi_usd"].iloc[-1] == 1706639341.0018058 and oi.index[-1] == _ts("2026-03-07 07:00")
    t = liqlab.load_sample("liq_totals_hyperliquid_daily")
    assert tuple(t.loc[_ts("2025-12-07")]) == (29237102.67711996, 3546471.0795800006, 4131.0)
    assert tuple(t.loc[_ts("2026-01-25")]) == (64654466.48907989, 19.38772, 5635.0)


def test_spot_values_liquidations():
    okx = liqlab.load_sample("liquidations_okx_2026_03")
    assert len(okx) == 1611
    first = okx.iloc[0]  # source: 22:45:43.781, sell, size_usd 15210.594, price 72431.4
    assert okx.index[0] == _ts("2026-03-04 22:45:43.781")
    assert (first["side"], first["price"]) == ("long", 72431.4)
    # 15210.594 / 72431.4 = 0.21 contracts x 0.01 BTC = 0.0021 BTC; x 72431.4 = $152.10594
    assert first["qty"] == pytest.approx(0.0021, rel=1e-12)
    assert first["usd"] == pytest.approx(152.10594, rel=1e-9)
    last = okx.iloc[-1]  # buy, 47523.71 / 73113.4 = 0.65 contracts
    assert (last["side"], last["price"]) == ("short", 73113.4)
    assert last["qty"] == pytest.approx(0.0065, rel=1e-12)
    hl = liqlab.load_sample("liquidations_hyperliquid_2025_05")
    assert len(hl) == 468 and hl.index.nunique() == 87
    assert (hl["side"] == "short").all()
    assert hl.index[0] == _ts("2025-05-25 15:21:42.312")
    assert hl["usd"].iloc[0] == pytest.approx(711.05125, rel=1e-12)
    assert hl["qty"].iloc[0] == pytest.approx(711.05125 / 106925.0, rel=1e-12)
    assert hl["usd"].sum() == pytest.approx(6127764.6, rel=1e-6)


# ---------------------------------------------------------------- unit and side decisions

def _hourly_usd(liq: pd.DataFrame, side: str) -> pd.Series:
    return liq.loc[liq["side"] == side, "usd"].resample("1h").sum()


def test_okx_side_mapping_against_prices():
    liq = liqlab.load_sample("liquidations_okx_2026_03")
    c = liqlab.load_sample("okx_btc_1h")
    ret = c["close"] / c["open"] - 1
    longs, shorts = _hourly_usd(liq, "long"), _hourly_usd(liq, "short")
    assert longs.idxmax() == _ts("2026-03-05 07:00") and ret[longs.idxmax()] < 0
    assert ret[shorts.idxmax()] > 0
    # the same check on Binance's own hourly candles
    b = liqlab.load_sample("binance_btcusdt_1h")
    assert b.loc[longs.idxmax(), "close"] < b.loc[longs.idxmax(), "open"]
    # every hour where long liquidations dominate 3:1 fell; where shorts do 3:1, rose
    both = pd.concat({"l": longs, "s": shorts}, axis=1).fillna(0).join(ret.rename("r"), how="inner")
    assert (both.loc[both.l > 3 * both.s, "r"] < 0).all()
    assert (both.loc[both.s > 3 * both.l, "r"] > 0).all()


def test_okx_size_is_corrected_to_a_plausible_share_of_traded_volume():
    liq = liqlab.load_sample("liquidations_okx_2026_03")
    c = liqlab.load_sample("okx_btc_1h")
    hourly = liq["usd"].resample("1h").sum()
    share = (hourly / (c["volume"] * c["close"]).reindex(hourly.index)).dropna()
    # uncorrected (x100) this would reach 47 % of everything OKX traded in an hour
    assert 0.001 < share.max() < 0.01
    assert liq.attrs["usd_correction"] == 0.01
    ev = MANIFEST["liquidations_okx_2026_03"]["evidence"]
    assert ev["size_over_price_is_multiple_of_0.01"] is True and ev["factor"] == 0.01
    assert ev["raw_max_hourly_share_of_okx_traded_usd"] == pytest.approx(100 * share.max(), rel=1e-3)


def test_okx_multivenue_volume_is_btc_like_binance():
    okx = liqlab.load_sample("okx_btc_1h")
    b = liqlab.load_sample("binance_btcusdt_1h")
    ratio = (okx["volume"] / b["volume"].reindex(okx.index)).median()
    assert 0.2 < ratio < 1.0  # OKX trades a fraction of Binance's BTC (0.52 here)
    o22 = liqlab.load_sample("okx_btcusdt_5m_2022_11")["volume"].resample("1h").sum()
    r22 = (o22 / b["volume"].reindex(o22.index)).median()
    assert 0.1 < r22 < 0.5


def test_hyperliquid_side_short_against_prices():
    liq = liqlab.load_sample("liquidations_hyperliquid_2025_05")
    c5 = liqlab.load_sample("binance_btcusdt_5m_2025_05")
    move = (c5["close"] / c5["close"].shift(6) - 1).reindex(liq.index.floor("5min")).to_numpy()
    up = liq["usd"].to_numpy()[move > 0].sum() / liq["usd"].sum()
    assert up > 0.95  # shorts are liquidated by rises
    assert MANIFEST["liquidations_hyperliquid_2025_05"]["evidence"]["share_after_30min_rise"] == \
        pytest.approx(up, abs=1e-4)


def test_liquidation_sets_have_candles_with_warm_up():
    for liq_name, candle_name in [("liquidations_okx_2026_03", "binance_btcusdt_15m_2026_03"),
                                  ("liquidations_hyperliquid_2025_05", "binance_btcusdt_5m_2025_05")]:
        liq, c = liqlab.load_sample(liq_name), liqlab.load_sample(candle_name)
        assert c.index[0] <= liq.index[0] - pd.Timedelta("14D")
        assert c.index[-1] >= liq.index[-1].floor("15min")


# ---------------------------------------------------------------- conversions on hand-written CSV

def _sample(reader: str, kind: str = "candles", **kw) -> Sample:
    base = dict(name="t", kind=kind, exchange="binance", symbol="BTCUSDT", timeframe="1m",
                source="x.csv.gz", reader=reader, description="test")
    base.update(kw)
    return Sample(**base)


# real 1m rows (binance_btcusdt_perp_1m, 2023-07-18 11:13..11:16), with 11:15 out of order and
# 11:14 twice (the second copy with a different volume: clean keeps the last)
CANDLES_CSV = """date,open,high,low,close,volume
2023-07-18T11:13:00Z,29996.9,30002.0,29996.9,30001.9,60.905
2023-07-18T11:15:00Z,30001.4,30001.4,29994.4,29994.5,40.999
2023-07-18T11:14:00Z,30002.0,30002.0,30001.3,30001.4,65.706
2023-07-18T11:14:00Z,30002.0,30002.0,30001.3,30001.4,65.0
2023-07-18T11:16:00Z,29994.5,29994.5,29992.0,29992.1,120.461
"""


def test_convert_candles_sorts_dedups_and_reports():
    raw = pd.read_csv(io.StringIO(CANDLES_CSV))
    with pytest.raises(ValueError, match="would drop 1 of 5 rows"):  # default max_loss 1 %
        _convert.convert(raw, _sample("candles_csv"))
    df, rep = _convert.convert(raw, _sample("candles_csv"), max_loss=0.25)
    assert list(df.index.strftime("%H:%M")) == ["11:13", "11:14", "11:15", "11:16"]
    assert df.loc[_ts("2023-07-18 11:14"), "volume"] == 65.0  # the last copy
    assert (rep.rows_in, rep.rows_out, rep.sorted, rep.duplicates_dropped) == (5, 4, True, 1)
    assert "sorted by time" in str(rep) and "dropped 1 duplicate" in str(rep)


def test_convert_candles_slice_end_exclusive_and_empty_slice_fails():
    raw = pd.read_csv(io.StringIO(CANDLES_CSV))
    df, _ = _convert.convert(raw, _sample("candles_csv", start="2023-07-18 11:14",
                                          end="2023-07-18 11:16"), max_loss=0.25)
    assert list(df.index.strftime("%H:%M")) == ["11:14", "11:15"]
    with pytest.raises(ValueError, match="is empty"):
        _convert.convert(raw, _sample("candles_csv", start="2024-01-01"), max_loss=0.25)


def test_convert_rejects_bad_source():
    with pytest.raises(ValueError, match="lacks column"):
        _convert.convert(pd.read_csv(io.StringIO("date,open\n2023-07-18T11:13:00Z,1\n")),
                         _sample("candles_csv"))
    bad = CANDLES_CSV.replace("29996.9,30002.0,29996.9", "29996.9,29000.0,29996.9")
    with pytest.raises(ValueError, match="high is below open, close or low in 1 row.*11:13"):
        _convert.convert(pd.read_csv(io.StringIO(bad)), _sample("candles_csv"), max_loss=0.25)
    with pytest.raises(ValueError, match="'volume' holds values that are not numbers"):
        _convert.convert(pd.read_csv(io.StringIO(CANDLES_CSV.replace("60.905", "6O.905"))),
                         _sample("candles_csv"), max_loss=0.25)
    with pytest.raises(ValueError, match="'volume' has NaN"):  # read_csv reads n/a as NaN
        _convert.convert(pd.read_csv(io.StringIO(CANDLES_CSV.replace("60.905", "n/a"))),
                         _sample("candles_csv"), max_loss=0.25)


def test_convert_okx_liquidations():
    text = """timestamp,venue,side,size_usd,price
2026-03-04 22:45:45.620+00:00,okx,sell,4692927.006,72388.2
2026-03-04 22:45:43.781+00:00,okx,sell,15210.593999999997,72431.4
2025-05-25 15:21:42.312+00:00,hyperliquid,S,711.05125,106925.0
2026-03-05 11:17:55.837+00:00,okx,buy,47523.71,73113.4
"""
    s = _sample("liquidations_okx", kind="liquidations", exchange="okx", symbol="BTC-USDT-SWAP",
                timeframe="raw", venue="okx")
    df, rep = _convert.convert(pd.read_csv(io.StringIO(text)), s)
    assert rep.sorted and len(df) == 3
    assert list(df["side"]) == ["long", "long", "short"]
    # 4692927.006 / 72388.2 = 64.83 contracts = 0.6483 BTC; 0.6483 * 72388.2 = 46929.27006
    np.testing.assert_allclose(df["qty"], [0.0021, 0.6483, 0.0065], rtol=1e-12)
    np.testing.assert_allclose(df["usd"], [152.10594, 46929.27006, 475.2371], rtol=1e-9)
    assert set(df["exchange"]) == {"okx"} and set(df["symbol"]) == {"BTC-USDT-SWAP"}
    with pytest.raises(ValueError, match="'buy' or 'sell'"):
        _convert.convert(pd.read_csv(io.StringIO(text.replace(",buy,", ",B,"))), s)


def test_convert_hyperliquid_liquidations_refuses_unknown_side():
    text = """timestamp,venue,side,size_usd,price
2025-05-25 15:22:37.704+00:00,hyperliquid,S,11.76186,106926.0
2025-05-25 15:22:37.704+00:00,hyperliquid,S,1069.28,106928.0
"""
    s = _sample("liquidations_hyperliquid", kind="liquidations", exchange="hyperliquid",
                symbol="BTC", timeframe="raw", venue="hyperliquid")
    df, _ = _convert.convert(pd.read_csv(io.StringIO(text)), s)
    assert list(df["side"]) == ["short", "short"] and df.index.nunique() == 1
    np.testing.assert_allclose(df["qty"], [11.76186 / 106926.0, 1069.28 / 106928.0])
    with pytest.raises(ValueError, match="found \\['B'\\]"):
        _convert.convert(pd.read_csv(io.StringIO(text.replace(",S,11", ",B,11"))), s)


def test_convert_multivenue_funding_rounds_jitter_and_filters_venue():
    text = """timestamp,venue,funding_rate
2025-03-08 16:00:00.001+00:00,binance,1.208e-05
2025-03-08 16:00:00.000+00:00,bybit,2.0e-05
2025-03-09 00:00:00.001+00:00,binance,-2.779e-05
2025-03-09 07:59:59.999+00:00,binance,3.0e-05
"""
    s = _sample("funding_multivenue", kind="funding", timeframe="8h", venue="binance")
    df, _ = _convert.convert(pd.read_csv(io.StringIO(text)), s)
    assert list(df.index) == [_ts("2025-03-08 16:00"), _ts("2025-03-09 00:00"), _ts("2025-03-09 08:00")]
    assert list(df["rate"]) == [1.208e-05, -2.779e-05, 3.0e-05]
    with pytest.raises(ValueError, match="off the minute"):
        _convert.convert(pd.read_csv(io.StringIO(text.replace("00:00:00.001", "00:00:30.000"))), s)
    with pytest.raises(ValueError, match="no rows for venue 'okx'"):
        _convert.convert(pd.read_csv(io.StringIO(text)), _sample("funding_multivenue",
                                                                   kind="funding", venue="okx"))


def test_convert_multivenue_candles_volume_factor():
    text = """timestamp,venue,o,h,l,c,v
2026-03-05 10:00:00+00:00,okx,72574.7,73526.0,72494.6,73455.2,768482.35
2026-03-05 10:00:00+00:00,binance,72580.0,73530.0,72490.0,73460.0,9000.0
"""
    s = _sample("candles_multivenue", exchange="okx", venue="okx", extra_attrs={"volume_factor": 0.01})
    df, _ = _convert.convert(pd.read_csv(io.StringIO(text)), s)
    assert df["volume"].iloc[0] == pytest.approx(7684.8235, rel=1e-12)


# ---------------------------------------------------------------- Parquet and the build script

def test_parquet_roundtrip_is_exact_and_deterministic():
    df = liqlab.load_sample("liquidations_hyperliquid_2025_05")
    data = to_parquet_bytes(df)
    assert data == to_parquet_bytes(df.copy())
    back = from_parquet(io.BytesIO(data))
    df.attrs = {}
    pd.testing.assert_frame_equal(back, df)


def _tiny_source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    name = SAMPLES["binance_btcusdt_1m"].source
    (src / name).write_bytes(gzip.compress(CANDLES_CSV.encode(), mtime=0))
    digest = hashlib.sha256((src / name).read_bytes()).hexdigest()
    (src / "SHA256SUMS").write_text(f"{digest}  {name}\n")
    return src


def test_build_script_on_a_tiny_source(tmp_path, capsys):
    build = _build_module()
    src, out = _tiny_source(tmp_path), tmp_path / "out"
    man = build.build(src, out, ["binance_btcusdt_1m"], max_loss=0.25)
    text = capsys.readouterr().out
    assert "sorted by time" in text and "dropped 1 duplicate" in text and "MANIFEST.json" in text
    entry = man["samples"]["binance_btcusdt_1m"]
    assert entry["rows"] == 4 and entry["first"] == "2023-07-18T11:13:00Z"
    data = (out / "binance_btcusdt_1m.parquet").read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert json.loads((out / "MANIFEST.json").read_text())["samples"]["binance_btcusdt_1m"] == entry
    assert not list(out.glob("*.tmp"))
    build.build(src, out, ["binance_btcusdt_1m"], max_loss=0.25)  # rebuilding gives the same bytes
    assert (out / "binance_btcusdt_1m.parquet").read_bytes() == data


def test_build_script_names_a_bad_or_missing_source(tmp_path, capsys):
    build = _build_module()
    src = _tiny_source(tmp_path)
    name = SAMPLES["binance_btcusdt_1m"].source
    (src / name).write_bytes(b"tampered")
    with pytest.raises(ValueError, match=f"differs from SHA256SUMS: .*{name}"):
        build.build(src, tmp_path / "out", ["binance_btcusdt_1m"])
    (src / name).unlink()
    with pytest.raises(ValueError, match=f"missing: .*{name}"):
        build.build(src, tmp_path / "out", ["binance_btcusdt_1m"])
    assert build.main(["--source", str(src), "--out", str(tmp_path / "out"),
                       "--only", "binance_btcusdt_1m"]) == 2
    assert name in capsys.readouterr().err
