"""Paginated, incremental, idempotent fetch of candles, mark candles, open interest and funding
from Binance USDT-M, OKX and Bybit into the store, and the ``--watch`` refresh loop.

Completeness rules (EXCHANGES.md), all enforced here rather than trusted to ccxt:

* the range asked is the range fetched: every part of ``[since, until)`` the store lacks is
  asked for, wherever it lies (resuming after the newest row is the default only when no
  ``since`` is given), so fetches of overlapping ranges, even at once, end with the union;
* funding is checked slot by slot on the venue's schedule (the instrument's interval; a
  stamp counts for the nearest slot within :data:`FUNDING_TOLERANCE`), like bars;
* the range is cut into windows that each fit in one page (``page_limit`` x interval), each
  asked for with both ``since`` and ``until`` (Bybit open interest and funding lose the row at
  ``since`` otherwise);
* what comes back is checked against what was asked: rows outside the window (overlapping or
  repeated pages) are dropped, duplicates within a page are dropped, and bars missing from
  the window (an empty page mid-range, a truncated body parsed as empty) are asked for again
  up to ``empty_retries`` times; what is still missing is recorded as a :class:`Hole`;
* consecutive bars must be one interval apart: the final check runs over everything
  fetched, and every missing run is reported (never silently skipped);
* transient faults (429/418 with Retry-After, 5xx, timeouts, maintenance) are retried by
  fault (:func:`liqlab.data.exchanges.clients.call_with_retry`);
* each window is written to the store as soon as it is complete, so a killed fetch loses at
  most one window and the next run asks for what is still missing.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from liqlab._time import utc
from liqlab.data.exchanges import convert
from liqlab.data.exchanges.clients import (Market, RetryPolicy, call_with_retry, make_client,
                                      market_for)
from liqlab.data.store._files import partition_lock, write_json

__all__ = ["KINDS", "Hole", "HoleLedger", "PendingOI", "FetchReport", "Fetcher", "fetch", "find_holes",
           "funding_slots", "FUNDING_TOLERANCE", "watch", "Job",
           "PAGE_LIMITS", "OI_TIMEFRAMES", "CANDLE_TIMEFRAMES"]

log = logging.getLogger("liqlab.data.exchanges")

KINDS = ("candles", "mark", "oi", "funding")
CANDLE_TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
#: open-interest history timeframes each exchange serves
OI_TIMEFRAMES = {"binance": ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"),
                 "okx": ("5m", "1h", "1d"),
                 "bybit": ("5m", "15m", "30m", "1h", "4h", "1d"),
                 "hyperliquid": ()}   # no history: snapshots polled into timeframe 'raw'
#: what each exchange serves (Hyperliquid: no mark-price candles through ccxt)
SERVES = {"binance": KINDS, "okx": KINDS, "bybit": KINDS, "hyperliquid": ("candles", "oi", "funding")}
#: rows per request (the exchanges' caps, EXCHANGES.md)
PAGE_LIMITS = {("binance", "candles"): 1000, ("binance", "mark"): 1000, ("binance", "oi"): 500,
               ("binance", "funding"): 1000,
               ("okx", "candles"): 100, ("okx", "mark"): 100, ("okx", "oi"): 100, ("okx", "funding"): 100,
               ("bybit", "candles"): 1000, ("bybit", "mark"): 1000, ("bybit", "oi"): 200,
               ("bybit", "funding"): 200,
               ("hyperliquid", "candles"): 5000, ("hyperliquid", "funding"): 500}
#: Binance serves open-interest history for the last 30 days only
BINANCE_OI_DAYS = 30
DEFAULT_DAYS = 30


def _td(tf: str) -> pd.Timedelta:
    return pd.Timedelta(tf.replace("m", "min") if tf.endswith("m") else tf)


def _ms(t: pd.Timestamp) -> int:
    return int(t.value // 1_000_000)


@dataclass(frozen=True)
class Hole:
    """A range the exchange did not deliver: ``start`` <= missing times < ``end``."""
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    rows: int
    reason: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.rows} row(s) missing in [{self.start}, {self.end}) ({self.reason})"


@dataclass
class FetchReport:
    """What one fetch did."""
    exchange: str
    symbol: str
    kind: str
    timeframe: str
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    pages: int = 0
    retries: int = 0
    rows_fetched: int = 0
    rows_added: int = 0
    holes: list[Hole] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Bybit OI times kept in BTC until their price bar is served (priced by a later fetch)
    pending: list[pd.Timestamp] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.holes and not self.pending

    def __str__(self) -> str:
        span = f"[{self.start}, {self.end})" if self.start is not None else "(nothing to fetch)"
        s = (f"{self.exchange} {self.symbol} {self.kind} {self.timeframe} {span}: "
             f"{self.pages} page(s), {self.retries} retr(ies), {self.rows_fetched} row(s) fetched, "
             f"{self.rows_added} new")
        for n in self.notes:
            s += f"\n  note: {n}"
        for h in self.holes:
            s += f"\n  HOLE {h}"
        if self.pending:
            s += (f"\n  PENDING {len(self.pending)} open-interest row(s) kept in BTC until the "
                  f"exchange serves their price bar (first {self.pending[0]}); a later fetch prices "
                  "and stores them")
        return s


class HoleLedger:
    """Holes recorded on disk (``<store>/_fetch/holes.json``), per partition, so that they are
    explicit beyond one run: a later fetch that covers a range replaces what was recorded for
    it, and :meth:`Fetcher.fill_holes` asks for exactly the recorded ranges again."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.path = Path(root) / "_fetch" / "holes.json"

    def load(self) -> dict[str, list[dict]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def holes(self, key: str) -> list[Hole]:
        return [Hole(h["kind"], pd.Timestamp(h["start"]), pd.Timestamp(h["end"]), int(h["rows"]),
                     h["reason"]) for h in self.load().get(key, [])]

    def update(self, key: str, start: pd.Timestamp, end: pd.Timestamp, found: list[Hole]) -> None:
        """Forget the holes recorded inside [start, end) for ``key``, then record ``found``.

        Read-modify-write under the store's partition lock (fetchers of other partitions share
        this file), written like the store's files: temporary file, fsync, rename, fsync."""
        with partition_lock(self.path.parent):
            data = self.load()
            keep = [h for h in data.get(key, [])
                    if not (pd.Timestamp(h["start"]) >= start and pd.Timestamp(h["end"]) <= end)]
            keep += [{"kind": h.kind, "start": h.start.isoformat(), "end": h.end.isoformat(),
                      "rows": h.rows, "reason": h.reason} for h in found]
            if keep:
                data[key] = sorted(keep, key=lambda h: h["start"])
            else:
                data.pop(key, None)
            write_json(self.path, data)


class PendingOI:
    """Bybit open interest (BTC) whose USD price is not known yet, because the bar that ends at
    the snapshot was not served: kept in ``<store>/_fetch/pending_oi.json`` (key -> ISO time ->
    BTC), never dropped, priced and stored when the bar arrives."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.path = Path(root) / "_fetch" / "pending_oi.json"

    def get(self, key: str) -> dict[pd.Timestamp, float]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8")).get(key, {})
        return {pd.Timestamp(t): float(v) for t, v in data.items()}

    def update(self, key: str, add: dict[pd.Timestamp, float], remove: Iterable[pd.Timestamp]) -> None:
        with partition_lock(self.path.parent):
            data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
            cur = {pd.Timestamp(t): v for t, v in data.get(key, {}).items()}
            cur.update(add)
            for t in remove:
                cur.pop(t, None)
            if cur:
                data[key] = {t.isoformat(): v for t, v in sorted(cur.items())}
            else:
                data.pop(key, None)
            write_json(self.path, data)


def find_holes(times: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp,
               interval: pd.Timedelta, kind: str, reason: str = "not served") -> list[Hole]:
    """Runs of grid times in [start, end) (one ``interval`` apart) that are not in ``times``."""
    if end <= start:
        return []
    grid = pd.date_range(start, end - pd.Timedelta(1, "ns"), freq=interval, tz="UTC").as_unit("ns")
    missing = ~grid.isin(times.as_unit("ns"))
    holes = []
    i = 0
    n = len(grid)
    while i < n:
        if missing[i]:
            j = i
            while j + 1 < n and missing[j + 1]:
                j += 1
            holes.append(Hole(kind, grid[i], grid[j] + interval, j - i + 1, reason))
            i = j + 1
        else:
            i += 1
    return holes


#: how late (or early) a funding stamp may be and still count for its slot on the venue's
#: schedule (Binance stamps a few milliseconds late)
FUNDING_TOLERANCE = pd.Timedelta("1min")


def funding_slots(times: pd.DatetimeIndex, interval: pd.Timedelta,
                  tolerance: pd.Timedelta = FUNDING_TOLERANCE) -> pd.DatetimeIndex:
    """The schedule slots (multiples of ``interval`` since the epoch, e.g. 00:00, 08:00, 16:00
    UTC for 8h) that ``times`` fill: a stamp fills the nearest slot when it is within
    ``tolerance`` of it. Stamps off the schedule fill none."""
    t = pd.DatetimeIndex(times).as_unit("ns")
    if not len(t):
        return pd.DatetimeIndex([], tz="UTC").as_unit("ns")
    slot = (t + interval / 2).floor(interval)
    ok = np.abs(np.asarray((t - slot).asi8)) <= tolerance.value
    return pd.DatetimeIndex(slot[ok]).unique().sort_values()


class Fetcher:
    """Fetch one exchange and symbol into a store.

    >>> f = Fetcher(liqlab.Store("data"), "bybit", "BTCUSDT")      # doctest: +SKIP
    >>> print(f.fetch("candles", "5m", since="2025-10-01"))         # doctest: +SKIP
    """

    def __init__(self, store: Any, exchange: str, symbol: str = "BTCUSDT", *,
                 client: Any = None, host: str | None = None, testnet: bool = False,
                 policy: RetryPolicy = RetryPolicy(), page_limit: int | None = None,
                 empty_retries: int = 3, timeout_ms: int = 10_000, rate_limit: bool = True,
                 progress: bool = True,
                 now: Any = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.store = store
        self.market: Market = market_for(exchange, symbol)
        self.exchange = exchange
        self.client = client if client is not None else make_client(
            exchange, host=host, testnet=testnet, timeout_ms=timeout_ms, rate_limit=rate_limit)
        self.policy = policy
        self.page_limit = page_limit
        self.empty_retries = int(empty_retries)
        self.progress = progress
        self._now = now
        self.sleep = sleep
        self._report: FetchReport | None = None
        self._ccxt_market: dict | None = None
        root = getattr(store, "root", None)
        self.ledger = HoleLedger(root) if root is not None else None
        self.pending_oi = PendingOI(root) if root is not None else None

    # ---- helpers
    def _call(self, fn: Callable[[], Any]) -> Any:
        def on_retry(exc: BaseException, wait: float) -> None:
            if self._report is not None:
                self._report.retries += 1
            log.warning("%s: %s, retrying in %.2fs", self.exchange, type(exc).__name__, wait)
        return call_with_retry(fn, policy=self.policy, client=self.client, on_retry=on_retry,
                               sleep=self.sleep)

    def now(self) -> pd.Timestamp:
        """The current time (``now`` given to the constructor may be a time or a callable)."""
        if self._now is None:
            return pd.Timestamp.now(tz="UTC")
        return utc(self._now() if callable(self._now) else self._now, "now")

    def load(self) -> dict:
        """Load the exchange's markets (with retries) and check the symbol is a listed perpetual."""
        if self._ccxt_market is None:
            self._call(self.client.load_markets)
            if self.exchange == "hyperliquid":   # ccxt's id is the asset index; look up the symbol
                mk = (self.client.markets or {}).get(self.market.unified)
            else:
                mk = (self.client.markets_by_id or {}).get(self.market.id)
            mk = mk[0] if isinstance(mk, list) and mk else mk
            if not mk or not mk.get("swap"):
                raise ValueError(f"{self.market.id} is not a perpetual listed on {self.exchange}; "
                                 "check the symbol (e.g. BTCUSDT)")
            self._ccxt_market = mk
        return self._ccxt_market

    @property
    def symbol(self) -> str:
        return self.market.id

    def _limit(self, kind: str) -> int:
        cap = PAGE_LIMITS[(self.exchange, kind)]
        return min(cap, self.page_limit) if self.page_limit else cap

    def funding_interval(self) -> pd.Timedelta:
        if self.exchange == "hyperliquid":   # Hyperliquid pays funding every hour
            return pd.Timedelta("1h")
        mk = self.load()
        minutes = (mk.get("info") or {}).get("fundingInterval")  # Bybit: minutes
        try:
            return pd.Timedelta(minutes=int(minutes)) if minutes else pd.Timedelta("8h")
        except (TypeError, ValueError):
            return pd.Timedelta("8h")

    def _check(self, kind: str, timeframe: str | None) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; fetch one of {', '.join(KINDS)}")
        if kind not in SERVES[self.exchange]:
            raise ValueError(f"{self.exchange} serves no {kind} history; fetch one of "
                             f"{', '.join(SERVES[self.exchange])}")
        if kind == "funding":
            hours = int(self.funding_interval() / pd.Timedelta("1h"))
            return f"{hours}h"
        if kind == "oi" and self.exchange == "hyperliquid":
            return "raw"
        if kind == "oi":
            ok = OI_TIMEFRAMES[self.exchange]
            if timeframe not in ok:
                raise ValueError(f"{self.exchange} serves open-interest history at {', '.join(ok)}, "
                                 f"not {timeframe!r}")
            return timeframe
        if timeframe not in CANDLE_TIMEFRAMES:
            raise ValueError(f"timeframe {timeframe!r} is not one of {', '.join(CANDLE_TIMEFRAMES)}")
        return timeframe

    # ---- one page
    def _request(self, kind: str, timeframe: str, ws: pd.Timestamp, we: pd.Timestamp,
                 limit: int) -> tuple[pd.DataFrame, dict[pd.Timestamp, float]]:
        """One request for [ws, we) -> (frame restricted to the window, {time: BTC} of the Bybit
        open interest that could not be priced in USD yet)."""
        c, sym = self.client, self.market.unified
        since, until = _ms(ws), _ms(we) - 1
        attrs = dict(exchange=self.exchange, symbol=self.symbol, timeframe=timeframe)
        unpriced: Any = {}
        if kind in ("candles", "mark"):
            params = {"until": until}
            if kind == "mark":
                params["price"] = "mark"
            rows = self._call(lambda: c.fetch_ohlcv(sym, timeframe, since=since, limit=limit,
                                                    params=params))
            df = convert.ohlcv_frame(rows or [], kind=kind, **attrs)
        elif kind == "oi":
            items = self._call(lambda: c.fetch_open_interest_history(
                sym, timeframe, since=since, limit=limit, params={"until": until}))
            mk = self.load()
            size = float(mk.get("contractSize") or 1.0)
            kw: dict[str, Any] = {}
            if self.exchange == "bybit":
                iv = _td(timeframe)
                first = since - int(iv.total_seconds() * 1000)   # the bar that ends at `since`
                rows = self._call(lambda: c.fetch_ohlcv(sym, timeframe, since=first, limit=limit + 1,
                                                        params={"until": until}))
                kw = dict(candles=convert.ohlcv_frame(rows or [], **attrs), interval=iv)
            df, unpriced = convert.oi_frame(items or [], contract_size=size, **kw, **attrs)
            btc = {pd.Timestamp(int(i["timestamp"]), unit="ms", tz="UTC"): float(i["openInterestAmount"])
                   for i in items or [] if i and i.get("timestamp") is not None
                   and i.get("openInterestAmount") is not None}
            unpriced = {t: btc[t] for t in unpriced if t in btc}
        else:
            tol = _ms(ws + FUNDING_TOLERANCE) - _ms(ws)
            since, until = since - tol, until + tol
            params = {"after": until + 1} if self.exchange == "okx" else {"until": until}
            items = self._call(lambda: c.fetch_funding_rate_history(sym, since=since, limit=limit,
                                                                    params=params))
            df = convert.funding_frame(items or [], **attrs)
        if kind == "funding":  # a stamp belongs to the window of its nearest slot
            interval = _td(timeframe)
            slot = (df.index + interval / 2).floor(interval)
            inside = (slot >= ws) & (slot < we)
        else:
            inside = (df.index >= ws) & (df.index < we)
        out = df[inside]
        out.attrs = df.attrs
        return out, {t: v for t, v in dict(unpriced).items() if ws <= t < we}

    # ---- a whole range
    def _stored_times(self, kind: str, tf: str, start: pd.Timestamp, end: pd.Timestamp,
                      interval: pd.Timedelta) -> pd.DatetimeIndex:
        """What the store already holds in [start, end): bar times, or funding slots."""
        pad = FUNDING_TOLERANCE if kind == "funding" else pd.Timedelta(0)
        got = self.store.read(kind=kind, exchange=self.exchange, symbol=self.symbol, timeframe=tf,
                              start=start - pad, end=end + pad).index
        return funding_slots(got, interval) if kind == "funding" else got

    def fetch(self, kind: str, timeframe: str | None = "5m", since: Any = None, until: Any = None,
              resume: bool = True) -> FetchReport:
        """Fetch ``kind`` ('candles', 'mark', 'oi', 'funding') at ``timeframe`` for
        ``[since, until)`` (``until`` default: now; only closed bars and published funding
        events are stored).

        The range asked is the range fetched: with ``resume`` (default) every part of
        ``[since, until)`` the store lacks is asked for (anywhere in the range, not only after
        the newest row), and what is stored is not asked again. Without ``since`` the fetch
        resumes after the newest stored row (or starts 30 days back in an empty store).
        ``resume=False`` re-asks the whole range (the upsert keeps it duplicate-free).
        Funding is checked slot by slot on the venue's schedule (:meth:`funding_interval`,
        stamps within :data:`FUNDING_TOLERANCE` of their slot). Returns a
        :class:`FetchReport` listing any holes."""
        tf = self._check(kind, timeframe)
        if tf == "raw":
            return self.snapshot_oi()
        interval = _td(tf)
        rep = FetchReport(self.exchange, self.symbol, kind, tf)
        self._report = rep
        mk = self.load()
        now = self.now()
        if kind == "oi" and self.exchange == "bybit":
            self._price_pending(tf, rep)
        since_t = None if since is None else utc(since, "since")
        until_t = None if until is None else utc(until, "until")
        if since_t is not None and until_t is not None and since_t >= until_t:
            raise ValueError(f"since {since_t} is not before until {until_t}")
        if kind == "funding":  # slots [start, end) on the schedule, published by now
            end = min(until_t or now, now - FUNDING_TOLERANCE).ceil(interval)
        else:  # only closed bars (open < now floored) and snapshots already published
            end = now.floor(interval)
            if until_t is not None:
                end = min(end, until_t.ceil(interval))
        if since_t is not None:
            start = since_t
        else:
            last = self.store.last_time(kind=kind, exchange=self.exchange, symbol=self.symbol,
                                        timeframe=tf)
            if resume and last is not None:
                last_slot = (last + interval / 2).floor(interval) if kind == "funding" else last
                start = last_slot + interval
                rep.notes.append(f"resuming after the last stored row {last}")
            else:
                start = end - pd.Timedelta(days=DEFAULT_DAYS)
        listed = mk.get("created")
        if listed and start < pd.Timestamp(int(listed), unit="ms", tz="UTC"):
            start = pd.Timestamp(int(listed), unit="ms", tz="UTC")
            rep.notes.append(f"{self.symbol} was listed at {start}: starting there")
        if kind == "oi" and self.exchange == "binance":
            oldest = (now - pd.Timedelta(days=BINANCE_OI_DAYS)).ceil(interval)
            if start < oldest:
                rep.notes.append(f"Binance serves open-interest history for the last "
                                 f"{BINANCE_OI_DAYS} days only: starting at {oldest} (use "
                                 "`liqlab import-dump` with the metrics files for older data)")
                start = oldest
        start = start.ceil(interval)
        if start >= end:
            rep.notes.append("already up to date")
            self._report = None
            return rep
        rep.start, rep.end = start, end
        stored = self._stored_times(kind, tf, start, end, interval) if resume else \
            pd.DatetimeIndex([], tz="UTC")
        todo = [(h.start, h.end) for h in find_holes(stored, start, end, interval, kind)]
        if not todo:
            rep.notes.append("already up to date (every row of the range is stored)")
            self._report = None
            return rep
        if resume and len(stored):
            n = sum(int((b - a) / interval) for a, b in todo)
            rep.notes.append(f"asking for the {n} row(s) the store lacks in {len(todo)} range(s)")
        limit = self._limit(kind)
        # a funding request reaches FUNDING_TOLERANCE past its window (the next slot's stamp
        # may come back with it): one slot fewer, so that a page always holds the whole window
        window = interval * (max(1, limit - 1) if kind == "funding" else limit)
        edges: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for a, b in todo:
            cuts = list(pd.date_range(a, b, freq=window, tz="UTC")) if b - a > window else [a]
            if cuts[-1] < b:
                cuts.append(b)
            edges += list(zip(cuts[:-1], cuts[1:]))
        got: list[pd.DatetimeIndex] = [stored]
        unpriced_all: dict[pd.Timestamp, float] = {}
        bar = tqdm(total=len(edges), desc=f"{self.exchange} {self.symbol} {kind} {tf}",
                   unit="page", disable=not self.progress, leave=False)
        try:
            for ws, we in edges:
                df, unpriced = self._window(kind, tf, ws, we, limit, interval, rep)
                if len(df):
                    w = self.store.write(df, kind=kind, exchange=self.exchange, symbol=self.symbol,
                                         timeframe=tf)
                    rep.rows_added += w.rows_added
                    rep.rows_fetched += len(df)
                    got.append(funding_slots(df.index, interval) if kind == "funding" else df.index)
                unpriced_all.update(unpriced)
                bar.update(1)
        finally:
            bar.close()
        times = got[0].append(got[1:]) if len(got) > 1 else got[0]
        if kind == "funding":
            rep.holes = find_holes(times, start, end, interval, "funding", reason="no funding event")
        else:
            unpriced_all = {t: v for t, v in unpriced_all.items() if t not in times}
            if unpriced_all:   # served, kept in BTC: not a hole
                if self.pending_oi is not None:
                    self.pending_oi.update(self._key(kind, tf), unpriced_all, [])
                rep.pending = sorted(unpriced_all)
                times = times.append(pd.DatetimeIndex(rep.pending).as_unit("ns"))
            rep.holes = find_holes(times, start, end, interval, kind)
        for h in rep.holes:
            log.warning("%s %s: %s", self.exchange, self.symbol, h)
        if self.ledger is not None:
            self.ledger.update(self._key(kind, tf), start, end, rep.holes)
        self._report = None
        return rep

    def _price_pending(self, tf: str, rep: FetchReport) -> None:
        """Price the Bybit open interest kept in BTC (:class:`PendingOI`) whose bar has
        arrived since: the close of the bar ending at the snapshot, asked of the exchange."""
        if self.pending_oi is None:
            return
        key = self._key("oi", tf)
        pending = self.pending_oi.get(key)
        if not pending:
            return
        iv = _td(tf)
        times = sorted(pending)
        c, sym = self.client, self.market.unified
        first, last = _ms(times[0] - iv), _ms(times[-1]) - 1
        rows = self._call(lambda: c.fetch_ohlcv(sym, tf, since=first, limit=len(times) + 1 + int(
            (times[-1] - times[0]) / iv), params={"until": last}))
        bars = convert.ohlcv_frame(rows or [], exchange=self.exchange, symbol=self.symbol, timeframe=tf)
        idx = pd.DatetimeIndex(times).as_unit("ns")
        price = convert.price_at(bars, idx, iv)
        ok = np.isfinite(price)
        if not ok.any():
            return
        size = float(self.load().get("contractSize") or 1.0)
        btc = np.array([pending[t] for t in times])
        df = pd.DataFrame({"oi_usd": btc[ok] * price[ok], "oi_contracts": btc[ok] / size},
                          index=pd.DatetimeIndex(idx[ok], name="time"))
        df.attrs = dict(exchange=self.exchange, symbol=self.symbol, timeframe=tf, contract_size=size)
        w = self.store.write(df, kind="oi", exchange=self.exchange, symbol=self.symbol, timeframe=tf)
        self.pending_oi.update(key, {}, list(idx[ok]))
        rep.rows_added += w.rows_added
        rep.notes.append(f"{int(ok.sum())} open-interest row(s) kept in BTC were priced and stored")

    def snapshot_oi(self) -> FetchReport:
        """The current open interest (Hyperliquid serves no history): one row stamped with the
        time it was asked, in USD (coins x the mark price it came with), into timeframe 'raw'.
        ``liqlab fetch --watch`` polls it to build a history."""
        rep = FetchReport(self.exchange, self.symbol, "oi", "raw")
        self._report = rep
        try:
            self.load()
            now = self.now().floor("s")
            oi = self._call(lambda: self.client.fetch_open_interest(self.market.unified))
            rep.pages = 1
            info = (oi or {}).get("info") or {}
            amount, mark = oi.get("openInterestAmount") if oi else None, info.get("markPx")
            if amount is None or mark in (None, ""):
                rep.holes = [Hole("oi", now, now + pd.Timedelta(1, "s"), 1,
                                  "no open interest in the answer")]
                return rep
            df = pd.DataFrame({"oi_usd": [float(amount) * float(mark)], "oi_contracts": [float(amount)]},
                              index=pd.DatetimeIndex([now], name="time").as_unit("ns"))
            df.attrs = dict(exchange=self.exchange, symbol=self.symbol, timeframe="raw",
                            contract_size=1.0)
            w = self.store.write(df, kind="oi", exchange=self.exchange, symbol=self.symbol,
                                 timeframe="raw")
            rep.start = rep.end = now
            rep.rows_fetched, rep.rows_added = 1, w.rows_added
            rep.notes.append(f"snapshot: {float(amount):,.2f} {self.market.base} x mark {float(mark):,.1f}")
            return rep
        finally:
            self._report = None

    def _key(self, kind: str, tf: str) -> str:
        return f"{self.exchange}/{self.symbol}/{kind}/{tf}"

    def fill_holes(self, kind: str, timeframe: str | None = "5m") -> list[FetchReport]:
        """Ask again for every hole recorded for this partition (see :class:`HoleLedger`)."""
        if self.ledger is None:
            raise ValueError("this store has no root folder to record holes in")
        tf = self._check(kind, timeframe)
        return [self.fetch(kind, tf, since=h.start, until=h.end, resume=False)
                for h in self.ledger.holes(self._key(kind, tf))]

    def _window(self, kind: str, tf: str, ws: pd.Timestamp, we: pd.Timestamp, limit: int,
                interval: pd.Timedelta, rep: FetchReport) -> tuple[pd.DataFrame, dict]:
        """One window, re-asked while rows are missing (an empty or partly returned page is
        not 'done', for funding as for bars: funding is checked slot by slot)."""
        best: pd.DataFrame | None = None
        unpriced: dict = {}
        expected = pd.date_range(ws, we - pd.Timedelta(1, "ns"), freq=interval, tz="UTC").as_unit("ns")
        for attempt in range(self.empty_retries + 1):
            df, unpriced = self._request(kind, tf, ws, we, limit)
            rep.pages += 1
            if best is None or not len(best):
                best = df
            elif len(df):  # keep the union of what the answers gave
                merged = pd.concat([best, df])
                merged = merged[~merged.index.duplicated(keep="last")].sort_index()
                merged.attrs = df.attrs
                best = merged
            have = funding_slots(best.index, interval) if kind == "funding" else best.index
            if expected.isin(have.as_unit("ns")).all():
                break
            if attempt < self.empty_retries:
                rep.retries += 1
                wait = min(self.policy.max_s, self.policy.base_s * 2 ** attempt)
                log.info("%s %s %s: page [%s, %s) has %d of its %d rows; asking again in %.2fs",
                         self.exchange, self.symbol, kind, ws, we, int(expected.isin(have).sum()),
                         len(expected), wait)
                self.sleep(wait)
        assert best is not None
        return best, unpriced


def fetch(store: Any, exchange: str, symbol: str = "BTCUSDT", kinds: Iterable[str] = KINDS,
          timeframe: str = "5m", oi_timeframe: str | None = None, since: Any = None,
          until: Any = None, **kwargs: Any) -> list[FetchReport]:
    """Fetch several kinds for one exchange and symbol; returns one report per kind.
    ``oi_timeframe`` defaults to ``timeframe`` (open interest is served at 5m and up)."""
    f = Fetcher(store, exchange, symbol, **kwargs)
    out = []
    for kind in kinds:
        tf = (oi_timeframe or timeframe) if kind == "oi" else timeframe
        out.append(f.fetch(kind, tf, since=since, until=until))
    return out


# ----------------------------------------------------------------------------- watch
@dataclass
class Job:
    """One refresh job of the watch loop."""
    fetcher: Fetcher
    kind: str
    timeframe: str
    until: Any = None    # None (the usual): up to now
    since: Any = None    # the first successful run asks for [since, until); later ones resume

    @property
    def short(self) -> bool:
        """Short windows (bars under an hour) refresh more often."""
        if self.timeframe == "raw":      # snapshots (Hyperliquid OI): polled on the short schedule
            return True
        return self.kind != "funding" and _td(self.timeframe) < pd.Timedelta("1h")


def watch(jobs: list[Job], *, short_every: float = 300.0, long_every: float = 900.0,
          cycles: int | None = None, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic,
          on_report: Callable[[FetchReport], None] | None = None,
          stop: Callable[[], bool] | None = None) -> int:
    """Refresh ``jobs`` on a schedule: short windows every ``short_every`` seconds (5 minutes),
    long ones every ``long_every`` (15 minutes). Runs ``cycles`` rounds (None: until ``stop()``
    is true or the process is stopped). A failing job is logged and retried next round.
    Returns the number of job runs."""
    due = {id(j): clock() for j in jobs}
    runs = 0
    rounds = 0
    while cycles is None or rounds < cycles:
        if stop is not None and stop():
            break
        now = clock()
        for j in jobs:
            if due[id(j)] <= now:
                try:
                    rep = j.fetcher.fetch(j.kind, j.timeframe, since=j.since, until=j.until)
                    j.since = None
                    if on_report:
                        on_report(rep)
                except Exception as exc:  # noqa: BLE001 - a watch loop must survive one bad round
                    log.error("refresh of %s %s %s %s failed, trying again next round: %s",
                              j.fetcher.exchange, j.fetcher.symbol, j.kind, j.timeframe, exc)
                runs += 1
                due[id(j)] = now + (short_every if j.short else long_every)
        rounds += 1
        if cycles is not None and rounds >= cycles:
            break
        wait = max(0.0, min(due.values()) - clock())
        sleep(wait)
    return runs
