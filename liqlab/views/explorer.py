"""The explorer: the heatmap page with a widget for every model parameter (generated from
``ModelParams.spec()``), a window (timeframe) selector, an exchange filter, a window-end picker
with cascade shortcuts, and layer toggles. A change re-estimates (or, for view-only controls,
only re-renders) and redraws the charts in place, debounced, without re-running any cell.

In a notebook::

    from liqlab.views.explorer import Explorer
    ex = Explorer()          # 3 days to 2025-10-11 00:00 UTC, all exchanges with data
    ex                       # controls above, charts below
    Explorer(store="data", end="latest")   # your local store instead; "reload" reads it again

The state (window, end, exchange, side, tiers, scale, layers, parameters) and what it draws live
in :class:`liqlab.views.explorer_state.ExplorerState`; this class only binds widgets to it. The
charts are holoviews DynamicMaps, one stream per part of the page (heatmap values, colours,
candle overlay, side profile, volume and RSI): a change redraws only the parts it made stale
(a colour slider re-shades the last aggregate; a model slider leaves the candles alone). The
same bokeh plots update in place, and datashader re-aggregates on zoom and pan.

A change is applied as soon as the kernel receives it (sliders report on release); while it is
applied, an "updating" note shows beside the status line if it takes longer than 0.2 s.
"""
from __future__ import annotations

import asyncio
import time

import holoviews as hv
import ipywidgets as w

from liqlab.data import load as sources
from liqlab.data.windows import WINDOWS
from liqlab.views import heatmap as heat
from liqlab.views import style, widgets
from liqlab.views.explorer_state import LAYERS, ExplorerState

__all__ = ["Explorer"]

# widget name -> state field for the view controls (the same names)
_VIEW = ("exchange", "side", "tiers", "scale", "clip", "gamma", "usd_max", "layers")
#: the "updating" note: present while a change is applied, visible once it has lasted 0.1 s (a
#: CSS animation delay; with the message's way to the kernel, up by 0.2 s after the input), so
#: quick updates do not flicker. It stays _HOLD_S after the kernel is done: the browser still
#: has to receive and draw the picture (0.1 to 0.25 s measured, benchmarks/bench_browser.py)
_UPDATING = ("<style>@keyframes liqlab-show{to{opacity:1}}@keyframes liqlab-turn{to{transform:rotate(1turn)}}"
             ".liqlab-updating{opacity:0;animation:liqlab-show 0s linear 0.1s forwards;color:#e65100;"
             "font-weight:bold}.liqlab-spin{display:inline-block;width:0.75em;height:0.75em;"
             "margin-right:0.35em;vertical-align:-0.1em;border:2px solid #e65100;"
             "border-right-color:transparent;border-radius:50%;animation:liqlab-turn 0.8s linear infinite}"
             "</style><span class='liqlab-updating' title='the explorer is applying your change'>"
             "<span class='liqlab-spin'></span>updating&hellip;</span>")
_HOLD_S = 0.15
#: changes this close together are a burst: the page is redrawn once more, _SETTLE_S after the
#: last one, in case a patch was lost on the way (a safety net; see refresh)
_BURST_S, _SETTLE_S = 1.0, 0.5


class Explorer:
    """Interactive heatmap explorer. ``window`` is a name of :data:`liqlab.WINDOWS`, ``end`` the
    window's right edge (UTC), ``exchange`` one exchange or :data:`sources.AGGREGATE`.

    ``store`` (a :class:`liqlab.Store` or its folder) draws the local store instead of the
    embedded data (:func:`liqlab.data.load_window` with ``source="store"``, ``symbol`` in any
    spelling); ``end='latest'`` then follows the newest stored candle, the "reload" button reads
    the store again, and "auto-reload" does so every few minutes while the kernel runs.

    ``debounce``: seconds to wait for further changes before applying them (0, the default:
    apply each change at once). ``state`` is the :class:`ExplorerState` the widgets edit."""

    def __init__(self, window: str = "3d", end=None, exchange: str = sources.AGGREGATE,
                 params=None, debounce: float = 0.0, width: int = style.WIDTH, store=None,
                 symbol: str = "BTCUSDT", reload_minutes: int = 5):
        self.state = st = ExplorerState(window=window, end=end, exchange=exchange, params=params,
                                        store=store, symbol=symbol, width=width)
        st.update(usd_max=st.fitted_usd_max())  # the absolute scale starts fitted to this view
        self.debounce = debounce
        self._pending = None
        self._unbusy = None
        self._settle = None
        self._last_done = -1e9
        self._refreshing = False
        self._auto_task = None
        self._syncing = False
        self._dirty: set[str] = set()
        # one stream per part of the page; a change fires only those of the parts it made stale
        # (each its own parameter name: streams triggered together must not share one)
        self._streams = {p: hv.streams.Stream.define(p.title(), **{f"{p}_version": 0})()
                         for p in ("mesh", "shade", "overlay", "profile", "market")}
        self._ranges: list[hv.streams.RangeXY] = []
        # -- controls -----------------------------------------------------------------------
        self.param_widgets = widgets.param_widgets(st.params)
        self.window = w.Dropdown(options=list(WINDOWS), value=st.window, description="window")
        self.end = w.Text(value=str(st.end), description="window end", continuous_update=False,
                          tooltip="right edge of the window, UTC, e.g. 2025-10-11T00:00Z")
        self.jump = w.Dropdown(options=["(jump to a cascade)"] + list(sources.CASCADES),
                               description="jump to", layout=w.Layout(width="380px"))
        self.back = w.Button(description="◀ one window", tooltip="move the window back by its length")
        self.fwd = w.Button(description="one window ▶", tooltip="move the window forward")
        self.exchange = w.Dropdown(options=st.exchanges, value=st.exchange, description="exchange")
        self.side = w.ToggleButtons(options=list(heat.SIDES), value=st.side, description="side")
        self.tiers = w.SelectMultiple(options=st.tier_labels, value=tuple(st.tier_labels),
                                      description="tiers", rows=5,
                                      tooltip="leverage tiers to show (no re-estimate)")
        self.scale = w.ToggleButtons(options=["relative", "absolute"], value=st.scale,
                                     description="scale")
        self.clip = w.FloatSlider(value=st.clip, min=90, max=100, step=0.1, description="clip pct",
                                  continuous_update=False)
        self.gamma = w.FloatSlider(value=st.gamma, min=0.2, max=4, step=0.1, description="gamma",
                                   continuous_update=False)
        self.usd_max = w.FloatText(value=st.usd_max, description="abs. max $",
                                   tooltip="top of the absolute scale, USD per bin (fixed)")
        self.layers = w.SelectMultiple(options=list(LAYERS), value=st.layers, description="layers",
                                       rows=4)
        self.fit_max = w.Button(description="fit abs. max", tooltip="set the absolute scale's top to "
                                "the 99.9th percentile of what is shown now (then it stays fixed)")
        self.status = w.HTML()
        self.busy = w.HTML(layout=w.Layout(width="120px", min_width="120px"))
        self.reload = w.Button(description="reload", icon="refresh",
                               tooltip="read the window again from the store (rows that liqlab fetch "
                                       "or liqlab record added since)")
        self.auto = w.Checkbox(value=False, description="auto-reload", indent=False)
        self.every = w.BoundedIntText(value=reload_minutes, min=1, max=1440, description="every (min)",
                                      layout=w.Layout(width="160px"))
        # -- wiring -------------------------------------------------------------------------
        for wid in self.param_widgets.values():
            widgets.observe(wid, lambda ch: self._changed("params"))
        for name in ("window", "end") + _VIEW:
            getattr(self, name).observe(lambda ch, n=name: self._changed(n), names="value")
        self.jump.observe(self._jump, names="value")
        self.back.on_click(lambda _: self._step(-1))
        self.fwd.on_click(lambda _: self._step(+1))
        self.reload.on_click(lambda _: self.reload_now())
        self.fit_max.on_click(lambda _: self.fit())
        self.auto.observe(self._auto_changed, names="value")
        self._show_status()

    # -- the state, under the names this class had --------------------------------------------
    @property
    def params(self):
        return self.state.params

    @params.setter
    def params(self, value) -> None:
        self.state.params = value

    @property
    def data(self):
        return self.state.data

    @data.setter
    def data(self, value) -> None:
        self.state.data = value

    @property
    def result(self):
        return self.state.result

    @property
    def store(self):
        return self.state.store

    @property
    def symbol(self) -> str:
        return self.state.symbol

    @property
    def width(self) -> int:
        return self.state.width

    @property
    def timings(self) -> dict:
        return self.state.timings

    def candles(self):
        """The candles drawn: the selected exchange's (the first exchange's for the aggregate)."""
        return self.state.candles()

    def _heatmap(self):
        return self.state.heatmap()

    def _estimate(self) -> None:
        """Estimate the state's params on its data again (the benchmark swaps data in)."""
        self.state.result = self.state._estimate(self.state.params, self.state.data)

    def colour_scale(self):
        return self.state.colour_scale()

    def title(self) -> str:
        return self.state.title()

    def _mesh(self, **_):
        return self.state.mesh()

    # -- widgets -> state ---------------------------------------------------------------------
    def _changed(self, what: str) -> None:
        if self._syncing:       # a widget this class set to follow the state
            return
        self._dirty.add(what)
        self._busy(True)
        if self._refreshing:   # arrived while a redraw was being sent: applied right after it
            return
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
        if change["new"] in sources.CASCADES:
            self.end.value = sources.CASCADES[change["new"]]
            self._sync(lambda: setattr(self.jump, "value", self.jump.options[0]))  # to choose it again

    def _step(self, direction: int) -> None:
        self.end.value = self.state.step(direction)

    def fit(self) -> None:
        """Set the absolute scale's top (USD per bin) to the 99.9th percentile of the heatmap
        shown now. It then stays fixed across windows, exchanges and parameters, so pictures
        can be compared; fit again to re-base it."""
        self.usd_max.value = self.state.fitted_usd_max()

    def reload_now(self) -> None:
        """Read the window again (from the store: rows added since) and redraw, at once."""
        self._dirty.add("reload")
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
        p = self.state.params
        values = {s.name: widgets.value_of(s, self.param_widgets[s.name]) for s in p.spec()}
        return type(p)(**values)

    def _sync(self, fn) -> None:
        self._syncing = True
        try:
            fn()
        finally:
            self._syncing = False

    def refresh(self) -> None:
        """Apply every pending change now: the widgets' values go to the state (which reloads
        the window if it moved and re-estimates if the parameters changed), then the stale
        parts of the page are redrawn. Errors (a parameter out of bounds, a window outside the
        data) are shown in the status line; the charts keep the last good picture."""
        self._pending = None
        if self._refreshing:
            return
        # one redraw at a time: the kernel can take the next change while this one's bokeh patch
        # is being sent, and two patches sent at once interleave their parts on the comm, which
        # BokehJS then rejects ("Expected binary fragment but received text fragment"): the page
        # kept an earlier window's heatmap and price axis (issue 13 item 9)
        self._refreshing = True
        try:
            while self._dirty:
                dirty, self._dirty = self._dirty, set()
                self._refresh_once(dirty)
        finally:
            self._refreshing = False

    def _refresh_once(self, dirty: set[str]) -> None:
        t0 = time.perf_counter()
        burst = t0 - self._last_done < _BURST_S
        try:
            self._apply(dirty, t0)
        finally:
            if not self._dirty:
                self._busy(False)
        self._last_done = time.perf_counter()
        self.state.timings["refresh_s"] = self._last_done - t0
        if self._settle is not None:
            self._settle.cancel()
            self._settle = None
        if burst:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._settle = loop.call_later(_SETTLE_S, self.redraw)

    def redraw(self) -> None:
        """Redraw every part of the page from the state (after a burst of changes)."""
        self._settle = None
        if self._refreshing:
            return
        fire = list(self._streams.values())
        for s in fire:
            name = next(iter(s.contents))
            s.update(**{name: s.contents[name] + 1})
        hv.streams.Stream.trigger(fire)

    def _busy(self, on: bool) -> None:
        """Show the "updating" note, or take it away (in a kernel: _HOLD_S later, once the
        browser has had time to draw; at once without an event loop)."""
        if self._unbusy is not None:
            self._unbusy.cancel()
            self._unbusy = None
        if on:
            self.busy.value = _UPDATING
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self.busy.value = ""
        else:
            self._unbusy = loop.call_later(_HOLD_S, lambda: setattr(self.busy, "value", ""))

    def _apply(self, dirty: set[str], t0: float) -> None:
        st = self.state
        try:
            changes = {name: getattr(self, name).value for name in dirty & set(("window", "end") + _VIEW)}
            if "tiers" in changes:
                changes["tiers"] = tuple(changes["tiers"])
            if "layers" in changes:
                changes["layers"] = tuple(changes["layers"])
            if "params" in dirty:
                changes["params"] = self.read_params()
            if "reload" in dirty:
                changes["_reload"] = True
            stale = st.update(**changes)
        except ValueError as exc:
            self.status.value = f"<span style='color:#d32f2f'><b>not applied:</b> {exc}</span>"
            return
        self._sync(self._follow_state)
        if "moved" in stale:  # the window moved: aggregate the new one whole, not the old zoom
            for r in self._ranges:
                r.reset()
        fire = [s for p, s in self._streams.items() if p in stale]
        for s in fire:
            name = next(iter(s.contents))
            s.update(**{name: s.contents[name] + 1})
        if fire:   # one trigger for all (Stream.event would redraw after each stream on its own)
            hv.streams.Stream.trigger(fire)
        self.status.value = st.status_html(time.perf_counter() - t0)

    def _follow_state(self) -> None:
        """Widgets whose options or values the state changed: the exchanges offered by the new
        window, the tiers of new parameters."""
        st = self.state
        if list(self.exchange.options) != st.exchanges:
            self.exchange.options = st.exchanges
        if self.exchange.value != st.exchange:
            self.exchange.value = st.exchange
        labels = st.tier_labels
        if list(self.tiers.options) != labels:
            self.tiers.options = labels
        want = tuple(labels) if st.tiers is None else tuple(st.tiers)
        if tuple(self.tiers.value) != want:
            self.tiers.value = want

    def _show_status(self) -> None:
        self.status.value = self.state.status_html(self.state.timings.get("refresh_s"))

    # -- views ------------------------------------------------------------------------------
    def _raster(self, x_range=None, y_range=None, **_):
        return self.state.raster(x_range, y_range)

    def _shade(self, img, **_):
        return self.state.shade(img)

    def _overlay(self, **_):
        return self.state.overlay_element()

    def _profile(self, **_):
        return self.state.profile_element()

    def _lower(self, **_):
        return self.state.volume_element()

    def _rsi(self, **_):
        return self.state.rsi_element()

    def view(self) -> hv.Layout:
        """The charts, live: heatmap with overlays and profile, volume and RSI below."""
        s = self._streams
        rng = hv.streams.RangeXY()
        self._ranges.append(rng)
        raster = hv.DynamicMap(self._raster, streams=[s["mesh"], rng])
        # a colour change re-shades the last aggregate (the raster is memoised on its streams)
        shaded = raster.apply(self._shade, streams=[s["shade"]]).opts(
            hv.opts.Image(**heat._image_opts(self.width, style.MAIN_HEIGHT)))
        main = (shaded * hv.DynamicMap(self._overlay, streams=[s["overlay"]])).opts(
            hv.opts.Image(framewise=True), hv.opts.Overlay(width=self.width, height=style.MAIN_HEIGHT,
                                                          framewise=True, **style.AXES))
        # framewise on each element: an Overlay's own framewise does not rescale its axes
        prof = hv.DynamicMap(self._profile, streams=[s["profile"]]).opts(hv.opts.Rectangles(framewise=True))
        vol = hv.DynamicMap(self._lower, streams=[s["market"]]).opts(
            hv.opts.Rectangles(width=self.width, framewise=True, **style.AXES))
        rsi = hv.DynamicMap(self._rsi, streams=[s["market"]]).opts(
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
        acc = widgets.grouped(self.state.params, self.param_widgets)
        acc.selected_index = 0
        return w.VBox([data_row, nav, view_row, w.HTML("<b>model parameters</b> (liqlab.ModelParams)"),
                       acc, w.HBox([self.busy, self.status])])

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.controls())
        display(self.view())
