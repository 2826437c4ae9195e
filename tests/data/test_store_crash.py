"""SIGKILL a writing process at random moments; every acknowledged row must survive.

The writer upserts batches of 1m candles into one partition, forever, and prints each
batch id only after ``Store.write`` returned (the batch is committed). Batch ``b`` owns the
minutes ``t`` with ``t % M == b`` over one year, so every batch touches all 13 monthly
files (each write rewrites big, growing files: kills land mid-write, often between two
renames) and each row's value says which batch wrote it (volume = b).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from liqlab.data.store import Store

M = 40                     # batch ids 0..M-1
SPAN = 12 * 30 * 24 * 60   # minutes from BASE: 2025-01-01 .. 2025-12-27 (12 files + 1)
BASE = pd.Timestamp("2025-01-01", tz="UTC")
KEY = dict(kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="1m")

_WRITER = textwrap.dedent(f"""
    import sys, numpy as np, pandas as pd
    from liqlab.data.store import Store
    st = Store(sys.argv[1])
    first, last = int(sys.argv[2]), int(sys.argv[3])
    base = pd.Timestamp({str(BASE)!r})
    print("ready", flush=True)
    for b in range(first, last):
        mins = np.arange(b, {SPAN}, {M})
        c = 100.0 + (mins % 97)
        idx = pd.DatetimeIndex(base + pd.to_timedelta(mins, unit="min"), name="time")
        df = pd.DataFrame({{"open": c, "high": c + 1, "low": c - 1, "close": c,
                           "volume": np.full(len(mins), float(b))}}, index=idx)
        st.write(df, kind="candles", exchange="binanceusdm", symbol="BTCUSDT", timeframe="1m")
        print(b, flush=True)
""")


def _run(root, first: int, last: int, kill_after: float | None) -> tuple[list[int], bool]:
    """Run the writer; SIGKILL it ``kill_after`` s after it is ready. Returns the acknowledged
    batch ids and whether a temporary file existed at the moment of the kill."""
    p = subprocess.Popen([sys.executable, "-c", _WRITER, str(root), str(first), str(last)],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        tmp_at_kill = False
        if kill_after is not None:
            time.sleep(kill_after)
            part = Store(root).partition_path(**KEY)
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=30)
            # the process is dead: what is on disk now is what a crash leaves
            tmp_at_kill = part.is_dir() and any(f.name.startswith(".tmp-")
                                                for f in part.iterdir())
        acked = [int(line) for line in p.stdout.read().split()]
        rc = p.wait(timeout=120)
        assert rc == 0 or (kill_after is not None and rc == -signal.SIGKILL)
        return acked, tmp_at_kill
    finally:
        p.stdout.close()
        if p.poll() is None:
            p.kill()
            p.wait()


def _check(root, acked: set[int]) -> pd.DataFrame:
    df = Store(root).read(**KEY)  # validates: sorted, unique times, no NaN, high >= low ...
    mins = np.asarray((df.index - BASE) // pd.Timedelta("1min"))
    b = df["volume"].to_numpy().astype(int)
    assert (mins % M == b).all()              # every row is the row its batch wrote
    assert (df["close"].to_numpy() == 100.0 + mins % 97).all()
    per_batch = pd.Series(b).value_counts()
    for a in acked:                            # every acknowledged batch: all of its rows
        assert per_batch.get(a, 0) == len(range(a, SPAN, M)), f"batch {a} lost rows"
    return df


@pytest.mark.slow
def test_sigkill_mid_write_loses_no_acknowledged_row(tmp_path):
    rng = random.Random(20251010)
    root = tmp_path / "store"
    acked: set[int] = set()
    next_b, rounds, kills_with_tmp = 0, 0, 0
    t0 = time.monotonic()
    while next_b < M - 2 and (rounds < 6 or kills_with_tmp == 0) and time.monotonic() - t0 < 25:
        got, tmp = _run(root, next_b, M - 2, kill_after=rng.uniform(0.05, 1.2))
        rounds += 1
        kills_with_tmp += tmp
        print(f"round {rounds}: acknowledged {got}, temp file at kill: {tmp}")
        acked.update(got)
        assert got == list(range(next_b, next_b + len(got)))  # acknowledged in order
        _check(root, acked)  # after every kill, not only at the end
        # the batch being written at the kill was not acknowledged: write it again
        next_b += len(got)
    assert rounds >= 3
    assert kills_with_tmp >= 1, "no kill landed while a temporary file existed"
    # a new writer takes the lock, removes the dead writers' temp files, and continues
    got, _ = _run(root, M - 2, M, kill_after=None)
    assert got == [M - 2, M - 1]
    acked.update(got)
    df = _check(root, acked)
    part = Store(root).partition_path(**KEY)
    assert not [f for f in part.iterdir() if f.name.startswith(".tmp-")]
    # nothing but acknowledged batches and at most the one in flight at each kill is stored
    assert set(np.unique(df["volume"].astype(int))) <= set(range(M))


def test_failure_between_two_renames_keeps_each_file_consistent(tmp_path, monkeypatch):
    """An upsert touching Sep and Oct dies after renaming the first file: Sep is new, Oct is
    old, every row committed before is readable, and no temp file is left behind."""
    import liqlab.data.store._files as files

    st = Store(tmp_path)
    key = dict(KEY, timeframe="5m")

    def bars(times, close):
        idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True), name="time")
        c = np.full(len(idx), float(close))
        return pd.DataFrame({"open": c, "high": c, "low": c, "close": c, "volume": c}, index=idx)

    st.write(bars(["2025-09-30 23:55", "2025-10-01 00:00"], 1), **key)
    real_replace, calls = os.replace, []

    def dying_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("simulated crash between renames")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", dying_replace)
    try:
        st.write(bars(["2025-09-30 23:50", "2025-09-30 23:55", "2025-10-01 00:00",
                       "2025-10-01 00:05"], 2), **key)
    except OSError:
        pass
    else:
        raise AssertionError("the simulated crash did not happen")
    monkeypatch.undo()
    got = st.read(**key)
    # Sep file renamed (new: 23:50 and 23:55 with close 2); Oct file not (old: 00:00 close 1)
    assert list(got["close"]) == [2.0, 2.0, 1.0]
    assert [t.strftime("%H:%M") for t in got.index] == ["23:50", "23:55", "00:00"]
    assert not [f for f in st.partition_path(**key).iterdir() if f.name.startswith(".tmp-")]
    # the batch written again completes it
    st.write(bars(["2025-10-01 00:00", "2025-10-01 00:05"], 2), **key)
    assert list(st.read(**key)["close"]) == [2.0] * 4
