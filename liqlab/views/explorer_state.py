"""The explorer's state and what it draws, without widgets.

:class:`ExplorerState` is plain data (window, end, exchange, side, tiers, colour scale, layers,
model parameters) plus the window's data and estimate. :meth:`ExplorerState.update` applies a
change (reloading or re-estimating only when needed) and says which parts of the page it made
stale; the ``*_element`` methods turn the state into holoviews elements. The widget class
(:class:`liqlab.views.explorer.Explorer`) only binds widgets to it, so everything here can be
used and tested without a notebook::

    from liqlab.views.explorer_state import ExplorerState
    st = ExplorerState(window="1w", end="2025-10-11T00:00Z")
    st.update(side="long", clip=99.0)      # -> {'mesh', 'shade', 'profile'}
    st.image_element()                     # the shaded heatmap as an hv.Image (datashader max)
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import holoviews as hv
import numpy as np
import pandas as pd
from holoviews.operation.datashader import rasterize

from liqlab.data import load as sources
from liqlab.data.load import load_window
from liqlab.data.store import Store
from liqlab.data.windows import WINDOWS
from liqlab.model.estimator import population
from liqlab.model.params import ModelParams
from liqlab.pipeline import estimate_window
from liqlab.views import confluence, layout, panels, style
from liqlab.views import heatmap as heat
from liqlab.views.profile import profile as side_profile
from liqlab.views.scale import ColourScale

__all__ = ["ExplorerState", "LAYERS", "PARTS"]

#: the overlay layers the explorer can show
LAYERS = ("candles", "round levels", "liquidations", "profile")
#: the parts of the page a change can make stale: the heatmap's values (``mesh``), its colours
#: (``shade``), the candle overlay, the side profile, the volume and RSI panels (``market``),
#: and ``moved`` (the window's span changed: any zoom of the old window is dropped)
PARTS = ("mesh", "shade", "overlay", "profile", "market", "moved")

_DATA = {"window", "end"}
_STALE = {  # field -> parts it makes stale (data and params are handled in update())
    "exchange": {"mesh", "shade", "overlay", "profile", "market"},
    "side": {"mesh", "shade", "profile"},
    "tiers": {"mesh", "shade", "profile"},
    "scale": {"shade"}, "clip": {"shade"}, "gamma": {"shade"}, "usd_max": {"shade"},
    "layers": {"overlay"},
}


def tier_labels(params) -> list[str]:
    """The labels of the leverage groups an estimate with ``params`` keeps per tier (leverage
    bands such as '<=10x' .. '>100x', or the fixed tiers '5x', '10x', ...)."""
    return population(params).group_labels


@dataclass
class ExplorerState:
    """What the explorer shows. ``window`` is a name of :data:`liqlab.WINDOWS`, ``end`` the
    window's right edge (UTC, or 'latest' with a ``store``), ``exchange`` one exchange or
    :data:`sources.AGGREGATE`, ``tiers`` the leverage tiers drawn (None: all), ``scale``
    'relative' (top = the ``clip`` percentile in view) or 'absolute' (top = ``usd_max`` USD).

    Construct it, then read ``data`` (the window's inputs) and ``result`` (the estimate); change
    it only through :meth:`update`, which keeps the two consistent with the fields."""
    window: str = "3d"
    end: Any = None
    exchange: str = sources.AGGREGATE
    side: str = "both"
    tiers: tuple | None = None
    scale: str = "relative"
    clip: float = 99.5
    gamma: float = 1.5
    usd_max: float = 0.0
    layers: tuple = LAYERS
    params: Any = None
    store: Any = None
    symbol: str = "BTCUSDT"
    width: int = style.WIDTH
    data: Any = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)
    timings: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.store is not None and not isinstance(self.store, Store):
            self.store = Store(self.store)
        if self.end is None:
            self.end = "latest" if self.store is not None else "2025-10-11T00:00Z"
        self.params = self.params or ModelParams()
        self._check_view(self.side, self.scale, self.clip, self.gamma, self.usd_max, self.layers)
        self._tiered = None          # (params, data, result with per-tier arrays) when needed
        self._mesh_cache = (None, None)
        self._memo: dict = {}        # candle panels of this data: (what, exchange, ...) -> element
        if self.data is None:
            self.data = self._load(self.window, self.end)
        if self.exchange not in self.exchanges:
            self.exchange = sources.AGGREGATE
        if self.result is None:
            self.result = self._estimate(self.params, self.data)
        self.tiers = self._check_tiers(self.tiers, self.params)

    # -- data and estimate ------------------------------------------------------------------
    @property
    def exchanges(self) -> list[str]:
        """The exchange filter's choices: the aggregate, then each exchange with data."""
        return [sources.AGGREGATE] + list(self.data.exchanges)

    @property
    def tier_labels(self) -> list[str]:
        return tier_labels(self.params)

    def _load(self, window: str, end):
        t0 = time.perf_counter()
        data = load_window(window, end, source="samples" if self.store is None else "store",
                           store=self.store, symbol=self.symbol)
        self.timings["load_s"] = time.perf_counter() - t0
        return data

    def _estimate(self, params, data, per_tier: bool = False):
        """The window's estimate; per-tier arrays (three times the work) only when asked."""
        t0 = time.perf_counter()
        out = estimate_window(data, params, per_tier=per_tier)
        self.timings["estimate_s"] = time.perf_counter() - t0
        return out

    def _tier_result(self):
        """The estimate with per-tier arrays for the current params and data (made once)."""
        if self._tiered is None or self._tiered[0] is not self.params or self._tiered[1] is not self.data:
            self._tiered = (self.params, self.data, self._estimate(self.params, self.data, per_tier=True))
        return self._tiered[2]

    def reload(self) -> set[str]:
        """Read the window again (from the store: rows added since) and re-estimate."""
        return self.update(_reload=True)

    # -- changes ----------------------------------------------------------------------------
    @staticmethod
    def _check_tiers(tiers, params):
        """None for all tiers, else the selected labels in the tiers' order."""
        if tiers is None:
            return None
        labels = tier_labels(params)
        sel = tuple(str(t) for t in tiers)
        unknown = [t for t in sel if t not in labels]
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; these parameters have tiers {labels}")
        return None if set(sel) == set(labels) else tuple(t for t in labels if t in sel)

    @staticmethod
    def _check_view(side, scale, clip, gamma, usd_max, layers) -> None:
        if side not in heat.SIDES:
            raise ValueError(f"side must be one of {heat.SIDES}, got {side!r}")
        if scale not in ("relative", "absolute"):
            raise ValueError(f"scale must be 'relative' or 'absolute', got {scale!r}")
        if not 0 < clip <= 100:
            raise ValueError(f"clip is a percentile in (0, 100], got {clip}")
        if not gamma > 0:
            raise ValueError(f"gamma must be positive, got {gamma}")
        if not (usd_max >= 0 and math.isfinite(usd_max)):
            raise ValueError(f"the absolute scale's top must be a USD amount >= 0, got {usd_max}")
        unknown = [x for x in layers if x not in LAYERS]
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown}; choose from {LAYERS}")

    def update(self, **changes) -> set[str]:
        """Apply ``changes`` (any of the fields above, ``params`` a ModelParams) and return the
        parts of the page they made stale (see :data:`PARTS`). A moved window is loaded again,
        new parameters or data are estimated again; view-only changes cost nothing here.

        All or nothing: on a bad value (ValueError saying what is wrong) the state is unchanged."""
        reload = changes.pop("_reload", False)
        names = {f.name for f in dataclasses.fields(self)} - {"data", "result", "timings", "store",
                                                               "symbol", "width"}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown explorer setting(s) {sorted(unknown)}; settable: {sorted(names)}")
        changes = {k: v for k, v in changes.items() if reload or _differs(getattr(self, k), v)}
        if not changes and not reload:
            return set()
        new = {f: changes.get(f, getattr(self, f)) for f in names}
        new["layers"] = tuple(new["layers"])
        self._check_view(new["side"], new["scale"], float(new["clip"]), float(new["gamma"]),
                         float(new["usd_max"]), new["layers"])
        stale: set[str] = set()
        data, result = self.data, self.result
        if reload or changes.keys() & _DATA:
            data = self._load(new["window"], new["end"])
            if (data.start, data.end) != (self.data.start, self.data.end):
                stale.add("moved")
            stale |= {"mesh", "shade", "overlay", "profile", "market"}
        if new["exchange"] not in [sources.AGGREGATE] + list(data.exchanges):
            if "exchange" in changes:
                raise ValueError(f"exchange {new['exchange']!r} has no data in this window; "
                                 f"choose one of {[sources.AGGREGATE] + list(data.exchanges)}")
            new["exchange"] = sources.AGGREGATE     # the new window lacks it: show all
        if data is not self.data or "params" in changes:
            result = self._estimate(new["params"], data)
            stale |= {"mesh", "shade", "profile"}
        for k in changes.keys() & _STALE.keys():
            stale |= _STALE[k]
        if "tiers" not in changes and new["tiers"] is not None \
                and tier_labels(new["params"]) != tier_labels(self.params):
            new["tiers"] = None          # other tiers now: show them all, as the widget does
        new["tiers"] = self._check_tiers(new["tiers"], new["params"])
        if data is not self.data:
            self._memo.clear()
        self.__dict__.update(new, data=data, result=result)
        self._mesh_cache = (None, None)
        if self.tiers is not None:
            self._tier_result()          # estimated with per-tier arrays, once per params
        return stale

    def step(self, direction: int) -> str:
        """The window end ``direction`` windows later (-1: one window back), as text."""
        end = self.data.end if str(self.end).strip().lower() == "latest" else sources._end(self.end)
        return (end + direction * WINDOWS[self.window].length).strftime("%Y-%m-%dT%H:%MZ")

    def fitted_usd_max(self) -> float:
        """The absolute scale's top fitted to what is shown now: the 99.9th percentile of the
        heatmap's non-zero USD per bin, rounded to $1,000 (at least $1,000)."""
        return max(round(heat.absolute_scale(self.heatmap(), self.side).usd_max, -3), 1000.0)

    # -- what is drawn ----------------------------------------------------------------------
    def candles(self) -> pd.DataFrame:
        """The candles drawn: the selected exchange's (the first exchange's for the aggregate)."""
        ex = self.exchange
        return self.data.candles(None if ex == sources.AGGREGATE else ex)

    def _result_for_exchange(self):
        res = self._tier_result() if self.tiers is not None else self.result
        ex = self.exchange
        if ex != sources.AGGREGATE and res.by_exchange and ex in res.by_exchange:
            return res.by_exchange[ex]
        return res

    def heatmap(self):
        """The heatmap of the window and exchange, cropped to 25 % beyond the candles' range."""
        return layout.crop_to_candles(self._result_for_exchange().heatmap, self.candles(),
                                      self.data.start, self.data.end)

    def extent(self) -> tuple:
        """(time from, time to, price low, price high) the main chart opens on: the window and
        the candles' range with a margin. Zoomed views are clipped to it."""
        lo, hi = layout._ylim(self.candles())
        t0, t1 = (pd.Timestamp(t).tz_convert("UTC").tz_localize(None)
                  for t in (self.data.start, self.data.end))
        return t0, t1, lo, hi

    def mesh(self) -> hv.QuadMesh:
        """The heatmap's USD by (time, price) for the side and tiers, as a QuadMesh (cached
        until the next update)."""
        key = (self.exchange, self.side, self.tiers, id(self.result), id(self.data))
        if self._mesh_cache[0] != key:
            vals = heat.side_values(self.heatmap(), self.side, list(self.tiers) if self.tiers else None)
            self._mesh_cache = (key, heat.quadmesh(vals))
        return self._mesh_cache[1]

    def colour_scale(self) -> ColourScale:
        if self.scale == "absolute":
            return ColourScale("absolute", gamma=self.gamma, usd_max=max(self.usd_max, 1.0))
        return ColourScale("relative", clip=self.clip, gamma=self.gamma)

    def title(self) -> str:
        return f"{self.exchange}, {self.window} to {self.data.end:%Y-%m-%d %H:%M} UTC"

    def raster(self, x_range=None, y_range=None, width: int | None = None,
               height: int = style.MAIN_HEIGHT) -> hv.Image:
        """The heatmap aggregated by datashader (``max`` per pixel) over ``x_range`` x
        ``y_range`` (a zoomed view), each clipped to :meth:`extent`: a range from another window
        (a zoom message that arrives after the window moved) can neither widen the picture nor
        the axes beyond this window and its candles."""
        t0, t1, lo, hi = self.extent()
        xr_ = _clip(x_range, t0, t1)
        yr_ = _clip(y_range, lo, hi)
        img = rasterize(self.mesh(), aggregator="max", dynamic=False, x_range=xr_, y_range=yr_,
                        width=width or self.width, height=height)
        # float32 (the estimate's own precision): half the bytes to serialise and send
        return img.clone(img.data.astype("float32"))

    def shade(self, img: hv.Image) -> hv.Image:
        """Colour an aggregated image with the state's scale; the title names the view."""
        return heat.shade(img, self.colour_scale(), self.title())

    def image_element(self, x_range=None, y_range=None) -> hv.Image:
        """The shaded heatmap, as the explorer shows it (without the plot options)."""
        return self.shade(self.raster(x_range, y_range))

    def _candle_source(self) -> str:
        """The exchange whose candles are drawn (the first one's for the aggregate)."""
        ex = self.exchange
        return ex if ex in self.data.exchanges else self.data.exchanges[0]

    def _memoised(self, key: tuple, make):
        """``make()`` once per key until the data changes (the candle panels depend only on
        the data, the exchange drawn and the layers: a model or colour change reuses them)."""
        key = (id(self.data),) + key
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def overlay_element(self) -> hv.Overlay:
        """Last price, candles, round-number levels and realised liquidations (as selected)."""
        return self._memoised(("overlay", self._candle_source(), self.layers), self._overlay)

    def _overlay(self) -> hv.Overlay:
        c = self.candles()
        lo, hi = layout._ylim(c)
        items = [panels.last_price(c)]
        if "candles" in self.layers:
            items.append(panels.candles(c))
        if "round levels" in self.layers:
            items.append(confluence.round_numbers(lo, hi))
        if "liquidations" in self.layers and self.data.liquidations is not None:
            items.append(panels.liquidations(self.data.liquidations))
        return hv.Overlay(items).redim.range(price=(lo, hi))

    def profile_element(self):
        """The side profile of the last column (USD per bin, longs below, shorts above)."""
        c = self.candles()
        tiers = list(self.tiers) if self.tiers else None
        hm = self._result_for_exchange().heatmap
        hm = layout.crop(hm, self.data.start, self.data.end)
        return side_profile(hm, float(c["close"].iloc[-1]), tiers=tiers, ylim=layout._ylim(c))[0]

    def volume_element(self) -> hv.Rectangles:
        return self._memoised(("volume", self._candle_source()), lambda: panels.volume(self.candles()))

    def rsi_element(self) -> hv.Overlay:
        return self._memoised(("rsi", self._candle_source()), lambda: confluence.rsi_panel(self.candles()))

    def status_html(self, refresh_s: float | None = None) -> str:
        """The status line: the view, the data used, the grid, the estimate's time, caveats."""
        hm = self._result_for_exchange().heatmap
        notes = "; ".join(self.data.notes + list(filter(None, [self.result.meta.get("grid_widened")])))
        took = f"; update {refresh_s * 1e3:.0f} ms in the kernel" if refresh_s is not None else ""
        return (f"<b>{self.title()}</b> "
                f"({', '.join(f'{e}: {n}' for e, n in self.data.samples.items())}); "
                f"{hm.sizes['time']} columns x {hm.sizes['price']} bins; estimate "
                f"{self.timings.get('estimate_s', 0) * 1e3:.0f} ms{took}. <i>{notes}</i>")


def _differs(a, b) -> bool:
    try:
        return bool(a != b)
    except (TypeError, ValueError):
        return a is not b


def _clip(r, lo, hi):
    """``r`` (a (start, end) range or None) clipped to [lo, hi]; the whole of it when ``r`` is
    None, does not overlap, or is degenerate."""
    if r is None or r[0] is None or r[1] is None:
        return (lo, hi)
    a, b = r
    if isinstance(lo, (pd.Timestamp, np.datetime64)):
        a, b = pd.Timestamp(a), pd.Timestamp(b)
        a = a.tz_convert("UTC").tz_localize(None) if a.tz is not None else a
        b = b.tz_convert("UTC").tz_localize(None) if b.tz is not None else b
        lo, hi = pd.Timestamp(lo), pd.Timestamp(hi)
    a, b = max(a, lo), min(b, hi)
    return (a, b) if a < b else (lo, hi)
