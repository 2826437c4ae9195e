"""Price and market panels: candles, volume, open interest, funding, the last price, and
realised liquidations. Each function takes a canonical frame (see :mod:`liqlab.data.schema`) and
returns a holoviews element; panels built here share the ``time`` axis when laid out together.
"""
from __future__ import annotations

import holoviews as hv
import numpy as np
from bokeh.models import NumeralTickFormatter
import pandas as pd

from liqlab.data import schema
from liqlab.views import style

__all__ = ["candles", "volume", "open_interest", "oi_title", "funding", "last_price", "liquidations",
           "bar_width", "resample_candles"]

_OHLC = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


def bar_width(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The bar size of a candle index: the most common step between timestamps."""
    if len(index) < 2:
        return pd.Timedelta(minutes=1)
    steps = (index[1:] - index[:-1]).value_counts()
    return pd.Timedelta(steps.index[0])


def resample_candles(df: pd.DataFrame, max_bars: int = 600) -> pd.DataFrame:
    """Candles merged into coarser bars so that at most ``max_bars`` are drawn.

    Bars are merged in whole multiples of the source bar size, aligned to the epoch, so each
    merged bar only uses the source bars inside it (open = first open, high = max, low = min,
    close = last close, volume = sum). Returns ``df`` itself when it is short enough.
    """
    if max_bars < 10:
        raise ValueError(f"max_bars must be at least 10, got {max_bars}")
    if len(df) <= max_bars:
        return df
    step = bar_width(df.index)
    span = df.index[-1] - df.index[0] + step
    k = int(np.ceil(span / step / max_bars))
    rule = step * k
    agg = {c: f for c, f in _OHLC.items() if c in df.columns}
    out = df[list(agg)].resample(rule, origin="epoch", label="left", closed="left").agg(agg)
    out = out.dropna(subset=["open"])
    out.attrs = dict(df.attrs, timeframe=f"{int(rule.total_seconds() // 60)}m")
    out.index.name = "time"
    return out


def candles(df: pd.DataFrame, max_bars: int = 600, label: str | None = None) -> hv.Overlay:
    """Candlesticks: bodies from open to close (up green, down red), wicks from low to high.

    ``df`` is a canonical candles (or mark) frame; long frames are merged into at most
    ``max_bars`` bars first (see :func:`resample_candles`).
    """
    schema.validate(df, schema.infer_kind(df), "candles")
    df = resample_candles(df, max_bars)
    w = bar_width(df.index) * 0.7
    t = df.index.tz_localize(None)
    o, h, lo, c = (df[k].to_numpy(float) for k in ("open", "high", "low", "close"))
    up = c >= o
    # x0 of every rectangle is the dimension "time", so all panels share one time axis
    frame = pd.DataFrame({"bar": t, "open": o, "high": h, "low": lo, "close": c,
                          "color": np.where(up, style.UP, style.DOWN), "time": t - w / 2,
                          "t1": t + w / 2, "body_lo": np.minimum(o, c), "body_hi": np.maximum(o, c)})
    # doji bodies get a minimal height so they stay visible
    tiny = (frame.body_hi - frame.body_lo) < 1e-9
    frame.loc[tiny, "body_hi"] = frame.loc[tiny, "body_lo"] * (1 + 2e-5)
    wicks = hv.Segments(frame, ["bar", "low", "bar", "high"], ["color"])
    wicks = wicks.opts(color="color", line_width=1)
    bodies = hv.Rectangles(frame, ["time", "body_lo", "t1", "body_hi"],
                           ["color", "open", "high", "low", "close", "bar"])
    bodies = bodies.opts(color="color", line_color="color", tools=["hover"],
                         hover_tooltips=[("time", "@bar{%F %H:%M}"), ("open", "@open{0,0.0}"),
                                         ("high", "@high{0,0.0}"), ("low", "@low{0,0.0}"),
                                         ("close", "@close{0,0.0}")],
                         hover_formatters={"@bar": "datetime"})
    if label:  # the legend names the bodies (the wicks would repeat the entry)
        bodies = bodies.relabel(label)
    return (bodies * wicks).relabel(label or "")


def volume(df: pd.DataFrame, max_bars: int = 600, height: int = style.PANEL_HEIGHT) -> hv.Rectangles:
    """Volume bars in base units (BTC), coloured like their candle."""
    schema.validate(df, "candles", "candles")
    df = resample_candles(df, max_bars)
    w = bar_width(df.index) * 0.7
    t = df.index.tz_localize(None)
    up = df["close"].to_numpy() >= df["open"].to_numpy()
    frame = pd.DataFrame({"time": t - w / 2, "zero": 0.0, "t1": t + w / 2,
                          "volume": df["volume"].to_numpy(float),
                          "color": np.where(up, style.UP, style.DOWN)})
    rects = hv.Rectangles(frame, ["time", "zero", "t1", "volume"], ["color"])
    return rects.opts(color="color", line_alpha=0,
                      height=height, ylabel="volume (BTC)", xlabel="time (UTC)",
                      yformatter=NumeralTickFormatter(format="0.[0]a"))


def oi_title(oi: pd.DataFrame | pd.Series, label: str | None = None) -> str:
    """The open-interest panel's title: ``OI (USD)`` and whose open interest it is, from
    ``label`` or ``oi.attrs['label']`` (what :meth:`liqlab.data.WindowData.oi_for` sets, e.g.
    "Hyperliquid proxy x 0.62 by volume share")."""
    label = label if label is not None else oi.attrs.get("label")
    return f"OI (USD): {label}" if label else "OI (USD)"


def open_interest(oi: pd.DataFrame | pd.Series, height: int = style.PANEL_HEIGHT,
                  label: str | None = None) -> hv.Curve:
    """Open interest in USD as a step line (a value holds from its timestamp on), titled with
    whose open interest it is (:func:`oi_title`)."""
    s = oi["oi_usd"] if isinstance(oi, pd.DataFrame) else oi
    if not isinstance(s.index, pd.DatetimeIndex) or s.index.tz is None:
        raise ValueError("open interest must be indexed by a UTC DatetimeIndex named 'time'")
    frame = pd.DataFrame({"time": s.index.tz_localize(None), "oi_usd": s.to_numpy(float)})
    return hv.Curve(frame, "time", "oi_usd").opts(
        interpolation="steps-post", color="#ffa726", height=height, ylabel="OI (USD)",
        title=oi_title(oi, label), fontsize={"title": "9pt"},
        yformatter=NumeralTickFormatter(format="$0.[00]a"), tools=["hover"])


def funding(df: pd.DataFrame, height: int = style.PANEL_HEIGHT) -> hv.Spikes:
    """Funding rate per period, in percent, as spikes (positive: longs pay shorts)."""
    schema.validate(df, "funding", "funding")
    frame = pd.DataFrame({"time": df.index.tz_localize(None),
                          "rate_pct": df["rate"].to_numpy(float) * 100})
    return hv.Spikes(frame, "time", "rate_pct").opts(
        color="#ab47bc", height=height, ylabel="funding (%)", line_width=2, tools=["hover"],
        yformatter=NumeralTickFormatter(format="0.000[0]"))  # 0.0040, not 4.000e-3


def last_price(df: pd.DataFrame) -> hv.HLine:
    """A horizontal line at the last close."""
    if len(df) == 0:
        raise ValueError("no candles: cannot draw the last price")
    return hv.HLine(float(df["close"].iloc[-1])).opts(color=style.LAST_PRICE, line_dash="dashed",
                                                       line_width=1)


def liquidations(df: pd.DataFrame, size_scale: float = 1.0) -> hv.Points:
    """Realised liquidations as markers at (time, price); size grows with USD notional
    (square root), magenta where a long was liquidated, cyan where a short was."""
    schema.validate(df, "liquidations", "liquidations")
    usd = df["usd"].to_numpy(float)
    size = 4 + 14 * np.sqrt(usd / usd.max()) * size_scale if len(df) else np.array([])
    frame = pd.DataFrame({"time": df.index.tz_localize(None), "price": df["price"].to_numpy(float),
                          "usd": usd, "side": df["side"].astype(str).to_numpy(), "size": size})
    frame["color"] = np.where(frame["side"] == "long", style.LIQ_LONG, style.LIQ_SHORT)
    return hv.Points(frame, ["time", "price"], ["usd", "side", "size", "color"]).opts(
        color="color", size="size",
        marker="circle", fill_alpha=0.6, line_color="white", line_width=0.5, tools=["hover"],
        hover_tooltips=[("time", "@time{%F %H:%M:%S}"), ("price", "@price{0,0.0}"),
                        ("side", "@side"), ("USD", "@usd{0,0}")],
        hover_formatters={"@time": "datetime"})
