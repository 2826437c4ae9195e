"""``liqlab record``: record live liquidations into the store.

    liqlab record --store data                 # foreground; Ctrl-C stops (pending rows committed)
    liqlab record --store data --background    # detached; log and pid file under data/_recorder/
    liqlab record --store data --stop          # stop the background recorder (SIGTERM, clean flush)

Feeds: Binance ``forceOrder``, OKX ``liquidation-orders``, Bybit ``allLiquidation`` (ccxt pro).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from liqlab.cli import _options
from liqlab.data.exchanges.clients import LIQUIDATION_FEEDS as EXCHANGES, HOST_ENV
from liqlab.data.exchanges.recorder import RECORDER_DIR, Recorder, run_forever
from liqlab.data.store import Store

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange", action="append", choices=list(EXCHANGES),
                        help="feed to record (repeat for several; default all three)")
    parser.add_argument("--symbol", action="append",
                        help="perpetual symbol (repeat for several; default BTCUSDT)")
    _options.add_store(parser)
    parser.add_argument("--host", default=None,
                        help=f"connect to this host instead (REST and websocket); env {HOST_ENV}")
    parser.add_argument("--testnet", action="store_true", help="the exchanges' testnets")
    parser.add_argument("--batch-rows", type=int, default=50, help="commit after this many rows (50)")
    parser.add_argument("--batch-seconds", type=float, default=1.0, help="... or this often (1 s)")
    parser.add_argument("--backoff", type=float, default=1.0, help="first reconnect wait, seconds")
    parser.add_argument("--background", action="store_true",
                        help="run detached; log and pid file go to <store>/_recorder/")
    parser.add_argument("--stop", action="store_true", help="stop the background recorder")


def _paths(store: str) -> tuple[Path, Path]:
    d = Path(store) / RECORDER_DIR
    return d / "recorder.pid", d / "recorder.log"


def _alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie counts as stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True
    return True


def _is_recorder(pid: int) -> bool:
    cmd = Path(f"/proc/{pid}/cmdline")
    if not cmd.exists():  # no /proc (macOS): trust the pid file
        return True
    parts = cmd.read_bytes().split(b"\0")
    return b"liqlab.cli" in parts and b"record" in parts


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _stop(store: str) -> int:
    pidfile, _ = _paths(store)
    pid = _read_pid(pidfile)
    if pid is None or not _alive(pid):
        pidfile.unlink(missing_ok=True)
        print(f"no recorder is running for {store}")
        return 1
    if not _is_recorder(pid):
        raise ValueError(f"pid {pid} in {pidfile} is not a liqlab recorder; remove the stale pid file")
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        if not _alive(pid):
            pidfile.unlink(missing_ok=True)
            print(f"recorder {pid} stopped; pending rows committed")
            return 0
        time.sleep(0.05)
    print(f"recorder {pid} did not stop within 15 s; it is still committing or stuck "
          f"(kill -KILL {pid} loses nothing acknowledged: the journal is replayed on start)")
    return 1


def _background(args: argparse.Namespace) -> int:
    pidfile, logfile = _paths(args.store)
    pid = _read_pid(pidfile)
    if pid is not None and _alive(pid) and _is_recorder(pid):
        raise ValueError(f"a recorder already runs for {args.store} (pid {pid}); "
                         "stop it with `liqlab record --stop`")
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "liqlab.cli", "record", "--store", args.store,
           "--batch-rows", str(args.batch_rows), "--batch-seconds", str(args.batch_seconds),
           "--backoff", str(args.backoff)]
    for ex in args.exchange or []:
        cmd += ["--exchange", ex]
    for s in args.symbol or []:
        cmd += ["--symbol", s]
    if args.host:
        cmd += ["--host", args.host]
    if args.testnet:
        cmd.append("--testnet")
    # posix_spawn in a new session: detached from this terminal, nothing to reap here
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, str(logfile), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
               (os.POSIX_SPAWN_DUP2, 1, 2)]
    pid = os.posix_spawn(sys.executable, cmd, os.environ.copy(), file_actions=actions, setsid=True)
    pidfile.write_text(f"{pid}\n")
    print(f"recorder started in the background (pid {pid}); log: {logfile}; "
          "stop: liqlab record --stop")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.stop:
        return _stop(args.store)
    if args.background:
        return _background(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s",
                        stream=sys.stderr)
    rec = Recorder(Store(args.store), args.exchange or list(EXCHANGES), args.symbol or ["BTCUSDT"],
                   host=args.host, testnet=args.testnet, batch_rows=args.batch_rows,
                   batch_seconds=args.batch_seconds, backoff_s=args.backoff)
    stats = run_forever(rec)
    print(f"recorded {stats.received} liquidation(s), committed {stats.committed}, "
          f"replayed {stats.replayed}, reconnects {stats.reconnects}", flush=True)
    pidfile, _ = _paths(args.store)
    if _read_pid(pidfile) == os.getpid():
        pidfile.unlink(missing_ok=True)
    return 0
