"""Static pictures with matplotlib, for PNG files written without a browser.

The same views as the interactive ones (heatmap black to yellow with candles over it, volume
and open interest below), drawn by matplotlib so that ``liqlab render`` needs only Python.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from liqlab.views import style  # noqa: E402
from liqlab.views.heatmap import column_times  # noqa: E402
from liqlab.views.panels import bar_width, oi_title, resample_candles  # noqa: E402

__all__ = ["figure"]


def _naive(index: pd.DatetimeIndex) -> np.ndarray:
    return mdates.date2num(index.tz_localize(None).to_pydatetime())


def _draw_candles(ax, df: pd.DataFrame) -> None:
    x = _naive(df.index)
    w = bar_width(df.index) / pd.Timedelta(days=1) * 0.7
    o, h, lo, c = (df[k].to_numpy(float) for k in ("open", "high", "low", "close"))
    colors = np.where(c >= o, style.UP, style.DOWN)
    ax.vlines(x, lo, h, colors=colors, linewidth=0.6, zorder=3)
    ax.bar(x, np.maximum(np.abs(c - o), 1e-9 + np.abs(c) * 2e-5), bottom=np.minimum(o, c),
           width=w, color=colors, zorder=4, linewidth=0)


def figure(candles: pd.DataFrame, heat: xr.DataArray | None = None, clim: tuple[float, float] | None = None,
           gamma: float = 1.0, scale_note: str = "", oi: pd.Series | None = None,
           title: str = "", max_bars: int = 240) -> Figure:
    """A figure with the heatmap ``heat`` (dims time, price; USD) shaded black to yellow on
    ``clim`` with ``gamma``, candles over it, the last price, and volume (and open interest
    when given) below. ``heat=None`` draws the candles alone."""
    panels = 2 + (oi is not None)
    fig = Figure(figsize=(12, 4.2 + 1.4 * (panels - 1)), dpi=110, facecolor="white")
    ratios = [4] + [1] * (panels - 1)
    axes = fig.subplots(panels, 1, sharex=True, gridspec_kw={"height_ratios": ratios, "hspace": 0.05})
    ax = axes[0]
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
        cb = fig.colorbar(mesh, ax=axes.tolist(), fraction=0.025, pad=0.01)
        cb.set_label("USD per price bin" + (f"  ({scale_note})" if scale_note else ""))
        cb.formatter = matplotlib.ticker.FuncFormatter(lambda v, _: _usd(v))
        cb.update_ticks()
    _draw_candles(ax, shown)
    last = float(candles["close"].iloc[-1])
    ax.axhline(last, color=style.LAST_PRICE, linestyle="--", linewidth=0.8, zorder=5)
    lo_p, hi_p = float(shown["low"].min()), float(shown["high"].max())
    pad = (hi_p - lo_p) * 0.08
    ax.set_ylim(lo_p - pad, hi_p + pad)
    ax.set_ylabel("price (USD)")
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(alpha=0.15)
    vx = _naive(shown.index)
    w = bar_width(shown.index) / pd.Timedelta(days=1) * 0.9
    colors = np.where(shown["close"].to_numpy() >= shown["open"].to_numpy(), style.UP, style.DOWN)
    axes[1].bar(vx, shown["volume"].to_numpy(float), width=w, color=colors, linewidth=0)
    axes[1].set_ylabel("volume (BTC)")
    if oi is not None:
        oi = oi.loc[candles.index[0]:candles.index[-1]]
        axes[2].step(_naive(oi.index), oi.to_numpy(float), where="post", color="#ffa726")
        axes[2].set_ylabel("OI (USD)")
        lo_oi, hi_oi = axes[2].get_ylim()   # head room: the label sits above the line
        axes[2].set_ylim(lo_oi, hi_oi + 0.45 * (hi_oi - lo_oi))
        axes[2].text(0.005, 0.94, oi_title(oi), transform=axes[2].transAxes, va="top", fontsize=8,
                     bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0, "pad": 1.5})
        axes[2].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _usd(v)))
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes[-1].xaxis.get_major_locator()))
    axes[-1].set_xlabel("time (UTC)")
    axes[0].set_xlim(_naive(candles.index[:1])[0], _naive(candles.index[-1:])[0]
                     + bar_width(candles.index) / pd.Timedelta(days=1))
    return fig


def _usd(v: float) -> str:
    a = abs(v)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"${v / div:.3g}{unit}"
    return f"${v:.0f}"
