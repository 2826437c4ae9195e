"""First touch of a planted level: hand-built candles whose answers are read off the table."""
import numpy as np
import pandas as pd
import pytest

from liqlab.backtest.touch import bar_size, first_touch


def _candles(rows, start="2025-01-01 00:00", tf="1h"):
    freq = tf.replace("m", "min") if tf.endswith("m") else tf
    idx = pd.date_range(start, periods=len(rows), freq=freq, tz="UTC", name="time")
    df = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx, dtype=float)
    df["volume"] = 1.0
    df.attrs["timeframe"] = tf
    return df


# hour:    00     01     02     03     04     05
# high:   101    102    106    103    101    100
# low:     99     97     99     94     98     95
PATH = _candles([(100, 101, 99, 100), (100, 102, 97, 101), (101, 106, 99, 104),
                 (104, 103.5, 94, 96), (96, 101, 98, 99), (99, 100, 95, 96)])


def test_planted_level_touched_at_known_time():
    t0 = pd.Timestamp("2025-01-01 01:00", tz="UTC")  # decision after the 00:00 candle closed
    # 105 above: first high >= 105 is the 02:00 candle (106); confirmed at its close, 03:00
    # 95 below: the 01:00 candle's low is 97, the 03:00 candle's low 94 -> touch at 03:00,
    # confirmed at 04:00. 110 above is never reached.
    out = first_touch(PATH, [t0] * 3, [105.0, 95.0, 110.0], [True, False, True], pd.Timedelta("4h"))
    assert out["touched"].tolist() == [True, True, False]
    assert out["touch_time"].iloc[0] == pd.Timestamp("2025-01-01 02:00", tz="UTC")
    assert out["time_to_touch"].iloc[0] == pd.Timedelta("2h")
    assert out["touch_time"].iloc[1] == pd.Timestamp("2025-01-01 03:00", tz="UTC")
    assert out["time_to_touch"].iloc[1] == pd.Timedelta("3h")
    assert pd.isna(out["touch_time"].iloc[2])
    assert out["complete"].tolist() == [True, True, True]  # 01:00 + 4h = 05:00 <= last close 06:00


def test_horizon_and_candles_before_t0_do_not_count():
    # from t0 = 02:00 with a 1h horizon only the 02:00 candle counts: 97 (low of the 01:00
    # candle, before t0) is not reached by its low 99; with 2h the 03:00 candle (94) reaches it
    t0 = [pd.Timestamp("2025-01-01 02:00", tz="UTC")]
    assert not first_touch(PATH, t0, [97.0], [False], pd.Timedelta("1h"))["touched"].iloc[0]
    assert first_touch(PATH, t0, [97.0], [False], pd.Timedelta("2h"))["touched"].iloc[0]
    # a horizon that ends mid-candle excludes that candle (it closes after t0 + horizon)
    assert not first_touch(PATH, t0, [97.0], [False], pd.Timedelta("90min"))["touched"].iloc[0]


def test_censored_when_data_end_before_horizon():
    t0 = [pd.Timestamp("2025-01-01 04:00", tz="UTC")] * 2
    out = first_touch(PATH, t0, [120.0, 95.0], [True, False], pd.Timedelta("1D"))
    # 120 never touched and the data end at 06:00 < 04:00 + 1 day: censored;
    # 95 touched by the 05:00 candle (low 95): settled despite the short data
    assert out["complete"].tolist() == [False, True]
    assert out["touched"].tolist() == [False, True]


def test_bar_size_and_bad_input():
    assert bar_size(PATH) == pd.Timedelta("1h")
    five = _candles([(1, 1, 1, 1)] * 3, tf="5m")
    assert bar_size(five) == pd.Timedelta("5min")
    with pytest.raises(ValueError, match="horizon must be positive"):
        first_touch(PATH, [PATH.index[0]], [1.0], [True], pd.Timedelta(0))
    with pytest.raises(ValueError, match="same length"):
        first_touch(PATH, [PATH.index[0]], [1.0, 2.0], [True], pd.Timedelta("1h"))
    with pytest.raises(ValueError, match="tz-aware"):
        first_touch(PATH, [pd.Timestamp("2025-01-01")], [1.0], [True], pd.Timedelta("1h"))


def test_resolution_of_timestamps_does_not_matter():
    # pandas 3 may hold times in microseconds; decisions must not depend on the unit
    c = PATH.copy()
    c.index = c.index.as_unit("us")
    t0 = pd.DatetimeIndex([pd.Timestamp("2025-01-01 01:00", tz="UTC")]).as_unit("s")
    out = first_touch(c, t0, [105.0], [True], pd.Timedelta("4h"))
    assert out["touch_time"].iloc[0] == pd.Timestamp("2025-01-01 02:00", tz="UTC")
    assert np.all(out["complete"])
