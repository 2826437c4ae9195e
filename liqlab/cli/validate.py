"""``liqlab validate``: score predicted against realised liquidations, write the tables
(CSV or Parquet) and an HTML report; optionally choose ModelParams defaults walk-forward.

    liqlab validate --out out/validate                      # every embedded realised set
    liqlab validate --set hyperliquid_daily --defaults      # + walk-forward defaults search
    liqlab validate --realised data                         # what import-liquidations stored
    liqlab validate --realised data --exchange hyperliquid --candles-from binance:BTCUSDT
    liqlab validate --realised liqs.csv.gz --candles c.parquet --oi oi.parquet --freq 1h
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from liqlab.backtest.plots import calibration_figure
from liqlab.backtest.report import html_report
from liqlab.cli import _options
from liqlab.cli.validate_args import add_arguments
from liqlab.data import schema
from liqlab.data.store import Store
from liqlab.model.estimator import estimate
from liqlab.model.params import ModelParams
from liqlab.reports import write_table
from liqlab.validation import against_realised, validate_set
from liqlab.validation.defaults import (compare_points, current_defaults_label, default_grid,
                                        grid_periods, one_axis_comparisons, one_axis_markdown,
                                        walk_forward_defaults)
from liqlab.validation.realised import (detect_format, find_inputs, imports, read_tardis,
                                        read_totals)
from liqlab.validation.report import score_sentences, scores_markdown
from liqlab.validation.sets import SETS
from liqlab.validation.where import (WHERE_SETS, where_markdown, where_score, where_sentences,
                                     where_set)

__all__ = ["add_arguments", "run"]


def _read(path: Path, kind: str) -> pd.DataFrame:
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    df = pd.read_parquet(path)
    return schema.validate(df, schema.infer_kind(df) if kind == "realised" else kind, str(path))


def _pair(text: str | None, flag: str):
    if not text:
        return None
    if ":" not in text:
        raise ValueError(f"{flag} takes EXCHANGE:SYMBOL as stored, e.g. binance:BTCUSDT; got {text!r}")
    ex, sym = text.split(":", 1)
    return ex, sym


def _spans(led: pd.DataFrame, freq: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Imported spans merged where they touch (gap under one period)."""
    f = pd.Timedelta(freq)
    out: list[list[pd.Timestamp]] = []
    for a, b in sorted(zip(led["start"], led["end"])):
        if out and a - out[-1][1] < f:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _realised_reports(args) -> dict:
    """Score every realised dataset of a store (or one file) against the inputs found."""
    path = Path(args.realised)
    reports = {}
    if path.is_file():
        if not args.candles:
            raise ValueError("--realised FILE needs --candles (the price path, with warm-up before "
                             "it); or import the file (liqlab import-liquidations) and pass the "
                             "store directory")
        if path.suffix == ".parquet":
            realised = _read(path, "realised")
        elif detect_format(path) == "tardis":
            realised = read_tardis(path)
        else:
            realised = read_totals(path)
        candles = _read(args.candles, "candles")
        oi = _read(args.oi, "oi") if args.oi else None
        res = estimate(candles, oi=oi, params=_options.params_from(args.param), per_tier=False)
        rep = against_realised(res, realised, candles, oi, freq=args.freq, n_boot=args.n_boot,
                               seed=args.seed, sides=_sides(realised))
        rep.meta["used"] = [f"realised: {path}", f"candles: {args.candles}",
                            f"open interest: {args.oi or 'none'}"]
        if "side" in realised.columns:
            rep.where = where_score(candles, realised, _options.params_from(args.param), oi=oi, top=args.top,
                                    n_boot=args.n_boot, seed=args.seed)
        return {"yours": rep}
    if not path.is_dir():
        raise ValueError(f"--realised {path}: no such file or store directory")
    store = Store(path)
    parts = store.partitions()
    mine = parts[((parts["dataset"] == "liquidations") & (parts["timeframe"] == "raw"))
                 | (parts["dataset"] == "liq_totals")]
    if args.exchange:
        mine = mine[mine["exchange"] == args.exchange]
    if args.symbol:
        mine = mine[mine["symbol"] == args.symbol]
    if mine.empty:
        raise ValueError(f"the store {path} holds no realised liquidations"
                         f"{' for ' + (args.exchange or '') + ' ' + (args.symbol or '') if args.exchange or args.symbol else ''}; "
                         "import some first: liqlab import-liquidations FILE... --store "
                         f"{path}")
    led = imports(store)
    for _, part in mine.iterrows():
        ex, sym, kind, tf = part["exchange"], part["symbol"], part["dataset"], part["timeframe"]
        freq = args.freq
        if kind == "liq_totals" and pd.Timedelta(freq) < pd.Timedelta(_tf(tf)):
            freq = _tf(tf)
        mine_led = led[(led["exchange"] == ex) & (led["symbol"] == sym) & (led["kind"] == kind)] \
            if len(led) else led
        if kind == "liquidations" and len(mine_led):
            spans = _spans(mine_led, freq)
        else:
            end = part["end"] + (pd.Timedelta(_tf(tf)) if kind == "liq_totals" else pd.Timedelta(0))
            spans = [(part["start"], end)]
        for i, (a, b) in enumerate(spans):
            name = f"{ex}_{sym}_{kind}" + (f"_{i + 1}" if len(spans) > 1 else "")
            realised = store.read(kind=kind, exchange=ex, symbol=sym, timeframe=tf, start=a,
                                  end=b + pd.Timedelta(1, "ns"))
            f = pd.Timedelta(freq)
            if kind == "liquidations":
                cov = (a.ceil(f), b.floor(f))
                if cov[1] - cov[0] < 3 * f:
                    print(f"{name}: {a} .. {b} holds fewer than 3 whole {freq} periods; skipped")
                    continue
            else:
                cov = None
            s0 = cov[0] if cov else realised.index[0].floor(f)
            s1 = cov[1] if cov else realised.index[-1].floor(f) + f
            d = find_inputs(store, ex, sym, s0, s1, freq=freq, warmup=args.warmup,
                            candles_from=_pair(args.candles_from, "--candles-from"),
                            oi_from=_pair(args.oi_from, "--oi-from"))
            params = _options.params_from(args.param)
            res = estimate(d["candles"], oi=d["oi"], params=params, per_tier=False,
                                  funding=d["funding"])
            rep = against_realised(res, realised, d["candles"], d["oi"], freq=freq, coverage=cov,
                                   sides=_sides(realised), funding=d["funding"],
                                   n_boot=args.n_boot, seed=args.seed)
            if kind == "liquidations":
                ev = realised[(realised.index >= cov[0]) & (realised.index < cov[1])]
                rep.where = where_score(d["candles"], ev, params, oi=d["oi"], funding=d["funding"],
                                        top=args.top, n_boot=args.n_boot, seed=args.seed)
            rows = led[(led["exchange"] == ex) & (led["symbol"] == sym)] if len(led) else led
            notes = sorted(set(rows["note"])) if len(rows) else []
            rep.meta["used"] = ([f"realised: {ex} {sym} {kind} ({tf}) from {path}, scored "
                                 f"{rep.frame.index[0]} .. {rep.frame.index[-1] + f} per {freq}"]
                                + d["used"] + [f"coverage: {n}" for n in notes])
            reports[name] = rep
    if not reports:
        raise ValueError(f"nothing in {path} could be scored (every span is shorter than 3 periods)")
    return reports


def _tf(tf: str) -> str:
    return {"1d": "1D", "1w": "7D"}.get(tf, tf.replace("m", "min") if tf.endswith("m") else tf)


def _sides(realised: pd.DataFrame) -> tuple[str, ...]:
    if "side" in realised.columns:
        have = [s for s in ("long", "short") if (realised["side"] == s).any()]
    else:
        have = [s for s in ("long", "short") if (realised[f"{s}_usd"] > 0).any()]
    return tuple(have) + (("total",) if len(have) == 2 else ())


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reports = {}
    if args.realised:
        reports.update(_realised_reports(args))
    else:
        for name in args.set or list(SETS):
            reports[name] = validate_set(name, n_boot=args.n_boot, seed=args.seed)
            if name in WHERE_SETS:
                reports[name].where = where_set(name, top=args.top, n_boot=args.n_boot, seed=args.seed)
    tables, figures, notes, printed = {}, {}, [], []
    for name, rep in reports.items():
        tables[f"{name}_scores"] = rep.scores
        tables[f"{name}_scale"] = rep.scale
        tables[f"{name}_periods"] = rep.frame.reset_index()
        for side, cal in rep.calibration.items():
            tables[f"{name}_calibration_{side}"] = cal
        side = "total" if "total" in rep.calibration else next(iter(rep.calibration))
        figures[f"{name}: calibration ({side})"] = calibration_figure(rep.calibration[side])
        for u in rep.meta.get("used", []):
            printed.append(f"{name}: {u}")
        printed.append(f"{name} ({rep.meta['periods']} periods of {rep.meta['freq']}; block "
                       f"{int(rep.scores['block'].iloc[0])} periods):\n" + scores_markdown(rep.scores))
        notes.extend(score_sentences(name, rep))
        if getattr(rep, "where", None) is not None:
            w = rep.where
            tables[f"{name}_where"] = w.scores
            tables[f"{name}_where_units"] = w.units
            printed.append(f"{name}, where (map before each event's candle, {w.meta['bar']} "
                           f"candles; top {w.meta['top']:.0%} of the crossed bins; blocks of hours):\n"
                           + where_markdown(w.scores))
            notes.extend(where_sentences(name, w))
    if args.defaults:
        sched = None if args.scheduler == "local" else args.scheduler
        grid = default_grid()
        current = current_defaults_label(grid)   # ModelParams' defaults as shipped
        per = grid_periods(grid, "hyperliquid_daily", scheduler=sched, path_null=True)
        wf = walk_forward_defaults(per, n_folds=args.folds, n_boot=args.n_boot, seed=args.seed,
                                   default_label=current)
        tables["defaults_one_axis_changes"] = one_axis_comparisons(per, current, n_boot=args.n_boot,
                                                                   seed=args.seed)
        printed.append(f"Defaults search on hyperliquid_daily ({len(grid)} grid points), one axis "
                       f"changed from the shipped defaults ({current}), paired on the same "
                       "days:\n" + one_axis_markdown(tables["defaults_one_axis_changes"]))
        tables["defaults_folds"] = wf["folds"]
        tables["defaults_walk_forward_scores"] = wf["stitched_scores"]
        tables["defaults_full_sample"] = wf["full_sample"].reset_index(names="grid_point")
        best = wf["recommended"]
        c = compare_points(per, best, current, n_boot=args.n_boot, seed=args.seed)
        f = wf["folds"]
        wins = int((f["test_criterion"] > f["default_test_criterion"]).sum())
        notes.append(f"Defaults search on hyperliquid_daily: best grid point on all periods {best}; "
                     f"against the current defaults ({current}) its mean Spearman differs by "
                     f"{c['difference']:+.3f} (95% CI {c['lo']:+.3f} to {c['hi']:+.3f}). Walk-forward, "
                     f"the point chosen on earlier days beat the current defaults on {wins} of "
                     f"{len(f)} later folds. Change a default only where an interval excludes 0 "
                     "(see defaults_one_axis_changes, Holm-adjusted).")
    written = [write_table(df, out / name, args.format) for name, df in tables.items()]
    page = html_report("liqlab validate: predicted against realised liquidations",
                       "Each row compares the model's predicted liquidations per period with the "
                       "realised ones, and with baselines that know only the price path (the "
                       "period's side range; the sum of its candles' side ranges; the path null, "
                       "the same kernel and params with a constant inflow and no open interest) "
                       "and range x open interest. model - baseline and the model's partial "
                       "Spearman given the baseline say what the model adds. Intervals: paired "
                       "circular block bootstrap over periods. Where-scores (per-event sets): the "
                       "share of realised notional in the top-ranked bins of the map as it stood "
                       "before each event's candle, among the bins the candle crossed, against the "
                       "path null's map and an even spread. Small samples give wide intervals.", tables, figures, notes)
    (out / "report.html").write_text(page, encoding="utf-8")
    for n in printed + notes:
        print(n)
    print(f"wrote {len(written)} tables ({args.format}) and {out / 'report.html'}")
    return 0
