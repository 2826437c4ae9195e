"""Binance public-dump importer: small zips built here in the documented CSV layouts (with and
without header rows, ms and µs timestamps), from folders and from URLs."""
from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import main
from liqlab.data.exchanges.dump import import_dump, parse_name, read_metrics
from tests.data.exchanges.conftest import fixture_candles
from tests.data.exchanges.fake_exchange import DATA, real_liquidations

KL_HEADER = ("open_time,open,high,low,close,volume,close_time,quote_volume,count,"
             "taker_buy_volume,taker_buy_quote_volume,ignore")


def _zip(path, csv_text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(path.name.replace(".zip", ".csv"), csv_text)
    return path


def _kline_lines(df, step_ms, unit=1):
    """Real OHLCV; the extra columns are derived here (quote = volume x close, taker half)."""
    out = []
    for t, r in df.iterrows():
        ms = int(t.value // 10**6)
        q = r.volume * r.close if "volume" in r else 0.0
        v = r.get("volume", 0.0)
        out.append(f"{ms * unit},{r.open},{r.high},{r.low},{r.close},{v},{(ms + step_ms - 1) * unit},"
                   f"{q},100,{v / 2},{q / 2},0")
    return out


@pytest.fixture
def dump(tmp_path):
    """A folder in data.binance.vision's layout with one file of each dataset."""
    root = tmp_path / "data"
    c = fixture_candles("binance")
    d10, d11 = c.loc["2025-10-10"], c.loc["2025-10-11"]
    um = root / "futures" / "um"
    # newer daily klines: header row
    _zip(um / "daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10-10.zip",
         "\n".join([KL_HEADER] + _kline_lines(d10, 300_000)) + "\n")
    # older files: no header row (a monthly name)
    _zip(um / "monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10.zip", "\n".join(_kline_lines(d11, 300_000)) + "\n")
    mark = pd.read_csv(DATA / "binance_btcusdt_mark_1h.csv")
    mark.index = pd.to_datetime(mark.pop("time_ms"), unit="ms", utc=True)
    _zip(um / "daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-10-10.zip",
         "\n".join([KL_HEADER] + _kline_lines(mark.loc["2025-10-10"], 3_600_000)) + "\n")
    oi = pd.read_csv(DATA / "hyperliquid_btc_oi_usd_1h.csv")
    close_at = dict(zip(c.index + pd.Timedelta("5min"), c.close))
    rows = ["create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,"
            "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio"]
    for r in oi.itertuples():
        t = pd.Timestamp(r.time_ms, unit="ms", tz="UTC")
        if t in close_at and t.day == 10:
            rows.append(f"{t:%Y-%m-%d %H:%M:%S},BTCUSDT,{r.oi_usd / close_at[t]},{r.oi_usd},1.6,1.9,1.5,1.1")
    _zip(um / "daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-10-10.zip", "\n".join(rows) + "\n")
    fu = pd.read_csv(DATA / "funding_8h.csv")
    fu = fu[fu.venue == "binance"]
    _zip(um / "monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-10.zip",
         "calc_time,funding_interval_hours,last_funding_rate\n" +
         "".join(f"{r.time_ms},8,{r.funding_rate}\n" for r in fu.itertuples()))
    liq = real_liquidations().head(10)
    lines = ["time,symbol,side,order_type,time_in_force,original_quantity,price,average_price,"
             "order_status,last_fill_quantity,accumulated_fill_quantity"]
    for r in liq.itertuples():   # COIN-M contracts of 100 USD: the real USD size rounded to contracts
        n = max(1, round(r.contracts * 0.01 * r.price / 100))
        lines.append(f"{r.time_ms},BTCUSD_PERP,{r.side.upper()},LIMIT,IOC,{n},{r.price},{r.price},FILLED,{n},{n}")
    _zip(root / "futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/BTCUSD_PERP-liquidationSnapshot-2026-03-04.zip",
         "\n".join(lines) + "\n")
    # a 2025+ spot file: microsecond timestamps
    _zip(root / "spot/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10-12.zip",
         "\n".join(_kline_lines(d10.iloc[:3].set_axis(d10.index[:3] + pd.Timedelta("2D")), 300_000, unit=1000)) + "\n")
    return root


def test_folder_import_every_dataset(dump, store_root):
    store = liqlab.Store(store_root)
    rep = import_dump(store, [dump / "futures"])
    assert rep.files == 6 and not rep.skipped, str(rep)
    c = store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    want = fixture_candles("binance")
    assert len(c) == 576 and (c.close.to_numpy() == want.close.to_numpy()).all()
    assert (c.index == want.index).all()              # header and headerless files alike
    assert c.taker_buy_volume.iloc[0] == pytest.approx(want.volume.iloc[0] / 2)
    m = store.read(kind="mark", exchange="binance", symbol="BTCUSDT", timeframe="1h")
    assert len(m) == 24 and m.close.iloc[0] == 121682.2
    oi = store.read(kind="oi", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    assert oi.oi_usd.iloc[0] == 4550544087.001246            # sum_open_interest_value, USD
    assert oi.index[0] == pd.Timestamp("2025-10-10 01:00", tz="UTC")
    fu = store.read(kind="funding", exchange="binance", symbol="BTCUSDT", timeframe="8h")
    assert len(fu) == 12 and fu.rate.iloc[0] == 1.344e-05
    liq = store.read(kind="liquidations", exchange="binance", symbol="BTCUSD_PERP", timeframe="raw")
    src = real_liquidations().head(10)
    assert liq.side.tolist() == ["long" if s == "sell" else "short" for s in src.side]   # SELL: long
    assert (liq.usd.to_numpy() % 100 == 0).all()                                         # 100 USD contracts
    np.testing.assert_allclose(liq.qty * liq.price, liq.usd)
    again = import_dump(store, [dump / "futures"])
    assert again.rows_added == 0 and again.files == 6                                    # idempotent


def test_microsecond_timestamps(dump, store_root):
    store = liqlab.Store(store_root)
    rep = import_dump(store, [dump / "spot"])
    assert rep.files == 1
    c = store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    assert c.index[0] == pd.Timestamp("2025-10-12 00:00", tz="UTC") and len(c) == 3


def test_metrics_ratios_are_readable(dump):
    raw = zipfile.ZipFile(dump / "futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-10-10.zip").read(
        "BTCUSDT-metrics-2025-10-10.csv")
    m = read_metrics(raw)
    assert m.sum_toptrader_long_short_ratio.iloc[0] == 1.9 and m.index.tz is not None


def test_urls_with_checksums_and_a_list_file(dump, store_root, tmp_path, fake):
    fake.files_root = dump
    base = f"{fake.url}/data/futures/um/daily"
    good = f"{base}/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10-10.zip"
    path = dump / "futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-10-10.zip"
    (path.parent / (path.name + ".CHECKSUM")).write_text(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    bad = f"{base}/metrics/BTCUSDT/BTCUSDT-metrics-2025-10-10.zip"
    mpath = dump / "futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-10-10.zip"
    (mpath.parent / (mpath.name + ".CHECKSUM")).write_text("0" * 64 + "  x\n")
    lst = tmp_path / "urls.txt"
    lst.write_text(f"# two files\n{good}\n{bad}\n")
    code = main(["import-dump", str(lst), "--verify", "--store", str(store_root)])
    assert code == 1                                           # one skipped: checksum mismatch
    store = liqlab.Store(store_root)
    assert len(store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")) == 288
    assert store.last_time(kind="oi", exchange="binance", symbol="BTCUSDT", timeframe="5m") is None


def test_bad_names_and_files_are_refused(tmp_path, store_root):
    for name in ("btcusdt-5m-2025-10-10.zip", "BTCUSDT-7m-2025-10-10.zip", "..-5m-2025-10-10.zip",
                 "BTCUSDT-5m-2025-10-10.exe"):
        with pytest.raises(ValueError, match="dump file name"):
            parse_name(name)
    with pytest.raises(ValueError, match="share names"):
        parse_name("/tmp/x/BTCUSDT-5m-2025-10-10.zip")
    trunc = tmp_path / "klines" / "BTCUSDT-5m-2025-10-10.zip"
    _zip(trunc, KL_HEADER + "\n1760054400000,1,2,0.5,1.5,1,1760054699999,1,1,1,1,0\n")
    trunc.write_bytes(trunc.read_bytes()[:40])
    rep = import_dump(liqlab.Store(store_root), [tmp_path / "klines"])
    assert rep.files == 0 and "not a valid zip" in rep.skipped[0]
    with pytest.raises(ValueError, match="not a valid zip"):
        import_dump(liqlab.Store(store_root), [trunc], strict=True)
    badside = tmp_path / "liq" / "BTCUSD_PERP-liquidationSnapshot-2026-03-04.zip"
    _zip(badside, "time,symbol,side,order_type,time_in_force,original_quantity,price,average_price,"
                  "order_status,last_fill_quantity,accumulated_fill_quantity\n"
                  "1772664343781,BTCUSD_PERP,HOLD,LIMIT,IOC,1,72431.4,72431.4,FILLED,1,1\n")
    with pytest.raises(ValueError, match="BUY or SELL"):
        import_dump(liqlab.Store(store_root), [badside], strict=True)


def test_import_into_a_partition_filled_by_fetch(dump, store_root, fake):
    from liqlab.data.exchanges.fetch import Fetcher
    from tests.data.exchanges.conftest import FAST
    store = liqlab.Store(store_root)
    Fetcher(store, "binance", host=fake.url, policy=FAST, rate_limit=False, progress=False,
            now="2025-12-09").fetch("candles", "5m", since="2025-10-10", until="2025-10-10T12:00")
    rep = import_dump(store, [dump / "futures/um/daily/klines"])
    assert rep.files == 1 and rep.rows_added == 144           # the afternoon; the morning replaced
    c = store.read(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")
    assert list(c.columns) == ["open", "high", "low", "close", "volume"] and len(c) == 288
