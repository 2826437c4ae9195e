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

__all__ = ["estimate_window", "grid_range_needed"]

#: the inputs of :func:`liqlab.data.windows.window_inputs` the estimator takes
_KEEP = ("candles", "oi", "mark", "taker_buy")


def grid_range_needed(data: WindowData) -> float:
    """The smallest ``grid_range`` whose grid (anchored at the first open) holds every level of
    the window: the price range times the 5x tier's distance (20 %) and a margin."""
    lo = min(float(d["candles"]["low"].min()) for d in data.inputs.values())
    hi = max(float(d["candles"]["high"].max()) for d in data.inputs.values())
    p0 = min((d["candles"] for d in data.inputs.values()), key=lambda c: c.index[0])["open"].iloc[0]
    return float(min(100.0, max(hi / p0, p0 / lo) * 1.4))


def estimate_window(data: WindowData, params=None):
    """Estimate every exchange of ``data`` on one grid (:func:`liqlab.estimate_many`) with
    each exchange's own inputs (its open interest as :attr:`WindowData.oi_sources` says) and
    cut the warm-up off; ``result.by_exchange`` keeps each exchange for the exchange filter.

    When the window's price range needs a wider grid than ``params.grid_range`` (long windows),
    the grid is widened to :func:`grid_range_needed` and ``result.meta['grid_widened']`` says so.
    Funding is not passed (only the 'funding' side rule uses it; the panels show it).
    """
    params = params or ModelParams()
    need = grid_range_needed(data)
    widened = need > params.grid_range
    if widened:
        params = params.replace(grid_range=need)
    ins = {ex: {k: v for k, v in d.items() if k in _KEEP and v is not None}
           for ex, d in data.inputs.items()}
    # columns only for the window itself (the warm-up fills the state, not the picture)
    res = estimate_many(ins, params, start=data.start)
    out = windows.trim(res, data.start)
    if widened:
        out.meta["grid_widened"] = f"grid_range raised to {need:.2f} to hold this window's prices"
    out.meta["oi_sources"] = {ex: s.label for ex, s in data.oi_sources.items()}
    if res.by_exchange:
        out.by_exchange = {k: windows.trim(v, data.start) for k, v in res.by_exchange.items()}
    return out
