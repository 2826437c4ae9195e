"""The flags of ``liqlab render`` (:mod:`liqlab.cli.render` draws): declared apart from the
drawing so that ``liqlab render --help`` and a usage error load no holoviews, bokeh or
matplotlib.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from liqlab.cli import _options
from liqlab.data.windows import WINDOWS
from liqlab.views.scale import BANDS

__all__ = ["add_arguments", "DEFAULT_END", "DEFAULT_WINDOW", "ALL"]

#: the default picture: three days up to the end of the 2025-10-10 record liquidation cascade
DEFAULT_END = "2025-10-11T00:00Z"
DEFAULT_WINDOW = "3d"
ALL = "all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line flags of ``liqlab render``."""
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="directory to write into (created); the files are named "
                             "liqlab_<exchange>_<window>_<side>_<end>.{html,png}")
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
    _options.add_params(parser)
    parser.add_argument("--bands", default=",".join(f"{b:g}" for b in BANDS), type=_bands,
                        metavar="PCT[,PCT...]",
                        help="the bands, percent either side of the last price, whose long and "
                             f"short liquidations are summed beside the chart (default "
                             f"{','.join(f'{b:g}' for b in BANDS)})")
    parser.add_argument("--picture", default=None, type=Path, metavar="FILE.png",
                        help="write only a small PNG (about 1000 px wide) to this file instead of "
                             "the HTML page and full-size PNG in --out (`make picture` writes the "
                             "README's docs/img/heatmap.png this way)")


def _bands(text: str) -> tuple[float, ...]:
    try:
        out = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        out = ()
    if not out or any(not 0 < b < 100 for b in out):
        raise argparse.ArgumentTypeError(f"expected percentages between 0 and 100 separated by "
                                         f"commas, e.g. 2,5; got {text!r}")
    return out
