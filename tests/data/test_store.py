"""liqlab.data.store: upsert, range reads, name validation, round trips, concurrent writers.

Fixtures are tiny hand-built frames (synthetic numbers: the store does not care what the
prices are); every expected value is worked out by hand in a comment.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hs

from liqlab.data.schema import validate
from liqlab.data.store import Store, WriteReport

KEY = dict(kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="5m")


def candles(times, closes, volumes=None) -> pd.DataFrame:
    """Flat bars (open = high = low = close) at ``times``."""
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
    c = np.asarray(closes, float)
    v = np.ones(len(c)) if volumes is None else np.asarray(volumes, float)
    return pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": v}, index=idx)


def liqs(rows) -> pd.DataFrame:
    """rows: (time, side, price, qty); usd = price * qty."""
    idx = pd.DatetimeIndex(pd.to_datetime([r[0] for r in rows], utc=True), name="time")
    return pd.DataFrame({"exchange": "okx", "symbol": "BTC-USDT-SWAP",
                         "side": [r[1] for r in rows], "price": [float(r[2]) for r in rows],
                         "qty": [float(r[3]) for r in rows],
                         "usd": [float(r[2]) * r[3] for r in rows]}, index=idx)


LIQ = dict(kind="liquidations", exchange="okx", symbol="BTC-USDT-SWAP", timeframe="raw")


# --- upsert --------------------------------------------------------------------------------

def test_upsert_new_rows_win_and_report_counts(store_root):
    st = Store(store_root)
    # 23:50 and 23:55 go to 2025-09.parquet, 00:00 and 00:05 to 2025-10.parquet
    first = candles(["2025-09-30 23:50", "2025-09-30 23:55", "2025-10-01 00:00",
                     "2025-10-01 00:05"], [10, 11, 12, 13])
    rep = st.write(first, **KEY)
    assert (rep.rows_added, rep.rows_replaced, rep.files_written) == (4, 0, 2)
    # second batch: 00:00 and 00:05 again with new closes, and one new bar at 00:10
    # -> 2 replaced, 1 added, only the October file rewritten
    second = candles(["2025-10-01 00:00", "2025-10-01 00:05", "2025-10-01 00:10"], [22, 23, 24])
    rep = st.write(second, **KEY)
    assert (rep.rows_added, rep.rows_replaced, rep.files_written) == (1, 2, 1)
    assert [p.name for p in rep.paths] == ["2025-10.parquet"]
    got = st.read(**KEY)
    want = candles(["2025-09-30 23:50", "2025-09-30 23:55", "2025-10-01 00:00",
                    "2025-10-01 00:05", "2025-10-01 00:10"], [10, 11, 22, 23, 24])
    pd.testing.assert_frame_equal(got, want, check_index_type=False)
    assert got.index.dtype == "datetime64[ns, UTC]"
    # writing the same batch again changes nothing but is counted as replacing
    rep = st.write(second, **KEY)
    assert (rep.rows_added, rep.rows_replaced) == (0, 3)
    assert len(st.read(**KEY)) == 5


def test_write_validates_the_frame_first(store_root):
    st = Store(store_root)
    bad = candles(["2025-10-01 00:05", "2025-10-01 00:00"], [1, 2])  # unsorted
    with pytest.raises(ValueError, match="not sorted"):
        st.write(bad, **KEY)
    assert list(store_root.iterdir()) == []  # nothing created


def test_write_refuses_mismatched_attrs_columns_and_off_grid_times(store_root):
    st = Store(store_root)
    df = candles(["2025-10-01 00:00"], [1])
    df.attrs["symbol"] = "ETHUSDT"
    with pytest.raises(ValueError, match="attrs say symbol='ETHUSDT'"):
        st.write(df, **KEY)
    df.attrs = {"kind": "mark"}
    with pytest.raises(ValueError, match="attrs say kind='mark'"):
        st.write(df, **KEY)
    st.write(candles(["2025-10-01 00:00"], [1]), **KEY)
    extra = candles(["2025-10-01 00:05"], [1]).assign(quote_volume=5.0)
    with pytest.raises(ValueError, match="stores columns"):
        st.write(extra, **KEY)
    # 00:07 is not a 5m bar open time (a 1m frame written as 5m, say)
    with pytest.raises(ValueError, match="not bar open times on the 5m grid"):
        st.write(candles(["2025-10-01 00:07"], [1]), **KEY)
    # weekly bars open on Monday 00:00 UTC: 2025-10-06 is a Monday, 2025-10-09 a Thursday
    wk = dict(KEY, timeframe="1w")
    assert st.write(candles(["2025-10-06"], [1]), **wk).rows_added == 1
    with pytest.raises(ValueError, match="1w grid"):
        st.write(candles(["2025-10-09"], [1]), **wk)


def test_empty_batch_writes_nothing(store_root):
    rep = Store(store_root).write(candles([], []), **KEY)
    assert rep == WriteReport()
    assert list(store_root.iterdir()) == []


# --- liquidations: the index may repeat -------------------------------------------------

def test_liquidations_dedupe_on_full_row(store_root):
    st = Store(store_root)
    t = "2026-03-01 12:00:00.123"
    # two different liquidations in the same millisecond: both kept
    rep = st.write(liqs([(t, "long", 100, 1), (t, "short", 101, 2)]), **LIQ)
    assert (rep.rows_added, rep.rows_replaced) == (2, 0)
    # again the long one (identical row -> replaced, not added), plus a third in that ms,
    # plus an exact duplicate inside the batch (dropped and reported)
    batch = liqs([(t, "long", 100, 1), (t, "long", 100, 3), (t, "long", 100, 3)])
    rep = st.write(batch, **LIQ)
    assert (rep.rows_added, rep.rows_replaced, rep.duplicates_dropped) == (1, 1, 1)
    got = st.read(**LIQ)
    # stored order within the millisecond: the untouched short, then the new batch's rows
    assert list(zip(got["side"], got["qty"])) == [("short", 2.0), ("long", 1.0), ("long", 3.0)]
    assert list(got["usd"]) == [202.0, 100.0, 300.0]
    assert (got.index == pd.Timestamp(t, tz="UTC")).all()
    assert got.attrs["kind"] == "liquidations"


# --- reads ---------------------------------------------------------------------------------

def test_range_reads_are_half_open_utc(store_root):
    st = Store(store_root)
    times = ["2025-10-31 23:50", "2025-10-31 23:55", "2025-11-01 00:00", "2025-11-01 00:05"]
    st.write(candles(times, [1, 2, 3, 4]), **KEY)

    def closes(**kw):
        return list(st.read(**KEY, **kw)["close"])

    assert closes(start="2025-10-31 23:55", end="2025-11-01 00:05") == [2, 3]  # [start, end)
    assert closes(start="2025-11-01") == [3, 4]
    assert closes(end="2025-11-01") == [1, 2]
    # a tz-aware bound in another zone: 01:00 CET = 00:00 UTC
    assert closes(start=pd.Timestamp("2025-11-01 01:00", tz="Europe/Paris")) == [3, 4]
    assert closes(start=pd.Timestamp("2025-11-01 00:00")) == [3, 4]  # naive = UTC
    assert closes(start="2025-11-02") == []
    assert closes(start="2025-11-01 00:00", end="2025-11-01 00:00") == []
    with pytest.raises(ValueError, match="after end"):
        st.read(**KEY, start="2025-11-02", end="2025-11-01")
    with pytest.raises(ValueError, match="not a time"):
        st.read(**KEY, start="yesterday-ish")


def test_empty_store(store_root):
    st = Store(store_root / "never-created")
    df = st.read(**KEY)
    assert df.empty and list(df.columns) == ["open", "high", "low", "close", "volume"]
    validate(df, "candles")
    assert df.attrs == {"exchange": "binanceusdm", "symbol": "BTCUSDT", "timeframe": "5m",
                        "kind": "candles"}
    assert st.last_time(**KEY) is None
    parts = st.partitions()
    assert parts.empty and list(parts.columns) == ["exchange", "symbol", "dataset", "timeframe",
                                                   "rows", "start", "end"]


def test_round_trip_dtypes_attrs_last_time_and_partitions(store_root):
    st = Store(store_root)
    oi = pd.DataFrame({"oi_usd": [1e9, 1.1e9, 1.2e9], "oi_contracts": [10, 11, 12]},
                      index=pd.DatetimeIndex(pd.to_datetime(
                          ["2024-12-31 23:00", "2025-01-01 00:00", "2025-01-01 01:00"],
                          utc=True), name="time"))
    oi.attrs = {"exchange": "hyperliquid", "symbol": "BTC", "timeframe": "1h",
                "contract_size": 1.0}
    key = dict(kind="oi", exchange="hyperliquid", symbol="BTC", timeframe="1h")
    rep = st.write(oi, **key)
    assert [p.name for p in rep.paths] == ["2024.parquet", "2025.parquet"]  # yearly files
    got = st.read(**key)
    assert dict(got.dtypes.astype(str)) == {"oi_usd": "float64", "oi_contracts": "float64"}
    assert list(got["oi_contracts"]) == [10.0, 11.0, 12.0]  # ints stored as float64
    assert got.attrs == {"exchange": "hyperliquid", "symbol": "BTC", "timeframe": "1h",
                         "contract_size": 1.0, "kind": "oi"}
    assert st.last_time(**key) == pd.Timestamp("2025-01-01 01:00", tz="UTC")
    st.write(candles(["2025-10-01 00:00", "2025-10-01 00:05"], [1, 2]), **KEY)
    parts = st.partitions()
    assert parts.to_dict("records") == [
        {"exchange": "binanceusdm", "symbol": "BTCUSDT", "dataset": "candles", "timeframe": "5m",
         "rows": 2, "start": pd.Timestamp("2025-10-01 00:00", tz="UTC"),
         "end": pd.Timestamp("2025-10-01 00:05", tz="UTC")},
        {"exchange": "hyperliquid", "symbol": "BTC", "dataset": "oi", "timeframe": "1h",
         "rows": 3, "start": pd.Timestamp("2024-12-31 23:00", tz="UTC"),
         "end": pd.Timestamp("2025-01-01 01:00", tz="UTC")}]


def test_readers_ignore_temp_files_and_next_writer_removes_them(store_root):
    st = Store(store_root)
    st.write(candles(["2025-10-01 00:00"], [1]), **KEY)
    part = st.partition_path(**KEY)
    stale = part / ".tmp-2025-10.parquet-99999-deadbeef"
    stale.write_bytes(b"half a parquet fi")  # what a killed writer leaves
    assert list(st.read(**KEY)["close"]) == [1]
    assert st.last_time(**KEY) == pd.Timestamp("2025-10-01", tz="UTC")
    st.write(candles(["2025-10-01 00:05"], [2]), **KEY)
    assert not stale.exists()


# --- names become paths only when valid ----------------------------------------------------

@pytest.mark.parametrize("field,value,msg", [
    ("exchange", "Binance", "invalid exchange"),
    ("exchange", "", "invalid exchange"),
    ("exchange", "..", "invalid exchange"),
    ("exchange", "../etc", "invalid exchange"),
    ("exchange", "/tmp/x", "invalid exchange"),
    ("exchange", "okx\x00", "invalid exchange"),
    ("exchange", "okx\n", "invalid exchange"),  # '$' would have matched before the newline
    ("exchange", "a" * 33, "invalid exchange"),
    ("exchange", None, "invalid exchange"),
    ("symbol", "BTC/USDT:USDT", "ccxt unified symbol; pass the exchange's market id"),
    ("symbol", "BTC/USDT", "market id"),
    ("symbol", "..", "invalid symbol"),
    ("symbol", "../../etc/passwd", "ccxt unified symbol"),
    ("symbol", "/BTCUSDT", "invalid symbol"),
    ("symbol", "btcusdt", "uppercase"),
    ("symbol", "BTC USDT", "invalid symbol"),
    ("symbol", "BTC\x00", "invalid symbol"),
    ("symbol", "-BTC", "invalid symbol"),
    ("symbol", "B" * 41, "at most 40"),
    ("kind", "trades", "unknown dataset kind 'trades'"),
    ("kind", "../candles", "unknown dataset kind"),
    ("timeframe", "7m", "invalid timeframe '7m'"),
    ("timeframe", "1M", "invalid timeframe"),
    ("timeframe", "../5m", "invalid timeframe"),
    ("timeframe", "raw", "bars: give their timeframe"),
])
def test_invalid_names_are_clear_errors_and_touch_nothing(store_root, field, value, msg):
    st = Store(store_root)
    key = dict(KEY, **{field: value})
    with pytest.raises(ValueError, match=msg):
        st.write(candles(["2025-10-01"], [1]), **key)
    with pytest.raises(ValueError, match=msg):
        st.read(**key)
    with pytest.raises(ValueError, match=msg):
        st.last_time(**key)
    assert list(store_root.parent.iterdir()) == [store_root]  # nothing created outside
    assert list(store_root.iterdir()) == []                   # nor inside


def test_liquidations_must_be_raw(store_root):
    with pytest.raises(ValueError, match="timeframe='raw'"):
        Store(store_root).read(**dict(LIQ, timeframe="1m"))


# --- concurrent writers --------------------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from liqlab.data.store import Store
    root, who, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    st = Store(root)
    key = dict(kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="1m")
    base = pd.Timestamp("2025-10-31 23:00", tz="UTC")
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    if len(sys.argv) > 4:  # report whether the partition lock is held, then go and wait for it
        import fcntl, os
        fd = os.open(st.partition_path(**key) / ".lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("free", flush=True)
        except BlockingIOError:
            print("held", flush=True)
        os.close(fd)
        print("waiting", flush=True)
    for b in range(n):
        # own minutes: 2*(10*b + k) + who (disjoint between writers, across the month end);
        # shared minutes 1000 + 10*b + k, written by both (overlapping)
        own = [2 * (10 * b + k) + who for k in range(10)]
        shared = [1000 + 10 * b + k for k in range(10)]
        mins = np.array(own + shared)
        idx = pd.DatetimeIndex(base + pd.to_timedelta(mins, unit="min"), name="time")
        c = np.full(len(mins), 100.0 + who)
        st.write(pd.DataFrame({"open": c, "high": c, "low": c, "close": c,
                               "volume": np.full(len(mins), float(b))}, index=idx), **key)
""")


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WRITER, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _finish(p: subprocess.Popen) -> None:
    p.stdin.close()
    rest = p.stdout.read()
    p.stdout.close()
    assert p.wait(timeout=120) == 0, rest


@pytest.mark.slow
def test_two_processes_disjoint_and_overlapping_lose_nothing(store_root):
    n = 25
    procs = [_spawn(str(store_root), str(who), str(n)) for who in (0, 1)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _finish(p)
    got = Store(store_root).read(kind="candles", exchange="binanceusdm", symbol="BTCUSDT",
                                 timeframe="1m")
    mins = ((got.index - pd.Timestamp("2025-10-31 23:00", tz="UTC")) // pd.Timedelta("1min"))
    mins = np.asarray(mins)
    # own rows: minutes 0..499 (writer 0 the even ones, writer 1 the odd ones), every one
    # there with its writer's close; shared rows: minutes 1000..1249, once each
    own = mins < 1000
    assert list(mins[own]) == list(range(2 * 10 * n))
    assert (got["close"].to_numpy()[own] == 100.0 + mins[own] % 2).all()
    assert list(mins[~own]) == list(range(1000, 1000 + 10 * n))
    assert set(got["close"].to_numpy()[~own]) <= {100.0, 101.0}
    assert len(got) == 2 * 10 * n + 10 * n  # 750, no duplicates (validate checks uniqueness)


@pytest.mark.slow
def test_writer_waits_for_the_partition_lock(store_root):
    """Hold the partition lock here: a writer process must block until it is released."""
    st = Store(store_root)
    st.write(candles(["2025-10-01 00:00"], [1]), **dict(KEY, timeframe="1m"))
    part = st.partition_path(**dict(KEY, timeframe="1m"))
    fd = os.open(part / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        p = _spawn(str(store_root), "0", "1", "probe")
        assert p.stdout.readline().strip() == "ready"
        p.stdin.write("go\n")
        p.stdin.flush()
        # the child found the lock held and is going into Store.write, which must wait for it
        assert p.stdout.readline().strip() == "held"
        assert p.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
        assert p.poll() is None  # still waiting for the lock
        assert len(st.read(**dict(KEY, timeframe="1m"))) == 1  # it wrote nothing meanwhile
        assert len(st.read(**dict(KEY, timeframe="1m"))) == 1  # readers are not blocked
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    _finish(p)
    assert len(st.read(**dict(KEY, timeframe="1m"))) == 1 + 20


# --- the embedded real data ----------------------------------------------------------------

@pytest.mark.parametrize("name,timeframe", [
    ("binance_btcusdt_5m", "5m"),              # 26,496 bars over Aug..Oct 2025: 3 month files
    ("hyperliquid_btc_oi_1h", "1h"),           # 2025..2026: 2 year files
    ("binance_btcusdt_funding", "8h"),
    ("liq_totals_hyperliquid_daily", "1d"),
    ("liquidations_okx_2026_03", "raw"),       # repeated timestamps, text columns
])
def test_real_samples_round_trip_in_overlapping_halves(store_root, name, timeframe):
    from liqlab import load_sample
    df = load_sample(name)
    kind = df.attrs["kind"]
    assert df.attrs["timeframe"] == timeframe  # samples name timeframes as the store does
    key = dict(kind=kind, exchange=df.attrs["exchange"], symbol=df.attrs["symbol"],
               timeframe=timeframe)
    st = Store(store_root)
    n = len(df)
    overlap = min(100, n // 4)
    first, second = df.iloc[: n // 2 + overlap], df.iloc[n // 2:]
    assert st.write(first, **key).rows_added == len(first)
    rep = st.write(second, **key)
    # the overlapping rows are replaced (by identical rows), the rest added
    assert (rep.rows_added, rep.rows_replaced) == (len(second) - overlap, overlap)
    got = st.read(**key)
    pd.testing.assert_frame_equal(got, df, check_index_type=False, check_dtype=False)
    assert dict(got.dtypes.astype(str)) == dict(df.dtypes.astype(str))
    assert got.attrs == {**df.attrs, "kind": kind}
    assert st.last_time(**key) == df.index[-1]
    part = st.partitions().iloc[0]
    assert (part["rows"], part["start"], part["end"]) == (n, df.index[0], df.index[-1])
    # a day in the middle, by range
    day = df.index[n // 2].floor("D")
    want = df[(df.index >= day) & (df.index < day + pd.Timedelta("1D"))]
    pd.testing.assert_frame_equal(st.read(**key, start=day, end=day + pd.Timedelta("1D")), want,
                                  check_index_type=False, check_dtype=False)


def test_readers_see_whole_files_while_a_writer_runs(store_root):
    """No lock for readers: every read during 25 upserts is a valid frame that never shrinks
    (rows are only added: each batch adds 10 own + 10 shared minutes, see _WRITER)."""
    st = Store(store_root)
    key = dict(KEY, timeframe="1m")
    p = _spawn(str(store_root), "0", "25")
    assert p.stdout.readline().strip() == "ready"
    p.stdin.write("go\n")
    p.stdin.flush()
    sizes = []
    while p.poll() is None:
        sizes.append(len(st.read(**key)))  # read() validates: a torn file would raise
    _finish(p)
    sizes.append(len(st.read(**key)))
    assert sizes == sorted(sizes) and sizes[-1] == 25 * 20
    assert len(set(sizes)) > 2  # the reads really overlapped the writes


# --- property: the store behaves like a dict (a set for liquidations) ----------------------

# 5m bars from 2024-12-31 23:00 to 01:30 the next day: crosses a month and a year boundary
_BASE = pd.Timestamp("2024-12-31 23:00", tz="UTC")
_batches = hs.lists(hs.dictionaries(hs.integers(0, 30), hs.integers(1, 5), max_size=12),
                    min_size=1, max_size=5)


_property = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _replay(tmp_path_factory, frames, key):
    """Write ``frames`` one after the other into a new store; after each write, yield its
    report and what the store reads back."""
    st = Store(tmp_path_factory.mktemp("prop"))
    for df in frames:
        rep = st.write(df, **key)
        yield rep, st.read(**key)


@pytest.mark.slow
@_property
@given(batches=_batches)
def test_upserts_match_a_last_write_wins_dict(tmp_path_factory, batches):
    model: dict[int, int] = {}
    frames = [candles([_BASE + pd.Timedelta(minutes=5 * k) for k in sorted(b)],
                      [b[k] for k in sorted(b)]) for b in batches]
    for batch, (rep, got) in zip(batches, _replay(tmp_path_factory, frames, KEY)):
        assert rep.rows_replaced == len(set(batch) & set(model))
        assert rep.rows_added == len(set(batch) - set(model))
        model.update(batch)
        mins = (got.index - _BASE) // pd.Timedelta("5min")
        assert dict(zip(mins, got["close"])) == {k: float(v) for k, v in model.items()}
        assert len(got) == len(model)


_liq_batches = hs.lists(hs.lists(hs.tuples(hs.integers(0, 3), hs.sampled_from(["long", "short"]),
                                           hs.integers(1, 3)), max_size=8),
                        min_size=1, max_size=5)


@pytest.mark.slow
@_property
@given(batches=_liq_batches)
def test_liquidation_upserts_match_a_set_of_rows(tmp_path_factory, batches):
    model: set[tuple] = set()
    batches = [sorted(b) for b in batches]  # a valid frame is sorted by time
    frames = [liqs([(_BASE + pd.Timedelta(seconds=k), side, 100, q) for k, side, q in rows])
              for rows in batches]
    for rows, (rep, got) in zip(batches, _replay(tmp_path_factory, frames, LIQ)):
        assert rep.duplicates_dropped == len(rows) - len(set(rows))
        assert rep.rows_replaced == len(set(rows) & model)
        assert rep.rows_added == len(set(rows) - model)
        model |= set(rows)
        secs = (got.index - _BASE) // pd.Timedelta("1s")
        assert sorted(zip(secs, got["side"], got["qty"])) == sorted(model)
