"""``liqlab backtest``: the magnet-zone event study on embedded samples or your own Parquet
files; writes every table (CSV or Parquet) and a standalone HTML report.

    liqlab backtest --out out/backtest                        # binance_btcusdt_5m, defaults
    liqlab backtest --horizon 12h --band 0.005 0.03 --format parquet --out out/bt
    liqlab backtest --walk-forward 4 --out out/bt             # quantile x band, walk-forward
    liqlab backtest --sweep side_rule=even,direction --windows 3 --scheduler tcp://host:8786
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from liqlab._time import utc
from liqlab.backtest import StudyConfig, event_study, walk_forward
from liqlab.backtest.report import html_report, plain_words, study_figures, study_tables
from liqlab.cli import _options
from liqlab.cli.backtest_args import add_arguments
from liqlab.data.samples import load_sample
from liqlab.model.estimator import estimate
from liqlab.reports import write_table
from liqlab.validation import sweeps

__all__ = ["add_arguments", "run"]


def _parse_axis(text: str):
    if "=" not in text:
        raise ValueError(f"--sweep {text!r}: expected PARAM=V1,V2,...")
    name, vals = text.split("=", 1)
    out = []
    for v in vals.split(","):
        try:
            out.append(json.loads(v))
        except json.JSONDecodeError:
            out.append(v)
    return name.strip(), out


def run(args: argparse.Namespace) -> int:
    axes = dict(_parse_axis(a) for a in args.sweep)   # bad axes fail before any work
    candles = _options.read_frame(str(args.candles), "candles") if args.candles else load_sample(args.sample)
    if args.start:
        candles = candles[candles.index >= utc(args.start, "--start")]
    if args.end:
        candles = candles[candles.index < utc(args.end, "--end")]
    if len(candles) < 100:
        raise ValueError(f"only {len(candles)} candles in the chosen span; widen --start/--end")
    oi = _options.read_frame(args.oi, "oi")
    fund_spec = args.funding
    if fund_spec == "auto":
        fund_spec = "binance_btcusdt_funding" if candles.attrs.get("exchange") == "binance" else "none"
    funding = _options.read_frame(fund_spec, "funding")
    cfg = StudyConfig(horizon=args.horizon, quantile=args.quantile, band=tuple(args.band),
                      n_random=args.n_random, n_shuffles=args.n_shuffles, n_boot=args.n_boot,
                      seed=args.seed)
    res = estimate(candles, oi=oi, per_tier=False, step=args.step)
    study = event_study(res.heatmap, candles, cfg, funding=funding)
    tables = study_tables(study)
    if args.walk_forward:
        grid = [{"quantile": q, "band": b} for q in (0.8, 0.9, 0.95)
                for b in ((0.005, 0.02), (0.02, 0.05), (0.005, 0.05))]
        wf = walk_forward(res.heatmap, candles, grid, n_folds=args.walk_forward, base=cfg,
                          funding=funding)
        tables["walk_forward_folds"] = wf.folds
        tables["walk_forward_pooled"] = pd.DataFrame([wf.pooled])
        tables["walk_forward_grid"] = wf.grid
    if args.sweep:
        grid = sweeps.param_grid(**axes)
        data = {"candles": candles, "oi": oi, "step": args.step,
                "study": {"horizon": args.horizon, "quantile": args.quantile,
                          "band": tuple(args.band), "n_random": args.n_random,
                          "n_shuffles": min(args.n_shuffles, 1), "n_boot": min(args.n_boot, 300),
                          "seed": args.seed}}
        tables["sweep"] = sweeps.sweep(sweeps.backtest_task, grid,
                                       sweeps.split_windows(candles, args.windows), data=data,
                                       scheduler=args.scheduler)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_table(df, out / name, args.format) for name, df in tables.items()]
    if args.events:
        written.append(write_table(study.events, out / "events", args.format))
    src = candles.attrs.get("name") or candles.attrs.get("source") or str(args.candles)
    intro = (f"Magnet-zone event study of the liqlab heatmap on {src} "
             f"({candles.index[0]:%Y-%m-%d %H:%M} to {candles.index[-1]:%Y-%m-%d %H:%M} UTC, "
             f"{len(candles):,} candles; model inputs: {res.meta.get('inflow', '')}).")
    page = html_report("liqlab backtest", intro, tables, study_figures(study), plain_words(study))
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    for line in plain_words(study):
        print(line)
    print(f"wrote {len(written)} tables ({args.format}) and {report}")
    return 0
