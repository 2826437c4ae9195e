"""``liqlab render``: write a standalone HTML page (bokeh resources inline, so it opens
offline) and a PNG (matplotlib, no browser needed) of a window of the embedded real data,
and print their paths. ``make demo`` runs ``liqlab render --out out``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["add_arguments", "run", "DEFAULT_END", "DEFAULT_WINDOW", "picture", "Picture",
           "standalone_html"]

#: the default picture: three days up to the end of the 2025-10-10 record liquidation cascade
DEFAULT_END = "2025-10-11T00:00Z"
DEFAULT_WINDOW = "3d"
ALL = "all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line flags of ``liqlab render``."""
    from liqlab.data.windows import WINDOWS

    parser.add_argument("--out", required=True, type=Path, help="directory to write into (created)")
    parser.add_argument("--window", default=DEFAULT_WINDOW, choices=list(WINDOWS),
                        help=f"how much history to show (default {DEFAULT_WINDOW})")
    parser.add_argument("--end", default=None,
                        help=f"right edge of the window, UTC (default {DEFAULT_END}, just after "
                             "the 2025-10-10 cascade; with --store, 'latest')")
    parser.add_argument("--exchange", default="binance",
                        help="an exchange with embedded candles for the window (binance, bybit, "
                             f"okx, ...) or '{ALL}' for all of them summed (default binance)")
    parser.add_argument("--side", default="both", choices=["both", "long", "short"],
                        help="which positions' liquidation levels to shade (default both)")
    parser.add_argument("--store", default=None,
                        help="draw this local store (what liqlab fetch wrote) instead of the "
                             "embedded data; --end latest ends at its newest candle")
    parser.add_argument("--symbol", default="BTCUSDT", help="with --store: the symbol (default BTCUSDT)")


@dataclass
class Picture:
    """What one render draws: the window's data, its estimate, and the heatmap cut to view."""
    data: "object"
    result: "object"
    heatmap: "object"
    candles: pd.DataFrame
    title: str


def picture(window: str, end, exchange: str = "binance", params=None, store=None,
            symbol: str = "BTCUSDT") -> Picture:
    """Load the embedded data (or ``store``'s) for the window, estimate it, and cut the heatmap
    to the candles' price range (with room for the levels either side)."""
    from liqlab.views import layout, sources

    exchanges = None if exchange == ALL else [exchange]
    if store is not None:
        from liqlab.views.store_source import load_store_window
        data = load_store_window(window, end, store, symbol, exchanges)
    else:
        data = sources.load_window(window, end, exchanges)
    where = "stored" if store is not None else "embedded"
    if exchange != ALL and exchange not in data.inputs:
        raise ValueError(f"no {where} {exchange} candles for this window; try --exchange "
                         f"{' or '.join(data.exchanges)}")
    result = sources.estimate_window(data, params)
    res = result if exchange == ALL else result.by_exchange[exchange]
    candles = data.candles(None if exchange == ALL else exchange)
    hm = layout.crop_to_candles(res.heatmap, candles, data.start, data.end)
    names = ", ".join(f"{e} ({data.samples[e]})" for e in data.exchanges)
    who = f"{'+'.join(data.exchanges)} summed" if exchange == ALL else exchange
    title = (f"{who} BTC, {window} to {data.end:%Y-%m-%d %H:%M} UTC. "
             f"{where.capitalize()} real candles: {names}; {'; '.join(data.notes + list(filter(None, [result.meta.get('grid_widened')])))}")
    return Picture(data, result, hm, candles, title)


def standalone_html(obj, title: str) -> str:
    """A holoviews object as one HTML page with bokeh's JavaScript and CSS inline (no CDN)."""
    import holoviews as hv
    from bokeh.embed import file_html
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
    return file_html(model, _Offline(mode="inline"), title=title)


def run(args: argparse.Namespace) -> int:
    """Render the window to ``args.out``/liqlab_<exchange>_<window>_<end>.{html,png}."""
    import holoviews as hv

    from liqlab.views import heatmap as heat, layout, static
    from liqlab.views.scale import ColourScale, colour_range, describe

    end = args.end or ("latest" if args.store else DEFAULT_END)
    pic = picture(args.window, end, args.exchange, store=args.store, symbol=args.symbol)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stem = f"liqlab_{args.exchange}_{args.window}_{pic.data.end:%Y%m%dT%H%M}"
    hv.extension("bokeh", logo=False)
    head = pic.title.split(". ")[0]
    page = layout.dashboard(pic.heatmap, pic.candles, oi=pic.data.oi, funding=pic.data.funding,
                            liquidations=pic.data.liquidations, side=args.side, dynamic=False,
                            title=head)
    html = out / f"{stem}.html"
    html.write_text(standalone_html(page, pic.title), encoding="utf-8")
    values = heat.side_values(pic.heatmap, args.side)
    scale = ColourScale()
    clim = colour_range(values.values, scale)
    fig = static.figure(pic.candles, heat=values, clim=clim, gamma=scale.gamma,
                        scale_note=describe(scale, clim[1]), oi=pic.data.oi, title=head)
    png = out / f"{stem}.png"
    fig.savefig(png)
    print(pic.title)
    print(f"wrote {html}")
    print(f"wrote {png}")
    return 0
