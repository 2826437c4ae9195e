"""Static pictures with matplotlib, for PNG files written without a browser.

The same views as the interactive ones (heatmap black to yellow with candles over it, volume
and open interest below), drawn by matplotlib so that ``liqlab render`` needs only Python.
Beside the chart: the last price as a tag on the price axis, the liquidations within a few
percent of it, the largest levels (:mod:`~liqlab.views.summary`) and a legend.
"""
from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, StrMethodFormatter  # noqa: E402

from liqlab.views import style  # noqa: E402
from liqlab.views.heatmap import column_times  # noqa: E402
from liqlab.views.panels import bar_width, oi_title, resample_candles  # noqa: E402
from liqlab.views.scale import short_number, usd  # noqa: E402
from liqlab.views.summary import LevelSummary  # noqa: E402

__all__ = ["figure", "time_ticks"]

_SIDE_WORDS = {"both": "long + short", "long": "long", "short": "short"}
#: tick steps tried for the time axis, finest first: (kind, size)
_STEPS = ([("hour", h) for h in (1, 2, 3, 4, 6, 12)] + [("day", d) for d in (1, 2)]
          + [("week", 1), ("half-month", 1)] + [("month", m) for m in (1, 2, 3, 6)])


def _naive(index: pd.DatetimeIndex) -> np.ndarray:
    return mdates.date2num(index.tz_localize(None).to_pydatetime())


def _ticks_for(kind: str, size: int, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    if kind == "hour":
        t = pd.date_range(start.ceil("h"), end, freq="h")
        return t[t.hour % size == 0]
    if kind == "day":
        t = pd.date_range(start.ceil("D"), end, freq="D")
        return t[(t - pd.Timestamp(0)).days % size == 0]   # every size-th day since the epoch
    if kind in ("week", "half-month"):
        days = (1, 8, 15, 22) if kind == "week" else (1, 15)
        t = pd.date_range(start.ceil("D"), end, freq="D")
        return t[t.day.isin(days)]
    t = pd.date_range(start.normalize() + pd.offsets.MonthBegin(0), end, freq="MS")
    return t[(t.month - 1) % size == 0]


def time_ticks(start, end, max_ticks: int = 9) -> tuple[pd.DatetimeIndex, list[str]]:
    """Tick times (UTC, naive) and their labels for a time axis from ``start`` to ``end``.

    Ticks fall on whole hours, days, weeks (the 1st, 8th, 15th, 22nd) or months, the finest
    step giving at most ``max_ticks``. Labels: '18:00' for hourly ticks (the date, 'Oct 10',
    at midnight), 'Oct 04' for daily and weekly ticks, 'Nov 2024' for monthly ticks, so that
    every window names its month.
    """
    s, e = (pd.Timestamp(x) for x in (start, end))
    s = s.tz_convert("UTC").tz_localize(None) if s.tz is not None else s
    e = e.tz_convert("UTC").tz_localize(None) if e.tz is not None else e
    if not e > s:
        raise ValueError(f"a time axis needs end > start, got {s} .. {e}")
    for kind, size in _STEPS:
        t = _ticks_for(kind, size, s, e)
        if 2 <= len(t) <= max_ticks or (kind, size) == _STEPS[-1]:
            break
    if kind == "hour":
        labels = [f"{x:%b %d}" if x.hour == 0 else f"{x:%H:%M}" for x in t]
    elif kind == "month":
        labels = [f"{x:%b %Y}" for x in t]
    else:
        labels = [f"{x:%b %d}" for x in t]
    return t, labels


def _draw_candles(ax, df: pd.DataFrame) -> None:
    x = _naive(df.index)
    w = bar_width(df.index) / pd.Timedelta(days=1) * 0.7
    o, h, lo, c = (df[k].to_numpy(float) for k in ("open", "high", "low", "close"))
    colors = np.where(c >= o, style.UP, style.DOWN)
    ax.vlines(x, lo, h, colors=colors, linewidth=0.6, zorder=3)
    ax.bar(x, np.maximum(np.abs(c - o), 1e-9 + np.abs(c) * 2e-5), bottom=np.minimum(o, c),
           width=w, color=colors, zorder=4, linewidth=0)


def _summary_text(summary: LevelSummary) -> str:
    lines = [f"last price {summary.price:,.0f}", "", "liquidations near it",
             f"{'':<10}{'longs':>8}{'shorts':>8}", f"{'':<10}{'below':>8}{'above':>8}"]
    for r in summary.bands.itertuples():
        lines.append(f"{f'within {r.pct:g}%':<10}{usd(r.long_usd):>8}{usd(r.short_usd):>8}")
    lines += ["", f"top levels at {summary.time:%m-%d %H:%M}",
              f"{'price':>7} {'side':<5} {'USD':>7} {'dist':>6}"]
    for r in summary.top.itertuples():
        lines.append(f"{r.price:>7,.0f} {r.side:<5} {usd(r.usd):>7} {r.distance_pct:>+5.1f}%")
    if not len(summary.top):
        lines.append("(no levels in view)")
    return "\n".join(lines)


def figure(candles: pd.DataFrame, heat: xr.DataArray | None = None, clim: tuple[float, float] | None = None,
           gamma: float = 1.0, scale_note: str = "", oi: pd.Series | None = None,
           title: str = "", max_bars: int = 240, *, side: str = "both", notes: list[str] | None = None,
           warning: str = "", summary: LevelSummary | None = None, units: str = "USD per price bin",
           width_in: float = 13.0) -> Figure:
    """A figure with the heatmap ``heat`` (dims time, price; USD) shaded black to yellow on
    ``clim`` with ``gamma``, candles over it, the last price as a tag on the price axis, and
    volume (and open interest when given) below. ``heat=None`` draws the candles alone.

    ``side`` names the positions shaded (legend); ``notes`` are lines under the title (inputs,
    scale); ``warning`` is a highlighted line (e.g. a window drawn with another model);
    ``summary`` (:func:`liqlab.views.summary.levels_summary`) fills the table beside the chart.
    """
    panels = 2 + (oi is not None)
    rows = [4] + [1] * (panels - 1)
    height = 4.6 + 1.4 * (panels - 1) + 0.22 * (len(notes or []) + bool(warning))
    fig = Figure(figsize=(width_in, height), dpi=110, facecolor="white", layout="constrained")
    gs = fig.add_gridspec(panels, 3, width_ratios=[10, 0.22, 3.0], height_ratios=rows)
    ax = fig.add_subplot(gs[0, 0])
    axes = [ax] + [fig.add_subplot(gs[i, 0], sharex=ax) for i in range(1, panels)]
    shown = resample_candles(candles, max_bars)
    if heat is not None:
        x = mdates.date2num(column_times(heat).to_pydatetime())
        dx = np.diff(x).min() if len(x) > 1 else 1 / 24
        x_edges = np.append(x, x[-1] + dx)
        p = heat["price"].values.astype(float)
        dp = np.diff(p)
        p_edges = np.concatenate([[p[0] - dp[0] / 2], p[:-1] + dp / 2, [p[-1] + dp[-1] / 2]])
        vals = np.asarray(heat.transpose("price", "time").values, float)
        lo, hi = clim if clim is not None else (0.0, float(np.nanmax(vals)) or 1.0)
        cmap = ListedColormap(style.ramp(256, gamma), name="liqlab")
        ax.set_facecolor(style.BACKGROUND)
        mesh = ax.pcolormesh(x_edges, p_edges, vals, cmap=cmap, vmin=lo, vmax=hi, shading="flat",
                             rasterized=True, zorder=1)
        cb = fig.colorbar(mesh, cax=fig.add_subplot(gs[0, 1]))
        cb.set_label(units)
        cb.formatter = FuncFormatter(lambda v, _: usd(v))
        cb.update_ticks()
    _draw_candles(ax, shown)
    last = float(candles["close"].iloc[-1])
    ax.axhline(last, color=style.LAST_PRICE, linestyle="--", linewidth=0.8, zorder=5)
    lo_p, hi_p = float(shown["low"].min()), float(shown["high"].max())
    pad = (hi_p - lo_p) * 0.08
    ax.set_ylim(lo_p - pad, hi_p + pad)
    # the last price as a tag on the price axis (right, where a trading chart has it)
    ax.annotate(f"{last:,.0f}", xy=(1.0, last), xycoords=ax.get_yaxis_transform(),
                xytext=(3, 0), textcoords="offset points", va="center", ha="left", fontsize=8.5,
                fontweight="bold", color="black", zorder=6, annotation_clip=False,
                bbox=dict(boxstyle="square,pad=0.25", fc=style.LAST_PRICE, ec="none"))
    ax.set_ylabel("price (USD)")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", parse_math=False)
    sub = list(notes or []) + ([scale_note] if scale_note else [])
    head = "\n".join(sub)
    if warning:   # on the chart itself, where it cannot be missed
        ax.text(0.5, 0.985, textwrap.fill(warning, 110), transform=ax.transAxes, ha="center",
                va="top", fontsize=8.5, color="white", fontweight="bold", zorder=7,
                parse_math=False, bbox=dict(boxstyle="round,pad=0.3", fc="#c62828", ec="none",
                                            alpha=0.9))
    ax.set_title(head, loc="left", fontsize=8, color="#333333", parse_math=False)
    ax.grid(alpha=0.15)
    vx = _naive(shown.index)
    w = bar_width(shown.index) / pd.Timedelta(days=1) * 0.9
    colors = np.where(shown["close"].to_numpy() >= shown["open"].to_numpy(), style.UP, style.DOWN)
    axes[1].bar(vx, shown["volume"].to_numpy(float), width=w, color=colors, linewidth=0)
    axes[1].set_ylabel("volume (BTC)")
    axes[1].yaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    if oi is not None:
        oi = oi.loc[candles.index[0]:candles.index[-1]]
        axes[2].step(_naive(oi.index), oi.to_numpy(float), where="post", color="#ffa726")
        axes[2].set_ylabel("OI (USD)")
        lo_oi, hi_oi = axes[2].get_ylim()   # head room: the label sits above the line
        axes[2].set_ylim(lo_oi, hi_oi + 0.45 * (hi_oi - lo_oi))
        axes[2].text(0.005, 0.94, oi_title(oi), transform=axes[2].transAxes, va="top", fontsize=8,
                     bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0, "pad": 1.5})
        axes[2].yaxis.set_major_formatter(FuncFormatter(lambda v, _: usd(v)))
    for a in axes:
        a.yaxis.tick_right()
        a.yaxis.set_label_position("right")
        a.grid(alpha=0.15)
        if a is not axes[-1]:
            a.tick_params(labelbottom=False)
    t0 = candles.index[0]
    t1 = candles.index[-1] + bar_width(candles.index)
    ticks, labels = time_ticks(t0, t1)
    axes[-1].set_xticks(mdates.date2num(ticks.to_pydatetime()), labels)
    axes[-1].set_xlabel(f"time (UTC), {t0:%Y-%m-%d %H:%M} .. {t1:%Y-%m-%d %H:%M}")
    ax.set_xlim(_naive(pd.DatetimeIndex([t0]))[0], _naive(pd.DatetimeIndex([t1]))[0])
    side_ax = fig.add_subplot(gs[:, 2])
    side_ax.axis("off")
    if summary is not None:
        side_ax.text(0.0, 1.0, _summary_text(summary), va="top", ha="left", family="monospace",
                     fontsize=8, transform=side_ax.transAxes, parse_math=False)
    handles = [Patch(color=style.UP, label="candle, close >= open"),
               Patch(color=style.DOWN, label="candle, close < open"),
               Line2D([], [], color=style.LAST_PRICE, linestyle="--", label=f"last price {last:,.0f}")]
    if heat is not None:
        handles.append(Patch(color=style.ramp(5, gamma)[3],
                             label=f"estimated {_SIDE_WORDS.get(side, side)}\nliquidation levels"))
    if oi is not None:
        handles.append(Line2D([], [], color="#ffa726", label="open interest"))
    side_ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False, title="legend",
                   title_fontsize=8, alignment="left")
    return fig
