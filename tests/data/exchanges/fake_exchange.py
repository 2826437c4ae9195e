"""A fake Binance USDT-M / OKX / Bybit on 127.0.0.1, for tests that run the real ccxt code path.

It serves, in each exchange's real response format (checked against ccxt 4.5's parsers and
the exchanges' API docs), the endpoints liqlab uses:

* markets: Binance ``/fapi/v1/exchangeInfo``, OKX ``/api/v5/public/instruments``, Bybit
  ``/v5/market/instruments-info`` (BTCUSDT / BTC-USDT-SWAP only; minimal, real-shaped);
* candles and mark-price candles, open-interest history and funding history;
* the websocket liquidation feeds: Binance ``forceOrder``, OKX ``liquidation-orders``, Bybit
  ``allLiquidation``.

Data are real slices (``data/README.md``): Binance and Bybit 5m candles 2025-10-10..11, OKX
5m candles 2022-06-13..14, Binance 1h mark candles, each venue's funding, and Hyperliquid's
hourly BTC open interest in USD re-expressed in each exchange's units (Binance BTC + USD,
OKX contracts of 0.01 BTC + BTC + USD, Bybit BTC). Longer bars are aggregated from 5m.

Faults are queued per route (``fake.fault('binance:klines', 'status', status=429, ...)``) and
consumed one per request: HTTP status (with headers and body), delay (timeouts), truncated
or garbage bodies, empty pages, overlapping pages, repeated pages, within-page duplicates,
and maintenance. ``fake.remove(...)`` deletes rows for good (a real gap on the exchange).
Websockets: ``fake.push(exchange, message)`` queues a raw feed message (sent once a client
has subscribed), ``fake.drop(exchange)`` closes every open connection mid-stream.

Run standalone (for manual tries): ``python tests/data/exchanges/fake_exchange.py --port 8765``.
"""
from __future__ import annotations

import asyncio
import collections
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from aiohttp import WSMsgType, web

DATA = Path(__file__).parent / "data"
CONTRACT_OKX = 0.01  # BTC per BTC-USDT-SWAP contract

# --------------------------------------------------------------------------- markets
BINANCE_EXCHANGE_INFO = {
    "timezone": "UTC", "serverTime": 0, "futuresType": "U_MARGINED",
    "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                    "limit": 2400}],
    "exchangeFilters": [],
    "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
    "symbols": [{
        "symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT",
        "pricePrecision": 2, "quantityPrecision": 3, "baseAssetPrecision": 8,
        "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": ["PoW"],
        "triggerProtect": "0.0500", "liquidationFee": "0.012500", "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": "261.10", "maxPrice": "809484",
             "tickSize": "0.10"},
            {"filterType": "LOT_SIZE", "stepSize": "0.001", "maxQty": "1000", "minQty": "0.001"},
            {"filterType": "MARKET_LOT_SIZE", "stepSize": "0.001", "maxQty": "120",
             "minQty": "0.001"},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": "100"},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
             "multiplierDecimal": "4"}],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                       "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"]}],
}
OKX_INSTRUMENTS = {"code": "0", "msg": "", "data": [{
    "alias": "", "baseCcy": "", "category": "1", "ctMult": "1", "ctType": "linear",
    "ctVal": "0.01", "ctValCcy": "BTC", "expTime": "", "instFamily": "BTC-USDT",
    "instId": "BTC-USDT-SWAP", "instType": "SWAP", "lever": "100", "listTime": "1573557408000",
    "lotSz": "0.01", "maxIcebergSz": "100000000.0000000000000000",
    "maxLmtAmt": "20000000", "maxLmtSz": "100000000", "maxMktAmt": "", "maxMktSz": "12000",
    "maxStopSz": "12000", "maxTriggerSz": "100000000.0000000000000000",
    "maxTwapSz": "100000000.0000000000000000", "minSz": "0.01", "optType": "", "quoteCcy": "",
    "ruleType": "normal", "settleCcy": "USDT", "state": "live", "stk": "", "tickSz": "0.1",
    "uly": "BTC-USDT"}]}
BYBIT_INSTRUMENT = {
    "symbol": "BTCUSDT", "contractType": "LinearPerpetual", "status": "Trading",
    "baseCoin": "BTC", "quoteCoin": "USDT", "launchTime": "1585526400000", "deliveryTime": "0",
    "deliveryFeeRate": "", "priceScale": "2",
    "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
    "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
    "lotSizeFilter": {"maxOrderQty": "1190.000", "minOrderQty": "0.001", "qtyStep": "0.001",
                      "postOnlyMaxOrderQty": "1190.000", "maxMktOrderQty": "119.000",
                      "minNotionalValue": "5"},
    "unifiedMarginTrade": True, "fundingInterval": 480, "settleCoin": "USDT",
    "copyTrading": "both", "upperFundingRate": "0.005", "lowerFundingRate": "-0.005",
    "isPreListing": False, "preListingInfo": None}

_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
_BYBIT_INTERVAL = {"1": "1m", "5": "5m", "15": "15m", "30": "30m", "60": "1h", "120": "2h",
                   "240": "4h", "360": "6h", "720": "12h", "D": "1d"}
_BYBIT_OI = {"5min": "5m", "15min": "15m", "30min": "30m", "1h": "1h", "4h": "4h", "1d": "1d"}


def _dumps(obj: Any) -> str:
    """Compact JSON, as the exchanges send it."""
    return json.dumps(obj, separators=(",", ":"))


def tf_ms(tf: str) -> int:
    """'5m' -> 300000."""
    return int(tf[:-1]) * _MS[tf[-1].lower()]


def _okx_tf(bar: str) -> str:
    return bar.replace("utc", "").replace("H", "h").replace("D", "d")


@dataclass
class Fault:
    kind: str
    times: int = 1
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: str | None = None
    seconds: float = 0.0
    shift: int = 0


# --------------------------------------------------------------------------- data
def _load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


class Series:
    """The fake's data per exchange: 5m candles, 1h mark candles, 1h OI (USD), funding."""

    def __init__(self) -> None:
        self.candles = {"binance": _load("binance_btcusdt_5m.csv"),
                        "bybit": _load("bybit_btcusdt_5m.csv"),
                        "okx": _load("okx_btc_usdt_swap_5m.csv")}
        mark = _load("binance_btcusdt_mark_1h.csv")
        self.mark = {ex: mark for ex in ("binance", "bybit", "okx")}
        self.oi_usd = _load("hyperliquid_btc_oi_usd_1h.csv")
        fu = _load("funding_8h.csv")
        self.funding = {ex: fu[fu.venue == ex].drop(columns="venue").reset_index(drop=True)
                        for ex in ("binance", "bybit", "okx")}
        self.removed: dict[tuple[str, str], set[int]] = collections.defaultdict(set)

    def bars(self, exchange: str, kind: str, tf: str) -> pd.DataFrame:
        """Candles ('candles') or mark candles ('mark') at ``tf``, aggregated from the base."""
        base = self.candles[exchange] if kind == "candles" else self.mark[exchange]
        base_ms = 300_000 if kind == "candles" else 3_600_000
        step = tf_ms(tf)
        if step < base_ms or step % base_ms:
            return base.iloc[0:0]
        if step == base_ms:
            out = base
        else:
            key = base.time_ms // step * step
            agg = {"open": "first", "high": "max", "low": "min", "close": "last"}
            if "volume" in base:
                agg["volume"] = "sum"
            out = base.groupby(key).agg(agg).reset_index().rename(columns={"index": "time_ms"})
            out = out.rename(columns={out.columns[0]: "time_ms"})
        gone = self.removed.get((exchange, kind), set())
        return out[~out.time_ms.isin(gone)] if gone else out

    def oi(self, exchange: str, tf: str) -> pd.DataFrame:
        """OI rows at ``tf`` (>= 1h): time_ms, oi_usd, price (the close of the bar ending there)."""
        step = tf_ms(tf)
        oi = self.oi_usd[self.oi_usd.time_ms % step == 0] if step >= 3_600_000 else self.oi_usd
        c = self.candles[exchange]
        close_at = dict(zip(c.time_ms + 300_000, c.close))  # close of the 5m bar ending at t
        out = oi.assign(price=oi.time_ms.map(close_at))
        if exchange == "okx":  # OKX's candle slice is from 2022: price the contracts with Binance's
            b = self.candles["binance"]
            out = oi.assign(price=oi.time_ms.map(dict(zip(b.time_ms + 300_000, b.close))))
        out = out.dropna()
        gone = self.removed.get((exchange, "oi"), set())
        return out[~out.time_ms.isin(gone)] if gone else out


def _s(x: float) -> str:
    return repr(float(x))


# --------------------------------------------------------------------------- server
class FakeExchange:
    """The fake exchange server; use as a context manager or call start()/stop()."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.data = Series()
        self.faults: dict[str, list[Fault]] = collections.defaultdict(list)
        self.requests: list[tuple[str, dict]] = []
        self.last_body: dict[str, tuple[int, str]] = {}
        self.page_delay = 0.0  # seconds added to every REST answer (to kill a fetch midway)
        self.files_root: Path | None = None  # served at /data/... (the public dump's layout)
        self._ws: dict[str, list[web.WebSocketResponse]] = collections.defaultdict(list)
        self._pending: dict[str, list[Any]] = collections.defaultdict(list)
        self.subscriptions: list[tuple[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    # ---- control (thread-safe from the test thread)
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fault(self, route: str, kind: str, times: int = 1, **kw: Any) -> None:
        """Queue a fault on ``route`` ('binance:klines', 'okx:candles', 'bybit:open-interest'...)."""
        self.faults[route].append(Fault(kind=kind, times=times, **kw))

    def remove(self, exchange: str, kind: str, times_ms: list[int]) -> None:
        """Delete rows for good: the exchange has a real gap there."""
        self.data.removed[(exchange, kind)].update(int(t) for t in times_ms)

    def count(self, route: str) -> int:
        return sum(1 for r, _ in self.requests if r == route)

    def push(self, exchange: str, message: Any) -> None:
        """Queue a raw websocket message for ``exchange``'s liquidation feed."""
        self._call(self._push, exchange, message)

    def drop(self, exchange: str) -> None:
        """Close every open websocket of ``exchange`` (a feed dropped mid-stream)."""
        self._call(self._drop, exchange)

    def connections(self, exchange: str) -> int:
        return len([w for w in self._ws[exchange] if not w.closed])

    def _call(self, fn: Any, *args: Any) -> None:
        assert self._loop is not None
        fut = asyncio.run_coroutine_threadsafe(fn(*args), self._loop)
        fut.result(timeout=10)

    # ---- lifecycle
    def start(self) -> "FakeExchange":
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-exchange")
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake exchange did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    def __enter__(self) -> "FakeExchange":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._startup())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _startup(self) -> None:
        app = web.Application()
        r = app.router
        r.add_get("/fapi/v1/exchangeInfo", self._route("binance:exchangeInfo", self._binance_info))
        r.add_get("/fapi/v1/klines", self._route("binance:klines", self._binance_klines))
        r.add_get("/fapi/v1/markPriceKlines", self._route("binance:markPriceKlines", self._binance_mark))
        r.add_get("/futures/data/openInterestHist", self._route("binance:openInterestHist", self._binance_oi))
        r.add_get("/fapi/v1/fundingRate", self._route("binance:fundingRate", self._binance_funding))
        r.add_get("/api/v5/public/instruments", self._route("okx:instruments", self._okx_instruments))
        for name, kind in (("candles", "candles"), ("history-candles", "candles"),
                           ("mark-price-candles", "mark"), ("history-mark-price-candles", "mark")):
            r.add_get(f"/api/v5/market/{name}", self._route(f"okx:{name}", self._okx_candles(kind)))
        r.add_get("/api/v5/rubik/stat/contracts/open-interest-history",
                  self._route("okx:open-interest-history", self._okx_oi))
        r.add_get("/api/v5/public/funding-rate-history", self._route("okx:funding-rate-history", self._okx_funding))
        r.add_get("/v5/market/instruments-info", self._route("bybit:instruments-info", self._bybit_instruments))
        r.add_get("/v5/market/kline", self._route("bybit:kline", self._bybit_kline("candles")))
        r.add_get("/v5/market/mark-price-kline", self._route("bybit:mark-price-kline", self._bybit_kline("mark")))
        r.add_get("/v5/market/open-interest", self._route("bybit:open-interest", self._bybit_oi))
        r.add_get("/v5/market/funding/history", self._route("bybit:funding-history", self._bybit_funding))
        r.add_get("/data/{tail:.*}", self._file)          # data.binance.vision layout
        r.add_get("/market/ws/{stream}", self._ws_handler("binance"))
        r.add_get("/ws/v5/public", self._ws_handler("okx"))
        r.add_get("/v5/public/linear", self._ws_handler("bybit"))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        for conns in self._ws.values():
            for w in conns:
                await w.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """Files under ``files_root`` at /data/..., as data.binance.vision serves the dump."""
        self.requests.append(("files", {"path": request.path}))
        root = self.files_root
        if root is None:
            raise web.HTTPNotFound()
        path = (root / request.match_info["tail"]).resolve()
        if root.resolve() not in path.parents or not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type="application/zip")

    # ---- REST plumbing: faults, then the handler's (status, body)
    def _route(self, route: str, handler: Any) -> Any:
        exchange = route.split(":")[0]

        async def serve(request: web.Request) -> web.StreamResponse:
            q = dict(request.query)
            self.requests.append((route, q))
            if self.page_delay:
                await asyncio.sleep(self.page_delay)
            fault = None
            queue = self.faults.get(route)
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            if fault is not None and fault.kind == "ok":  # let this request through untouched
                fault = None
            if fault is not None:
                if fault.kind == "status":
                    return web.Response(status=fault.status, headers=fault.headers,
                                        text=fault.body if fault.body is not None else "",
                                        content_type="application/json")
                if fault.kind == "maintenance":
                    return self._maintenance(exchange)
                if fault.kind == "delay":
                    await asyncio.sleep(fault.seconds)
                if fault.kind == "garbage":
                    return web.Response(status=200, text="<html><body>upstream error</body></html>",
                                        content_type="application/json")
                if fault.kind == "repeat" and route in self.last_body:
                    status, text = self.last_body[route]
                    return web.Response(status=status, text=text, content_type="application/json")
                if fault.kind == "overlap":
                    q = self._shift(exchange, q, fault.shift)
            status, body = handler(q, fault.kind if fault else None)
            text = _dumps(body)
            self.last_body[route] = (status, text)
            if fault is not None and fault.kind == "truncate":
                text = text[: max(1, len(text) // 2)]
            return web.Response(status=status, text=text, content_type="application/json")
        return serve

    @staticmethod
    def _maintenance(exchange: str) -> web.Response:
        if exchange == "okx":
            body = {"code": "50001", "msg": "Service temporarily unavailable. Please try again later.",
                    "data": []}
            return web.json_response(body, status=503, dumps=_dumps)
        if exchange == "bybit":
            return web.json_response(dumps=_dumps, data={"retCode": 10016, "retMsg": "System error. Please try again later.",
                                      "result": {}, "retExtInfo": {}, "time": int(time.time() * 1000)})
        return web.Response(status=503, text="<html>System is under maintenance.</html>")

    @staticmethod
    def _shift(exchange: str, q: dict, shift: int) -> dict:
        """An overlapping page: move the requested start back by ``shift`` ms."""
        q = dict(q)
        for key in ("startTime", "start", "before", "begin"):
            if key in q:
                q[key] = str(int(q[key]) - shift)
        return q

    @staticmethod
    def _window(rows: pd.DataFrame, lo: int | None, hi: int | None, *, lo_open: bool = False,
                hi_open: bool = False) -> pd.DataFrame:
        t = rows.time_ms
        keep = pd.Series(True, index=rows.index)
        if lo is not None:
            keep &= (t > lo) if lo_open else (t >= lo)
        if hi is not None:
            keep &= (t < hi) if hi_open else (t <= hi)
        return rows[keep]

    @staticmethod
    def _int(q: dict, key: str) -> int | None:
        return int(q[key]) if q.get(key) not in (None, "") else None

    @staticmethod
    def _dup(rows: pd.DataFrame, fault: str | None) -> pd.DataFrame:
        if fault == "dupes" and len(rows) > 1:
            return pd.concat([rows, rows.iloc[: len(rows) // 2]]).sort_values("time_ms", kind="stable")
        return rows

    # ---- Binance USDT-M
    def _binance_info(self, q: dict, fault: str | None) -> tuple[int, Any]:
        return 200, {**BINANCE_EXCHANGE_INFO, "serverTime": int(time.time() * 1000)}

    def _binance_bars(self, q: dict, fault: str | None, kind: str) -> tuple[int, Any]:
        tf = q["interval"]
        step = tf_ms(tf)
        rows = self.data.bars("binance", kind, tf)
        lo, hi = self._int(q, "startTime"), self._int(q, "endTime")
        limit = min(int(q.get("limit", 500)), 1500)
        rows = self._window(rows, lo, hi).head(limit)
        if fault == "empty":
            rows = rows.iloc[0:0]
        rows = self._dup(rows, fault)
        out = []
        for r in rows.itertuples():
            vol = getattr(r, "volume", 0.0) if kind == "candles" else 0.0
            quote = vol * r.close
            out.append([int(r.time_ms), _s(r.open), _s(r.high), _s(r.low), _s(r.close), _s(vol),
                        int(r.time_ms) + step - 1, _s(quote), 1000, _s(vol / 2), _s(quote / 2), "0"])
        return 200, out

    def _binance_klines(self, q: dict, fault: str | None) -> tuple[int, Any]:
        return self._binance_bars(q, fault, "candles")

    def _binance_mark(self, q: dict, fault: str | None) -> tuple[int, Any]:
        return self._binance_bars(q, fault, "mark")

    def _binance_oi(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self.data.oi("binance", q["period"])
        rows = self._window(rows, self._int(q, "startTime"), self._int(q, "endTime"))
        rows = rows.head(min(int(q.get("limit", 30)), 500))
        if fault == "empty":
            rows = rows.iloc[0:0]
        rows = self._dup(rows, fault)
        return 200, [{"symbol": q["symbol"], "sumOpenInterest": _s(r.oi_usd / r.price),
                      "sumOpenInterestValue": _s(r.oi_usd), "CMCCirculatingSupply": "19930000.0",
                      "timestamp": int(r.time_ms)} for r in rows.itertuples()]

    def _binance_funding(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self._window(self.data.funding["binance"], self._int(q, "startTime"), self._int(q, "endTime"))
        rows = rows.head(min(int(q.get("limit", 100)), 1000))
        if fault == "empty":
            rows = rows.iloc[0:0]
        return 200, [{"symbol": q.get("symbol", "BTCUSDT"), "fundingTime": int(r.time_ms),
                      "fundingRate": _s(r.funding_rate), "markPrice": ""} for r in rows.itertuples()]

    # ---- OKX (newest first; before/after are exclusive bounds)
    def _okx(self, data: list) -> tuple[int, Any]:
        return 200, {"code": "0", "msg": "", "data": data}

    def _okx_instruments(self, q: dict, fault: str | None) -> tuple[int, Any]:
        if q.get("instType") != "SWAP":
            return self._okx([])
        return 200, OKX_INSTRUMENTS

    def _okx_candles(self, kind: str) -> Any:
        def handler(q: dict, fault: str | None) -> tuple[int, Any]:
            rows = self.data.bars("okx", kind, _okx_tf(q["bar"]))
            rows = self._window(rows, self._int(q, "before"), self._int(q, "after"),
                                lo_open=True, hi_open=True)
            limit = min(int(q.get("limit", 100)), 300 if kind == "candles" else 100)
            rows = rows.iloc[::-1].head(limit)
            if fault == "empty":
                rows = rows.iloc[0:0]
            rows = self._dup(rows, fault).iloc[::-1] if fault == "dupes" else rows
            if kind == "candles":
                data = [[str(int(r.time_ms)), _s(r.open), _s(r.high), _s(r.low), _s(r.close),
                         _s(r.volume / CONTRACT_OKX), _s(r.volume), _s(r.volume * r.close), "1"]
                        for r in rows.itertuples()]
            else:
                data = [[str(int(r.time_ms)), _s(r.open), _s(r.high), _s(r.low), _s(r.close), "1"]
                        for r in rows.itertuples()]
            return self._okx(data)
        return handler

    def _okx_oi(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self.data.oi("okx", _okx_tf(q["period"]))
        rows = self._window(rows, self._int(q, "begin"), self._int(q, "end"), lo_open=True, hi_open=True)
        rows = rows.iloc[::-1].head(min(int(q.get("limit", 100)), 100))
        if fault == "empty":
            rows = rows.iloc[0:0]
        data = [[str(int(r.time_ms)), _s(r.oi_usd / r.price / CONTRACT_OKX), _s(r.oi_usd / r.price),
                 _s(r.oi_usd)] for r in rows.itertuples()]
        return self._okx(data)

    def _okx_funding(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self._window(self.data.funding["okx"], self._int(q, "before"), self._int(q, "after"),
                            lo_open=True, hi_open=True)
        rows = rows.iloc[::-1].head(min(int(q.get("limit", 100)), 100))
        if fault == "empty":
            rows = rows.iloc[0:0]
        return self._okx([{"instType": "SWAP", "instId": q["instId"], "formulaType": "noRate",
                           "fundingRate": _s(r.funding_rate), "realizedRate": _s(r.funding_rate),
                           "fundingTime": str(int(r.time_ms)), "method": "current_period"}
                          for r in rows.itertuples()])

    # ---- Bybit v5 (newest first)
    def _bybit(self, result: dict) -> tuple[int, Any]:
        return 200, {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {},
                     "time": int(time.time() * 1000)}

    def _bybit_instruments(self, q: dict, fault: str | None) -> tuple[int, Any]:
        items = [BYBIT_INSTRUMENT] if q.get("category") == "linear" and q.get("status") != "PreLaunch" else []
        return self._bybit({"category": q.get("category", ""), "list": items, "nextPageCursor": ""})

    def _bybit_kline(self, kind: str) -> Any:
        def handler(q: dict, fault: str | None) -> tuple[int, Any]:
            tf = _BYBIT_INTERVAL[q["interval"]]
            rows = self.data.bars("bybit", kind, tf)
            rows = self._window(rows, self._int(q, "start"), self._int(q, "end"))
            rows = rows.iloc[::-1].head(min(int(q.get("limit", 200)), 1000))
            if fault == "empty":
                rows = rows.iloc[0:0]
            rows = self._dup(rows, fault).iloc[::-1] if fault == "dupes" else rows
            if kind == "candles":
                data = [[str(int(r.time_ms)), _s(r.open), _s(r.high), _s(r.low), _s(r.close),
                         _s(r.volume), _s(r.volume * r.close)] for r in rows.itertuples()]
            else:
                data = [[str(int(r.time_ms)), _s(r.open), _s(r.high), _s(r.low), _s(r.close)]
                        for r in rows.itertuples()]
            return self._bybit({"symbol": q["symbol"], "category": q["category"], "list": data})
        return handler

    def _bybit_oi(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self.data.oi("bybit", _BYBIT_OI[q["intervalTime"]])
        rows = self._window(rows, self._int(q, "startTime"), self._int(q, "endTime"))
        rows = rows.iloc[::-1]
        offset = int(q.get("cursor") or 0)
        limit = min(int(q.get("limit", 50)), 200)
        page = rows.iloc[offset: offset + limit]
        cursor = str(offset + limit) if offset + limit < len(rows) else ""
        if fault == "empty":
            page = page.iloc[0:0]
        return self._bybit({"symbol": q["symbol"], "category": q["category"],
                            "list": [{"openInterest": _s(r.oi_usd / r.price), "timestamp": str(int(r.time_ms))}
                                     for r in page.itertuples()], "nextPageCursor": cursor})

    def _bybit_funding(self, q: dict, fault: str | None) -> tuple[int, Any]:
        rows = self._window(self.data.funding["bybit"], self._int(q, "startTime"), self._int(q, "endTime"))
        rows = rows.iloc[::-1].head(min(int(q.get("limit", 200)), 200))
        if fault == "empty":
            rows = rows.iloc[0:0]
        return self._bybit({"category": q["category"], "list": [
            {"symbol": q["symbol"], "fundingRate": _s(r.funding_rate),
             "fundingRateTimestamp": str(int(r.time_ms))} for r in rows.itertuples()]})

    # ---- websockets
    def _ws_handler(self, exchange: str) -> Any:
        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(autoping=True)
            await ws.prepare(request)
            self._ws[exchange].append(ws)
            try:
                async for msg in ws:
                    if msg.type != WSMsgType.TEXT:
                        continue
                    if msg.data == "ping":  # OKX
                        await ws.send_str("pong")
                        continue
                    req = json.loads(msg.data)
                    reply = self._ws_reply(exchange, req)
                    if reply is not None:
                        await ws.send_str(_dumps(reply))
                    if req.get("method") == "SUBSCRIBE" or req.get("op") == "subscribe":
                        self.subscriptions.append((exchange, req))
                        await self._flush(exchange)
            finally:
                if ws in self._ws[exchange]:
                    self._ws[exchange].remove(ws)
            return ws
        return handler

    @staticmethod
    def _ws_reply(exchange: str, req: dict) -> Any:
        if exchange == "binance":
            return {"result": None, "id": req.get("id")}
        if exchange == "okx":
            if req.get("op") == "subscribe":
                return {"event": "subscribe", "arg": req["args"][0], "connId": "a4d3ae55"}
            return None
        if req.get("op") == "ping":
            return {"success": True, "ret_msg": "pong", "conn_id": "fake", "req_id": req.get("req_id", ""),
                    "op": "ping"}
        return {"success": True, "ret_msg": "", "conn_id": "fake", "req_id": req.get("req_id", ""),
                "op": req.get("op")}

    def _subscribed(self, exchange: str) -> list[web.WebSocketResponse]:
        return [w for w in self._ws[exchange] if not w.closed]

    async def _flush(self, exchange: str) -> None:
        conns = self._subscribed(exchange)
        if not conns:
            return
        while self._pending[exchange]:
            msg = self._pending[exchange].pop(0)
            for w in conns:
                await w.send_str(_dumps(msg))

    async def _push(self, exchange: str, message: Any) -> None:
        self._pending[exchange].append(message)
        if any(ex == exchange for ex, _ in self.subscriptions):
            await self._flush(exchange)

    async def _drop(self, exchange: str) -> None:
        for w in list(self._ws[exchange]):
            await w.close()
        self.subscriptions = [(ex, r) for ex, r in self.subscriptions if ex != exchange]


# --------------------------------------------------------------------------- feed messages
def real_liquidations() -> pd.DataFrame:
    """40 real OKX BTC-USDT-SWAP liquidations (2026-03-04): time_ms, side (the liquidation
    order's side: 'sell' closes a long), size_usd (contracts x price, see data/README.md),
    price; with the derived contracts (size_usd / price) and qty_btc (contracts x 0.01)."""
    df = _load("okx_liquidations.csv")
    df["contracts"] = (df.size_usd / df.price).round(2).clip(lower=0.01)
    df["qty_btc"] = (df.contracts * CONTRACT_OKX).round(4)
    return df


def binance_force_order(r: Any) -> dict:
    """A Binance USDT-M ``forceOrder`` event (S=SELL closes a long)."""
    side = "SELL" if r.side == "sell" else "BUY"
    return {"e": "forceOrder", "E": int(r.time_ms) + 2, "o": {
        "s": "BTCUSDT", "S": side, "o": "LIMIT", "f": "IOC", "q": _s(r.qty_btc), "p": _s(r.price),
        "ap": _s(r.price), "X": "FILLED", "l": _s(r.qty_btc), "z": _s(r.qty_btc), "T": int(r.time_ms)}}


def okx_liquidation_orders(rows: list) -> dict:
    """An OKX ``liquidation-orders`` push: one instrument, several details."""
    return {"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [{
        "details": [{"bkLoss": "0", "bkPx": _s(r.price), "ccy": "",
                     "posSide": "long" if r.side == "sell" else "short", "side": r.side,
                     "sz": _s(r.contracts), "ts": str(int(r.time_ms))} for r in rows],
        "instFamily": "BTC-USDT", "instId": "BTC-USDT-SWAP", "instType": "SWAP", "uly": "BTC-USDT"}]}


def bybit_all_liquidation(rows: list) -> dict:
    """A Bybit ``allLiquidation`` push ('Buy' = a long was liquidated, per Bybit's docs)."""
    return {"topic": "allLiquidation.BTCUSDT", "type": "snapshot",
            "ts": int(rows[-1].time_ms) + 5,
            "data": [{"T": int(r.time_ms), "s": "BTCUSDT", "S": "Buy" if r.side == "sell" else "Sell",
                      "v": _s(r.qty_btc), "p": _s(r.price)} for r in rows]}


if __name__ == "__main__":  # pragma: no cover - manual use
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8765)
    fake = FakeExchange(ap.parse_args().port).start()
    print(f"fake exchange on {fake.url}; Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
