"""Exchange payloads -> canonical frames: OI in USD per exchange, liquidation sides."""
from __future__ import annotations

import pandas as pd
import pytest

from liqlab.data.exchanges.convert import (funding_frame, liquidation_rows, liquidations_frame,
                                      ohlcv_frame, oi_frame)
from tests.data.exchanges.fake_exchange import (binance_force_order, bybit_all_liquidation,
                                           okx_liquidation_orders, real_liquidations)

T0 = 1760054400000  # 2025-10-10 00:00 UTC
A = dict(exchange="binance", symbol="BTCUSDT", timeframe="5m")


def test_ohlcv_rows_sorted_deduplicated_and_half_rows_dropped():
    # Binance's first two 5m bars of 2025-10-10, the second repeated, one half-parsed row
    rows = [[T0 + 300000, 121630.1, 121634.5, 121523.7, 121634.5, 191.246],
            [T0, 121579.4, 121690.0, 121579.4, 121630.1, 286.181],
            [T0 + 300000, 121630.1, 121634.5, 121523.7, 121634.5, 191.246],
            [T0 + 600000, None, None, None, None, None]]
    df = ohlcv_frame(rows, **A)
    assert list(df.index) == [pd.Timestamp("2025-10-10 00:00", tz="UTC"),
                              pd.Timestamp("2025-10-10 00:05", tz="UTC")]
    assert df["close"].tolist() == [121630.1, 121634.5]
    assert df.attrs["exchange"] == "binance"
    mark = ohlcv_frame([r[:5] + [None] for r in rows[:2]], kind="mark", **A)
    assert list(mark.columns) == ["open", "high", "low", "close"]


def test_oi_in_usd_by_each_exchanges_convention():
    t1 = T0 + 3600000
    # Binance: sumOpenInterestValue is USD
    df, bad = oi_frame([{"timestamp": t1, "openInterestAmount": 37396.95771,
                         "openInterestValue": 4550544087.0}], exchange="binance")
    assert df.oi_usd.iloc[0] == 4550544087.0 and df.oi_contracts.iloc[0] == 37396.95771 and not bad
    # OKX: contracts (0.01 BTC) and a USD field: the USD field is used
    df, _ = oi_frame([{"timestamp": t1, "openInterestAmount": 3739695.771,
                       "openInterestValue": 4550544087.0}], exchange="okx", contract_size=0.01)
    assert df.oi_usd.iloc[0] == 4550544087.0 and df.attrs["contract_size"] == 0.01
    # Bybit: BTC only; USD = BTC x close of the bar ending at t (00:55 bar closes at 01:00)
    candles = ohlcv_frame([[T0 + 3300000, 100.0, 120.0, 90.0, 110.0, 1.0],
                           [T0 + 3600000, 110.0, 130.0, 100.0, 125.0, 1.0]], **A)
    df, bad = oi_frame([{"timestamp": t1, "openInterestAmount": 2.0},
                        {"timestamp": t1 + 3600000, "openInterestAmount": 3.0}], exchange="bybit",
                       candles=candles, interval=pd.Timedelta("5min"))
    assert df.oi_usd.tolist() == [220.0]          # 2 BTC x 110 (close of 00:55-01:00), not 125
    assert bad == [pd.Timestamp(t1 + 3600000, unit="ms", tz="UTC")]   # no bar: reported
    with pytest.raises(ValueError, match="candles"):
        oi_frame([{"timestamp": t1, "openInterestAmount": 2.0}], exchange="bybit")


def test_funding_frame():
    df = funding_frame([{"timestamp": T0 + 5, "fundingRate": 7.85e-06},
                        {"timestamp": T0 + 28800002, "fundingRate": 3.879e-05}], **A)
    assert df.rate.tolist() == [7.85e-06, 3.879e-05]
    assert df.index[0] == pd.Timestamp(T0 + 5, unit="ms", tz="UTC")


def test_liquidation_sides_normalised_to_the_liquidated_position():
    liq = real_liquidations()
    sell = liq[liq.side == "sell"].iloc[0]   # a sell order closes a long: a long was liquidated
    buy = liq[liq.side == "buy"].iloc[0]
    b = binance_force_order(sell)["o"]
    assert b["S"] == "SELL"
    assert liquidation_rows("binance", b)[0]["side"] == "long"
    assert liquidation_rows("binance", binance_force_order(buy)["o"])[0]["side"] == "short"
    by = bybit_all_liquidation([sell, buy])["data"]
    assert [d["S"] for d in by] == ["Buy", "Sell"]            # Bybit: Buy = long liquidated
    assert [liquidation_rows("bybit", d)[0]["side"] for d in by] == ["long", "short"]
    ok = okx_liquidation_orders([sell, buy])["data"][0]
    rows = liquidation_rows("okx", ok, contract_size=0.01)
    assert [r["side"] for r in rows] == ["long", "short"]      # every detail, not just the first
    assert rows[0]["qty"] == pytest.approx(sell.contracts * 0.01)
    assert rows[0]["usd"] == pytest.approx(sell.contracts * 0.01 * sell.price)
    # OKX net mode: no posSide, the order side decides
    net = dict(ok, details=[dict(ok["details"][0], posSide="net")])
    assert liquidation_rows("okx", net, contract_size=0.01)[0]["side"] == "long"
    with pytest.raises(ValueError, match="BUY nor SELL"):
        liquidation_rows("binance", dict(b, S="X"))


def test_liquidations_frame_keeps_same_millisecond_rows():
    rows = [dict(time_ms=T0, exchange="okx", symbol="BTC-USDT-SWAP", side="long", price=1.0,
                 qty=2.0, usd=2.0)] * 2
    df = liquidations_frame(rows)
    assert len(df) == 2 and df.side.tolist() == ["long", "long"]
