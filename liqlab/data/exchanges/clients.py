"""ccxt client construction: which ccxt class per exchange, symbol mapping and validation,
the one host override (flag ``--host`` / env ``LIQLAB_EXCHANGE_HOST``), testnet, API keys
from the environment only, and the retry policy that decides by fault.

Exchange names in liqlab (and in the store) are ``binance`` (Binance USDT-M, ccxt
``binanceusdm``), ``okx`` and ``bybit``. Symbols in the store are the exchange's market id
(``BTCUSDT``, ``BTC-USDT-SWAP``); a user may give any of ``BTCUSDT``, ``BTC/USDT:USDT`` or
``BTC-USDT-SWAP`` for any exchange.
"""
from __future__ import annotations

import os
import random
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

import ccxt

__all__ = ["EXCHANGES", "HOST_ENV", "Market", "parse_symbol", "market_for", "make_client",
           "override_host", "resolve_host", "RetryPolicy", "call_with_retry", "is_retryable",
           "FetchGaveUp", "key_env_names"]

#: liqlab exchange name -> ccxt class name
EXCHANGES: dict[str, str] = {"binance": "binanceusdm", "okx": "okx", "bybit": "bybit"}
#: the environment variable that points every client at another host
HOST_ENV = "LIQLAB_EXCHANGE_HOST"
#: market types each client loads (BTC perpetuals only need these; keeps load_markets small)
_MARKET_TYPES = {"binance": ["linear"], "okx": ["swap"], "bybit": ["linear"]}

_BASE = re.compile(r"^[A-Z0-9]{1,20}$")
_QUOTES = ("USDT", "USDC", "USD")
_HOST = re.compile(r"^(https?)://[A-Za-z0-9.\-]+(:\d{1,5})?/?$")

T = TypeVar("T")


def key_env_names(exchange: str) -> dict[str, str]:
    """Environment variables a key is read from (public endpoints need none)."""
    up = exchange.upper()
    return {"apiKey": f"LIQLAB_{up}_API_KEY", "secret": f"LIQLAB_{up}_API_SECRET",
            "password": f"LIQLAB_{up}_API_PASSPHRASE"}


def _check_exchange(exchange: str) -> str:
    if exchange not in EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; liqlab fetches from {', '.join(EXCHANGES)}")
    return exchange


@dataclass(frozen=True)
class Market:
    """One perpetual market: the exchange, its market id (the store's symbol) and the ccxt
    unified symbol."""
    exchange: str
    base: str
    quote: str

    @property
    def id(self) -> str:
        """The exchange's own market id: BTCUSDT (Binance, Bybit), BTC-USDT-SWAP (OKX)."""
        if self.exchange == "okx":
            return f"{self.base}-{self.quote}-SWAP"
        return f"{self.base}{self.quote}"

    @property
    def unified(self) -> str:
        """The ccxt unified symbol of the linear perpetual, e.g. BTC/USDT:USDT."""
        return f"{self.base}/{self.quote}:{self.quote}"


def parse_symbol(symbol: str) -> tuple[str, str]:
    """Split a user's perpetual symbol into (base, quote), validating it before it can reach a
    URL or a file path. Accepts BTCUSDT, BTC/USDT:USDT, BTC/USDT, BTC-USDT-SWAP, btcusdt."""
    if not isinstance(symbol, str):
        raise ValueError(f"symbol must be text like 'BTCUSDT', got {type(symbol).__name__}")
    s = symbol.strip().upper()
    m = re.fullmatch(r"([A-Z0-9]+)/([A-Z]+)(?::([A-Z]+))?", s) or \
        re.fullmatch(r"([A-Z0-9]+)-([A-Z]+)-SWAP()", s)
    if m:
        base, quote = m.group(1), m.group(2)
    else:
        quote = next((q for q in _QUOTES if s.endswith(q) and len(s) > len(q)), None)
        if quote is None or not re.fullmatch(r"[A-Z0-9]+", s):
            raise ValueError(f"symbol {symbol!r} is not a perpetual symbol liqlab understands; "
                             "give e.g. 'BTCUSDT', 'BTC/USDT:USDT' or 'BTC-USDT-SWAP' "
                             "(letters and digits only, quoted in USDT, USDC or USD)")
        base = s[: -len(quote)]
    if not _BASE.fullmatch(base) or quote not in _QUOTES:
        raise ValueError(f"symbol {symbol!r}: base {base!r} / quote {quote!r} is not valid; "
                         "the base is 1-20 letters or digits and the quote one of "
                         f"{', '.join(_QUOTES)}")
    return base, quote


def market_for(exchange: str, symbol: str = "BTCUSDT") -> Market:
    """The :class:`Market` for a user's symbol on ``exchange`` (validated, no network)."""
    base, quote = parse_symbol(symbol)
    return Market(_check_exchange(exchange), base, quote)


def resolve_host(host: str | None) -> str | None:
    """The host override: the argument, else ``$LIQLAB_EXCHANGE_HOST``, else None.
    Must be ``http(s)://name[:port]`` with no path (the paths stay the exchange's own)."""
    host = host if host else os.environ.get(HOST_ENV) or None
    if host is None:
        return None
    if not _HOST.fullmatch(host):
        raise ValueError(f"host {host!r} must look like 'https://mirror.example' or "
                         "'http://127.0.0.1:8765' (scheme, name, optional port, no path)")
    return host.rstrip("/")


def _rewrite(url: str, scheme: str, netloc: str) -> str:
    ws = url.startswith(("ws://", "wss://"))
    new_scheme = ("wss" if scheme == "https" else "ws") if ws else scheme
    return re.sub(r"^[a-z]+://[^/]+", f"{new_scheme}://{netloc}", url)


def override_host(api: Any, host: str) -> Any:
    """Return a copy of ``exchange.urls['api']`` with the scheme and host of every entry
    (REST and websocket, nested dicts included, ``{hostname}`` templates too) replaced by
    ``host``; http hosts get ws://, https hosts get wss:// for websocket entries."""
    parts = urlsplit(host)
    if isinstance(api, dict):
        return {k: override_host(v, host) for k, v in api.items()}
    if isinstance(api, str):
        return _rewrite(api, parts.scheme, parts.netloc)
    return api


def make_client(exchange: str, *, host: str | None = None, testnet: bool = False,
                pro: bool = False, timeout_ms: int = 10_000, rate_limit: bool = True,
                options: dict | None = None) -> ccxt.Exchange:
    """A ccxt client for ``exchange`` ('binance', 'okx', 'bybit').

    ``host`` (or ``$LIQLAB_EXCHANGE_HOST``) rewrites every API URL to another host (a mirror
    or a local fake exchange); ``testnet`` selects the exchange's sandbox (ccxt
    ``set_sandbox_mode``). API keys are read only from the environment variables named by
    :func:`key_env_names` and are never logged or written; public data needs none.
    ``pro`` gives the ccxt.pro (websocket) class.
    """
    _check_exchange(exchange)
    host = resolve_host(host)
    if host and testnet:
        raise ValueError("give either --host (another host) or --testnet (the exchange's "
                         "sandbox), not both")
    module = __import__("ccxt.pro", fromlist=["x"]) if pro else ccxt
    cls = getattr(module, EXCHANGES[exchange])
    config: dict[str, Any] = {"enableRateLimit": rate_limit, "timeout": int(timeout_ms),
                              "options": {"fetchMarkets": {"types": _MARKET_TYPES[exchange]},
                                          **(options or {})}}
    for field, env in key_env_names(exchange).items():
        if os.environ.get(env):
            config[field] = os.environ[env]
    client = cls(config)
    # markets need no currency list, and with keys set ccxt would fetch it from private endpoints
    client.has = {**client.has, "fetchCurrencies": False}
    if testnet:
        client.set_sandbox_mode(True)
    if host:
        client.urls["api"] = override_host(client.urls["api"], host)
    return client


# ----------------------------------------------------------------------------- retries
class FetchGaveUp(RuntimeError):
    """A request kept failing with a retryable fault after every allowed attempt."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying. Waits double from ``base_s`` up to ``max_s`` (with jitter);
    a Retry-After header from the exchange overrides the wait (capped at ``max_retry_after_s``);
    maintenance waits start at ``maintenance_s``."""
    attempts: int = 8
    base_s: float = 1.0
    max_s: float = 60.0
    maintenance_s: float = 30.0
    max_retry_after_s: float = 300.0


# Bybit answers some transient faults as a generic ExchangeError with one of these codes
_TRANSIENT_CODES = ("10016", "10006", "10429")


def is_retryable(exc: BaseException) -> bool:
    """Decide retry by the fault: rate limits (RateLimitExceeded, DDoSProtection: 429, 418),
    unavailability and maintenance, timeouts, Binance's OperationFailed (HTTP 5xx), bad or
    truncated responses; plus Bybit's transient retCodes. Not: bad symbols, bad requests,
    authentication, unsupported calls."""
    if isinstance(exc, ccxt.OperationFailed):   # NetworkError and its children, BadResponse
        return True
    if isinstance(exc, (ccxt.BadRequest, ccxt.AuthenticationError, ccxt.NotSupported)):
        return False
    if isinstance(exc, ccxt.ExchangeError):
        m = re.search(r'"retCode"\s*:\s*"?(\d+)', str(exc))
        return bool(m) and m.group(1) in _TRANSIENT_CODES
    return isinstance(exc, (TimeoutError, ConnectionError))


def _retry_after(client: Any) -> float | None:
    headers = getattr(client, "last_response_headers", None) or {}
    for k, v in dict(headers).items():
        if str(k).lower() == "retry-after":
            try:
                return max(0.0, float(v))
            except (TypeError, ValueError):
                return None
    return None


def wait_for(exc: BaseException, attempt: int, policy: RetryPolicy, client: Any = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based) after ``exc``."""
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        ra = _retry_after(client)
        if ra is not None:
            return min(ra, policy.max_retry_after_s)
    base = policy.maintenance_s if isinstance(exc, ccxt.OnMaintenance) else policy.base_s
    wait = min(policy.max_s, base * 2 ** (attempt - 1))
    return wait * (0.75 + 0.5 * random.random())


def call_with_retry(fn: Callable[[], T], *, policy: RetryPolicy = RetryPolicy(), client: Any = None,
                    on_retry: Callable[[BaseException, float], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``fn()``, retrying retryable faults (:func:`is_retryable`) up to ``policy.attempts``
    times with the wait of :func:`wait_for`; other faults propagate at once."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - classified below
            if not is_retryable(exc):
                raise
            if attempt == policy.attempts:
                raise FetchGaveUp(f"gave up after {attempt} attempts: {type(exc).__name__}: "
                                  f"{str(exc)[:300]}") from exc
            wait = wait_for(exc, attempt, policy, client)
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
    raise AssertionError("unreachable")
