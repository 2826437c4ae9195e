"""``liqlab render``: write a standalone HTML page (bokeh resources inline, so it opens
offline) and a PNG (matplotlib, no browser needed) of a window of the embedded real data,
and print their paths. ``make demo`` runs ``liqlab render --out out``. Its flags are declared
in :mod:`liqlab.cli.render_args`.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from liqlab.cli import _options
from liqlab.cli.render_args import ALL, DEFAULT_END, DEFAULT_WINDOW, add_arguments
from liqlab.data.load import candle_samples, load_window
from liqlab.data.samples import list_samples
from liqlab.data.windows import WINDOWS
from liqlab.model.params import ModelParams
from liqlab.pipeline import estimate_window
from liqlab.views import heatmap as heat, layout, static
from liqlab.views.panels import bar_width
from liqlab.views.scale import ColourScale, colour_range, describe
from liqlab.views.summary import levels_summary

__all__ = ["add_arguments", "run", "DEFAULT_END", "DEFAULT_WINDOW", "picture", "Picture",
           "standalone_html", "coverage", "suggest"]


@dataclass
class Picture:
    """What one render draws: the window's data, its estimate, and the heatmap cut to view."""
    data: "object"
    result: "object"
    heatmap: "object"
    candles: pd.DataFrame
    title: str
    exchange: str = ALL

    @property
    def oi(self):
        """The open interest drawn for the chosen exchange (its own, its share of a proxy, or the
        sum for all exchanges), or None."""
        return self.data.oi_for(None if self.exchange == ALL else self.exchange)

    @property
    def inputs(self) -> str:
        """The model's inputs in one line: candles (sample, bar), inflow, open interest."""
        bar = _tf(bar_width(self.candles.index))
        reg = list_samples().set_index("name")["timeframe"]
        names = ", ".join(self.data.samples.values())
        # embedded samples have a bar in the registry; a store's candles are named by theirs
        tfs = sorted({str(reg[n]) for n in self.data.samples.values() if n in reg.index}) or [bar]
        candles = f"{'/'.join(tfs)} candles" + (f" merged into {bar} bars" if tfs != [bar] else "")
        step = pd.Timedelta(self.result.meta.get("step", bar_width(self.candles.index)))
        inflow = "; ".join(f"{e}: {v}" for e, v in self.result.meta.get("inflow", {}).items())
        return (f"inputs: {names} ({candles}, a heatmap column every {_tf(step)}); "
                f"inflow {inflow}")

    @property
    def warning(self) -> str:
        """Empty, or what differs from the usual model (open-interest-driven inflow), said on the
        picture: a window with no open-interest history is estimated from volume alone."""
        if self.oi is not None:
            return ""
        return ("volume-only model here: no open-interest history covers this window, so the "
                "inflow comes from volume alone and there is no OI panel; amounts and colours "
                "are not comparable with windows drawn from open interest")


def _tf(step: pd.Timedelta) -> str:
    """A bar or column size as a timeframe: 5m, 1h, 4h, 1d."""
    minutes = int(step / pd.Timedelta(minutes=1))
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def coverage(exchange: str) -> pd.DataFrame:
    """The embedded candle samples of ``exchange`` (name, bar, start, end), from the sample
    registry (``liqlab.list_samples()``), newest end first."""
    cs = candle_samples()
    return cs[cs["exchange"] == exchange].sort_values("end", ascending=False)


def suggest(exchange: str, window: str) -> str:
    """A ``liqlab render`` command that draws ``exchange`` from the embedded data: the newest
    sample's last bar, with ``window`` when the sample holds it and its warm-up, else the
    longest window that fits."""
    cov = coverage(exchange)
    if not len(cov):
        return ""
    r = cov.iloc[0]
    end = (r["end"] + r["bar"]).floor("h")
    fits = [w for w, spec in WINDOWS.items() if spec.data_start(end) >= r["start"]]
    pick = window if window in fits else (fits[-1] if fits else window)
    return f"liqlab render --exchange {exchange} --window {pick} --end {end:%Y-%m-%dT%H:%M}Z"


def _coverage_error(exchange: str, window: str, end) -> ValueError | None:
    """The error for an exchange without embedded candles for the window: which dates the
    embedded samples of that exchange cover and a command that works (None: not that case)."""
    cov = coverage(exchange)
    try:
        t = pd.Timestamp(end)
    except (ValueError, TypeError):
        return None
    t = t.tz_localize("UTC") if t.tz is None else t.tz_convert("UTC")
    span = f"{WINDOWS[window].start(t):%Y-%m-%d %H:%M} .. {t:%Y-%m-%d %H:%M} UTC"
    if not len(cov):
        have = ", ".join(dict.fromkeys(candle_samples()["exchange"]))
        return ValueError(f"no embedded {exchange} candles cover the {window} window {span}: "
                          f"there are no embedded {exchange} candles at all; exchanges with "
                          f"embedded candles: {have}")
    spans = "; ".join(f"{r.name} {r.start:%Y-%m-%d}..{r.end:%Y-%m-%d} ({_tf(r.bar)})"
                      for r in cov.itertuples())
    return ValueError(f"no embedded {exchange} candles cover the {window} window {span}. "
                      f"Embedded {exchange} candles: {spans}. Try: {suggest(exchange, window)}")


def picture(window: str, end, exchange: str = "binance", params=None, store=None,
            symbol: str = "BTCUSDT", side: str = "both") -> Picture:
    """Load the embedded data (or ``store``'s) for the window, estimate it, and cut the heatmap
    to the candles' price range (with room for the levels either side)."""
    exchanges = None if exchange == ALL else [exchange]
    try:
        data = load_window(window, end, exchanges, source="samples" if store is None else "store",
                           store=store, symbol=symbol)
    except ValueError as exc:
        better = (_coverage_error(exchange, window, end)
                  if exchange != ALL and store is None else None)
        if better is None or "cover the" not in str(exc):
            raise
        raise better from exc
    where = "stored" if store is not None else "embedded"
    if exchange != ALL and exchange not in data.inputs:
        raise ValueError(f"no {where} {exchange} candles for this window; try --exchange "
                         f"{' or '.join(data.exchanges)}")
    result = estimate_window(data, params)
    res = result if exchange == ALL else result.by_exchange[exchange]
    candles = data.candles(None if exchange == ALL else exchange)
    hm = layout.crop_to_candles(res.heatmap, candles, data.start, data.end)
    names = ", ".join(f"{e} ({data.samples[e]})" for e in data.exchanges)
    who = f"{'+'.join(data.exchanges)} summed" if exchange == ALL else exchange
    sides = {"both": "long + short", "long": "long", "short": "short"}[side]
    title = (f"{who} BTC, {window} to {data.end:%Y-%m-%d %H:%M} UTC, {sides} liquidation levels. "
             f"{where.capitalize()} real candles: {names}; {'; '.join(data.notes + list(filter(None, [result.meta.get('grid_widened')])))}")
    if params is not None:
        base = ModelParams().to_dict()
        changed = {k: v for k, v in params.to_dict().items() if base[k] != v}
        if changed:
            title += "; model: " + ", ".join(f"{k}={v}" for k, v in changed.items())
    return Picture(data, result, hm, candles, title, exchange)


def standalone_html(obj, title: str, header: str = "") -> str:
    """A holoviews object as one HTML page with bokeh's JavaScript and CSS inline (no CDN);
    ``header``, a block of HTML, goes above it (a bokeh Div)."""
    import holoviews as hv
    from bokeh.embed import file_html
    from bokeh.layouts import column
    from bokeh.models import Div
    from bokeh.resources import Resources

    class _Offline(Resources):
        """Bokeh's JavaScript and CSS inline, and no external files: other libraries (panel)
        register extra scripts by relative or CDN URL, which would not load from a file."""

        @property
        def js_files(self) -> list[str]:
            return []

        @property
        def css_files(self) -> list[str]:
            return []

        def clone(self, *, components=None) -> "_Offline":
            return _Offline(mode="inline", components=components or list(self.components))

    model = hv.renderer("bokeh").get_plot(obj).state
    if header:
        model = column(Div(text=header, name="liqlab_header"), model)
    return file_html(model, _Offline(mode="inline"), title=title)


def run(args: argparse.Namespace) -> int:
    """Render the window to ``args.out``/liqlab_<exchange>_<window>_<side>_<end>.{html,png}
    (or, with ``--picture``, only a small PNG to that file)."""
    if args.out is None and args.picture is None:
        raise ValueError("say where to write: --out DIR (an HTML page and a PNG) or "
                         "--picture FILE.png (one small PNG)")
    if args.picture is not None and args.picture.suffix.lower() != ".png":
        raise ValueError(f"--picture writes a PNG: give a file name ending in .png, got {args.picture}")
    end = args.end or ("latest" if args.store else DEFAULT_END)
    pic = picture(args.window, end, args.exchange, store=args.store, symbol=args.symbol,
                  side=args.side, params=_options.params_from(args.param))
    head = pic.title.split(". ")[0]
    last = float(pic.candles["close"].iloc[-1])
    lo, hi = float(pic.candles["low"].min()), float(pic.candles["high"].max())
    summary = levels_summary(pic.heatmap, last, bands=args.bands, low=lo, high=hi, side=args.side)
    if args.picture is not None:
        args.picture.parent.mkdir(parents=True, exist_ok=True)
        _png(pic, args.side, summary, head, width_in=10.0).savefig(args.picture, dpi=100)
        print(pic.title)
        print(f"wrote {args.picture}")
        return 0
    import holoviews as hv

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stem = f"liqlab_{args.exchange}_{args.window}_{args.side}_{pic.data.end:%Y%m%dT%H%M}"
    hv.extension("bokeh", logo=False)
    page = layout.dashboard(pic.heatmap, pic.candles, oi=pic.oi, funding=pic.data.funding,
                            liquidations=pic.data.liquidations, side=args.side, dynamic=False,
                            title=head)
    header = layout.summary_html(summary, [pic.inputs] + ([pic.warning] if pic.warning else []),
                                 title=head)
    html = out / f"{stem}.html"
    html.write_text(standalone_html(page, pic.title, header), encoding="utf-8")
    png = out / f"{stem}.png"
    _png(pic, args.side, summary, head).savefig(png)
    print(pic.title)
    print(f"wrote {html}")
    print(f"wrote {png}")
    return 0


def _png(pic: Picture, side: str, summary, head: str, width_in: float = 13.0):
    values = heat.side_values(pic.heatmap, side)
    scale = ColourScale()
    clim = colour_range(values.values, scale)
    return static.figure(pic.candles, heat=values, clim=clim, gamma=scale.gamma,
                         scale_note=describe(scale, clim[1]), oi=pic.oi, title=head,
                         side=side, notes=[pic.inputs], warning=pic.warning, summary=summary,
                         units=scale.units, width_in=width_in)
