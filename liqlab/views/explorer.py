"""The explorer: the heatmap page with a widget for every model parameter (generated from
``ModelParams.spec()``), a window (timeframe) selector, an exchange filter, a window-end picker
with cascade shortcuts, and layer toggles. A change re-estimates (or, for view-only controls,
only re-renders) and redraws the charts in place, debounced, without re-running any cell.

In a notebook::

    from liqlab.views.explorer import Explorer
    ex = Explorer()          # 3 days to 2025-10-11 00:00 UTC, all exchanges with data
    ex                       # controls above, charts below
    Explorer(store="data", end="latest")   # your local store instead; "reload" reads it again

The charts are holoviews DynamicMaps fed by two streams: every change bumps the first (the
heatmap, its candle overlay, the side profile); a change of data or view also bumps the second
(the volume and RSI panels, which do not depend on the model). The same bokeh plots update in
place, and datashader re-aggregates on zoom and pan.
"""
from __future__ import annotations

import asyncio
import time

import holoviews as hv
import ipywidgets as w
import numpy as np
import pandas as pd

from liqlab.data.load import AGGREGATE, CASCADES, load_window
from liqlab.pipeline import estimate_window
from liqlab.views import confluence, layout, panels, style, widgets
from liqlab.views import heatmap as heat
from liqlab.views.profile import profile as side_profile
from liqlab.views.scale import ColourScale

__all__ = ["Explorer"]

_VIEW_ONLY = ("side", "tiers", "scale", "clip", "gamma", "usd_max", "layers", "exchange")


class Explorer:
    """Interactive heatmap explorer. ``window`` is a name of :data:`liqlab.WINDOWS`, ``end`` the
    window's right edge (UTC), ``exchange`` one exchange or :data:`liqlab.data.AGGREGATE`.

    ``store`` (a :class:`liqlab.Store` or its folder) draws the local store instead of the
    embedded data (:func:`liqlab.data.load_window`, ``symbol`` in any
    spelling); ``end='latest'`` then follows the newest stored candle, the "reload" button reads
    the store again, and "auto-reload" does so every few minutes while the kernel runs."""

    def __init__(self, window: str = "3d", end=None, exchange: str = AGGREGATE,
                 params=None, debounce: float = 0.3, width: int = style.WIDTH, store=None,
                 symbol: str = "BTCUSDT", reload_minutes: int = 5):
        import liqlab
        from liqlab.data.windows import WINDOWS

        self.store = None if store is None else (store if isinstance(store, liqlab.Store)
                                                 else liqlab.Store(store))
        self.symbol = symbol
        end = end if end is not None else ("latest" if self.store is not None else "2025-10-11T00:00Z")
        self._auto_task = None
        self.params = params or liqlab.ModelParams()
        self.debounce = debounce
        self.width = width
        self._pending = None
        self._version = hv.streams.Stream.define("Version", version=0)()   # every redraw
        # the candle panels (volume, RSI) do not depend on the model: a model slider
        # leaves them alone (the RSI with its divergences alone costs a third of a second)
        self._market = hv.streams.Stream.define("Market", version=0)()
        # the heatmap's zoom/pan streams (one per view()): datashader aggregates over their range,
        # which the plot sets to the first window's; reset when the window moves
        self._ranges: list[hv.streams.RangeXY] = []
        self._moved = False
        self.timings: dict[str, float] = {}
        # -- controls -----------------------------------------------------------------------
        self.param_widgets = widgets.param_widgets(self.params)
        self.window = w.Dropdown(options=list(WINDOWS), value=window, description="window")
        self.end = w.Text(value=str(end), description="window end", continuous_update=False,
                          tooltip="right edge of the window, UTC, e.g. 2025-10-11T00:00Z")
        self.jump = w.Dropdown(options=["(jump to a cascade)"] + list(CASCADES),
                               description="jump to", layout=w.Layout(width="380px"))
        self.back = w.Button(description="◀ one window", tooltip="move the window back by its length")
        self.fwd = w.Button(description="one window ▶", tooltip="move the window forward")
        self.exchange = w.Dropdown(description="exchange")
        self.side = w.ToggleButtons(options=list(heat.SIDES), value="both", description="side")
        self.tiers = w.SelectMultiple(description="tiers", rows=5,
                                      tooltip="leverage tiers to show (no re-estimate)")
        self.scale = w.ToggleButtons(options=["relative", "absolute"], value="relative",
                                     description="scale")
        self.clip = w.FloatSlider(value=99.5, min=90, max=100, step=0.1, description="clip pct",
                                  continuous_update=False)
        self.gamma = w.FloatSlider(value=1.5, min=0.2, max=4, step=0.1, description="gamma",
                                   continuous_update=False)
        self.usd_max = w.FloatText(value=0.0, description="abs. max $",
                                   tooltip="top of the absolute scale, USD per bin (fixed)")
        self.layers = w.SelectMultiple(options=["candles", "round levels", "liquidations", "profile"],
                                       value=("candles", "round levels", "liquidations", "profile"),
                                       description="layers", rows=4)
        self.fit_max = w.Button(description="fit abs. max", tooltip="set the absolute scale's top to "
                                "the 99.9th percentile of what is shown now (then it stays fixed)")
        self.status = w.HTML()
        self.reload = w.Button(description="reload", icon="refresh",
                               tooltip="read the window again from the store (rows that liqlab fetch "
                                       "or liqlab record added since)")
        self.auto = w.Checkbox(value=False, description="auto-reload", indent=False)
        self.every = w.BoundedIntText(value=reload_minutes, min=1, max=1440, description="every (min)",
                                      layout=w.Layout(width="160px"))
        # -- data and first estimate --------------------------------------------------------
        self._load(window, end)
        self.exchange.options = [AGGREGATE] + self.data.exchanges
        self.exchange.value = exchange if exchange in self.exchange.options else AGGREGATE
        self._estimate()
        self.fit()
        # -- wiring -------------------------------------------------------------------------
        for name, wid in self.param_widgets.items():
            widgets.observe(wid, lambda ch, n=name: self._changed("param"))
        for wid in (self.window, self.end):
            wid.observe(lambda ch: self._changed("data"), names="value")
        for name in _VIEW_ONLY:
            getattr(self, name).observe(lambda ch: self._changed("view"), names="value")
        self.jump.observe(self._jump, names="value")
        self.back.on_click(lambda _: self._step(-1))
        self.fwd.on_click(lambda _: self._step(+1))
        self.reload.on_click(lambda _: self.reload_now())
        self.fit_max.on_click(lambda _: self.fit())
        self.auto.observe(self._auto_changed, names="value")
        self._dirty: set[str] = set()
        self._show_status()

    # -- state ------------------------------------------------------------------------------
    def _load(self, window: str, end) -> None:
        t0 = time.perf_counter()
        self.data = load_window(window, end, source="samples" if self.store is None else "store",
                                store=self.store, symbol=self.symbol)
        self.timings["load_s"] = time.perf_counter() - t0

    def _estimate(self) -> None:
        t0 = time.perf_counter()
        self.result = estimate_window(self.data, self.params)
        self.timings["estimate_s"] = time.perf_counter() - t0
        labels = self.result.tier_labels
        if list(self.tiers.options) != labels:
            self.tiers.options = labels
            self.tiers.value = tuple(labels)

    def _result_for_exchange(self):
        ex = self.exchange.value
        if ex != AGGREGATE and self.result.by_exchange and ex in self.result.by_exchange:
            return self.result.by_exchange[ex]
        return self.result

    def candles(self) -> pd.DataFrame:
        """The candles drawn: the selected exchange's (the first exchange's for the aggregate)."""
        ex = self.exchange.value
        return self.data.candles(None if ex == AGGREGATE else ex)

    def _heatmap(self):
        return layout.crop_to_candles(self._result_for_exchange().heatmap, self.candles(),
                                      self.data.start, self.data.end)

    def colour_scale(self) -> ColourScale:
        if self.scale.value == "absolute":
            return ColourScale("absolute", gamma=self.gamma.value, usd_max=max(self.usd_max.value, 1.0))
        return ColourScale("relative", clip=self.clip.value, gamma=self.gamma.value)

    def title(self) -> str:
        return f"{self.exchange.value}, {self.window.value} to {self.data.end:%Y-%m-%d %H:%M} UTC"

    def _tiers(self):
        sel = list(self.tiers.value)
        return None if sel == list(self.tiers.options) else sel

    # -- updates ----------------------------------------------------------------------------
    def _changed(self, what: str) -> None:
        self._dirty.add(what)
        if self.debounce <= 0:
            self.refresh()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:  # no event loop (plain Python): apply at once
            self.refresh()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.debounce, self.refresh)

    def _jump(self, change) -> None:
        if change["new"] in CASCADES:
            self.end.value = CASCADES[change["new"]]
            self.jump.value = self.jump.options[0]   # so the same jump can be chosen again

    def _step(self, direction: int) -> None:
        from liqlab.data.windows import WINDOWS
        end = self.data.end if self.end.value.strip().lower() == "latest" else pd.Timestamp(self.end.value)
        end = end.tz_localize("UTC") if end.tz is None else end
        self.end.value = (end + direction * WINDOWS[self.window.value].length).strftime("%Y-%m-%dT%H:%MZ")

    def fit(self) -> None:
        """Set the absolute scale's top (USD per bin) to the 99.9th percentile of the heatmap
        shown now. It then stays fixed across windows, exchanges and parameters, so pictures
        can be compared; fit again to re-base it."""
        self.usd_max.value = max(round(heat.absolute_scale(self._heatmap(), self.side.value).usd_max, -3),
                                 1000.0)

    def reload_now(self) -> None:
        """Read the window again (from the store: rows added since) and redraw, at once."""
        self._dirty.add("data")
        self.refresh()

    def _auto_changed(self, change) -> None:
        if self._auto_task is not None:
            self._auto_task.cancel()
            self._auto_task = None
        if not change["new"]:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.status.value = ("<span style='color:#d32f2f'><b>auto-reload needs a running event "
                                 "loop</b> (a Jupyter kernel); call reload_now() instead</span>")
            self.auto.value = False
            return
        self._auto_task = loop.create_task(self._auto_loop())

    async def _auto_loop(self) -> None:
        while True:
            await asyncio.sleep(self.every.value * 60)
            self.reload_now()

    def read_params(self):
        """The ModelParams the widgets hold (ValueError if one is out of bounds)."""
        values = {s.name: widgets.value_of(s, self.param_widgets[s.name]) for s in self.params.spec()}
        return type(self.params)(**values)

    def refresh(self) -> None:
        """Apply every pending change now: reload the window if it moved, re-estimate if the
        parameters changed, then redraw. Errors (a parameter out of bounds, a window outside the
        data) are shown in the status line; the charts keep the last good picture."""
        self._pending = None
        dirty, self._dirty = self._dirty, set()
        t0 = time.perf_counter()
        try:
            if "data" in dirty:
                span = (self.data.start, self.data.end)
                self._load(self.window.value, self.end.value)
                if (self.data.start, self.data.end) != span:
                    self._moved = True
                ex = self.exchange.value
                self.exchange.options = [AGGREGATE] + self.data.exchanges
                self.exchange.value = ex if ex in self.exchange.options else AGGREGATE
            if "param" in dirty:
                self.params = self.read_params()
            if dirty & {"data", "param"}:
                self._estimate()
        except ValueError as exc:
            self.status.value = f"<span style='color:#d32f2f'><b>not applied:</b> {exc}</span>"
            return
        if self._moved:  # the window moved: aggregate the new one whole, not the old view's range
            for r in self._ranges:
                r.reset()
            self._moved = False
        self._version.event(version=self._version.contents["version"] + 1)
        if dirty - {"param"}:
            self._market.event(version=self._market.contents["version"] + 1)
        self.timings["refresh_s"] = time.perf_counter() - t0
        self._show_status()

    def _show_status(self) -> None:
        r = self._result_for_exchange()
        hm = r.heatmap
        notes = "; ".join(self.data.notes + list(filter(None, [self.result.meta.get("grid_widened")])))
        self.status.value = (
            f"<b>{self.title()}</b> "
            f"({', '.join(f'{e}: {n}' for e, n in self.data.samples.items())}); "
            f"{hm.sizes['time']} columns x {hm.sizes['price']} bins; estimate "
            f"{self.timings.get('estimate_s', 0) * 1e3:.0f} ms. <i>{notes}</i>")

    # -- views ------------------------------------------------------------------------------
    def _mesh(self, version: int = 0) -> hv.QuadMesh:
        mesh = heat.quadmesh(heat.side_values(self._heatmap(), self.side.value, self._tiers()))
        return mesh.redim.range(price=layout._ylim(self.candles()))  # open on the candles' range

    def _overlay(self, version: int = 0) -> hv.Overlay:
        c = self.candles()
        lo, hi = layout._ylim(c)
        items = [panels.last_price(c)]
        if "candles" in self.layers.value:
            items.append(panels.candles(c))
        if "round levels" in self.layers.value:
            items.append(confluence.round_numbers(lo, hi))
        if "liquidations" in self.layers.value and self.data.liquidations is not None:
            items.append(panels.liquidations(self.data.liquidations))
        return hv.Overlay(items).redim.range(price=(lo, hi))

    def _profile(self, version: int = 0) -> hv.Overlay:
        c = self.candles()
        prof = side_profile(self._heatmap(), float(c["close"].iloc[-1]), tiers=self._tiers(),
                            ylim=layout._ylim(c))
        return prof[0]

    def _lower(self, version: int = 0) -> hv.Rectangles:
        return panels.volume(self.candles()).opts(width=self.width, framewise=True, **style.AXES)

    def _rsi(self, version: int = 0) -> hv.Overlay:
        return confluence.rsi_panel(self.candles())

    def view(self) -> hv.Layout:
        """The charts, live: heatmap with overlays and profile, volume and RSI below."""
        s = [self._version]
        mesh = hv.DynamicMap(self._mesh, streams=s)
        shaded = heat.heatmap(mesh, scale=None, dynamic=True, width=self.width)
        self._ranges += _range_streams(shaded)
        shaded = shaded.apply(lambda img, **kw: heat.shade(img, self.colour_scale(), self.title()),
                              streams=s)
        m = [self._market]
        # the overlay rides on the heatmap's stream: composed with it, it is redrawn in the page
        # only when that stream fires (a stream of its own updated the kernel's model, not the page)
        main = (shaded * hv.DynamicMap(self._overlay, streams=s)).opts(
            hv.opts.Image(framewise=True), hv.opts.Overlay(width=self.width, height=style.MAIN_HEIGHT,
                                                          framewise=True, **style.AXES))
        # framewise on each element: an Overlay's own framewise does not rescale its axes
        prof = hv.DynamicMap(self._profile, streams=s).opts(hv.opts.Rectangles(framewise=True))
        vol = hv.DynamicMap(self._lower, streams=m)
        rsi = hv.DynamicMap(self._rsi, streams=m).opts(
            hv.opts.Overlay(width=self.width, framewise=True, **style.AXES), hv.opts.Curve(framewise=True))
        return hv.Layout([main, prof, vol, hv.Empty(), rsi, hv.Empty()]).cols(2).opts(shared_axes=True)

    def controls(self) -> w.Widget:
        """The control panel: data row, view row, then the model parameters by group."""
        data_row = w.HBox([self.window, self.exchange, self.end])
        nav = w.HBox([self.jump, self.back, self.fwd] +
                     ([self.reload, self.auto, self.every] if self.store is not None else []))
        # wrap rather than squeeze: squeezed, the sliders' readouts and the USD field were cut off
        view_row = w.HBox([w.VBox([self.side, self.scale]),
                           w.VBox([self.clip, self.gamma, self.usd_max, self.fit_max]), self.tiers, self.layers],
                          layout=w.Layout(flex_flow="row wrap"))
        acc = widgets.grouped(self.params, self.param_widgets)
        acc.selected_index = 0
        return w.VBox([data_row, nav, view_row, w.HTML("<b>model parameters</b> (liqlab.ModelParams)"),
                       acc, self.status])

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.controls())
        display(self.view())


def _range_streams(obj) -> list:
    """The RangeXY streams feeding the DynamicMaps of ``obj`` (datashader's zoom and pan)."""
    found, todo, seen = [], [obj], set()
    while todo:
        o = todo.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, hv.DynamicMap):
            found += [s for s in o.streams if isinstance(s, hv.streams.RangeXY) and s not in found]
            todo += list(o.callback.inputs)
    return found
