"""Colours and sizes shared by every view, declared once."""
from __future__ import annotations

import numpy as np
from bokeh.models import DatetimeTickFormatter, NumeralTickFormatter

#: candle colours: up green, down red
UP = "#26a69a"
DOWN = "#ef5350"
#: the last price line and realised-liquidation markers
LAST_PRICE = "#00bfff"
LIQ_LONG = "#ff00ff"   # a long was liquidated (forced sell)
LIQ_SHORT = "#00ffff"  # a short was liquidated (forced buy)
ROUND_LEVEL = "#9e9e9e"
BACKGROUND = "#000000"

WIDTH = 900
MAIN_HEIGHT = 420
PANEL_HEIGHT = 150
#: plot options every stacked panel shares, so their time axes line up
AXES = {"backend_opts": {"plot.min_border_left": 90, "plot.min_border_right": 30},
        "show_grid": True, "gridstyle": {"grid_line_alpha": 0.15}}


def ramp(n: int = 256, gamma: float = 1.0) -> list[str]:
    """The black-to-yellow palette, ``n`` colours, with ``gamma`` baked in.

    Colour ``i`` shows the value share ``f = i / (n - 1)`` of the colour range at intensity
    ``f ** gamma``; gamma below 1 lifts faint levels. Because the palette carries the gamma,
    the colour mapper stays linear and its colour bar reads in plain USD.
    """
    if n < 2:
        raise ValueError(f"a palette needs at least 2 colours, got n={n}")
    if not 0.05 <= gamma <= 5:
        raise ValueError(f"gamma must be between 0.05 and 5, got {gamma}")
    f = np.linspace(0.0, 1.0, n) ** gamma
    # black (0, 0, 0) -> yellow (255, 230, 0): red rises first, then green, through amber
    r = np.clip(f * 1.6, 0, 1) * 255
    g = np.clip((f - 0.15) / 0.85, 0, 1) * 230
    return [f"#{int(round(a)):02x}{int(round(b)):02x}00" for a, b in zip(r, g)]


def price_ticks() -> NumeralTickFormatter:
    """The tick labels of a price axis: whole dollars with thousands separators (121,500).

    A new bokeh model each call: a model belongs to one document, and every notebook output is
    a document of its own."""
    return NumeralTickFormatter(format="0,0")


def time_ticks() -> DatetimeTickFormatter:
    """The tick labels of a narrow time axis: 20:00, 00:00, ... with the day ("Oct 10") under the
    first tick and under each tick where the day changes (bokeh's own context, "Oct 09, 2025",
    is too wide for a panel of a multi-timeframe page: two of them overlapped). A new model each
    call, as :func:`price_ticks`."""
    return DatetimeTickFormatter(
        minutes="%H:%M", hourmin="%H:%M", hours="%H:%M", days="%b %d", months="%b %Y", years="%Y",
        context_which="all",
        context=DatetimeTickFormatter(minutes="%b %d", hourmin="%b %d", hours="%b %d",
                                      days="%Y", months="", years="", hide_repeats=True))
