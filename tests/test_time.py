"""liqlab._time: the one home of UTC coercion, nanoseconds, timeframes and bar sizes."""
import numpy as np
import pandas as pd
import pytest

from liqlab._time import bar_size, ns, timeframe, utc


def test_utc_takes_naive_as_utc_and_converts_aware():
    assert utc("2025-10-10") == pd.Timestamp("2025-10-10T00:00Z")
    assert utc("2025-10-10T02:00+02:00") == pd.Timestamp("2025-10-10T00:00Z")
    assert str(utc(pd.Timestamp("2025-10-10 12:00")).tz) == "UTC"


@pytest.mark.parametrize("bad", ["yesterday-ish", "2025-13-40", None])
def test_utc_says_what_is_wrong(bad):
    with pytest.raises(ValueError, match="since.*e.g. '2025-10-10'"):
        utc(bad, "since")


def test_ns_is_epoch_nanoseconds_whatever_the_unit():
    idx = pd.DatetimeIndex(["1970-01-01T00:00:01Z", "2025-10-10T00:00Z"]).as_unit("s")
    assert ns(idx).tolist() == [1_000_000_000, 1_760_054_400 * 10**9]   # by hand: date -d


@pytest.mark.parametrize("tf, minutes", [("1m", 1), ("5m", 5), ("15m", 15), ("1h", 60),
                                         ("4h", 240), ("1d", 1440), ("1w", 10080)])
def test_timeframe(tf, minutes):
    assert timeframe(tf) == pd.Timedelta(minutes=minutes)


@pytest.mark.parametrize("bad", ["5", "m5", "0m", "1M", "5 minutes", ""])
def test_timeframe_refuses_what_it_cannot_read(bad):
    with pytest.raises(ValueError, match="form '5m', '1h', '1d'"):
        timeframe(bad)


def test_bar_size_from_attrs_then_from_the_smallest_step():
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 00:15", "2025-01-01 00:20"], tz="UTC")
    c = pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=idx)
    assert bar_size(c) == pd.Timedelta("5min")        # smallest step (a gap before it)
    c.attrs["timeframe"] = "15m"
    assert bar_size(c) == pd.Timedelta("15min")       # the declared timeframe wins
    with pytest.raises(ValueError, match="attrs\\['timeframe'\\]"):
        bar_size(pd.DataFrame({"close": [1.0]}, index=idx[:1]))
    assert bar_size(pd.DatetimeIndex(np.array([0, 0, 60 * 10**9], "datetime64[ns]"))) == pd.Timedelta("1min")
