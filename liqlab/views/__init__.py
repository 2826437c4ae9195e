"""Views: functions that take computed results (candles, an estimate's heatmap) and return
holoviews objects (bokeh backend; datashader aggregates the heatmap). Nothing here loads data
or computes the model (:func:`liqlab.data.load_window` loads a window,
:func:`liqlab.pipeline.estimate_window` estimates it); a notebook calls these and looks.

- :mod:`~liqlab.views.heatmap`: the heatmap, black to yellow, relative or absolute USD scale,
  long/short/both, tier toggles, re-aggregated on zoom and pan (``heatmap``, ``side_values``)
- :mod:`~liqlab.views.panels`: candles, volume, open interest, funding, last price, realised
  liquidations
- :mod:`~liqlab.views.profile`: the side profile of the latest column
- :mod:`~liqlab.views.confluence`: round-number levels, RSI with divergences
- :mod:`~liqlab.views.layout`: ``dashboard`` (everything on one time axis), ``multi_timeframe``
- :mod:`~liqlab.views.explorer`: the ipywidgets explorer generated from ``ModelParams.spec()``
- :mod:`~liqlab.views.static`: matplotlib figures for PNG files; :mod:`~liqlab.views.scale`,
  :mod:`~liqlab.views.style`: colour scales and colours
"""
from __future__ import annotations

from liqlab._lazy import lazy_attributes

# public name -> module that defines it (imported on first use: holoviews is slow to import)
_LAZY = {
    "extension": "liqlab.views.notebook",
    "absolute_scale": "liqlab.views.heatmap",
    "side_values": "liqlab.views.heatmap",
    "ColourScale": "liqlab.views.scale",
    "crop": "liqlab.views.layout",
    "price_chart": "liqlab.views.layout",
    "candles_page": "liqlab.views.layout",
    "dashboard": "liqlab.views.layout",
    "multi_timeframe": "liqlab.views.layout",
    "profile_table": "liqlab.views.profile",
    "Explorer": "liqlab.views.explorer",
}
#: the modules, one per kind of view (``liqlab.views.panels``, ...); a window's data and its
#: estimate come from ``liqlab.data.load_window`` and ``liqlab.pipeline.estimate_window``
_MODULES = ("confluence", "explorer", "heatmap", "layout", "notebook", "panels", "profile",
            "scale", "static", "style", "summary")

__all__ = sorted(_LAZY) + sorted(_MODULES)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
