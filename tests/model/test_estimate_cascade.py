"""On the embedded 2025-10-10 cascade, predicted long liquidations concentrate in the crash
hours. Default parameters, not tuned to this; the figures are printed (pytest -s)."""
import pandas as pd
import pytest

import liqlab


@pytest.mark.parametrize("with_oi", [True, False])
def test_long_liquidations_concentrate_in_the_crash_hours(with_oi):
    """Binance BTCUSDT 5m 2025-08-01..10-31 (low 101,516.5 at 2025-10-10 21:20 UTC); open
    interest from Hyperliquid's hourly BTC series (the only long OI history shipped), or none."""
    c = liqlab.load_sample("binance_btcusdt_5m")
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h") if with_oi else None
    r = liqlab.estimate(c, oi=oi, per_tier=False)
    hourly = r.swept.resample("1h").sum()
    crash = hourly.loc["2025-10-10 20:00":"2025-10-10 22:00"]
    share = crash["long_usd"].sum() / hourly["long_usd"].sum()
    time_share = len(crash) / len(hourly)
    print(f"\n[{r.meta['inflow']}] top hours of predicted long liquidations (USD m):")
    print((hourly["long_usd"].nlargest(5) / 1e6).round(1).to_string())
    print(f"2025-10-10 20:00-23:00: longs {crash['long_usd'].sum() / 1e6:,.0f}m, shorts "
          f"{crash['short_usd'].sum() / 1e6:,.0f}m; {share:.1%} of three months' predicted long "
          f"liquidations in {time_share:.2%} of the time")
    assert hourly["long_usd"].idxmax() == pd.Timestamp("2025-10-10 21:00", tz="UTC")
    assert crash["long_usd"].sum() > 10 * crash["short_usd"].sum()
    assert share > 20 * time_share
