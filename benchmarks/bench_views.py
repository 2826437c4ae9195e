"""Benchmark of the explorer's redraw after a model slider moves: estimate, aggregate, shade.

    python benchmarks/bench_views.py            # 10 timed runs for 1 week, 5 for 1 year (~1-2 min)
    python benchmarks/bench_views.py --quick    # 5 and 3 runs, no bokeh or whole-page timings

What a slider move costs (``liqlab.views.explorer.Explorer.refresh``), stage by stage, warm
(numba and datashader compiled by one untimed run first), each timed run with a different
``inflow_volume_share`` (a slider step of 0.005) so that no cache can help:

- estimate: ``Explorer._estimate`` = ``liqlab.pipeline.estimate_window`` (``liqlab.estimate_many`` on
  the window's inputs, per-tier output, warm-up trim), exactly what ``refresh`` runs;
- aggregate: ``Explorer._mesh`` (crop to the window and the candles' range, long+short summed,
  ``heat.quadmesh``), then the datashader rasterize that ``heat.heatmap`` applies (aggregator
  ``max``, ``precompute=True``) to that QuadMesh at the explorer's canvas (``style.WIDTH`` x
  ``style.MAIN_HEIGHT``), with ``dynamic=False`` so the aggregation runs now; checked once
  against the image the explorer's own DynamicMap pipeline (``heat.heatmap(DynamicMap)``)
  produces;
- shade: ``heat.shade`` with the default ``ColourScale()`` (relative, 99.5th percentile clip);
- total: the sum of the three, per run.

Also, outside the issue's target: rendering the shaded image to a new bokeh figure
(``hv.render``), and for 1 week the whole explorer page live: the other panels' callbacks, and a
slider value set on the real widget with bokeh plots of ``Explorer.view()`` attached (every
panel re-evaluated and its bokeh model updated in place; no browser).

The data: 1 week = the last 10,080 real Binance BTCUSDT 1-minute candles of the embedded sample
``binance_btcusdt_1m`` (2023-08; no real open interest of those dates is embedded, so the inflow
is volume-only, as ``liqlab.data.load_window`` does for such windows); 1 year = 525,600 1m candles
block-bootstrapped from the same real sample, with hourly open interest bootstrapped from
Hyperliquid's (``bench_estimate.bootstrap_year``). No warm-up: the window is the whole input.
Default ModelParams (5 tiers x 2 sides, bin_rel 0.001; the grid widened as
``liqlab.pipeline.estimate_window`` does when the window's prices need it).

Target (issue "Interactive exploration"): slider move to new image (estimate, aggregate, shade)
<= 150 ms for 1 week of 1-minute data and <= 1 s for 1 year, warm.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import machine  # noqa: E402
from bench_estimate import bootstrap_year, peak_rss_mb  # noqa: E402

WEEK = 7 * 1440
TARGETS = {"1 week": 0.150, "1 year": 1.0}


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def window_data(name: str, candles: pd.DataFrame, oi, sample: str):
    """A :class:`liqlab.data.WindowData` holding ``candles`` (and ``oi``) as the whole window."""
    from liqlab.data import OiSource, WindowData
    start = candles.index[0]
    end = candles.index[-1] + pd.Timedelta(minutes=1)
    ex = candles.attrs.get("exchange", "binance")
    how = OiSource(ex, "none", "none embedded for these dates", 0.0) if oi is None else \
        OiSource(ex, "own", "bootstrapped from hyperliquid_btc_oi_1h")
    return WindowData(name, end, start, {ex: {"candles": candles, "oi": oi}}, {ex: sample},
                      None, None, {ex: how}, [])


def explorer():
    """One Explorer (its own embedded 1w window loaded and estimated once, untimed); the
    benchmark's windows are swapped in with :func:`use`."""
    from liqlab.views.explorer import Explorer
    return Explorer(window="1w", debounce=0)


def use(ex, data) -> None:
    from liqlab.data import AGGREGATE
    ex.data = data
    ex.exchange.options = [AGGREGATE] + data.exchanges
    ex.exchange.value = AGGREGATE
    ex._estimate()


class Timed:
    """Wrap ``module.name`` (a function the estimate path calls) to add up the time spent in it,
    so the estimate stage can be split in place; restored on exit."""

    def __init__(self, module, name: str):
        self.module, self.name, self.spent = module, name, 0.0

    def __enter__(self):
        self.orig = fn = getattr(self.module, self.name)

        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.spent += time.perf_counter() - t
        setattr(self.module, self.name, wrapper)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.orig)


def stats(ts: list[float]) -> str:
    return f"best {min(ts) * 1e3:7.1f} ms, median {statistics.median(ts) * 1e3:7.1f} ms"


def check_pipeline(ex, img) -> None:
    """The image aggregated here equals the one the explorer's DynamicMap pipeline produces."""
    import holoviews as hv
    from liqlab.views import heatmap as heat
    from liqlab.views.scale import ColourScale
    mesh = ex._mesh()
    view = heat.heatmap(hv.DynamicMap(lambda: mesh), scale=ColourScale(), dynamic=True,
                        width=ex.width)[()]
    a = np.asarray(img.data["usd"].values)
    b = np.asarray(view.data["usd"].values)
    if a.shape != b.shape or not np.allclose(a, b, equal_nan=True):
        raise AssertionError(f"the benchmark's aggregation {a.shape} differs from the explorer "
                             f"pipeline's {b.shape}")


def bench_size(ex, label: str, data, runs: int, render: bool) -> float:
    import holoviews as hv
    from holoviews.operation.datashader import rasterize
    from liqlab.views import heatmap as heat, style
    from liqlab.views.scale import ColourScale

    import liqlab
    import liqlab.data.windows
    est_mod = sys.modules["liqlab.model.estimator"]
    ex.params = liqlab.ModelParams()
    use(ex, data)
    c = ex.candles()
    stages = {k: [] for k in ("estimate", "estimate()", "trim", "mesh", "datashader", "shade", "total",
                              "render")}
    base = ex.params.inflow_volume_share
    img = shaded = None
    for i in range(runs + 1):                       # run 0: warm-up, not recorded
        params = ex.params.replace(inflow_volume_share=round(base + 0.005 * (i + 1), 4))
        with Timed(est_mod, "estimate") as t_est, Timed(liqlab.data.windows, "trim") as t_trim:
            t0 = time.perf_counter()
            ex.params = params
            ex._estimate()
            t1 = time.perf_counter()
        stages["estimate()"].append(t_est.spent)
        stages["trim"].append(t_trim.spent)
        mesh = ex._mesh()
        t2 = time.perf_counter()
        img = rasterize(mesh, aggregator="max", dynamic=False, width=ex.width,
                        height=style.MAIN_HEIGHT, precompute=True)
        t3 = time.perf_counter()
        shaded = heat.shade(img, ColourScale(), ex.title())
        t4 = time.perf_counter()
        if render:  # with the options heat.heatmap gives the explorer's image (colour bar, hover)
            hv.render(shaded.opts(hv.opts.Image(**heat._image_opts(ex.width, style.MAIN_HEIGHT))))
        t5 = time.perf_counter()
        if i == 0:
            for v in stages.values():
                v.clear()
            continue
        for k, v in (("estimate", t1 - t0), ("mesh", t2 - t1), ("datashader", t3 - t2),
                     ("shade", t4 - t3), ("total", t4 - t0), ("render", t5 - t4)):
            stages[k].append(v)
    check_pipeline(ex, img)
    hm = ex.result.heatmap
    vis = ex._heatmap()
    oi = (f"open interest {len(data.oi):,} hourly" if data.oi is not None
          else "no OI: volume-only inflow")
    print(f"\n{label}: {len(c):,} 1m candles {c.index[0]:%Y-%m-%d %H:%M} .. {c.index[-1]:%Y-%m-%d %H:%M} "
          f"(close {c['close'].min():,.0f}..{c['close'].max():,.0f}; {oi})")
    print(f"  estimate: {hm.sizes['time']:,} columns x {hm.sizes['price']:,} bins x "
          f"{hm.sizes.get('tier', 1)} tiers x 2 sides (step {hm.attrs.get('step')}; "
          f"{ex.result.meta.get('grid_widened') or 'grid not widened'}); drawn: "
          f"{vis.sizes['time']:,} x {vis.sizes['price']:,} cropped -> {img.data.sizes['time']} x "
          f"{img.data.sizes['price']} px canvas; {runs} timed runs, inflow_volume_share "
          f"{base + 0.01:g}..{base + 0.005 * (runs + 1):g} (run 0 at {base + 0.005:g}: warm-up)")

    def line(name: str, ts: list[float], end: str = "") -> None:
        print(f"  {name:<62} {stats(ts)}{end}")

    merge = [a - b - d for a, b, d in zip(stages["estimate"], stages["estimate()"], stages["trim"])]
    line("estimate   (Explorer._estimate -> pipeline.estimate_window)", stages["estimate"])
    line("  of which liqlab.estimate() (prepare, kernel, wrap)", stages["estimate()"])
    line("  of which estimate_many's merge (time unions, reindex, sum)", merge)
    line("  of which windows.trim (warm-up cut)", stages["trim"])
    line("aggregate  (Explorer._mesh + datashader rasterize, max)",
         [a + b for a, b in zip(stages["mesh"], stages["datashader"])])
    line("  of which mesh (crop, long+short, heat.quadmesh)", stages["mesh"])
    line("  of which datashader rasterize (dynamic=False)", stages["datashader"])
    line("shade      (heat.shade, default ColourScale)", stages["shade"])
    total = stages["total"]
    target = TARGETS[label]
    verdict = "PASS" if statistics.median(total) <= target else "FAIL"
    line("TOTAL      estimate + aggregate + shade", total,
         f"   target <= {target * 1e3:.0f} ms: {verdict} (median; best "
         f"{'passes' if min(total) <= target else 'fails'})")
    if render:
        line("[not in the target] hv.render(shaded image), new bokeh figure", stages["render"])
    return statistics.median(total)


def bench_page(ex, data, runs: int) -> None:
    """The whole explorer page, for scale: the other panels' callbacks, then a slider move on
    the real widget with live bokeh plots (refresh: estimate + every DynamicMap + bokeh update)."""
    import holoviews as hv
    use(ex, data)
    other = {}
    for name in ("_overlay", "_profile", "_lower", "_rsi"):
        fn = getattr(ex, name)
        fn()
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        other[name] = min(ts)
    plot = hv.renderer("bokeh").get_plot(ex.view())
    wid = ex.param_widgets["inflow_volume_share"]

    def image():
        for p in plot.traverse(lambda x: x):
            h = getattr(p, "handles", {})
            if type(h.get("glyph")).__name__ == "Image":
                return h["source"].data["image"][0]

    ts = []
    for i in range(runs + 1):
        before = image()
        t = time.perf_counter()
        wid.value = round(wid.value + wid.step, 4)    # observe -> _changed -> refresh (debounce 0)
        dt = time.perf_counter() - t
        after = image()
        if after is before or np.array_equal(np.nan_to_num(after), np.nan_to_num(before)):
            raise AssertionError("the slider move did not change the bokeh image")
        if i:
            ts.append(dt)
    print("  [not in the target] the rest of the page, callbacks only (best of 3): "
          + ", ".join(f"{k.strip('_')} {v * 1e3:.0f} ms" for k, v in other.items()))
    print(f"  [not in the target] whole page: slider set on the real widget -> refresh (estimate, "
          f"all 5 panels' DynamicMaps, their live bokeh models of Explorer.view() updated in place): "
          f"{stats(ts)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer runs; no bokeh or page timings")
    args = ap.parse_args()
    import holoviews as hv
    import liqlab
    hv.extension("bokeh", logo=False)
    print("machine:", machine("numba", "xarray", "datashader", "holoviews", "bokeh"))
    print(load(), "(at start)")
    t0 = time.perf_counter()
    ex = explorer()
    src = liqlab.load_sample("binance_btcusdt_1m")
    week = src.iloc[-WEEK:].copy()
    week.attrs = dict(src.attrs)
    candles, oi = bootstrap_year()
    print(f"setup (explorer, data): {time.perf_counter() - t0:.1f} s")
    n_week, n_year = (5, 3) if args.quick else (10, 5)
    bench_size(ex, "1 week", window_data("1 week", week, None, "binance_btcusdt_1m"), n_week,
               render=not args.quick)
    if not args.quick:
        bench_page(ex, window_data("1 week", week, None, "binance_btcusdt_1m"), 5)
    bench_size(ex, "1 year", window_data("1 year", candles, oi, "bootstrap of binance_btcusdt_1m"),
               n_year, render=not args.quick)
    print(f"\npeak RSS {peak_rss_mb():,.0f} MB; {load()} (at end); wall {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
