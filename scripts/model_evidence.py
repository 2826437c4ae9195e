"""The evidence behind model v2's defaults: each population option, one axis at a time from the
shipped defaults, scored on every embedded realised set against the four baselines that know
only the price path (liqlab.validation), plus two structural checks the hidden hourly set of
issue 12 made: the share of hours the model predicts exactly zero, and predicted / realised
notional.

    python scripts/model_evidence.py              # prints a Markdown table (a minute or two)

Columns: for each set and side, the model's Spearman and model - baseline for range,
range_sum and path_null (95 % paired block-bootstrap intervals, 500 resamples, seed 0);
"zero h" is the share of hours with exactly zero predicted liquidations per side on the
embedded Binance 15m (2026-02-18..03-05) and 5m (2025-08..10) candles with Hyperliquid OI;
"pred/real" is summed predicted / realised notional on the 50 Hyperliquid days.
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import liqlab
from liqlab.validation import validate_set

SETS = ("hyperliquid_daily", "okx_2026_03", "hyperliquid_2025_05")
AXES = {
    "defaults": {},
    "no exits (exit_rate 0)": {"exit_rate": 0.0},
    "exit_rate 0.5/h": {"exit_rate": 0.5},
    "exit_rate 2/h": {"exit_rate": 2.0},
    "one lifetime (exponent 0, 30 d)": {"decay_leverage_exponent": 0.0, "decay_half_life_days": 30.0},
    "leverage median 7x": {"leverage_median": 7.0},
    "leverage median 30x": {"leverage_median": 30.0},
    "max leverage 50x": {"max_leverage": 50.0},
    "two sizes (size_points 2)": {"size_points": 2},
    "no level noise": {"level_noise": 0.0},
    "level noise 0.3 %": {"level_noise": 0.003},
    "entry anchors (v1)": {"entry": "anchors"},
    "v1 population": {"leverage_mode": "tiers", "entry": "anchors", "exit_rate": 0.0,
                      "level_noise": 0.0,
                      "decay_leverage_exponent": 0.0, "decay_half_life_days": 30.0,
                      "position_usd": 10_000.0},
}


def zero_hours(params) -> tuple[float, float]:
    oi = liqlab.load_sample("hyperliquid_btc_oi_1h")
    shares = []
    for name in ("binance_btcusdt_15m_2026_03", "binance_btcusdt_5m"):
        c = liqlab.load_sample(name)
        r = liqlab.estimate(c, oi=oi.loc[: c.index[-1]], params=params, per_tier=False)
        h = r.swept.resample("1h").sum()
        shares.append((h == 0).to_numpy())
    z = np.vstack(shares)
    return float(z[:, 0].mean()), float(z[:, 1].mean())


def main() -> int:
    rows = []
    for label, changes in AXES.items():
        p = liqlab.ModelParams().replace(**changes)
        row = {"option": label}
        for s in SETS:
            rep = validate_set(s, params=p, n_boot=500, seed=0)
            sc = rep.scores.set_index(["side", "predictor"])
            for side in ("long", "short"):
                if (side, "model") not in sc.index:
                    continue
                m = sc.loc[(side, "model")]
                row[f"{s} {side} model"] = f"{m['spearman']:.2f}"
                for b in ("range", "range_sum", "path_null"):
                    x = sc.loc[(side, b)]
                    row[f"{s} {side} -{b}"] = (f"{x['model_minus']:+.2f} ({x['model_minus_lo']:+.2f}.."
                                               f"{x['model_minus_hi']:+.2f})")
            if s == "hyperliquid_daily":
                f = rep.frame
                row["pred/real"] = f"{f['pred_total'].sum() / f['real_total'].sum():.1f}"
        zl, zs = zero_hours(p)
        row["zero h long/short"] = f"{zl:.0%} / {zs:.0%}"
        rows.append(row)
        print(label, "done", file=sys.stderr)
    df = pd.DataFrame(rows).set_index("option").T.fillna("")
    print("| | " + " | ".join(df.columns) + " |")
    print("|---" * (len(df.columns) + 1) + "|")
    for k, r in df.iterrows():
        print(f"| {k} | " + " | ".join(str(v) for v in r) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
