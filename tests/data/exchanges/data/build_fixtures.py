"""Cut the small real slices the fake exchange serves (run by hand, never by the tests).

    python tests/data/exchanges/data/build_fixtures.py --source ../shared/data

Writes CSVs next to this file. Every number is real exchange data (see README.md here).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
WINDOW = ("2025-10-10", "2025-10-12")       # includes the 2025-10-10 cascade
OKX_WINDOW = ("2022-06-13", "2022-06-15")   # OKX 5m candles exist for 2022 only


def _cut(df: pd.DataFrame, col: str, window: tuple[str, str]) -> pd.DataFrame:
    t = pd.to_datetime(df[col], utc=True, format="ISO8601")
    keep = (t >= pd.Timestamp(window[0], tz="UTC")) & (t < pd.Timestamp(window[1], tz="UTC"))
    out = df[keep].copy()
    out[col] = t[keep].map(lambda x: x.value // 10**6)
    return out.rename(columns={col: "time_ms"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, required=True)
    src = ap.parse_args().source
    _cut(pd.read_csv(src / "binance_btcusdt_perp_5m_2024-12-31_2026-02-19.csv.gz"), "date", WINDOW) \
        .to_csv(HERE / "binance_btcusdt_5m.csv", index=False)
    _cut(pd.read_csv(src / "bybit_btcusdt_linear_5m_2025-01-01_2026-02-08.csv.gz"), "date", WINDOW) \
        .to_csv(HERE / "bybit_btcusdt_5m.csv", index=False)
    _cut(pd.read_csv(src / "okx_btc_usdt_swap_5m_2022-05-01_2022-12-31.csv.gz"), "date", OKX_WINDOW) \
        .to_csv(HERE / "okx_btc_usdt_swap_5m.csv", index=False)
    _cut(pd.read_csv(src / "binance_btcusdt_perp_mark_1h_2019-12-23_2026-05-17.csv.gz"), "date", WINDOW) \
        .to_csv(HERE / "binance_btcusdt_mark_1h.csv", index=False)
    oi = pd.read_csv(src / "multivenue_btc_open_interest_usd_2025-03-08_2026-03-07.csv.gz")
    _cut(oi[oi.venue == "hyperliquid"].drop(columns="venue"), "timestamp", WINDOW) \
        .to_csv(HERE / "hyperliquid_btc_oi_usd_1h.csv", index=False)
    fu = pd.read_csv(src / "multivenue_btc_funding_2025-03-08_2026-03-07.csv.gz")
    fu = fu[fu.venue.isin(["binance", "bybit", "okx"])]
    both = pd.concat([_cut(fu[fu.venue != "okx"], "timestamp", ("2025-10-09", "2025-10-13")),
                      _cut(fu[fu.venue == "okx"], "timestamp", ("2025-12-04", "2025-12-08"))])
    both.to_csv(HERE / "funding_8h.csv", index=False)  # OKX funding exists from 2025-12-03 only
    liq = pd.read_csv(src / "liquidations_btc_hyperliquid_2025-05-25_okx_2026-03-04.csv.gz")
    liq = liq[liq.venue == "okx"].head(40).drop(columns="venue")
    liq["time_ms"] = pd.to_datetime(liq.pop("timestamp"), utc=True, format="ISO8601").map(
        lambda x: x.value // 10**6)
    liq[["time_ms", "side", "size_usd", "price"]].to_csv(HERE / "okx_liquidations.csv", index=False)


if __name__ == "__main__":
    main()
