"""Data in: the canonical frames (:mod:`.schema`), the embedded real samples (:mod:`.samples`),
the local Parquet store (:mod:`.store`), exchange clients, fetch, dump import and the
liquidation recorder (:mod:`.exchanges`), the standard windows (:mod:`.windows`), and one
window of real data for the heatmap from the samples or the store (:mod:`.load`:
:func:`load_window`, :class:`WindowData`).

Every frame that enters the kit passes :func:`liqlab.data.schema.validate` here; nothing in this
stage computes the model.
"""
from liqlab.data.load import AGGREGATE, CASCADES, OiSource, WindowData, load_window

__all__ = ["AGGREGATE", "CASCADES", "OiSource", "WindowData", "load_window"]
