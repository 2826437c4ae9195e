"""The liquidation recorder: ccxt pro websocket feeds (Binance ``forceOrder``, OKX
``liquidation-orders``, Bybit ``allLiquidation``) -> small atomic batches in the store.

Durability: every liquidation row is appended to a journal (``<store>/_recorder/journal.jsonl``,
flushed and fsync'ed) the moment its message is parsed: that is the acknowledgement. Rows
are then written to the store in small batches (``batch_rows`` or every ``batch_seconds``),
after which the journal is rewritten without them. On start the recorder replays whatever
the journal holds into the store first, so a recorder killed at any moment (SIGKILL
included) loses no acknowledged row; the store de-duplicates liquidations on the full row,
so a replay after a crash between the two steps adds no duplicates. (The flip side: two
liquidations identical to the millisecond in every field are kept once.)

Rows come from the raw payloads, not from ccxt's parsed structure: ccxt keeps only the
first detail of an OKX push; every detail is recorded here. Sides are normalised to the
liquidated position (see :mod:`liqlab.data.exchanges.convert`).

Feeds reconnect with exponential backoff (``backoff_s`` doubling up to ``max_backoff_s``,
reset after a message arrives).
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from liqlab.data.exchanges import convert
from liqlab.data.exchanges.clients import EXCHANGES, make_client, market_for

__all__ = ["Recorder", "RecorderStats", "journal_path", "RECORDER_DIR"]

log = logging.getLogger("liqlab.data.exchanges.recorder")
RECORDER_DIR = "_recorder"


def journal_path(store_root: str | os.PathLike) -> Path:
    """Where the recorder journals acknowledged rows before they reach the store."""
    return Path(store_root) / RECORDER_DIR / "journal.jsonl"


@dataclass
class RecorderStats:
    """What a recorder run did."""
    received: int = 0          # liquidation rows parsed from the feeds (acknowledged)
    committed: int = 0         # rows written to the store
    replayed: int = 0          # rows replayed from the journal at start
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)


class Recorder:
    """Record live liquidations of ``symbols`` on ``exchanges`` into ``store``."""

    def __init__(self, store: Any, exchanges: Iterable[str] = tuple(EXCHANGES),
                 symbols: Iterable[str] = ("BTCUSDT",), *, host: str | None = None,
                 testnet: bool = False, batch_rows: int = 50, batch_seconds: float = 1.0,
                 backoff_s: float = 1.0, max_backoff_s: float = 60.0) -> None:
        self.store = store
        self.exchanges = [e for e in exchanges]
        for e in self.exchanges:
            if e not in EXCHANGES:
                raise ValueError(f"unknown exchange {e!r}; liqlab records {', '.join(EXCHANGES)}")
        self.markets = {e: [market_for(e, s) for s in symbols] for e in self.exchanges}
        if not any(self.markets.values()):
            raise ValueError("give at least one symbol to record, e.g. BTCUSDT")
        self.host, self.testnet = host, testnet
        if batch_rows < 1 or batch_seconds <= 0:
            raise ValueError("batch_rows must be >= 1 and batch_seconds > 0")
        self.batch_rows, self.batch_seconds = int(batch_rows), float(batch_seconds)
        self.backoff_s, self.max_backoff_s = float(backoff_s), float(max_backoff_s)
        self.journal = journal_path(store.root)
        self.stats = RecorderStats()
        self._pending: list[dict] = []
        self._jfh: Any = None
        self._wake: asyncio.Event | None = None
        self._clients: dict[str, Any] = {}

    # ---- journal
    def _open_journal(self) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        self._jfh = open(self.journal, "a", encoding="utf-8")

    def _acknowledge(self, rows: list[dict]) -> None:
        """Journal rows durably (flush + fsync), then queue them for the store."""
        if not rows:
            return
        self._jfh.write("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
        self._jfh.flush()
        os.fsync(self._jfh.fileno())
        self._pending += rows
        self.stats.received += len(rows)
        if self._wake is not None and len(self._pending) >= self.batch_rows:
            self._wake.set()

    def _rewrite_journal(self) -> None:
        tmp = self.journal.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in self._pending))
            fh.flush()
            os.fsync(fh.fileno())
        self._jfh.close()
        os.replace(tmp, self.journal)
        self._jfh = open(self.journal, "a", encoding="utf-8")

    def replay(self) -> int:
        """Write rows a previous (killed) run acknowledged but did not commit. Returns how many."""
        if not self.journal.exists():
            return 0
        rows = []
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by the kill was never acknowledged
                log.warning("journal: ignoring an incomplete last line")
        self._commit(rows)
        self.stats.replayed += len(rows)
        self.journal.unlink()
        return len(rows)

    def _commit(self, rows: list[dict]) -> int:
        """Write rows to the store, one partition per exchange and symbol."""
        groups: dict[tuple[str, str], list[dict]] = {}
        for r in rows:
            groups.setdefault((r["exchange"], r["symbol"]), []).append(r)
        for (ex, sym), part in groups.items():
            df = convert.liquidations_frame(part, exchange=ex, symbol=sym, timeframe="raw")
            self.store.write(df, kind="liquidations", exchange=ex, symbol=sym, timeframe="raw")
        return len(rows)

    async def _flush(self) -> None:
        if not self._pending:
            return
        rows = list(self._pending)
        await asyncio.to_thread(self._commit, rows)
        self._pending = self._pending[len(rows):]
        self._rewrite_journal()
        self.stats.committed += len(rows)
        log.info("committed %d liquidation row(s) (%d in total)", len(rows), self.stats.committed)

    # ---- feeds
    def _rows(self, exchange: str, message: Any) -> list[dict]:
        """Raw feed message -> canonical rows for the symbols being recorded."""
        wanted = {m.id for m in self.markets[exchange]}
        out: list[dict] = []
        if exchange == "binance":
            infos = [message.get("o", {})] if isinstance(message, dict) else []
        else:
            data = message.get("data", []) if isinstance(message, dict) else []
            infos = data if isinstance(data, list) else [data]
        client = self._clients.get(exchange)
        for info in infos:
            sym = info.get("s") or info.get("symbol") or info.get("instId")
            if sym not in wanted:
                continue
            size = 1.0
            if exchange == "okx" and client is not None:
                mk = (client.markets_by_id or {}).get(sym)
                mk = mk[0] if isinstance(mk, list) else mk
                size = float((mk or {}).get("contractSize") or 1.0)
            try:
                rows = convert.liquidation_rows(exchange, info, contract_size=size)
            except (KeyError, TypeError, ValueError) as exc:
                rows = []
                self._reject(exchange, info, str(exc))
            for r in rows:
                if r["price"] > 0 and r["qty"] > 0 and math.isfinite(r["usd"]):
                    out.append(r)
                else:
                    self._reject(exchange, info, "non-positive price or quantity")
        return out

    def _reject(self, exchange: str, info: Any, why: str) -> None:
        """An unusable payload is counted and logged, never silently dropped."""
        self.stats.errors.append(f"{exchange}: unreadable liquidation {info!r}: {why}")
        log.error("%s: unreadable liquidation %r: %s", exchange, info, why)

    def _hook(self, exchange: str, client: Any) -> None:
        """See every raw liquidation message ccxt routes, before ccxt's parser drops details."""
        original = client.handle_liquidation

        def handle(c: Any, message: Any) -> Any:
            self._acknowledge(self._rows(exchange, message))
            return original(c, message)
        client.handle_liquidation = handle

    async def _feed(self, exchange: str, stop: asyncio.Event, symbols: list[str]) -> None:
        client = self._clients[exchange]
        backoff = self.backoff_s
        while not stop.is_set():
            try:
                if exchange == "bybit":
                    coro = client.watch_liquidations(symbols[0])
                else:
                    coro = client.watch_liquidations_for_symbols(symbols)
                await _until_stopped(coro, stop)
                backoff = self.backoff_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every feed fault means: reconnect
                if stop.is_set():
                    break
                self.stats.reconnects += 1
                log.warning("%s feed: %s: %s; reconnecting in %.2fs", exchange, type(exc).__name__,
                            str(exc)[:200], backoff)
                await _sleep_or_stop(backoff, stop)
                backoff = min(self.max_backoff_s, backoff * 2)

    async def _flusher(self, stop: asyncio.Event) -> None:
        assert self._wake is not None
        while not stop.is_set():
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.batch_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._flush()
            except Exception as exc:  # noqa: BLE001 - rows stay journaled; try again next round
                self.stats.errors.append(f"commit failed: {exc}")
                log.error("commit failed (rows stay in the journal): %s", exc)

    async def run(self, stop: asyncio.Event | None = None) -> RecorderStats:
        """Record until ``stop`` is set; then commit what is pending and close the feeds."""
        stop = stop or asyncio.Event()
        self._wake = asyncio.Event()
        self.replay()
        self._open_journal()
        tasks = []
        try:
            for ex in self.exchanges:
                client = make_client(ex, host=self.host, testnet=self.testnet, pro=True)
                self._clients[ex] = client
                self._hook(ex, client)
                unified = [m.unified for m in self.markets[ex]]
                groups = [[s] for s in unified] if ex == "bybit" else [unified]
                for g in groups:
                    tasks.append(asyncio.create_task(self._feed(ex, stop, g)))
            tasks.append(asyncio.create_task(self._flusher(stop)))
            await stop.wait()
        finally:
            stop.set()
            self._wake.set()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._flush()
            for c in self._clients.values():
                await c.close()
            if self._jfh is not None:
                self._jfh.close()
                self._jfh = None
        return self.stats


async def _until_stopped(coro: Any, stop: asyncio.Event) -> Any:
    """Await ``coro`` unless ``stop`` is set first."""
    task = asyncio.ensure_future(coro)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopper.cancel()
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


async def _sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


def run_forever(recorder: Recorder) -> RecorderStats:
    """Run ``recorder`` until SIGTERM or SIGINT (then flush and exit cleanly)."""
    import signal

    async def main() -> RecorderStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await recorder.run(stop)
    t0 = time.monotonic()
    stats = asyncio.run(main())
    log.info("recorder stopped after %.0fs: %s", time.monotonic() - t0, stats)
    return stats
