"""The pipeline's middle step for a window: the data of :func:`liqlab.data.load_window` ->
the model (:func:`liqlab.estimate_many`, one grid for every exchange) -> an estimate cut to the
window, which the views draw. Loading is separate from estimating, so a parameter change
re-estimates without reloading.

    from liqlab.data import load_window
    from liqlab.pipeline import estimate_window
    data = load_window("3d", "2025-10-11T00:00Z")
    result = estimate_window(data, liqlab.ModelParams())
"""
from __future__ import annotations

from liqlab.data import windows
from liqlab.data.load import WindowData
from liqlab.model.estimator import estimate_many
from liqlab.model.params import ModelParams

__all__ = ["estimate_window"]

#: the inputs of :func:`liqlab.data.windows.window_inputs` the estimator takes
_KEEP = ("candles", "oi", "mark", "taker_buy")


def estimate_window(data: WindowData, params=None, per_tier: bool = True):
    """Estimate every exchange of ``data`` on one grid (:func:`liqlab.estimate_many`) with
    each exchange's own inputs (its open interest as :attr:`WindowData.oi_sources` says) and
    cut the warm-up off; ``result.by_exchange`` keeps each exchange for the exchange filter.

    The grid is sized from the window's prices (``grid_range=0``, the default). A fixed
    ``grid_range`` too small for a long window's prices is replaced by the automatic grid and
    ``result.meta['grid_widened']`` says so (edges are anchored: no value changes).
    Funding is not passed (only the 'funding' side rule uses it; the panels show it).
    ``per_tier=False`` leaves out the per-tier arrays (about a third of the time).
    """
    params = params or ModelParams()
    ins = {ex: {k: v for k, v in d.items() if k in _KEEP and v is not None}
           for ex, d in data.inputs.items()}
    widened = None
    try:
        res = estimate_many(ins, params, start=data.start, per_tier=per_tier)
    except ValueError as e:
        if params.grid_range == 0 or "grid is too small" not in str(e):
            raise
        widened = (f"grid_range {params.grid_range:g} is too small for this window's prices: "
                   "the grid was sized from the data instead")
        res = estimate_many(ins, params.replace(grid_range=0.0), start=data.start, per_tier=per_tier)
    out = windows.trim(res, data.start)
    if widened:
        out.meta["grid_widened"] = widened
    out.meta["oi_sources"] = {ex: s.label for ex, s in data.oi_sources.items()}
    if res.by_exchange:
        out.by_exchange = {k: windows.trim(v, data.start) for k, v in res.by_exchange.items()}
    return out
