"""`liqlab fetch` as users run it: the CLI, SIGKILL mid-fetch and resume, keys never leaked."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pandas as pd

import liqlab
from liqlab.cli import main
from tests.data.exchanges.conftest import fixture_candles

REPO = Path(__file__).resolve().parents[3]


def _args(fake, root, *extra):
    return ["fetch", "--exchange", "binance", "--kinds", "candles", "--timeframe", "5m",
            "--since", "2025-10-10", "--until", "2025-10-12", "--host", fake.url,
            "--store", str(root), "--no-progress", "--backoff", "0.001", *extra]


def _stored(root):
    try:
        return liqlab.Store(root).read(kind="candles", exchange="binance", symbol="BTCUSDT",
                                       timeframe="5m")
    except ValueError:
        return None


@pytest.mark.slow
def test_sigkill_mid_fetch_loses_nothing_committed_and_a_restart_resumes(fake, store_root):
    fake.page_delay = 0.12       # 24 pages of 24 bars: about 3 s, time to kill it midway
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = open(store_root.parent / "fetch.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "liqlab.cli", *_args(fake, store_root, "--page-limit", "24")],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline:
        got = _stored(store_root) if (store_root / "exchange=binance").exists() else None
        seen = 0 if got is None else len(got)
        if seen >= 72:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    log.close()
    assert proc.returncode == -signal.SIGKILL
    before = _stored(store_root)
    assert before is not None and 72 <= len(before) < 576     # killed midway
    assert before.index.is_unique and len(before) % 24 == 0   # whole pages only
    last = before.index[-1]
    n = len(fake.requests)
    fake.page_delay = 0.0
    assert main(_args(fake, store_root)) == 0
    first = next(q for r, q in fake.requests[n:] if r == "binance:klines")
    assert int(first["startTime"]) == int((last + pd.Timedelta("5min")).value // 10**6)   # resumed
    after = _stored(store_root)
    want = fixture_candles("binance")
    assert len(after) == 576 and after.index.is_unique
    assert (after.close.to_numpy() == want.close.to_numpy()).all()
    pd.testing.assert_frame_equal(after.loc[before.index], before)   # committed rows unchanged


def test_cli_reports_holes_with_exit_status_1(fake, store_root, capsys):
    fake.remove("binance", "candles", [1760054400000 + 300_000 * 5])
    assert main(_args(fake, store_root, "--retries", "2")) == 1
    out = capsys.readouterr().out
    assert "HOLE candles: 1 row(s) missing in [2025-10-10 00:25:00+00:00" in out


def test_cli_bad_input_is_a_clean_error(fake, store_root, capsys):
    assert main(["fetch", "--symbol", "../../etc/passwd", "--store", str(store_root)]) == 2
    assert "symbol" in capsys.readouterr().err
    assert main(_args(fake, store_root, "--kinds", "candles,trades")) == 2
    assert main(["fetch", "--host", "http://127.0.0.1:1/evil/path", "--store", str(store_root)]) == 2


def test_cli_watch_runs_bounded_rounds(fake, store_root, capsys):
    assert main(_args(fake, store_root, "--watch", "--cycles", "2", "--short-every", "0")) == 0
    out = capsys.readouterr().out
    assert out.count("already up to date") == 2       # two refresh rounds after the first fetch


def test_api_keys_are_never_logged_or_written(fake, store_root, monkeypatch, caplog, capsys):
    key, secret = "AKIA-liqlab-test-key-93f1", "liqlab-test-secret-5c2e"
    monkeypatch.setenv("LIQLAB_BINANCE_API_KEY", key)
    monkeypatch.setenv("LIQLAB_BINANCE_API_SECRET", secret)
    fake.fault("binance:klines", "status", status=429, headers={"Retry-After": "0"}, body="{}")
    fake.fault("binance:klines", "status", status=500, body="{}")
    caplog.set_level(logging.DEBUG)
    assert main(_args(fake, store_root, "-v")) == 0
    from liqlab.data.exchanges.clients import make_client
    assert make_client("binance").apiKey == key           # the key was picked up
    out = capsys.readouterr()
    text = out.out + out.err + caplog.text
    assert "retrying" in text                              # logging did run
    for path in store_root.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert key.encode() not in blob and secret.encode() not in blob
    assert key not in text and secret not in text
    assert all(key not in str(q) for _, q in fake.requests)   # not sent to public endpoints
