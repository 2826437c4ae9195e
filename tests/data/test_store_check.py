"""The store finds its own damage: `liqlab store check` (and --repair: moved aside, never
deleted, with the range to fetch again) and `liqlab store ls`. Files are damaged here the way
a disk or a careless copy damages them: truncated, overwritten with other bytes."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import liqlab
from liqlab.cli import EXIT_CORRUPT, EXIT_INCOMPLETE, main
from liqlab.data.store import StoreCorruptError, check, listing

KEY = dict(kind="candles", exchange="binance", symbol="BTCUSDT", timeframe="5m")


def bars(start, n):
    idx = pd.date_range(start, periods=n, freq="5min", tz="UTC", name="time")
    c = 100.0 + np.arange(n)
    return pd.DataFrame({"open": c, "high": c + 1, "low": c - 1, "close": c, "volume": c}, index=idx)


@pytest.fixture
def damaged(store_root):
    st = liqlab.Store(store_root)
    st.write(bars("2025-09-30 22:00", 48), **KEY)        # Sep 24 bars, Oct 24 bars: 2 files
    part = st.partition_path(**KEY)
    victim = part / "2025-10.parquet"
    victim.write_bytes(victim.read_bytes()[: len(victim.read_bytes()) // 2])
    return st, victim


def test_read_names_the_corrupt_file(damaged):
    st, victim = damaged
    with pytest.raises(StoreCorruptError, match=str(victim)) as e:
        st.read(**KEY)
    assert e.value.path == victim and "store check" in str(e.value)
    assert len(st.read(**KEY, end="2025-09-30 23:59")) == 24   # the other file still reads


def test_check_lists_and_repair_moves_aside_without_deleting(damaged, capsys):
    st, victim = damaged
    blob = victim.read_bytes()
    rep = check(st)
    assert [d.path for d in rep.damaged] == [victim] and rep.files == 2 and rep.rows == 24
    assert victim.exists()                                # check alone touches nothing
    root = str(st.root)
    assert main(["store", "check", "--store", root]) == EXIT_CORRUPT
    assert main(["store", "check", "--store", root, "--repair"]) == EXIT_INCOMPLETE
    out = capsys.readouterr().out
    assert not victim.exists()
    moved = list((st.root / "_damaged").rglob("2025-10.parquet.*"))
    assert len(moved) == 1 and moved[0].read_bytes() == blob      # nothing deleted
    assert ("liqlab fetch --store " + root + " --exchange binance --symbol BTCUSDT --kinds candles "
            "--timeframe 5m --since 2025-10-01 --until 2025-11-01") in out
    assert len(st.read(**KEY)) == 24                      # the store reads again
    assert main(["store", "check", "--store", root]) == 0
    assert "no damage found" in capsys.readouterr().out


def test_ls_shows_spans_rows_and_recorded_holes(store_root, capsys):
    st = liqlab.Store(store_root)
    st.write(bars("2025-10-10", 12), **KEY)
    st.write(bars("2025-10-10", 3).assign(volume=0.0)[["open", "high", "low", "close"]],
             **dict(KEY, kind="mark", timeframe="5m"))
    (store_root / "_fetch").mkdir()
    (store_root / "_fetch" / "holes.json").write_text(json.dumps({"binance/BTCUSDT/candles/5m": [
        {"kind": "candles", "start": "2025-10-10T01:00:00+00:00", "end": "2025-10-10T01:10:00+00:00",
         "rows": 2, "reason": "not served"}]}))
    df = listing(st)
    assert df[["dataset", "rows", "holes", "hole_rows"]].values.tolist() == [
        ["candles", 12, 1, 2], ["mark", 3, 0, 0]]
    assert df.end.iloc[0] == pd.Timestamp("2025-10-10 00:55", tz="UTC")
    assert main(["store", "ls", "--store", str(store_root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["binance", "BTCUSDT", "candles", "5m", "2025-10-10", "00:00",
                              "2025-10-10", "00:55", "12", "1", "1", "(2", "rows)", "-"]


def test_ls_on_a_missing_store_is_a_usage_error(tmp_path, capsys):
    assert main(["store", "ls", "--store", str(tmp_path / "nope")]) == 2
    assert "no store at" in capsys.readouterr().err
