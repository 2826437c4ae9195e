"""Fixtures for the exchange tests: the fake exchange on 127.0.0.1 and fast retry settings."""
from __future__ import annotations

import pandas as pd
import pytest

from liqlab.data.exchanges.clients import RetryPolicy
from tests.data.exchanges.fake_exchange import DATA, FakeExchange

#: retries in milliseconds so the suite stays fast; Retry-After is recorded, not slept
FAST = RetryPolicy(attempts=6, base_s=0.001, max_s=0.01, maintenance_s=0.001, max_retry_after_s=5)
#: the real slices the fake serves (see data/README.md)
WINDOWS = {"binance": ("2025-10-10", "2025-10-12"), "bybit": ("2025-10-10", "2025-10-12"),
           "okx": ("2022-06-13", "2022-06-15")}
FUNDING = {"binance": ("2025-10-09", "2025-10-13"), "bybit": ("2025-10-09", "2025-10-13"),
           "okx": ("2025-12-04", "2025-12-08")}


@pytest.fixture
def fake():
    """A fresh fake exchange per test (faults never leak between tests)."""
    with FakeExchange() as f:
        yield f


class Sleeps(list):
    """Records requested waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


def fixture_candles(exchange: str) -> pd.DataFrame:
    """The fake's 5m candles for ``exchange`` as the test's independent expectation."""
    name = {"binance": "binance_btcusdt_5m.csv", "bybit": "bybit_btcusdt_5m.csv",
            "okx": "okx_btc_usdt_swap_5m.csv"}[exchange]
    df = pd.read_csv(DATA / name)
    df.index = pd.to_datetime(df.pop("time_ms"), unit="ms", utc=True).rename("time")
    return df
