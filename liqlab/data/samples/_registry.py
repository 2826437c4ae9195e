"""The registry of embedded samples: one :class:`Sample` per name, declared once.

The build script (``scripts/build_sample.py``) reads this registry to know which source file,
which slice and which conversion each sample needs; the loader reads it for attrs and
docstrings. Names are a contract: other modules and notebooks load samples by these names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Sample", "SAMPLES", "TERMS", "SCHEMA_DOC"]

TERMS = ("Prices, volumes, open interest, funding and liquidations are facts recorded from the "
         "exchange named in Source; that exchange's terms of use apply to them. liqlab gathered "
         "them from public repositories that committed them; they are redistributed here only as "
         "a small research sample, unchanged except for the conversions stated above.")

#: (column, dtype, meaning) per frame kind, as the loader returns it
SCHEMA_DOC: dict[str, tuple[tuple[str, str, str], ...]] = {
    "candles": (("time (index)", "datetime64[ns, UTC]", "bar open time"),
                ("open, high, low, close", "float64", "traded price, USD(T)"),
                ("volume", "float64", "traded volume in the base asset, BTC")),
    "mark": (("time (index)", "datetime64[ns, UTC]", "bar open time"),
             ("open, high, low, close", "float64", "mark price, USD(T)")),
    "oi": (("time (index)", "datetime64[ns, UTC]", "observation time"),
           ("oi_usd", "float64", "open interest in USD")),
    "funding": (("time (index)", "datetime64[ns, UTC]", "funding time"),
                ("rate", "float64", "funding rate per period, a fraction (not annualised); "
                                    "period hours in attrs['period_hours']")),
    "liquidations": (("time (index, may repeat)", "datetime64[ns, UTC]", "liquidation time"),
                     ("exchange, symbol", "str", "venue and contract"),
                     ("side", "str", "the LIQUIDATED position: 'long' or 'short'"),
                     ("price", "float64", "fill price, USD(T)"),
                     ("qty", "float64", "size in BTC"),
                     ("usd", "float64", "notional, qty * price, USD")),
    "liq_totals": (("time (index)", "datetime64[ns, UTC]", "day start"),
                   ("long_usd", "float64", "liquidated long notional that day, USD"),
                   ("short_usd", "float64", "liquidated short notional that day, USD"),
                   ("count", "float64", "number of liquidation orders (all sides)")),
}


@dataclass(frozen=True)
class Sample:
    """One embedded sample: what it is, where it comes from and how it was cut."""
    name: str
    kind: str
    exchange: str
    symbol: str
    timeframe: str          # '5m', '1h', '8h', '1d', or 'raw' for event data (as the store names it)
    source: str             # file name in the shared data set (see SHA256SUMS)
    reader: str             # conversion in liqlab.data.samples._convert (READERS key)
    description: str
    start: str | None = None  # slice rule: start <= time < end (UTC); None = whole file
    end: str | None = None
    venue: str | None = None  # row filter for multi-venue files
    extra_attrs: dict = field(default_factory=dict)

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def slice_rule(self) -> str:
        parts = []
        if self.venue:
            parts.append(f"venue == {self.venue!r}")
        if self.start or self.end:
            parts.append(f"{self.start or 'first'} <= time < {self.end or 'last'}")
        return " and ".join(parts) or "all rows"


_B5 = "binance_btcusdt_perp_5m_2024-12-31_2026-02-19.csv.gz"
_Y5 = "bybit_btcusdt_linear_5m_2025-01-01_2026-02-08.csv.gz"
_B1H = "binance_btcusdt_perp_1h_2019-09-08_2026-05-17.csv.gz"
_BM = "binance_btcusdt_perp_mark_1h_2019-12-23_2026-05-17.csv.gz"
_B1M = "binance_btcusdt_perp_1m_2023-07-18_2023-08-17.csv.gz"
_B15 = "binance_btcusdt_perp_15m_2024-01-01_2026-04-30.csv.gz"
_BF = "binance_btcusdt_perp_funding_8h_2019-09-10_2026-05-17.csv.gz"
_MVF = "multivenue_btc_funding_2025-03-08_2026-03-07.csv.gz"
_MVOI = "multivenue_btc_open_interest_usd_2025-03-08_2026-03-07.csv.gz"
_MV1H = "multivenue_btc_perp_1h_2025-03-06_2026-03-05.csv.gz"
_LIQ = "liquidations_btc_hyperliquid_2025-05-25_okx_2026-03-04.csv.gz"
_LIQD = "liquidations_daily_btc_hyperliquid_2025-12-07_2026-01-31.csv.gz"
_OKX5 = "okx_btc_usdt_swap_5m_2022-05-01_2022-12-31.csv.gz"

#: venue -> (exchange, symbol, note) for the multi-venue files. Contracts the source does not
#: name are given as 'BTC-PERP'.
_VENUES = {
    "binance": ("binance", "BTCUSDT", "Binance USDT-M BTCUSDT perpetual"),
    "bybit": ("bybit", "BTCUSDT", "Bybit linear BTCUSDT perpetual"),
    "okx": ("okx", "BTC-USDT-SWAP", "OKX BTC-USDT-SWAP (contract 0.01 BTC)"),
    "hyperliquid": ("hyperliquid", "BTC", "Hyperliquid BTC perpetual (USDC margined)"),
    "kraken": ("kraken", "BTC-PERP", "Kraken Futures BTC perpetual (contract not named by the source)"),
    "dydx": ("dydx", "BTC-USD", "dYdX v4 BTC-USD perpetual"),
    "lighter": ("lighter", "BTC", "Lighter BTC perpetual"),
}
#: funding period per venue, hours (the median spacing of the rows in the source)
_FUNDING_HOURS = {"binance": 8, "bybit": 8, "okx": 8, "hyperliquid": 1, "kraken": 1, "dydx": 1,
                  "lighter": 1}
#: multi-venue 1h spans (first and last bar in the source, end exclusive)
_MV_SPANS = {
    "binance": ("2025-03-06 11:00", "2026-03-05 11:00"),
    "bybit": ("2025-03-06 11:00", "2026-03-05 11:00"),
    "okx": ("2025-12-05 11:00", "2026-03-05 11:00"),
    "hyperliquid": ("2025-03-06 11:00", "2025-04-17 13:00"),
    "kraken": ("2025-12-12 03:00", "2026-03-05 11:00"),
    "dydx": ("2026-01-22 19:00", "2026-03-05 11:00"),
    "lighter": ("2025-08-27 12:00", "2026-01-24 19:00"),
}

OKX_LIQ_NOTE = (
    "OKX size correction: the source's size_usd is contracts x price, where one BTC-USDT-SWAP "
    "contract is 0.01 BTC, so it is 100x the true notional. Evidence (checked at build time, "
    "see MANIFEST.json): size_usd/price is always a multiple of 0.01 (OKX's contract lot), "
    "i.e. a contract count; read as BTC, the raw rows would sum to $918M of BTC liquidations on "
    "OKX in 12.5 quiet hours (price within about +-1.3 % an hour), up to 47 % of all BTC-USDT-SWAP "
    "traded notional in an hour (2026-03-05 07:00: $178.5M raw, $165.6M of it longs, against "
    "$379M traded on OKX, okx_btc_1h) and 24 % of Binance's whole traded notional that hour; and one "
    "order of $53.9M. Corrected (x 0.01): $9.2M in total, at most 0.5 % of OKX's hourly traded "
    "notional, largest order $539k: plausible for such a day. Built as qty = contracts * 0.01 BTC, "
    "usd = qty * price. Side: OKX's `side` is the liquidation ORDER's side; `sell` closes a long "
    "-> 'long', `buy` closes a short -> 'short'. Check: the hours dominated by `sell` "
    "(2026-03-04 22:00, 03-05 05:00 and 07:00) are the hours where the price fell (-0.81 %, "
    "-0.56 %, -0.69 % on okx_btc_1h), and the `buy`-dominated hours 04:00, 09:00 and 10:00 rose "
    "(+0.45 %, +0.36 %, +1.21 %). Every hour where one side outweighs the other 3:1 moved that "
    "way; the two hours with only a 2:1 majority (01:00 buy, -0.31 %; 06:00 sell, +0.20 %) went "
    "against it, as swings inside an hour can.")

HL_LIQ_NOTE = (
    "Hyperliquid side: the source marks every row `S`. Read here as SHORT positions liquidated. "
    "Evidence, against Binance 5m candles (binance_btcusdt_5m_2025_05): 99 % of the liquidated "
    "notional ($6.06M of $6.13M) falls in 5-minute bars after the price rose over the previous "
    "30 minutes, e.g. 2025-05-25 22:05-22:15 ($3.1M, 235 fills, price +0.7 to +0.9 % in 30 "
    "min, fills at 108,002-109,100 while Binance's 5m highs were 108,327-108,642) and 22:55 / "
    "00:55-01:00 (price at the session high); the liquidation prices sit at the top of their "
    "bars, which is where shorts are forced to buy. The exception is 2025-05-25 15:20-15:30 "
    "(27 fills, $63k, 1 % of the notional) while the price fell 0.5 %: with one label for every "
    "row those cannot be told apart; they are kept as 'short'. Rows are fills: one liquidation "
    "fills at several prices within the same millisecond, hence repeated timestamps "
    "(468 rows, 87 distinct times). qty = size_usd / price.")


def _candles(name, exchange, symbol, tf, source, desc, start=None, end=None, venue=None,
             reader="candles_csv", **extra) -> Sample:
    return Sample(name, "candles", exchange, symbol, tf, source, reader, desc, start, end, venue,
                  extra)


_LIST: list[Sample] = [
    _candles("binance_btcusdt_5m", "binance", "BTCUSDT", "5m", _B5,
             "Binance USDT-M BTCUSDT perpetual, 5-minute candles, 2025-08-01 to 2025-11-01: the "
             "2025-10-10 record liquidation cascade (low 101,516.5 at 21:20) with two months of "
             "warm-up before it.", "2025-08-01", "2025-11-01"),
    _candles("bybit_btcusdt_5m", "bybit", "BTCUSDT", "5m", _Y5,
             "Bybit linear BTCUSDT perpetual, 5-minute candles, 2025-08-01 to 2025-11-01: the "
             "same window as binance_btcusdt_5m on a second venue.", "2025-08-01", "2025-11-01"),
    _candles("binance_btcusdt_1h", "binance", "BTCUSDT", "1h", _B1H,
             "Binance USDT-M BTCUSDT perpetual, hourly candles, 2019-09-08 to 2026-05-17 (the "
             "whole history): every cascade since 2020-03-12 (low 3,621.81), 2021-05-19, FTX "
             "2022-11, 2024-08-05 and 2025-10-10. The first bars of 2019-09-08 are the "
             "listing's placeholder trades at 10,000 with almost no volume."),
    Sample("binance_btcusdt_mark_1h", "mark", "binance", "BTCUSDT", "1h", _BM, "mark_csv",
           "Binance USDT-M BTCUSDT mark price, hourly candles, 2023-01-01 to 2026-05-17 (trimmed "
           "from the source's 2019-12-23 start to keep the package small). Liquidations "
           "trigger on the mark price, not the last trade.", "2023-01-01", None),
    _candles("binance_btcusdt_1m", "binance", "BTCUSDT", "1m", _B1M,
             "Binance USDT-M BTCUSDT perpetual, 1-minute candles, 2023-07-18 11:13 to "
             "2023-08-17 11:12: a month of real 1-minute returns (it ends just before the "
             "2023-08-17 flush)."),
    Sample("binance_btcusdt_funding", "funding", "binance", "BTCUSDT", "8h", _BF, "funding_csv",
           "Binance USDT-M BTCUSDT funding rate per 8-hour event, 2019-09-10 to 2026-05-17.",
           extra_attrs={"period_hours": 8}),
    Sample("hyperliquid_btc_oi_1h", "oi", "hyperliquid", "BTC", "1h", _MVOI, "oi_multivenue",
           "Hyperliquid BTC perpetual open interest in USD, hourly, 2025-03-08 08:00 to "
           "2026-03-07 07:00 (8,718 rows; one 19-hour gap on the source side). The one long "
           "real open-interest history in the sample: drive the estimator with it (Hyperliquid's "
           "BTC price tracks Binance's to a few dollars).", venue="hyperliquid"),
    Sample("lighter_btc_oi_1h", "oi", "lighter", "BTC", "1h", _MVOI, "oi_multivenue",
           "Lighter BTC perpetual open interest in USD, hourly, 2025-10-10 12:00 to 2026-03-07 "
           "07:00 (1,916 rows; a few gaps of one to four days on the source side).",
           venue="lighter"),
    Sample("liquidations_okx_2026_03", "liquidations", "okx", "BTC-USDT-SWAP", "raw", _LIQ,
           "liquidations_okx",
           "OKX BTC-USDT-SWAP realised liquidation orders, 2026-03-04 22:45 to 2026-03-05 11:17 "
           "(1,611 orders). Ground truth to score a heatmap against; pair with "
           "binance_btcusdt_15m_2026_03 (price path with 14 days of warm-up) and okx_btc_1h. "
           + OKX_LIQ_NOTE, venue="okx",
           extra_attrs={"contract_size": 0.01, "usd_correction": 0.01}),
    Sample("liquidations_hyperliquid_2025_05", "liquidations", "hyperliquid", "BTC", "raw", _LIQ,
           "liquidations_hyperliquid",
           "Hyperliquid BTC realised liquidation fills, 2025-05-25 15:21 to 2025-05-26 06:56 "
           "(468 fills, $6.13M). Pair with binance_btcusdt_5m_2025_05. " + HL_LIQ_NOTE,
           venue="hyperliquid", extra_attrs={"side_evidence": "S = short, see description"}),
    Sample("liq_totals_hyperliquid_daily", "liq_totals", "hyperliquid", "BTC", "1d", _LIQD,
           "liq_totals_daily",
           "Hyperliquid BTC liquidated notional per UTC day, long and short, 2025-12-07 to "
           "2026-01-25 (50 days; the file's name says 2026-01-31; the source skips some days and 2025-12-13 looks partial: $22.6k "
           "from 26 orders). The source's total_usd exceeds long_usd + short_usd on some days "
           "(by up to $4.9M: notional it did not classify); that column is not shipped. count "
           "counts all orders. Pairs with hyperliquid_btc_oi_1h."),
    # candles around the realised-liquidation sets, 14 days of warm-up, finest resolution at hand
    _candles("binance_btcusdt_15m_2026_03", "binance", "BTCUSDT", "15m", _B15,
             "Binance USDT-M BTCUSDT perpetual, 15-minute candles, 2026-02-18 to 2026-03-06: the "
             "price path around liquidations_okx_2026_03 with 14 days of warm-up (15m is the "
             "finest Binance resolution in the data for these dates).", "2026-02-18", "2026-03-06"),
    _candles("binance_btcusdt_5m_2025_05", "binance", "BTCUSDT", "5m", _B5,
             "Binance USDT-M BTCUSDT perpetual, 5-minute candles, 2025-05-11 to 2025-05-27: the "
             "price path around liquidations_hyperliquid_2025_05 with 14 days of warm-up.",
             "2025-05-11", "2025-05-27"),
    _candles("okx_btcusdt_5m_2022_11", "okx", "BTC-USDT-SWAP", "5m", _OKX5,
             "OKX BTC-USDT-SWAP, 5-minute candles, 2022-10-25 to 2022-11-16: the FTX collapse "
             "(2022-11-08/09) with 14 days of warm-up. Volume is in BTC: over 2022-05..12 the "
             "source's hourly sums are a median 0.22x Binance's BTC volume of the same hours "
             "(10th-90th percentile 0.16-0.28, each month 0.19-0.26); read as contracts of "
             "0.01 BTC they would be 0.002x, not credible for OKX.", "2022-10-25", "2022-11-16"),
    _candles("binance_btcusdt_15m_2024_08", "binance", "BTCUSDT", "15m", _B15,
             "Binance USDT-M BTCUSDT perpetual, 15-minute candles, 2024-07-22 to 2024-08-12: the "
             "2024-08-05 crash (low 48,888) with 14 days of warm-up.", "2024-07-22", "2024-08-12"),
]

for _v, (_ex, _sym, _note) in _VENUES.items():
    _LIST.append(Sample(
        f"funding_{_v}", "funding", _ex, _sym, f"{_FUNDING_HOURS[_v]}h", _MVF, "funding_multivenue",
        f"{_note}: funding rate per {_FUNDING_HOURS[_v]}-hour period (not annualised), from the "
        "multi-venue funding file (2025-03-08 to 2026-03-07 at most). Times as recorded, rounded "
        "to the nearest minute (the recorder's jitter is under one second).",
        venue=_v, extra_attrs={"period_hours": _FUNDING_HOURS[_v]}))
    _name = "binance_btc_1h_multivenue" if _v == "binance" else f"{_v}_btc_1h"
    _s, _e = _MV_SPANS[_v]
    _vol = ("Volume converted from contracts to BTC (x 0.01): the source's okx volume is a median "
            "51.5x Binance's BTC volume of the same hours, i.e. contracts of 0.01 BTC (0.52x "
            "Binance in BTC)." if _v == "okx" else
            "Volume is BTC as in the source (the binance rows equal binance_btcusdt_1h)."
            if _v == "binance" else
            "Volume is in BTC: it is a small multiple of Binance's BTC volume of the same hours "
            "(median ratio bybit 0.49, lighter 0.15, hyperliquid 0.058, kraken 0.023, dydx 0.011);"
            " in USD it would be ~1e5 x larger.")
    _LIST.append(_candles(
        _name, _ex, _sym, "1h", _MV1H,
        f"{_note}: hourly candles {_s[:10]} to {_e[:10]} from the multi-venue 1h file. {_vol}",
        venue=_v, reader="candles_multivenue",
        **({"volume_factor": 0.01} if _v == "okx" else {})))

SAMPLES: dict[str, Sample] = {s.name: s for s in _LIST}
