"""`liqlab import-liquidations` and `liqlab validate --realised STORE`: Tardis-style and
period-totals files built here from the embedded real samples, imported, checked against
totals and sides worked out from the samples (and by hand), then scored."""
import gzip
import json

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import main
from liqlab.validation.realised import read_tardis, read_totals

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"


def _tardis_from_okx_sample(path, gz=True):
    """The embedded OKX orders as Tardis would write them: µs timestamps, the order's side
    (a long liquidated is a sell order), amounts in contracts of 0.01 BTC."""
    s = liqlab.load_sample("liquidations_okx_2026_03")
    us = s.index.as_unit("ns").asi8 // 1000
    lines = [HEADER]
    for i, (t, side, price, qty) in enumerate(zip(us, s["side"], s["price"], s["qty"])):
        lines.append(f"okex-swap,BTC-USDT-SWAP,{t},{t + 1500},{i},{'sell' if side == 'long' else 'buy'},"
                     f"{price!r},{qty / 0.01!r}\n")
    data = "".join(lines).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return s


def test_tardis_rows_by_hand(tmp_path):
    p = tmp_path / "few.csv"
    p.write_text(HEADER +
                 "okex-swap,BTC-USDT-SWAP,1772664343781000,1772664343790000,a1,sell,72430.0,3\n"
                 "binance-futures,btcusdt,1772664344000123,1772664344100000,b7,buy,70000.5,0.002\n")
    df = read_tardis(p)
    # OKX: a sell order closed a long; 3 contracts x 0.01 BTC = 0.03 BTC x 72,430 = 2,172.9 USD
    okx = df[df["exchange"] == "okx"].iloc[0]
    assert (okx["symbol"], okx["side"]) == ("BTC-USDT-SWAP", "long")
    assert okx["qty"] == pytest.approx(0.03) and okx["usd"] == pytest.approx(2172.9)
    assert df.index[0] == pd.Timestamp("2026-03-04 22:45:43.781", tz="UTC")
    # Binance: a buy order closed a short; amount in BTC; microseconds kept
    b = df[df["exchange"] == "binance"].iloc[0]
    assert (b["symbol"], b["side"], b["qty"]) == ("BTCUSDT", "short", 0.002)
    assert b["usd"] == pytest.approx(140.001)
    assert df.index[1] == pd.Timestamp("2026-03-04 22:45:44.000123", tz="UTC")


def test_tardis_bad_input_is_named(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(HEADER + "okex-swap,BTC-USDT-SWAP,1772664343781000,,1,sideways,72430.0,3\n")
    with pytest.raises(ValueError, match=r"line 2 \('sideways'\)"):
        read_tardis(p)
    p.write_text(HEADER + "okex-swap,BTC-USDT-SWAP,1772664343781,,1,sell,72430.0,3\n")
    with pytest.raises(ValueError, match="microseconds"):
        read_tardis(p)
    p.write_text(HEADER + "okex-swap,ETH-BTC-SWAP,1772664343781000,,1,sell,0.03,3\n")
    with pytest.raises(ValueError, match="--contract-size"):
        read_tardis(p)
    p.write_text("exchange,symbol,price\nokx,BTC,1\n")
    with pytest.raises(ValueError, match="missing column"):
        read_tardis(p)


def test_import_tardis_then_validate_from_the_store(tmp_path, capsys):
    src = tmp_path / "okex-swap_liquidations_2026-03-05_BTC-USDT-SWAP.csv.gz"
    sample = _tardis_from_okx_sample(src)
    store = tmp_path / "store"
    assert main(["import-liquidations", str(src), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "okx/BTC-USDT-SWAP/raw" in out and "contracts (0.01 BTC" in out
    got = liqlab.Store(store).read(kind="liquidations", exchange="okx", symbol="BTC-USDT-SWAP",
                                   timeframe="raw")
    assert len(got) == len(sample) == 1611
    for side in ("long", "short"):   # sides and totals as in the sample
        want = sample["usd"][sample["side"] == side].sum()
        assert got["usd"][got["side"] == side].sum() == pytest.approx(want, rel=1e-12)
    assert (got["side"] == "long").sum() == (sample["side"] == "long").sum()
    led = [json.loads(x) for x in (store / "_imports" / "liquidations.jsonl").read_text().splitlines()]
    assert led[0]["rows"] == 1611 and led[0]["format"] == "tardis" and len(led[0]["sha256"]) == 64
    assert led[0]["contract_size"] == 0.01
    # importing the same file again adds nothing (the store de-duplicates events)
    assert main(["import-liquidations", str(src), "--store", str(store)]) == 0
    assert len(liqlab.Store(store).read(kind="liquidations", exchange="okx",
                                        symbol="BTC-USDT-SWAP", timeframe="raw")) == 1611
    # no candles for OKX yet: a clear error, no traceback
    capsys.readouterr()
    assert main(["validate", "--realised", str(store), "--out", str(tmp_path / "v")]) == 2
    assert "no okx BTC-USDT-SWAP candles" in capsys.readouterr().err
    # OKX's own hourly candles into the store; then score
    c = liqlab.load_sample("okx_btc_1h")
    liqlab.Store(store).write(c, kind="candles", exchange="okx", symbol="BTC-USDT-SWAP", timeframe="1h")
    rc = main(["validate", "--realised", str(store), "--n-boot", "100", "--out", str(tmp_path / "v")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "candles: okx BTC-USDT-SWAP 1h" in printed
    assert "open interest: none stored for okx BTC-USDT-SWAP" in printed
    sc = pd.read_csv(tmp_path / "v" / "okx_BTC-USDT-SWAP_liquidations_scores.csv")
    assert set(sc["predictor"]) == {"model", "range", "range_sum", "path_null"}
    assert (sc["n"] == 12).all()                                  # 23:00 .. 11:00, whole hours
    where = pd.read_csv(tmp_path / "v" / "okx_BTC-USDT-SWAP_liquidations_where.csv")
    assert where["side"].tolist() == ["long", "short", "both"]
    inside_n = ((sample.index >= "2026-03-04 23:00") & (sample.index < "2026-03-05 11:00")).sum()
    assert where["events"].iloc[-1] == inside_n
    per = pd.read_csv(tmp_path / "v" / "okx_BTC-USDT-SWAP_liquidations_periods.csv")
    inside = sample[(sample.index >= "2026-03-04 23:00") & (sample.index < "2026-03-05 11:00")]
    assert per["real_long"].sum() == pytest.approx(inside["usd"][inside["side"] == "long"].sum())
    assert per["real_short"].sum() == pytest.approx(inside["usd"][inside["side"] == "short"].sum())


def _totals_csv(path):
    t = liqlab.load_sample("liq_totals_hyperliquid_daily")
    rows = ["day,longs liquidated,shorts liquidated,n\n"]
    for ts, r in t.iterrows():
        rows.append(f"{ts:%Y-%m-%d},{float(r['long_usd'])!r},{float(r['short_usd'])!r},{int(r['count'])}\n")
    path.write_text("".join(rows))
    return t


def test_import_totals_then_validate_with_proxies(tmp_path, capsys):
    src = tmp_path / "hl_daily.csv"
    t = _totals_csv(src)
    store = tmp_path / "store"
    args = ["import-liquidations", str(src), "--store", str(store), "--time-col", "day",
            "--long-col", "longs liquidated", "--short-col", "shorts liquidated", "--count-col", "n"]
    assert main(args) == 2                          # venue not said: a clear error
    assert "--exchange and --symbol" in capsys.readouterr().err
    assert main(args + ["--exchange", "hyperliquid", "--symbol", "BTC"]) == 0
    got = liqlab.Store(store).read(kind="liq_totals", exchange="hyperliquid", symbol="BTC",
                                   timeframe="1d")
    assert len(got) == 50 and got.index[0] == pd.Timestamp("2025-12-07", tz="UTC")
    assert got["long_usd"].sum() == pytest.approx(t["long_usd"].sum(), rel=1e-12)
    assert got["short_usd"].sum() == pytest.approx(t["short_usd"].sum(), rel=1e-12)
    assert got["count"].sum() == t["count"].sum()
    # first day by hand from the sample's row: 29,237,10x long, 3,546,47x short
    assert got["long_usd"].iloc[0] == t["long_usd"].iloc[0]
    # Binance candles as the price proxy, Hyperliquid open interest
    st = liqlab.Store(store)
    st.write(liqlab.load_sample("binance_btc_1h_multivenue"), kind="candles", exchange="binance",
             symbol="BTCUSDT", timeframe="1h")
    st.write(liqlab.load_sample("hyperliquid_btc_oi_1h"), kind="oi", exchange="hyperliquid",
             symbol="BTC", timeframe="1h")
    capsys.readouterr()
    rc = main(["validate", "--realised", str(store), "--candles-from", "binance:BTCUSDT",
               "--param", "oi_max_gap_hours=24", "--warmup", "30D", "--n-boot", "100",
               "--out", str(tmp_path / "v")])
    assert rc == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "(a proxy for the realised venue's own)" in printed
    assert "open interest: hyperliquid BTC 1h" in printed
    sc = pd.read_csv(tmp_path / "v" / "hyperliquid_BTC_liq_totals_scores.csv")
    assert set(sc["predictor"]) == {"model", "range", "range_sum", "path_null", "range_oi"}
    assert (sc["n"] == 50).all()
    # the same inputs as the embedded set hyperliquid_daily: the same model Spearman
    rep = liqlab.validation.validate_set("hyperliquid_daily", n_boot=100)
    a = sc.set_index(["side", "predictor"])["spearman"]
    b = rep.scores.set_index(["side", "predictor"])["spearman"]
    assert a.loc[("long", "model")] == pytest.approx(b.loc[("long", "model")], abs=1e-9)


def test_read_totals_errors(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("time,long_usd,short_usd\n2025-12-07,1,2\n2025-12-07,3,4\n")
    with pytest.raises(ValueError, match="repeated"):
        read_totals(p)
    p.write_text("time,long_usd,short_usd\n1765065600,1,2\n1765152000,3,-4\n")
    with pytest.raises(ValueError, match="negative"):
        read_totals(p)
    p.write_text("time,long_usd,short_usd\n1765065600,1,2\n1765152000,3,4\n")
    df = read_totals(p)      # epoch seconds: 2025-12-07 and -08, one day apart
    assert df.attrs["timeframe"] == "1d" and df.index[0] == pd.Timestamp("2025-12-07", tz="UTC")
    with pytest.raises(ValueError, match="--long-col"):
        read_totals(p, long_col="longs")
