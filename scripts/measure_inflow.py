"""How the default inflow mix was chosen: rank correlation of the model's daily predicted
liquidations with realised Hyperliquid BTC daily liquidations, for several mixes.

    python scripts/measure_inflow.py

Data (embedded samples): Hyperliquid hourly BTC open interest and daily liquidation totals
(2025-12-07..2026-01-25, 50 days); Binance BTCUSDT 1h candles stand in for Hyperliquid's
price path and volume (Hyperliquid's candles for that span are not shipped). Warm-up from
2025-10-15. A quick, in-sample measurement on 50 days: the walk-forward study is
liqlab.validation's job. Baselines: daily range and volume ranked against the same days.
"""
from __future__ import annotations

import pandas as pd
from scipy.stats import spearmanr

import liqlab


def main() -> None:
    c = liqlab.load_sample("binance_btcusdt_1h").loc["2025-10-15":"2026-01-25"]
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    liq = liqlab.load_sample("liq_totals_hyperliquid_daily")
    rows = []
    for vs, os_ in [(0.0, 1.0), (0.005, 1.0), (0.02, 1.0), (0.05, 1.0), (0.1, 1.0), (0.05, 0.0)]:
        for hl in (30.0, 7.0):
            p = liqlab.ModelParams(inflow_volume_share=vs, inflow_oi_share=os_,
                                   decay_half_life_days=hl, oi_max_gap_hours=24)
            d = liqlab.estimate(c, oi=oi, params=p, per_tier=False).swept.resample("1D").sum()
            d = d.reindex(liq.index)
            rows.append(dict(volume_share=vs, oi_share=os_, half_life_d=hl,
                             rho_long=spearmanr(d.long_usd, liq.long_usd)[0],
                             rho_short=spearmanr(d.short_usd, liq.short_usd)[0],
                             rho_total=spearmanr(d.sum(axis=1), liq.long_usd + liq.short_usd)[0]))
    print(pd.DataFrame(rows).round(3).to_string(index=False))
    day = c.loc["2025-12-07":].resample("1D").agg({"open": "first", "high": "max", "low": "min",
                                                   "volume": "sum"}).reindex(liq.index)
    print("baseline daily range  rho_total =",
          round(spearmanr((day.high - day.low) / day.open, liq.long_usd + liq.short_usd)[0], 3))
    print("baseline daily volume rho_total =",
          round(spearmanr(day.volume, liq.long_usd + liq.short_usd)[0], 3))
    print("baseline drawdown vs longs rho =",
          round(spearmanr((day.open - day.low) / day.open, liq.long_usd)[0], 3))


if __name__ == "__main__":
    main()
