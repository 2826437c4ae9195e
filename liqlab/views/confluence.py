"""Confluence views: round-number price levels, and an RSI panel with divergences marked."""
from __future__ import annotations

import holoviews as hv
import pandas as pd

from liqlab import indicators
from liqlab.views import style

__all__ = ["round_numbers", "rsi_panel", "divergence_lines"]

_BULL, _BEAR = "#00e676", "#ff1744"


def round_numbers(low: float, high: float, step: float = 1000.0, major: float = 5000.0) -> hv.Overlay:
    """Horizontal lines at every ``step`` USD in [low, high], stronger at every ``major``."""
    levels = indicators.round_levels(low, high, step)
    is_major = (levels % major) == 0 if major else levels < 0
    # named "price" so they share the price axis only (an unnamed "y" would link to other panels)
    minor = hv.HLines(levels[~is_major], kdims=["price"]).opts(color=style.ROUND_LEVEL, line_alpha=0.25,
                                                line_dash="dotted", line_width=1)
    big = hv.HLines(levels[is_major], kdims=["price"]).opts(color=style.ROUND_LEVEL, line_alpha=0.6,
                                            line_dash="dashed", line_width=1)
    return minor * big


def _naive(t) -> pd.DatetimeIndex:
    t = pd.DatetimeIndex(t)
    return t.tz_localize(None) if t.tz is not None else t


def divergence_lines(div: pd.DataFrame, on: str = "price") -> hv.Segments:
    """Divergences as segments joining their two pivots, on the price (``on='price'``) or the
    RSI panel (``on='rsi'``); green bullish, red bearish."""
    if on not in ("price", "rsi"):
        raise ValueError(f"on must be 'price' or 'rsi', got {on!r}")
    y0, y1 = (("price0", "price1") if on == "price" else ("rsi0", "rsi1"))
    frame = pd.DataFrame({"time": _naive(div["t0"]), on: div[y0].to_numpy(float),
                          "t1": _naive(div["t1"]), f"{on}_1": div[y1].to_numpy(float),
                          "kind": div["kind"].astype(str).to_numpy()})
    frame["color"] = frame["kind"].map({"bullish": _BULL, "bearish": _BEAR})
    return hv.Segments(frame, ["time", on, "t1", f"{on}_1"], ["kind", "color"]).opts(
        color="color", line_width=2)


def rsi_panel(candles: pd.DataFrame, period: int = 14, order: int = 5, max_bars: int = 60,
              height: int = style.PANEL_HEIGHT) -> hv.Overlay:
    """RSI with its 30 and 70 lines and the divergences (:func:`liqlab.indicators.divergences`)
    drawn between their pivots."""
    r = indicators.rsi(candles["close"], period)
    div = indicators.divergences(candles, r, period, order, max_bars)
    curve = hv.Curve(pd.DataFrame({"time": _naive(r.index), "rsi": r.to_numpy()}), "time",
                     hv.Dimension("rsi", label="RSI", range=(0, 100))).opts(color="#e0e0e0",
                                                                             line_width=1)
    bands = hv.HLines([30.0, 70.0], kdims=["rsi"]).opts(color=style.ROUND_LEVEL, line_dash="dashed", line_alpha=0.6)
    out = curve * bands * divergence_lines(div, on="rsi")   # the curve first: its time axis links
    return out.opts(hv.opts.Curve(height=height, ylabel=f"RSI {period}", bgcolor="#111111",
                                  tools=["hover"]))
