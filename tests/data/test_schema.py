"""liqlab.data.schema: every rule of validate(), clean() and its report, on tiny hand-built frames.

Each error test checks that the message names the offending row(s) (by timestamp) and says
how to fix the input. The prices are synthetic: only their order relations matter here.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from liqlab.data.schema import COLUMNS, KINDS, CleanReport, clean, empty, infer_kind, validate

T = ["2025-10-10 00:00", "2025-10-10 00:05", "2025-10-10 00:10"]
ROW = {t: f"{t}:00+00:00" for t in T}  # how a row is named in messages


def bars(times=T, **cols) -> pd.DataFrame:
    """3 valid 5m candles (open 10, high 12, low 9, close 11, volume 1), columns overridable."""
    n = len(times)
    data = {"open": [10.0] * n, "high": [12.0] * n, "low": [9.0] * n, "close": [11.0] * n,
            "volume": [1.0] * n}
    data.update(cols)
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    return pd.DataFrame(data, index=idx)


def liq(sides=("long", "short", "long"), times=T) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    return pd.DataFrame({"exchange": "okx", "symbol": "BTC-USDT-SWAP", "side": list(sides),
                         "price": 100.0, "qty": 2.0, "usd": 200.0}, index=idx)


def raises(df, kind, *fragments):
    """validate(df, kind) raises ValueError whose message contains every fragment."""
    with pytest.raises(ValueError) as e:
        validate(df, kind)
    msg = str(e.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def test_valid_frames_pass_unchanged():
    df = bars()
    assert validate(df, "candles") is df
    validate(liq(), "liquidations")
    for kind in KINDS:
        validate(empty(kind), kind)
        assert list(empty(kind).columns) == list(COLUMNS[kind][0])


# --- the index -----------------------------------------------------------------------------

def test_not_a_frame_or_no_datetime_index():
    raises(bars()["close"], "candles", "expected a pandas DataFrame, got Series")
    raises(bars().reset_index(), "candles", "DatetimeIndex named 'time'",
           "use df.set_index('time')")


def test_naive_timestamps():
    df = bars()
    df.index = df.index.tz_localize(None)
    raises(df, "candles", "naive", "df.index.tz_localize('UTC')")


def test_non_utc_timestamps():
    df = bars()
    df.index = df.index.tz_convert("Asia/Tokyo")
    raises(df, "candles", "Asia/Tokyo, not UTC", "df.index.tz_convert('UTC')")


@pytest.mark.parametrize("tz", ["UTC", "Etc/UTC"])
def test_utc_spellings_are_utc(tz):
    df = bars()
    df.index = df.index.tz_convert(tz)
    validate(df, "candles")


@pytest.mark.parametrize("name", ["date", "timestamp", None])
def test_any_utc_index_name_is_accepted_and_returned_as_time(name):
    df = bars()
    df.index.name = name
    out = validate(df, "candles")
    assert out.index.name == "time" and df.index.name == name   # the caller's frame untouched
    pd.testing.assert_frame_equal(out, bars())


def test_estimate_reads_a_frame_indexed_by_date_like_one_indexed_by_time():
    import liqlab
    c = liqlab.load_sample("binance_btcusdt_5m").iloc[:300]
    d = c.rename_axis("date")
    a, b = liqlab.estimate(c, per_tier=False), liqlab.estimate(d, per_tier=False)
    np.testing.assert_array_equal(a.heatmap["long_usd"].to_numpy(), b.heatmap["long_usd"].to_numpy())
    pd.testing.assert_frame_equal(a.swept, b.swept)


def test_nat():
    df = bars()
    df.index = pd.DatetimeIndex([T[0], None, T[2]], tz="UTC", name="time")
    raises(df, "candles", "1 row(s) (NaT)", "df[df.index.notna()]")


def test_unsorted_names_the_row_and_fix():
    df = bars(times=[T[0], T[2], T[1]])
    # row 3 (00:05) comes after 00:10
    raises(df, "candles", f"not sorted: 1 row(s) ({ROW[T[1]]})", "df.sort_index()",
           "liqlab.data.schema.clean")


def test_duplicate_times():
    df = bars(times=[T[0], T[1], T[1]])
    raises(df, "candles", f"duplicate timestamps: 1 row(s) ({ROW[T[1]]})", "liqlab.data.schema.clean")
    raises(df.drop(columns=["volume"]), "mark", "duplicate timestamps")
    # liquidations may repeat a timestamp (several in one millisecond)
    validate(liq(times=[T[0], T[0], T[1]]), "liquidations")


# --- columns -------------------------------------------------------------------------------

def test_missing_columns():
    raises(bars().drop(columns=["volume", "low"]), "candles", "missing column(s) ['low', 'volume']",
           "needs ['open', 'high', 'low', 'close', 'volume']")


def test_unknown_columns_are_unknown_units():
    df = bars(volume_usd=[1.0, 1.0, 1.0])
    raises(df, "candles", "unknown column(s) ['volume_usd'] (unknown units)",
           "quote_volume", "df.drop(columns=['volume_usd'])")
    validate(bars(quote_volume=[5.0] * 3), "candles")  # a known optional column


def test_duplicate_column_names():
    df = pd.concat([bars(), bars()[["close"]]], axis=1)
    raises(df, "candles", "duplicate column(s) ['close']", "df.loc[:, ~df.columns.duplicated()]")


def test_non_numeric_columns():
    raises(bars(close=["11", "11", "11"]), "candles", "'close' must be numeric",
           "pd.to_numeric(df['close'])")
    raises(bars(volume=[True, False, True]), "candles", "'volume' must be numeric, got bool")


# --- values --------------------------------------------------------------------------------

def test_nan_and_inf_name_rows():
    raises(bars(close=[11.0, np.nan, 11.0]), "candles",
           f"'close' has NaN or infinite values in 1 row(s) ({ROW[T[1]]})", "df.dropna()")
    raises(bars(volume=[1.0, 1.0, np.inf]), "candles", f"1 row(s) ({ROW[T[2]]})")


def test_non_positive_prices():
    # row 1 open 0, row 3 open -1; low must still be <= open, so lower it too
    raises(bars(open=[0.0, 10.0, -1.0], low=[-2.0, 9.0, -2.0]), "candles",
           f"'open' has non-positive prices in 2 row(s) ({ROW[T[0]]}, {ROW[T[2]]})",
           "prices must be > 0")
    df = liq()
    df["price"] = [100.0, 0.0, 100.0]
    raises(df, "liquidations", f"'price' has non-positive prices in 1 row(s) ({ROW[T[1]]})")


def test_high_below_open_close_or_low():
    # row 2: high 10.5 < close 11 (open 10 is fine): only row 2 is named
    raises(bars(high=[12.0, 10.5, 12.0]), "candles",
           f"high is below open, close or low in 1 row(s) ({ROW[T[1]]})",
           "check the column order (open, high, low, close)")
    # row 1: high 9.5 < open 10 (and < close 11)
    raises(bars(high=[9.5, 12.0, 12.0], low=[9.0, 9.0, 9.0]), "candles", f"({ROW[T[0]]})")


def test_low_above_open_or_close():
    # row 3: low 10.5 > open 10 (close 11 is fine)
    raises(bars(low=[9.0, 9.0, 10.5]), "candles",
           f"low is above open or close in 1 row(s) ({ROW[T[2]]})", "check the column order")
    raises(bars(low=[9.0, 9.0, 10.5]).drop(columns="volume"), "mark", "low is above")


def test_negative_volume_and_oi():
    raises(bars(volume=[1.0, -0.5, 1.0]), "candles",
           f"'volume' is negative in 1 row(s) ({ROW[T[1]]})", "volume cannot be negative")
    oi = pd.DataFrame({"oi_usd": [1e9, -1.0, 1e9]}, index=bars().index)
    raises(oi, "oi", f"'oi_usd' is negative in 1 row(s) ({ROW[T[1]]})")
    validate(bars(volume=[0.0, 0.0, 0.0]), "candles")  # zero volume is a real quiet bar


def test_more_than_five_rows_are_summarised():
    times = pd.date_range("2025-10-10", periods=8, freq="5min", tz="UTC")
    df = bars(times=times, volume=[-1.0] * 8)
    msg = raises(df, "candles", "8 row(s) (2025-10-10 00:00:00+00:00", "and 3 more")
    assert "00:25:00" not in msg  # only the first five are listed


def test_liquidation_sides_name_the_position():
    raises(liq(sides=("long", "SELL", "buy")), "liquidations",
           f"2 row(s) ({ROW[T[1]]}, {ROW[T[2]]}) have ['SELL', 'buy']",
           "'long' or 'short'", "A SELL liquidation order closes a long")
    df = liq()
    df["symbol"] = ["BTC-USDT-SWAP", "", "BTC-USDT-SWAP"]
    raises(df, "liquidations", f"'symbol' must hold non-empty text; 1 row(s) ({ROW[T[1]]})")


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown frame kind 'trades'; expected one of candles"):
        validate(bars(), "trades")


def test_infer_kind_picks_the_most_specific():
    assert infer_kind(bars()) == "candles"              # candles also have mark's columns
    assert infer_kind(bars().drop(columns="volume")) == "mark"
    assert infer_kind(liq()) == "liquidations"
    with pytest.raises(ValueError, match="match no liqlab frame kind"):
        infer_kind(pd.DataFrame({"price": [1.0]}))


# --- clean ---------------------------------------------------------------------------------

def test_clean_sorts_dedupes_keeps_last_and_reports():
    # input order: 00:10 (close 11), 00:00, 00:05 (close 11), 00:05 again (close 11.5)
    df = bars(times=[T[2], T[0], T[1], T[1]], close=[11.0, 11.0, 11.0, 11.5])
    df.attrs = {"exchange": "binanceusdm", "symbol": "BTCUSDT", "timeframe": "5m"}
    out, rep = clean(df, "candles", max_loss=0.25)
    # sorted (stable): 00:00, 00:05 (11), 00:05 (11.5), 00:10; keep the last 00:05 -> 11.5
    assert list(out.index) == list(pd.to_datetime(T, utc=True))
    assert list(out["close"]) == [11.0, 11.5, 11.0]
    assert rep == CleanReport(rows_in=4, rows_out=3, sorted=True, duplicates_dropped=1,
                              dropped_times=[pd.Timestamp(T[1], tz="UTC")])
    assert rep.dropped == 1
    assert str(rep) == ("4 rows in, 3 out; sorted by time; "
                        "dropped 1 duplicate row(s), keeping the last of each")
    assert out.attrs == df.attrs
    assert len(df) == 4  # the input is not modified


def test_clean_refuses_past_max_loss():
    df = bars(times=[T[0], T[1], T[1]])  # 1 of 3 rows would go: 33.3 %
    with pytest.raises(ValueError, match=re.escape("drop 1 of 3 rows (33.3%), more than "
                                                   "max_loss=1.0%")):
        clean(df, "candles")  # default max_loss 0.01
    out, rep = clean(df, "candles", max_loss=0.34)
    assert rep.duplicates_dropped == 1 and len(out) == 2
    with pytest.raises(ValueError, match="max_loss must be a share between 0 and 1"):
        clean(df, "candles", max_loss=5)


def test_clean_liquidations_drops_only_identical_rows():
    df = liq(times=[T[0], T[0], T[0]], sides=("long", "short", "long"))
    out, rep = clean(df, "liquidations", max_loss=0.5)
    # rows 1 and 3 are identical (same time, side, price, qty): one kept; the short stays
    assert list(out["side"]) == ["short", "long"]
    assert (rep.rows_in, rep.rows_out, rep.sorted) == (3, 2, False)


def test_clean_does_not_hide_what_it_cannot_repair():
    df = bars(times=[T[1], T[0], T[2]], close=[11.0, np.nan, 11.0])
    with pytest.raises(ValueError, match="NaN"):
        clean(df, "candles")


def test_clean_of_a_clean_frame_changes_nothing():
    out, rep = clean(bars(), "candles")
    pd.testing.assert_frame_equal(out, bars())
    assert (rep.rows_in, rep.rows_out, rep.sorted, rep.duplicates_dropped) == (3, 3, False, 0)
    assert str(rep) == "3 rows in, 3 out"


def test_empty_frames_with_text_columns_are_valid():
    # an empty list makes a float64 'side' column; map() on it returned a float array
    # that `~` could not invert (TypeError instead of passing, before the fix)
    validate(liq(sides=(), times=[]), "liquidations")
