"""Pages: the views stacked on a shared time axis."""
from __future__ import annotations

import holoviews as hv
import pandas as pd

from liqlab.views import panels, style

__all__ = ["candles_page"]


def candles_page(candles: pd.DataFrame, title: str = "", width: int = style.WIDTH) -> hv.Layout:
    """Candles with the last price over a volume panel, sharing the time axis."""
    price = (panels.candles(candles) * panels.last_price(candles)).opts(
        width=width, height=style.MAIN_HEIGHT, title=title, ylabel="price (USD)", xlabel="",
        yformatter="%.0f", bgcolor=style.BACKGROUND, **style.AXES)
    vol = panels.volume(candles).opts(width=width, **style.AXES)
    return (price + vol).cols(1).opts(shared_axes=True)
