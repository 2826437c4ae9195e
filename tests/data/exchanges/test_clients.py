"""Client construction: symbol validation, the host override, keys, retry classification."""
from __future__ import annotations

import ccxt
import pytest

from liqlab.data.exchanges.clients import (EXCHANGES, HOST_ENV, RetryPolicy, call_with_retry,
                                      is_retryable, make_client, market_for, override_host,
                                      parse_symbol, resolve_host, wait_for)


@pytest.mark.parametrize("given", ["BTCUSDT", "btcusdt", "BTC/USDT:USDT", "BTC/USDT", "BTC-USDT-SWAP"])
def test_symbol_forms_map_to_each_exchange(given):
    assert market_for("binance", given).id == "BTCUSDT"
    assert market_for("bybit", given).id == "BTCUSDT"
    assert market_for("okx", given).id == "BTC-USDT-SWAP"
    assert market_for("okx", given).unified == "BTC/USDT:USDT"


@pytest.mark.parametrize("bad", ["../etc/passwd", "BTC/../USDT", "BTCUSDT;rm -rf", "", "USDT",
                                 "BTC USDT", "BTCEUR", "BTC%2FUSDT", "BTC\x00USDT"])
def test_bad_symbols_rejected_before_any_url_or_path(bad):
    with pytest.raises(ValueError, match="symbol"):
        parse_symbol(bad)


def test_unknown_exchange():
    with pytest.raises(ValueError, match="binance, okx, bybit"):
        market_for("kraken")


def _all_urls(api):
    if isinstance(api, dict):
        for v in api.values():
            yield from _all_urls(v)
    elif isinstance(api, str):
        yield api


@pytest.mark.parametrize("exchange", list(EXCHANGES))
@pytest.mark.parametrize("pro", [False, True])
def test_host_override_rewrites_every_rest_and_ws_url(exchange, pro):
    c = make_client(exchange, host="http://127.0.0.1:9", pro=pro)
    urls = list(_all_urls(c.urls["api"]))
    assert urls
    for u in urls:
        assert u.startswith(("http://127.0.0.1:9/", "ws://127.0.0.1:9/")) or u in (
            "http://127.0.0.1:9", "ws://127.0.0.1:9"), u
    if pro:
        assert any(u.startswith("ws://") for u in urls)
    # the path stays the exchange's own: e.g. Binance fapi klines under /fapi/v1
    if exchange == "binance":
        assert c.urls["api"]["fapiPublic"] == "http://127.0.0.1:9/fapi/v1"


def test_https_host_gives_wss():
    api = override_host({"rest": "https://{hostname}", "ws": "wss://ws.okx.com:443/ws/v5"},
                        "https://mirror.example")
    assert api == {"rest": "https://mirror.example", "ws": "wss://mirror.example/ws/v5"}


def test_host_from_env_and_validation(monkeypatch):
    monkeypatch.setenv(HOST_ENV, "http://127.0.0.1:8765")
    assert resolve_host(None) == "http://127.0.0.1:8765"
    assert resolve_host("https://m.example") == "https://m.example"
    for bad in ("ftp://x", "http://x/path", "127.0.0.1:80", "http://a b"):
        with pytest.raises(ValueError, match="host"):
            resolve_host(bad)
    c = make_client("bybit")
    assert c.urls["api"]["public"] == "http://127.0.0.1:8765"


def test_testnet_and_host_are_exclusive():
    with pytest.raises(ValueError, match="not both"):
        make_client("binance", host="http://127.0.0.1:1", testnet=True)
    c = make_client("binance", testnet=True)
    assert "testnet" in c.urls["api"]["fapiPublic"]


def test_keys_only_from_environment(monkeypatch):
    monkeypatch.setenv("LIQLAB_OKX_API_KEY", "k-123")
    monkeypatch.setenv("LIQLAB_OKX_API_SECRET", "s-456")
    c = make_client("okx")
    assert (c.apiKey, c.secret) == ("k-123", "s-456")
    assert make_client("binance").apiKey in ("", None)


@pytest.mark.parametrize("exc,retry", [
    (ccxt.RateLimitExceeded("429"), True), (ccxt.DDoSProtection("418"), True),
    (ccxt.OperationFailed("binance 500"), True), (ccxt.ExchangeNotAvailable("503"), True),
    (ccxt.OnMaintenance("okx 50001"), True), (ccxt.RequestTimeout("t"), True),
    (ccxt.BadResponse("garbage"), True),
    (ccxt.ExchangeError('bybit {"retCode":10016,"retMsg":"System error"}'), True),
    (ccxt.BadSymbol("x"), False), (ccxt.BadRequest("x"), False),
    (ccxt.AuthenticationError("x"), False), (ccxt.ExchangeError("other"), False),
    (ValueError("x"), False)])
def test_retry_is_decided_by_fault(exc, retry):
    assert is_retryable(exc) is retry


def test_retry_after_header_is_honoured_and_backoff_grows():
    class Client:
        last_response_headers = {"Retry-After": "7"}
    pol = RetryPolicy(base_s=1.0, max_s=60, maintenance_s=30)
    assert wait_for(ccxt.DDoSProtection("429"), 1, pol, Client()) == 7.0
    assert wait_for(ccxt.RateLimitExceeded("429"), 3, pol, None) == pytest.approx(4.0, rel=0.25)
    assert wait_for(ccxt.OnMaintenance("m"), 1, pol, None) == pytest.approx(30.0, rel=0.25)


def test_call_with_retry_gives_up_and_does_not_retry_bad_requests():
    calls = []

    def flaky():
        calls.append(1)
        raise ccxt.ExchangeNotAvailable("down")
    with pytest.raises(Exception, match="gave up after 3 attempts"):
        call_with_retry(flaky, policy=RetryPolicy(attempts=3, base_s=0), sleep=lambda s: None)
    assert len(calls) == 3

    def bad():
        calls.append(2)
        raise ccxt.BadSymbol("no such market")
    with pytest.raises(ccxt.BadSymbol):
        call_with_retry(bad, policy=RetryPolicy(attempts=3, base_s=0), sleep=lambda s: None)
    assert calls.count(2) == 1
