"""``liqlab render``: write a standalone HTML page (bokeh resources inline, so it opens
offline) and a PNG (matplotlib, no browser needed) of a window of the embedded real data,
and print their paths. ``make demo`` runs ``liqlab render --out out``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["add_arguments", "run", "DEFAULT_END", "DEFAULT_WINDOW", "EXCHANGES", "window_data", "standalone_html"]

#: the default picture: three days up to the end of the 2025-10-10 record liquidation cascade
DEFAULT_END = "2025-10-11T00:00Z"
DEFAULT_WINDOW = "3d"
#: exchanges with embedded 5-minute candles -> sample name
EXCHANGES = {"binance": "binance_btcusdt_5m", "bybit": "bybit_btcusdt_5m"}
_LONG_SAMPLE = "binance_btcusdt_1h"  # windows longer than two weeks use hourly bars
_SPANS = {"12h": "12h", "24h": "24h", "3d": "3D", "1w": "7D", "2w": "14D", "1m": "30D",
          "3m": "91D", "6m": "182D", "1y": "365D"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line flags of ``liqlab render``."""
    parser.add_argument("--out", required=True, type=Path, help="directory to write into (created)")
    parser.add_argument("--window", default=DEFAULT_WINDOW, choices=list(_SPANS),
                        help=f"how much history to show (default {DEFAULT_WINDOW})")
    parser.add_argument("--end", default=DEFAULT_END,
                        help=f"right edge of the window, UTC (default {DEFAULT_END}, just after "
                             "the 2025-10-10 cascade)")
    parser.add_argument("--exchange", default="binance", choices=list(EXCHANGES),
                        help="which exchange's embedded candles to draw (default binance)")


@dataclass
class WindowData:
    """The embedded frames for one window."""
    candles: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    sample: str


def window_data(window: str, end: str | pd.Timestamp, exchange: str) -> WindowData:
    """Candles of ``exchange`` for ``window`` up to ``end`` (exclusive), from the embedded sample."""
    import liqlab

    if window not in _SPANS:
        raise ValueError(f"unknown window {window!r}; choose one of {', '.join(_SPANS)}")
    if exchange not in EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; choose one of {', '.join(EXCHANGES)}")
    try:
        end_ts = pd.Timestamp(end)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--end {end!r} is not a time; use e.g. {DEFAULT_END}") from exc
    end_ts = end_ts.tz_localize("UTC") if end_ts.tz is None else end_ts.tz_convert("UTC")
    span = pd.Timedelta(_SPANS[window])
    sample = EXCHANGES[exchange]
    if span > pd.Timedelta("14D"):
        if exchange != "binance":
            raise ValueError(f"windows longer than 2w use hourly candles, embedded for binance only; "
                             f"use --exchange binance or a shorter --window")
        sample = _LONG_SAMPLE
    candles = liqlab.load_sample(sample)
    start = end_ts - span
    first, last = candles.index[0], candles.index[-1]
    if start < first or end_ts > last + pd.Timedelta(1, "ns") + (candles.index[1] - candles.index[0]):
        raise ValueError(f"the window {start:%Y-%m-%d %H:%M} .. {end_ts:%Y-%m-%d %H:%M} UTC is outside "
                         f"the embedded {sample} ({first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M}); "
                         "pick --end and --window inside it")
    sel = candles[(candles.index >= start) & (candles.index < end_ts)]
    sel.attrs = dict(candles.attrs)
    return WindowData(sel, start, end_ts, sample)


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

    from liqlab.views import layout, static

    data = window_data(args.window, args.end, args.exchange)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stem = f"liqlab_{args.exchange}_{args.window}_{data.end:%Y%m%dT%H%M}"
    title = (f"{args.exchange} BTCUSDT perpetual, {data.sample}: {args.window} to "
             f"{data.end:%Y-%m-%d %H:%M} UTC (embedded real data)")
    hv.extension("bokeh", logo=False)
    page = layout.candles_page(data.candles, title=title)
    html = out / f"{stem}.html"
    html.write_text(standalone_html(page, title), encoding="utf-8")
    fig = static.figure(data.candles, title=title)
    png = out / f"{stem}.png"
    fig.savefig(png)
    print(f"wrote {html}")
    print(f"wrote {png}")
    return 0
