"""One error boundary for every `liqlab` command: a failure a user can cause is a short
message with a documented exit status, never a traceback (unless -v). Through the real ccxt
code path against the fake exchange (or a port nothing listens on)."""
from __future__ import annotations

import socket

import pandas as pd

import liqlab
from liqlab.cli import EXIT_CORRUPT, EXIT_UNREACHABLE, EXIT_USAGE, main


def _closed_port() -> int:
    with socket.socket() as s:          # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(host, root, *extra):
    return ["fetch", "--exchange", "binance", "--kinds", "candles", "--since", "2025-10-10",
            "--until", "2025-10-11", "--host", host, "--store", str(root), "--no-progress",
            "--retries", "2", "--backoff", "0.001", *extra]


def test_an_unreachable_host_is_a_message_and_exit_3(store_root, capsys):
    host = f"http://127.0.0.1:{_closed_port()}"
    assert main(_fetch(host, store_root)) == EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert "Traceback" not in err and "binanceusdm could not be reached" in err
    assert "Check the network" in err and len(err.strip().splitlines()) <= 3
    assert main(["-v", *_fetch(host, store_root)]) == EXIT_UNREACHABLE   # -v: the traceback too
    assert "Traceback" in capsys.readouterr().err


def test_watch_started_offline_logs_the_round_and_tries_again(fake, store_root, capsys, caplog):
    fake.fault("binance:exchangeInfo", "status", status=503, body="", times=2)  # round 1 gives up
    assert main(_fetch(fake.url, store_root, "--watch", "--cycles", "2", "--short-every", "0")) == 0
    assert "failed, trying again next round" in caplog.text
    got = liqlab.Store(store_root).read(kind="candles", exchange="binance", symbol="BTCUSDT",
                                        timeframe="5m")
    assert len(got) == 288                                # round 2 fetched the whole range
    assert "Traceback" not in capsys.readouterr().err


def test_store_pointing_at_a_file_is_a_clear_error(fake, store_root, capsys):
    f = store_root / "not-a-dir"
    f.write_text("x")
    assert main(_fetch(fake.url, f)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "is a file, not a directory" in err and "Traceback" not in err


def test_a_corrupt_store_file_is_named_and_exit_4(fake, store_root, capsys):
    assert main(_fetch(fake.url, store_root)) == 0
    part = liqlab.Store(store_root).partition_path(kind="candles", exchange="binance",
                                                   symbol="BTCUSDT", timeframe="5m")
    victim = part / "2025-10.parquet"
    victim.write_bytes(victim.read_bytes()[:100])        # truncated outside liqlab
    capsys.readouterr()
    assert main(_fetch(fake.url, store_root)) == EXIT_CORRUPT
    err = capsys.readouterr().err
    assert str(victim) in err and "liqlab store check" in err and "Traceback" not in err
    try:
        liqlab.Store(store_root).read(kind="candles", exchange="binance", symbol="BTCUSDT",
                                      timeframe="5m", start="2025-10-10")
    except ValueError as exc:
        assert str(victim) in str(exc)
    else:
        raise AssertionError("a truncated file was read")


def test_top_level_help_describes_the_kit_and_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "liquidation heatmap" in out and "exit status" in out
    for code in ("could not be reached", "store check --repair", "bad arguments"):
        assert code in out
    assert "add_arguments" not in out and "subcommand" not in out.lower()
    assert main(["frobnicate"]) == EXIT_USAGE
    assert main(["fetch", "--kinds"]) == EXIT_USAGE                     # argparse usage error


def test_bad_times_are_usage_errors(fake, store_root, capsys):
    args = _fetch(fake.url, store_root)
    args[args.index("--since") + 1] = "last tuesday"
    assert main(args) == EXIT_USAGE
    assert "is not a time" in capsys.readouterr().err
    assert pd.Timestamp("2025-10-10")    # (the fixture range above is a real one)
